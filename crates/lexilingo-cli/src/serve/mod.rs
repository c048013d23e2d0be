//! `lexilingo serve`: the tutor over HTTP on this machine.
//!
//! - OpenAI-compatible `/v1/chat/completions` (with SSE streaming) and `/v1/models`, so any
//!   OpenAI client (or another LexiLingo acting as a remote backend) can use the local model.
//! - The tutoring tasks under `/v1/tutor/…`, the history under `/v1/history…`, `/health`,
//!   `/openapi.json`, and the app's UI at `/`, so the app also runs in a browser.
//!
//! One model serves everyone, so requests queue on it: a bounded number may wait (FIFO, the
//! engine's lock is fair); past that the server answers `503` with `Retry-After` rather than
//! letting waits grow without bound. A client that disconnects cancels its generation: the
//! work runs in its own task, and dropping the request drops a guard that cancels it.
//!
//! It starts without a model too (a first run in a browser): `/v1/models/…` lists the catalog,
//! downloads with pause/resume (progress as server-sent events), imports a GGUF file and
//! switches the active model, exactly as the desktop app does.
//!
//! It listens on 127.0.0.1 unless `--allow-remote` is given: a learner's history is private.
//! Every request passes [`crate::serve_guard`] first (Host, Origin, access token, security
//! headers; docs/SECURITY.md), every body is typed JSON (415 otherwise) except a model upload,
//! and request headers must arrive within [`HEADER_TIMEOUT`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use lexilingo_app::{App, AppError, ErrorCode, TurnRequest};
use lexilingo_core::active::{EngineSettings, TutorSource};
use lexilingo_core::engine::{CancellationToken, ChatMessage, GenerateRequest, Role, StopReason};
use lexilingo_core::models::{DownloadOptions, ModelService};
use lexilingo_core::store::{HistoryQuery, Store};
use lexilingo_core::tasks::{DialogueSettings, Scenario};
use lexilingo_core::{CefrLevel, Tutor};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::serve_guard::{self, Guard};

mod conversations;
mod history;
mod models;
mod openai;
mod plumbing;
mod tutor;

use conversations::*;
use history::*;
use models::*;
use openai::*;
use plumbing::*;
use tutor::*;

/// Where the access token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenChoice {
    /// `--token` / `LEXILINGO_API_TOKEN`.
    Given(String),
    /// A new random token at every start (the default).
    Random,
    /// `--no-token`: loopback only.
    None,
}

/// How long a client may take to send its request headers: a connection that opens and then
/// dribbles (or sends nothing) must not hold a socket and a task for ever.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How `serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to bind.
    pub host: IpAddr,
    /// Port (0 = any free port; the chosen one is printed).
    pub port: u16,
    /// Required for a non-loopback `host`.
    pub allow_remote: bool,
    /// The access token every `/v1` request must carry.
    pub token: TokenChoice,
    /// Extra `Host` names accepted (`--allow-host`).
    pub allow_hosts: Vec<String>,
    /// Extra origins accepted on state-changing requests (`--allow-origin`).
    pub allow_origins: Vec<String>,
    /// Whether HTTP clients may move the data folder.
    pub allow_data_dir_move: bool,
    /// Requests that may wait for the model besides the running one.
    pub queue: usize,
    /// The built UI to serve at `/`.
    pub ui_dir: Option<PathBuf>,
}

struct AppState {
    /// The use cases, shared with the window and the CLI.
    app: App,
    /// The app's model service (the server always has a data folder, so always one).
    models: Arc<ModelService>,
    guard: Arc<Guard>,
    allow_data_dir_move: bool,
    queue: usize,
    /// Requests holding or waiting for the model.
    in_flight: AtomicUsize,
}

type Shared = Arc<AppState>;

