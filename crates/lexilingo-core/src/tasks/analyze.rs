//! `analyze`: fluency, level, correction and an explanation of every edit, in one call.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::explanation::{explain_edit, Explanation, TypeSource};
use super::{correction, fluency, CorrectionResult, FluencyResult, Tutor, VocabularyResult};
use crate::engine::CancellationToken;
use crate::error::Result;

/// Everything the tutor says about one sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
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
    /// Milliseconds per part, for the benchmark and the UI.
    pub timings_ms: AnalyzeTimings,
}

/// Wall-clock milliseconds of each part of an analysis. The correction and fluency parts both
/// include the batched generation they share, so the parts do not add up to the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
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
            tokio::task::spawn_blocking(move || crate::rules::check(&sentence))
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
        let model_correction = correction::model_result(sentence, correction_gen)?;
        let rating = fluency::rating_result(rating_gen, false)?;
        let t = Instant::now();
        let check = rules_work.await.unwrap_or_else(|e| {
            tracing::error!("the rule check failed: {e}");
            crate::rules::RuleCheck::nothing_found(sentence)
        });
        let hints = check.hints();
        let rules_fix = self.rules_in_context(&check).await?;
        let (candidates, own_score) = self
            .score_candidates(sentence, rules_fix, model_correction)
            .await?;
        let correction = correction::from_candidates(candidates);
        let correction_ms = generated_ms + ms(t);
        let t = Instant::now();
        let signals = self.signals_from(sentence, &hints, rating, own_score.as_ref());
        let mistakes: Vec<_> = correction.edits.iter().map(|e| e.error_type).collect();
        let fluency = self.fluency_from(signals, &mistakes).await?;
        let fluency_ms = generated_ms + ms(t);
        let t = Instant::now();
        let vocabulary = self.vocabulary_from(sentence, own_score.as_ref()).await?;
        let vocabulary_ms = ms(t);
        // The edits already carry rule-based types; explaining them needs no further model call.
        let explanations = correction
            .edits
            .iter()
            .cloned()
            .map(|e| explain_edit(e, TypeSource::Rules))
            .collect();
        Ok(AnalyzeResult {
            sentence: sentence.to_string(),
            fluency,
            vocabulary,
            correction,
            explanations,
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
