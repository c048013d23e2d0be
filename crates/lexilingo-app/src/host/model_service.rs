//! Model management for a window: the catalog with what is installed or half-downloaded, one
//! background download at a time whose state anyone can watch, pause (the `.part` file stays,
//! so it resumes even after the app restarts), cancel (the `.part` file goes), import and
//! switching the active model.
//!
//! The app turns the watched state into Tauri events and `lexilingo serve` into server-sent
//! events, so both windows show the same progress from the same code.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use lexilingo_core::error::Error;
use lexilingo_core::models::catalog::{Catalog, CatalogEntry};
use lexilingo_core::models::download::{download, DownloadOptions, DownloadSpec, DownloadState};
use lexilingo_core::models::manager::{
    available_memory, InstalledModel, ManagerError, ModelManager,
};

/// One catalog entry as the first-run screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct CatalogItem {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Quantisation.
    pub quant: String,
    /// Download size in bytes, when known.
    #[ts(type = "number | null")]
    pub size: Option<u64>,
    /// RAM the app needs with it, in GB.
    pub ram_gb: u32,
    /// The catalog's advice (Vietnamese).
    pub recommendation: String,
    /// The recommended entry (pre-selected).
    pub recommended: bool,
    /// Offered for download (pinned source and known hash); otherwise import only.
    pub downloadable: bool,
    /// Already installed.
    pub installed: bool,
    /// Bytes of an unfinished download on disk (paused, or interrupted by a restart).
    #[ts(type = "number | null")]
    pub partial_bytes: Option<u64>,
    /// Whether the computer's free memory is below what the model needs (a warning, not a ban:
    /// free memory changes as other programs close).
    pub low_memory: bool,
    /// Licence.
    pub licence: String,
}

/// The download, as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
#[ts(export)]
pub enum DownloadStatus {
    /// Nothing is downloading.
    Idle,
    /// Running: connecting, receiving, waiting for the network, or verifying.
    Running {
        /// Catalog id.
        id: String,
        /// What it is doing.
        state: DownloadState,
    },
    /// Paused by the learner; `.part` kept.
    Paused {
        /// Catalog id.
        id: String,
        /// Bytes kept.
        #[ts(type = "number")]
        bytes: u64,
    },
    /// Stopped by an error; `.part` kept unless the file was bad.
    Failed {
        /// Catalog id.
        id: String,
        /// Stable code (`no_network`, `disk_full`, `bad_download`…).
        code: String,
        /// For the learner, in Vietnamese.
        message: String,
        /// Technical detail, in English.
        detail: String,
    },
    /// Installed.
    Finished {
        /// Catalog id.
        id: String,
        /// It became the active model (it was the first one).
        activated: bool,
    },
}

/// Everything the model screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ModelsOverview {
    /// The catalog, recommended entry first.
    pub catalog: Vec<CatalogItem>,
    /// Installed models.
    pub installed: Vec<InstalledModel>,
    /// The active model's id.
    pub active: Option<String>,
    /// The download.
    pub download: DownloadStatus,
    /// Free memory now, in bytes.
    #[ts(type = "number | null")]
    pub available_memory: Option<u64>,
    /// The models folder.
    pub models_dir: String,
}

struct Job {
    id: String,
    cancel: CancellationToken,
    done: tokio::task::JoinHandle<()>,
}

/// See the module docs. One per app (or server).
pub struct ModelService {
    data_dir: PathBuf,
    manager: ModelManager,
    endpoint: Option<String>,
    options: DownloadOptions,
    status: watch::Sender<DownloadStatus>,
    job: Mutex<Option<Job>>,
}

/// The base URL that replaces Hugging Face's (`LEXILINGO_HF_ENDPOINT`, or the usual
/// `HF_ENDPOINT`): for mirrors, and for tests against a local server.
pub fn endpoint_from_env() -> Option<String> {
    std::env::var("LEXILINGO_HF_ENDPOINT")
        .or_else(|_| std::env::var("HF_ENDPOINT"))
        .ok()
        .filter(|e| !e.is_empty())
}

