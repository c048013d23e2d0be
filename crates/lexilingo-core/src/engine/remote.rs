//! A remote backend: any OpenAI-compatible server (llama-server, vLLM, another
//! `lexilingo serve`) instead of the local worker — for a school whose laptops are too small.
//!
//! The tutoring tasks stay the same: a JSON schema goes out as `response_format` (llama-server,
//! vLLM and LexiLingo build a grammar from it); a server that refuses `response_format` gets the
//! schema in the prompt instead, and the task's parser validates the answer either way. Tokens
//! stream over server-sent events; cancelling drops the connection, which a well-behaved
//! server (LexiLingo does) turns into a stopped generation.
//!
//! Scoring (the log-probability of a given text, which the correction veto, the confusion
//! sets, the fluency score and the level use) goes through the OpenAI *completions* contract
//! that vLLM and `lexilingo serve` implement: `prompt` (a list of texts), `echo: true`,
//! `logprobs`, `max_tokens: 0` (vLLM versions that refuse 0 get 1, and the generated token is
//! cut off by its `text_offset`). Each prompt token comes back with its log-probability, the
//! first with `null`: the same numbers the local worker sums. Whether the server can do this
//! is found out once, on first use; a server that cannot (llama-server gives log-probabilities
//! of generated tokens only) is noted in diagnostics and the tasks fall back to their
//! model-independent signals, as before.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::protocol::{GenerateRequest, Generation, ModelInfo, Role, ScoredToken, StopReason};
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
    /// What the server does with `/completions` + `echo`, found out on first use.
    scoring: std::sync::Mutex<Scoring>,
    /// The server's answer to `/models`, kept: the tasks ask for the model's name often.
    info: tokio::sync::OnceCell<ModelInfo>,
}

/// Whether the server scores texts.
#[derive(Debug, Clone, PartialEq)]
enum Scoring {
    /// Not asked yet.
    Unknown,
    /// It does, with this `max_tokens` (0, or 1 for a server that refuses 0).
    Yes { max_tokens: u32 },
    /// It does not; why, for diagnostics.
    No(String),
}

