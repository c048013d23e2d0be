//! Fluency: how natural and correct a sentence is, 0.0–5.0, with a one-line reason.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Tutor;
use crate::engine::CancellationToken;
use crate::error::{ParseError, Result};

/// The fluency of one sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FluencyResult {
    /// 0.0 (not English) … 5.0 (natural, error-free), in steps of 0.5.
    pub score: f32,
    /// One line on why.
    pub reason: String,
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
        reason,
    })
}

impl Tutor {
    /// Rates the fluency of `sentence` (the original client's `analyze_fluency`).
    pub async fn analyze_fluency(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<FluencyResult> {
        let sentence = crate::input::validate(sentence)?;
        let answer: serde_json::Value = self
            .ask_json(SYSTEM, prompt(sentence), schema(), MAX_TOKENS, cancel)
            .await?;
        Ok(parse(answer)?)
    }
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
    fn schema_allows_only_half_points() {
        let s = schema();
        let steps = s["properties"]["score"]["enum"]
            .as_array()
            .expect("enum")
            .len();
        assert_eq!(steps, 11);
    }
}
