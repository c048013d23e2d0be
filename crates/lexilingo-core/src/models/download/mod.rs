//! A resumable, verified download of one model file.
//!
//! Bytes go to `<file>.part` with a JSON sidecar `<file>.part.json` that records what is being
//! fetched. A restart (even after the process was killed) resumes with `Range` from the `.part`
//! file's length. A `206` must carry a `Content-Range` that starts where we asked; a `200` to a
//! range request means the server ignored it, so the download restarts cleanly from zero. No
//! bytes for the stall timeout → reconnect. Connection failures are retried with capped
//! exponential backoff while the caller waits, reported as [`DownloadState::WaitingForNetwork`].
//! At the end the size and then the sha256 (hashed off the async runtime) are checked, and the
//! file is renamed into place atomically. A mismatch deletes the file.
//!
//! The server is not trusted to be kind (docs/SECURITY.md): the file name must be a plain
//! name; a body of unknown size is capped by the free disk and [`MAX_DOWNLOAD`]; the retry
//! budget counts attempts, and only bytes past the best point ever reached restore it (so a
//! server that sends the same first megabytes again and again cannot keep it alive forever);
//! `Retry-After` is honoured up to a cap; a transfer slower than a floor for a whole window
//! reconnects (a 1 byte/s drip never trips the stall timeout); redirects go only to https
//! (plain http only to loopback, for tests); and a file whose hash matches but that is not a
//! GGUF model is deleted.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

/// Largest file any download may write when the server gives no size (the largest models a
/// learner's laptop could run are well below it).
pub const MAX_DOWNLOAD: u64 = 16 * 1024 * 1024 * 1024;

/// `name` if it is a plain file name (no folder part, not `.`/`..`, not hidden, no control
/// characters, at most 255 bytes), so joining it to a folder stays inside that folder.
pub fn plain_file_name(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c == ':' || c.is_control())
        && Path::new(name).file_name() == Some(std::ffi::OsStr::new(name));
    ok.then_some(name)
}

/// What to download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadSpec {
    /// URLs to try in order (the pinned source first, then mirrors).
    pub urls: Vec<String>,
    /// File name in the destination directory.
    pub file_name: String,
    /// Expected size in bytes, when known.
    pub size: Option<u64>,
    /// Expected sha256, lower-case hex.
    pub sha256: String,
}

/// Tunables. Defaults suit a learner on flaky Wi-Fi.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// No bytes for this long → reconnect.
    pub stall_timeout: Duration,
    /// Consecutive failed attempts before giving up.
    pub max_retries: u32,
    /// First backoff; doubles up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
    /// How often progress is reported.
    pub progress_interval: Duration,
    /// Free space to keep beyond the file itself.
    pub disk_margin: u64,
    /// Slowest transfer accepted: less than this many bytes per second over
    /// `min_speed_window` reconnects.
    pub min_speed: u64,
    /// The window over which `min_speed` is measured.
    pub min_speed_window: Duration,
    /// Longest `Retry-After` wait honoured; a longer one waits this long.
    pub max_retry_after: Duration,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            stall_timeout: Duration::from_secs(30),
            max_retries: 20,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            progress_interval: Duration::from_millis(250),
            disk_margin: 64 * 1024 * 1024,
            min_speed: 1024,
            min_speed_window: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

/// What the download is doing, for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum DownloadState {
    /// Connecting (attempt number from 1).
    Connecting {
        /// Attempt number.
        attempt: u32,
    },
    /// Receiving bytes.
    Downloading(Progress),
    /// The network or server failed; retrying after `retry_in_ms`.
    WaitingForNetwork {
        /// Why.
        reason: String,
        /// Milliseconds until the next attempt.
        #[ts(type = "number")]
        retry_in_ms: u64,
        /// Attempt that failed.
        attempt: u32,
    },
    /// Checking size and sha256.
    Verifying,
    /// Done; the file is in place.
    Done {
        /// Where.
        #[schema(value_type = String)]
        path: PathBuf,
    },
}

