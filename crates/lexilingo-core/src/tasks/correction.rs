//! Correction: the corrected sentence and the minimal edits that lead to it.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{clean_sentence, Tutor};
use crate::edits::{self, Edit};
use crate::engine::{CancellationToken, ChatMessage, GenerateRequest, Generation, Role, TextScore};
use crate::error::{ParseError, Result};
use crate::error_types;

/// A corrected sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrectionResult {
    /// The learner's sentence.
    pub original: String,
    /// The correction (equal to `original` when nothing is wrong).
    pub corrected: String,
    /// Edits from `original` to `corrected`; none for a correct sentence.
    pub edits: Vec<Edit>,
    /// Set when the model's answer was discarded because it rewrote the sentence instead of
    /// correcting it.
    pub rejected_rewrite: Option<String>,
    /// Which candidate became the correction.
    #[serde(default)]
    pub source: CorrectionSource,
}

/// Where a correction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionSource {
    /// The rule-based checker (also when the rules found nothing and the model was not better).
    #[default]
    Rules,
    /// The model's correction.
    Model,
    /// The model's correction with the rule fixes applied on top.
    ModelAndRules,
}

/// How much more likely (in nats, summed over the sentence) the language model must find a
/// candidate that includes the model's correction before it replaces the rule-based one.
///
/// The rules are the floor (DESIGN.md); the model's edits are taken only when the model itself
/// is clearly more confident in the result. A small model paraphrases: requiring a margin keeps
/// its rewrites of correct sentences out. Chosen on JFLEG dev and GUG train (docs/QUALITY.md).
pub const MODEL_MARGIN_NATS: f64 = 2.0;

/// The three candidates for a sentence and how likely the model finds each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidates {
    /// The learner's sentence.
    pub original: String,
    /// The rule-based correction.
    pub rules: String,
    /// The model's correction after the rewrite guard (`original` when it was discarded).
    pub model: String,
    /// The rule fixes applied to the model's correction.
    pub model_and_rules: String,
    /// The model's rejected rewrite, if any.
    pub rejected_rewrite: Option<String>,
    /// Log-probabilities of `original`, `rules`, `model`, `model_and_rules` (NaN when the
    /// backend cannot score).
    pub logprobs: [f64; 4],
}

impl Candidates {
    /// Picks the correction: the rule-based one unless a candidate containing the model's
    /// correction is more likely by more than `margin` nats.
    ///
    /// Without scores (a remote backend gives none) the model's correction, which already
    /// passed the rewrite guard, is taken when the rules found nothing, or when it includes
    /// every rule fix; where the two disagree the rules win, as the floor.
    pub fn choose(&self, margin: f64) -> (String, CorrectionSource) {
        if self.logprobs.iter().any(|l| l.is_nan()) {
            let rule_edits = edits::diff(&self.original, &self.rules);
            let model_edits = edits::diff(&self.original, &self.model_and_rules);
            let includes_rules = rule_edits.iter().all(|r| model_edits.contains(r));
            return if (rule_edits.is_empty() || includes_rules) && !model_edits.is_empty() {
                (
                    self.model_and_rules.clone(),
                    CorrectionSource::ModelAndRules,
                )
            } else {
                (self.rules.clone(), CorrectionSource::Rules)
            };
        }
        let [_, rules, model, both] = self.logprobs;
        let mut best = (self.rules.clone(), CorrectionSource::Rules, rules);
        for (text, source, lp) in [
            (&self.model_and_rules, CorrectionSource::ModelAndRules, both),
            (&self.model, CorrectionSource::Model, model),
        ] {
            if *text != self.rules && lp > rules + margin && lp > best.2 {
                best = (text.clone(), source, lp);
            }
        }
        (best.0, best.1)
    }
}

const SYSTEM: &str = "You are an English grammar checker for language learners. Correct the \
grammar, spelling and punctuation mistakes in the learner's sentence with as few changes as \
possible. Keep the learner's words and meaning. If the sentence is already correct, return it \
unchanged. Answer in JSON.";

/// More than this share of the original's tokens changed means the model rewrote the sentence
/// rather than correcting it. Learner sentences with real errors rarely need over half their
/// words changed; a small model that paraphrases or answers the sentence does.
pub const MAX_CHANGED_SHARE: f32 = 0.5;

/// The JSON schema of the answer, sized to the sentence so a runaway answer stops early.
pub fn schema(sentence: &str) -> serde_json::Value {
    let max_len = sentence.chars().count() * 2 + 20;
    json!({
        "type": "object",
        "properties": {
            "corrected": { "type": "string", "minLength": 1, "maxLength": max_len }
        },
        "required": ["corrected"],
        "additionalProperties": false
    })
}

