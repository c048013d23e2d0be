//! Fluency: how natural and correct a sentence is, 0.0–5.0, with a one-line reason in
//! Vietnamese.

use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::Tutor;
use crate::calibration;
use crate::engine::{CancellationToken, ChatMessage, GenerateRequest, Generation, Role, TextScore};
use crate::error::{ParseError, Result};
use crate::ErrorType;

/// The fluency of one sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct FluencyResult {
    /// 0.0 (not English) … 5.0 (natural, error-free), to one decimal: the calibrated
    /// combination of the signals in [`FluencySignals`].
    pub score: f32,
    /// One line on why, in Vietnamese: the score's band and the kinds of mistakes found
    /// ([`reason_vi`]). The model's own rating model writes only a number: a small model's
    /// one-line reason was English a Vietnamese learner may not read, and writing it made the
    /// rating several times slower than the score alone.
    pub reason: String,
    /// The same in English, for the English UI ([`reason_en`]).
    #[serde(default)]
    pub reason_en: String,
    /// The model's own rating, in steps of 0.5, before calibration.
    #[serde(default)]
    pub model_score: Option<f32>,
}

const SYSTEM: &str = "You are an English teacher. Rate the fluency of the learner's English \
sentence on a scale from 0 to 5: 5 = natural and error-free, 4 = one small mistake, \
3 = understandable with a few mistakes, 2 = many mistakes, 1 = hard to understand, \
0 = not English. Give the score and a one-line reason in JSON.";

const MAX_TOKENS: u32 = 96;
const REASON_MAX_CHARS: u32 = 160;

/// The JSON schema of the answer: a half-point score, then a short reason.
pub fn schema() -> serde_json::Value {
    let steps: Vec<f64> = (0..=10).map(|i| f64::from(i) / 2.0).collect();
    json!({
        "type": "object",
        "properties": {
            "score": { "enum": steps },
            "reason": { "type": "string", "minLength": 3, "maxLength": REASON_MAX_CHARS }
        },
        "required": ["score", "reason"],
        "additionalProperties": false
    })
}

/// The user message for `sentence`.
pub fn prompt(sentence: &str) -> String {
    format!("Sentence: {sentence}")
}

#[derive(Deserialize)]
struct Answer {
    score: f64,
    reason: String,
}

/// Checks the model's answer: a finite score within 0–5 and a non-empty reason.
pub fn parse(answer: serde_json::Value) -> Result<FluencyResult, ParseError> {
    let raw = answer.to_string();
    let a: Answer = serde_json::from_value(answer).map_err(|e| ParseError::InvalidJson {
        message: e.to_string(),
        raw,
    })?;
    if !a.score.is_finite() || !(0.0..=5.0).contains(&a.score) {
        return Err(ParseError::OutOfRange {
            field: "score",
            value: a.score.to_string(),
        });
    }
    let reason = a.reason.trim().to_string();
    if reason.is_empty() {
        return Err(ParseError::Empty { field: "reason" });
    }
    Ok(FluencyResult {
        score: a.score as f32,
        model_score: None,
        reason_en: reason.clone(),
        reason,
    })
}

/// Everything the fluency score is computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FluencySignals {
    /// Rule features ([`calibration::FLUENCY_RULE_FEATURES`]).
    pub rules: Vec<f64>,
    /// The model's log-probability features ([`calibration::MODEL_FEATURES`]).
    pub logprob: Vec<f64>,
    /// The model's own rating and reason.
    pub rating: FluencyResult,
}

impl FluencySignals {
    /// The score under `entry`'s fluency model, and whether the model's signals were used.
    /// The feature layout follows how the entry was fitted: the model-independent `*` entry
    /// uses the rule features only.
    pub fn score(&self, entry: &calibration::Entry) -> Option<f32> {
        let linear = entry.fluency.as_ref()?;
        let mut x = self.rules.clone();
        if entry.model != calibration::ANY_MODEL {
            x.extend(&self.logprob);
            x.push(f64::from(self.rating.score));
        }
        (x.len() == linear.features.len()).then(|| calibration::gug_to_score(linear.predict(&x)))
    }
}

