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

/// An API error: the app's [`AppError`] (one code and text for every front end) with the
/// HTTP status, taken from the code unless a host-level refusal says otherwise.
pub(crate) struct ApiError {
    status: StatusCode,
    error: AppError,
}

impl ApiError {
    /// `code` with its own status, the technical `message` as detail and a Vietnamese text.
    fn full(status: StatusCode, code: ErrorCode, message: String, message_vi: &str) -> Self {
        let mut error = AppError::new(code, message);
        error.message_vi = message_vi.into();
        Self { status, error }
    }

    fn bad_request(code: ErrorCode, message: impl Into<String>, message_vi: &str) -> Self {
        Self::full(StatusCode::BAD_REQUEST, code, message.into(), message_vi)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let status =
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self { status, error }
    }
}

impl From<lexilingo_core::Error> for ApiError {
    fn from(e: lexilingo_core::Error) -> Self {
        AppError::from(e).into()
    }
}

impl From<lexilingo_core::store::StoreError> for ApiError {
    fn from(e: lexilingo_core::store::StoreError) -> Self {
        AppError::from(e).into()
    }
}

/// The error object of a response body (and of a failed stream's last event).
fn error_json(e: &AppError, status: StatusCode) -> Value {
    json!({
        "code": e.code, "message": e.detail, "message_vi": e.message_vi, "message_en": e.message_en,
        "type": if status.is_client_error() { "invalid_request_error" } else { "server_error" },
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The OpenAI error shape, with the texts for the learner alongside.
        let body = json!({ "error": error_json(&self.error, self.status) });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        response
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// A JSON body whose every failure is an [`ApiError`] in the usual shape: 415 without
/// `Content-Type: application/json` (so a cross-site form or `text/plain` POST, which needs no
/// preflight, never reaches a handler), 400/422 for JSON that does not parse or fit.
pub(crate) struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(not_json()),
            Err(e) => Err(ApiError::full(
                if e.status().is_client_error() {
                    e.status()
                } else {
                    StatusCode::BAD_REQUEST
                },
                ErrorCode::BadRequestBody,
                e.body_text(),
                "Dữ liệu gửi lên không đúng định dạng.",
            )),
        }
    }
}

/// Query parameters whose failures are [`ApiError`]s in the usual shape (400).
pub(crate) struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(ApiError::bad_request(
                ErrorCode::BadQuery,
                e.body_text(),
                "Tham số trên đường dẫn không hợp lệ.",
            )),
        }
    }
}

/// A path parameter (an attempt's id) whose failures are [`ApiError`]s in the usual shape.
pub(crate) struct ApiPath<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(ApiError::bad_request(
                ErrorCode::BadPath,
                e.body_text(),
                "Địa chỉ yêu cầu không hợp lệ.",
            )),
        }
    }
}

/// 415 for a body that is not declared JSON.
fn not_json() -> ApiError {
    ApiError::full(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
        "the body must be JSON with `Content-Type: application/json`".into(),
        "Yêu cầu phải gửi dữ liệu JSON (Content-Type: application/json).",
    )
}

/// Whether `headers` say the body is JSON (`application/json`, parameters allowed).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// Runs blocking file work (manifests, settings, catalog) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(internal(format!("the task failed: {e}"))))
}

fn internal(message: String) -> ApiError {
    AppError::internal(message).into()
}

/// A place in the model queue, released on drop.
struct QueueSlot(Shared);

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Takes a place in the queue, or `503` when `queue` requests already wait.
fn enqueue(state: &Shared) -> ApiResult<QueueSlot> {
    let before = state.in_flight.fetch_add(1, Ordering::SeqCst);
    let slot = QueueSlot(state.clone());
    if before > state.queue {
        return Err(ApiError::full(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Busy,
            format!("the model is busy and {} requests are waiting", state.queue),
            "Mô hình đang bận với nhiều yêu cầu. Em thử lại sau vài giây nhé.",
        ));
    }
    Ok(slot)
}