/// Progress numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export, rename = "DownloadProgress")]
#[schema(as = DownloadProgress)]
pub struct Progress {
    /// Bytes on disk.
    #[ts(type = "number")]
    pub bytes: u64,
    /// Total, when known.
    #[ts(type = "number | null")]
    pub total: Option<u64>,
    /// Bytes per second, smoothed.
    pub speed: f64,
    /// Seconds left, when known.
    pub eta_secs: Option<f64>,
}

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// Not enough free disk space to start.
    #[error("not enough free disk space in {dir}: {needed} bytes needed, {available} available")]
    InsufficientDisk {
        /// Where.
        dir: PathBuf,
        /// Bytes needed (the rest of the file plus a margin).
        needed: u64,
        /// Bytes free.
        available: u64,
    },
    /// The server could not be reached after every retry.
    #[error("cannot reach the download server after {attempts} attempts: {last}")]
    Network {
        /// Attempts made.
        attempts: u32,
        /// The last error.
        last: String,
    },
    /// The server refused (404, 403…): retrying would not help.
    #[error("the server answered {status} for {url}")]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The URL.
        url: String,
    },
    /// The finished file has the wrong size; it was deleted.
    #[error("the downloaded file has {actual} bytes, expected {expected}; it was deleted")]
    SizeMismatch {
        /// Expected.
        expected: u64,
        /// Received.
        actual: u64,
    },
    /// The finished file has the wrong sha256; it was deleted.
    #[error("the downloaded file's sha256 is {actual}, expected {expected}; it was deleted")]
    HashMismatch {
        /// Expected.
        expected: String,
        /// Computed.
        actual: String,
    },
    /// The file name is not a plain file name (it would write outside the models folder).
    #[error("`{name}` is not a plain file name")]
    BadName {
        /// The name given.
        name: String,
    },
    /// The server sent more than the limit (the expected size, or the free disk and
    /// [`MAX_DOWNLOAD`] when no size was given); what arrived was deleted.
    #[error("the server sent more than {limit} bytes; the download was stopped and deleted")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The file matched its hash but is not a GGUF model; it was deleted.
    #[error("the downloaded file is not a GGUF model ({reason}); it was deleted")]
    NotAModel {
        /// What the header check found.
        reason: String,
    },
    /// Cancelled; the `.part` file is kept for a later resume.
    #[error("download cancelled; run it again to resume")]
    Cancelled,
    /// A local file operation failed (a full disk lands here too).
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The sidecar beside a `.part` file.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Sidecar {
    url: String,
    sha256: String,
    size: Option<u64>,
    bytes: u64,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One attempt's outcome when it did not finish the file.
enum Interrupted {
    /// Worth retrying (connection error, stall, 5xx, truncated body), after at least the given
    /// wait (a server's `Retry-After`).
    Transient(String, Option<Duration>),
    /// The server refused this URL.
    Fatal(DownloadError),
}

/// Where an unfinished download of `file_name` in `dir` lives: the bytes so far, and the
/// sidecar that records what they are.
pub fn part_paths(dir: &Path, file_name: &str) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{file_name}.part")),
        dir.join(format!("{file_name}.part.json")),
    )
}

