//! The model download against a real local HTTP server that misbehaves on purpose.

use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use lexilingo_core::engine::CancellationToken;
use lexilingo_core::models::{
    download, DownloadError, DownloadOptions, DownloadSpec, DownloadState,
};

use crate::common::{lexilingo_bin, test_model};
use crate::server::{Fault, FaultyServer};

pub(crate) const SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

pub(crate) fn model_bytes() -> Arc<Vec<u8>> {
    static BYTES: OnceLock<Arc<Vec<u8>>> = OnceLock::new();
    Arc::clone(BYTES.get_or_init(|| Arc::new(std::fs::read(test_model()).expect("read model"))))
}

pub(crate) fn spec(url: &str) -> DownloadSpec {
    DownloadSpec {
        urls: vec![url.to_string()],
        file_name: "test.gguf".into(),
        size: Some(model_bytes().len() as u64),
        sha256: SHA256.into(),
    }
}

pub(crate) fn quick() -> DownloadOptions {
    DownloadOptions {
        stall_timeout: Duration::from_secs(2),
        max_retries: 5,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
        disk_margin: 0,
        ..DownloadOptions::default()
    }
}

pub(crate) fn sha_ok(path: &std::path::Path) -> bool {
    std::fs::read(path)
        .map(|b| b == *model_bytes())
        .unwrap_or(false)
}

#[tokio::test]
pub(crate) async fn twenty_forced_drops_still_end_in_a_correct_file() {
    let size = model_bytes().len() as u64;
    let server = FaultyServer::start(model_bytes(), Fault::DropEvery(size / 21 + 1));
    let dir = tempfile::tempdir().expect("temp");
    let mut waits = 0;
    let path = download(
        &spec(&server.url),
        dir.path(),
        &quick(),
        &CancellationToken::new(),
        |s| {
            if matches!(s, DownloadState::WaitingForNetwork { .. }) {
                waits += 1;
            }
        },
    )
    .await
    .expect("download completes");
    assert!(sha_ok(&path));
    assert!(
        server.requests.load(Ordering::SeqCst) >= 21,
        "{} requests",
        server.requests.load(Ordering::SeqCst)
    );
    assert!(waits >= 20, "{waits} interruptions reported");
    assert!(!dir.path().join("test.gguf.part").exists());
    assert!(!dir.path().join("test.gguf.part.json").exists());
}

#[tokio::test]
pub(crate) async fn a_200_answer_to_a_range_request_restarts_cleanly() {
    let server = FaultyServer::start(model_bytes(), Fault::IgnoreRangeDropOnce(10_000_000));
    let dir = tempfile::tempdir().expect("temp");
    let path = download(
        &spec(&server.url),
        dir.path(),
        &quick(),
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .expect("download completes");
    assert!(
        sha_ok(&path),
        "appending a full body to the partial file would corrupt it"
    );
}

#[tokio::test]
pub(crate) async fn a_stalled_connection_is_dropped_and_resumed() {
    let server = FaultyServer::start(
        model_bytes(),
        Fault::StallOnce(5_000_000, Duration::from_secs(20)),
    );
    let dir = tempfile::tempdir().expect("temp");
    let started = Instant::now();
    let options = DownloadOptions {
        stall_timeout: Duration::from_secs(1),
        ..quick()
    };
    let path = download(
        &spec(&server.url),
        dir.path(),
        &options,
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .expect("download completes");
    assert!(sha_ok(&path));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "did not wait for the 20 s stall"
    );
    let served = server.served.load(Ordering::SeqCst);
    assert!(
        served < model_bytes().len() as u64 + 1_000_000,
        "resumed, not restarted: {served}"
    );
}

#[tokio::test]
pub(crate) async fn wrong_bytes_are_deleted_with_a_clear_error() {
    let server = FaultyServer::start(model_bytes(), Fault::WrongBytes);
    let dir = tempfile::tempdir().expect("temp");
    let err = download(
        &spec(&server.url),
        dir.path(),
        &quick(),
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .err();
    assert!(
        matches!(err, Some(DownloadError::HashMismatch { .. })),
        "{err:?}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "nothing is left behind: {left:?}");
}

#[test]
pub(crate) fn a_killed_download_resumes_from_its_sidecar() {
    let size = model_bytes().len() as u64;
    let server = FaultyServer::start(model_bytes(), Fault::Throttle(25_000_000));
    let data = tempfile::tempdir().expect("temp");
    let run = || {
        let mut c = Command::new(lexilingo_bin());
        c.args([
            "models",
            "download",
            "--url",
            &server.url,
            "--sha256",
            SHA256,
            "--size",
            &size.to_string(),
            "--name",
            "test.gguf",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        c
    };
    let mut child = run().spawn().expect("spawn download");
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.served.load(Ordering::SeqCst) < size / 2 {
        assert!(Instant::now() < deadline, "the download did not progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    crate::common::kill_9(child.id());
    let _ = child.wait();
    let part = data.path().join("models/test.gguf.part");
    let kept = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    assert!(kept > 0, "the partial file survives the kill");
    assert!(
        data.path().join("models/test.gguf.part.json").exists(),
        "and so does its sidecar"
    );

    let status = run().status().expect("run again");
    assert!(status.success());
    assert!(sha_ok(&data.path().join("models/test.gguf")));
    let served = server.served.load(Ordering::SeqCst);
    assert!(
        served < size + size / 10,
        "{served} bytes served for a {size}-byte file: more than 10 % fetched twice"
    );
    let list = Command::new(lexilingo_bin())
        .args(["models", "list", "--json"])
        .arg("--data-dir")
        .arg(data.path())
        .output()
        .expect("list");
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(
        v["active"], "test",
        "the first model installed becomes the active one"
    );
}

#[test]
pub(crate) fn without_a_network_the_learner_is_told_within_seconds() {
    // A port nothing listens on: every connection is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let data = tempfile::tempdir().expect("temp");
    let started = Instant::now();
    let out = Command::new(lexilingo_bin())
        .args([
            "models",
            "download",
            "--retries",
            "2",
            "--url",
            &format!("http://127.0.0.1:{port}/m.gguf"),
            "--sha256",
            SHA256,
            "--name",
            "m.gguf",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("Đang chờ mạng"), "{stderr}");
    assert!(
        stderr.contains("cannot reach the download server"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

mod files;
mod hostile;
mod model_screen;
