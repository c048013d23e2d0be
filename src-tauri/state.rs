//! The app's state: one tutor (and so one model worker) for the whole app.

use std::path::PathBuf;

use lexilingo_core::engine::{Engine, EngineConfig};
use lexilingo_core::Tutor;
use tokio::sync::OnceCell;

/// Shared by every command. The tutor is built on first use so the window opens at once.
pub struct AppState {
    model: Option<PathBuf>,
    tutor: OnceCell<Tutor>,
}

impl AppState {
    /// The model: `LEXILINGO_MODEL`, or the active model installed with `lexilingo models`
    /// in the data directory (`LEXILINGO_DATA_DIR` or the per-OS default).
    pub fn from_env() -> Self {
        let installed = || {
            let data = lexilingo_core::paths::data_dir(
                std::env::var_os("LEXILINGO_DATA_DIR").map(PathBuf::from),
            )?;
            lexilingo_core::models::ModelManager::new(lexilingo_core::paths::models_dir(&data))
                .active_path()
                .ok()
                .flatten()
        };
        Self {
            model: std::env::var_os("LEXILINGO_MODEL")
                .map(PathBuf::from)
                .or_else(installed),
            tutor: OnceCell::new(),
        }
    }

    /// The tutor, created on first call.
    pub async fn tutor(&self) -> Result<&Tutor, super::commands::CommandError> {
        self.tutor
            .get_or_try_init(|| async {
                let model = self
                    .model
                    .clone()
                    .ok_or_else(super::commands::CommandError::no_model)?;
                let engine = Engine::new(EngineConfig::new(model)?)?;
                Ok(Tutor::new(engine))
            })
            .await
    }
}
