//! One HTTP request of a download: `Range` from what is on disk, a `206` with a matching
//! `Content-Range` or a clean restart on `200`, appended to `.part` until the body ends,
//! stalls or fails; redirects only to https.

use super::*;

/// Redirects only to https, or to plain http on a loopback address (the tests' servers): a
/// pinned https URL must not be bent to a plain-http host by a redirect. At most 10 hops.
pub(super) fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 10 {
            return attempt.error("too many redirects");
        }
        let url = attempt.url();
        let host = url.host_str().unwrap_or("");
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|a| a.is_loopback());
        match url.scheme() {
            "https" => attempt.follow(),
            "http" if loopback => attempt.follow(),
            _ => attempt.error("a redirect to a non-https address was refused"),
        }
    })
}

/// `Retry-After` as a number of seconds (the HTTP-date form is rare for downloads and is
/// treated as absent: the normal backoff applies).
pub(super) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// `bytes START-END/TOTAL` → (start, total).
pub(super) fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    Some((start.trim().parse().ok()?, total.trim().parse().ok()))
}

/// One HTTP request, appending to `.part` until the body ends, stalls or fails.
#[allow(clippy::too_many_arguments)]
pub(super) async fn fetch(
    client: &reqwest::Client,
    url: &str,
    spec: &DownloadSpec,
    limit: u64,
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
            Err(_) => return Err(Interrupted::Transient("no answer from the server".into(), None)),
            Ok(Err(e)) => return Err(Interrupted::Transient(describe(&e), None)),
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
                    None,
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
                None,
            ));
        }
        s if (500..600).contains(&s) || s == 429 || s == 408 => {
            return Err(Interrupted::Transient(
                format!("server error {s}"),
                retry_after(response.headers()),
            ))
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
    // A length announced past the cap is refused before a byte is written.
    if total.is_some_and(|t| t > limit) {
        let _ = tokio::fs::remove_file(part).await;
        let _ = tokio::fs::remove_file(sidecar).await;
        *have = 0;
        return Err(Interrupted::Fatal(match spec.size {
            Some(expected) => DownloadError::SizeMismatch {
                expected,
                actual: total.unwrap_or(0),
            },
            None => DownloadError::TooLarge { limit },
        }));
    }
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
    // The slow-transfer check: bytes at the start of the current window.
    let mut slow_window = (Instant::now(), *have);
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
                return Err(Interrupted::Transient(
                    format!("no data for {} s", options.stall_timeout.as_secs()),
                    None,
                ));
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                let _ = file.flush().await;
                return Err(Interrupted::Transient(describe(&e), None));
            }
            Ok(Some(Ok(chunk))) => chunk,
        };
        if *have + chunk.len() as u64 > limit {
            drop(file);
            let _ = tokio::fs::remove_file(part).await;
            let _ = tokio::fs::remove_file(sidecar).await;
            let actual = *have + chunk.len() as u64;
            *have = 0;
            return Err(Interrupted::Fatal(match spec.size {
                Some(expected) => DownloadError::SizeMismatch { expected, actual },
                None => DownloadError::TooLarge { limit },
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
        let window = slow_window.0.elapsed();
        if window >= options.min_speed_window {
            let rate = (*have - slow_window.1) as f64 / window.as_secs_f64();
            if rate < options.min_speed as f64 {
                let _ = file.flush().await;
                let _ = write_sidecar(sidecar, spec, url, *have).await;
                return Err(Interrupted::Transient(
                    format!(
                        "the transfer is too slow ({rate:.0} B/s for {} s); reconnecting",
                        window.as_secs()
                    ),
                    None,
                ));
            }
            slow_window = (Instant::now(), *have);
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
        Some(s) if *have < s => Err(Interrupted::Transient(
            "the connection closed early".into(),
            None,
        )),
        _ => Ok(()),
    }
}

pub(super) fn describe(e: &reqwest::Error) -> String {
    if e.is_connect() {
        format!("cannot connect: {e}")
    } else if e.is_timeout() {
        "the connection timed out".into()
    } else {
        // reqwest's own text names only the URL; the reason (a refused redirect) is a source.
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }
}
