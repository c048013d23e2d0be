//! Grading a review answer: the learner retypes one of their own wrong sentences, fixed.
//! Shared by `lexilingo review`, the app's Review screen and `lexilingo serve`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Tutor;
use crate::engine::CancellationToken;
use crate::store::{answer_matches, ReviewGrade, Store, StoreError};

/// What the learner is told after answering a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReviewFeedback {
    /// How the answer was graded.
    pub grade: ReviewGrade,
    /// When the card comes back (Unix milliseconds).
    #[ts(type = "number")]
    pub next_due_at: i64,
    /// The saved correction, to show beside the learner's answer.
    pub expected: String,
}

/// Exact (normalised) match → Good. Otherwise, with a model, an answer that changed the
/// sentence and that the tutor finds nothing wrong with → Hard (a different but correct fix).
/// Anything else → Again.
pub async fn grade(
    tutor: Option<&Tutor>,
    wrong: &str,
    expected: &str,
    answer: &str,
) -> ReviewGrade {
    if answer_matches(answer, expected) {
        return ReviewGrade::Good;
    }
    if answer.trim().is_empty() || answer_matches(answer, wrong) {
        return ReviewGrade::Again;
    }
    let Some(tutor) = tutor else {
        return ReviewGrade::Again;
    };
    match tutor
        .correct_grammar(answer, &CancellationToken::new())
        .await
    {
        Ok(c) if c.edits.is_empty() && c.rejected_rewrite.is_none() => ReviewGrade::Hard,
        Ok(_) => ReviewGrade::Again,
        Err(e) => {
            tracing::warn!("could not check the answer with the model: {e}");
            ReviewGrade::Again
        }
    }
}

/// Grades `answer` for the card of `attempt_id`, records it, and says when it comes back.
/// `None` when there is no such attempt (deleted meanwhile).
pub async fn answer(
    store: &Store,
    tutor: Option<&Tutor>,
    attempt_id: i64,
    answer: &str,
) -> Result<Option<ReviewFeedback>, StoreError> {
    let Some(attempt) = store.get_attempt(attempt_id).await? else {
        return Ok(None);
    };
    let expected = attempt.corrected.unwrap_or_else(|| attempt.text.clone());
    let grade = grade(tutor, &attempt.text, &expected, answer).await;
    let outcome = store
        .record_review(attempt_id, grade, crate::store::now_ms())
        .await?;
    Ok(Some(ReviewFeedback {
        grade,
        next_due_at: outcome.next_due_at,
        expected,
    }))
}
