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

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use lexilingo_core::active::{ActiveTutor, EngineSettings, TutorSource};
use lexilingo_core::engine::{CancellationToken, ChatMessage, GenerateRequest, Role, StopReason};
use lexilingo_core::models::{DownloadOptions, ModelService};
use lexilingo_core::store::{HistoryQuery, NewAttempt, Store};
use lexilingo_core::tasks::{DialogueSettings, Scenario};
use lexilingo_core::{CefrLevel, Tutor};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

/// How `serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to bind.
    pub host: IpAddr,
    /// Port (0 = any free port; the chosen one is printed).
    pub port: u16,
    /// Required for a non-loopback `host`.
    pub allow_remote: bool,
    /// Bearer token every `/v1` request must carry, if set.
    pub token: Option<String>,
    /// Requests that may wait for the model besides the running one.
    pub queue: usize,
    /// The built UI to serve at `/`.
    pub ui_dir: Option<PathBuf>,
}

struct AppState {
    tutor: ActiveTutor,
    models: Arc<ModelService>,
    store: Store,
    token: Option<String>,
    queue: usize,
    /// Requests holding or waiting for the model.
    in_flight: AtomicUsize,
}

type Shared = Arc<AppState>;

impl AppState {
    /// The id saved attempts and `/v1/models` use: the running model's file name, else the one
    /// the next request would load.
    fn model_id(&self) -> String {
        if let Some(tutor) = self.tutor.running() {
            return tutor.engine().config().model_id();
        }
        self.tutor
            .source()
            .model_path()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "none".into())
    }
}

