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

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

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
        }
    }
}

/// What the download is doing, for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
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
        path: PathBuf,
    },
}

/// Progress numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "DownloadProgress")]
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
    /// Worth retrying (connection error, stall, 5xx, truncated body).
    Transient(String),
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

    if let Some(total) = spec.size {
        let needed = total.saturating_sub(have) + options.disk_margin;
        let available = fs4::available_space(dir).map_err(io(dir))?;
        if available < needed {
            return Err(DownloadError::InsufficientDisk {
                dir: dir.to_path_buf(),
                needed,
                available,
            });
        }
    }

    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .user_agent(concat!("LexiLingo/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DownloadError::Network {
            attempts: 0,
            last: e.to_string(),
        })?;

    let mut failures = 0u32;
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
        let before = have;
        let outcome = fetch(
            &client,
            url,
            spec,
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
            Err(Interrupted::Transient(reason)) => {
                if have > before {
                    // Progress was made: the connection is flaky, not dead. Start the count over.
                    failures = 0;
                    backoff = options.initial_backoff;
                }
                failures += 1;
                if failures > options.max_retries {
                    return Err(DownloadError::Network {
                        attempts: failures,
                        last: reason,
                    });
                }
                on_state(&DownloadState::WaitingForNetwork {
                    reason: reason.clone(),
                    retry_in_ms: backoff.as_millis() as u64,
                    attempt: failures,
                });
                tracing::info!(%reason, ?backoff, "download interrupted; retrying");
                tokio::select! {
                    () = cancel.cancelled() => return Err(DownloadError::Cancelled),
                    () = tokio::time::sleep(backoff) => {}
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

/// `bytes START-END/TOTAL` → (start, total).
fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    Some((start.trim().parse().ok()?, total.trim().parse().ok()))
}

/// One HTTP request, appending to `.part` until the body ends, stalls or fails.
#[allow(clippy::too_many_arguments)]
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    spec: &DownloadSpec,
    part: &Path,
    sidecar: &Path,
    have: &mut u64,
    options: &DownloadOptions,
    cancel: &CancellationToken,
    on_state: &mut impl FnMut(&DownloadState),
) -> Result<(), Interrupted> {
    let mut request = client.get(url);
    if *have > 0 {
        request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
    }
    let response = tokio::select! {
        () = cancel.cancelled() => return Err(Interrupted::Fatal(DownloadError::Cancelled)),
        r = tokio::time::timeout(options.stall_timeout, request.send()) => match r {
            Err(_) => return Err(Interrupted::Transient("no answer from the server".into())),
            Ok(Err(e)) => return Err(Interrupted::Transient(describe(&e))),
            Ok(Ok(r)) => r,
        },
    };
    let status = response.status();
    let mut append = *have > 0;
    match status.as_u16() {
        206 => {
            let range = response
                .headers()
                .get(reqwest::header::CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_content_range);
            let consistent = range.is_some_and(|(start, total)| {
                start == *have && (spec.size.is_none() || total.is_none() || total == spec.size)
            });
            if !consistent {
                tracing::warn!(
                    ?range,
                    have,
                    "206 with a Content-Range that does not match; restarting"
                );
                let _ = tokio::fs::remove_file(part).await;
                *have = 0;
                return Err(Interrupted::Transient(
                    "inconsistent partial response".into(),
                ));
            }
        }
        200 => {
            if *have > 0 {
                tracing::info!("the server ignored the range request; starting over");
            }
            *have = 0;
            append = false;
        }
        416 if spec.size == Some(*have) => return Ok(()),
        416 => {
            let _ = tokio::fs::remove_file(part).await;
            *have = 0;
            return Err(Interrupted::Transient(
                "range not satisfiable; starting over".into(),
            ));
        }
        s if (500..600).contains(&s) || s == 429 || s == 408 => {
            return Err(Interrupted::Transient(format!("server error {s}")))
        }
        s => {
            return Err(Interrupted::Fatal(DownloadError::HttpStatus {
                status: s,
                url: url.to_string(),
            }))
        }
    }
    let total = spec
        .size
        .or_else(|| response.content_length().map(|l| l + *have));
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(append)
        .write(true)
        .truncate(!append)
        .open(part)
        .await
        .map_err(|e| Interrupted::Fatal(io(part)(e)))?;
    let mut stream = response.bytes_stream();
    let mut last_report = Instant::now();
    let mut last_sidecar = Instant::now();
    let mut window_start = (Instant::now(), *have);
    let mut speed = 0.0f64;
    loop {
        let next = tokio::select! {
            () = cancel.cancelled() => {
                let _ = file.flush().await;
                let _ = write_sidecar(sidecar, spec, url, *have).await;
                return Err(Interrupted::Fatal(DownloadError::Cancelled));
            }
            n = tokio::time::timeout(options.stall_timeout, stream.next()) => n,
        };
        let chunk = match next {
            Err(_) => {
                let _ = file.flush().await;
                return Err(Interrupted::Transient(format!(
                    "no data for {} s",
                    options.stall_timeout.as_secs()
                )));
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                let _ = file.flush().await;
                return Err(Interrupted::Transient(describe(&e)));
            }
            Ok(Some(Ok(chunk))) => chunk,
        };
        if spec.size.is_some_and(|s| *have + chunk.len() as u64 > s) {
            drop(file);
            let _ = tokio::fs::remove_file(part).await;
            *have = 0;
            return Err(Interrupted::Fatal(DownloadError::SizeMismatch {
                expected: spec.size.unwrap_or(0),
                actual: *have + chunk.len() as u64,
            }));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| Interrupted::Fatal(io(part)(e)))?;
        *have += chunk.len() as u64;
        let elapsed = window_start.0.elapsed();
        if speed == 0.0 && elapsed >= Duration::from_millis(250) {
            // A first estimate early, so the window shows a speed and ETA within a second.
            speed = (*have - window_start.1) as f64 / elapsed.as_secs_f64();
        } else if elapsed >= Duration::from_secs(1) {
            let rate = (*have - window_start.1) as f64 / elapsed.as_secs_f64();
            speed = if speed == 0.0 {
                rate
            } else {
                0.7 * speed + 0.3 * rate
            };
            window_start = (Instant::now(), *have);
        }
        if last_report.elapsed() >= options.progress_interval {
            last_report = Instant::now();
            let eta_secs = total
                .filter(|_| speed > 0.0)
                .map(|t| t.saturating_sub(*have) as f64 / speed);
            on_state(&DownloadState::Downloading(Progress {
                bytes: *have,
                total,
                speed,
                eta_secs,
            }));
        }
        if last_sidecar.elapsed() >= Duration::from_secs(2) {
            last_sidecar = Instant::now();
            let _ = write_sidecar(sidecar, spec, url, *have).await;
        }
    }
    file.flush()
        .await
        .map_err(|e| Interrupted::Fatal(io(part)(e)))?;
    file.sync_all()
        .await
        .map_err(|e| Interrupted::Fatal(io(part)(e)))?;
    let _ = write_sidecar(sidecar, spec, url, *have).await;
    match spec.size {
        Some(s) if *have < s => Err(Interrupted::Transient("the connection closed early".into())),
        _ => Ok(()),
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_connect() {
        format!("cannot connect: {e}")
    } else if e.is_timeout() {
        "the connection timed out".into()
    } else {
        e.to_string()
    }
}

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

#[cfg(test)]
mod tests {
    use super::parse_content_range;

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
