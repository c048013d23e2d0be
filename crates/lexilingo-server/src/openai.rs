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
    /// The model's `general.name`, under which its calibration is filed: a LexiLingo using
    /// this server as its backend picks the same thresholds and fluency fit as a local one.
    #[serde(skip_serializing_if = "Option::is_none")]
    general_name: Option<String>,
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
            general_name: state.app.model_calibration_name(),
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

/// OpenAI's (legacy) completions request, for scoring: the fields this server reads.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct CompletionRequest {
    /// Ignored: the server runs one model. Echoed in the answer.
    #[serde(default)]
    model: Option<String>,
    /// A text, or a list of at most [`MAX_SCORED_TEXTS`] texts.
    prompt: Value,
    /// Must be `true`: the answer gives each prompt token's log-probability.
    #[serde(default)]
    echo: bool,
    /// 0–5. Read for compatibility; `top_logprobs` is always `null` here.
    #[serde(default)]
    logprobs: Option<u32>,
    /// Must be 0: this endpoint scores texts, it does not continue them (chat with
    /// `/v1/chat/completions`). OpenAI's default is 16, so it must be sent.
    #[serde(default)]
    max_tokens: Option<u64>,
    /// Validated, not used (nothing is sampled).
    #[serde(default)]
    temperature: Option<f64>,
}

/// The most texts one scoring request may carry.
pub(super) const MAX_SCORED_TEXTS: usize = 64;

/// Longest text scored, in characters (far above a learner's paragraph; the model's context
/// is the real limit and is checked by the worker).
pub(super) const MAX_SCORED_CHARS: usize = 8_000;

/// OpenAI's completions answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct Completion {
    /// `cmpl-…`.
    id: String,
    /// Always `text_completion`.
    object: &'static str,
    /// Unix seconds.
    created: u64,
    /// The request's `model`, or the server's.
    model: String,
    /// One choice per text, in order.
    choices: Vec<CompletionChoice>,
    /// Token counts.
    usage: Usage,
}

/// One text, echoed with its tokens' log-probabilities.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct CompletionChoice {
    /// The text's place in `prompt`.
    index: u32,
    /// The text itself (`echo`).
    text: String,
    /// Always `length` (nothing was generated: `max_tokens` is 0).
    finish_reason: &'static str,
    /// Each token and its log-probability.
    logprobs: CompletionLogprobs,
}

/// Per-token log-probabilities, as OpenAI and vLLM give them with `echo`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct CompletionLogprobs {
    /// The tokens' text (`bytes:\xNN` for a piece of a multi-byte letter).
    tokens: Vec<String>,
    /// Natural-log probability of each token given the ones before; `null` for the first.
    token_logprobs: Vec<Option<f64>>,
    /// Where each token starts in the text, in characters.
    text_offset: Vec<u64>,
    /// Always `null`: alternatives are not listed.
    #[schema(value_type = Option<Object>)]
    top_logprobs: Option<Value>,
}

/// Checks a scoring request and returns its texts.
pub(super) fn scored_texts(body: &CompletionRequest) -> ApiResult<Vec<String>> {
    check_range("temperature", body.temperature, 0.0, 2.0)?;
    if body.logprobs.is_some_and(|n| n > 5) {
        return Err(out_of_range("logprobs", "0..=5"));
    }
    if !body.echo || body.max_tokens != Some(0) {
        return Err(ApiError::bad_request(
            ErrorCode::BadParameter,
            "this server's /v1/completions only scores texts: send `echo: true` and \
             `max_tokens: 0` (generate with /v1/chat/completions)",
            "Điểm cuối này chỉ chấm điểm văn bản (echo: true, max_tokens: 0).",
        ));
    }
    let texts: Vec<String> = match &body.prompt {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => {
            return Err(ApiError::bad_request(
                ErrorCode::BadParameter,
                "`prompt` must be a text or a list of texts",
                "`prompt` phải là một văn bản hoặc danh sách văn bản.",
            ))
        }
    };
    if texts.is_empty() || texts.len() > MAX_SCORED_TEXTS {
        return Err(out_of_range(
            "prompt",
            &format!("1..={MAX_SCORED_TEXTS} texts"),
        ));
    }
    for text in &texts {
        if text.trim().is_empty() || text.chars().count() > MAX_SCORED_CHARS {
            return Err(ApiError::bad_request(
                ErrorCode::BadParameter,
                format!("each text must be 1..={MAX_SCORED_CHARS} characters, not blank"),
                "Văn bản trống hoặc quá dài.",
            ));
        }
        lexilingo_core::input::check_printable(text)
            .map_err(|e| ApiError::from(lexilingo_core::Error::from(e)))?;
    }
    Ok(texts)
}

