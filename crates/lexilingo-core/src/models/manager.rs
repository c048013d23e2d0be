//! Installed models: the manifest in the models directory, import, verify, remove, use, and the
//! fit check against available memory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::catalog::Catalog;
use super::download::{sha256_file, DownloadError};
use crate::models::gguf;
use crate::models::gguf::ModelFileError;

const MANIFEST: &str = "manifest.json";

/// A model on this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export)]
pub struct InstalledModel {
    /// Catalog id, or the file stem for an imported file the catalog does not know.
    pub id: String,
    /// Where the file is.
    #[schema(value_type = String)]
    pub path: PathBuf,
    /// Size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// sha256, lower-case hex.
    pub sha256: String,
    /// The file's hash matches a catalog entry.
    pub verified: bool,
    /// `general.architecture`.
    pub architecture: String,
    /// The file lives elsewhere and was registered in place (not copied).
    pub in_place: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    active: Option<String>,
    models: Vec<InstalledModel>,
}

/// Failures of model management.
#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    /// The file is not a usable GGUF model.
    #[error(transparent)]
    ModelFile(#[from] ModelFileError),
    /// Download, hashing or file errors.
    #[error(transparent)]
    Download(#[from] DownloadError),
    /// No installed model with that id.
    #[error("no installed model `{0}`; see `lexilingo models list`")]
    NotInstalled(String),
    /// The file changed since it was installed.
    #[error("{id}: the file's sha256 is now {actual}, expected {expected}")]
    Modified {
        /// Model id.
        id: String,
        /// Recorded hash.
        expected: String,
        /// Hash now.
        actual: String,
    },
    /// No catalog entry with that id, or it cannot be downloaded (no pinned source and hash).
    #[error("no downloadable catalog model `{0}`")]
    NotInCatalog(String),
    /// Another download is running.
    #[error("`{id}` is downloading; pause it first")]
    Busy {
        /// The running download.
        id: String,
    },
    /// The header checks passed but llama.cpp could not load the file (tried in a worker
    /// process before the file was registered; nothing was installed).
    #[error("llama.cpp cannot load {path}: {reason}")]
    Unloadable {
        /// The file.
        path: PathBuf,
        /// What the worker reported.
        reason: String,
    },
    /// Reading or writing the manifest failed.
    #[error("cannot update {path}: {message}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

/// The models directory and its manifest.
pub struct ModelManager {
    dir: PathBuf,
}

impl ModelManager {
    /// Manages `models_dir` (created on first write).
    pub fn new(models_dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: models_dir.into(),
        }
    }

    /// The models directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn read(&self) -> Result<Manifest, ManagerError> {
        match std::fs::read(self.dir.join(MANIFEST)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(|m| self.rebased(m))
                .map_err(|e| self.manifest_error(e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(self.manifest_error(e)),
        }
    }

    /// The manifest records absolute paths. When the whole data folder was moved (Settings →
    /// data folder, or by hand to a USB drive), a copied model's recorded path is gone but the
    /// file sits in this models folder under the same name: use that one. Models registered in
    /// place (elsewhere on purpose) are left as recorded.
    fn rebased(&self, mut m: Manifest) -> Manifest {
        for model in m.models.iter_mut().filter(|x| !x.in_place) {
            if model.path.exists() {
                continue;
            }
            if let Some(name) = model.path.file_name() {
                let here = self.dir.join(name);
                if here.exists() {
                    model.path = here;
                }
            }
        }
        m
    }

    /// After the models folder was copied from `old_dir`: records this folder's copies
    /// instead of the old files (models registered in place elsewhere keep their path).
    pub fn rebase_from(&self, old_dir: &Path) -> Result<(), ManagerError> {
        let mut m = self.read()?;
        for model in m.models.iter_mut().filter(|x| !x.in_place) {
            if let Ok(rest) = model.path.strip_prefix(old_dir) {
                model.path = self.dir.join(rest);
            }
        }
        self.write(&m)
    }

    fn write(&self, m: &Manifest) -> Result<(), ManagerError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.manifest_error(e))?;
        let tmp = self.dir.join(format!("{MANIFEST}.tmp"));
        let bytes = serde_json::to_vec_pretty(m).map_err(|e| self.manifest_error(e))?;
        std::fs::write(&tmp, bytes).map_err(|e| self.manifest_error(e))?;
        std::fs::rename(&tmp, self.dir.join(MANIFEST)).map_err(|e| self.manifest_error(e))
    }

    fn manifest_error(&self, e: impl std::fmt::Display) -> ManagerError {
        ManagerError::Manifest {
            path: self.dir.join(MANIFEST),
            message: e.to_string(),
        }
    }

    /// Installed models, and which one is active.
    pub fn list(&self) -> Result<(Vec<InstalledModel>, Option<String>), ManagerError> {
        let m = self.read()?;
        Ok((m.models, m.active))
    }

    /// The active model's path, if one is set and still on disk.
    pub fn active_path(&self) -> Result<Option<PathBuf>, ManagerError> {
        let m = self.read()?;
        Ok(m.active
            .and_then(|id| m.models.into_iter().find(|x| x.id == id))
            .map(|x| x.path))
    }

    /// Records a file (downloaded or imported) after checking it is a GGUF model and hashing
    /// it. The first model installed becomes the active one.
    pub async fn register(
        &self,
        path: &Path,
        catalog: &Catalog,
        in_place: bool,
    ) -> Result<InstalledModel, ManagerError> {
        self.register_hashed(path, catalog, in_place, None).await
    }

    /// [`ModelManager::register`] for a file whose sha256 is already known (a download just
    /// verified it): hashing a 1 GB file again would cost the learner seconds for nothing.
    pub async fn register_hashed(
        &self,
        path: &Path,
        catalog: &Catalog,
        in_place: bool,
        sha256: Option<String>,
    ) -> Result<InstalledModel, ManagerError> {
        let info = gguf::inspect_async(path).await?;
        let sha256 = match sha256 {
            Some(known) => known,
            None => sha256_file(path).await?,
        };
        let entry = catalog.by_sha256(&sha256);
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let id = entry.map(|e| e.id.clone()).unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "model".into())
        });
        let model = InstalledModel {
            id: id.clone(),
            path: path.to_path_buf(),
            size,
            sha256,
            verified: entry.is_some(),
            architecture: info.architecture.unwrap_or_default(),
            in_place,
        };
        let mut m = self.read()?;
        m.models.retain(|x| x.id != id);
        m.models.push(model.clone());
        if m.active.is_none() {
            m.active = Some(id);
        }
        self.write(&m)?;
        Ok(model)
    }

    /// Imports a GGUF file: copies it into the models directory (`copy`) or registers it where
    /// it is. The header is checked before anything is copied; then `probe` loads the file the
    /// way the engine will (in a worker process) before it is
    /// registered, so a file that passes the header checks but that llama.cpp refuses never
    /// becomes the active model. A refused copy is deleted; the manifest is untouched.
    pub async fn import<F, Fut>(
        &self,
        path: &Path,
        catalog: &Catalog,
        copy: bool,
        probe: F,
    ) -> Result<InstalledModel, ManagerError>
    where
        F: FnOnce(PathBuf) -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        gguf::inspect_async(path).await?;
        if !copy {
            let absolute = std::fs::canonicalize(path).map_err(|source| ModelFileError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            probe(absolute.clone())
                .await
                .map_err(|reason| ManagerError::Unloadable {
                    path: absolute.clone(),
                    reason,
                })?;
            return self.register(&absolute, catalog, true).await;
        }
        let name = path
            .file_name()
            .map(|n| n.to_owned())
            .unwrap_or_else(|| "model.gguf".into());
        let dest = self.dir.join(&name);
        let mut part_name = name.clone();
        part_name.push(".importing");
        let part = self.dir.join(part_name);
        std::fs::create_dir_all(&self.dir).map_err(|e| self.manifest_error(e))?;
        let (src, tmp) = (path.to_path_buf(), part.clone());
        // Copy from the regular file that was checked, never from whatever the path names now.
        tokio::task::spawn_blocking(move || -> Result<u64, ManagerError> {
            let mut from = gguf::open_regular(&src)?;
            let mut to = std::fs::File::create(&tmp).map_err(|source| DownloadError::Io {
                path: tmp.clone(),
                source,
            })?;
            let n = std::io::copy(&mut from, &mut to).map_err(|source| DownloadError::Io {
                path: tmp.clone(),
                source,
            })?;
            to.sync_all().map_err(|source| DownloadError::Io {
                path: tmp.clone(),
                source,
            })?;
            Ok(n)
        })
        .await
        .map_err(|e| self.manifest_error(e))??;
        self.install_part(&part, &dest, catalog, probe).await
    }

    /// Checks, load-probes and registers a file written to `part` in the models folder (an
    /// import's copy or an upload), renaming it to `dest` only when all checks passed. `part`
    /// is deleted on any failure.
    pub async fn install_part<F, Fut>(
        &self,
        part: &Path,
        dest: &Path,
        catalog: &Catalog,
        probe: F,
    ) -> Result<InstalledModel, ManagerError>
    where
        F: FnOnce(PathBuf) -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        let checked = async {
            gguf::inspect_async(part).await?;
            probe(part.to_path_buf())
                .await
                .map_err(|reason| ManagerError::Unloadable {
                    path: dest.to_path_buf(),
                    reason,
                })
        }
        .await;
        if let Err(e) = checked {
            let _ = std::fs::remove_file(part);
            return Err(e);
        }
        std::fs::rename(part, dest).map_err(|source| DownloadError::Io {
            path: dest.to_path_buf(),
            source,
        })?;
        self.register(dest, catalog, false).await
    }

    /// Re-hashes an installed model and compares it with the recorded hash.
    pub async fn verify(&self, id: &str) -> Result<InstalledModel, ManagerError> {
        let (models, _) = self.list()?;
        let model = models
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| ManagerError::NotInstalled(id.into()))?;
        let actual = sha256_file(&model.path).await?;
        if actual != model.sha256 {
            return Err(ManagerError::Modified {
                id: id.into(),
                expected: model.sha256,
                actual,
            });
        }
        Ok(model)
    }

    /// Removes an installed model (deleting the file unless it was registered in place) and any
    /// partial download of it.
    pub fn remove(&self, id: &str) -> Result<(), ManagerError> {
        let mut m = self.read()?;
        let Some(pos) = m.models.iter().position(|x| x.id == id) else {
            return Err(ManagerError::NotInstalled(id.into()));
        };
        let model = m.models.remove(pos);
        if !model.in_place {
            let _ = std::fs::remove_file(&model.path);
        }
        if m.active.as_deref() == Some(id) {
            m.active = m.models.first().map(|x| x.id.clone());
        }
        self.write(&m)
    }

    /// Deletes a partial download (`.part` and sidecar) of `file_name`.
    pub fn remove_partial(&self, file_name: &str) -> bool {
        let (part, sidecar) = super::download::part_paths(&self.dir, file_name);
        let a = std::fs::remove_file(part).is_ok();
        let b = std::fs::remove_file(sidecar).is_ok();
        a || b
    }

    /// Bytes of an unfinished download of `file_name`, if there is one.
    pub fn partial_bytes(&self, file_name: &str) -> Option<u64> {
        let (part, _) = super::download::part_paths(&self.dir, file_name);
        std::fs::metadata(part).ok().map(|m| m.len())
    }

    /// Makes `id` the model every command uses when no `--model` is given.
    pub fn set_active(&self, id: &str) -> Result<(), ManagerError> {
        let mut m = self.read()?;
        if !m.models.iter().any(|x| x.id == id) {
            return Err(ManagerError::NotInstalled(id.into()));
        }
        m.active = Some(id.into());
        self.write(&m)
    }
}

