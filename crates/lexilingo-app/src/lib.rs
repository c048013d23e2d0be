//! LexiLingo's use cases behind one cheap-to-clone [`App`] handle.
//!
//! The desktop window (Tauri commands), the browser server (`lexilingo serve`) and the command
//! line all run the learner's use cases through this crate, so they cannot drift apart: a
//! practice sentence whose history save fails still comes back, with the same warning, in all
//! three; a conversation message is checked and saved as an attempt in all three; a review
//! answer is graded by one policy whether or not a model is loaded; and every failure is one
//! [`AppError`] with one code and one text.
//!
//! This crate knows nothing of Tauri or axum. The hosts adapt requests to these calls and
//! answers back, and keep only what is theirs: the window's file dialog, the server's queue,
//! access token and status codes (taken from [`ErrorCode::http_status`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), lexilingo_app::AppError> {
//! use lexilingo_app::App;
//! let app = App::from_env();
//! let practiced = app.practice("She don't like apples.", true, &Default::default()).await?;
//! if let Some(w) = &practiced.warning {
//!     eprintln!("{}", w.message_vi); // the result is still here; the save failed
//! }
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::host::active::{ActiveTutor, TutorSource};
use crate::host::model_service::ModelService;
use lexilingo_core::engine::CancellationToken;
use lexilingo_core::models::DownloadOptions;
use lexilingo_core::store::Store;
use lexilingo_core::Tutor;
use tokio::sync::OnceCell;

mod conversation;
mod drill;
mod error;
mod history;
pub mod host;
mod practice;
mod records;
mod review;
mod settings;

pub use conversation::{ConversationTurn, SuggestRequest, TurnRequest};
pub use drill::{DrillAnswer, DrillItemRequest, DrillRequest, NewDrillItem};
pub use error::{AppError, ErrorCode};
pub use history::ExportFile;
pub use practice::Practiced;
pub use settings::{DailyGoal, MAX_DAILY_GOAL};

/// Rule-based hints for a sentence being typed: no model, a few milliseconds, so a front end
/// can ask after every pause in typing. Blank text has none; text the tutor refuses (too long,
/// control characters) is an error. Runs off the async threads (Harper is synchronous).
pub async fn hints(sentence: &str) -> Result<Vec<lexilingo_core::language::rules::Hint>, AppError> {
    if sentence.trim().is_empty() {
        return Ok(Vec::new());
    }
    let sentence = lexilingo_core::input::validate(sentence)?.to_string();
    Ok(
        tokio::task::spawn_blocking(move || lexilingo_core::language::rules::hints(&sentence))
            .await
            .unwrap_or_default(),
    )
}

/// The application: the active tutor (one model worker), the history database, model
/// management and the requests in flight. Cloning is cheap (one `Arc`); every clone is the
/// same app.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    tutor: ActiveTutor,
    models: Option<Arc<ModelService>>,
    store: OnceCell<Store>,
    running: Mutex<HashMap<u64, CancellationToken>>,
}

impl App {
    /// An app over `source`: the model it names (or the active installed one) and its data
    /// folder, where the history database opens on first use.
    pub fn new(source: TutorSource) -> Self {
        let models = source.data_dir.as_deref().map(|dir| {
            ModelService::new(
                dir,
                crate::host::model_service::endpoint_from_env(),
                DownloadOptions::default(),
            )
        });
        Self::with_models(source, models)
    }