/// Runs `work` on the model in its own task. If the request future is dropped (the client went
/// away), the guard cancels the token and the generation stops at its next token.
async fn on_model<T, F, Fut>(state: &Shared, work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(Tutor, CancellationToken) -> Fut,
    Fut: std::future::Future<Output = lexilingo_core::Result<T>> + Send + 'static,
{
    let slot = enqueue(state)?;
    let tutor = state.app.active().get().await?;
    let cancel = CancellationToken::new();
    let _guard = cancel.clone().drop_guard();
    let task = tokio::spawn({
        let fut = work(tutor, cancel.clone());
        async move {
            let out = fut.await;
            drop(slot);
            out
        }
    });
    match task.await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => Err(internal(format!("the task failed: {e}"))),
    }
}

/// Runs an app use case that needs the model in its own task, holding a place in the queue;
/// a client that goes away cancels it, as in [`on_model`].
async fn on_app<T, F, Fut>(state: &Shared, work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(App, CancellationToken) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let slot = enqueue(state)?;
    let cancel = CancellationToken::new();
    let _guard = cancel.clone().drop_guard();
    let task = tokio::spawn({
        let fut = work(state.app.clone(), cancel.clone());
        async move {
            let out = fut.await;
            drop(slot);
            out
        }
    });
    match task.await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => Err(internal(format!("the task failed: {e}"))),
    }
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

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
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

async fn models(State(state): State<Shared>) -> Json<Value> {
    Json(json!({
        "object": "list",
        "data": [{ "id": state.app.model_id(), "object": "model", "created": unix_now(), "owned_by": "lexilingo" }],
    }))
}

#[derive(Debug, Deserialize)]
struct ChatCompletionRequest {
    #[serde(default)]
    model: Option<String>,
    messages: Vec<OpenAiMessage>,
    #[serde(default)]
    stream: bool,
    #[serde(default, alias = "max_completion_tokens")]
    max_tokens: Option<u64>,
    /// Read as f64 so that 1e39 stays a number to refuse, not an f32 infinity.
    #[serde(default)]
    temperature: Option<f64>,
    /// Validated, not applied: sampling here is temperature only (greedy at 0).
    #[serde(default)]
    top_p: Option<f64>,
    /// Validated, not applied.
    #[serde(default)]
    frequency_penalty: Option<f64>,
    /// Validated, not applied.
    #[serde(default)]
    presence_penalty: Option<f64>,
    #[serde(default)]
    seed: Option<u32>,
    #[serde(default)]
    response_format: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct OpenAiMessage {
    role: String,
    content: Value,
}

/// Content may be a string or a list of `{type: "text", text}` parts.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// The largest answer a client may ask for.
const MAX_COMPLETION_TOKENS: u64 = 4096;

/// A sampling parameter outside its range: 400, before anything reaches the worker (an
/// infinite temperature used to reach it as `null` and silence it).
fn out_of_range(name: &str, range: &str) -> ApiError {
    ApiError::bad_request(
        ErrorCode::BadParameter,
        format!("`{name}` must be a finite number in {range}"),
        "Tham số sinh văn bản nằm ngoài khoảng cho phép.",
    )
}

fn check_range(name: &str, value: Option<f64>, lo: f64, hi: f64) -> ApiResult<()> {
    match value {
        Some(v) if !(v.is_finite() && (lo..=hi).contains(&v)) => {
            Err(out_of_range(name, &format!("[{lo}, {hi}]")))
        }
        _ => Ok(()),
    }
}

fn to_request(body: &ChatCompletionRequest) -> ApiResult<GenerateRequest> {
    check_range("temperature", body.temperature, 0.0, 2.0)?;
    check_range("top_p", body.top_p, 0.0, 1.0)?;
    check_range("frequency_penalty", body.frequency_penalty, -2.0, 2.0)?;
    check_range("presence_penalty", body.presence_penalty, -2.0, 2.0)?;
    if body
        .max_tokens
        .is_some_and(|n| n == 0 || n > MAX_COMPLETION_TOKENS)
    {
        return Err(out_of_range(
            "max_tokens",
            &format!("1..={MAX_COMPLETION_TOKENS}"),
        ));
    }
    if body.messages.is_empty() {
        return Err(ApiError::bad_request(
            ErrorCode::NoMessages,
            "`messages` is empty",
            "Chưa có tin nhắn nào.",
        ));
    }
    let mut messages = Vec::with_capacity(body.messages.len());
    for m in &body.messages {
        let role = match m.role.as_str() {
            "system" | "developer" => Role::System,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            other => {
                return Err(ApiError::bad_request(
                    ErrorCode::BadRole,
                    format!("unsupported role `{other}`"),
                    "Vai trò tin nhắn không hợp lệ.",
                ))
            }
        };
        let text = content_text(&m.content);
        lexilingo_core::input::check_printable(&text)
            .map_err(|e| ApiError::from(lexilingo_core::Error::from(e)))?;
        messages.push(ChatMessage::new(role, text));
    }
    // JSON schema output, the way OpenAI spells it; `json_object` means any JSON object.
    let schema = match &body.response_format {
        Some(f) if f.get("type").and_then(Value::as_str) == Some("json_schema") => {
            let schema = f
                .pointer("/json_schema/schema")
                .cloned()
                .unwrap_or_else(|| json!({ "type": "object" }));
            if !schema.is_object() {
                return Err(ApiError::bad_request(
                    ErrorCode::BadSchema,
                    "`response_format.json_schema.schema` must be a JSON object",
                    "Lược đồ JSON (schema) không hợp lệ.",
                ));
            }
            Some(schema)
        }
        Some(f) if f.get("type").and_then(Value::as_str) == Some("json_object") => {
            Some(json!({ "type": "object" }))
        }
        _ => None,
    };
    Ok(GenerateRequest {
        messages,
        json_schema: schema,
        max_tokens: body.max_tokens.unwrap_or(512) as u32,
        temperature: body.temperature.unwrap_or(0.0) as f32,
        seed: body.seed.unwrap_or(0),
    })
}

fn finish_reason(stop: StopReason) -> &'static str {
    match stop {
        StopReason::EndOfText | StopReason::Cancelled => "stop",
        StopReason::Length => "length",
    }
}

