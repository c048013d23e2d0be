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

/// Remembers `dir` as the data folder for the next start (`None`: back to the default).
pub fn choose_data_dir(dir: Option<&std::path::Path>) -> std::io::Result<()> {
    let pointer = data_dir_pointer().ok_or_else(|| std::io::Error::other("no config folder"))?;
    match dir {
        Some(dir) => {
            if let Some(parent) = pointer.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let tmp = pointer.with_extension("tmp");
            std::fs::write(&tmp, format!("{}\n", dir.display()))?;
            std::fs::rename(tmp, pointer)
        }
        None => match std::fs::remove_file(pointer) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
    }
}

/// Directory for downloaded and imported models inside `data_dir`.
pub fn models_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("models")
}

/// Where the desktop app writes its daily log files (quoted by "copy diagnostics").
pub fn logs_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("logs")
}
