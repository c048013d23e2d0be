//! Moving the learner's data to another folder (Settings → data folder): a USB drive, a bigger
//! disk. It is a copy, not a move — if the drive is pulled half-way nothing is lost — and the
//! new folder is used from the next start (the running app keeps its open database). The old
//! folder stays as it was, for the learner to delete once they have checked the new one.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use lexilingo_core::store::{Store, DB_FILE};

/// What a move did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct MoveReport {
    /// The new data folder.
    pub to: String,
    /// It already held LexiLingo data, which is used as it is (nothing copied).
    pub existing: bool,
    /// Files copied (the database, settings, models…).
    pub files: u32,
    /// Bytes copied.
    #[ts(type = "number")]
    pub bytes: u64,
    /// `LEXILINGO_DATA_DIR` is set, and wins over the choice until it is unset.
    pub overridden_by_env: bool,
}

/// Why a move was refused or failed; the old folder is untouched either way.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// A relative path would depend on where the app was started from.
    #[error("{0} is not an absolute path")]
    NotAbsolute(PathBuf),
    /// The folder in use.
    #[error("{0} is already the data folder")]
    Same(PathBuf),
    /// Other files are there: mixing them with the learner's data would be a mess to undo.
    #[error("{0} is not empty and holds no LexiLingo data")]
    NotEmpty(PathBuf),
    /// Not enough room.
    #[error("{needed} bytes needed in {dir}, {available} free")]
    NoSpace {
        /// Where.
        dir: PathBuf,
        /// Bytes to copy.
        needed: u64,
        /// Bytes free.
        available: u64,
    },
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Copying the database failed.
    #[error(transparent)]
    Store(#[from] lexilingo_core::store::StoreError),
}

impl MoveError {
    /// A stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            MoveError::NotAbsolute(_) => "path_not_absolute",
            MoveError::Same(_) => "same_folder",
            MoveError::NotEmpty(_) => "folder_not_empty",
            MoveError::NoSpace { .. } => "disk_full",
            MoveError::Io { .. } => "file_error",
            MoveError::Store(_) => "history_unavailable",
        }
    }

    /// For the learner, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            MoveError::NotAbsolute(p) => format!(
                "“{}” chưa phải đường dẫn đầy đủ. Em nhập đường dẫn bắt đầu bằng / nhé (ví dụ /media/usb/lexilingo).",
                p.display()
            ),
            MoveError::Same(_) => "Đây đã là thư mục dữ liệu đang dùng.".into(),
            MoveError::NotEmpty(p) => format!(
                "Thư mục {} đã có tệp khác. Em chọn một thư mục trống (hoặc thư mục dữ liệu LexiLingo cũ) nhé.",
                p.display()
            ),
            MoveError::NoSpace { needed, available, .. } => format!(
                "Không đủ chỗ: cần {:.1} GB, nơi đó chỉ còn {:.1} GB trống. Dữ liệu cũ vẫn nguyên vẹn.",
                *needed as f64 / 1e9,
                *available as f64 / 1e9
            ),
            MoveError::Io { path, .. } => format!(
                "Không ghi được vào {}. Em kiểm tra quyền ghi hoặc ổ đĩa nhé; dữ liệu cũ vẫn nguyên vẹn.",
                path.display()
            ),
            MoveError::Store(_) => {
                "Không chép được lịch sử luyện tập. Dữ liệu cũ vẫn nguyên vẹn.".into()
            }
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> MoveError + '_ {
    move |source| MoveError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The files to copy besides the database: settings, the user catalog, and the models folder
/// (models, their manifest, and unfinished downloads, which resume in the new place). Logs
/// and exports stay behind.
fn files_to_copy(from: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["settings.json", "catalog.toml"]
        .iter()
        .map(PathBuf::from)
        .filter(|f| from.join(f).is_file())
        .collect();
    if let Ok(entries) = std::fs::read_dir(crate::host::paths::models_dir(from)) {
        for entry in entries.flatten() {
            if entry.path().is_file() {
                files.push(PathBuf::from("models").join(entry.file_name()));
            }
        }
    }
    files
}

