//! Review: the learner's own past mistakes, due again.

use lexilingo_core::store::DueCard;
use lexilingo_core::tasks::review::ReviewFeedback;

use crate::{App, AppError, ErrorCode};

impl App {
    /// Cards due now, most overdue first (at most 200).
    pub async fn review_due(&self, limit: u32) -> Result<Vec<DueCard>, AppError> {
        Ok(self
            .store()
            .await?
            .due_cards(lexilingo_core::store::now_ms(), limit.min(200))
            .await?)
    }

    /// Grades the learner's fix of a card and schedules its next review.
    ///
    /// One policy in every front end: an answer is graded by the card's edits (and the saved
    /// correction), which needs no model. Only an answer that differs from both is checked by
    /// the model, if one can be started; without a model that answer counts as wrong rather
    /// than the whole review failing, so Review works on a machine whose model is missing or
    /// still downloading.
    pub async fn review_answer(
        &self,
        attempt_id: i64,
        answer: &str,
    ) -> Result<ReviewFeedback, AppError> {
        let store = self.store().await?;
        let tutor = match self.tutor().await {
            Ok(t) => Some(t),
            Err(e) => {
                if e.code != ErrorCode::NoModel {
                    tracing::warn!("reviewing without the model: {}", e.detail);
                }
                None
            }
        };
        lexilingo_core::tasks::review::answer(store, tutor.as_ref(), attempt_id, answer)
            .await?
            .ok_or_else(|| AppError::not_found("attempt", attempt_id))
    }
}
