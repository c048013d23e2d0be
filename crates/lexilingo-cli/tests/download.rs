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

const SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

fn model_bytes() -> Arc<Vec<u8>> {
    static BYTES: OnceLock<Arc<Vec<u8>>> = OnceLock::new();
    Arc::clone(BYTES.get_or_init(|| Arc::new(std::fs::read(test_model()).expect("read model"))))
}

fn spec(url: &str) -> DownloadSpec {
    DownloadSpec {
        urls: vec![url.to_string()],
        file_name: "test.gguf".into(),
        size: Some(model_bytes().len() as u64),
        sha256: SHA256.into(),
    }
}

fn quick() -> DownloadOptions {
    DownloadOptions {
        stall_timeout: Duration::from_secs(2),
        max_retries: 5,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
        disk_margin: 0,
        ..DownloadOptions::default()
    }
}

fn sha_ok(path: &std::path::Path) -> bool {
    std::fs::read(path)
        .map(|b| b == *model_bytes())
        .unwrap_or(false)
}

#[tokio::test]
async fn twenty_forced_drops_still_end_in_a_correct_file() {
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
async fn a_200_answer_to_a_range_request_restarts_cleanly() {
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
async fn a_stalled_connection_is_dropped_and_resumed() {
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
async fn wrong_bytes_are_deleted_with_a_clear_error() {
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
fn a_killed_download_resumes_from_its_sidecar() {
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
fn without_a_network_the_learner_is_told_within_seconds() {
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

/// Runs the CLI with its data directory on a fresh 60 MB tmpfs (in a private mount namespace).
fn on_small_disk(args: &[&str], data: &std::path::Path) -> std::process::Output {
    Command::new("unshare")
        .args([
            "-rm",
            "sh",
            "-c",
            "mount -t tmpfs -o size=60m tmpfs \"$1\" && shift && exec \"$@\"",
            "sh",
        ])
        .arg(data)
        .arg(lexilingo_bin())
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("unshare (util-linux)")
}

#[test]
fn not_enough_disk_is_refused_before_downloading() {
    let size = model_bytes().len() as u64;
    let server = FaultyServer::start(model_bytes(), Fault::None);
    let data = tempfile::tempdir().expect("temp");
    let out = on_small_disk(
        &[
            "models",
            "download",
            "--url",
            &server.url,
            "--sha256",
            SHA256,
            "--size",
            &size.to_string(),
            "--name",
            "t.gguf",
        ],
        data.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("not enough free disk space"), "{stderr}");
    assert!(
        stderr.contains(&format!("{} bytes needed", size + 64 * 1024 * 1024)),
        "{stderr}"
    );
    assert_eq!(
        server.served.load(Ordering::SeqCst),
        0,
        "nothing was downloaded"
    );
}

#[test]
fn without_a_size_a_small_disk_is_refused_before_writing() {
    let server = FaultyServer::start(model_bytes(), Fault::None);
    let data = tempfile::tempdir().expect("temp");
    // No --size: the cap is the free disk minus the margin, which this 60 MB disk cannot keep.
    let out = on_small_disk(
        &[
            "models",
            "download",
            "--url",
            &server.url,
            "--sha256",
            SHA256,
            "--name",
            "t.gguf",
        ],
        data.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("not enough free disk space"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        server.served.load(Ordering::SeqCst),
        0,
        "nothing was downloaded"
    );
}

#[test]
fn quantize_writes_a_model_the_engine_can_run() {
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("smol-q4_0.gguf");
    let status = Command::new(lexilingo_bin())
        .args(["models", "quantize", "--type", "Q4_0", "--threads", "2"])
        .arg(test_model())
        .arg(&out)
        .arg("--data-dir")
        .arg(dir.path())
        .status()
        .expect("run quantize");
    assert!(status.success());
    let info = lexilingo_core::models::gguf::inspect(&out).expect("a valid GGUF");
    assert_eq!(info.architecture.as_deref(), Some("llama"));
    assert!(!dir.path().join("smol-q4_0.partial").exists());
    let analyzed = Command::new(lexilingo_bin())
        .args(["fluency", "--json", "--threads", "2", "--model"])
        .arg(&out)
        .arg("She likes apples.")
        .output()
        .expect("run fluency");
    assert!(
        analyzed.status.success(),
        "{}",
        String::from_utf8_lossy(&analyzed.stderr)
    );

    let junk = dir.path().join("junk.gguf");
    std::fs::write(&junk, b"not a model at all").expect("write");
    let bad = Command::new(lexilingo_bin())
        .args(["models", "quantize", "--type", "Q4_0"])
        .arg(&junk)
        .arg(dir.path().join("never.gguf"))
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a GGUF model file"));
    assert!(!dir.path().join("never.gguf").exists());
}

#[test]
fn import_verify_use_and_remove() {
    let data = tempfile::tempdir().expect("temp");
    let cli = |args: &[&str]| {
        Command::new(lexilingo_bin())
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .expect("run")
    };
    let copy = data.path().join("mine.gguf");
    std::fs::copy(test_model(), &copy).expect("copy");
    assert!(cli(&["models", "import", copy.to_str().expect("utf8")])
        .status
        .success());
    assert!(cli(&[
        "models",
        "import",
        "--in-place",
        test_model().to_str().expect("utf8")
    ])
    .status
    .success());
    let list: serde_json::Value =
        serde_json::from_slice(&cli(&["models", "list", "--json"]).stdout).expect("json");
    let installed = list["installed"].as_array().expect("installed");
    assert_eq!(installed.len(), 2);
    assert_eq!(list["active"], "mine", "the first import is active");
    assert!(cli(&["models", "use", "SmolLM2-135M-Instruct.Q4_1"])
        .status
        .success());
    assert!(cli(&["models", "verify"]).status.success());

    // A file changed after import fails verification, with both hashes in one line.
    let copied = data.path().join("models/mine.gguf");
    let mut bytes = std::fs::read(&copied).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&copied, bytes).expect("write");
    let out = cli(&["models", "verify", "mine"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sha256 is now"));

    assert!(cli(&["models", "remove", "mine"]).status.success());
    assert!(!copied.exists(), "a copied model's file is deleted");
    assert!(cli(&["models", "remove", "SmolLM2-135M-Instruct.Q4_1"])
        .status
        .success());
    assert!(
        test_model().exists(),
        "an in-place model's file is left alone"
    );
    let junk = data.path().join("junk.gguf");
    std::fs::write(&junk, "<html>not found</html>").expect("write");
    let out = cli(&["models", "import", junk.to_str().expect("utf8")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a GGUF model file"));
}

/// A data folder whose catalog offers the test model from `server` as the recommended entry.
fn service_with_catalog(server: &FaultyServer) -> (tempfile::TempDir, String) {
    let data = tempfile::tempdir().expect("temp");
    let catalog = format!(
        "default = \"smol\"\n[[model]]\nid = \"smol\"\nname = \"SmolLM2 135M (test)\"\nquant = \"Q4_1\"\n\
         file = \"smol.gguf\"\nurl = \"https://huggingface.co/t/smol/resolve/0123/smol.gguf\"\n\
         size = {}\nsha256 = \"{SHA256}\"\nlicence = \"Apache-2.0\"\ncontext = 8192\nram_gb = 1\n\
         recommendation = \"test\"\nchecked = true\n",
        model_bytes().len()
    );
    std::fs::write(data.path().join("catalog.toml"), catalog).expect("catalog");
    let endpoint = server.url.trim_end_matches("/model.gguf").to_string();
    (data, endpoint)
}

async fn wait_for(
    rx: &mut tokio::sync::watch::Receiver<lexilingo_app::host::model_service::DownloadStatus>,
    mut done: impl FnMut(&lexilingo_app::host::model_service::DownloadStatus) -> bool,
) -> lexilingo_app::host::model_service::DownloadStatus {
    tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let now = rx.borrow_and_update().clone();
            if done(&now) {
                return now;
            }
            rx.changed().await.expect("service alive");
        }
    })
    .await
    .expect("state reached in time")
}

#[tokio::test]
async fn the_model_screen_pauses_resumes_after_a_restart_and_activates_the_first_model() {
    use lexilingo_app::host::model_service::{DownloadStatus, ModelService};
    let size = model_bytes().len() as u64;
    // ~4 s for the whole file: time to pause half-way.
    let server = FaultyServer::start(model_bytes(), Fault::Throttle(size / 4));
    let (data, endpoint) = service_with_catalog(&server);
    let service = ModelService::new(data.path(), Some(endpoint.clone()), quick());
    let overview = service.overview().expect("overview");
    assert_eq!(
        overview.catalog[0].id, "smol",
        "the recommended entry comes first"
    );
    assert!(overview.catalog[0].recommended && overview.catalog[0].downloadable);
    assert_eq!(overview.active, None);

    let mut rx = service.subscribe();
    service.start("smol").expect("start");
    wait_for(&mut rx, |s| {
        matches!(s, DownloadStatus::Running { state: DownloadState::Downloading(p), .. } if p.bytes > size / 8)
    })
    .await;
    service.pause().await;
    let paused = match service.status() {
        DownloadStatus::Paused { bytes, .. } => bytes,
        other => panic!("{other:?}"),
    };
    assert!(paused > 0 && paused < size, "{paused} of {size}");

    // "Restart": a new service over the same folder sees the paused download.
    drop(service);
    let service = ModelService::new(data.path(), Some(endpoint), quick());
    let overview = service.overview().expect("overview");
    assert_eq!(overview.catalog[0].partial_bytes, Some(paused));
    assert!(matches!(overview.download, DownloadStatus::Paused { ref id, .. } if id == "smol"));

    let served_before = server.served.load(Ordering::SeqCst);
    let mut rx = service.subscribe();
    service.start("smol").expect("resume");
    let end = wait_for(&mut rx, |s| {
        matches!(
            s,
            DownloadStatus::Finished { .. } | DownloadStatus::Failed { .. }
        )
    })
    .await;
    assert_eq!(
        end,
        DownloadStatus::Finished {
            id: "smol".into(),
            activated: true
        }
    );
    // The server thread may still push a chunk or two into the socket after the pause (the
    // kernel buffers it): 1 MiB of slack, against the 17+ MB a restart from zero would resend.
    let resumed = server.served.load(Ordering::SeqCst) - served_before;
    assert!(
        resumed <= size - paused + (1 << 20),
        "resumed from {paused}, but {resumed} bytes were sent again"
    );
    let overview = service.overview().expect("overview");
    assert_eq!(overview.active.as_deref(), Some("smol"));
    assert!(overview.catalog[0].installed && overview.catalog[0].partial_bytes.is_none());
    assert!(sha_ok(&data.path().join("models/smol.gguf")));
}

/// Starts the test model's download and returns the failure's code and Vietnamese message.
async fn failure_of(
    service: &std::sync::Arc<lexilingo_app::host::model_service::ModelService>,
) -> (String, String) {
    use lexilingo_app::host::model_service::DownloadStatus;
    let mut rx = service.subscribe();
    service.start("smol").expect("start");
    let end = wait_for(&mut rx, |s| {
        matches!(
            s,
            DownloadStatus::Failed { .. } | DownloadStatus::Finished { .. }
        )
    })
    .await;
    match end {
        DownloadStatus::Failed { code, message, .. } => (code, message),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn the_model_screen_reports_a_dead_network_and_a_bad_file_in_vietnamese() {
    use lexilingo_app::host::model_service::ModelService;
    // Nothing listens on this port: every attempt is refused.
    let dead = FaultyServer::start(model_bytes(), Fault::None);
    let (data, _) = service_with_catalog(&dead);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let options = DownloadOptions {
        max_retries: 2,
        ..quick()
    };
    let service = ModelService::new(data.path(), Some(endpoint), options);
    let (code, message) = failure_of(&service).await;
    assert_eq!(code, "no_network");
    assert!(message.contains("mạng"), "{message}");

    // A corrupted file: the hash check deletes it and says so.
    let bad = FaultyServer::start(model_bytes(), Fault::WrongBytes);
    let (data, endpoint) = service_with_catalog(&bad);
    let service = ModelService::new(data.path(), Some(endpoint), quick());
    let (code, message) = failure_of(&service).await;
    assert_eq!(code, "bad_download");
    assert!(message.contains("sha256"), "{message}");
    assert!(!data.path().join("models/smol.gguf").exists());

    // Importing something that is not a GGUF model is refused before anything is copied.
    let not_model = data.path().join("notes.gguf");
    std::fs::write(&not_model, b"hello, not a model").expect("write");
    let e = service.import(&not_model).await.expect_err("not a model");
    assert_eq!(e.code(), "bad_model_file");
    assert!(e.message_vi().contains("GGUF"), "{}", e.message_vi());
    assert_eq!(service.overview().expect("overview").installed.len(), 0);
}

// ---- Hardening: a server that is not kind (docs/SECURITY.md) ----

#[tokio::test]
async fn an_endless_body_of_unknown_size_stops_at_the_disk_cap() {
    let server = FaultyServer::start(model_bytes(), Fault::Endless);
    let dir = tempfile::tempdir().expect("temp");
    // The cap is the free disk minus the margin: a margin that leaves 8 MB free makes the cap
    // 8 MB, as a nearly full disk would.
    let free = lexilingo_core::models::available_disk(dir.path()).expect("free space");
    let options = DownloadOptions {
        disk_margin: free - 8_000_000,
        ..quick()
    };
    let spec = DownloadSpec {
        size: None,
        ..spec(&server.url)
    };
    let started = Instant::now();
    let err = download(
        &spec,
        dir.path(),
        &options,
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .err();
    assert!(
        matches!(err, Some(DownloadError::TooLarge { limit }) if limit <= 8_000_000),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(server.served.load(Ordering::SeqCst) < 64_000_000);
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "what arrived is deleted: {left:?}");
}

#[tokio::test]
async fn an_inconsistent_206_on_every_resume_gives_up_after_the_attempt_budget() {
    let server = FaultyServer::start(model_bytes(), Fault::BadRangeAlways(3_000_000));
    let dir = tempfile::tempdir().expect("temp");
    let options = DownloadOptions {
        max_retries: 6,
        ..quick()
    };
    let started = Instant::now();
    let err = download(
        &spec(&server.url),
        dir.path(),
        &options,
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .err();
    assert!(
        matches!(err, Some(DownloadError::Network { attempts: 7, .. })),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(server.requests.load(Ordering::SeqCst) <= 7);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = FaultyServer::start(model_bytes(), Fault::RetryAfterOnce(2));
    let dir = tempfile::tempdir().expect("temp");
    let mut waited_ms = 0;
    let started = Instant::now();
    let path = download(
        &spec(&server.url),
        dir.path(),
        &quick(),
        &CancellationToken::new(),
        |s| {
            if let DownloadState::WaitingForNetwork { retry_in_ms, .. } = s {
                waited_ms = *retry_in_ms;
            }
        },
    )
    .await
    .expect("download completes after the wait");
    assert!(sha_ok(&path));
    assert_eq!(
        waited_ms, 2000,
        "the server asked for 2 s, the backoff was 10 ms"
    );
    assert!(started.elapsed() >= Duration::from_secs(2));
}

#[tokio::test]
async fn a_drip_that_never_stalls_is_cut_and_resumed() {
    // One byte every 20 ms (50 B/s) never trips the stall timeout; the speed floor cuts it.
    let server = FaultyServer::start(model_bytes(), Fault::DripOnce(Duration::from_millis(20)));
    let dir = tempfile::tempdir().expect("temp");
    let options = DownloadOptions {
        min_speed_window: Duration::from_secs(2),
        ..quick()
    };
    let started = Instant::now();
    let path = download(
        &spec(&server.url),
        dir.path(),
        &options,
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .expect("download completes on the second connection");
    assert!(sha_ok(&path));
    assert!(server.requests.load(Ordering::SeqCst) >= 2);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn redirects_go_only_to_https_or_loopback() {
    let dir = tempfile::tempdir().expect("temp");
    // To a plain-http host that is not loopback: refused (the error names the redirect).
    let to_http = crate::server::redirect_server("http://mirror.example.com/model.gguf");
    let err = download(
        &spec(&to_http),
        dir.path(),
        &DownloadOptions {
            max_retries: 1,
            ..quick()
        },
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .err();
    let text = format!("{err:?}");
    assert!(text.contains("non-https"), "{text}");
    // To loopback http (a test server): followed.
    let server = FaultyServer::start(model_bytes(), Fault::None);
    let to_local = crate::server::redirect_server(&server.url);
    let path = download(
        &spec(&to_local),
        dir.path(),
        &quick(),
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .expect("a loopback redirect is followed");
    assert!(sha_ok(&path));
}

#[tokio::test]
async fn a_file_with_the_right_hash_that_is_not_a_model_is_deleted() {
    let notes = Arc::new(b"these are lecture notes, not a model".repeat(1000));
    let copy = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(copy.path(), notes.as_slice()).expect("write");
    let sha = lexilingo_core::models::download::sha256_file(copy.path())
        .await
        .expect("hash");
    let server = FaultyServer::start(Arc::clone(&notes), Fault::None);
    let dir = tempfile::tempdir().expect("temp");
    let spec = DownloadSpec {
        urls: vec![server.url.clone()],
        file_name: "notes.gguf".into(),
        size: Some(notes.len() as u64),
        sha256: sha,
    };
    let err = download(
        &spec,
        dir.path(),
        &quick(),
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .err();
    assert!(
        matches!(err, Some(DownloadError::NotAModel { .. })),
        "{err:?}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "nothing is left behind: {left:?}");
}

#[test]
fn a_download_name_with_a_folder_part_is_refused_by_the_cli() {
    let server = FaultyServer::start(model_bytes(), Fault::None);
    let data = tempfile::tempdir().expect("temp");
    for name in ["../../x.gguf", "/tmp/lexilingo-escape.gguf", "sub/x.gguf"] {
        let out = Command::new(lexilingo_bin())
            .args([
                "models",
                "download",
                "--url",
                &server.url,
                "--sha256",
                SHA256,
            ])
            .args(["--name", name, "--data-dir"])
            .arg(data.path())
            .output()
            .expect("run lexilingo");
        assert!(!out.status.success(), "{name} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("plain file name"), "{name}: {stderr}");
    }
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        0,
        "nothing was fetched"
    );
    assert!(!data.path().join("x.gguf").exists());
    assert!(!std::path::Path::new("/tmp/lexilingo-escape.gguf").exists());
}
