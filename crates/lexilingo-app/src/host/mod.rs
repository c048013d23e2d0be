//! What a host process (the window, `lexilingo serve`, the CLI) needs around the tutor: where
//! the data lives, the settings file, the tutor for the active model, the model screen's
//! service, moving the data folder and the diagnostics text. Core knows nothing of these.

pub mod active;
pub mod diagnostics;
pub mod model_service;
pub mod paths;
pub mod relocate;
pub mod settings_file;
