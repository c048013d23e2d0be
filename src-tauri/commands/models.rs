//! The model screen's commands: catalog, download (progress as `download-state` events),
//! pause, cancel, import, switch, and the engine's threads and context.

use lexilingo_core::active::EngineSettings;
use lexilingo_core::models::{InstalledModel, ModelsOverview};
use tauri::State;

use super::CommandError;
use crate::state::AppState;

/// Catalog, installed models, the download.
#[tauri::command]
pub async fn models_overview(state: State<'_, AppState>) -> Result<ModelsOverview, CommandError> {
    Ok(state.models()?.overview()?)
}

/// Starts or resumes downloading catalog model `id`; progress arrives as events.
#[tauri::command]
pub async fn model_download(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    Ok(state.models()?.start(&id)?)
}

/// Pauses the download (what arrived is kept, even across restarts).
#[tauri::command]
pub async fn model_pause(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.models()?.pause().await;
    Ok(())
}

/// Stops the download of `id` and deletes what arrived.
#[tauri::command]
pub async fn model_cancel(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    Ok(state.models()?.cancel(&id).await?)
}

/// Copies a GGUF file into the models folder (the first one becomes the active model).
#[tauri::command]
pub async fn model_import(
    state: State<'_, AppState>,
    path: String,
) -> Result<InstalledModel, CommandError> {
    let model = state
        .models()?
        .import(std::path::Path::new(path.trim()))
        .await?;
    state.active().reset().await;
    Ok(model)
}

/// Makes installed model `id` the active one; the engine restarts with it on the next request.
#[tauri::command]
pub async fn model_activate(
    state: State<'_, AppState>,
    id: String,
) -> Result<ModelsOverview, CommandError> {
    let models = state.models()?;
    models.activate(&id)?;
    state.active().reset().await;
    Ok(models.overview()?)
}

/// Threads and context size, with the facts the form needs.
#[tauri::command]
pub async fn engine_settings(state: State<'_, AppState>) -> Result<EngineSettings, CommandError> {
    Ok(EngineSettings::read(state.active().source()))
}

/// Saves threads and context size; the engine restarts with them on the next request.
#[tauri::command]
pub async fn engine_settings_save(
    state: State<'_, AppState>,
    settings: EngineSettings,
) -> Result<EngineSettings, CommandError> {
    settings
        .save(state.active().source())
        .map_err(|e| CommandError {
            code: "settings_unsaved".into(),
            message: "Không lưu được cài đặt. Em kiểm tra quyền ghi của thư mục dữ liệu nhé."
                .into(),
            detail: e.to_string(),
        })?;
    state.active().reset().await;
    Ok(EngineSettings::read(state.active().source()))
}

/// Copies the learner's data to `path` and uses it from the next start (the old folder stays).
#[tauri::command]
pub async fn data_dir_move(
    state: State<'_, AppState>,
    path: String,
) -> Result<lexilingo_core::relocate::MoveReport, CommandError> {
    let from = state.data_dir().ok_or_else(CommandError::no_data_dir)?;
    let pointer =
        lexilingo_core::paths::data_dir_pointer().ok_or_else(CommandError::no_data_dir)?;
    let store = state.store().await?;
    lexilingo_core::relocate::move_data(store, from, std::path::Path::new(path.trim()), &pointer)
        .await
        .map_err(|e| CommandError {
            code: e.code().into(),
            message: e.message_vi(),
            detail: e.to_string(),
        })
}
