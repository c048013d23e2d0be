//! The model screen's commands: catalog, download (progress as `download-state` events),
//! pause, cancel, import, switch, and the engine's threads and context.

use lexilingo_app::host::active::EngineSettings;
use lexilingo_app::host::model_service::ModelsOverview;
use lexilingo_core::models::InstalledModel;
use tauri::State;

use super::CommandError;
use crate::state::AppState;

/// Catalog, installed models, the download.
#[tauri::command]
pub async fn models_overview(state: State<'_, AppState>) -> Result<ModelsOverview, CommandError> {
    state.app.models_overview().await
}

/// Starts or resumes downloading catalog model `id`; progress arrives as events.
#[tauri::command]
pub async fn model_download(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    state.app.download_model(&id).map(|_| ())
}

/// Pauses the download (what arrived is kept, even across restarts).
#[tauri::command]
pub async fn model_pause(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.app.pause_download().await?;
    Ok(())
}

/// Stops the download of `id` and deletes what arrived.
#[tauri::command]
pub async fn model_cancel(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    state.app.cancel_download(&id).await.map(|_| ())
}

/// Opens the native dialog for a GGUF model file (`what = "gguf"`) or a folder
/// (`"folder"`); the chosen path (none when cancelled) is remembered for [`model_import`] and
/// [`data_dir_move`], which accept nothing else. The webview has no dialog permission of its
/// own: the dialog opens only from here.
#[tauri::command]
pub async fn pick_path<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    title: String,
    what: String,
) -> Result<Option<String>, CommandError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let dialog = app.dialog().file().set_title(title);
    if what == "folder" {
        dialog.pick_folder(move |p| {
            let _ = tx.send(p);
        });
    } else {
        dialog.add_filter("GGUF", &["gguf"]).pick_file(move |p| {
            let _ = tx.send(p);
        });
    }
    let chosen = rx.await.ok().flatten().and_then(|p| p.into_path().ok());
    Ok(chosen.map(|p| {
        state.remember_picked(p.clone());
        p.to_string_lossy().into_owned()
    }))
}

/// Copies a GGUF file into the models folder (the first one becomes the active model). Only
/// a path [`pick_path`] returned in this session is accepted.
#[tauri::command]
pub async fn model_import(
    state: State<'_, AppState>,
    path: String,
) -> Result<InstalledModel, CommandError> {
    let path = state.picked_path(&path)?;
    state.app.import_model(&path).await
}

/// Makes installed model `id` the active one; the engine restarts with it on the next request.
#[tauri::command]
pub async fn model_activate(
    state: State<'_, AppState>,
    id: String,
) -> Result<ModelsOverview, CommandError> {
    state.app.activate_model(&id).await
}

/// Threads and context size, with the facts the form needs.
#[tauri::command]
pub async fn engine_settings(state: State<'_, AppState>) -> Result<EngineSettings, CommandError> {
    state.app.engine_settings().await
}

/// Saves threads and context size; the engine restarts with them on the next request.
#[tauri::command]
pub async fn engine_settings_save(
    state: State<'_, AppState>,
    settings: EngineSettings,
) -> Result<EngineSettings, CommandError> {
    state.app.save_engine_settings(settings).await
}

/// Saves the learner's daily goal (sentences a day).
#[tauri::command]
pub async fn daily_goal_save(
    state: State<'_, AppState>,
    goal: lexilingo_app::DailyGoal,
) -> Result<lexilingo_app::DailyGoal, CommandError> {
    state.app.save_daily_goal(goal).await
}

/// Copies the learner's data to `path` and uses it from the next start (the old folder stays).
#[tauri::command]
pub async fn data_dir_move(
    state: State<'_, AppState>,
    path: String,
) -> Result<lexilingo_app::host::relocate::MoveReport, CommandError> {
    let target = state.picked_path(&path)?;
    state.app.move_data_dir(&target).await
}
