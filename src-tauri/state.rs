//! The app's state: one tutor (and so one model worker) and one history database for the app.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use lexilingo_core::active::{ActiveTutor, TutorSource};
use lexilingo_core::engine::CancellationToken;
use lexilingo_core::models::{DownloadOptions, ModelService};
use lexilingo_core::store::Store;
use lexilingo_core::Tutor;
use tokio::sync::OnceCell;

use crate::commands::CommandError;

/// Shared by every command. The tutor and the database open on first use, so the window
/// appears at once; the tutor is rebuilt when the learner installs or switches a model.
pub struct AppState {
    tutor: ActiveTutor,
    models: Option<Arc<ModelService>>,
    store: OnceCell<Store>,
    running: Mutex<HashMap<u64, CancellationToken>>,
    /// Paths the native dialog returned in this session: the only ones the import and
    /// data-folder commands accept, so script in the webview (a bug, an injected page) can
    /// never name a path of its own choosing (docs/SECURITY.md).
    picked: Mutex<std::collections::HashSet<PathBuf>>,
}

impl AppState {
    /// The data directory (`LEXILINGO_DATA_DIR` or the per-OS default) and the model:
    /// `LEXILINGO_MODEL`, or the active installed model.
    pub fn from_env() -> Self {
        let data_dir = data_dir_from_env();
        let models = data_dir.as_deref().map(|dir| {
            ModelService::new(
                dir,
                lexilingo_core::models::endpoint_from_env(),
                DownloadOptions::default(),
            )
        });
        Self {
            tutor: ActiveTutor::new(TutorSource {
                model: std::env::var_os("LEXILINGO_MODEL").map(PathBuf::from),
                data_dir,
                ..TutorSource::default()
            }),
            models,
            store: OnceCell::new(),
            running: Mutex::new(HashMap::new()),
            picked: Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// The tutor, created on first call (after a model change, on the next call).
    pub async fn tutor(&self) -> Result<Tutor, CommandError> {
        Ok(self.tutor.get().await?)
    }

    /// The active tutor's holder (model switches reset it).
    pub fn active(&self) -> &ActiveTutor {
        &self.tutor
    }

    /// Model management (there is none without a data folder).
    pub fn models(&self) -> Result<&Arc<ModelService>, CommandError> {
        self.models.as_ref().ok_or_else(CommandError::no_data_dir)
    }

    /// The data folder, if there is one.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.tutor.source().data_dir.as_deref()
    }

    /// The tutor if it was already started (diagnostics must not start the model).
    pub fn started_tutor(&self) -> Option<Tutor> {
        self.tutor.running()
    }

    /// Remembers a path the native dialog returned.
    pub fn remember_picked(&self, path: PathBuf) {
        self.picked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(path);
    }

    /// `path` if the native dialog returned it in this session, else an error for the UI.
    pub fn picked_path(&self, path: &str) -> Result<PathBuf, CommandError> {
        let path = PathBuf::from(path);
        let known = self
            .picked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&path);
        if known {
            Ok(path)
        } else {
            Err(CommandError {
                code: "path_not_picked".into(),
                message: "Em hãy chọn tệp hoặc thư mục bằng nút “Chọn…” nhé.".into(),
                detail: format!("{} was not chosen in the file dialog", path.display()),
            })
        }
    }

    fn running(&self) -> MutexGuard<'_, HashMap<u64, CancellationToken>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A cancellation token for a request; with the window's `request_id` it is registered so
    /// [`AppState::cancel`] reaches it, until the returned guard is dropped.
    pub fn track(&self, request_id: Option<u64>) -> Running<'_> {
        let token = CancellationToken::new();
        if let Some(id) = request_id {
            self.running().insert(id, token.clone());
        }
        Running {
            state: self,
            id: request_id,
            token,
        }
    }

    /// Cancels the request with this id, if it is still running.
    pub fn cancel(&self, request_id: u64) {
        if let Some(token) = self.running().remove(&request_id) {
            token.cancel();
        }
    }

    /// The history database, opened on first call.
    pub async fn store(&self) -> Result<&Store, CommandError> {
        self.store
            .get_or_try_init(|| async {
                let dir = self.data_dir().ok_or_else(CommandError::no_data_dir)?;
                Store::open(dir).await.map_err(CommandError::from_store)
            })
            .await
    }
}

/// A request in flight (see [`AppState::track`]); dropping it unregisters it.
pub struct Running<'a> {
    state: &'a AppState,
    id: Option<u64>,
    token: CancellationToken,
}

impl Running<'_> {
    /// The token the request checks.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.state.running().remove(&id);
        }
    }
}

/// The data folder: `LEXILINGO_DATA_DIR`, or the per-OS default.
pub fn data_dir_from_env() -> Option<PathBuf> {
    lexilingo_core::paths::data_dir(std::env::var_os("LEXILINGO_DATA_DIR").map(PathBuf::from))
}
