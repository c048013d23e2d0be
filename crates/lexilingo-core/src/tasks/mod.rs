//! The five tutoring tasks and `analyze`, on top of the [`Engine`].
//!
//! Each task is a pure prompt builder, a JSON schema that constrains the model's answer, and a
//! pure parser into a typed result. Parsers reject and report; they never fill in a default (the
//! original client turned every unreadable level into "A1").

pub mod analyze;
pub mod correction;
pub mod dialogue;
pub mod drill;
pub mod explanation;
pub mod fluency;
pub mod review;
pub mod suggest;
pub mod vocabulary;

use serde::de::DeserializeOwned;

use crate::engine::{
    CancellationToken, ChatMessage, Engine, GenerateRequest, Generation, Role, StopReason,
};
use crate::error::{EngineError, ParseError, Result};
use crate::language::lexicon::Lexicon;

pub use analyze::{AnalyzeResult, Verdict, VerdictKind};
pub use correction::{Candidates, CorrectionResult, CorrectionSource};
pub use dialogue::{max_sentences, Cut, DialogueReply, DialogueSettings, ReplyGuard, Scenario};
pub use drill::{Drill, DrillFeedback, DrillItem, DrillSource};
pub use explanation::Explanation;
pub use fluency::{FluencyResult, FluencySignals};
pub use suggest::Suggestion;
pub use vocabulary::VocabularyResult;

/// The tutor: the tasks, run on one engine.
#[derive(Clone)]
pub struct Tutor {
    engine: Engine,
    lexicon: &'static Lexicon,
    /// Set only while fitting them (`lexilingo eval gug --fit-thresholds`).
    thresholds: Option<crate::calibration::Thresholds>,
}

impl Tutor {
    /// A tutor that runs its tasks on `engine`, with the built-in word lists.
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            lexicon: Lexicon::builtin(),
            thresholds: None,
        }
    }

    /// This tutor with `thresholds` instead of the calibrated ones (for fitting them).
    pub fn with_thresholds(mut self, thresholds: crate::calibration::Thresholds) -> Self {
        self.thresholds = Some(thresholds);
        self
    }

    /// The engine underneath.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The model's log-probability of `sentence`, or `None` on a backend that cannot score
    /// (a remote server without `/completions` log-probabilities).
    pub(crate) async fn own_score(
        &self,
        sentence: &str,
    ) -> Result<Option<crate::engine::TextScore>> {
        if !self.engine.can_score().await {
            return Ok(None);
        }
        Ok(self
            .engine
            .score(vec![sentence.to_string()])
            .await?
            .first()
            .copied())
    }

    /// The loaded model's name (`general.name`), which selects its calibration.
    pub async fn model_name(&self) -> Result<String> {
        Ok(self.engine.model_info().await?.name)
    }

    /// Runs one JSON-constrained prompt and parses the answer into `T`.
    async fn ask_json<T: DeserializeOwned>(
        &self,
        system: &str,
        user: String,
        schema: serde_json::Value,
        max_tokens: u32,
        cancel: &CancellationToken,
    ) -> Result<T> {
        let messages = vec![
            ChatMessage::new(Role::System, system),
            ChatMessage::new(Role::User, user),
        ];
        let request = GenerateRequest::json(messages, schema, max_tokens);
        let generation = self.engine.generate(request, |_| {}, cancel).await?;
        Ok(parse_json(&generation, max_tokens)?)
    }
}

/// Parses a finished generation as JSON into `T`, refusing cut-off or malformed answers.
pub fn parse_json<T: DeserializeOwned>(
    generation: &Generation,
    max_tokens: u32,
) -> std::result::Result<T, TaskFailure> {
    match generation.stop {
        StopReason::Cancelled => return Err(TaskFailure::Cancelled),
        StopReason::Length => return Err(TaskFailure::Parse(ParseError::Truncated { max_tokens })),
        StopReason::EndOfText => {}
    }
    serde_json::from_str(generation.text.trim()).map_err(|e| {
        TaskFailure::Parse(ParseError::InvalidJson {
            message: e.to_string(),
            raw: generation.text.clone(),
        })
    })
}

/// Why a generation could not be turned into a task result.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskFailure {
    /// The caller cancelled it.
    Cancelled,
    /// The answer was unusable.
    Parse(ParseError),
}

impl From<TaskFailure> for crate::Error {
    fn from(f: TaskFailure) -> Self {
        match f {
            TaskFailure::Cancelled => EngineError::Cancelled.into(),
            TaskFailure::Parse(p) => p.into(),
        }
    }
}

/// Strips quotes and labels a small model sometimes wraps around a sentence.
pub(crate) fn clean_sentence(text: &str) -> String {
    let t = text.trim();
    let t = t
        .strip_prefix("Corrected:")
        .or_else(|| t.strip_prefix("Correction:"))
        .unwrap_or(t)
        .trim();
    let t = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(t);
    t.trim().to_string()
}
