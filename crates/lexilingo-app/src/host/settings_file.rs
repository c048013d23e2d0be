//! Settings kept in `settings.json` in the data directory, shared by the app and the CLI.
//!
//! A remote OpenAI-compatible server to use instead of the local model (a school's server when
//! its laptops are too small; `LEXILINGO_REMOTE_URL`, `LEXILINGO_REMOTE_MODEL` and
//! `LEXILINGO_REMOTE_KEY` override the file), and the local model's threads and context size
//! (Settings in the app; `--threads`/`--ctx` override them in the CLI).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use lexilingo_core::engine::RemoteConfig;

/// The settings file's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Use this server instead of the local model.
    #[serde(default)]
    pub remote: Option<RemoteConfig>,
    /// CPU threads for the local model (none: one per physical core).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
    /// Context window in tokens (none: the engine's default, shrunk to fit free memory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<u32>,
    /// Sentences a day the learner aims for (none: the default goal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_goal: Option<u32>,
}

/// The settings file in `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("settings.json")
}

impl Settings {
    /// Reads the settings; a missing file means the defaults. A file that does not parse is an
    /// error (with the path), rather than silently ignored.
    pub fn load(data_dir: &Path) -> Result<Self, String> {
        let file = path(data_dir);
        match std::fs::read_to_string(&file) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| format!("{} is not valid settings: {e}", file.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("cannot read {}: {e}", file.display())),
        }
    }

    /// Writes the settings atomically (a temporary file, then a rename), so a crash never
    /// leaves half a file.
    pub fn save(&self, data_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(data_dir)?;
        let file = path(data_dir);
        let tmp = file.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, text + "\n")?;
        std::fs::rename(tmp, file)
    }

    /// The remote server to use: the environment first, then the file.
    pub fn effective_remote(&self) -> Option<RemoteConfig> {
        remote_from_env().or_else(|| self.remote.clone())
    }
}

/// A remote server from `LEXILINGO_REMOTE_URL` (and `_MODEL`, `_KEY`), if set.
pub fn remote_from_env() -> Option<RemoteConfig> {
    let url = std::env::var("LEXILINGO_REMOTE_URL").ok()?;
    if url.trim().is_empty() {
        return None;
    }
    Some(RemoteConfig {
        base_url: url,
        model: std::env::var("LEXILINGO_REMOTE_MODEL").unwrap_or_else(|_| "default".into()),
        api_key: std::env::var("LEXILINGO_REMOTE_KEY").ok(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_a_broken_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(Settings::load(dir.path()), Ok(Settings::default()));
        let s = Settings {
            remote: Some(RemoteConfig {
                base_url: "http://10.0.0.2:8080/v1".into(),
                model: "qwen2.5-7b".into(),
                api_key: None,
            }),
            threads: Some(2),
            context: None,
            daily_goal: Some(15),
        };
        s.save(dir.path()).expect("save");
        assert_eq!(Settings::load(dir.path()), Ok(s));
        std::fs::write(path(dir.path()), "{ not json").expect("write");
        let err = Settings::load(dir.path()).expect_err("broken file");
        assert!(err.contains("settings.json"), "{err}");
    }
}
