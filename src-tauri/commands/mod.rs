//! Tauri commands: deserialize → core → typed result or [`CommandError`].

use lexilingo_core::engine::ModelInfo;
use lexilingo_core::store::{Attempt, HistoryPage, HistoryQuery, NewAttempt, Progress};
use lexilingo_core::tasks::AnalyzeResult;
use serde::Serialize;
use tauri::State;

use crate::state::AppState;

mod conversations;
mod models;
pub use conversations::*;
pub use models::*;

/// An error as the UI receives it: a stable code to act on and a Vietnamese message to show.
#[derive(Debug, Serialize)]
pub struct CommandError {
    /// Machine-readable code (`lexilingo_core::Error::code`).
    pub code: String,
    /// For the learner, in Vietnamese.
    pub message: String,
    /// The technical detail, in English, for bug reports.
    pub detail: String,
}

impl CommandError {
    /// No data directory could be found.
    pub fn no_data_dir() -> Self {
        Self {
            code: "no_data_dir".into(),
            message: "Không tìm thấy thư mục dữ liệu. Hãy đặt LEXILINGO_DATA_DIR.".into(),
            detail: "no per-OS data directory".into(),
        }
    }

    /// No attempt with this id.
    pub fn not_found(id: i64) -> Self {
        Self {
            code: "not_found".into(),
            message: "Không tìm thấy lần luyện tập này (có thể đã bị xoá).".into(),
            detail: format!("no attempt {id}"),
        }
    }

    /// The history database failed (or a file to import is not an export).
    pub fn from_store(e: lexilingo_core::store::StoreError) -> Self {
        if let lexilingo_core::store::StoreError::BadImport(why) = e {
            return Self {
                code: "bad_import".into(),
                message: "Tệp này không phải bản xuất lịch sử của LexiLingo. Lịch sử hiện có không bị thay đổi.".into(),
                detail: why,
            };
        }
        Self {
            code: "history_unavailable".into(),
            message: "Không lưu được lịch sử luyện tập. Kết quả vẫn hiển thị bình thường.".into(),
            detail: e.to_string(),
        }
    }
}

impl From<lexilingo_core::Error> for CommandError {
    fn from(e: lexilingo_core::Error) -> Self {
        Self {
            code: e.code().into(),
            message: e.message_vi(),
            detail: e.to_string(),
        }
    }
}