/// Copies the data in `from` (its database through `store`) to `to` and records `to` in
/// `pointer` (see `paths::data_dir_pointer`) for the next start.
pub async fn move_data(
    store: &Store,
    from: &Path,
    to: &Path,
    pointer: &Path,
) -> Result<MoveReport, MoveError> {
    if !to.is_absolute() {
        return Err(MoveError::NotAbsolute(to.to_path_buf()));
    }
    let same = match (std::fs::canonicalize(from), std::fs::canonicalize(to)) {
        (Ok(a), Ok(b)) => a == b,
        _ => from == to,
    };
    if same {
        return Err(MoveError::Same(to.to_path_buf()));
    }
    let remember = |existing: bool, files: u32, bytes: u64| -> Result<MoveReport, MoveError> {
        crate::host::paths::remember_data_dir(pointer, to).map_err(io(pointer))?;
        Ok(MoveReport {
            to: to.display().to_string(),
            existing,
            files,
            bytes,
            overridden_by_env: std::env::var_os("LEXILINGO_DATA_DIR").is_some(),
        })
    };
    if to.join(DB_FILE).is_file() {
        return remember(true, 0, 0);
    }
    if std::fs::read_dir(to).is_ok_and(|mut d| d.next().is_some()) {
        return Err(MoveError::NotEmpty(to.to_path_buf()));
    }
    std::fs::create_dir_all(crate::host::paths::models_dir(to)).map_err(io(to))?;
    let files = files_to_copy(from);
    let needed: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(from.join(f)).ok())
        .map(|m| m.len())
        .sum::<u64>()
        + std::fs::metadata(store.path()).map_or(0, |m| m.len());
    if let Ok(available) = fs4::available_space(to) {
        if available < needed {
            return Err(MoveError::NoSpace {
                dir: to.to_path_buf(),
                needed,
                available,
            });
        }
    }
    store.snapshot_to(&to.join(DB_FILE)).await?;
    let (src, dst) = (from.to_path_buf(), to.to_path_buf());
    let bytes = tokio::task::spawn_blocking(move || -> Result<u64, MoveError> {
        let mut bytes = 0;
        for f in &files {
            let target = dst.join(f);
            bytes += std::fs::copy(src.join(f), &target).map_err(io(&target))?;
        }
        Ok(bytes)
    })
    .await
    .map_err(|e| MoveError::Io {
        path: to.to_path_buf(),
        source: std::io::Error::other(e),
    })??;
    // The copied manifest names the old folder's model files: point it at the copies.
    if to.join("models/manifest.json").is_file() {
        lexilingo_core::models::ModelManager::new(crate::host::paths::models_dir(to))
            .rebase_from(&crate::host::paths::models_dir(from))
            .map_err(|e| MoveError::Io {
                path: to.join("models/manifest.json"),
                source: std::io::Error::other(e.to_string()),
            })?;
    }
    let files = files_to_copy(to).len() as u32 + 1;
    remember(false, files, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn copies_history_settings_and_models_then_points_there_and_refuses_a_cluttered_folder() {
        let root = tempfile::tempdir().expect("temp");
        let from = root.path().join("old");
        let store = Store::open(&from).await.expect("open");
        std::fs::write(from.join("settings.json"), "{\"threads\":2}").expect("settings");
        std::fs::create_dir_all(from.join("models")).expect("models");
        std::fs::write(from.join("models/m.gguf"), b"GGUF....").expect("model");
        std::fs::write(
            from.join("models/manifest.json"),
            r#"{"active":null,"models":[]}"#,
        )
        .expect("manifest");
        let pointer = root.path().join("config/data-dir");

        let cluttered = root.path().join("photos");
        std::fs::create_dir_all(&cluttered).expect("dir");
        std::fs::write(cluttered.join("cat.jpg"), b"meow").expect("file");
        let e = move_data(&store, &from, &cluttered, &pointer)
            .await
            .expect_err("not empty");
        assert_eq!(e.code(), "folder_not_empty");
        assert!(!pointer.exists(), "a refused move remembers nothing");
        let e = move_data(&store, &from, Path::new("usb/lexilingo"), &pointer)
            .await
            .expect_err("relative");
        assert_eq!(e.code(), "path_not_absolute");

        let to = root.path().join("usb/lexilingo");
        let report = move_data(&store, &from, &to, &pointer)
            .await
            .expect("moved");
        assert!(!report.existing);
        assert_eq!(report.files, 4, "database, settings, model, manifest");
        for f in [
            DB_FILE,
            "settings.json",
            "models/m.gguf",
            "models/manifest.json",
        ] {
            assert!(to.join(f).is_file(), "{f} copied");
            assert!(from.join(f).is_file(), "{f} still in the old folder");
        }
        assert_eq!(
            std::fs::read_to_string(&pointer).expect("pointer").trim(),
            to.display().to_string()
        );
        // The copy is a working database.
        Store::open(&to).await.expect("the copy opens");
        // Pointing at a folder that already holds LexiLingo data uses it as it is.
        let back = move_data(&store, &to, &from, &pointer).await.expect("back");
        assert!(back.existing && back.files == 0);
    }
}