impl ModelService {
    /// Models in `data_dir/models`, catalog from `data_dir`, Hugging Face replaced by
    /// `endpoint` when given.
    pub fn new(data_dir: &Path, endpoint: Option<String>, options: DownloadOptions) -> Arc<Self> {
        Arc::new(Self {
            data_dir: data_dir.to_path_buf(),
            manager: ModelManager::new(crate::host::paths::models_dir(data_dir)),
            endpoint,
            options,
            status: watch::channel(DownloadStatus::Idle).0,
            job: Mutex::new(None),
        })
    }

    fn job(&self) -> MutexGuard<'_, Option<Job>> {
        self.job
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn catalog(&self) -> Catalog {
        // A broken user catalog must not hide the built-in models: log it and go on.
        Catalog::load(&self.data_dir).unwrap_or_else(|e| {
            tracing::error!("{}: {}; using the built-in catalog", e.path, e.message);
            Catalog::builtin()
        })
    }

    fn entry(&self, id: &str) -> Result<CatalogEntry, Error> {
        self.catalog()
            .get(id)
            .filter(|e| e.downloadable())
            .cloned()
            .ok_or_else(|| ManagerError::NotInCatalog(id.into()).into())
    }

    /// Follows the download's state.
    pub fn subscribe(&self) -> watch::Receiver<DownloadStatus> {
        self.status.subscribe()
    }

    /// The download's state now.
    pub fn status(&self) -> DownloadStatus {
        self.status.borrow().clone()
    }

    /// The catalog with installed and partial files, the installed models, the download.
    pub fn overview(&self) -> Result<ModelsOverview, Error> {
        let catalog = self.catalog();
        let (installed, active) = self.manager.list()?;
        let memory = available_memory();
        let gb = 1_000_000_000u64;
        let mut items: Vec<CatalogItem> = catalog
            .models
            .iter()
            .map(|e| CatalogItem {
                id: e.id.clone(),
                name: e.name.clone(),
                quant: e.quant.clone(),
                size: e.size,
                ram_gb: e.ram_gb,
                recommendation: e.recommendation.clone(),
                recommended: e.id == catalog.default,
                downloadable: e.downloadable(),
                installed: installed.iter().any(|m| m.id == e.id),
                partial_bytes: self.manager.partial_bytes(&e.file),
                low_memory: memory.is_some_and(|m| m < u64::from(e.ram_gb) * gb),
                licence: e.licence.clone(),
            })
            .collect();
        items.sort_by_key(|i| !i.recommended);
        let mut download = self.status();
        // After a restart the state is idle, but a `.part` file means a paused download.
        if download == DownloadStatus::Idle {
            if let Some(item) = items.iter().find(|i| i.partial_bytes.is_some()) {
                download = DownloadStatus::Paused {
                    id: item.id.clone(),
                    bytes: item.partial_bytes.unwrap_or(0),
                };
            }
        }
        Ok(ModelsOverview {
            catalog: items,
            installed,
            active,
            download,
            available_memory: memory,
            models_dir: self.manager.dir().display().to_string(),
        })
    }

    /// Starts (or resumes) downloading catalog entry `id` in the background. When it finishes
    /// it is registered, and becomes the active model if none was.
    pub fn start(self: &Arc<Self>, id: &str) -> Result<(), Error> {
        let entry = self.entry(id)?;
        let mut job = self.job();
        if let Some(running) = job.as_ref().filter(|j| !j.done.is_finished()) {
            if running.id == id {
                return Ok(());
            }
            return Err(ManagerError::Busy {
                id: running.id.clone(),
            }
            .into());
        }
        let spec = DownloadSpec {
            urls: entry.urls(self.endpoint.as_deref()),
            file_name: entry.file.clone(),
            size: entry.size,
            sha256: entry.sha256.clone().unwrap_or_default(),
        };
        let cancel = CancellationToken::new();
        let this = Arc::clone(self);
        let (id, token) = (id.to_string(), cancel.clone());
        self.status.send_replace(DownloadStatus::Running {
            id: id.clone(),
            state: DownloadState::Connecting { attempt: 1 },
        });
        let done = tokio::spawn({
            let id = id.clone();
            async move {
                let status = this.run(&id, &spec, &token).await;
                this.status.send_replace(status);
            }
        });
        *job = Some(Job { id, cancel, done });
        Ok(())
    }

