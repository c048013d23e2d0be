//! Correction: the corrected sentence and the minimal edits that lead to it.

use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::clean_sentence;
use crate::engine::{CancellationToken, ChatMessage, GenerateRequest, Generation, Role, TextScore};
use crate::error::{ParseError, Result};
use crate::language::edits::{self, Edit};
use crate::language::error_types;

/// A corrected sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
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
    /// The model's gain for each edit, where measured ([`Candidates::edit_gains`]); read by
    /// [`mark_sure`] and not kept.
    #[serde(skip)]
    #[ts(skip)]
    pub edit_gains: Vec<Option<f64>>,
}

/// Marks which edits the tutor is sure of: those whose gain reaches `threshold` (the
/// confusion-set bar: the model finds the sentence at least that many nats more likely with
/// the edit than without it). Where no gain was measured (a remote backend cannot score) every
/// edit stays sure, as before the measure existed: without it the tutor has nothing better.
pub fn mark_sure(result: &mut CorrectionResult, threshold: f64) {
    if result.edit_gains.len() != result.edits.len() {
        return;
    }
    for (e, g) in result.edits.iter_mut().zip(&result.edit_gains) {
        if let Some(g) = g {
            e.sure = *g >= threshold;
        }
    }
}

/// Where a correction came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS, utoipa::ToSchema,
)]
#[ts(export)]
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
            edit_gains: Vec::new(),
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
                sure: true,
            }
        })
        .collect();
    CorrectionResult {
        original: original.to_string(),
        corrected: corrected.to_string(),
        edits,
        rejected_rewrite: None,
        source: CorrectionSource::Model,
        edit_gains: Vec::new(),
    }
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

/// [`model_result`], or no change from the model when its answer is unusable (cut off, not
/// the JSON asked for, an empty sentence: what a small or base model sometimes writes). The
/// rules and the confusion sets, which the model only scores, still correct the sentence, so
/// the learner gets a correction rather than an error. A cancelled generation stays an error.
pub(crate) fn model_result_or_unchanged(
    sentence: &str,
    generation: &Generation,
) -> Result<CorrectionResult> {
    match model_result(sentence, generation) {
        Err(crate::Error::Parse(e)) => {
            tracing::warn!("the model's own correction was unusable ({e}); the rules and the confusion sets correct alone");
            Ok(build(sentence, sentence))
        }
        other => other,
    }
}

mod choose;
mod scan;
#[cfg(test)]
mod tests;

pub(crate) use choose::from_candidates;
pub use choose::{with_veto, Candidates, EditVeto, MODEL_MARGIN_NATS};
pub use scan::{ConfusionScan, NearEdit, BROAD_KEEP};
