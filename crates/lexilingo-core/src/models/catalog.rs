//! The model catalog: `models/catalog.toml` compiled in, plus an optional user catalog.

use std::path::Path;

use serde::{Deserialize, Serialize};

const BUILTIN: &str = include_str!("../../../../models/catalog.toml");
/// The host every pinned URL in the built-in catalog starts with.
const HF: &str = "https://huggingface.co";

/// One model the app knows how to get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// Stable id (`lexilingo models download ID`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Quantisation (Q4_K_M…).
    pub quant: String,
    /// File name on disk.
    pub file: String,
    /// Source URL, pinned to a commit.
    #[serde(default)]
    pub url: Option<String>,
    /// Mirrors, tried in order after `url`.
    #[serde(default)]
    pub mirrors: Vec<String>,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// sha256, lower-case hex.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Licence.
    pub licence: String,
    /// Context length the model supports.
    pub context: u32,
    /// RAM the app needs with it, in GB.
    pub ram_gb: u32,
    /// A short recommendation for the learner (Vietnamese).
    pub recommendation: String,
    /// Whether its size and hash were confirmed by a real download.
    #[serde(default)]
    pub checked: bool,
    /// Whether the URL is pinned to a commit (unpinned entries are never downloaded).
    #[serde(default = "yes")]
    pub pinned: bool,
}

fn yes() -> bool {
    true
}

impl CatalogEntry {
    /// Offered for download: a pinned URL and a known hash.
    pub fn downloadable(&self) -> bool {
        self.url.is_some() && self.sha256.is_some() && self.pinned
    }

    /// The URLs to try, with the Hugging Face host replaced by `endpoint` when given (like
    /// `HF_ENDPOINT`, for mirrors and for tests).
    pub fn urls(&self, endpoint: Option<&str>) -> Vec<String> {
        let rewrite = |u: &String| match endpoint {
            Some(e) => u.replacen(HF, e.trim_end_matches('/'), 1),
            None => u.clone(),
        };
        self.url.iter().chain(&self.mirrors).map(rewrite).collect()
    }
}

/// The catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// The recommended entry's id.
    pub default: String,
    /// Entries.
    #[serde(rename = "model")]
    pub models: Vec<CatalogEntry>,
}

/// A catalog file that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("the model catalog {path} is invalid: {message}")]
pub struct CatalogError {
    /// Which file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> Self {
        // The built-in file is checked by a unit test; a parse failure cannot ship.
        toml::from_str(BUILTIN).unwrap_or(Catalog {
            default: String::new(),
            models: Vec::new(),
        })
    }

    /// The built-in catalog plus `data_dir/catalog.toml`, whose entries add to (or, with the
    /// same id, replace) the built-in ones.
    pub fn load(data_dir: &Path) -> Result<Self, CatalogError> {
        let mut catalog = Self::builtin();
        let user = data_dir.join("catalog.toml");
        if let Ok(text) = std::fs::read_to_string(&user) {
            #[derive(Deserialize)]
            struct UserCatalog {
                /// A school can choose the model pre-selected on the first-run screen.
                #[serde(default)]
                default: Option<String>,
                #[serde(default, rename = "model")]
                models: Vec<CatalogEntry>,
            }
            let extra: UserCatalog = toml::from_str(&text).map_err(|e| CatalogError {
                path: user.display().to_string(),
                message: e.to_string(),
            })?;
            for entry in extra.models {
                catalog.models.retain(|m| m.id != entry.id);
                catalog.models.push(entry);
            }
            if let Some(default) = extra.default.filter(|d| catalog.get(d).is_some()) {
                catalog.default = default;
            }
        }
        Ok(catalog)
    }

    /// The entry with `id`.
    pub fn get(&self, id: &str) -> Option<&CatalogEntry> {
        self.models.iter().find(|m| m.id == id)
    }

    /// The entry whose sha256 is `sha256`.
    pub fn by_sha256(&self, sha256: &str) -> Option<&CatalogEntry> {
        self.models.iter().find(|m| {
            m.sha256
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(sha256))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_pins_every_downloadable_entry() {
        let c: Catalog = toml::from_str(BUILTIN).expect("catalog.toml parses");
        let default = c.get(&c.default).expect("default entry exists");
        assert!(default.downloadable());
        assert_eq!(default.size, Some(1_117_320_736));
        for m in &c.models {
            if m.downloadable() {
                let url = m.url.as_deref().unwrap_or_default();
                assert!(
                    !url.contains("/resolve/main/"),
                    "{} is not pinned to a commit",
                    m.id
                );
                assert_eq!(m.sha256.as_deref().map(str::len), Some(64), "{}", m.id);
            }
        }
        assert!(
            c.models.iter().any(|m| !m.downloadable()),
            "entries without a hash are listed, not offered"
        );
    }

    #[test]
    fn endpoint_override_rewrites_the_host() {
        let c = Catalog::builtin();
        let urls = c
            .get(&c.default)
            .expect("default")
            .urls(Some("http://127.0.0.1:9/"));
        assert!(urls[0].starts_with("http://127.0.0.1:9/Qwen/"), "{urls:?}");
    }
}
