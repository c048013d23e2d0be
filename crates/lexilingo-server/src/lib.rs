//! The tutor over HTTP on this machine: what `lexilingo serve` runs, as a library.
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
//! Every request passes the guard first (Host, Origin, access token, security
//! headers; docs/SECURITY.md), every body is typed JSON (415 otherwise) except a model upload,
//! and request headers must arrive within [`HEADER_TIMEOUT`].
//!
//! [`build`] makes the router without a socket, so tests drive it in-process with tower's
//! `oneshot`; [`run`] binds it and serves until Ctrl-C. The routes under `/v1` are declared
//! once, in each handler's `#[utoipa::path]`: the router and the OpenAPI document ([`openapi`])
//! are both built from them, so they cannot disagree.
//!
//! ```no_run
//! # async fn demo(source: lexilingo_app::host::active::TutorSource, store: lexilingo_core::store::Store) -> Result<(), lexilingo_server::ServeError> {
//! let options = lexilingo_server::ServeOptions::loopback(8080);
//! lexilingo_server::run(source, store, options, |url| println!("open {url}")).await
//! # }
//! ```

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use lexilingo_app::host::active::{EngineSettings, TutorSource};
use lexilingo_app::host::model_service::ModelService;
use lexilingo_app::host::model_service::{DownloadStatus, ModelsOverview};
use lexilingo_app::host::relocate::MoveReport;
use lexilingo_app::{App, AppError, DailyGoal, ErrorCode, Practiced, SuggestRequest, TurnRequest};
use lexilingo_core::engine::{
    CancellationToken, ChatMessage, GenerateRequest, ModelInfo, Role, StopReason,
};
use lexilingo_core::models::DownloadOptions;
use lexilingo_core::models::InstalledModel;
use lexilingo_core::store::{
    Attempt, Conversation, ConversationSummary, DueCard, HistoryPage, HistoryQuery, ImportReport,
    Store,
};
use lexilingo_core::tasks::review::ReviewFeedback;
use lexilingo_core::tasks::{
    CorrectionResult, DialogueReply, DialogueSettings, FluencyResult, Scenario, VocabularyResult,
};
use lexilingo_core::{CefrLevel, Tutor};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use guard::Guard;

mod conversations;
mod doc;
mod drills;
mod events;
mod guard;
mod history;
mod models;
mod openai;
mod plumbing;
mod settings;
mod tutor;

use conversations::*;
use drills::*;
use events::*;
use history::*;
use models::*;
use openai::*;
use plumbing::*;
use settings::*;
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

impl ServeOptions {
    /// Loopback only, on `port`, with a random access token, a queue of 8 and no UI.
    pub fn loopback(port: u16) -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port,
            allow_remote: false,
            token: TokenChoice::Random,
            allow_hosts: Vec::new(),
            allow_origins: Vec::new(),
            allow_data_dir_move: false,
            queue: 8,
            ui_dir: None,
        }
    }
}

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A non-loopback address without `--allow-remote`.
    #[error(
        "refusing to listen on {host} without --allow-remote: other machines could read this \
         learner's history"
    )]
    RemoteNotAllowed {
        /// The address asked for.
        host: IpAddr,
    },
    /// `--token ""`.
    #[error("the access token is empty; give a real one or leave --token out")]
    EmptyToken,
    /// `--allow-remote` with `--no-token`.
    #[error(
        "--allow-remote needs an access token: classmates on the same network could \
         otherwise read and change this learner's history (leave out --no-token)"
    )]
    RemoteNeedsToken,
    /// No data folder to keep the history and the models in.
    #[error("cannot find a data directory: pass --data-dir DIR")]
    NoDataDir,
    /// The address could not be bound, or the socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The server's router, ready to serve, and the access token it requires (`None` only with