/// Downloads `spec` into `dir`, reporting states through `on_state`. Returns the final path.
pub async fn download(
    spec: &DownloadSpec,
    dir: &Path,
    options: &DownloadOptions,
    cancel: &CancellationToken,
    mut on_state: impl FnMut(&DownloadState),
) -> Result<PathBuf, DownloadError> {
    if plain_file_name(&spec.file_name).is_none() {
        return Err(DownloadError::BadName {
            name: spec.file_name.clone(),
        });
    }
    tokio::fs::create_dir_all(dir).await.map_err(io(dir))?;
    let final_path = dir.join(&spec.file_name);
    let (part, sidecar_path) = part_paths(dir, &spec.file_name);
    let url = spec.urls.first().cloned().unwrap_or_default();

    // A sidecar for another file (different hash) means the .part is not ours to resume.
    let resumable = match tokio::fs::read(&sidecar_path).await {
        Ok(bytes) => {
            serde_json::from_slice::<Sidecar>(&bytes).is_ok_and(|s| s.sha256 == spec.sha256)
        }
        Err(_) => false,
    };
    if !resumable {
        let _ = tokio::fs::remove_file(&part).await;
    }
    let mut have = tokio::fs::metadata(&part)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    write_sidecar(&sidecar_path, spec, &url, have).await?;

    let available = fs4::available_space(dir).map_err(io(dir))?;
    let limit = match spec.size {
        Some(total) => {
            let needed = total.saturating_sub(have) + options.disk_margin;
            if available < needed {
                return Err(DownloadError::InsufficientDisk {
                    dir: dir.to_path_buf(),
                    needed,
                    available,
                });
            }
            total
        }
        // No size given: never more than the disk can take (keeping the margin) or
        // MAX_DOWNLOAD, whichever is less. A server sending an endless body stops here.
        None => {
            if available <= options.disk_margin {
                return Err(DownloadError::InsufficientDisk {
                    dir: dir.to_path_buf(),
                    needed: options.disk_margin + 1,
                    available,
                });
            }
            (have + available - options.disk_margin).min(MAX_DOWNLOAD)
        }
    };

    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .redirect(redirect_policy())
        .user_agent(concat!("LexiLingo/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DownloadError::Network {
            attempts: 0,
            last: e.to_string(),
        })?;

    let mut failures = 0u32;
    // The most bytes ever on disk: only progress past it restores the retry budget.
    let mut best = have;
    let mut url_index = 0usize;
    let mut backoff = options.initial_backoff;
    loop {
        if spec.size.is_some_and(|s| have >= s) {
            break;
        }
        if cancel.is_cancelled() {
            return Err(DownloadError::Cancelled);
        }
        let Some(url) = spec.urls.get(url_index) else {
            return Err(DownloadError::Network {
                attempts: failures,
                last: "no URL left to try".into(),
            });
        };
        on_state(&DownloadState::Connecting {
            attempt: failures + 1,
        });
        let outcome = fetch(
            &client,
            url,
            spec,
            limit,
            &part,
            &sidecar_path,
            &mut have,
            options,
            cancel,
            &mut on_state,
        )
        .await;
        match outcome {
            Ok(()) => break,
            Err(Interrupted::Fatal(DownloadError::Cancelled)) => {
                return Err(DownloadError::Cancelled)
            }
            Err(Interrupted::Fatal(e)) => {
                if url_index + 1 < spec.urls.len() {
                    tracing::warn!("{e}; trying the next mirror");
                    url_index += 1;
                    continue;
                }
                return Err(e);
            }
            Err(Interrupted::Transient(reason, retry_after)) => {
                if have >= best.saturating_add(PROGRESS_STEP) {
                    // New ground was covered: the connection is flaky, not dead. Start the
                    // count over. Bytes sent again after a restart are not new ground.
                    failures = 0;
                    backoff = options.initial_backoff;
                }
                best = best.max(have);
                failures += 1;
                if failures > options.max_retries {
                    return Err(DownloadError::Network {
                        attempts: failures,
                        last: reason,
                    });
                }
                let wait = match retry_after {
                    Some(asked) => asked.min(options.max_retry_after).max(backoff),
                    None => backoff,
                };
                on_state(&DownloadState::WaitingForNetwork {
                    reason: reason.clone(),
                    retry_in_ms: wait.as_millis() as u64,
                    attempt: failures,
                });
                tracing::info!(%reason, ?wait, "download interrupted; retrying");
                tokio::select! {
                    () = cancel.cancelled() => return Err(DownloadError::Cancelled),
                    () = tokio::time::sleep(wait) => {}
                }
                backoff = (backoff * 2).min(options.max_backoff);
            }
        }
    }

    on_state(&DownloadState::Verifying);
    let actual_size = tokio::fs::metadata(&part).await.map_err(io(&part))?.len();
    if let Some(expected) = spec.size {
        if actual_size != expected {
            discard(&part, &sidecar_path).await;
            return Err(DownloadError::SizeMismatch {
                expected,
                actual: actual_size,
            });
        }
    }
    let actual = sha256_file(&part).await?;
    if !actual.eq_ignore_ascii_case(&spec.sha256) {
        discard(&part, &sidecar_path).await;
        return Err(DownloadError::HashMismatch {
            expected: spec.sha256.clone(),
            actual,
        });
    }
    // The hash says these are the bytes that were asked for; the header check says whether
    // they are a model at all (a URL given by hand may name any file).
    if let Err(e) = crate::models::gguf::inspect_async(&part).await {
        discard(&part, &sidecar_path).await;
        return Err(DownloadError::NotAModel {
            reason: match e {
                crate::models::gguf::ModelFileError::NotGguf { reason, .. } => reason,
                other => other.to_string(),
            },
        });
    }
    tokio::fs::rename(&part, &final_path)
        .await
        .map_err(io(&final_path))?;
    let _ = tokio::fs::remove_file(&sidecar_path).await;
    on_state(&DownloadState::Done {
        path: final_path.clone(),
    });
    Ok(final_path)
}