/// The user message. Quoting the sentence after a short instruction made the 135M test model
/// correct "She don't like apples." and leave correct sentences alone; the bare sentence did
/// neither (measured on six learner sentences, three prompt shapes).
pub fn prompt(sentence: &str) -> String {
    format!("Fix the grammar: \"{sentence}\"")
}

fn max_tokens(sentence: &str) -> u32 {
    // JSON wrapper plus up to two tokens per character of the longest allowed answer.
    u32::try_from(sentence.chars().count()).unwrap_or(1000) * 2 + 40
}

/// Reads the corrected sentence from the model's answer.
pub fn parse(answer: &serde_json::Value) -> Result<String, ParseError> {
    let corrected = answer
        .get("corrected")
        .and_then(|c| c.as_str())
        .ok_or_else(|| ParseError::InvalidJson {
            message: "no `corrected` string".into(),
            raw: answer.to_string(),
        })?;
    let corrected = clean_sentence(corrected);
    if corrected.is_empty() {
        return Err(ParseError::Empty { field: "corrected" });
    }
    Ok(corrected)
}

/// Puts back a sentence's final `.`, `!` or `?` when the model dropped it: losing it is the
/// model's habit, not a correction the learner should be shown.
pub fn keep_final_punctuation(original: &str, corrected: &str) -> String {
    let terminal = |c: char| matches!(c, '.' | '!' | '?');
    match original.chars().last() {
        Some(end) if terminal(end) && !corrected.ends_with(terminal) => format!("{corrected}{end}"),
        _ => corrected.to_string(),
    }
}

/// The share of `original`'s tokens that the edits to `corrected` touch.
pub fn changed_share(original: &str, corrected: &str) -> f32 {
    let tokens = edits::tokenize(original).len().max(1);
    let changed: usize = edits::diff(original, corrected)
        .iter()
        .map(|e| {
            edits::tokenize(&e.original)
                .len()
                .max(edits::tokenize(&e.replacement).len())
        })
        .sum();
    changed as f32 / tokens as f32
}

/// Builds the result: diffs `original` against `corrected`, classifies each edit, and discards
/// a correction that changed more than [`MAX_CHANGED_SHARE`] of the sentence.
pub fn build(original: &str, corrected: &str) -> CorrectionResult {
    let raw = edits::diff(original, corrected);
    let share = changed_share(original, corrected);
    if share > MAX_CHANGED_SHARE && edits::tokenize(original).len() >= 3 {
        tracing::info!(
            share,
            corrected,
            "discarding a correction that rewrote the sentence"
        );
        return CorrectionResult {
            original: original.to_string(),
            corrected: original.to_string(),
            edits: Vec::new(),
            rejected_rewrite: Some(corrected.to_string()),
            source: CorrectionSource::Model,
        };
    }
    let edits = raw
        .into_iter()
        .map(|r| {
            let error_type = error_types::classify(original, &r);
            Edit {
                start: r.start,
                end: r.end,
                original: r.original,
                replacement: r.replacement,
                error_type,
            }
        })
        .collect();
    CorrectionResult {
        original: original.to_string(),
        corrected: corrected.to_string(),
        edits,
        rejected_rewrite: None,
        source: CorrectionSource::Model,
    }
}

