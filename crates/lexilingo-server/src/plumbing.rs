//! What every handler shares: the error type and the typed extractors, the model queue, and
//! the server-sent-event stream.

#[allow(unused_imports)]
use super::*;

/// An API error: the app's [`AppError`] (one code and text for every front end) with the
/// HTTP status, taken from the code unless a host-level refusal says otherwise.
pub(super) struct ApiError {
    pub(super) status: StatusCode,
    pub(super) error: AppError,
}

impl ApiError {
    /// `code` with its own status, the technical `message` as detail and a Vietnamese text.
    pub(super) fn full(
        status: StatusCode,
        code: ErrorCode,
        message: String,
        message_vi: &str,
    ) -> Self {
        let mut error = AppError::new(code, message);
        error.message_vi = message_vi.into();
        Self { status, error }
    }

    pub(super) fn bad_request(
        code: ErrorCode,
        message: impl Into<String>,
        message_vi: &str,
    ) -> Self {
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

/// Every error response's body: the OpenAI error shape, with the texts for the learner.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    /// What went wrong.
    pub(crate) error: ErrorObject,
}

/// An error: the app's stable code and its texts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorObject {
    /// Stable, for programs.
    code: ErrorCode,
    /// Technical detail, for a bug report.
    message: String,
    /// What to show a learner, in Vietnamese.
    message_vi: String,
    /// The same, in English.
    message_en: String,
    /// `invalid_request_error` (4xx) or `server_error` (5xx), as OpenAI names them.
    #[serde(rename = "type")]
    kind: &'static str,
}

/// The error object of a response body (and of a failed stream's last event).
pub(super) fn error_json(e: &AppError, status: StatusCode) -> ErrorObject {
    ErrorObject {
        code: e.code,
        message: e.detail.clone(),
        message_vi: e.message_vi.clone(),
        message_en: e.message_en.clone(),
        kind: if status.is_client_error() {
            "invalid_request_error"
        } else {
            "server_error"
        },
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: error_json(&self.error, self.status),
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        response
    }
}

pub(super) type ApiResult<T> = Result<T, ApiError>;

/// A typed answer as a JSON value, for a field of a larger object (an event, `{"hints": …}`).
/// `serde_json::to_value` widens an `f32` to `f64`, so a fluency of 4.2 went out as
/// 4.199999809265137 while the window's IPC sent 4.2; going through the text keeps each number
/// as its type prints it (the contract test compares the two hosts). Whole answers need none
/// of this: they go out as `Json(answer)`, serialized once.
pub(super) fn typed<T: Serialize>(value: &T) -> Value {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

/// A JSON body whose every failure is an [`ApiError`] in the usual shape: 415 without
/// `Content-Type: application/json` (so a cross-site form or `text/plain` POST, which needs no
/// preflight, never reaches a handler), 400/422 for JSON that does not parse or fit.
pub(super) struct ApiJson<T>(pub T);

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
pub(super) struct ApiQuery<T>(pub T);

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
pub(super) struct ApiPath<T>(pub T);

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
pub(super) fn not_json() -> ApiError {
    ApiError::full(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
        "the body must be JSON with `Content-Type: application/json`".into(),
        "Yêu cầu phải gửi dữ liệu JSON (Content-Type: application/json).",
    )
}

/// Whether `headers` say the body is JSON (`application/json`, parameters allowed).
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// Runs blocking file work (manifests, settings, catalog) off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(internal(format!("the task failed: {e}"))))
}

pub(super) fn internal(message: String) -> ApiError {
    AppError::internal(message).into()
}

/// A place in the model queue, released on drop.
pub(super) struct QueueSlot(Shared);

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Takes a place in the queue, or `503` when `queue` requests already wait.
pub(super) fn enqueue(state: &Shared) -> ApiResult<QueueSlot> {
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
pub(super) async fn on_model<T, F, Fut>(state: &Shared, work: F) -> ApiResult<T>
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
pub(super) async fn on_app<T, F, Fut>(state: &Shared, work: F) -> ApiResult<T>
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

pub(super) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Notes a client that left while its streaming request was still waiting for the engine
/// (a model loading, a busy blocking pool): its queue place frees with the dropped request
/// and no generation starts, which the log says, as it says when a running one is cancelled.
pub(super) struct StartGuard(bool);

impl StartGuard {
    pub(super) fn new() -> Self {
        Self(true)
    }

    pub(super) fn started(mut self) {
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
pub(super) fn sse(rx: mpsc::UnboundedReceiver<Event>) -> Response {
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|e| (Ok::<_, std::convert::Infallible>(e), rx))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Runs `work` in its own task, holding `slot`, as server-sent events: `{"token": …}` for each
/// piece `work` passes to its `on_text`, then the value it ends with, then `[DONE]`. As for
/// chat completions, a disconnect drops the receiver, the next send fails, and the token
/// given to `work` is cancelled (the generation stops at its next token).
pub(super) fn stream_pieces<W, Fut>(slot: QueueSlot, work: W) -> Response
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