/// Completions, for scoring (OpenAI, vLLM)
///
/// The log-probability of each token of each text under the model: `echo: true` with
/// `max_tokens: 0`, as vLLM serves it. Another LexiLingo pointed at this server scores its
/// corrections through this, so the correction veto, the confusion sets and the fluency signal
/// work as with a local model. Generation is not offered here; use `/v1/chat/completions`.
#[utoipa::path(post, path = "/v1/completions", tag = "openai", request_body = CompletionRequest,
    responses((status = 200, description = "Each text with its tokens' log-probabilities", body = Completion)))]
pub(super) async fn completions(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<CompletionRequest>,
) -> ApiResult<Json<Completion>> {
    let texts = scored_texts(&body)?;
    let model = body.model.clone().unwrap_or_else(|| state.app.model_id());
    let scored = {
        let texts = texts.clone();
        on_model(&state, move |tutor, _cancel| async move {
            tutor.engine().token_logprobs(texts).await
        })
        .await?
    };
    let mut prompt_tokens = 0u64;
    let choices = texts
        .into_iter()
        .zip(scored)
        .enumerate()
        .map(|(index, (text, tokens))| {
            prompt_tokens += tokens.len() as u64;
            let limit = text.chars().count() as u64;
            let mut bytes = Vec::new();
            let mut text_offset = Vec::with_capacity(tokens.len());
            for t in &tokens {
                text_offset.push(whole_chars(&bytes).min(limit));
                bytes.extend(token_bytes(&t.token));
            }
            CompletionChoice {
                index: index as u32,
                text,
                finish_reason: "length",
                logprobs: CompletionLogprobs {
                    token_logprobs: tokens.iter().map(|t| t.logprob).collect(),
                    tokens: tokens.into_iter().map(|t| t.token).collect(),
                    text_offset,
                    top_logprobs: None,
                },
            }
        })
        .collect();
    Ok(Json(Completion {
        id: format!("cmpl-{}", uuid::Uuid::new_v4().simple()),
        object: "text_completion",
        created: unix_now(),
        model,
        choices,
        usage: Usage {
            prompt_tokens,
            completion_tokens: 0,
            total_tokens: prompt_tokens,
        },
    }))
}

/// A token's bytes: its text, or the bytes a `bytes:\xNN…` token spells.
fn token_bytes(token: &str) -> Vec<u8> {
    match token.strip_prefix("bytes:") {
        Some(hex) => hex
            .split("\\x")
            .filter(|h| !h.is_empty())
            .filter_map(|h| u8::from_str_radix(h, 16).ok())
            .collect(),
        None => token.as_bytes().to_vec(),
    }
}

/// Characters in the whole-UTF-8 prefix of `bytes` (a letter split across tokens counts once
/// it is complete), for `text_offset`.
fn whole_chars(bytes: &[u8]) -> u64 {
    let valid = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
    };
    valid.chars().count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_a_letter_split_across_byte_tokens_once() {
        // "Phở ngon" as SmolLM2 splits it: "Ph", two byte tokens for "ở", " n", "gon".
        let tokens = ["Ph", "bytes:\\xe1\\xbb", "bytes:\\x9f", " n", "gon"];
        let mut bytes = Vec::new();
        let mut offsets = Vec::new();
        for t in tokens {
            offsets.push(whole_chars(&bytes));
            bytes.extend(token_bytes(t));
        }
        assert_eq!(offsets, [0, 2, 2, 3, 5]);
        assert_eq!(String::from_utf8(bytes).expect("UTF-8"), "Phở ngon");
    }
}
