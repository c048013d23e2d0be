//! Live state as server-sent events: the model download's progress, as the window gets it
//! through Tauri events.

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

/// Download progress
///
/// The download's state as server-sent events, each a `DownloadStatus`: the current state at
/// once, then every change (progress at most every `progress_interval`).
#[utoipa::path(get, path = "/v1/models/download/events", tag = "models",
    responses((status = 200, description = "Server-sent events, each a DownloadStatus",
        content((String = "text/event-stream")))))]
pub(super) async fn models_events(State(state): State<Shared>) -> Response {
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let mut watch = state.models.subscribe();
    tokio::spawn(async move {
        loop {
            let status = watch.borrow_and_update().clone();
            if tx
                .send(Event::default().data(serde_json::to_string(&status).unwrap_or_default()))
                .is_err()
            {
                break;
            }
            if watch.changed().await.is_err() {
                break;
            }
        }
    });
    sse(rx)
}