fn completion_id() -> String {
    format!("chatcmpl-{}", uuid::Uuid::new_v4().simple())
}

async fn chat_completions(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<ChatCompletionRequest>,
) -> ApiResult<Response> {
    let request = to_request(&body)?;
    let model = body.model.clone().unwrap_or_else(|| state.app.model_id());
    let id = completion_id();
    let created = unix_now();
    if !body.stream {
        let generation = on_model(&state, move |tutor, cancel| async move {
            tutor.engine().generate(request, |_| {}, &cancel).await
        })
        .await?;
        return Ok(Json(json!({
            "id": id, "object": "chat.completion", "created": created, "model": model,
            "choices": [{ "index": 0, "finish_reason": finish_reason(generation.stop),
                          "message": { "role": "assistant", "content": generation.text } }],
            "usage": { "prompt_tokens": generation.prompt_tokens,
                       "completion_tokens": generation.generated_tokens,
                       "total_tokens": generation.prompt_tokens + generation.generated_tokens },
        }))
        .into_response());
    }

    // Streaming: tokens go through a channel to the SSE response. When the client disconnects
    // the response (and the receiver) is dropped, the next send fails, and the generation is
    // cancelled at its next token.
    let slot = enqueue(&state)?;
    let tutor = {
        let waiting = StartGuard::new();
        let tutor = state.app.active().get().await?;
        waiting.started();
        tutor
    };
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let cancel = CancellationToken::new();
    let chunk = {
        let (id, model) = (id.clone(), model.clone());
        move |delta: Value, finish: Option<&str>| {
            json!({ "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
                    "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }] })
        }
    };
    tokio::spawn(async move {
        let _slot = slot;
        let send = |v: Value| tx.send(Event::default().data(v.to_string())).is_ok();
        send(chunk(json!({ "role": "assistant", "content": "" }), None));
        let token_tx = tx.clone();
        let token_cancel = cancel.clone();
        let token_chunk = chunk.clone();
        let result = tutor
            .engine()
            .generate(
                request,
                move |text| {
                    let event = Event::default()
                        .data(token_chunk(json!({ "content": text }), None).to_string());
                    if token_tx.send(event).is_err() {
                        token_cancel.cancel();
                    }
                },
                &cancel,
            )
            .await;
        match result {
            Ok(g) if g.stop == StopReason::Cancelled => {
                tracing::info!(
                    "client went away; generation cancelled after {} tokens",
                    g.generated_tokens
                );
            }
            Ok(g) => {
                send(chunk(json!({}), Some(finish_reason(g.stop))));
                let _ = tx.send(Event::default().data("[DONE]"));
            }
            Err(e) => {
                let e = ApiError::from(e);
                send(json!({ "error": error_json(&e.error, e.status) }));
                let _ = tx.send(Event::default().data("[DONE]"));
            }
        }
    });
    Ok(sse(rx))
}

/// Notes a client that left while its streaming request was still waiting for the engine
/// (a model loading, a busy blocking pool): its queue place frees with the dropped request
/// and no generation starts, which the log says, as it says when a running one is cancelled.
struct StartGuard(bool);

impl StartGuard {
    fn new() -> Self {
        Self(true)
    }

    fn started(mut self) {
        self.0 = false;
    }
}

impl Drop for StartGuard {
    fn drop(&mut self) {
        if self.0 {
            tracing::info!("client went away before the generation started; nothing to cancel");
        }
    }
}

/// A server-sent-event response carrying the events a generation task sends into `rx`. When
/// the client goes away the response, and with it `rx`, is dropped: the task's next send fails,
/// which is how it notices and cancels.
fn sse(rx: mpsc::UnboundedReceiver<Event>) -> Response {
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|e| (Ok::<_, std::convert::Infallible>(e), rx))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[derive(Debug, Deserialize)]
struct SentenceBody {
    sentence: String,
    /// Save the attempt to the history (analyze only; default true).
    #[serde(default)]
    save: Option<bool>,
}

/// Checks a sentence and (unless `save: false`) keeps it; a failed save is the answer's
/// `warning`, never a lost result.
async fn tutor_analyze(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SentenceBody>,
) -> ApiResult<Json<Value>> {
    let save = body.save.unwrap_or(true);
    let practiced = on_app(&state, move |app, cancel| async move {
        app.practice(&body.sentence, save, &cancel).await
    })
    .await?;
    Ok(Json(json!(practiced)))
}

async fn tutor_fluency(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SentenceBody>,
) -> ApiResult<Json<Value>> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor.analyze_fluency(&body.sentence, &cancel).await
    })
    .await?;
    Ok(Json(json!(r)))
}

