//! The window's state: the [`App`] every command adapts to, and the paths the native dialog
//! returned (the one thing only the window has).

use std::path::PathBuf;
use std::sync::Mutex;

use lexilingo_app::{App, AppError, ErrorCode};

/// Shared by every command. The tutor and the database open on first use (inside [`App`]),
/// so the window appears at once.
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// Paths the native dialog returned in this session: the only ones the import and
    /// data-folder commands accept, so script in the webview (a bug, an injected page) can
    /// never name a path of its own choosing (docs/SECURITY.md).
    picked: Mutex<std::collections::HashSet<PathBuf>>,
}

impl AppState {
    /// The data directory (`LEXILINGO_DATA_DIR` or the per-OS default) and the model:
    /// `LEXILINGO_MODEL`, or the active installed model.
    pub fn from_env() -> Self {
        Self::new(App::from_env())
    }

    /// The window's state around `app`.
    pub fn new(app: App) -> Self {
        Self {
            app,
            picked: Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// Remembers a path the native dialog returned.
    pub fn remember_picked(&self, path: PathBuf) {
        self.picked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(path);
    }

    /// `path` if the native dialog returned it in this session, else an error for the UI.
    pub fn picked_path(&self, path: &str) -> Result<PathBuf, AppError> {
        let path = PathBuf::from(path);
        let known = self
            .picked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&path);
        if known {
            Ok(path)
        } else {
            Err(AppError::new(
                ErrorCode::PathNotPicked,
                format!("{} was not chosen in the file dialog", path.display()),
            ))
        }
    }
}

/// The data folder: `LEXILINGO_DATA_DIR`, or the per-OS default.
pub fn data_dir_from_env() -> Option<PathBuf> {
    lexilingo_app::host::paths::data_dir(std::env::var_os("LEXILINGO_DATA_DIR").map(PathBuf::from))
}
