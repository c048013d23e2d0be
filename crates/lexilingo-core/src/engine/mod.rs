//! The model engine: a supervised worker process that owns llama.cpp, and the handle that talks
//! to it.
//!
//! llama.cpp reports many failures with `abort()`, which takes the whole process down and which
//! `catch_unwind` cannot stop. So the model never runs in the app's process: [`Engine`] starts the
//! same executable with a hidden argument ([`protocol::WORKER_ARG`]), speaks JSON lines with it,
//! and turns its death into [`EngineError::WorkerDied`]. The next request starts a fresh worker.
//! The model stays loaded in the worker between requests.
//!
//! ```no_run
//! # async fn demo() -> lexilingo_core::Result<()> {
//! use lexilingo_core::engine::{Engine, EngineConfig, GenerateRequest, ChatMessage, Role};
//! let engine = Engine::new(EngineConfig::new("model.gguf")?)?;
//! let answer = engine
//!     .generate(
//!         GenerateRequest::text(vec![ChatMessage::new(Role::User, "Hi!")], 32),
//!         |piece| print!("{piece}"),
//!         &Default::default(),
//!     )
//!     .await?;
//! println!("\n{} tokens", answer.generated_tokens);
//! # Ok(()) }
//! ```

pub mod cpu;
mod llama;
pub mod protocol;
mod remote;
mod supervisor;
mod worker;

pub use protocol::{
    ChatMessage, GenerateRequest, Generation, ModelInfo, Role, ScoredToken, StopReason, TextScore,
    WORKER_ARG,
};
pub use remote::RemoteConfig;
pub use supervisor::{Engine, EngineConfig, WorkerCommand, DEFAULT_N_CTX};
pub use tokio_util::sync::CancellationToken;
pub use worker::run_worker_if_requested;

impl GenerateRequest {
    /// Free-text generation, greedy.
    pub fn text(messages: Vec<ChatMessage>, max_tokens: u32) -> Self {
        Self {
            messages,
            json_schema: None,
            max_tokens,
            temperature: 0.0,
            seed: 0,
        }
    }

    /// Generation constrained to JSON matching `schema`, greedy.
    pub fn json(messages: Vec<ChatMessage>, schema: serde_json::Value, max_tokens: u32) -> Self {
        Self {
            messages,
            json_schema: Some(schema),
            max_tokens,
            temperature: 0.0,
            seed: 0,
        }
    }
}

/// Physical CPU cores: llama.cpp decodes fastest with one thread per physical core; hyper-threads
/// compete for the same vector units.
pub fn default_threads() -> u32 {
    num_cpus::get_physical().max(1) as u32
}

/// Loads the model at `path` in a fresh worker process (a small context, one thread), then
/// stops it. The header checks in [`crate::models::gguf`] catch most broken files, but only llama.cpp
/// knows whether it can use one (a tensor it does not expect, a tokenizer it cannot build), and
/// it may `abort()` while finding out, so the test runs behind the same crash boundary as the
/// real engine. Imports call this before registering a file, so a file llama.cpp refuses never
/// becomes the active model. Errors come back as text for the learner's message.
pub async fn probe_load(
    path: &std::path::Path,
    worker: WorkerCommand,
) -> std::result::Result<ModelInfo, String> {
    let config = EngineConfig {
        model_path: path.to_path_buf(),
        n_ctx: 256,
        threads: 1,
        worker,
    };
    let engine = Engine::new(config).map_err(|e| e.to_string())?;
    let result = engine.model_info().await.map_err(|e| match e {
        crate::Error::Engine(crate::error::EngineError::WorkerDied { status }) => {
            format!("the model worker stopped while loading it ({status})")
        }
        other => other.to_string(),
    });
    engine.shutdown().await;
    result
}