async fn tutor_cefr(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SentenceBody>,
) -> ApiResult<Json<Value>> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor.classify_vocabulary(&body.sentence, &cancel).await
    })
    .await?;
    Ok(Json(json!(r)))
}

async fn tutor_correct(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SentenceBody>,
) -> ApiResult<Json<Value>> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor.correct_grammar(&body.sentence, &cancel).await
    })
    .await?;
    Ok(Json(json!(r)))
}

/// Hints need no model: they answer at once, even while the model is busy.
async fn tutor_hints(ApiJson(body): ApiJson<SentenceBody>) -> ApiResult<Json<Value>> {
    let hints = lexilingo_app::hints(&body.sentence).await?;
    Ok(Json(json!({ "hints": hints })))
}

#[derive(Debug, Deserialize)]
struct ExplainBody {
    error: String,
    correction: String,
}

async fn tutor_explain(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<ExplainBody>,
) -> ApiResult<Json<Value>> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor
            .explain_error(&body.error, &body.correction, &cancel)
            .await
    })
    .await?;
    Ok(Json(json!({ "explanations": r })))
}

#[derive(Debug, Deserialize)]
struct DialogueBody {
    message: String,
    #[serde(default)]
    history: Vec<ChatMessage>,
    #[serde(default)]
    scenario: Option<Scenario>,
    #[serde(default)]
    level: Option<CefrLevel>,
    /// Stream the reply as server-sent events: `{"token": …}` per piece, then
    /// `{"reply": DialogueReply}` (or `{"error": …}`), then `[DONE]`.
    #[serde(default)]
    stream: bool,
}

