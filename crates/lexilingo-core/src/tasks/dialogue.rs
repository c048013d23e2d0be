//! Dialogue: a conversation partner that replies to the learner, streamed token by token.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Tutor;
use crate::cefr::CefrLevel;
use crate::engine::{CancellationToken, ChatMessage, GenerateRequest, Role, StopReason};
use crate::error::{ParseError, Result};

/// A practice situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Chat about anything.
    #[default]
    SmallTalk,
    /// At a restaurant or café.
    OrderingFood,
    /// A job interview.
    JobInterview,
    /// Travelling: airport, hotel, directions.
    Travel,
    /// In a shop.
    Shopping,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 5] = [
        Scenario::SmallTalk,
        Scenario::OrderingFood,
        Scenario::JobInterview,
        Scenario::Travel,
        Scenario::Shopping,
    ];

    /// How the partner should play it.
    fn role_play(self) -> &'static str {
        match self {
            Scenario::SmallTalk => "You are a friendly new acquaintance making small talk.",
            Scenario::OrderingFood => "You are a waiter in a café taking the learner's order.",
            Scenario::JobInterview => "You are a polite interviewer for an office job.",
            Scenario::Travel => "You are a hotel receptionist helping a traveller.",
            Scenario::Shopping => "You are a shop assistant in a clothes shop.",
        }
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::SmallTalk => "small_talk",
            Scenario::OrderingFood => "ordering_food",
            Scenario::JobInterview => "job_interview",
            Scenario::Travel => "travel",
            Scenario::Shopping => "shopping",
        }
    }
}

impl std::str::FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scenario::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| format!("unknown scenario `{s}`"))
    }
}

/// How the conversation partner talks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DialogueSettings {
    /// The situation.
    pub scenario: Scenario,
    /// The learner's level: the partner keeps its English at about this level.
    pub level: CefrLevel,
    /// Sampling temperature (some variety keeps a conversation alive).
    pub temperature: f32,
    /// Sampling seed.
    pub seed: u32,
    /// Longest reply in tokens.
    pub max_tokens: u32,
}

impl Default for DialogueSettings {
    fn default() -> Self {
        Self {
            scenario: Scenario::SmallTalk,
            level: CefrLevel::A2,
            temperature: 0.7,
            seed: 42,
            max_tokens: 160,
        }
    }
}

/// The partner's reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DialogueReply {
    /// The reply text (what was produced so far, if cancelled).
    pub reply: String,
    /// Whether generation was cancelled before the reply was complete.
    pub cancelled: bool,
    /// Tokens generated.
    pub tokens: u32,
}

/// The system prompt for `settings`.
pub fn system_prompt(settings: &DialogueSettings) -> String {
    format!(
        "{} You are talking with a Vietnamese learner of English at CEFR level {}. Reply in \
         simple, natural English suited to that level, in one to three short sentences, and end \
         with a question that keeps the conversation going. Do not translate.",
        settings.scenario.role_play(),
        settings.level
    )
}

impl Tutor {
    /// Replies to the learner's `message` given the conversation so far (`history`, oldest
    /// first), streaming the reply through `on_text` (the original client's
    /// `generate_dialogue`).
    pub async fn generate_dialogue(
        &self,
        history: &[ChatMessage],
        message: &str,
        settings: &DialogueSettings,
        on_text: impl FnMut(&str) + Send,
        cancel: &CancellationToken,
    ) -> Result<DialogueReply> {
        let message = crate::input::validate(message)?;
        let mut messages = Vec::with_capacity(history.len() + 2);
        messages.push(ChatMessage::new(Role::System, system_prompt(settings)));
        messages.extend(history.iter().filter(|m| m.role != Role::System).cloned());
        messages.push(ChatMessage::new(Role::User, message));
        let request = GenerateRequest {
            temperature: settings.temperature,
            seed: settings.seed,
            ..GenerateRequest::text(messages, settings.max_tokens)
        };
        let generation = self.engine.generate(request, on_text, cancel).await?;
        let reply = generation.text.trim().to_string();
        let cancelled = generation.stop == StopReason::Cancelled;
        if reply.is_empty() && !cancelled {
            return Err(ParseError::Empty { field: "reply" }.into());
        }
        Ok(DialogueReply {
            reply,
            cancelled,
            tokens: generation.generated_tokens,
        })
    }
}