/// `--no-token` on loopback).
pub struct Built {
    /// Every route, the guard and the UI.
    pub router: Router,
    /// The token every `/v1` request must carry.
    pub token: Option<String>,
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

/// Checks the options and builds the router (no socket): the checks a learner's mistakes
/// hit, then the app with its model service.
pub fn build(
    source: TutorSource,
    store: Store,
    options: &ServeOptions,
) -> Result<Built, ServeError> {
    if !options.host.is_loopback() && !options.allow_remote {
        return Err(ServeError::RemoteNotAllowed { host: options.host });
    }
    let token = match &options.token {
        TokenChoice::Given(t) if t.trim().is_empty() => return Err(ServeError::EmptyToken),
        TokenChoice::Given(t) => Some(t.clone()),
        TokenChoice::Random => Some(uuid::Uuid::new_v4().simple().to_string()),
        TokenChoice::None => None,
    };
    if token.is_none() && (options.allow_remote || !options.host.is_loopback()) {
        return Err(ServeError::RemoteNeedsToken);
    }
    let data_dir = source.data_dir.clone().ok_or(ServeError::NoDataDir)?;
    let models = ModelService::new(
        &data_dir,
        lexilingo_app::host::model_service::endpoint_from_env(),
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
    Ok(Built {
        router: router(state, options.ui_dir.clone()),
        token,
    })
}

/// Runs the server until Ctrl-C. `on_ready` gets the address to open (with the token in
/// its query) once the socket is bound; the CLI prints it for the learner and for scripts.
pub async fn run(
    source: TutorSource,
    store: Store,
    options: ServeOptions,
    on_ready: impl FnOnce(&str),
) -> Result<(), ServeError> {
    let Built { router, token } = build(source, store, &options)?;
    // Harper's first check builds its dictionary structures (seconds in a dev build): do it
    // now, off the request path, so the first hint is as fast as the rest.
    std::thread::spawn(lexilingo_core::language::rules::warm_up);
    let addr = SocketAddr::new(options.host, options.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Listen { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServeError::Listen { addr, source })?;
    match &token {
        Some(t) => on_ready(&format!("http://{addr}/?token={t}")),
        None => on_ready(&format!("http://{addr}/")),
    }
    tokio::select! {
        () = accept_loop(listener, router) => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// Serves connections with hyper directly (axum's `serve` has no header timeout): HTTP/1.1,
/// request headers within [`HEADER_TIMEOUT`], upgrades for nothing.
async fn accept_loop(listener: tokio::net::TcpListener, app: Router) {
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

/// The `/v1` routes. Each handler's path and method are declared once, in its
/// `#[utoipa::path]` attribute, and `routes!` takes both the axum route and the OpenAPI
/// operation from it: a route cannot be served without being documented, or the other way
/// round. (Add routes here only with `.routes(routes!(…))`, never axum's `.route`.)
fn api_router() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(models))
        .routes(routes!(models_overview))
        .routes(routes!(models_download))
        .routes(routes!(models_pause))
        .routes(routes!(models_cancel))
        .routes(routes!(models_events))
        // A model upload (gigabytes) is streamed to disk with its own cap, not buffered.
        .routes(routes!(models_import))
        .routes(routes!(models_activate))
        .routes(routes!(conversations_list, conversations_save))
        .routes(routes!(conversations_turn))
        .routes(routes!(conversations_suggest))
        .routes(routes!(conversations_get, conversations_delete))
        .routes(routes!(engine_settings_get, engine_settings_put))
        .routes(routes!(daily_goal_put))
        .routes(routes!(data_dir_move))
        .routes(routes!(engine_info))
        .routes(routes!(diagnostics))
        .routes(routes!(chat_completions))
        .routes(routes!(completions))
        .routes(routes!(tutor_analyze))
        .routes(routes!(tutor_fluency))
        .routes(routes!(tutor_cefr))
        .routes(routes!(tutor_correct))
        .routes(routes!(tutor_explain))
        .routes(routes!(tutor_hints))
        .routes(routes!(tutor_sentences))
        .routes(routes!(tutor_dialogue))
        .routes(routes!(history_list, history_clear))
        .routes(routes!(history_get, history_delete))
        .routes(routes!(history_export))
        .routes(routes!(history_import))
        .routes(routes!(stats))
        .routes(routes!(review_due))
        .routes(routes!(review_answer))
        .routes(routes!(drills_start))
        .routes(routes!(drills_item))
        .routes(routes!(drills_answer))
}

/// The routes open to anyone (no token): a liveness probe and the API's description.
fn open_router() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(openapi_json))
}

/// The API's OpenAPI document, generated from the handlers' `#[utoipa::path]` attributes and
/// the types they take and return (the same types ts-rs exports to the UI).
pub fn openapi() -> utoipa::openapi::OpenApi {
    doc::document(open_router().into_openapi(), api_router().into_openapi())
}

/// Every `(method, path)` the server answers under `/v1`, from the document (lower-case
/// methods, axum's `{param}` syntax). All of them need the access token.
pub fn api_routes() -> Vec<(String, String)> {
    doc::operations(&api_router().into_openapi())
}

/// The `(method, path)` pairs open to anyone.
pub fn open_routes() -> Vec<(String, String)> {
    doc::operations(&open_router().into_openapi())
}

fn router(state: Shared, ui_dir: Option<PathBuf>) -> Router {
    let (api, _) = api_router().split_for_parts();
    let api = api.route_layer(middleware::from_fn_with_state(
        state.guard.clone(),
        guard::require_token,
    ));
    let (open, _) = open_router().split_for_parts();
    let guard = state.guard.clone();
    let mut app = Router::new().merge(open).merge(api).with_state(state);
    if let Some(dir) = ui_dir {
        app = app.fallback(move |uri: axum::http::Uri| guard::ui_file(dir.clone(), uri));
    }
    app.layer(middleware::from_fn_with_state(guard, guard::check_request))
}

/// Whether the server is up, and (with the token) what it runs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Health {
    /// Always `ok`.
    status: &'static str,
    /// The model's id (with the token only).
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    /// Whether a request holds or waits for the model (with the token only).
    #[serde(skip_serializing_if = "Option::is_none")]
    busy: Option<bool>,
    /// The server's version (with the token only).
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'static str>,
}

/// Liveness probe
///
/// `ok` to anyone; the model, whether it is busy and the version only with the token.
#[utoipa::path(get, path = "/health", tag = "server", security(()),
    responses((status = 200, description = "The server is up", body = Health)))]
