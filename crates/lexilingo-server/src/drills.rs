//! Drills under `/v1/drills…` ("Luyện lỗi này"): thin adapters over the app's use cases.

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

use lexilingo_app::{DrillAnswer, DrillItemRequest, DrillRequest, NewDrillItem};
use lexilingo_core::tasks::drill::{Drill, DrillFeedback};

/// Start a drill
///
/// A drill of one mistake type: the learner's own sentences with a sure mistake of that type
/// (newest first, at most 10), and how many more the model should write (`more`). Needs no
/// model.
#[utoipa::path(post, path = "/v1/drills", tag = "history", request_body = DrillRequest,
    responses((status = 200, description = "The drill", body = Drill)))]
pub(super) async fn drills_start(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<DrillRequest>,
) -> ApiResult<Response> {
    Ok(Json(state.app.drill(&body).await?).into_response())
}

/// One more drill item
///
/// A sentence written by the model at the learner's level, with one mistake of the type put
/// in, kept only when the tutor finds that mistake and fixes it back. `item` is null when
/// the model wrote nothing the tutor could check within its tries.
#[utoipa::path(post, path = "/v1/drills/item", tag = "history", request_body = DrillItemRequest,
    responses((status = 200, description = "The new item, or none", body = NewDrillItem)))]
pub(super) async fn drills_item(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<DrillItemRequest>,
) -> ApiResult<Response> {
    let item = on_app(&state, move |app, cancel| async move {
        app.drill_item(&body, &cancel).await
    })
    .await?;
    Ok(Json(item).into_response())
}

/// Answer a drill item
///
/// Grades the learner's fix by the item's edits, as a review card is graded. Nothing is saved.
#[utoipa::path(post, path = "/v1/drills/answer", tag = "history", request_body = DrillAnswer,
    responses((status = 200, description = "The grade, the correction and why", body = DrillFeedback)))]
pub(super) async fn drills_answer(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<DrillAnswer>,
) -> ApiResult<Response> {
    let feedback = on_app(&state, move |app, _cancel| async move {
        app.drill_answer(&body).await
    })
    .await?;
    Ok(Json(feedback).into_response())
}
