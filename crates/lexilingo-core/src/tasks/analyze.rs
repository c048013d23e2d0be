//! `analyze`: fluency, level, correction and an explanation of every edit, in one call.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::explanation::{explain_edit, Explanation, TypeSource};
use super::{correction, fluency, CorrectionResult, FluencyResult, Tutor, VocabularyResult};
use crate::engine::CancellationToken;
use crate::error::Result;

/// Everything the tutor says about one sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AnalyzeResult {
    /// The sentence as analysed (trimmed).
    pub sentence: String,
    /// Fluency score and reason.
    pub fluency: FluencyResult,
    /// CEFR level of the sentence and its words.
    pub vocabulary: VocabularyResult,
    /// The correction and its edits.
    pub correction: CorrectionResult,
    /// One Vietnamese explanation per edit, in the order of the edits.
    pub explanations: Vec<Explanation>,
    /// Whether the tutor calls the sentence correct, and how sure it is (absent in results
    /// saved before it existed).
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// Milliseconds per part, for the benchmark and the UI.
    pub timings_ms: AnalyzeTimings,
}

/// What the tutor concludes about a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// No edit, no fix the model half-preferred, and fluent: "Câu đúng rồi".
    Correct,
    /// No clear mistake, but the tutor is not confident the sentence is right.
    Unsure,
    /// The correction has edits.
    Corrected,
}

/// The verdict, with its message in both languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Verdict {
    /// Correct, unsure or corrected.
    pub kind: VerdictKind,
    /// What to tell the learner, in Vietnamese.
    pub message_vi: String,
    /// The same in English (the English UI).
    pub message_en: String,
    /// For `unsure`: the sentence with the fix the model half-preferred, if that is why.
    #[serde(default)]
    pub maybe: Option<String>,
}

impl Verdict {
    /// Praise only when the tutor is confident: no edit, no confusion-set fix left undone
    /// with a gain of at least `near_gain_nats`, and fluency at least `fluency_min` (both
    /// fitted on GUG train per model, [`crate::calibration::Thresholds`]). False praise
    /// teaches a learner that a wrong sentence is right, which is worse than a hedge.
    pub fn decide(
        correction: &CorrectionResult,
        near: Option<&correction::NearEdit>,
        fluency: f32,
        thresholds: &crate::calibration::Thresholds,
    ) -> Verdict {
        if !correction.edits.is_empty() {
            let n = correction.edits.len();
            return Verdict {
                kind: VerdictKind::Corrected,
                message_vi: format!("Có {n} chỗ cần sửa."),
                message_en: format!("{n} {} to fix.", if n == 1 { "thing" } else { "things" }),
                maybe: None,
            };
        }
        let near =
            near.filter(|n| n.gain >= thresholds.near_gain_nats && n.text != correction.original);
        if let Some(near) = near {
            return Verdict {
                kind: VerdictKind::Unsure,
                message_vi: format!(
                    "Không thấy lỗi rõ ràng, nhưng câu có thể chưa tự nhiên. Em thử so sánh với: “{}”",
                    near.text
                ),
                message_en: format!(
                    "No clear mistake found, but the sentence may not sound natural. Compare: “{}”",
                    near.text
                ),
                maybe: Some(near.text.clone()),
            };
        }
        // Vietnamese words ("phở", "Nguyễn Văn An") are unknown to the word lists and unlikely
        // to the model, which pulls the fluency estimate down on a right sentence; with them
        // present a low fluency alone is no reason to doubt it.
        let vietnamese =
            !crate::language::vietnamese::protected_spans(&correction.original).is_empty();
        if fluency < thresholds.fluency_min && !vietnamese {
            return Verdict {
                kind: VerdictKind::Unsure,
                message_vi: format!(
                    "Không thấy lỗi rõ ràng, nhưng câu có thể chưa tự nhiên (độ trôi chảy {fluency:.1}/5). Em đọc lại thứ tự từ, động từ và các từ nhỏ như a/the, is/are nhé."
                ),
                message_en: format!(
                    "No clear mistake found, but the sentence may not sound natural (fluency {fluency:.1}/5). Check the word order, the verbs and small words such as a/the, is/are."
                ),
                maybe: None,
            };
        }
        Verdict {
            kind: VerdictKind::Correct,
            message_vi: "Câu đúng rồi, giỏi lắm!".into(),
            message_en: "No mistakes, well done!".into(),
            maybe: None,
        }
    }
}

/// Wall-clock milliseconds of each part of an analysis. The correction and fluency parts both
/// include the batched generation they share, so the parts do not add up to the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AnalyzeTimings {
    /// Fluency task.
    #[ts(type = "number")]
    pub fluency: u64,
    /// Vocabulary task.
    #[ts(type = "number")]
    pub vocabulary: u64,
    /// Correction task.
    #[ts(type = "number")]
    pub correction: u64,
    /// The whole analysis.
    #[ts(type = "number")]
    pub total: u64,
}