async fn health(State(state): State<Shared>, headers: HeaderMap) -> Json<Health> {
    if !state.guard.token_ok(&headers) {
        return Json(Health {
            status: "ok",
            model: None,
            busy: None,
            version: None,
        });
    }
    Json(Health {
        status: "ok",
        model: Some(state.app.model_id()),
        busy: Some(state.in_flight.load(Ordering::SeqCst) > 0),
        version: Some(env!("CARGO_PKG_VERSION")),
    })
}

/// The running model
///
/// Starts the model if needed and describes it (the window's status line).
#[utoipa::path(get, path = "/v1/engine", tag = "server",
    responses((status = 200, description = "The model, its context and threads", body = ModelInfo)))]
async fn engine_info(State(state): State<Shared>) -> ApiResult<Response> {
    let info = state
        .app
        .active()
        .get()
        .await?
        .engine()
        .model_info()
        .await?;
    Ok(Json(info).into_response())
}

/// A plain-text report for a bug report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Diagnostics {
    /// Versions, paths, the model and the machine, one fact per line.
    report: String,
}

/// Diagnostics
///
/// The same plain-text report as the app's "copy diagnostics".
#[utoipa::path(get, path = "/v1/diagnostics", tag = "server",
    responses((status = 200, description = "The report", body = Diagnostics)))]
async fn diagnostics(State(state): State<Shared>) -> Json<Diagnostics> {
    Json(Diagnostics {
        report: state.app.diagnostics().await,
    })
}

/// This document
///
/// The API's OpenAPI description, generated from the handlers.
#[utoipa::path(get, path = "/openapi.json", tag = "server", security(()),
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")))]
async fn openapi_json() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let text = DOC.get_or_init(|| openapi().to_pretty_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json")], text.as_str()).into_response()
}