    /// An app with its own model service (a test's download server, a host's options).
    pub fn with_models(source: TutorSource, models: Option<Arc<ModelService>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                tutor: ActiveTutor::new(source),
                models,
                store: OnceCell::new(),
                running: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The data folder (`LEXILINGO_DATA_DIR` or the per-OS default) and the model
    /// (`LEXILINGO_MODEL`, or the active installed model), as the window starts.
    pub fn from_env() -> Self {
        Self::new(TutorSource {
            model: std::env::var_os("LEXILINGO_MODEL").map(PathBuf::from),
            data_dir: crate::host::paths::data_dir(
                std::env::var_os("LEXILINGO_DATA_DIR").map(PathBuf::from),
            ),
            ..TutorSource::default()
        })
    }

    /// Uses `store` as the history instead of opening it lazily (the CLI and the server open
    /// it at start, so a broken database is reported before anything else runs).
    pub fn with_store(self, store: Store) -> Self {
        // A fresh app's cell is empty; an app already sharing its store keeps it.
        let _ = self.inner.store.set(store);
        self
    }

    /// The tutor, created on first call (after a model change, on the next call).
    pub async fn tutor(&self) -> Result<Tutor, AppError> {
        Ok(self.inner.tutor.get().await?)
    }

    /// The tutor if one is already running (diagnostics must not start a model).
    pub fn running_tutor(&self) -> Option<Tutor> {
        self.inner.tutor.running()
    }

    /// The active tutor's holder (model switches reset it).
    pub fn active(&self) -> &ActiveTutor {
        &self.inner.tutor
    }

    /// Model management (there is none without a data folder).
    pub fn models(&self) -> Result<&Arc<ModelService>, AppError> {
        self.inner.models.as_ref().ok_or_else(AppError::no_data_dir)
    }

    /// The data folder, if there is one.
    pub fn data_dir(&self) -> Option<&Path> {
        self.inner.tutor.source().data_dir.as_deref()
    }

    /// The history database, opened on first call.
    pub async fn store(&self) -> Result<&Store, AppError> {
        self.inner
            .store
            .get_or_try_init(|| async {
                let dir = self.data_dir().ok_or_else(AppError::no_data_dir)?;
                Ok::<_, AppError>(Store::open(dir).await?)
            })
            .await
    }

    /// The id saved with attempts and conversations, the same in every front end: the running
    /// model's file name, else the file the next request would load, else `"none"`.
    pub fn model_id(&self) -> String {
        if let Some(tutor) = self.running_tutor() {
            return tutor.engine().model_id();
        }
        self.inner
            .tutor
            .source()
            .model_path()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "none".into())
    }

    /// The name the model's calibration is filed under (`general.name`, else the file name,
    /// as the worker names it), read from the GGUF header without loading the model: served
    /// in `/v1/models` so that another LexiLingo using this server picks the same calibration.
    /// `None` when no local model file is known.
    pub fn model_calibration_name(&self) -> Option<String> {
        let path = self.inner.tutor.source().model_path()?;
        let info = lexilingo_core::models::gguf::inspect(&path).ok()?;
        info.name
            .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
    }

    /// A plain-text report for bug reports: versions, machine, model, the last log lines.
    /// Never starts a model.
    pub async fn diagnostics(&self) -> String {
        let model = match self.running_tutor() {
            Some(tutor) => tutor.engine().model_info().await.ok(),
            None => None,
        };
        let backend = self.running_tutor().and_then(|t| t.engine().backend_note());
        let logs = self.data_dir().map(crate::host::paths::logs_dir);
        crate::host::diagnostics::report(
            model.as_ref(),
            backend.as_deref(),
            self.data_dir(),
            logs.as_deref(),
        )
    }

    fn running(&self) -> MutexGuard<'_, HashMap<u64, CancellationToken>> {
        self.inner
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A cancellation token for a request; with a front end's `request_id` it is registered so
    /// [`App::cancel`] reaches it, until the returned guard is dropped.
    pub fn track(&self, request_id: Option<u64>) -> Running {
        let token = CancellationToken::new();
        if let Some(id) = request_id {
            self.running().insert(id, token.clone());
        }
        Running {
            app: self.clone(),
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
}

/// A request in flight (see [`App::track`]); dropping it unregisters it.
pub struct Running {
    app: App,
    id: Option<u64>,
    token: CancellationToken,
}

impl Running {
    /// The request's cancellation token.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.app.running().remove(&id);
        }
    }
}
