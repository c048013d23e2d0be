//! `analyze`: fluency, level, correction and an explanation of every edit, in one call.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::explanation::{explain_edit, Explanation, TypeSource};
use super::{CorrectionResult, FluencyResult, Tutor, VocabularyResult};
use crate::engine::CancellationToken;
use crate::error::Result;

/// Everything the tutor says about one sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// Wall-clock milliseconds of each part of an analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AnalyzeTimings {
    /// Fluency task.
    pub fluency: u64,
    /// Vocabulary task.
    pub vocabulary: u64,
    /// Correction task.
    pub correction: u64,
    /// The whole analysis.
    pub total: u64,
}

impl Tutor {
    /// Runs fluency, vocabulary and correction on `sentence` and explains each edit.
    pub async fn analyze(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<AnalyzeResult> {
        let sentence = crate::input::validate(sentence)?;
        let started = Instant::now();
        let t = Instant::now();
        let correction = self.correct_grammar(sentence, cancel).await?;
        let correction_ms = ms(t);
        let t = Instant::now();
        let fluency = self.analyze_fluency(sentence, cancel).await?;
        let fluency_ms = ms(t);
        let t = Instant::now();
        let vocabulary = self.classify_vocabulary(sentence, cancel).await?;
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