async fn discard(part: &Path, sidecar: &Path) {
    let _ = tokio::fs::remove_file(part).await;
    let _ = tokio::fs::remove_file(sidecar).await;
}

async fn write_sidecar(
    path: &Path,
    spec: &DownloadSpec,
    url: &str,
    bytes: u64,
) -> Result<(), DownloadError> {
    let sidecar = Sidecar {
        url: url.to_string(),
        sha256: spec.sha256.clone(),
        size: spec.size,
        bytes,
    };
    let json = serde_json::to_vec_pretty(&sidecar).map_err(|e| io(path)(e.into()))?;
    let tmp = path.with_extension("json.tmp");
    tokio::fs::write(&tmp, json).await.map_err(io(path))?;
    tokio::fs::rename(&tmp, path).await.map_err(io(path))
}

/// New bytes past the best point reached that restore the retry budget.
const PROGRESS_STEP: u64 = 1024 * 1024;

/// The sha256 of a file, lower-case hex, computed on a blocking thread.
pub async fn sha256_file(path: &Path) -> Result<String, DownloadError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path).map_err(io(&path))?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher).map_err(io(&path))?;
        Ok(hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    })
    .await
    .map_err(|e| DownloadError::Io {
        path: PathBuf::new(),
        source: std::io::Error::other(e),
    })?
}

mod http;

use http::{fetch, redirect_policy};

#[cfg(test)]
mod tests {
    use super::http::parse_content_range;
    use super::plain_file_name;

    #[test]
    fn only_plain_file_names_are_accepted() {
        for ok in [
            "model.gguf",
            "qwen2.5-1.5b-instruct-q4_k_m.gguf",
            "mô hình.gguf",
        ] {
            assert_eq!(plain_file_name(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../../x.gguf",
            "/etc/passwd",
            "a/b.gguf",
            "a\\b.gguf",
            ".hidden",
            "c:x.gguf",
            "x\0.gguf",
            "line\nbreak.gguf",
        ] {
            assert_eq!(plain_file_name(bad), None, "{bad:?}");
        }
        assert_eq!(plain_file_name(&"a".repeat(256)), None);
    }

    #[test]
    fn reads_content_range() {
        assert_eq!(
            parse_content_range("bytes 100-199/1000"),
            Some((100, Some(1000)))
        );
        assert_eq!(parse_content_range("bytes 5-9/*"), Some((5, None)));
        assert_eq!(parse_content_range("items 1-2/3"), None);
    }
}
