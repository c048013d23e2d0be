//! "Giúp em nói câu này": the learner types in Vietnamese what they want to say in a
//! conversation, and the partner suggests one English sentence at their level.
//!
//! The model writes the sentence (JSON-constrained, one field). The answer is refused when it
//! is empty or still Vietnamese: a small model sometimes copies its input. Quality grows with
//! the model; the prompt asks for the learner's level and the scene's register.

use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::dialogue::Scenario;
use super::Tutor;
use crate::engine::{CancellationToken, ChatMessage};
use crate::error::{ParseError, Result};
use crate::language::cefr::CefrLevel;

/// An English sentence for what the learner wanted to say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Suggestion {
    /// What the learner typed (usually Vietnamese).
    pub wanted: String,
    /// One English sentence at the learner's level.
    pub english: String,
}

/// The longest suggestion, in tokens: one sentence.
const MAX_TOKENS: u32 = 80;

/// The system prompt: the scene, the level, one sentence.
pub fn system_prompt(scenario: Scenario, level: CefrLevel) -> String {
    format!(
        "You help a Vietnamese learner of English at CEFR level {level} in a role-play \
         ({scene}). The learner writes, usually in Vietnamese, what they want to say next. \
         Write it as one short, natural English sentence that a {level} learner can say: \
         simple words and grammar for A1-A2, richer for B2 and above. Keep names and places \
         as written. Answer in JSON.",
        level = level.as_str(),
        scene = scenario.as_str().replace('_', " "),
    )
}

/// The JSON schema of the answer.
pub fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": { "english": { "type": "string", "minLength": 1, "maxLength": 200 } },
        "required": ["english"],
        "additionalProperties": false
    })
}

#[derive(Deserialize)]
struct Answer {
    english: String,
}

/// The suggestion from the model's answer: one trimmed sentence (the first, when the model
/// wrote more), not empty, not Vietnamese.
fn suggestion(wanted: &str, answer: Answer) -> std::result::Result<Suggestion, ParseError> {
    let english = super::clean_sentence(&answer.english);
    let english = crate::language::sentences::split(&english)
        .into_iter()
        .next()
        .map_or(english, |s| s.text);
    if english.is_empty() {
        return Err(ParseError::Empty { field: "english" });
    }
    if crate::language::vietnamese::is_vietnamese_sentence(&english) {
        return Err(ParseError::OutOfRange {
            field: "english",
            value: english,
        });
    }
    Ok(Suggestion {
        wanted: wanted.to_string(),
        english,
    })
}

impl Tutor {
    /// An English sentence for `wanted` (what the learner wants to say, in Vietnamese or
    /// broken English), at `level`, in `scenario`, after the conversation so far (`history`,
    /// its last few messages give the context).
    pub async fn suggest_english(
        &self,
        wanted: &str,
        history: &[ChatMessage],
        scenario: Scenario,
        level: CefrLevel,
        cancel: &CancellationToken,
    ) -> Result<Suggestion> {
        let wanted = crate::input::validate(wanted)?;
        let context: Vec<String> = history
            .iter()
            .rev()
            .take(4)
            .rev()
            .filter_map(|m| match m.role {
                crate::engine::Role::User => Some(format!("Learner: {}", m.content)),
                crate::engine::Role::Assistant => Some(format!("Partner: {}", m.content)),
                crate::engine::Role::System => None,
            })
            .collect();
        let user = if context.is_empty() {
            format!("What I want to say: {wanted}")
        } else {
            format!(
                "The conversation so far:\n{}\n\nWhat I want to say next: {wanted}",
                context.join("\n")
            )
        };
        let answer: Answer = self
            .ask_json(
                &system_prompt(scenario, level),
                user,
                schema(),
                MAX_TOKENS,
                cancel,
            )
            .await?;
        Ok(suggestion(wanted, answer)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_names_the_level_and_the_scene() {
        let p = system_prompt(Scenario::OrderingFood, CefrLevel::A2);
        assert!(
            p.contains("CEFR level A2") && p.contains("ordering food"),
            "{p}"
        );
    }

    #[test]
    fn an_empty_or_vietnamese_answer_is_refused() {
        let ok = suggestion(
            "Cho em một ly cà phê sữa đá.",
            Answer {
                english: "\"Can I have an iced milk coffee, please?\"".into(),
            },
        )
        .expect("English");
        assert_eq!(ok.english, "Can I have an iced milk coffee, please?");
        let two = Answer {
            english: "I'd like a coffee. I'd like a coffee.".into(),
        };
        assert_eq!(
            suggestion("x", two).expect("one").english,
            "I'd like a coffee."
        );
        assert!(suggestion(
            "x",
            Answer {
                english: "  ".into()
            }
        )
        .is_err());
        let copied = Answer {
            english: "Cho em một ly cà phê sữa đá.".into(),
        };
        assert!(suggestion("Cho em một ly cà phê sữa đá.", copied).is_err());
    }
}