impl Tutor {
    /// Corrects `sentence`: the rule-based fixes, replaced by the model's correction only when
    /// the model finds that clearly more likely (see [`MODEL_MARGIN_NATS`]).
    pub async fn correct_grammar(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<CorrectionResult> {
        Ok(from_candidates(
            self.correction_candidates(sentence, cancel).await?,
        ))
    }

    /// The model's own correction, behind the rewrite guard only (the "model only" pipeline).
    pub async fn correct_with_model(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<CorrectionResult> {
        let sentence = crate::input::validate(sentence)?;
        let generation = self
            .engine
            .generate(model_request(sentence), |_| {}, cancel)
            .await?;
        model_result(sentence, &generation)
    }

    /// The rule-based, model and combined candidates, scored by the model in one request.
    pub async fn correction_candidates(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<Candidates> {
        let sentence = crate::input::validate(sentence)?;
        let model = self.correct_with_model(sentence, cancel).await?;
        let rules = crate::rules::correct(sentence);
        Ok(self.score_candidates(sentence, rules, model).await?.0)
    }

    /// Builds and scores the candidates around the model's correction. Also returns the
    /// original sentence's own score (the first text scored), which fluency and level reuse.
    pub(crate) async fn score_candidates(
        &self,
        sentence: &str,
        rules: String,
        model: CorrectionResult,
    ) -> Result<(Candidates, Option<TextScore>)> {
        let model_and_rules = crate::rules::correct(&model.corrected);
        let texts = vec![
            sentence.to_string(),
            rules.clone(),
            model.corrected.clone(),
            model_and_rules.clone(),
        ];
        let scores = if self.engine.is_local() {
            self.engine.score(texts).await?
        } else {
            Vec::new()
        };
        let lp = |i: usize| scores.get(i).map_or(f64::NAN, |s| s.logprob);
        let candidates = Candidates {
            original: sentence.to_string(),
            rules,
            model: model.corrected,
            model_and_rules,
            rejected_rewrite: model.rejected_rewrite,
            logprobs: [lp(0), lp(1), lp(2), lp(3)],
        };
        Ok((candidates, scores.first().copied()))
    }
}

/// The correction from the chosen candidate.
pub(crate) fn from_candidates(candidates: Candidates) -> CorrectionResult {
    let (chosen, source) = candidates.choose(MODEL_MARGIN_NATS);
    let mut result = build(&candidates.original, &chosen);
    result.source = source;
    if result.rejected_rewrite.is_none() {
        result.rejected_rewrite = candidates.rejected_rewrite;
    }
    result
}

/// The request that asks the model for its correction of `sentence`.
pub(crate) fn model_request(sentence: &str) -> GenerateRequest {
    let messages = vec![
        ChatMessage::new(Role::System, SYSTEM),
        ChatMessage::new(Role::User, prompt(sentence)),
    ];
    GenerateRequest::json(messages, schema(sentence), max_tokens(sentence))
}

/// The model's correction from its answer to [`model_request`], behind the rewrite guard.
pub(crate) fn model_result(sentence: &str, generation: &Generation) -> Result<CorrectionResult> {
    let answer: serde_json::Value = super::parse_json(generation, max_tokens(sentence))?;
    let corrected = keep_final_punctuation(sentence, &parse(&answer)?);
    Ok(build(sentence, &corrected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_types::ErrorType;

    #[test]
    fn a_correct_sentence_gets_zero_edits() {
        let r = build("She likes apples.", "She likes apples.");
        assert!(r.edits.is_empty());
        assert_eq!(r.corrected, "She likes apples.");
    }

    #[test]
    fn edits_are_typed_and_point_into_the_original() {
        let r = build("She don't like apples.", "She doesn't like apples.");
        assert_eq!(r.edits.len(), 1);
        let e = &r.edits[0];
        assert_eq!(&r.original[e.start..e.end], "don't");
        assert_eq!(e.error_type, ErrorType::SubjectVerbAgreement);
    }

    #[test]
    fn a_rewrite_is_discarded_not_shown_as_a_correction() {
        let r = build(
            "I goes to school every day.",
            "What a lovely morning it is today!",
        );
        assert!(r.edits.is_empty());
        assert_eq!(r.corrected, r.original);
        assert!(r.rejected_rewrite.is_some());
    }

    fn candidates(rules: &str, model: &str, logprobs: [f64; 4]) -> Candidates {
        Candidates {
            original: "This is an test.".into(),
            rules: rules.into(),
            model: model.into(),
            model_and_rules: model.into(),
            rejected_rewrite: None,
            logprobs,
        }
    }

    #[test]
    fn the_model_replaces_the_rules_only_when_clearly_more_likely() {
        let c = candidates(
            "This is a test.",
            "This is a small test.",
            [-30.0, -20.0, -19.0, -19.0],
        );
        assert_eq!(c.choose(2.0).1, CorrectionSource::Rules);
        let c = candidates(
            "This is a test.",
            "This is a small test.",
            [-30.0, -20.0, -15.0, -15.0],
        );
        assert_eq!(c.choose(2.0).1, CorrectionSource::ModelAndRules);
        assert_eq!(c.choose(2.0).0, "This is a small test.");
    }

    #[test]
    fn without_scores_the_rules_win_where_the_model_disagrees() {
        let c = candidates("This is a test.", "This is an error.", [f64::NAN; 4]);
        assert_eq!(c.choose(2.0).0, "This is a test.");
        let c = candidates("This is a test.", "This is a good test.", [f64::NAN; 4]);
        assert_eq!(
            c.choose(2.0).0,
            "This is a test.",
            "the rule fix is missing"
        );
        let mut c = candidates("This is an test.", "This is an tests.", [f64::NAN; 4]);
        c.rules = c.original.clone();
        assert_eq!(c.choose(2.0).0, "This is an tests.", "rules found nothing");
    }

    #[test]
    fn a_dropped_full_stop_is_put_back() {
        assert_eq!(keep_final_punctuation("She runs.", "She runs"), "She runs.");
        assert_eq!(
            keep_final_punctuation("She runs?", "Does she run?"),
            "Does she run?"
        );
        assert_eq!(keep_final_punctuation("she runs", "She runs."), "She runs.");
    }

    #[test]
    fn parse_strips_wrapping_quotes_and_refuses_empty_answers() {
        assert_eq!(
            parse(&json!({"corrected": "\"She runs.\""})),
            Ok("She runs.".into())
        );
        assert!(parse(&json!({"corrected": "  "})).is_err());
        assert!(parse(&json!({"fixed": "x"})).is_err());
    }
}