async fn tutor_dialogue(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<DialogueBody>,
) -> ApiResult<Response> {
    let mut settings = DialogueSettings::default();
    if let Some(s) = body.scenario {
        settings.scenario = s;
    }
    if let Some(l) = body.level {
        settings.level = l;
    }
    if !body.stream {
        let r = on_model(&state, move |tutor, cancel| async move {
            tutor
                .generate_dialogue(&body.history, &body.message, &settings, |_| {}, &cancel)
                .await
        })
        .await?;
        return Ok(Json(json!(r)).into_response());
    }
    // Streaming, as for chat completions: a disconnect drops the receiver, the next send
    // fails, and the generation is cancelled at its next token.
    let slot = enqueue(&state)?;
    let tutor = {
        let waiting = StartGuard::new();
        let tutor = state.app.active().get().await?;
        waiting.started();
        tutor
    };
    Ok(stream_pieces(slot, move |on_text, cancel| async move {
        match tutor
            .generate_dialogue(&body.history, &body.message, &settings, on_text, &cancel)
            .await
        {
            Ok(reply) => json!({ "reply": reply }),
            Err(e) => {
                let e = ApiError::from(e);
                json!({ "error": error_json(&e.error, e.status) })
            }
        }
    }))
}

/// Runs `work` in its own task, holding `slot`, as server-sent events: `{"token": …}` for each
/// piece `work` passes to its `on_text`, then the value it ends with, then `[DONE]`. As for
/// chat completions, a disconnect drops the receiver, the next send fails, and the token
/// given to `work` is cancelled (the generation stops at its next token).
fn stream_pieces<W, Fut>(slot: QueueSlot, work: W) -> Response
where
    W: FnOnce(Box<dyn FnMut(&str) + Send>, CancellationToken) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Value> + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let cancel = CancellationToken::new();
    tokio::spawn(async move {
        let _slot = slot;
        let token_tx = tx.clone();
        let token_cancel = cancel.clone();
        let on_text = Box::new(move |text: &str| {
            let event = Event::default().data(json!({ "token": text }).to_string());
            if token_tx.send(event).is_err() {
                token_cancel.cancel();
            }
        });
        let last = work(on_text, cancel).await;
        let _ = tx.send(Event::default().data(last.to_string()));
        let _ = tx.send(Event::default().data("[DONE]"));
    });
    sse(rx)
}

async fn history_list(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.history(&q).await?)))
}

async fn history_get(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.attempt(id).await?)))
}

async fn history_delete(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.app.delete_attempt(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct ClearQuery {
    confirm: Option<bool>,
}

/// Clearing everything needs `?confirm=true`: a stray DELETE must not wipe a learner's work.
async fn history_clear(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<ClearQuery>,
) -> ApiResult<Json<Value>> {
    let deleted = state.app.clear_history(q.confirm == Some(true)).await?;
    Ok(Json(json!({ "deleted": deleted })))
}

#[derive(Debug, Deserialize)]
struct StatsQuery {
    /// Minutes east of UTC (Vietnam: 420).
    utc_offset_minutes: Option<i32>,
}

async fn stats(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Json<Value>> {
    let offset = q.utc_offset_minutes.unwrap_or(420);
    Ok(Json(json!(state.app.progress(offset).await?)))
}

#[derive(Debug, Deserialize)]
struct DueQuery {
    limit: Option<u32>,
}

/// Review cards due now, most overdue first.
async fn review_due(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        state.app.review_due(q.limit.unwrap_or(20)).await?
    )))
}

