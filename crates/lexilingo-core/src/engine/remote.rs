//! A remote backend: any OpenAI-compatible server (llama-server, vLLM, another
//! `lexilingo serve`) instead of the local worker — for a school whose laptops are too small.
//!
//! The tutoring tasks stay the same: a JSON schema goes out as `response_format` (llama-server,
//! vLLM and LexiLingo build a grammar from it); a server that refuses `response_format` gets the
//! schema in the prompt instead, and the task's parser validates the answer either way. Tokens
//! stream over server-sent events; cancelling drops the connection, which a well-behaved
//! server (LexiLingo does) turns into a stopped generation.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::protocol::{GenerateRequest, Generation, ModelInfo, Role, StopReason};
use crate::error::EngineError;

/// Where the remote model lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteConfig {
    /// Base URL including `/v1`, e.g. `http://school-server:8080/v1`.
    pub base_url: String,
    /// The model name the server expects.
    pub model: String,
    /// Bearer token, if the server needs one.
    pub api_key: Option<String>,
}

/// Talks to the server.
pub(crate) struct RemoteClient {
    config: RemoteConfig,
    http: reqwest::Client,
    /// Set after the server refused `response_format` once: from then on the schema goes in the
    /// prompt.
    no_response_format: std::sync::atomic::AtomicBool,
}

impl RemoteClient {
    /// The model name the server is asked for.
    pub(crate) fn model(&self) -> &str {
        &self.config.model
    }

    pub(crate) fn new(config: RemoteConfig) -> Result<Self, EngineError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // Between two streamed tokens; a whole answer may take minutes.
            .read_timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| EngineError::Remote {
                url: config.base_url.clone(),
                message: e.to_string(),
            })?;
        Ok(Self {
            config,
            http,
            no_response_format: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    fn error(&self, message: impl Into<String>) -> EngineError {
        EngineError::Remote {
            url: self.config.base_url.clone(),
            message: message.into(),
        }
    }

    fn request(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.config.api_key {
            Some(key) => builder.bearer_auth(key),
            None => builder,
        }
    }

    /// What the engine reports as its model.
    pub(crate) async fn model_info(&self) -> Result<ModelInfo, EngineError> {
        let started = Instant::now();
        let response = self
            .request(self.http.get(self.url("/models")))
            .send()
            .await
            .map_err(|e| self.error(describe(&e)))?;
        if !response.status().is_success() {
            return Err(self.error(format!("GET /models answered {}", response.status())));
        }
        Ok(ModelInfo {
            name: self.config.model.clone(),
            n_params: 0,
            size_bytes: 0,
            n_ctx_train: 0,
            n_ctx: 0,
            threads: 0,
            load_ms: started.elapsed().as_millis() as u64,
            // The server applies its own template.
            chat_template: true,
        })
    }

    pub(crate) async fn generate(
        &self,
        request: GenerateRequest,
        on_text: &mut (impl FnMut(&str) + Send),
        cancel: &CancellationToken,
    ) -> Result<Generation, EngineError> {
        use std::sync::atomic::Ordering;
        let with_format =
            request.json_schema.is_some() && !self.no_response_format.load(Ordering::Relaxed);
        let body = self.body(&request, with_format);
        let started = Instant::now();
        let mut response = self.post(&body).await?;
        if with_format && response.status() == reqwest::StatusCode::BAD_REQUEST {
            tracing::info!("the server refused response_format; sending the schema in the prompt");
            self.no_response_format.store(true, Ordering::Relaxed);
            response = self.post(&self.body(&request, false)).await?;
        }
        if !response.status().is_success() {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            return Err(self.error(format!(
                "{status}: {}",
                text.chars().take(300).collect::<String>()
            )));
        }
        let mut stream = response.bytes_stream();
        let mut buffer = Vec::new();
        let mut text = String::new();
        let mut pieces = 0u32;
        let mut first_token_ms = None;
        let mut stop = StopReason::EndOfText;
        let mut usage: Option<(u32, u32)> = None;
        'read: loop {
            let chunk = tokio::select! {
                biased;
                () = cancel.cancelled() => { stop = StopReason::Cancelled; break 'read; }
                chunk = stream.next() => chunk,
            };
            let Some(chunk) = chunk else { break };
            let chunk = chunk.map_err(|e| self.error(describe(&e)))?;
            buffer.extend_from_slice(&chunk);
            while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buffer.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line);
                let Some(data) = line.trim().strip_prefix("data:") else {
                    continue;
                };
                let data = data.trim();
                if data == "[DONE]" {
                    break 'read;
                }
                let event: Value = match serde_json::from_str(data) {
                    Ok(v) => v,
                    Err(_) => continue,
                };
                if let Some(message) = event.pointer("/error/message").and_then(Value::as_str) {
                    return Err(self.error(message.to_string()));
                }
                if let Some(u) = event.get("usage").filter(|u| u.is_object()) {
                    let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0) as u32;
                    usage = Some((n("prompt_tokens"), n("completion_tokens")));
                }
                let choice = &event["choices"][0];
                if let Some(piece) = choice.pointer("/delta/content").and_then(Value::as_str) {
                    if !piece.is_empty() {
                        first_token_ms.get_or_insert(started.elapsed().as_millis() as u64);
                        on_text(piece);
                        text.push_str(piece);
                        pieces += 1;
                    }
                }
                if choice.get("finish_reason").and_then(Value::as_str) == Some("length") {
                    stop = StopReason::Length;
                }
            }
        }
        let total_ms = started.elapsed().as_millis() as u64;
        let prompt_ms = first_token_ms.unwrap_or(total_ms);
        let (prompt_tokens, generated_tokens) = usage.unwrap_or((0, pieces));
        Ok(Generation {
            text,
            stop,
            prompt_tokens,
            cached_tokens: 0,
            generated_tokens,
            prompt_ms,
            generation_ms: total_ms - prompt_ms,
        })
    }

    async fn post(&self, body: &Value) -> Result<reqwest::Response, EngineError> {
        self.request(self.http.post(self.url("/chat/completions")))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| self.error(describe(&e)))
    }

    fn body(&self, request: &GenerateRequest, with_format: bool) -> Value {
        let mut messages: Vec<Value> = request
            .messages
            .iter()
            .map(|m| json!({ "role": m.role.as_str(), "content": m.content }))
            .collect();
        if let (Some(schema), false) = (&request.json_schema, with_format) {
            // No grammar on the server: ask in words and let the task's parser check.
            let instruction = format!(
                "Answer with only a JSON object that matches this JSON schema, nothing else: {schema}"
            );
            match messages
                .iter_mut()
                .find(|m| m["role"] == Role::System.as_str())
            {
                Some(system) => {
                    let text =
                        format!("{} {instruction}", system["content"].as_str().unwrap_or(""));
                    system["content"] = json!(text);
                }
                None => messages.insert(0, json!({ "role": "system", "content": instruction })),
            }
        }
        let mut body = json!({
            "model": self.config.model,
            "messages": messages,
            "stream": true,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
        });
        if let (Some(schema), true) = (&request.json_schema, with_format) {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": { "name": "answer", "schema": schema, "strict": true },
            });
        }
        body
    }
}

/// A reqwest error in words a learner's teacher can act on.
fn describe(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "cannot connect (is the server running and the address right?)".into()
    } else if e.is_timeout() {
        "the server did not answer in time".into()
    } else {
        e.to_string()
    }
}