/// The text a server is first asked to score, to find out whether it can.
const PROBE_TEXT: &str = "This is a short sentence.";

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
            // Below the servers' own idle limits (uvicorn, which vLLM runs on: 5 s; `lexilingo
            // serve`: 10 s), so a kept-alive connection is not reused just as the server
            // closes it.
            .pool_idle_timeout(Duration::from_secs(4))
            .build()
            .map_err(|e| EngineError::Remote {
                url: config.base_url.clone(),
                message: e.to_string(),
            })?;
        Ok(Self {
            config,
            http,
            no_response_format: std::sync::atomic::AtomicBool::new(false),
            scoring: std::sync::Mutex::new(Scoring::Unknown),
            info: tokio::sync::OnceCell::new(),
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

    /// What the engine reports as its model. The name is the one the server gives in
    /// `/models` as `general_name` (`lexilingo serve` does: the GGUF's `general.name`), else the
    /// configured model name; it selects the model's calibration, as for a local model.
    pub(crate) async fn model_info(&self) -> Result<ModelInfo, EngineError> {
        self.info
            .get_or_try_init(|| self.fetch_model_info())
            .await
            .cloned()
    }

    async fn fetch_model_info(&self) -> Result<ModelInfo, EngineError> {
        let started = Instant::now();
        let response = self
            .request(self.http.get(self.url("/models")))
            .send()
            .await
            .map_err(|e| self.error(describe(&e)))?;
        if !response.status().is_success() {
            return Err(self.error(format!("GET /models answered {}", response.status())));
        }
        let list: Value = response
            .text()
            .await
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let cards = list["data"].as_array().cloned().unwrap_or_default();
        let card = cards
            .iter()
            .find(|c| c["id"].as_str() == Some(&self.config.model))
            .or_else(|| (cards.len() == 1).then(|| &cards[0]));
        let name = card
            .and_then(|c| c["general_name"].as_str())
            .unwrap_or(&self.config.model)
            .to_string();
        Ok(ModelInfo {
            name,
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

    /// Whether the server scores texts; asks it once (one short text) when not known yet.
    pub(crate) async fn can_score(&self) -> bool {
        if self.scoring() == Scoring::Unknown {
            if let Err(e) = self.token_logprobs(vec![PROBE_TEXT.to_string()]).await {
                tracing::debug!(error = %e, "scoring probe failed");
            }
        }
        matches!(self.scoring(), Scoring::Yes { .. })
    }

    /// A line for diagnostics: whether the server scores texts, and if not, why.
    pub(crate) fn scoring_note(&self) -> String {
        let url = &self.config.base_url;
        match self.scoring() {
            Scoring::Unknown => format!("remote server {url}: scoring not tried yet"),
            Scoring::Yes { max_tokens } => format!(
                "remote server {url}: scores texts (/completions with echo, max_tokens {max_tokens})"
            ),
            Scoring::No(why) => format!(
                "remote server {url}: WARNING cannot score texts ({why}); the correction veto, the \
                 confusion sets and the model's part of fluency and level are off"
            ),
        }
    }

    fn scoring(&self) -> Scoring {
        self.scoring
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_scoring(&self, scoring: Scoring) {
        if let Scoring::No(why) = &scoring {
            tracing::warn!(
                url = %self.config.base_url,
                "the remote server cannot score texts ({why}); falling back to the signals that need no log-probabilities"
            );
        }
        *self
            .scoring
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = scoring;
    }

    /// Each text's tokens with their log-probabilities, from `/completions` with `echo`.
    pub(crate) async fn token_logprobs(
        &self,
        texts: Vec<String>,
    ) -> Result<Vec<Vec<ScoredToken>>, EngineError> {
        let max_tokens = match self.scoring() {
            Scoring::No(why) => {
                return Err(EngineError::Unsupported {
                    what: format!("scoring a text on this server ({why})"),
                })
            }
            Scoring::Yes { max_tokens } => max_tokens,
            Scoring::Unknown => 0,
        };
        let mut answer = self.complete(&texts, max_tokens).await?;
        let mut used = max_tokens;
        if let (Err(Refused::Status(_)), 0) = (&answer, max_tokens) {
            // vLLM refuses max_tokens 0 in some versions: one generated token, cut off below.
            used = 1;
            answer = self.complete(&texts, 1).await?;
        }
        match answer {
            Ok(tokens) => {
                self.set_scoring(Scoring::Yes { max_tokens: used });
                Ok(tokens)
            }
            Err(refused) => {
                let why = refused.to_string();
                self.set_scoring(Scoring::No(why.clone()));
                Err(EngineError::Unsupported {
                    what: format!("scoring a text on this server ({why})"),
                })
            }
        }
    }

    /// One `/completions` request; `Err(Refused)` when the server answered but cannot score.
    async fn complete(
        &self,
        texts: &[String],
        max_tokens: u32,
    ) -> Result<Result<Vec<Vec<ScoredToken>>, Refused>, EngineError> {
        let body = json!({
            "model": self.config.model,
            "prompt": texts,
            "echo": true,
            "logprobs": 1,
            "max_tokens": max_tokens,
            "temperature": 0.0,
        });
        let response = self.send_json("/completions", &body).await?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let text: String = text.chars().take(200).collect();
            return match status.as_u16() {
                // The endpoint or the parameters are not supported.
                400 | 404 | 405 | 422 | 500 | 501 => Ok(Err(Refused::Status(format!(
                    "/completions answered {status}: {text}"
                )))),
                // Anything else (busy, unauthorised) is an error of this request only.
                _ => Err(self.error(format!("/completions answered {status}: {text}"))),
            };
        }
        let text = response
            .text()
            .await
            .map_err(|e| self.error(describe(&e)))?;
        let answer: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => return Ok(Err(Refused::Answer(format!("is not JSON: {e}")))),
        };
        Ok(parse_echo(&answer, texts, max_tokens).map_err(Refused::Answer))
    }

    /// For each alternative, the model's preference for it at the first token where it
    /// departs from `text`: the same number the local worker's one-pass ranking gives, read
    /// here from each text's own token log-probabilities (a server has no one-pass probe).
    pub(crate) async fn rank(
        &self,
        text: String,
        alternatives: Vec<String>,
    ) -> Result<Vec<f64>, EngineError> {
        let mut texts = vec![text];
        texts.extend(alternatives);
        let scored = self.token_logprobs(texts).await?;
        let Some((base, alternatives)) = scored.split_first() else {
            return Ok(Vec::new());
        };
        Ok(alternatives
            .iter()
            .map(|alt| departure_gain(base, alt))
            .collect())
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
        self.send_json("/chat/completions", body).await
    }

    /// POSTs `body`; sent again once when the connection broke before any answer came (a
    /// kept-alive connection the server closed at that moment), which is safe: neither
    /// endpoint changes anything on the server.
    async fn send_json(&self, path: &str, body: &Value) -> Result<reqwest::Response, EngineError> {
        let body = body.to_string();
        let send = || {
            self.request(self.http.post(self.url(path)))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send()
        };
        match send().await {
            Err(e) if e.is_request() && !e.is_connect() && !e.is_timeout() => {
                tracing::debug!(error = %e, "the connection broke before an answer; sending again");
                send().await.map_err(|e| self.error(describe(&e)))
            }
            other => other.map_err(|e| self.error(describe(&e))),
        }
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

/// Why a server that answered cannot score.
#[derive(Debug)]
enum Refused {
    /// It refused the request.
    Status(String),
    /// Its answer has no prompt log-probabilities.
    Answer(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Status(s) => f.write_str(s),
            Refused::Answer(s) => write!(f, "its /completions answer {s}"),
        }
    }
}

/// The prompt tokens of each text from a `/completions` answer with `echo`: choice `i` is text
/// `i`; its `logprobs.tokens` and `logprobs.token_logprobs` give each token, the first with
/// `null`. With `max_tokens` 1 the generated token (whose `text_offset` is at or past the end
/// of the prompt) is dropped.
fn parse_echo(
    answer: &Value,
    texts: &[String],
    max_tokens: u32,
) -> Result<Vec<Vec<ScoredToken>>, String> {
    let choices = answer["choices"].as_array().ok_or("has no `choices`")?;
    let mut out: Vec<Option<Vec<ScoredToken>>> = vec![None; texts.len()];
    for (n, choice) in choices.iter().enumerate() {
        let index = choice["index"].as_u64().map_or(n, |i| i as usize);
        let text = texts
            .get(index)
            .ok_or_else(|| format!("has a choice {index} for {} texts", texts.len()))?;
        let logprobs = &choice["logprobs"];
        let (Some(tokens), Some(lps)) = (
            logprobs["tokens"].as_array(),
            logprobs["token_logprobs"].as_array(),
        ) else {
            return Err("has no `logprobs.tokens` and `logprobs.token_logprobs`".into());
        };
        if tokens.len() != lps.len() {
            return Err("has as many tokens as log-probabilities".into());
        }
        let offsets = logprobs["text_offset"].as_array();
        let prompt_chars = text.chars().count() as u64;
        let mut scored = Vec::with_capacity(tokens.len());
        for (i, (token, lp)) in tokens.iter().zip(lps).enumerate() {
            let past_prompt = match offsets.and_then(|o| o.get(i)).and_then(Value::as_u64) {
                Some(offset) => offset >= prompt_chars && i > 0,
                // Without offsets, the generated token is the last.
                None => max_tokens > 0 && i + 1 == tokens.len(),
            };
            if max_tokens > 0 && past_prompt {
                break;
            }
            let token = token.as_str().ok_or("has a token that is not text")?;
            let logprob = match (i, lp.as_f64()) {
                (0, None) => None,
                (0, Some(_)) => {
                    return Err(
                        "gives the first token a log-probability: it is not echoing the prompt"
                            .into(),
                    )
                }
                (_, Some(lp)) => Some(lp),
                (_, None) => return Err("has a prompt token without a log-probability".into()),
            };
            scored.push(ScoredToken {
                token: token.to_string(),
                logprob,
            });
        }
        if scored.is_empty() {
            return Err("has no prompt tokens".into());
        }
        out[index] = Some(scored);
    }
    out.into_iter()
        .enumerate()
        .map(|(i, t)| t.ok_or_else(|| format!("has no choice for text {i}")))
        .collect()
}

/// How much more likely the model finds `alt`'s token than `base`'s at the first token where
/// they differ; `f64::MAX` when they differ nowhere comparable (see [`super::WorkerEvent::Ranked`]).
fn departure_gain(base: &[ScoredToken], alt: &[ScoredToken]) -> f64 {
    let k = base
        .iter()
        .zip(alt)
        .take_while(|(a, b)| a.token == b.token)
        .count();
    if k == 0 || k >= base.len() || k >= alt.len() {
        return f64::MAX;
    }
    match (alt[k].logprob, base[k].logprob) {
        (Some(a), Some(b)) => a - b,
        _ => f64::MAX,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::TextScore;

    fn texts(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_echo_answer_gives_the_prompt_tokens_and_sums_like_the_worker() {
        // vLLM's shape with max_tokens 1: the generated token (offset at the end) is dropped.
        let answer = json!({ "choices": [
            { "index": 1, "text": "Hi there!x", "logprobs": {
                "tokens": ["Hi", " there", "!", "x"],
                "token_logprobs": [null, -2.5, -0.5, -9.0],
                "text_offset": [0, 2, 8, 9] } },
            { "index": 0, "text": "She go.", "logprobs": {
                "tokens": ["She", " go", "."],
                "token_logprobs": [null, -8.0, -1.0],
                "text_offset": [0, 3, 6] } },
        ]});
        let parsed = parse_echo(&answer, &texts(&["She go.", "Hi there!"]), 1).expect("parsed");
        assert_eq!(parsed[0].len(), 3);
        assert_eq!(
            parsed[1].len(),
            3,
            "the generated token is not part of the text"
        );
        let score = TextScore::from_tokens(&parsed[0]);
        assert_eq!(score.tokens, 2);
        assert_eq!(score.logprob, -9.0);
        assert_eq!(score.min_logprob, -8.0);
        assert_eq!(TextScore::from_tokens(&parsed[1]).logprob, -3.0);
    }

    #[test]
    fn an_answer_without_prompt_logprobs_means_the_server_cannot_score() {
        // llama-server: log-probabilities of the generated token only.
        let generated_only = json!({ "choices": [{ "index": 0, "logprobs": {
            "tokens": ["x"], "token_logprobs": [-1.0], "text_offset": [7] } }]});
        assert!(parse_echo(&generated_only, &texts(&["She go."]), 0).is_err());
        let no_logprobs = json!({ "choices": [{ "index": 0, "text": "She go." }]});
        assert!(parse_echo(&no_logprobs, &texts(&["She go."]), 0).is_err());
        assert!(parse_echo(&json!({}), &texts(&["She go."]), 0).is_err());
        let missing_text = json!({ "choices": [{ "index": 0, "logprobs": {
            "tokens": ["She", " go"], "token_logprobs": [null, -1.0] } }]});
        assert!(parse_echo(&missing_text, &texts(&["She go.", "Hi."]), 0).is_err());
    }

    #[test]
    fn the_gain_is_read_where_the_alternative_departs() {
        let tok = |t: &str, lp: Option<f64>| ScoredToken {
            token: t.into(),
            logprob: lp,
        };
        let base = [
            tok("She", None),
            tok(" go", Some(-8.0)),
            tok(".", Some(-1.0)),
        ];
        let alt = [
            tok("She", None),
            tok(" goes", Some(-3.0)),
            tok(".", Some(-0.5)),
        ];
        assert_eq!(departure_gain(&base, &alt), 5.0);
        // Only adds text at the end: nothing comparable, kept (as the worker does).
        let longer = [
            tok("She", None),
            tok(" go", Some(-8.0)),
            tok(".", Some(-1.0)),
            tok("!", Some(-2.0)),
        ];
        assert_eq!(departure_gain(&base, &longer), f64::MAX);
        // Differs at the first token: no context to compare.
        let other = [tok("He", None), tok(" go", Some(-8.0))];
        assert_eq!(departure_gain(&base, &other), f64::MAX);
    }
}
