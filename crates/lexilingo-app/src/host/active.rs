//! The tutor for whichever model is active now. The window starts before any model exists
//! (first run), and the learner can switch models or change threads and context in Settings:
//! each change drops the running engine (its worker process exits with it) and the next
//! request starts one with the new choice.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use ts_rs::TS;

use crate::host::settings_file::Settings;
use lexilingo_core::engine::{Engine, EngineConfig};
use lexilingo_core::models::{available_memory, fit_check, Fit, ModelManager};
use lexilingo_core::{Error, Result, Tutor};

/// Where the model comes from, in order: a remote server named explicitly or in the
/// environment, an explicit path
/// (`LEXILINGO_MODEL`, `--model`), a remote server in the settings, the active installed model.
#[derive(Debug, Clone, Default)]
pub struct TutorSource {
    /// A remote server named explicitly (`--remote-url`); wins over everything.
    pub remote: Option<lexilingo_core::engine::RemoteConfig>,
    /// An explicit model file; wins over the installed models.
    pub model: Option<PathBuf>,
    /// The data folder (settings, installed models).
    pub data_dir: Option<PathBuf>,
    /// Threads, overriding the settings (`--threads`).
    pub threads: Option<u32>,
    /// Context size, overriding the settings (`--ctx`).
    pub n_ctx: Option<u32>,
    /// How to start the model worker, when not this executable (a test harness runs the real
    /// `lexilingo` binary as the worker; an emulator can wrap it).
    pub worker: Option<lexilingo_core::engine::WorkerCommand>,
}

impl TutorSource {
    /// The settings file's contents; a broken file is logged and the defaults used, so a typo
    /// there never locks the learner out.
    pub fn settings(&self) -> Settings {
        self.data_dir
            .as_deref()
            .map(|dir| {
                Settings::load(dir).unwrap_or_else(|e| {
                    tracing::error!("{e}; using the defaults");
                    Settings::default()
                })
            })
            .unwrap_or_default()
    }

    /// The model file the next engine would load, if any.
    pub fn model_path(&self) -> Option<PathBuf> {
        self.model.clone().or_else(|| {
            let dir = self.data_dir.as_deref()?;
            ModelManager::new(crate::host::paths::models_dir(dir))
                .active_path()
                .ok()
                .flatten()
        })
    }

    /// A tutor on a new engine (the worker starts on first use).
    pub fn build(&self) -> Result<Tutor> {
        let settings = self.settings();
        // A model named explicitly wins over a remote server in the settings file (not over
        // one in the environment).
        let remote = self
            .remote
            .clone()
            .or_else(crate::host::settings_file::remote_from_env)
            .or_else(|| settings.remote.clone().filter(|_| self.model.is_none()));
        if let Some(remote) = remote {
            tracing::info!(url = %remote.base_url, "using a remote model server");
            return Ok(Tutor::new(Engine::remote(remote)?));
        }
        let model = self.model_path().ok_or(Error::NoModel)?;
        let mut config = EngineConfig::new(&model)?;
        if let Some(threads) = self.threads.or(settings.threads) {
            config.threads = threads.max(1);
        }
        config.n_ctx = fit_context(
            &model,
            self.n_ctx.or(settings.context).unwrap_or(config.n_ctx),
        )?;
        if let Some(worker) = &self.worker {
            config.worker = worker.clone();
        }
        Ok(Tutor::new(Engine::new(config)?))
    }
}

/// The context to use for `model`: `requested`, or less when free memory is short (a warning
/// in the log), or an error when even 1024 tokens do not fit.
pub fn fit_context(model: &std::path::Path, requested: u32) -> Result<u32> {
    let info = lexilingo_core::models::gguf::inspect(model)?;
    let size = std::fs::metadata(model).map(|m| m.len()).unwrap_or(0);
    match fit_check(size, &info.shape, requested.max(512), available_memory()) {
        Fit::Fits { .. } | Fit::Unknown => Ok(requested.max(512)),
        Fit::SmallerContext { n_ctx, reason } => {
            tracing::warn!("{reason}");
            Ok(n_ctx)
        }
        Fit::TooBig { reason } => Err(Error::TooBig { reason }),
    }
}

/// The current tutor, built on first use and rebuilt after [`ActiveTutor::reset`].
pub struct ActiveTutor {
    source: TutorSource,
    current: Mutex<Option<Tutor>>,
}

impl ActiveTutor {
    /// Nothing starts until the first [`ActiveTutor::get`].
    pub fn new(source: TutorSource) -> Self {
        Self {
            source,
            current: Mutex::new(None),
        }
    }

    /// Where models come from.
    pub fn source(&self) -> &TutorSource {
        &self.source
    }

    /// The tutor, built now if there is none. A failure is not remembered: after the learner
    /// installs a model, the next call succeeds.
    pub async fn get(&self) -> Result<Tutor> {
        let mut current = self.current.lock().await;
        if let Some(tutor) = current.as_ref() {
            return Ok(tutor.clone());
        }
        // Building reads the model's header and the settings: file I/O, off the async threads.
        let source = self.source.clone();
        let tutor = tokio::task::spawn_blocking(move || source.build())
            .await
            .map_err(|e| {
                Error::from(lexilingo_core::error::EngineError::Spawn {
                    message: format!("the engine could not be built: {e}"),
                })
            })??;
        *current = Some(tutor.clone());
        Ok(tutor)
    }

    /// The tutor if one is running (diagnostics must not start a model).
    pub fn running(&self) -> Option<Tutor> {
        self.current.try_lock().ok().and_then(|c| c.clone())
    }

    /// Drops the current tutor; requests still running finish on it, and its worker exits when
    /// the last of them does.
    pub async fn reset(&self) {
        *self.current.lock().await = None;
    }
}

/// The engine's settings as Settings shows and saves them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct EngineSettings {
    /// CPU threads; none means one per physical core.
    pub threads: Option<u32>,
    /// Context window in tokens; none means the default.
    pub context: Option<u32>,
    /// What "none" means for threads here (read-only).
    #[serde(default)]
    pub default_threads: u32,
    /// Logical CPUs, the most threads worth offering (read-only).
    #[serde(default)]
    pub max_threads: u32,
    /// The default context (read-only).
    #[serde(default)]
    pub default_context: u32,
    /// The data folder (read-only).
    #[serde(default)]
    pub data_dir: String,
}

impl EngineSettings {
    /// The saved values and the facts the form needs.
    pub fn read(source: &TutorSource) -> Self {
        let settings = source.settings();
        Self {
            threads: settings.threads,
            context: settings.context,
            default_threads: lexilingo_core::engine::default_threads(),
            max_threads: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
            default_context: lexilingo_core::engine::DEFAULT_N_CTX,
            data_dir: source
                .data_dir
                .as_deref()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
        }
    }

    /// Saves threads and context (kept in range: 1 to the logical CPUs, 512 to 32768 tokens),
    /// leaving the other settings as they are.
    pub fn save(&self, source: &TutorSource) -> std::io::Result<()> {
        let dir = source
            .data_dir
            .as_deref()
            .ok_or_else(|| std::io::Error::other("no data folder"))?;
        let mut settings = source.settings();
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        settings.threads = self.threads.map(|t| t.clamp(1, cpus));
        settings.context = self.context.map(|c| c.clamp(512, 32768));
        settings.save(dir)
    }
}