/// Runs the server until Ctrl-C.
pub async fn run(source: TutorSource, store: Store, options: ServeOptions) -> anyhow::Result<()> {
    if !options.host.is_loopback() && !options.allow_remote {
        anyhow::bail!(
            "refusing to listen on {} without --allow-remote: other machines could read this \
             learner's history",
            options.host
        );
    }
    if !options.host.is_loopback() {
        eprintln!(
            "lexilingo: warning: listening on {} — reachable from other machines{}",
            options.host,
            if options.token.is_some() {
                ""
            } else {
                " and without a token (--token)"
            }
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
    let state = Arc::new(AppState {
        tutor: ActiveTutor::new(source),
        models,
        store,
        token: options.token.clone(),
        queue: options.queue,
        in_flight: AtomicUsize::new(0),
    });
    let app = router(state, options.ui_dir.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(options.host, options.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", options.host, options.port))?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to find the port.
    println!("listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn router(state: Shared, ui_dir: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/v1/models", get(models))
        .route("/v1/models/overview", get(models_overview))
        .route("/v1/models/download", post(models_download))
        .route("/v1/models/download/pause", post(models_pause))
        .route("/v1/models/download/cancel", post(models_cancel))
        .route("/v1/models/download/events", get(models_events))
        .route("/v1/models/import", post(models_import))
        .route("/v1/models/active", post(models_activate))
        .route(
            "/v1/conversations",
            get(conversations_list).post(conversations_save),
        )
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
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    let mut app = Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
        .merge(api)
        .with_state(state);
    if let Some(dir) = ui_dir {
        app = app.fallback_service(tower_http::services::ServeDir::new(dir));
    }
    app
}

/// An API error: a status, a stable code and messages in English and Vietnamese.
struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
    message_vi: String,
}

impl ApiError {
    fn bad_request(code: &str, message: impl Into<String>, message_vi: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: code.into(),
            message: message.into(),
            message_vi: message_vi.into(),
        }
    }
}

impl From<lexilingo_core::Error> for ApiError {
    fn from(e: lexilingo_core::Error) -> Self {
        use lexilingo_core::Error;
        let status = match &e {
            Error::Input(_) => StatusCode::BAD_REQUEST,
            Error::Engine(lexilingo_core::error::EngineError::Cancelled) => {
                // nginx's "client closed request": nobody reads it, but logs are clearer.
                StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST)
            }
            Error::Parse(_) => StatusCode::BAD_GATEWAY,
            Error::TooBig { .. } => StatusCode::SERVICE_UNAVAILABLE,
            // No model yet is the first-run state, not a server fault.
            Error::NoModel => StatusCode::SERVICE_UNAVAILABLE,
            Error::Models(
                lexilingo_core::models::ManagerError::ModelFile(_)
                | lexilingo_core::models::ManagerError::NotInCatalog(_)
                | lexilingo_core::models::ManagerError::NotInstalled(_),
            ) => StatusCode::BAD_REQUEST,
            Error::Models(lexilingo_core::models::ManagerError::Busy { .. }) => {
                StatusCode::CONFLICT
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self {
            status,
            code: e.code().into(),
            message: e.to_string(),
            message_vi: e.message_vi(),
        }
    }
}

impl From<lexilingo_core::store::StoreError> for ApiError {
    fn from(e: lexilingo_core::store::StoreError) -> Self {
        if let lexilingo_core::store::StoreError::BadImport(why) = &e {
            return ApiError::bad_request(
                "bad_import",
                format!("not a LexiLingo history export: {why}"),
                "Tệp này không phải bản xuất lịch sử của LexiLingo. Lịch sử hiện có không bị thay đổi.",
            );
        }
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "history_error".into(),
            message: e.to_string(),
            message_vi: "Không đọc hoặc ghi được lịch sử học. Dữ liệu cũ của em vẫn an toàn."
                .into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The OpenAI error shape, with the Vietnamese message alongside.
        let body = json!({ "error": {
            "code": self.code, "message": self.message, "message_vi": self.message_vi,
            "type": if self.status.is_client_error() { "invalid_request_error" } else { "server_error" },
        }});
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

async fn require_token(
    State(state): State<Shared>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = &state.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            let mut r = ApiError {
                status: StatusCode::UNAUTHORIZED,
                code: "unauthorized".into(),
                message: "missing or wrong bearer token".into(),
                message_vi: "Thiếu hoặc sai mã truy cập (token).".into(),
            }
            .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    next.run(request).await
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
        return Err(ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "busy".into(),
            message: format!("the model is busy and {} requests are waiting", state.queue),
            message_vi: "Mô hình đang bận với nhiều yêu cầu. Em thử lại sau vài giây nhé.".into(),
        });
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
    let tutor = state.tutor.get().await?;
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
        Err(e) => Err(ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal".into(),
            message: format!("the task failed: {e}"),
            message_vi: "Có lỗi nội bộ. Em thử lại nhé.".into(),
        }),
    }
}

async fn health(State(state): State<Shared>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "model": state.model_id(),
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
    let info = state.tutor.get().await?.engine().model_info().await?;
    Ok(Json(json!(info)))
}

/// The same plain-text report as the app's "copy diagnostics" (the server logs to stderr, so
/// no log lines).
async fn diagnostics(State(state): State<Shared>) -> Json<Value> {
    let model = match state.tutor.running() {
        Some(tutor) => tutor.engine().model_info().await.ok(),
        None => None,
    };
    Json(json!({ "report": lexilingo_core::diagnostics::report(model.as_ref(), None, None) }))
}

async fn models(State(state): State<Shared>) -> Json<Value> {
    Json(json!({
        "object": "list",
        "data": [{ "id": state.model_id(), "object": "model", "created": unix_now(), "owned_by": "lexilingo" }],
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
    max_tokens: Option<u32>,
    #[serde(default)]
    temperature: Option<f32>,
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

fn to_request(body: &ChatCompletionRequest) -> ApiResult<GenerateRequest> {
    if body.messages.is_empty() {
        return Err(ApiError::bad_request(
            "no_messages",
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
                    "bad_role",
                    format!("unsupported role `{other}`"),
                    "Vai trò tin nhắn không hợp lệ.",
                ))
            }
        };
        messages.push(ChatMessage::new(role, content_text(&m.content)));
    }
    // JSON schema output, the way OpenAI spells it; `json_object` means any JSON object.
    let schema = match &body.response_format {
        Some(f) if f.get("type").and_then(Value::as_str) == Some("json_schema") => Some(
            f.pointer("/json_schema/schema")
                .cloned()
                .unwrap_or_else(|| json!({ "type": "object" })),
        ),
        Some(f) if f.get("type").and_then(Value::as_str) == Some("json_object") => {
            Some(json!({ "type": "object" }))
        }
        _ => None,
    };
    Ok(GenerateRequest {
        messages,
        json_schema: schema,
        max_tokens: body.max_tokens.unwrap_or(512).clamp(1, 4096),
        temperature: body.temperature.unwrap_or(0.0).max(0.0),
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
    Json(body): Json<ChatCompletionRequest>,
) -> ApiResult<Response> {
    let request = to_request(&body)?;
    let model = body.model.clone().unwrap_or_else(|| state.model_id());
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
    let tutor = state.tutor.get().await?;
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
                send(
                    json!({ "error": { "code": e.code, "message": e.message, "message_vi": e.message_vi } }),
                );
                let _ = tx.send(Event::default().data("[DONE]"));
            }
        }
    });
    Ok(sse(rx))
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

async fn tutor_analyze(
    State(state): State<Shared>,
    Json(body): Json<SentenceBody>,
) -> ApiResult<Json<Value>> {
    let sentence = body.sentence.clone();
    let result = on_model(&state, move |tutor, cancel| async move {
        tutor.analyze(&sentence, &cancel).await
    })
    .await?;
    let mut value = serde_json::to_value(&result).unwrap_or(Value::Null);
    if body.save.unwrap_or(true) {
        let id = state
            .store
            .insert_attempt(&NewAttempt::from_analysis(&result, &state.model_id()))
            .await?;
        value["attempt_id"] = json!(id);
    }
    Ok(Json(value))
}

async fn tutor_fluency(
    State(state): State<Shared>,
    Json(body): Json<SentenceBody>,
) -> ApiResult<Json<Value>> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor.analyze_fluency(&body.sentence, &cancel).await
    })
    .await?;
    Ok(Json(json!(r)))
}