impl Tutor {
    /// Rates how fluent `sentence` is, 0–5: the model's rating combined with how likely the
    /// model finds the sentence and the mistakes the rules find, weighted as fitted on GUG.
    pub async fn analyze_fluency(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<FluencyResult> {
        let sentence = crate::input::validate_english(sentence)?;
        let hints = crate::language::rules::hints(sentence);
        let signals = self
            .signals_with_hints(sentence, &hints, false, cancel)
            .await?;
        let mistakes: Vec<ErrorType> = hints.iter().map(|h| h.error_type).collect();
        self.fluency_from(signals, &mistakes).await
    }

    /// The calibrated score from `signals`, with a Vietnamese reason naming `mistakes`.
    pub(crate) async fn fluency_from(
        &self,
        signals: FluencySignals,
        mistakes: &[ErrorType],
    ) -> Result<FluencyResult> {
        // A backend that cannot score (a remote server without echo log-probabilities) gives
        // none of the model's features: only the model-independent entry fits.
        let model = if self.engine.can_score().await {
            self.model_name().await?
        } else {
            calibration::ANY_MODEL.to_string()
        };
        let calibration = calibration::Calibration::builtin();
        let score = [model.as_str(), calibration::ANY_MODEL]
            .iter()
            .filter_map(|m| calibration.for_model(m))
            .find_map(|entry| signals.score(entry));
        let score = score.unwrap_or(signals.rating.score);
        Ok(FluencyResult {
            score,
            model_score: Some(signals.rating.score),
            reason: reason_vi(score, mistakes),
            reason_en: reason_en(score, mistakes),
        })
    }

    /// The score from the rule features alone, under the model-independent fit: for an
    /// analysis whose model rating was unusable. `model_score` is `None`: the model gave none.
    pub(crate) fn fluency_from_rules(
        &self,
        sentence: &str,
        hints: &[crate::language::rules::Hint],
        mistakes: &[ErrorType],
    ) -> FluencyResult {
        let rules = calibration::fluency_features(self.lexicon, sentence, hints);
        let score = calibration::Calibration::builtin()
            .for_model(calibration::ANY_MODEL)
            .and_then(|entry| entry.fluency.as_ref())
            .filter(|linear| linear.features.len() == rules.len())
            .map(|linear| calibration::gug_to_score(linear.predict(&rules)))
            // The shipped calibration always has this entry (a test checks it); the middle of
            // the scale only if a hand-edited file lost it.
            .unwrap_or(2.5);
        FluencyResult {
            score,
            model_score: None,
            reason: reason_vi(score, mistakes),
            reason_en: reason_en(score, mistakes),
        }
    }

    /// The signals the fluency score combines. Without `reason` the model writes only its
    /// score, which is several times faster; the score is the same, since it is the first
    /// field of the answer and decoding is greedy (used by the evaluation).
    pub async fn fluency_signals(
        &self,
        sentence: &str,
        reason: bool,
        cancel: &CancellationToken,
    ) -> Result<FluencySignals> {
        let sentence = crate::input::validate_english(sentence)?;
        let hints = crate::language::rules::hints(sentence);
        self.signals_with_hints(sentence, &hints, reason, cancel)
            .await
    }

    pub(crate) async fn signals_with_hints(
        &self,
        sentence: &str,
        hints: &[crate::language::rules::Hint],
        reason: bool,
        cancel: &CancellationToken,
    ) -> Result<FluencySignals> {
        let generation = self
            .engine
            .generate(rating_request(sentence, reason), |_| {}, cancel)
            .await?;
        let rating = rating_result(&generation, reason)?;
        let score = self.own_score(sentence).await?;
        Ok(self.signals_from(sentence, hints, rating, score.as_ref()))
    }

    /// Assembles the signals from their parts.
    pub(crate) fn signals_from(
        &self,
        sentence: &str,
        hints: &[crate::language::rules::Hint],
        rating: FluencyResult,
        score: Option<&TextScore>,
    ) -> FluencySignals {
        FluencySignals {
            rules: calibration::fluency_features(self.lexicon, sentence, hints),
            logprob: score
                .map(calibration::model_features)
                .unwrap_or_else(|| vec![0.0; calibration::MODEL_FEATURES.len()]),
            rating,
        }
    }

    /// The model's own rating (the "model only" pipeline).
    pub async fn model_fluency(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<FluencyResult> {
        let sentence = crate::input::validate_english(sentence)?;
        let generation = self
            .engine
            .generate(rating_request(sentence, true), |_| {}, cancel)
            .await?;
        rating_result(&generation, true)
    }
}

/// The words of a reason in one language.
struct ReasonTexts {
    /// From the best band (4.5 and up) to the worst (below 1.5).
    bands: [&'static str; 5],
    /// No mistake found, and the score is good.
    clean: &'static str,
    /// No mistake found, but the score is low.
    whole_sentence: &'static str,
    /// "N things to fix: kinds."
    fixes: fn(usize, &str) -> String,
    /// An error type's name.
    name: fn(ErrorType) -> &'static str,
}

const VI: ReasonTexts = ReasonTexts {
    bands: [
        "Câu của em tự nhiên và dễ hiểu.",
        "Câu của em khá tốt.",
        "Câu của em hiểu được nhưng chưa thật tự nhiên.",
        "Câu của em còn khó hiểu với người đọc.",
        "Câu này còn rất khó hiểu, em thử viết lại ngắn và đơn giản hơn nhé.",
    ],
    clean: "Không thấy lỗi ngữ pháp hay chính tả nào.",
    whole_sentence: "Lỗi không nằm ở một từ cụ thể: em xem lại cách sắp xếp cả câu nhé.",
    fixes: |n, kinds| format!("Có {n} chỗ cần sửa: {kinds}."),
    name: ErrorType::name_vi,
};

const EN: ReasonTexts = ReasonTexts {
    bands: [
        "Your sentence is natural and clear.",
        "Your sentence is quite good.",
        "Your sentence can be understood but does not sound natural yet.",
        "Your sentence is still hard for a reader to follow.",
        "This sentence is very hard to understand; try writing it shorter and simpler.",
    ],
    clean: "No grammar or spelling mistakes found.",
    whole_sentence: "The problem is not one word: look again at how the whole sentence is built.",
    fixes: |n, kinds| {
        let things = if n == 1 { "thing" } else { "things" };
        format!("{n} {things} to fix: {kinds}.")
    },
    name: ErrorType::name_en,
};

/// A one-line Vietnamese reason for `score`: its band, then the kinds of mistakes found (each
/// kind once, in the order found), in the tutor's voice (the learner is "em").
pub fn reason_vi(score: f32, mistakes: &[ErrorType]) -> String {
    reason(&VI, score, mistakes)
}

/// [`reason_vi`] in English, for the English UI: the same bands and the same kinds.
pub fn reason_en(score: f32, mistakes: &[ErrorType]) -> String {
    reason(&EN, score, mistakes)
}

fn reason(texts: &ReasonTexts, score: f32, mistakes: &[ErrorType]) -> String {
    let band = match score {
        s if s >= 4.5 => texts.bands[0],
        s if s >= 3.5 => texts.bands[1],
        s if s >= 2.5 => texts.bands[2],
        s if s >= 1.5 => texts.bands[3],
        _ => texts.bands[4],
    };
    let mut kinds: Vec<ErrorType> = Vec::new();
    for m in mistakes {
        if !kinds.contains(m) {
            kinds.push(*m);
        }
    }
    if kinds.is_empty() {
        let rest = if score >= 3.5 {
            texts.clean
        } else {
            texts.whole_sentence
        };
        return format!("{band} {rest}");
    }
    let names: Vec<String> = kinds
        .iter()
        .map(|k| (texts.name)(*k).to_lowercase())
        .collect();
    format!(
        "{band} {}",
        (texts.fixes)(mistakes.len(), &names.join(", "))
    )
}

/// The request for the model's rating, with or without its one-line reason.
pub(crate) fn rating_request(sentence: &str, reason: bool) -> GenerateRequest {
    let mut schema = schema();
    let mut max_tokens = MAX_TOKENS;
    if !reason {
        schema["required"] = json!(["score"]);
        if let Some(props) = schema["properties"].as_object_mut() {
            props.remove("reason");
        }
        max_tokens = 16;
    }
    let messages = vec![
        ChatMessage::new(Role::System, SYSTEM),
        ChatMessage::new(Role::User, prompt(sentence)),
    ];
    GenerateRequest::json(messages, schema, max_tokens)
}

/// The rating from the model's answer to [`rating_request`].
pub(crate) fn rating_result(generation: &Generation, reason: bool) -> Result<FluencyResult> {
    let max_tokens = if reason { MAX_TOKENS } else { 16 };
    let answer: serde_json::Value = super::parse_json(generation, max_tokens)?;
    if reason {
        return Ok(parse(answer)?);
    }
    let score = answer["score"]
        .as_f64()
        .filter(|s| (0.0..=5.0).contains(s))
        .ok_or_else(|| ParseError::InvalidJson {
            message: "no score in range".into(),
            raw: answer.to_string(),
        })?;
    Ok(FluencyResult {
        score: score as f32,
        reason: String::new(),
        reason_en: String::new(),
        model_score: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_a_score_in_range_and_trims_the_reason() {
        let r = parse(json!({"score": 3.5, "reason": " One agreement error. "})).expect("valid");
        assert_eq!(r.score, 3.5);
        assert_eq!(r.reason, "One agreement error.");
    }

    #[test]
    fn refuses_what_the_model_did_not_say() {
        assert!(matches!(
            parse(json!({"score": 7, "reason": "x"})),
            Err(ParseError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse(json!({"score": -1, "reason": "x"})),
            Err(ParseError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse(json!({"score": 4, "reason": "  "})),
            Err(ParseError::Empty { .. })
        ));
        assert!(matches!(
            parse(json!({"reason": "no score"})),
            Err(ParseError::InvalidJson { .. })
        ));
        assert!(matches!(
            parse(json!({"score": "4", "reason": "x"})),
            Err(ParseError::InvalidJson { .. })
        ));
    }

    #[test]
    fn the_reason_is_vietnamese_and_names_each_kind_once() {
        let r = reason_vi(
            3.0,
            &[ErrorType::Article, ErrorType::Article, ErrorType::Spelling],
        );
        assert!(r.starts_with("Câu của em hiểu được"), "{r}");
        assert!(
            r.contains("Có 3 chỗ cần sửa: mạo từ (a / an / the), chính tả."),
            "{r}"
        );
        let r = reason_vi(4.8, &[]);
        assert!(r.contains("Không thấy lỗi"), "{r}");
        // A low score without a located mistake must not claim the sentence is error-free.
        let r = reason_vi(1.0, &[]);
        assert!(!r.contains("Không thấy lỗi"), "{r}");
    }

    #[test]
    fn the_english_reason_says_the_same() {
        let r = reason_en(3.0, &[ErrorType::Article, ErrorType::Spelling]);
        assert!(r.starts_with("Your sentence can be understood"), "{r}");
        assert!(
            r.ends_with("2 things to fix: article (a / an / the), spelling."),
            "{r}"
        );
        assert!(reason_en(4.8, &[]).contains("No grammar or spelling mistakes"));
        assert!(reason_en(3.8, &[ErrorType::Spelling]).contains("1 thing to fix: spelling."));
    }

    #[test]
    fn schema_allows_only_half_points() {
        let s = schema();
        let steps = s["properties"]["score"]["enum"]
            .as_array()
            .expect("enum")
            .len();
        assert_eq!(steps, 11);
    }
}