impl Tutor {
    /// Runs fluency, vocabulary and correction on `sentence` and explains each edit.
    pub async fn analyze(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<AnalyzeResult> {
        let sentence = crate::input::validate_english(sentence)?;
        let started = Instant::now();
        // The two answers the model writes (its correction and its rating) are generated
        // together, as parallel sequences of one batch; then one scoring request covers the
        // correction candidates and the sentence itself, which fluency and level reuse.
        // Meanwhile the rules check the sentence on a blocking thread (Harper is synchronous);
        // the hints and the correction are both read from that one check.
        let rules_work = {
            let sentence = sentence.to_string();
            tokio::task::spawn_blocking(move || crate::language::rules::check(&sentence))
        };
        let generations = self
            .engine
            .generate_many(
                vec![
                    correction::model_request(sentence),
                    // The score only: the reason is written from the edits, in Vietnamese.
                    fluency::rating_request(sentence, false),
                ],
                cancel,
            )
            .await?;
        let [correction_gen, rating_gen] = generations.as_slice() else {
            return Err(crate::error::EngineError::Protocol {
                message: format!("expected 2 generations, got {}", generations.len()),
            }
            .into());
        };
        let generated_ms = ms(started);
        let model_correction = correction::model_result_or_unchanged(sentence, correction_gen)?;
        // An unusable rating (another model that breaks the format, or a cut-off answer) costs
        // the model's share of the fluency score, not the analysis: the rules' fit scores alone.
        let rating = match fluency::rating_result(rating_gen, false) {
            Ok(rating) => Some(rating),
            Err(crate::Error::Parse(e)) => {
                tracing::warn!(
                    "the model's rating was unusable ({e}); fluency from the rules alone"
                );
                None
            }
            Err(e) => return Err(e),
        };
        let t = Instant::now();
        let check = rules_work.await.unwrap_or_else(|e| {
            tracing::error!("the rule check failed: {e}");
            crate::language::rules::RuleCheck::nothing_found(sentence)
        });
        let hints = check.hints();
        let (rules_fix, near) = self.rules_in_context(&check).await?;
        let (candidates, own_score) = self
            .score_candidates(sentence, rules_fix, model_correction)
            .await?;
        let mut correction = correction::from_candidates(candidates);
        let thresholds = self.thresholds().await?;
        correction::mark_sure(&mut correction, thresholds.confusion_gain_nats);
        let correction_ms = generated_ms + ms(t);
        let t = Instant::now();
        let mistakes: Vec<_> = correction.edits.iter().map(|e| e.error_type).collect();
        let fluency = match rating {
            Some(rating) => {
                let signals = self.signals_from(sentence, &hints, rating, own_score.as_ref());
                self.fluency_from(signals, &mistakes).await?
            }
            None => self.fluency_from_rules(sentence, &hints, &mistakes),
        };
        let verdict = Verdict::decide(&correction, near.as_ref(), fluency.score, &thresholds);
        let fluency_ms = generated_ms + ms(t);
        let t = Instant::now();
        let vocabulary = self.vocabulary_from(sentence, own_score.as_ref()).await?;
        let vocabulary_ms = ms(t);
        // The edits already carry rule-based types; explaining them needs no further model call.
        let explanations = correction
            .edits
            .iter()
            .cloned()
            .map(|e| explain_edit(sentence, e, TypeSource::Rules))
            .collect();
        Ok(AnalyzeResult {
            sentence: sentence.to_string(),
            fluency,
            vocabulary,
            correction,
            explanations,
            verdict: Some(verdict),
            timings_ms: AnalyzeTimings {
                fluency: fluency_ms,
                vocabulary: vocabulary_ms,
                correction: correction_ms,
                total: ms(started),
            },
        })
    }
}

fn ms(t: Instant) -> u64 {
    t.elapsed().as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::Thresholds;

    #[test]
    fn praise_only_when_nothing_is_doubtful() {
        let t = Thresholds {
            confusion_gain_nats: 3.0,
            near_gain_nats: 1.0,
            fluency_min: 3.0,
            broad_gain_nats: 8.0,
            ..Thresholds::DEFAULT
        };
        let clean = correction::build("My house small but nice.", "My house small but nice.");
        let near = correction::NearEdit {
            text: "My house is small but nice.".into(),
            gain: 2.0,
        };
        let v = Verdict::decide(&clean, Some(&near), 4.5, &t);
        assert_eq!(v.kind, VerdictKind::Unsure);
        assert_eq!(v.maybe.as_deref(), Some("My house is small but nice."));
        assert!(v.message_vi.contains("My house is small but nice."));
        let faint = correction::NearEdit {
            gain: 0.5,
            ..near.clone()
        };
        assert_eq!(
            Verdict::decide(&clean, Some(&faint), 4.5, &t).kind,
            VerdictKind::Correct
        );
        let v = Verdict::decide(&clean, None, 2.4, &t);
        assert_eq!(v.kind, VerdictKind::Unsure, "not fluent enough to praise");
        let pho = correction::build("I love phở so much.", "I love phở so much.");
        assert_eq!(
            Verdict::decide(&pho, None, 2.4, &t).kind,
            VerdictKind::Correct,
            "Vietnamese words lower the fluency estimate, not the sentence"
        );
        assert!(v.message_vi.contains("2.4/5"), "{}", v.message_vi);
        let fixed = correction::build("I am student.", "I am a student.");
        assert_eq!(
            Verdict::decide(&fixed, Some(&near), 4.5, &t).kind,
            VerdictKind::Corrected
        );
    }
}