async fn tutor_cefr(
    State(state): State<Shared>,
    Json(body): Json<SentenceBody>,
) -> ApiResult<Json<Value>> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor.classify_vocabulary(&body.sentence, &cancel).await
    })
    .await?;
    Ok(Json(json!(r)))
}

async fn tutor_correct(
    State(state): State<Shared>,
    Json(body): Json<SentenceBody>,
) -> ApiResult<Json<Value>> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor.correct_grammar(&body.sentence, &cancel).await
    })
    .await?;
    Ok(Json(json!(r)))
}

/// Hints need no model: they answer at once, even while the model is busy.
async fn tutor_hints(Json(body): Json<SentenceBody>) -> ApiResult<Json<Value>> {
    let sentence = lexilingo_core::input::validate(&body.sentence)
        .map_err(|e| ApiError::from(lexilingo_core::Error::from(e)))?
        .to_string();
    let hints = tokio::task::spawn_blocking(move || lexilingo_core::rules::hints(&sentence))
        .await
        .unwrap_or_default();
    Ok(Json(json!({ "hints": hints })))
}

#[derive(Debug, Deserialize)]
struct ExplainBody {
    error: String,
    correction: String,
}

async fn tutor_explain(
    State(state): State<Shared>,
    Json(body): Json<ExplainBody>,
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
    Json(body): Json<DialogueBody>,
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
    let tutor = state.tutor.get().await?;
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let cancel = CancellationToken::new();
    tokio::spawn(async move {
        let _slot = slot;
        let token_tx = tx.clone();
        let token_cancel = cancel.clone();
        let result = tutor
            .generate_dialogue(
                &body.history,
                &body.message,
                &settings,
                move |text| {
                    let event = Event::default().data(json!({ "token": text }).to_string());
                    if token_tx.send(event).is_err() {
                        token_cancel.cancel();
                    }
                },
                &cancel,
            )
            .await;
        let last = match result {
            Ok(reply) => json!({ "reply": reply }),
            Err(e) => {
                let e = ApiError::from(e);
                json!({ "error": { "code": e.code, "message": e.message, "message_vi": e.message_vi } })
            }
        };
        let _ = tx.send(Event::default().data(last.to_string()));
        let _ = tx.send(Event::default().data("[DONE]"));
    });
    Ok(sse(rx))
}

async fn history_list(
    State(state): State<Shared>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.store.list_attempts(&q).await?)))
}

async fn history_get(State(state): State<Shared>, Path(id): Path<i64>) -> ApiResult<Response> {
    Ok(match state.store.get_attempt(id).await? {
        Some(a) => Json(json!(a)).into_response(),
        None => not_found(id),
    })
}