#[derive(Debug, Deserialize)]
struct AnswerBody {
    answer: String,
}

/// Grades an answer to a review card and schedules the card's next review, by the app's one
/// policy (the card's edits first; the model, if there is one, only for a different fix).
async fn review_answer(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> ApiResult<Json<Value>> {
    let feedback = on_app(&state, move |app, _cancel| async move {
        app.review_answer(id, &body.answer).await
    })
    .await?;
    Ok(Json(json!(feedback)))
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

/// The whole history as a file: JSON (re-importable) or CSV (for spreadsheets).
async fn history_export(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let file = state
        .app
        .export_history(q.format.as_deref() == Some("csv"))
        .await?;
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response())
}

/// Adds the attempts of a JSON export; attempts already present (same id) are left alone.
async fn history_import(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    // Typed like every other body: a `text/plain` POST needs no CORS preflight, so without
    // this any web page could add attempts to the history.
    if !is_json(&headers) {
        return Err(not_json());
    }
    Ok(Json(json!(state.app.import_history(&body).await?)))
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

async fn models_overview(State(state): State<Shared>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.models_overview().await?)))
}

#[derive(Debug, Deserialize)]
struct ModelIdBody {
    id: String,
}

/// Starts or resumes a download; `202`, progress on `/v1/models/download/events`.
async fn models_download(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<ModelIdBody>,
) -> ApiResult<Response> {
    let status = state.app.download_model(&body.id)?;
    Ok((StatusCode::ACCEPTED, Json(json!(status))).into_response())
}

/// Pausing takes no parameters, but its body is still JSON (`{}`): an empty or `text/plain`
/// POST from another page must not stop a learner's download.
async fn models_pause(
    State(state): State<Shared>,
    ApiJson(_body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.pause_download().await?)))
}

async fn models_cancel(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<ModelIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.cancel_download(&body.id).await?)))
}

/// The download's state as server-sent events: the current state at once, then every change
/// (progress at most every `progress_interval`).
async fn models_events(State(state): State<Shared>) -> Response {
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let mut watch = state.models.subscribe();
    tokio::spawn(async move {
        loop {
            let status = watch.borrow_and_update().clone();
            if tx
                .send(Event::default().data(json!(status).to_string()))
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

/// A request naming a path on this machine (a folder to move data to).
#[derive(Debug, Deserialize)]
struct PathBody {
    path: PathBuf,
}

#[derive(Debug, Deserialize)]
struct UploadQuery {
    /// The file name to save the model as (a plain name: `model.gguf`).
    name: Option<String>,
}

/// Adds a GGUF model sent as the request body (`Content-Type: application/octet-stream`,
/// `?name=FILE.gguf`). The server never opens a path a client names: a web client could
/// otherwise make it read a FIFO, a device or someone else's file. The body is streamed to a
/// `.uploading` file in the models folder, capped by the free disk (and
/// [`lexilingo_core::models::download::MAX_DOWNLOAD`]), then checked, load-tested in a worker
/// and registered; a refused upload is deleted and the active model stays as it was.
async fn models_import(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Json<Value>> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    let octets = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/octet-stream"));
    if !octets {
        return Err(ApiError::full(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send the model file as the body with `Content-Type: application/octet-stream`".into(),
            "Hãy gửi chính tệp mô hình (Content-Type: application/octet-stream).",
        ));
    }
    let name = q.name.ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::BadQuery,
            "give the file name as `?name=FILE.gguf`",
            "Thiếu tên tệp mô hình.",
        )
    })?;
    let (part, dest) = state.models.upload_paths(&name)?;
    let dir = dest.parent().map(PathBuf::from).unwrap_or_default();
    let free = blocking(move || {
        lexilingo_core::models::available_disk(&dir).map_err(|e| internal(e.to_string()))
    })
    .await?;
    let limit = free
        .saturating_sub(64 * 1024 * 1024)
        .min(lexilingo_core::models::download::MAX_DOWNLOAD);
    let write_error = |e: std::io::Error| {
        ApiError::full(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::FileError,
            format!("cannot write the upload: {e}"),
            "Không ghi được tệp tải lên. Em kiểm tra chỗ trống trên ổ đĩa nhé.",
        )
    };
    let mut file = tokio::fs::File::create(&part).await.map_err(write_error)?;
    let mut stream = body.into_data_stream();
    let mut written: u64 = 0;
    let received = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request(
                    ErrorCode::UploadFailed,
                    format!("the upload was interrupted: {e}"),
                    "Việc gửi tệp bị gián đoạn. Em thử lại nhé.",
                )
            })?;
            written += chunk.len() as u64;
            if written > limit {
                return Err(ApiError::full(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::UploadTooLarge,
                    format!("the upload is larger than the {limit} bytes this disk can take"),
                    "Tệp quá lớn so với chỗ trống trên ổ đĩa.",
                ));
            }
            file.write_all(&chunk).await.map_err(write_error)?;
        }
        file.sync_all().await.map_err(write_error)
    }
    .await;
    drop(file);
    if let Err(e) = received {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(e);
    }
    // The first model installed becomes the active one: the next request starts it.
    Ok(Json(json!(state.app.install_upload(&part, &dest).await?)))
}