/// The outcome of the fit check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fit", rename_all = "snake_case")]
pub enum Fit {
    /// Fits as asked.
    Fits {
        /// Bytes needed.
        needed: u64,
        /// Bytes available.
        available: u64,
    },
    /// Fits with a smaller context.
    SmallerContext {
        /// The context that fits.
        n_ctx: u32,
        /// Why.
        reason: String,
    },
    /// Does not fit at all.
    TooBig {
        /// Why.
        reason: String,
    },
    /// Memory could not be measured on this system; not checked.
    Unknown,
}

/// Working memory beyond weights and KV cache: compute buffers, the worker, the app.
const OVERHEAD: u64 = 400 * 1024 * 1024;

/// Compares the model's weights plus its KV cache at `n_ctx` with `available` bytes of RAM,
/// halving the context (down to 1024) when that makes it fit.
pub fn fit_check(
    model_bytes: u64,
    shape: &gguf::ModelShape,
    n_ctx: u32,
    available: Option<u64>,
) -> Fit {
    let Some(available) = available else {
        return Fit::Unknown;
    };
    let need =
        |ctx: u32| model_bytes + shape.kv_cache_bytes(u64::from(ctx)).unwrap_or(0) + OVERHEAD;
    let mb = |b: u64| b / (1024 * 1024);
    if need(n_ctx) <= available {
        return Fit::Fits {
            needed: need(n_ctx),
            available,
        };
    }
    let mut ctx = n_ctx / 2;
    while ctx >= 1024 {
        if need(ctx) <= available {
            return Fit::SmallerContext {
                n_ctx: ctx,
                reason: format!(
                    "context {n_ctx} needs {} MB but {} MB is free; using {ctx}",
                    mb(need(n_ctx)),
                    mb(available)
                ),
            };
        }
        ctx /= 2;
    }
    Fit::TooBig {
        reason: format!(
            "the model needs at least {} MB of RAM and {} MB is free; choose a smaller model",
            mb(need(1024)),
            mb(available)
        ),
    }
}