async fn history_delete(State(state): State<Shared>, Path(id): Path<i64>) -> ApiResult<Response> {
    Ok(if state.store.delete_attempt(id).await? {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found(id)
    })
}

#[derive(Debug, Deserialize)]
struct ClearQuery {
    confirm: Option<bool>,
}

/// Clearing everything needs `?confirm=true`: a stray DELETE must not wipe a learner's work.
async fn history_clear(
    State(state): State<Shared>,
    Query(q): Query<ClearQuery>,
) -> ApiResult<Json<Value>> {
    if q.confirm != Some(true) {
        return Err(ApiError::bad_request(
            "confirm_required",
            "add ?confirm=true to delete the whole history",
            "Cần xác nhận trước khi xoá toàn bộ lịch sử.",
        ));
    }
    Ok(Json(
        json!({ "deleted": state.store.clear_history().await? }),
    ))
}

fn not_found(id: i64) -> Response {
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found".into(),
        message: format!("no attempt {id}"),
        message_vi: "Không tìm thấy bài làm này.".into(),
    }
    .into_response()
}

#[derive(Debug, Deserialize)]
struct StatsQuery {
    /// Minutes east of UTC (Vietnam: 420).
    utc_offset_minutes: Option<i32>,
}

async fn stats(State(state): State<Shared>, Query(q): Query<StatsQuery>) -> ApiResult<Json<Value>> {
    let now = lexilingo_core::store::now_ms();
    Ok(Json(json!(
        state
            .store
            .progress(now, q.utc_offset_minutes.unwrap_or(420))
            .await?
    )))
}

#[derive(Debug, Deserialize)]
struct DueQuery {
    limit: Option<u32>,
}

/// Review cards due now, most overdue first.
async fn review_due(
    State(state): State<Shared>,
    Query(q): Query<DueQuery>,
) -> ApiResult<Json<Value>> {
    let now = lexilingo_core::store::now_ms();
    let limit = q.limit.unwrap_or(20).min(200);
    Ok(Json(json!(state.store.due_cards(now, limit).await?)))
}

#[derive(Debug, Deserialize)]
struct AnswerBody {
    answer: String,
}

/// Grades an answer to a review card (a different but correct fix needs the model) and
/// schedules the card's next review.
async fn review_answer(
    State(state): State<Shared>,
    Path(id): Path<i64>,
    Json(body): Json<AnswerBody>,
) -> ApiResult<Response> {
    let answer = body.answer;
    let store = state.store.clone();
    let feedback = on_model(&state, move |tutor, _cancel| async move {
        Ok(lexilingo_core::tasks::review::answer(&store, Some(&tutor), id, &answer).await)
    })
    .await?;
    Ok(match feedback? {
        Some(f) => Json(json!(f)).into_response(),
        None => not_found(id),
    })
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

/// The whole history as a file: JSON (re-importable) or CSV (for spreadsheets).
async fn history_export(
    State(state): State<Shared>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let csv = q.format.as_deref() == Some("csv");
    let format = if csv {
        lexilingo_core::store::ExportFormat::Csv
    } else {
        lexilingo_core::store::ExportFormat::Json
    };
    let out = state.store.export_bytes(format, None).await?;
    let (kind, ext) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/json", "json")
    };
    let day = chrono::Local::now().format("%Y-%m-%d");
    let disposition = format!("attachment; filename=\"lexilingo-history-{day}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        out,
    )
        .into_response())
}

/// Adds the attempts of a JSON export; attempts already present (same id) are left alone.
async fn history_import(
    State(state): State<Shared>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.store.import_json(&body).await?)))
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

/// The model screen: catalog, installed models, the download.
async fn models_overview(State(state): State<Shared>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.models.overview()?)))
}

#[derive(Debug, Deserialize)]
struct ModelIdBody {
    id: String,
}

/// Starts or resumes a download; `202`, progress on `/v1/models/download/events`.
async fn models_download(
    State(state): State<Shared>,
    Json(body): Json<ModelIdBody>,
) -> ApiResult<Response> {
    state.models.start(&body.id)?;
    Ok((StatusCode::ACCEPTED, Json(json!(state.models.status()))).into_response())
}

async fn models_pause(State(state): State<Shared>) -> Json<Value> {
    state.models.pause().await;
    Json(json!(state.models.status()))
}

