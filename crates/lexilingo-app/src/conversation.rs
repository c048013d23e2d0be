//! Conversation: the partner's streamed reply, and every learner message checked and kept.
//!
//! A mistake made in conversation is a mistake to learn from like any other, so each learner
//! message is checked by the model and saved as an attempt of the conversation: it appears in
//! History, Review and Progress whichever front end the conversation ran in.

use lexilingo_core::engine::{CancellationToken, ChatMessage, Role};
use lexilingo_core::language::cefr::CefrLevel;
use lexilingo_core::store::{Conversation, ConversationSummary, NewConversation};
use lexilingo_core::tasks::{
    CorrectionResult, DialogueReply, DialogueSettings, Scenario, Suggestion,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{App, AppError, ErrorCode};

/// One learner message in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct TurnRequest {
    /// The conversation to add to; none (or one deleted meanwhile) starts a new one.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub conversation_id: Option<i64>,
    /// The situation.
    #[serde(default)]
    pub scenario: Scenario,
    /// The learner's level.
    #[serde(default = "default_level")]
    pub level: CefrLevel,
    /// The messages so far, which the partner sees. Already saved when `conversation_id` names
    /// a saved conversation; otherwise (a new conversation, whose history is the partner's
    /// opening line) saved with this turn.
    #[serde(default)]
    pub history: Vec<ChatMessage>,
    /// What the learner wrote.
    pub message: String,
    /// Check the message with the model (default); `lexilingo chat --no-check` turns it off.
    #[serde(default = "yes")]
    pub check: bool,
    /// Sampling seed for the reply (a fixed one by default).
    #[serde(default)]
    pub seed: Option<u32>,
}

/// "Giúp em nói câu này": what the learner wants to say, and the scene it is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SuggestRequest {
    /// What the learner wants to say, usually in Vietnamese.
    pub text: String,
    /// The situation.
    #[serde(default)]
    pub scenario: Scenario,
    /// The learner's level: the suggestion keeps to it.
    #[serde(default = "default_level")]
    pub level: CefrLevel,
    /// The conversation so far (its last messages are the context).
    #[serde(default)]
    pub history: Vec<ChatMessage>,
}

fn default_level() -> CefrLevel {
    DialogueSettings::default().level
}

fn yes() -> bool {
    true
}

/// What a learner message brought back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ConversationTurn {
    /// The conversation the exchange was saved in (none when saving failed).
    #[ts(type = "number | null")]
    pub conversation_id: Option<i64>,
    /// The model's check of the message: its correction and typed edits.
    pub check: Option<CorrectionResult>,
    /// The attempt the check was saved as.
    #[ts(type = "number | null")]
    pub attempt_id: Option<i64>,
    /// The partner's reply.
    pub reply: DialogueReply,
    /// What went wrong on the way without stopping the conversation (a failed check, a failed
    /// save), for the UI to show.
    pub warnings: Vec<AppError>,
}

impl App {
    /// An English sentence, at the learner's level, for what they want to say. Nothing is
    /// saved: the learner still writes (and is checked on) the message they send.
    pub async fn suggest(
        &self,
        req: &SuggestRequest,
        cancel: &CancellationToken,
    ) -> Result<Suggestion, AppError> {
        let tutor = self.tutor().await?;
        Ok(tutor
            .suggest_english(&req.text, &req.history, req.scenario, req.level, cancel)
            .await?)
    }

