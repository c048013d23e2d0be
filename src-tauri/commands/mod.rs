//! Tauri commands: one-line adapters over [`lexilingo_app::App`]. Each deserializes its
//! arguments, calls the use case and returns its typed answer or an [`AppError`], the same
//! contract `lexilingo serve` and the CLI use.

use lexilingo_app::{AppError, ConversationTurn, Practiced, TurnRequest};
use lexilingo_core::engine::ModelInfo;
use lexilingo_core::store::{Attempt, DueCard, HistoryPage, HistoryQuery, ImportReport, Progress};
use lexilingo_core::tasks::review::ReviewFeedback;
use tauri::State;

use crate::state::AppState;

mod conversations;
mod models;
pub use conversations::*;
pub use models::*;

/// The error every command returns (the window's `ApiError` reads it).
pub type CommandError = AppError;

/// Starts the model worker if needed and describes the loaded model.
#[tauri::command]
pub async fn engine_status<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<ModelInfo, CommandError> {
    use tauri::Emitter;
    let _ = app.emit("engine-state", serde_json::json!({ "state": "loading" }));
    let result =
        async { Ok::<_, AppError>(state.app.tutor().await?.engine().model_info().await?) }.await;
    match &result {
        Ok(info) => {
            tracing::info!(model = %info.name, "engine ready");
            let _ = app.emit(
                "engine-state",
                serde_json::json!({ "state": "ready", "model": info }),
            );
        }
        Err(e) => {
            let _ = app.emit(
                "engine-state",
                serde_json::json!({ "state": "failed", "error": e }),
            );
        }
    }
    result
}

/// Fluency, level, correction and Vietnamese explanations for one sentence, saved to the
/// history (a failed save comes back as the result's `warning`). With a `request_id`,
/// [`cancel_request`] can stop it.
#[tauri::command]
pub async fn analyze_sentence(
    state: State<'_, AppState>,
    sentence: String,
    request_id: Option<u64>,
) -> Result<Practiced, CommandError> {
    let running = state.app.track(request_id);
    state.app.practice(&sentence, true, running.token()).await
}

/// Rule-based hints for the sentence being typed: no model, a few milliseconds, so the window
/// can ask after every pause in typing.
#[tauri::command]
pub async fn rule_hints(
    sentence: String,
) -> Result<Vec<lexilingo_core::language::rules::Hint>, CommandError> {
    lexilingo_app::hints(&sentence).await
}

/// Cancels a running check started with this `request_id` (nothing if it already finished).
#[tauri::command]
pub fn cancel_request(state: State<'_, AppState>, request_id: u64) {
    state.app.cancel(request_id);
}

/// A page of past attempts, newest first, filtered.
#[tauri::command]
pub async fn history_list(
    state: State<'_, AppState>,
    query: HistoryQuery,
) -> Result<HistoryPage, CommandError> {
    state.app.history(&query).await
}

/// One attempt with its edits and explanations.
#[tauri::command]
pub async fn history_get(state: State<'_, AppState>, id: i64) -> Result<Attempt, CommandError> {
    state.app.attempt(id).await
}

/// Deletes one attempt (and its review card).
#[tauri::command]
pub async fn history_delete(state: State<'_, AppState>, id: i64) -> Result<(), CommandError> {
    state.app.delete_attempt(id).await
}

/// The sentences of a learner's text, for paragraph mode.
#[tauri::command]
pub fn split_sentences(
    state: State<'_, AppState>,
    text: String,
) -> Result<Vec<lexilingo_core::language::sentences::SentenceSpan>, CommandError> {
    state.app.sentences(&text)
}

/// Progress for the charts, grouping days in the learner's time zone.
#[tauri::command]
pub async fn progress_stats(
    state: State<'_, AppState>,
    utc_offset_minutes: i32,
) -> Result<Progress, CommandError> {
    state.app.progress(utc_offset_minutes).await
}

/// A plain-text report for bug reports: versions, machine, model, the last log lines.
#[tauri::command]
pub async fn diagnostics(state: State<'_, AppState>) -> Result<String, CommandError> {
    Ok(state.app.diagnostics().await)
}

/// Review cards due now (the learner's own past mistakes), most overdue first.
#[tauri::command]
pub async fn review_due(
    state: State<'_, AppState>,
    limit: u32,
) -> Result<Vec<DueCard>, CommandError> {
    state.app.review_due(limit).await
}

/// Grades the learner's fix of a review card and schedules the card's next review.
#[tauri::command]
pub async fn review_answer(
    state: State<'_, AppState>,
    attempt_id: i64,
    answer: String,
) -> Result<ReviewFeedback, CommandError> {
    state.app.review_answer(attempt_id, &answer).await
}

/// The conversation partner's reply to a learner message, streamed piece by piece over
/// `on_token`; the message is then checked and the exchange saved. With a `request_id`,
/// [`cancel_request`] stops the reply (what was said so far is kept).
#[tauri::command]
pub async fn conversation_turn(
    state: State<'_, AppState>,
    turn: TurnRequest,
    request_id: Option<u64>,
    on_token: tauri::ipc::Channel<String>,
) -> Result<ConversationTurn, CommandError> {
    let running = state.app.track(request_id);
    let send = |text: &str| {
        let _ = on_token.send(text.to_string());
    };
    state.app.converse(&turn, send, running.token()).await
}

/// Writes the whole history to `<data folder>/exports/lexilingo-history-<day>.<json|csv>` and
/// returns the path (the window has no save dialog; the folder is shown in Settings).
#[tauri::command]
pub async fn history_export(
    state: State<'_, AppState>,
    format: String,
) -> Result<String, CommandError> {
    state.app.export_history_to_data_dir(format == "csv").await
}

/// Adds the attempts of a JSON export (attempts already present are left alone).
#[tauri::command]
pub async fn history_import(
    state: State<'_, AppState>,
    data: String,
) -> Result<ImportReport, CommandError> {
    state.app.import_history(data.as_bytes()).await
}
