//! The OpenAI-compatible part: `/v1/models` and `/v1/chat/completions` (with SSE streaming),
//! so any OpenAI client, or another LexiLingo acting as a remote backend, can use the model.

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

/// OpenAI's model list: the one model this server runs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ModelList {
    /// Always `list`.
    object: &'static str,
    /// The model.
    data: Vec<ModelCard>,
}

/// A model, as OpenAI describes one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ModelCard {
    /// The model's id (its file name without `.gguf` for an imported model).
    id: String,
    /// Always `model`.
    object: &'static str,
    /// Unix seconds.
    created: u64,
    /// Always `lexilingo`.
    owned_by: &'static str,
}

/// List models (OpenAI)
///
/// The model this server runs, in OpenAI's shape.
#[utoipa::path(get, path = "/v1/models", tag = "openai",
    responses((status = 200, description = "The model", body = ModelList)))]
pub(super) async fn models(State(state): State<Shared>) -> Json<ModelList> {
    Json(ModelList {
        object: "list",
        data: vec![ModelCard {
            id: state.app.model_id(),
            object: "model",
            created: unix_now(),
            owned_by: "lexilingo",
        }],
    })
}

/// OpenAI's chat completion request (the fields this server reads).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct ChatCompletionRequest {
    /// Ignored: the server runs one model. Echoed in the answer.
    #[serde(default)]
    model: Option<String>,
    /// The conversation; roles `system`, `developer`, `user`, `assistant`.
    messages: Vec<OpenAiMessage>,
    /// Answer as server-sent events of `chat.completion.chunk` objects, then `[DONE]`.
    #[serde(default)]
    stream: bool,
    /// 1–4096 (default 512); `max_completion_tokens` is read too.
    #[serde(default, alias = "max_completion_tokens")]
    max_tokens: Option<u64>,
    /// 0–2 (default 0: greedy).
    // Read as f64 so that 1e39 stays a number to refuse, not an f32 infinity.
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
    /// Sampling seed.
    #[serde(default)]
    seed: Option<u32>,
    /// `{"type": "json_object"}` or `{"type": "json_schema", "json_schema": {"schema": …}}`
    /// constrains the answer to JSON.
    #[serde(default)]
    response_format: Option<Value>,
}

/// A chat message, as OpenAI sends one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct OpenAiMessage {
    /// `system`, `developer`, `user` or `assistant`.
    role: String,
    /// A string, or a list of `{"type": "text", "text": …}` parts.
    content: Value,
}

/// OpenAI's chat completion answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ChatCompletion {
    /// `chatcmpl-…`.
    id: String,
    /// Always `chat.completion`.
    object: &'static str,
    /// Unix seconds.
    created: u64,
    /// The request's `model`, or the server's.
    model: String,
    /// One choice.
    choices: Vec<Choice>,
    /// Token counts.
    usage: Usage,
}

/// The answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct Choice {
    /// Always 0.
    index: u32,
    /// `stop` or `length`.
    finish_reason: &'static str,
    /// The assistant's message.
    message: AssistantMessage,
}

/// What the model wrote.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct AssistantMessage {
    /// Always `assistant`.
    role: &'static str,
    /// The text.
    content: String,
}

/// Token counts, as OpenAI reports them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct Usage {
    /// Tokens in the prompt.
    prompt_tokens: u64,
    /// Tokens generated.
    completion_tokens: u64,
    /// The sum.
    total_tokens: u64,
}

/// Content may be a string or a list of `{type: "text", text}` parts.
pub(super) fn content_text(content: &Value) -> String {
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
pub(super) const MAX_COMPLETION_TOKENS: u64 = 4096;

/// A sampling parameter outside its range: 400, before anything reaches the worker (an
/// infinite temperature used to reach it as `null` and silence it).
pub(super) fn out_of_range(name: &str, range: &str) -> ApiError {
    ApiError::bad_request(
        ErrorCode::BadParameter,
        format!("`{name}` must be a finite number in {range}"),
        "Tham số sinh văn bản nằm ngoài khoảng cho phép.",
    )
}

pub(super) fn check_range(name: &str, value: Option<f64>, lo: f64, hi: f64) -> ApiResult<()> {
    match value {
        Some(v) if !(v.is_finite() && (lo..=hi).contains(&v)) => {
            Err(out_of_range(name, &format!("[{lo}, {hi}]")))
        }
        _ => Ok(()),
    }
}

pub(super) fn to_request(body: &ChatCompletionRequest) -> ApiResult<GenerateRequest> {
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

pub(super) fn finish_reason(stop: StopReason) -> &'static str {
    match stop {
        StopReason::EndOfText | StopReason::Cancelled => "stop",
        StopReason::Length => "length",
    }
}

pub(super) fn completion_id() -> String {
    format!("chatcmpl-{}", uuid::Uuid::new_v4().simple())
}

/// Chat completion (OpenAI)
///
/// OpenAI-compatible chat with the local model. With `stream: true` the answer is
/// server-sent events of `chat.completion.chunk` objects, then `[DONE]`; a client that
/// disconnects cancels the generation.
#[utoipa::path(post, path = "/v1/chat/completions", tag = "openai", request_body = ChatCompletionRequest,
    responses((status = 200, description = "The completion (or, with `stream: true`, server-sent events)",
        content((ChatCompletion = "application/json"), (String = "text/event-stream")))))]
pub(super) async fn chat_completions(
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
        let (prompt, generated) = (
            u64::from(generation.prompt_tokens),
            u64::from(generation.generated_tokens),
        );
        return Ok(Json(ChatCompletion {
            id,
            object: "chat.completion",
            created,
            model,
            choices: vec![Choice {
                index: 0,
                finish_reason: finish_reason(generation.stop),
                message: AssistantMessage {
                    role: "assistant",
                    content: generation.text,
                },
            }],
            usage: Usage {
                prompt_tokens: prompt,
                completion_tokens: generated,
                total_tokens: prompt + generated,
            },
        })
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
