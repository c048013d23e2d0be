//! The JSON-lines protocol between the app and its model worker process.
//!
//! One JSON object per line in each direction. The parent writes [`WorkerRequest`]s to the
//! worker's stdin and reads [`WorkerEvent`]s from its stdout; the worker's stderr carries logs.
//! Keeping the wire types in one module lets both sides (and tests) agree on the shape.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::EngineError;

/// The hidden first argument that turns the app's own executable into a model worker.
pub const WORKER_ARG: &str = "__lexilingo-engine-worker";

/// One chat message, in the roles llama.cpp's templates know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: Role,
    /// The text.
    pub content: String,
}

impl ChatMessage {
    /// A message with the given role.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }
}

/// Who said a [`ChatMessage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions to the model.
    System,
    /// The learner.
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// The role name llama.cpp's chat templates expect.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// How to generate one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerateRequest {
    /// The conversation, formatted with the model's own chat template.
    pub messages: Vec<ChatMessage>,
    /// A JSON schema the answer must match, or none for free text. The worker turns it into a
    /// GBNF grammar, so even that llama.cpp code runs on the crash-isolated side.
    pub json_schema: Option<serde_json::Value>,
    /// Stop after this many generated tokens.
    pub max_tokens: u32,
    /// 0 for greedy decoding (deterministic), otherwise the sampling temperature.
    pub temperature: f32,
    /// Seed for sampling when `temperature > 0`.
    pub seed: u32,
}

/// Settings the worker loads its model with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadSettings {
    /// Path to the GGUF file.
    pub model_path: std::path::PathBuf,
    /// Context window in tokens.
    pub n_ctx: u32,
    /// CPU threads for decoding.
    pub threads: u32,
}

/// A request from the parent to the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WorkerRequest {
    /// Load a model (first request of every worker).
    Load {
        /// Request id.
        id: u64,
        /// What to load.
        settings: LoadSettings,
    },
    /// Generate an answer, streaming tokens.
    Generate {
        /// Request id.
        id: u64,
        /// What to generate.
        request: GenerateRequest,
    },
    /// Generate answers to several requests as parallel sequences of one batch (no streaming).
    GenerateMany {
        /// Request id.
        id: u64,
        /// The requests (at most the worker's slot count).
        requests: Vec<GenerateRequest>,
    },
    /// The model's log-probability of each text (raw text, no chat template).
    Score {
        /// Request id.
        id: u64,
        /// The texts to score.
        texts: Vec<String>,
    },
    /// Each token of each text with its log-probability (raw text, no chat template): what
    /// `lexilingo serve` answers on `/v1/completions` with `echo`, so that another LexiLingo
    /// can score texts through it.
    ScoreTokens {
        /// Request id.
        id: u64,
        /// The texts to score.
        texts: Vec<String>,
    },
    /// For each alternative text, how much more likely the model finds the alternative's
    /// token than the text's own at the first token where the two differ (nats, left context
    /// only). One forward pass over `text` answers them all: a cheap ranking of many small
    /// edits, so that only the best few are scored as whole sentences.
    Rank {
        /// Request id.
        id: u64,
        /// The text the alternatives are edits of.
        text: String,
        /// The edited texts.
        alternatives: Vec<String>,
    },
    /// Stop the generation with this id at the next token.
    Cancel {
        /// Request id to cancel.
        id: u64,
    },
}

/// Why a generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model produced an end-of-generation token (or the grammar completed).
    EndOfText,
    /// `max_tokens` was reached.
    Length,
    /// The request was cancelled.
    Cancelled,
}

/// What the worker reports about its model once loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ModelInfo {
    /// `general.name` or the file name.
    pub name: String,
    /// Parameter count.
    #[ts(type = "number")]
    pub n_params: u64,
    /// Size of the weights in bytes.
    #[ts(type = "number")]
    pub size_bytes: u64,
    /// Context the model was trained with.
    pub n_ctx_train: u32,
    /// Context in use.
    pub n_ctx: u32,
    /// Threads in use.
    pub threads: u32,
    /// Milliseconds the load took.
    #[ts(type = "number")]
    pub load_ms: u64,
    /// Whether the model carries a chat template. A model without one (a base model) is
    /// prompted with a plain transcript: it still scores text, so the corrections the model
    /// checks still work, but its own answers are weak, so the UI says it is not a chat model.
    #[serde(default = "yes")]
    pub chat_template: bool,
}