/// Runs the server until Ctrl-C.
pub async fn run(source: TutorSource, store: Store, options: ServeOptions) -> anyhow::Result<()> {
    if !options.host.is_loopback() && !options.allow_remote {
        anyhow::bail!(
            "refusing to listen on {} without --allow-remote: other machines could read this \
             learner's history",
            options.host
        );
    }
    let token = match &options.token {
        TokenChoice::Given(t) if t.trim().is_empty() => {
            anyhow::bail!("the access token is empty; give a real one or leave --token out")
        }
        TokenChoice::Given(t) => Some(t.clone()),
        TokenChoice::Random => Some(uuid::Uuid::new_v4().simple().to_string()),
        TokenChoice::None => None,
    };
    if token.is_none() && (options.allow_remote || !options.host.is_loopback()) {
        anyhow::bail!(
            "--allow-remote needs an access token: classmates on the same network could \
             otherwise read and change this learner's history (leave out --no-token)"
        );
    }
    if !options.host.is_loopback() {
        eprintln!(
            "lexilingo: warning: listening on {} — reachable from other machines that have the token",
            options.host,
        );
    }
    // Harper's first check builds its dictionary structures (seconds in a dev build): do it
    // now, off the request path, so the first hint is as fast as the rest.
    std::thread::spawn(lexilingo_core::rules::warm_up);
    let data_dir = source
        .data_dir
        .clone()
        .context("cannot find a data directory: pass --data-dir DIR")?;
    let models = ModelService::new(
        &data_dir,
        lexilingo_core::models::endpoint_from_env(),
        DownloadOptions::default(),
    );
    let app = App::with_models(source, Some(models.clone())).with_store(store);
    let state = Arc::new(AppState {
        app,
        models,
        guard: Arc::new(Guard {
            token: token.clone(),
            allow_hosts: options.allow_hosts.clone(),
            allow_origins: options.allow_origins.clone(),
        }),
        allow_data_dir_move: options.allow_data_dir_move,
        queue: options.queue,
        in_flight: AtomicUsize::new(0),
    });
    let app = router(state, options.ui_dir.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(options.host, options.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", options.host, options.port))?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to find the port and the token; the learner opens it.
    match &token {
        Some(t) => println!("listening on http://{addr}/?token={t}"),
        None => println!("listening on http://{addr}/"),
    }
    tokio::select! {
        r = accept_loop(listener, app) => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// Serves connections with hyper directly (axum's `serve` has no header timeout): HTTP/1.1,
/// request headers within [`HEADER_TIMEOUT`], upgrades for nothing.
async fn accept_loop(listener: tokio::net::TcpListener, app: Router) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait a moment rather than spin.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
}

fn router(state: Shared, ui_dir: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/v1/models", get(models))
        .route("/v1/models/overview", get(models_overview))
        .route("/v1/models/download", post(models_download))
        .route("/v1/models/download/pause", post(models_pause))
        .route("/v1/models/download/cancel", post(models_cancel))
        .route("/v1/models/download/events", get(models_events))
        // A model upload (gigabytes) is streamed to disk with its own cap, not buffered.
        .route("/v1/models/import", post(models_import))
        .route("/v1/models/active", post(models_activate))
        .route(
            "/v1/conversations",
            get(conversations_list).post(conversations_save),
        )
        .route("/v1/conversations/turn", post(conversations_turn))
        .route(
            "/v1/conversations/{id}",
            get(conversations_get).delete(conversations_delete),
        )
        .route(
            "/v1/settings/engine",
            get(engine_settings_get).put(engine_settings_put),
        )
        .route("/v1/settings/data-dir", post(data_dir_move))
        .route("/v1/engine", get(engine_info))
        .route("/v1/diagnostics", get(diagnostics))
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/tutor/analyze", post(tutor_analyze))
        .route("/v1/tutor/fluency", post(tutor_fluency))
        .route("/v1/tutor/cefr", post(tutor_cefr))
        .route("/v1/tutor/correct", post(tutor_correct))
        .route("/v1/tutor/explain", post(tutor_explain))
        .route("/v1/tutor/hints", post(tutor_hints))
        .route("/v1/tutor/dialogue", post(tutor_dialogue))
        .route("/v1/history", get(history_list).delete(history_clear))
        .route("/v1/history/{id}", get(history_get).delete(history_delete))
        .route("/v1/history/export", get(history_export))
        .route("/v1/history/import", post(history_import))
        .route("/v1/stats", get(stats))
        .route("/v1/review/due", get(review_due))
        .route("/v1/review/{id}", post(review_answer))
        .route_layer(middleware::from_fn_with_state(
            state.guard.clone(),
            serve_guard::require_token,
        ));
    let guard = state.guard.clone();
    let mut app = Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
        .merge(api)
        .with_state(state);
    if let Some(dir) = ui_dir {
        app = app.fallback(move |uri: axum::http::Uri| serve_guard::ui_file(dir.clone(), uri));
    }
    app.layer(middleware::from_fn_with_state(
        guard,
        serve_guard::check_request,
    ))
}

/// `ok` to anyone (a liveness probe); the model and the version only with the token.
async fn health(State(state): State<Shared>, headers: HeaderMap) -> Json<Value> {
    if !state.guard.token_ok(&headers) {
        return Json(json!({ "status": "ok" }));
    }
    Json(json!({
        "status": "ok",
        "model": state.app.model_id(),
        "busy": state.in_flight.load(Ordering::SeqCst) > 0,
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// Starts the model if needed and describes it (the window's status line).
async fn engine_info(State(state): State<Shared>) -> ApiResult<Json<Value>> {
    let info = state
        .app
        .active()
        .get()
        .await?
        .engine()
        .model_info()
        .await?;
    Ok(Json(json!(info)))
}

/// The same plain-text report as the app's "copy diagnostics".
async fn diagnostics(State(state): State<Shared>) -> Json<Value> {
    Json(json!({ "report": state.app.diagnostics().await }))
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
        .into_response()
}
