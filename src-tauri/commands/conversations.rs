//! Saved conversations: the window saves each exchange as it completes; History lists them.

use lexilingo_core::cefr::CefrLevel;
use lexilingo_core::engine::ChatMessage;
use lexilingo_core::store::{Conversation, ConversationSummary, NewConversation};
use tauri::State;

use super::CommandError;
use crate::state::AppState;

/// Appends the newest messages to conversation `id` (or a new one); returns its id.
#[tauri::command]
pub async fn conversation_save(
    state: State<'_, AppState>,
    id: Option<i64>,
    scenario: String,
    level: CefrLevel,
    turns: Vec<ChatMessage>,
) -> Result<i64, CommandError> {
    let store = state.store().await?;
    let model_id = match state.started_tutor() {
        Some(t) => t.engine().config().model_id(),
        None => String::new(),
    };
    let new = NewConversation {
        scenario,
        level,
        model_id,
    };
    let turns: Vec<_> = turns.into_iter().map(|m| (m.role, m.content)).collect();
    store
        .append_turns(id, &new, &turns)
        .await
        .map_err(CommandError::from_store)
}

/// Saved conversations, newest first.
#[tauri::command]
pub async fn conversation_list(
    state: State<'_, AppState>,
    limit: Option<u32>,
) -> Result<Vec<ConversationSummary>, CommandError> {
    state
        .store()
        .await?
        .list_conversations(limit.unwrap_or(50))
        .await
        .map_err(CommandError::from_store)
}

/// One saved conversation with its messages.
#[tauri::command]
pub async fn conversation_get(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Conversation, CommandError> {
    state
        .store()
        .await?
        .get_conversation(id)
        .await
        .map_err(CommandError::from_store)?
        .ok_or_else(|| CommandError::not_found(id))
}

/// Deletes a saved conversation.
#[tauri::command]
pub async fn conversation_delete(state: State<'_, AppState>, id: i64) -> Result<(), CommandError> {
    let deleted = state
        .store()
        .await?
        .delete_conversation(id)
        .await
        .map_err(CommandError::from_store)?;
    if deleted {
        Ok(())
    } else {
        Err(CommandError::not_found(id))
    }
}
