//! The app's state: one tutor (and so one model worker) and one history database for the app.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use lexilingo_core::engine::CancellationToken;

use lexilingo_core::engine::{Engine, EngineConfig};
use lexilingo_core::store::Store;
use lexilingo_core::Tutor;
use tokio::sync::OnceCell;

use crate::commands::CommandError;

/// Shared by every command. The tutor and the database open on first use, so the window
/// appears at once.
pub struct AppState {
    model: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    tutor: OnceCell<Tutor>,
    store: OnceCell<Store>,
    running: Mutex<HashMap<u64, CancellationToken>>,
}

impl AppState {
    /// The data directory (`LEXILINGO_DATA_DIR` or the per-OS default) and the model:
    /// `LEXILINGO_MODEL`, or the active model installed with `lexilingo models`.
    pub fn from_env() -> Self {
        let data_dir = lexilingo_core::paths::data_dir(
            std::env::var_os("LEXILINGO_DATA_DIR").map(PathBuf::from),
        );
        let installed = data_dir.as_ref().and_then(|data| {
            lexilingo_core::models::ModelManager::new(lexilingo_core::paths::models_dir(data))
                .active_path()
                .ok()
                .flatten()
        });
        Self {
            model: std::env::var_os("LEXILINGO_MODEL")
                .map(PathBuf::from)
                .or(installed),
            data_dir,
            tutor: OnceCell::new(),
            store: OnceCell::new(),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// The tutor, created on first call.
    pub async fn tutor(&self) -> Result<&Tutor, CommandError> {
        self.tutor
            .get_or_try_init(|| async {
                // A remote server (Settings or LEXILINGO_REMOTE_URL) replaces the local model.
                let settings = match &self.data_dir {
                    Some(dir) => {
                        lexilingo_core::settings::Settings::load(dir).unwrap_or_else(|e| {
                            tracing::error!("{e}; using the defaults");
                            Default::default()
                        })
                    }
                    None => Default::default(),
                };
                if let Some(remote) = settings.effective_remote() {
                    tracing::info!(url = %remote.base_url, "using a remote model server");
                    return Ok(Tutor::new(Engine::remote(remote)?));
                }
                let model = self.model.clone().ok_or_else(CommandError::no_model)?;
                let engine = Engine::new(EngineConfig::new(model)?)?;
                Ok(Tutor::new(engine))
            })
            .await
    }

    /// The data folder, if there is one.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.data_dir.as_deref()
    }

    /// The tutor if it was already started (diagnostics must not start the model).
    pub fn started_tutor(&self) -> Option<&Tutor> {
        self.tutor.get()
    }

    /// Checks in flight, by the window's request id, so they can be cancelled.
    pub fn running(&self) -> MutexGuard<'_, HashMap<u64, CancellationToken>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The history database, opened on first call.
    pub async fn store(&self) -> Result<&Store, CommandError> {
        self.store
            .get_or_try_init(|| async {
                let dir = self
                    .data_dir
                    .clone()
                    .ok_or_else(CommandError::no_data_dir)?;
                Store::open(&dir).await.map_err(CommandError::from_store)
            })
            .await
    }
}

/// Where the app writes its log files: `<data folder>/logs`.
pub fn log_dir() -> Option<PathBuf> {
    lexilingo_core::paths::data_dir(std::env::var_os("LEXILINGO_DATA_DIR").map(PathBuf::from))
        .map(|d| d.join("logs"))
}