/// Switches the active model; the running engine stops and the next request starts the new one.
async fn models_activate(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<ModelIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.activate_model(&body.id).await?)))
}

async fn engine_settings_get(State(state): State<Shared>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.engine_settings().await?)))
}

/// Saves threads and context size and restarts the engine with them.
async fn engine_settings_put(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<EngineSettings>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.save_engine_settings(body).await?)))
}

#[derive(Debug, Deserialize)]
struct SaveTurnsBody {
    id: Option<i64>,
    scenario: String,
    level: CefrLevel,
    turns: Vec<ChatMessage>,
}

/// Appends messages to a conversation (a new one without `id`), for a client that generated
/// the exchange itself; the window's turns go through `/v1/conversations/turn`.
async fn conversations_save(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SaveTurnsBody>,
) -> ApiResult<Json<Value>> {
    let id = state
        .app
        .save_conversation(body.id, &body.scenario, body.level, &body.turns)
        .await?;
    Ok(Json(json!({ "id": id })))
}

/// One learner message: the partner's reply as server-sent events (`{"token": …}` per piece),
/// then `{"turn": ConversationTurn}` (the message checked and the exchange saved) or
/// `{"error": …}`, then `[DONE]`. A disconnect cancels the reply.
async fn conversations_turn(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<TurnRequest>,
) -> ApiResult<Response> {
    let slot = enqueue(&state)?;
    let app = state.app.clone();
    Ok(stream_pieces(slot, move |on_text, cancel| async move {
        match app.converse(&body, on_text, &cancel).await {
            Ok(turn) => json!({ "turn": turn }),
            Err(e) => {
                let status = ApiError::from(e.clone()).status;
                json!({ "error": error_json(&e, status) })
            }
        }
    }))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    limit: Option<u32>,
}

async fn conversations_list(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        state.app.conversations(q.limit.unwrap_or(50)).await?
    )))
}

async fn conversations_get(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.conversation(id).await?)))
}

async fn conversations_delete(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.app.delete_conversation(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Copies the data folder to `path`, used from the next start without `--data-dir`.
async fn data_dir_move(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<PathBody>,
) -> ApiResult<Json<Value>> {
    if !state.allow_data_dir_move {
        return Err(ApiError::full(
        StatusCode::FORBIDDEN,
        ErrorCode::DataDirMoveDisabled,
        "moving the data folder over HTTP is off; start serve with \
                      --allow-data-dir-move, or move it in the app"
                .into(),
        "Không thể chuyển thư mục dữ liệu qua trình duyệt. Em chuyển trong ứng dụng LexiLingo, hoặc khởi động máy chủ với --allow-data-dir-move nhé."
                ,
    ));
    }
    Ok(Json(json!(state.app.move_data_dir(&body.path).await?)))
}
