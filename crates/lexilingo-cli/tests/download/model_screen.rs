//! The model screen's service: pause, resume after a restart, and failures told in
//! Vietnamese.

use super::*;

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
