//! Where LexiLingo keeps its files, per OS (the `directories` crate), unless overridden.

use std::path::PathBuf;

/// The data directory: `--data-dir` / `LEXILINGO_DATA_DIR` when given, else the folder chosen
/// in Settings (see [`chosen_data_dir`]), else the per-OS local data directory (Linux
/// `~/.local/share/lexilingo`, Windows `%LOCALAPPDATA%`, not Roaming: models are gigabytes and
/// must not sync).
pub fn data_dir(overridden: Option<PathBuf>) -> Option<PathBuf> {
    overridden
        .or_else(chosen_data_dir)
        .or_else(default_data_dir)
}

/// The per-OS default data directory.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("app", "LexiLingo", "lexilingo")
        .map(|d| d.data_local_dir().to_path_buf())
}

/// Where the choice of data folder is remembered: a one-line file `data-dir` in the per-OS
/// config directory (`~/.config/lexilingo`), or in `LEXILINGO_CONFIG_DIR` (tests). It cannot
/// live in the data folder it points to.
pub fn data_dir_pointer() -> Option<PathBuf> {
    std::env::var_os("LEXILINGO_CONFIG_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            directories::ProjectDirs::from("app", "LexiLingo", "lexilingo")
                .map(|d| d.config_dir().to_path_buf())
        })
        .map(|d| d.join("data-dir"))
}

/// The data folder chosen in Settings, if any (an absolute path in [`data_dir_pointer`]).
pub fn chosen_data_dir() -> Option<PathBuf> {
    let text = std::fs::read_to_string(data_dir_pointer()?).ok()?;
    let path = PathBuf::from(text.trim());
    path.is_absolute().then_some(path)
}

/// Writes `dir` into the pointer file `pointer` (see [`data_dir_pointer`]) atomically, so a
/// crash never leaves half a path that the next start would follow.
pub fn remember_data_dir(pointer: &std::path::Path, dir: &std::path::Path) -> std::io::Result<()> {
    if let Some(parent) = pointer.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = pointer.with_extension("tmp");
    std::fs::write(&tmp, format!("{}\n", dir.display()))?;
    std::fs::rename(tmp, pointer)
}

/// Directory for downloaded and imported models inside `data_dir`.
pub fn models_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("models")
}

/// Where the desktop app writes its daily log files (quoted by "copy diagnostics").
pub fn logs_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("logs")
}
