//! Where LexiLingo keeps its files, per OS (the `directories` crate), unless overridden.

use std::path::PathBuf;

/// The data directory: `--data-dir` / `LEXILINGO_DATA_DIR` when given, otherwise the per-OS
/// local data directory (Linux `~/.local/share/lexilingo`, Windows `%LOCALAPPDATA%`, not
/// Roaming: models are gigabytes and must not sync).
pub fn data_dir(overridden: Option<PathBuf>) -> Option<PathBuf> {
    overridden.or_else(|| {
        directories::ProjectDirs::from("app", "LexiLingo", "lexilingo")
            .map(|d| d.data_local_dir().to_path_buf())
    })
}

/// Directory for downloaded and imported models inside `data_dir`.
pub fn models_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("models")
}

/// Where the desktop app writes its daily log files (quoted by "copy diagnostics").
pub fn logs_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("logs")
}
