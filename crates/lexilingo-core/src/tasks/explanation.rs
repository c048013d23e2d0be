//! Explanation: for an (error, correction) pair, what each mistake is, in Vietnamese.

use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::Tutor;
use crate::engine::CancellationToken;
use crate::error::{InputError, ParseError, Result};
use crate::language::edits::{self, Edit, RawEdit};
use crate::language::error_types::{self, ErrorType};
use crate::language::explain_vi;

/// One mistake explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Explanation {
    /// The edit that fixes it.
    pub edit: Edit,
    /// Its type (the same as `edit.error_type`).
    pub error_type: ErrorType,
    /// The type's Vietnamese name.
    pub error_type_vi: String,
    /// The explanation, in Vietnamese.
    pub explanation_vi: String,
    /// Whether the type came from the rules or, where they had no answer, from the model.
    pub type_source: TypeSource,
}

/// Who decided an edit's error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum TypeSource {
    /// The rule-based classifier.
    Rules,
    /// The model, constrained to the fixed set of types.
    Model,
}

/// Explains one classified edit of `sentence` (its offsets point into it) with the Vietnamese
/// template for its type, filled from the sentence ([`explain_vi::explain_in`]).
pub fn explain_edit(sentence: &str, edit: Edit, type_source: TypeSource) -> Explanation {
    let kind = edit.error_type;
    Explanation {
        explanation_vi: explain_vi::explain_in(
            kind,
            sentence,
            edit.start,
            edit.end,
            &edit.original,
            &edit.replacement,
        ),
        error_type: kind,
        error_type_vi: kind.name_vi().to_string(),
        edit,
        type_source,
    }
}

const SYSTEM: &str = "You are an English teacher. A learner wrote the first text and it was \
corrected to the second. Name the type of the mistake. Answer in JSON.";

/// The JSON schema of the model's answer: one of the fixed error types (not "other").
pub fn schema() -> serde_json::Value {
    let names: Vec<&str> = ErrorType::ALL
        .iter()
        .filter(|t| **t != ErrorType::Other)
        .map(|t| t.as_str())
        .collect();
    json!({
        "type": "object",
        "properties": { "error_type": { "enum": names } },
        "required": ["error_type"],
        "additionalProperties": false
    })
}

/// Reads the error type from the model's answer.
pub fn parse(answer: &serde_json::Value) -> Result<ErrorType, ParseError> {
    let name = answer
        .get("error_type")
        .and_then(|t| t.as_str())
        .ok_or_else(|| ParseError::InvalidJson {
            message: "no `error_type` string".into(),
            raw: answer.to_string(),
        })?;
    name.parse().map_err(|_| ParseError::OutOfRange {
        field: "error_type",
        value: name.to_string(),
    })
}

impl Tutor {
    /// Explains every mistake between `error` and its `correction`, in Vietnamese (the original
    /// client's `explain_error`). Identical texts have nothing to explain and are refused.
    pub async fn explain_error(
        &self,
        error: &str,
        correction: &str,
        cancel: &CancellationToken,
    ) -> Result<Vec<Explanation>> {
        let error = crate::input::validate(error)?;
        let correction = crate::input::validate(correction)?;
        let raw = edits::diff(error, correction);
        if raw.is_empty() {
            return Err(InputError::NothingToExplain.into());
        }
        let mut out = Vec::with_capacity(raw.len());
        for r in raw {
            out.push(self.explain_raw(error, r, cancel).await?);
        }
        Ok(out)
    }

    /// Classifies by rules, asking the model only when the rules have no answer.
    async fn explain_raw(
        &self,
        sentence: &str,
        raw: RawEdit,
        cancel: &CancellationToken,
    ) -> Result<Explanation> {
        let mut source = TypeSource::Rules;
        let mut kind = error_types::classify(sentence, &raw);
        if kind == ErrorType::Other {
            let user = format!(
                "Learner: {sentence}\nMistake: \"{}\" → \"{}\"",
                raw.original, raw.replacement
            );
            let answer: serde_json::Value =
                self.ask_json(SYSTEM, user, schema(), 24, cancel).await?;
            kind = parse(&answer)?;
            source = TypeSource::Model;
        }
        let edit = Edit {
            start: raw.start,
            end: raw.end,
            original: raw.original,
            replacement: raw.replacement,
            error_type: kind,
            sure: true,
        };
        Ok(explain_edit(sentence, edit, source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_may_only_pick_a_known_type() {
        assert_eq!(
            parse(&json!({"error_type": "article"})),
            Ok(ErrorType::Article)
        );
        assert!(parse(&json!({"error_type": "grammar"})).is_err());
        assert!(parse(&json!({})).is_err());
        let allowed = schema()["properties"]["error_type"]["enum"]
            .as_array()
            .map(Vec::len);
        assert_eq!(allowed, Some(ErrorType::ALL.len() - 1));
    }
}