fn yes() -> bool {
    true
}

/// The outcome of one generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// The full answer text.
    pub text: String,
    /// Why it ended.
    pub stop: StopReason,
    /// Tokens in the formatted prompt.
    pub prompt_tokens: u32,
    /// Prompt tokens reused from the KV cache instead of decoded again.
    #[serde(default)]
    pub cached_tokens: u32,
    /// Tokens generated.
    pub generated_tokens: u32,
    /// Milliseconds spent decoding the prompt.
    pub prompt_ms: u64,
    /// Milliseconds spent generating.
    pub generation_ms: u64,
}

/// How likely the model finds a text: the sum of `log p(token | previous tokens)` over its
/// tokens. Fluent text scores higher per token than broken text, and a correction that makes a
/// sentence more English raises it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TextScore {
    /// Tokens scored (every token after the first).
    pub tokens: u32,
    /// Sum of the natural-log probabilities of those tokens.
    pub logprob: f64,
    /// The least likely token's log-probability (0 when nothing was scored).
    pub min_logprob: f64,
}

/// One token of a scored text, as the OpenAI completions API reports it with `echo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredToken {
    /// The token's text; a piece that is not whole UTF-8 (part of a multi-byte letter) is
    /// spelt `bytes:\xe1\xba`, as vLLM and OpenAI spell it.
    pub token: String,
    /// `log p(token | previous tokens)`; `None` for the first token, which has no context.
    pub logprob: Option<f64>,
}

impl TextScore {
    /// The score of a text from its tokens: every token after the first, as the local worker
    /// sums them (same order, so the same number).
    pub fn from_tokens(tokens: &[ScoredToken]) -> Self {
        let scored = tokens.iter().skip(1).map(|t| t.logprob.unwrap_or(0.0));
        let mut score = TextScore::default();
        for lp in scored {
            score.tokens += 1;
            score.logprob += lp;
            score.min_logprob = score.min_logprob.min(lp);
        }
        score
    }

    /// Mean log-probability per scored token (0 when nothing was scored).
    pub fn mean(&self) -> f64 {
        if self.tokens == 0 {
            0.0
        } else {
            self.logprob / f64::from(self.tokens)
        }
    }
}

impl WorkerEvent {
    /// The id of the request the event belongs to.
    pub fn id(&self) -> u64 {
        match self {
            WorkerEvent::Loaded { id, .. }
            | WorkerEvent::Token { id, .. }
            | WorkerEvent::Done { id, .. }
            | WorkerEvent::DoneMany { id, .. }
            | WorkerEvent::Scored { id, .. }
            | WorkerEvent::TokensScored { id, .. }
            | WorkerEvent::Ranked { id, .. }
            | WorkerEvent::Failed { id, .. } => *id,
        }
    }
}

/// An event from the worker to the parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WorkerEvent {
    /// The model is loaded.
    Loaded {
        /// Request id.
        id: u64,
        /// The model.
        info: ModelInfo,
    },
    /// Decoded text of one or more new tokens (UTF-8 complete).
    Token {
        /// Request id.
        id: u64,
        /// The text.
        text: String,
    },
    /// A generation finished (including by cancellation).
    Done {
        /// Request id.
        id: u64,
        /// Outcome.
        generation: Generation,
    },
    /// All answers of a [`WorkerRequest::GenerateMany`], in request order.
    DoneMany {
        /// Request id.
        id: u64,
        /// One generation per request.
        generations: Vec<Generation>,
    },
    /// The scores of a [`WorkerRequest::Score`], in the order of its texts.
    Scored {
        /// Request id.
        id: u64,
        /// One score per text.
        scores: Vec<TextScore>,
    },
    /// The answer to a [`WorkerRequest::ScoreTokens`], in the order of its texts.
    TokensScored {
        /// Request id.
        id: u64,
        /// Each text's tokens.
        texts: Vec<Vec<ScoredToken>>,
    },
    /// The answer to a [`WorkerRequest::Rank`], in the order of its alternatives. `f64::MAX`
    /// where no token of the text can be compared (an alternative that only adds or removes
    /// text at the very end): such an alternative cannot be ranked and is kept.
    Ranked {
        /// Request id.
        id: u64,
        /// One gain per alternative, in nats.
        gains: Vec<f64>,
    },
    /// The request failed; the worker stays usable.
    Failed {
        /// Request id.
        id: u64,
        /// Why.
        error: EngineError,
    },
}
