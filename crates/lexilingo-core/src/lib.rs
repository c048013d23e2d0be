//! LexiLingo's tutoring core: everything but the user interface.
//!
//! A learner's sentence goes to a language model that runs on the learner's own machine
//! (llama.cpp, in a crash-isolated worker process) and comes back as typed results: a fluency
//! score, a CEFR level with per-word levels from published word lists, a correction as minimal
//! typed edits, and a Vietnamese explanation of each edit. The CLI and the desktop app are thin
//! shells over this crate.
//!
//! ```no_run
//! # async fn demo() -> lexilingo_core::Result<()> {
//! use lexilingo_core::{engine::{Engine, EngineConfig, CancellationToken}, Tutor};
//! let tutor = Tutor::new(Engine::new(EngineConfig::new("qwen2.5-1.5b-instruct-q4_k_m.gguf")?)?);
//! let result = tutor.analyze("She don't like apples.", &CancellationToken::new()).await?;
//! for e in &result.explanations {
//!     println!("{} → {}: {}", e.edit.original, e.edit.replacement, e.explanation_vi);
//! }
//! # Ok(()) }
//! ```
//!
//! Binaries that host an engine must call [`engine::run_worker_if_requested`] first in `main`.

pub mod calibration;
pub mod engine;
pub mod error;
pub mod input;
pub mod language;
pub mod models;
pub mod store;
pub mod tasks;
pub mod text;

pub use error::{Error, Result};
pub use language::cefr::CefrLevel;
pub use language::error_types::ErrorType;
pub use tasks::Tutor;
