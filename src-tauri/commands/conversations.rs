//! Saved conversations (History lists them; each exchange is saved by `conversation_turn`),
//! the conversation's "Giúp em nói câu này", and drills.

use lexilingo_core::store::{Conversation, ConversationSummary};
use tauri::State;

use super::CommandError;
use crate::state::AppState;

/// Saved conversations, newest first.
#[tauri::command]
pub async fn conversation_list(
    state: State<'_, AppState>,
    limit: Option<u32>,
) -> Result<Vec<ConversationSummary>, CommandError> {
    state.app.conversations(limit.unwrap_or(50)).await
}

/// One saved conversation with its messages.
#[tauri::command]
pub async fn conversation_get(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Conversation, CommandError> {
    state.app.conversation(id).await
}

/// Deletes a saved conversation.
#[tauri::command]
pub async fn conversation_delete(state: State<'_, AppState>, id: i64) -> Result<(), CommandError> {
    state.app.delete_conversation(id).await
}

/// "Giúp em nói câu này": an English sentence at the learner's level for what they want to
/// say. With a `request_id`, `cancel_request` can stop it.
#[tauri::command]
pub async fn suggest_sentence(
    state: State<'_, AppState>,
    request: lexilingo_app::SuggestRequest,
    request_id: Option<u64>,
) -> Result<lexilingo_core::tasks::Suggestion, CommandError> {
    let running = state.app.track(request_id);
    state.app.suggest(&request, running.token()).await
}

/// "Luyện lỗi này": a drill of one mistake type from the learner's own sentences.
#[tauri::command]
pub async fn drill_start(
    state: State<'_, AppState>,
    request: lexilingo_app::DrillRequest,
) -> Result<lexilingo_core::tasks::Drill, CommandError> {
    state.app.drill(&request).await
}

/// One more drill item, written by the model and checked by the tutor. With a `request_id`,
/// `cancel_request` can stop it.
#[tauri::command]
pub async fn drill_item(
    state: State<'_, AppState>,
    request: lexilingo_app::DrillItemRequest,
    request_id: Option<u64>,
) -> Result<lexilingo_app::NewDrillItem, CommandError> {
    let running = state.app.track(request_id);
    state.app.drill_item(&request, running.token()).await
}

/// Grades a drill answer by the item's edits (nothing is saved).
#[tauri::command]
pub async fn drill_answer(
    state: State<'_, AppState>,
    request: lexilingo_app::DrillAnswer,
) -> Result<lexilingo_core::tasks::DrillFeedback, CommandError> {
    state.app.drill_answer(&request).await
}