/// Available memory (Linux `MemAvailable`), if it can be read.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qwen15() -> gguf::ModelShape {
        gguf::ModelShape {
            n_layer: Some(28),
            n_head: Some(12),
            n_head_kv: Some(2),
            n_embd: Some(1536),
            n_ctx_train: Some(32768),
        }
    }

    #[test]
    fn a_data_folder_moved_by_hand_finds_its_models_in_the_new_place() {
        let dir = tempfile::tempdir().expect("temp");
        std::fs::write(dir.path().join("m.gguf"), b"GGUF").expect("model");
        let manifest = r#"{"active":"m","models":[{"id":"m","path":"/gone/models/m.gguf","size":4,
            "sha256":"00","verified":false,"architecture":"llama","in_place":false}]}"#;
        std::fs::write(dir.path().join(MANIFEST), manifest).expect("manifest");
        let manager = ModelManager::new(dir.path());
        assert_eq!(
            manager.active_path().expect("read"),
            Some(dir.path().join("m.gguf"))
        );
    }

    #[test]
    fn kv_cache_of_qwen_1_5b_at_4096_is_112_mib() {
        assert_eq!(qwen15().kv_cache_bytes(4096), Some(112 * 1024 * 1024));
    }

    #[test]
    fn fit_check_shrinks_the_context_or_refuses_with_a_reason() {
        let gb = 1024 * 1024 * 1024u64;
        let model = 1_117_320_736;
        assert!(matches!(
            fit_check(model, &qwen15(), 4096, Some(8 * gb)),
            Fit::Fits { .. }
        ));
        let tight = model + OVERHEAD + qwen15().kv_cache_bytes(8192).unwrap_or(0);
        assert!(matches!(
            fit_check(model, &qwen15(), 32768, Some(tight)),
            Fit::SmallerContext { n_ctx: 8192, .. }
        ));
        match fit_check(model, &qwen15(), 4096, Some(gb)) {
            Fit::TooBig { reason } => assert!(reason.contains("MB"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(fit_check(model, &qwen15(), 4096, None), Fit::Unknown);
    }
}
