//! Drills ("Luyện lỗi này"): a short set of sentences with one type of mistake, the learner's
//! own first, then sentences the model writes and the tutor checks
//! ([`lexilingo_core::tasks::drill`]).

use lexilingo_core::engine::CancellationToken;
use lexilingo_core::language::cefr::CefrLevel;
use lexilingo_core::language::error_types::ErrorType;
use lexilingo_core::tasks::drill::{self, Drill, DrillFeedback, DrillItem};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{App, AppError, ErrorCode};

/// Which mistake to drill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct DrillRequest {
    /// The type of mistake.
    pub error_type: ErrorType,
}

/// One more model-written item for a drill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct DrillItemRequest {
    /// The type of mistake.
    pub error_type: ErrorType,
    /// The learner's level: the sentence keeps to it.
    #[serde(default = "default_level")]
    pub level: CefrLevel,
    /// The drill's sentences so far (the new one differs from them).
    #[serde(default)]
    pub avoid: Vec<String>,
    /// Picks the topic and seeds the sampling (default: the number of sentences to avoid, so
    /// each item of a drill differs). A client that wants new sentences on a new drill sends
    /// a random one.
    #[serde(default)]
    pub seed: Option<u32>,
}

/// The new item, or none when the model wrote nothing the tutor could check within its tries
/// (the drill then goes on with the items it has).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct NewDrillItem {
    /// The item.
    pub item: Option<DrillItem>,
}

/// The learner's answer to a drill item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct DrillAnswer {
    /// The item as the drill gave it.
    pub item: DrillItem,
    /// The learner's fix.
    pub answer: String,
}

fn default_level() -> CefrLevel {
    CefrLevel::A2
}

/// The most items the learner's own history is read for (one per distinct sentence is kept).
const OWN_ROWS: u32 = 40;

impl App {
    /// A drill of one mistake type: the learner's own sentences with a sure mistake of it, and
    /// how many more the model should write.
    pub async fn drill(&self, req: &DrillRequest) -> Result<Drill, AppError> {
        let own = self
            .store()
            .await?
            .attempts_with_mistake(req.error_type, OWN_ROWS)
            .await?;
        Ok(drill::drill_from(req.error_type, own))
    }

    /// One more drill item, written by the model and checked by the tutor. Needs the model.
    pub async fn drill_item(
        &self,
        req: &DrillItemRequest,
        cancel: &CancellationToken,
    ) -> Result<NewDrillItem, AppError> {
        if req.avoid.len() > 50 {
            return Err(AppError::new(
                ErrorCode::BadParameter,
                "avoid holds at most 50 sentences",
            ));
        }
        let tutor = self.tutor().await?;
        let item = tutor
            .drill_item(
                req.error_type,
                req.level,
                &req.avoid,
                req.seed.unwrap_or(req.avoid.len() as u32),
                cancel,
            )
            .await?;
        Ok(NewDrillItem { item })
    }

    /// Grades a drill answer as a Review answer is graded (by the item's edits; the model is
    /// asked only about an answer that fixes it differently, and only when it can start).
    /// Nothing is saved: a drill does not move review dates.
    pub async fn drill_answer(&self, req: &DrillAnswer) -> Result<DrillFeedback, AppError> {
        lexilingo_core::input::validate(&req.item.text)?;
        if req.item.edits.iter().any(|e| {
            e.start > e.end || req.item.text.get(e.start..e.end) != Some(e.original.as_str())
        }) {
            return Err(AppError::new(
                ErrorCode::BadParameter,
                "the item's edits do not fit its text",
            ));
        }
        let tutor = self.tutor().await.ok();
        Ok(drill::grade_item(tutor.as_ref(), &req.item, &req.answer).await)
    }
}