/// Starts the model worker if needed and describes the loaded model.
#[tauri::command]
pub async fn engine_status(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<ModelInfo, CommandError> {
    use tauri::Emitter;
    let _ = app.emit("engine-state", serde_json::json!({ "state": "loading" }));
    let result =
        async { Ok::<_, CommandError>(state.tutor().await?.engine().model_info().await?) }.await;
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

/// Fluency, level, correction and Vietnamese explanations for one sentence. With a
/// `request_id`, [`cancel_request`] can stop it.
#[tauri::command]
pub async fn analyze_sentence(
    state: State<'_, AppState>,
    sentence: String,
    request_id: Option<u64>,
) -> Result<AnalyzeResult, CommandError> {
    let tutor = state.tutor().await?;
    let running = state.track(request_id);
    let result = tutor.analyze(&sentence, running.token()).await?;
    drop(running);
    let model = tutor.engine().config().model_id();
    // The learner sees the result even if saving fails; the failure is logged for diagnostics.
    match state.store().await {
        Ok(store) => {
            if let Err(e) = store
                .insert_attempt(&NewAttempt::from_analysis(&result, &model))
                .await
            {
                tracing::error!("could not save the attempt: {e}");
            }
        }
        Err(e) => tracing::error!("history unavailable: {}", e.detail),
    }
    Ok(result)
}

/// Rule-based hints for the sentence being typed: no model, a few milliseconds, so the window
/// can ask after every pause in typing. Runs off the async threads (Harper is synchronous).
#[tauri::command]
pub async fn rule_hints(
    sentence: String,
) -> Result<Vec<lexilingo_core::rules::Hint>, CommandError> {
    if sentence.trim().is_empty() {
        return Ok(Vec::new());
    }
    let sentence = lexilingo_core::input::validate(&sentence)
        .map_err(|e| CommandError::from(lexilingo_core::Error::from(e)))?
        .to_string();
    Ok(
        tauri::async_runtime::spawn_blocking(move || lexilingo_core::rules::hints(&sentence))
            .await
            .unwrap_or_default(),
    )
}

/// Cancels a running check started with this `request_id` (nothing if it already finished).
#[tauri::command]
pub fn cancel_request(state: State<'_, AppState>, request_id: u64) {
    state.cancel(request_id);
}

/// A page of past attempts, newest first, filtered.
#[tauri::command]
pub async fn history_list(
    state: State<'_, AppState>,
    query: HistoryQuery,
) -> Result<HistoryPage, CommandError> {
    let store = state.store().await?;
    store
        .list_attempts(&query)
        .await
        .map_err(CommandError::from_store)
}

/// One attempt with its edits and explanations.
#[tauri::command]
pub async fn history_get(state: State<'_, AppState>, id: i64) -> Result<Attempt, CommandError> {
    let store = state.store().await?;
    store
        .get_attempt(id)
        .await
        .map_err(CommandError::from_store)?
        .ok_or_else(|| CommandError::not_found(id))
}

/// Deletes one attempt (and its review card).
#[tauri::command]
pub async fn history_delete(state: State<'_, AppState>, id: i64) -> Result<(), CommandError> {
    let store = state.store().await?;
    if store
        .delete_attempt(id)
        .await
        .map_err(CommandError::from_store)?
    {
        Ok(())
    } else {
        Err(CommandError::not_found(id))
    }
}

/// Progress for the charts, grouping days in the learner's time zone.
#[tauri::command]
pub async fn progress_stats(
    state: State<'_, AppState>,
    utc_offset_minutes: i32,
) -> Result<Progress, CommandError> {
    let store = state.store().await?;
    store
        .progress(lexilingo_core::store::now_ms(), utc_offset_minutes)
        .await
        .map_err(CommandError::from_store)
}

/// A plain-text report for bug reports: versions, machine, model, the last log lines.
#[tauri::command]
pub async fn diagnostics(state: State<'_, AppState>) -> Result<String, CommandError> {
    let model = match state.started_tutor() {
        Some(tutor) => tutor.engine().model_info().await.ok(),
        None => None,
    };
    Ok(lexilingo_core::diagnostics::report(
        model.as_ref(),
        state.data_dir(),
        state
            .data_dir()
            .map(lexilingo_core::paths::logs_dir)
            .as_deref(),
    ))
}

/// Review cards due now (the learner's own past mistakes), most overdue first.
#[tauri::command]
pub async fn review_due(
    state: State<'_, AppState>,
    limit: u32,
) -> Result<Vec<lexilingo_core::store::DueCard>, CommandError> {
    let store = state.store().await?;
    store
        .due_cards(lexilingo_core::store::now_ms(), limit.min(200))
        .await
        .map_err(CommandError::from_store)
}

/// Grades the learner's fix of a review card and schedules the card's next review.
#[tauri::command]
pub async fn review_answer(
    state: State<'_, AppState>,
    attempt_id: i64,
    answer: String,
) -> Result<lexilingo_core::tasks::review::ReviewFeedback, CommandError> {
    let store = state.store().await?;
    // Grading a different but correct fix needs the model; an exact fix does not.
    let tutor = state.tutor().await.ok();
    lexilingo_core::tasks::review::answer(store, tutor.as_ref(), attempt_id, &answer)
        .await
        .map_err(CommandError::from_store)?
        .ok_or_else(|| CommandError::not_found(attempt_id))
}

/// The conversation partner's reply to `message`, streamed piece by piece over `on_token`.
/// With a `request_id`, [`cancel_request`] stops it (the reply so far is returned).
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn dialogue_reply(
    state: State<'_, AppState>,
    history: Vec<lexilingo_core::engine::ChatMessage>,
    message: String,
    scenario: lexilingo_core::tasks::Scenario,
    level: lexilingo_core::cefr::CefrLevel,
    request_id: Option<u64>,
    on_token: tauri::ipc::Channel<String>,
) -> Result<lexilingo_core::tasks::DialogueReply, CommandError> {
    let tutor = state.tutor().await?;
    let settings = lexilingo_core::tasks::DialogueSettings {
        scenario,
        level,
        ..Default::default()
    };
    let running = state.track(request_id);
    Ok(tutor
        .generate_dialogue(
            &history,
            &message,
            &settings,
            |text| {
                let _ = on_token.send(text.to_string());
            },
            running.token(),
        )
        .await?)
}

/// Writes the whole history to `<data folder>/exports/lexilingo-history-<day>.<json|csv>` and
/// returns the path (the window has no file dialog; the folder is shown in Settings).
#[tauri::command]
pub async fn history_export(
    state: State<'_, AppState>,
    format: String,
) -> Result<String, CommandError> {
    let store = state.store().await?;
    let dir = state
        .data_dir()
        .ok_or_else(CommandError::no_data_dir)?
        .join("exports");
    let (format, ext) = if format == "csv" {
        (lexilingo_core::store::ExportFormat::Csv, "csv")
    } else {
        (lexilingo_core::store::ExportFormat::Json, "json")
    };
    let out = store
        .export_bytes(format, None)
        .await
        .map_err(CommandError::from_store)?;
    let day = chrono::Local::now().format("%Y-%m-%d");
    let path = dir.join(format!("lexilingo-history-{day}.{ext}"));
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, out))
        .map_err(|e| CommandError {
            code: "export_failed".into(),
            message: "Không ghi được tệp xuất. Lịch sử của em vẫn an toàn.".into(),
            detail: format!("{}: {e}", path.display()),
        })?;
    Ok(path.display().to_string())
}

/// Adds the attempts of a JSON export (attempts already present are left alone).
#[tauri::command]
pub async fn history_import(
    state: State<'_, AppState>,
    data: String,
) -> Result<lexilingo_core::store::ImportReport, CommandError> {
    let store = state.store().await?;
    store
        .import_json(data.as_bytes())
        .await
        .map_err(CommandError::from_store)
}
