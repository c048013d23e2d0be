//! Models, engine settings and the data folder: what Settings and the Models screen change.
//!
//! Every change that alters what the tutor runs on (a new or different model, other threads
//! or context) resets the active tutor here, once, so no front end can forget to.

use std::path::Path;

use crate::host::active::EngineSettings;
use crate::host::model_service::{DownloadStatus, ModelsOverview};
use crate::host::relocate::MoveReport;
use lexilingo_core::models::InstalledModel;

use crate::{App, AppError, ErrorCode};

/// The most sentences a day a goal may ask for.
pub const MAX_DAILY_GOAL: u32 = 500;

/// The learner's daily goal, as Settings saves it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    ts_rs::TS,
    utoipa::ToSchema,
)]
#[ts(export)]
pub struct DailyGoal {
    /// Sentences a day (1–500).
    pub daily_goal: u32,
}

/// Runs blocking file work (manifests, settings, the catalog) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(AppError::internal(format!("the task failed: {e}"))))
}

impl App {
    /// The catalog, the installed models and the download in progress.
    pub async fn models_overview(&self) -> Result<ModelsOverview, AppError> {
        let models = self.models()?.clone();
        blocking(move || Ok(models.overview()?)).await
    }

    /// Starts or resumes the download of catalog model `id` (progress: [`App::download_status`]).
    pub fn download_model(&self, id: &str) -> Result<DownloadStatus, AppError> {
        let models = self.models()?;
        models.start(id)?;
        Ok(models.status())
    }

    /// The download's current state.
    pub fn download_status(&self) -> Result<DownloadStatus, AppError> {
        Ok(self.models()?.status())
    }

    /// Pauses the download (what was downloaded is kept).
    pub async fn pause_download(&self) -> Result<DownloadStatus, AppError> {
        let models = self.models()?;
        models.pause().await;
        Ok(models.status())
    }

    /// Stops the download of `id` and deletes its partial file.
    pub async fn cancel_download(&self, id: &str) -> Result<DownloadStatus, AppError> {
        let models = self.models()?;
        models.cancel(id).await?;
        Ok(models.status())
    }

    /// Installs the GGUF file at `path` (copied into the models folder, checked by llama.cpp
    /// first). The first model installed becomes the active one.
    pub async fn import_model(&self, path: &Path) -> Result<InstalledModel, AppError> {
        let model = self.models()?.import(path).await?;
        self.active().reset().await;
        Ok(model)
    }

    /// Installs an uploaded file already written to `part` as `dest` (see
    /// [`crate::host::model_service::ModelService::upload_paths`]).
    pub async fn install_upload(
        &self,
        part: &Path,
        dest: &Path,
    ) -> Result<InstalledModel, AppError> {
        let model = self.models()?.install_upload(part, dest).await?;
        self.active().reset().await;
        Ok(model)
    }

    /// Makes installed model `id` the active one; the next request starts it.
    pub async fn activate_model(&self, id: &str) -> Result<ModelsOverview, AppError> {
        let models = self.models()?.clone();
        let id = id.to_string();
        let overview = blocking(move || {
            models.activate(&id)?;
            Ok(models.overview()?)
        })
        .await?;
        self.active().reset().await;
        Ok(overview)
    }

    /// Threads and context size, with the facts the form needs.
    pub async fn engine_settings(&self) -> Result<EngineSettings, AppError> {
        let source = self.active().source().clone();
        blocking(move || Ok(EngineSettings::read(&source))).await
    }

    /// Saves threads and context size; the engine restarts with them on the next request.
    pub async fn save_engine_settings(
        &self,
        settings: EngineSettings,
    ) -> Result<EngineSettings, AppError> {
        let source = self.active().source().clone();
        let saved = blocking(move || {
            settings
                .save(&source)
                .map_err(|e| AppError::new(ErrorCode::SettingsUnsaved, e.to_string()))?;
            Ok(EngineSettings::read(&source))
        })
        .await?;
        self.active().reset().await;
        Ok(saved)
    }

    /// Saves the daily goal (1 to [`MAX_DAILY_GOAL`] sentences), leaving the other settings
    /// as they are; Progress measures today against it.
    pub async fn save_daily_goal(&self, goal: DailyGoal) -> Result<DailyGoal, AppError> {
        if !(1..=MAX_DAILY_GOAL).contains(&goal.daily_goal) {
            return Err(AppError::new(
                ErrorCode::BadParameter,
                format!("the daily goal must be 1 to {MAX_DAILY_GOAL} sentences"),
            ));
        }
        let source = self.active().source().clone();
        blocking(move || {
            let dir = source.data_dir.clone().ok_or_else(AppError::no_data_dir)?;
            let mut settings = source.settings();
            settings.daily_goal = Some(goal.daily_goal);
            settings
                .save(&dir)
                .map_err(|e| AppError::new(ErrorCode::SettingsUnsaved, e.to_string()))?;
            Ok(goal)
        })
        .await
    }

    /// Copies the learner's data to `target` and uses it from the next start; the old folder
    /// stays as it was, so nothing is lost if the copy fails half way.
    pub async fn move_data_dir(&self, target: &Path) -> Result<MoveReport, AppError> {
        let from = self
            .data_dir()
            .ok_or_else(AppError::no_data_dir)?
            .to_path_buf();
        let pointer = crate::host::paths::data_dir_pointer().ok_or_else(AppError::no_data_dir)?;
        let store = self.store().await?;
        Ok(crate::host::relocate::move_data(store, &from, target, &pointer).await?)
    }
}