async fn models_cancel(
    State(state): State<Shared>,
    Json(body): Json<ModelIdBody>,
) -> ApiResult<Json<Value>> {
    state.models.cancel(&body.id).await?;
    Ok(Json(json!(state.models.status())))
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

/// A request naming a path on this machine (a model to import, a folder to move data to).
#[derive(Debug, Deserialize)]
struct PathBody {
    path: PathBuf,
}

/// Copies a GGUF file on this machine into the models folder.
async fn models_import(
    State(state): State<Shared>,
    Json(body): Json<PathBody>,
) -> ApiResult<Json<Value>> {
    let model = state.models.import(&body.path).await?;
    // The first model installed becomes the active one: the next request starts it.
    state.tutor.reset().await;
    Ok(Json(json!(model)))
}

/// Switches the active model; the running engine stops and the next request starts the new one.
async fn models_activate(
    State(state): State<Shared>,
    Json(body): Json<ModelIdBody>,
) -> ApiResult<Json<Value>> {
    state.models.activate(&body.id)?;
    state.tutor.reset().await;
    Ok(Json(json!(state.models.overview()?)))
}

async fn engine_settings_get(State(state): State<Shared>) -> Json<Value> {
    Json(json!(EngineSettings::read(state.tutor.source())))
}

/// Saves threads and context size and restarts the engine with them.
async fn engine_settings_put(
    State(state): State<Shared>,
    Json(body): Json<EngineSettings>,
) -> ApiResult<Json<Value>> {
    body.save(state.tutor.source()).map_err(|e| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "settings_unsaved".into(),
        message: e.to_string(),
        message_vi: "Không lưu được cài đặt. Em kiểm tra quyền ghi của thư mục dữ liệu nhé.".into(),
    })?;
    state.tutor.reset().await;
    Ok(Json(json!(EngineSettings::read(state.tutor.source()))))
}

#[derive(Debug, Deserialize)]
struct SaveTurnsBody {
    id: Option<i64>,
    scenario: String,
    level: CefrLevel,
    turns: Vec<ChatMessage>,
}

/// Appends the newest messages of the window's conversation (a new one without `id`).
async fn conversations_save(
    State(state): State<Shared>,
    Json(body): Json<SaveTurnsBody>,
) -> ApiResult<Json<Value>> {
    let new = lexilingo_core::store::NewConversation {
        scenario: body.scenario,
        level: body.level,
        model_id: state.model_id(),
    };
    let turns: Vec<_> = body
        .turns
        .into_iter()
        .map(|m| (m.role, m.content))
        .collect();
    let id = state.store.append_turns(body.id, &new, &turns).await?;
    Ok(Json(json!({ "id": id })))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    limit: Option<u32>,
}

async fn conversations_list(
    State(state): State<Shared>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        state
            .store
            .list_conversations(q.limit.unwrap_or(50))
            .await?
    )))
}

async fn conversations_get(
    State(state): State<Shared>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(match state.store.get_conversation(id).await? {
        Some(c) => Json(json!(c)).into_response(),
        None => not_found(id),
    })
}

async fn conversations_delete(
    State(state): State<Shared>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(if state.store.delete_conversation(id).await? {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found(id)
    })
}

/// Copies the data folder to `path`, used from the next start without `--data-dir`.
async fn data_dir_move(
    State(state): State<Shared>,
    Json(body): Json<PathBody>,
) -> ApiResult<Json<Value>> {
    let (Some(from), Some(pointer)) = (
        state.tutor.source().data_dir.clone(),
        lexilingo_core::paths::data_dir_pointer(),
    ) else {
        return Err(ApiError::bad_request(
            "no_data_dir",
            "no data folder",
            "Không tìm thấy thư mục dữ liệu.",
        ));
    };
    let report = lexilingo_core::relocate::move_data(&state.store, &from, &body.path, &pointer)
        .await
        .map_err(|e| {
            let status = match e {
                lexilingo_core::relocate::MoveError::Io { .. }
                | lexilingo_core::relocate::MoveError::Store(_) => {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
                _ => StatusCode::BAD_REQUEST,
            };
            ApiError {
                status,
                code: e.code().into(),
                message: e.to_string(),
                message_vi: e.message_vi(),
            }
        })?;
    Ok(Json(json!(report)))
}
