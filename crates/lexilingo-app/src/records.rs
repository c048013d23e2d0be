//! What a use case's answer becomes in the history. Here rather than in the store, so the
//! store knows rows and not the tasks that fill them (`store` does not import `tasks`).

use lexilingo_core::store::{Mode, NewAttempt, StoredEdit};
use lexilingo_core::tasks::{AnalyzeResult, CorrectionResult};

/// The attempt for a finished analysis.
pub(crate) fn from_analysis(result: &AnalyzeResult, model_id: &str) -> NewAttempt {
    NewAttempt {
        uuid: None,
        text: result.sentence.clone(),
        mode: Mode::Practice,
        model_id: model_id.to_string(),
        created_at: None,
        fluency: Some(result.fluency.score),
        fluency_reason: Some(result.fluency.reason.clone()),
        cefr: Some(result.vocabulary.level),
        corrected: Some(result.correction.corrected.clone()),
        latency_ms: result.timings_ms.total,
        conversation_id: None,
        edits: result
            .explanations
            .iter()
            .map(|e| StoredEdit {
                start: e.edit.start,
                end: e.edit.end,
                original: e.edit.original.clone(),
                replacement: e.edit.replacement.clone(),
                error_type: e.error_type,
                explanation_vi: e.explanation_vi.clone(),
                sure: e.edit.sure,
            })
            .collect(),
    }
}

/// A checked chat message: the correction and its explained edits, no fluency or level
/// (chat only corrects).
pub(crate) fn from_dialogue_check(
    correction: &CorrectionResult,
    model_id: &str,
    conversation_id: i64,
    latency_ms: u64,
) -> NewAttempt {
    NewAttempt {
        uuid: None,
        text: correction.original.clone(),
        mode: Mode::Dialogue,
        model_id: model_id.to_string(),
        created_at: None,
        fluency: None,
        fluency_reason: None,
        cefr: None,
        corrected: Some(correction.corrected.clone()),
        latency_ms,
        conversation_id: Some(conversation_id),
        edits: correction
            .edits
            .iter()
            .map(|e| StoredEdit {
                start: e.start,
                end: e.end,
                original: e.original.clone(),
                replacement: e.replacement.clone(),
                error_type: e.error_type,
                explanation_vi: lexilingo_core::language::explain_vi::explain_in(
                    e.error_type,
                    &correction.original,
                    e.start,
                    e.end,
                    &e.original,
                    &e.replacement,
                ),
                sure: e.sure,
            })
            .collect(),
    }
}
