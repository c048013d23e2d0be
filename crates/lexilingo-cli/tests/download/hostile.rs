//! Servers that misbehave on purpose: endless bodies, inconsistent ranges, Retry-After,
//! drips, redirects, a right hash on a wrong file, and a name with a folder part.

use super::*;

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