    /// The partner's reply to `req.message`, streamed through `on_text`; then the message is
    /// checked and the exchange saved. The reply comes first because the learner waits for
    /// it; the check runs on the same model right after. A cancelled reply still saves the
    /// message and what was said, but skips the check (the learner wants the model free).
    pub async fn converse(
        &self,
        req: &TurnRequest,
        on_text: impl FnMut(&str) + Send,
        cancel: &CancellationToken,
    ) -> Result<ConversationTurn, AppError> {
        let message = lexilingo_core::input::validate(&req.message)?.to_string();
        let tutor = self.tutor().await?;
        let mut settings = DialogueSettings {
            scenario: req.scenario,
            level: req.level,
            ..DialogueSettings::default()
        };
        if let Some(seed) = req.seed {
            settings.seed = seed;
        }
        let reply = tutor
            .generate_dialogue(&req.history, &message, &settings, on_text, cancel)
            .await?;
        let mut warnings = Vec::new();
        let started = std::time::Instant::now();
        let check = if req.check && !cancel.is_cancelled() {
            match tutor.correct_grammar(&message, cancel).await {
                Ok(c) => Some(c),
                Err(e) => {
                    let e = AppError::from(e);
                    if e.code != ErrorCode::Cancelled {
                        tracing::warn!("could not check the conversation message: {}", e.detail);
                        warnings.push(e);
                    }
                    None
                }
            }
        } else {
            None
        };
        let latency = started.elapsed().as_millis() as u64;
        let model_id = tutor.engine().model_id();
        // A new conversation keeps what the partner saw before the learner's first message
        // (the scene's opening line): nothing has saved it yet. A conversation already saved
        // has its history.
        let mut turns: Vec<(Role, String)> = if req.conversation_id.is_none() {
            req.history
                .iter()
                .map(|m| (m.role, m.content.clone()))
                .collect()
        } else {
            Vec::new()
        };
        turns.push((Role::User, message));
        if !reply.reply.trim().is_empty() {
            turns.push((Role::Assistant, reply.reply.clone()));
        }
        let (conversation_id, attempt_id) = match self
            .save_turn(req, &model_id, &turns, check.as_ref(), latency)
            .await
        {
            Ok(ids) => ids,
            Err(e) => {
                tracing::error!("could not save the conversation: {}", e.detail);
                warnings.push(crate::practice::not_saved(e));
                (None, None)
            }
        };
        Ok(ConversationTurn {
            conversation_id,
            check,
            attempt_id,
            reply,
            warnings,
        })
    }

    async fn save_turn(
        &self,
        req: &TurnRequest,
        model_id: &str,
        turns: &[(Role, String)],
        check: Option<&CorrectionResult>,
        latency_ms: u64,
    ) -> Result<(Option<i64>, Option<i64>), AppError> {
        let store = self.store().await?;
        let new = NewConversation {
            scenario: req.scenario.as_str().into(),
            level: req.level,
            model_id: model_id.into(),
        };
        let id = store.append_turns(req.conversation_id, &new, turns).await?;
        let attempt = match check {
            Some(c) => Some(
                store
                    .insert_attempt(&crate::records::from_dialogue_check(
                        c, model_id, id, latency_ms,
                    ))
                    .await?,
            ),
            None => None,
        };
        Ok((Some(id), attempt))
    }

    /// Appends messages to conversation `id` (or a new one); returns its id. For a host that
    /// generated the exchange itself (an OpenAI-style client of `serve`).
    pub async fn save_conversation(
        &self,
        id: Option<i64>,
        scenario: &str,
        level: CefrLevel,
        turns: &[ChatMessage],
    ) -> Result<i64, AppError> {
        let new = NewConversation {
            scenario: scenario.into(),
            level,
            model_id: self.model_id(),
        };
        let turns: Vec<_> = turns.iter().map(|m| (m.role, m.content.clone())).collect();
        Ok(self.store().await?.append_turns(id, &new, &turns).await?)
    }

    /// Saved conversations, newest first.
    pub async fn conversations(&self, limit: u32) -> Result<Vec<ConversationSummary>, AppError> {
        Ok(self
            .store()
            .await?
            .list_conversations(limit.min(500))
            .await?)
    }

    /// One saved conversation with its messages.
    pub async fn conversation(&self, id: i64) -> Result<Conversation, AppError> {
        self.store()
            .await?
            .get_conversation(id)
            .await?
            .ok_or_else(|| AppError::not_found("conversation", id))
    }

    /// Deletes a saved conversation, and with it the attempts its messages were saved as.
    pub async fn delete_conversation(&self, id: i64) -> Result<(), AppError> {
        if self.store().await?.delete_conversation(id).await? {
            Ok(())
        } else {
            Err(AppError::not_found("conversation", id))
        }
    }
}