    async fn run(
        &self,
        id: &str,
        spec: &DownloadSpec,
        cancel: &CancellationToken,
    ) -> DownloadStatus {
        let dir = self.manager.dir().to_path_buf();
        let result = download(spec, &dir, &self.options, cancel, |state| {
            self.status.send_replace(DownloadStatus::Running {
                id: id.to_string(),
                state: state.clone(),
            });
        })
        .await;
        let had_active = matches!(self.manager.list(), Ok((_, Some(_))));
        let result = match result {
            Ok(path) => {
                let known = Some(spec.sha256.to_lowercase());
                self.manager
                    .register_hashed(&path, &self.catalog(), false, known)
                    .await
            }
            Err(e) => Err(e.into()),
        };
        match result {
            Ok(model) => {
                tracing::info!(id = %model.id, "model downloaded");
                DownloadStatus::Finished {
                    id: id.into(),
                    activated: !had_active,
                }
            }
            Err(ManagerError::Download(lexilingo_core::models::DownloadError::Cancelled)) => {
                DownloadStatus::Paused {
                    id: id.into(),
                    bytes: self.manager.partial_bytes(&spec.file_name).unwrap_or(0),
                }
            }
            Err(e) => {
                tracing::warn!(id, "download failed: {e}");
                let e = Error::from(e);
                DownloadStatus::Failed {
                    id: id.into(),
                    code: e.code().into(),
                    message: e.message_vi(),
                    detail: e.to_string(),
                }
            }
        }
    }

    /// Stops the running download and keeps what arrived; waits until it has stopped.
    pub async fn pause(&self) {
        let job = self.job().take();
        if let Some(job) = job {
            job.cancel.cancel();
            let _ = job.done.await;
        }
    }

    /// Stops the download of `id` if it runs and deletes its partial file.
    pub async fn cancel(&self, id: &str) -> Result<(), Error> {
        let entry = self
            .catalog()
            .get(id)
            .cloned()
            .ok_or_else(|| ManagerError::NotInCatalog(id.into()))?;
        let running = self.job().as_ref().is_some_and(|j| j.id == id);
        if running {
            self.pause().await;
        }
        self.manager.remove_partial(&entry.file);
        self.status.send_replace(DownloadStatus::Idle);
        Ok(())
    }

    /// Copies a GGUF file into the models folder (checked first); the first model installed
    /// becomes the active one.
    pub async fn import(&self, path: &Path) -> Result<InstalledModel, Error> {
        let worker = lexilingo_core::engine::WorkerCommand::current_exe()?;
        Ok(self
            .manager
            .import(path, &self.catalog(), true, move |p| load_probe(p, worker))
            .await?)
    }

    /// Where an uploaded model named `name` is written while it arrives (`.part` in the
    /// models folder) and where it goes once checked. `name` must be a plain file name
    /// ([`lexilingo_core::models::plain_file_name`]): an upload can never write outside the models folder.
    pub fn upload_paths(&self, name: &str) -> Result<(PathBuf, PathBuf), Error> {
        let name = lexilingo_core::models::plain_file_name(name).ok_or_else(|| {
            Error::Models(ManagerError::Download(
                lexilingo_core::models::DownloadError::BadName {
                    name: name.to_string(),
                },
            ))
        })?;
        let dir = self.manager.dir().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|source| {
            Error::Models(ManagerError::Download(
                lexilingo_core::models::DownloadError::Io {
                    path: dir.clone(),
                    source,
                },
            ))
        })?;
        Ok((dir.join(format!("{name}.uploading")), dir.join(name)))
    }

    /// Checks, load-probes and registers an upload written to `part` (see
    /// [`ModelService::upload_paths`]); `part` is deleted when it is refused.
    pub async fn install_upload(&self, part: &Path, dest: &Path) -> Result<InstalledModel, Error> {
        let worker = lexilingo_core::engine::WorkerCommand::current_exe()?;
        Ok(self
            .manager
            .install_part(part, dest, &self.catalog(), move |p| load_probe(p, worker))
            .await?)
    }

    /// Makes installed model `id` the active one (the caller restarts the engine).
    pub fn activate(&self, id: &str) -> Result<(), Error> {
        Ok(self.manager.set_active(id)?)
    }
}

/// [`lexilingo_core::engine::probe_load`] as an import's check.
async fn load_probe(
    path: PathBuf,
    worker: lexilingo_core::engine::WorkerCommand,
) -> Result<(), String> {
    lexilingo_core::engine::probe_load(&path, worker)
        .await
        .map(|_| ())
}
