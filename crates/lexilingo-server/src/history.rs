//! The history, progress and review under `/v1/history…`, `/v1/stats`, `/v1/review…`: thin
//! adapters over the app's use cases.

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

/// The history
///
/// Past attempts, newest first, filtered and paged.
#[utoipa::path(get, path = "/v1/history", tag = "history", params(HistoryQuery),
    responses((status = 200, description = "A page of attempts", body = HistoryPage)))]
pub(super) async fn history_list(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Response> {
    Ok(Json(state.app.history(&q).await?).into_response())
}

/// One attempt
///
/// An attempt with its analysis.
#[utoipa::path(get, path = "/v1/history/{id}", tag = "history",
    params(("id" = i64, Path, description = "The attempt's id")),
    responses((status = 200, description = "The attempt", body = Attempt)))]
pub(super) async fn history_get(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    Ok(Json(state.app.attempt(id).await?).into_response())
}

/// Delete an attempt
///
/// Deletes one attempt and its review card.
#[utoipa::path(delete, path = "/v1/history/{id}", tag = "history",
    params(("id" = i64, Path, description = "The attempt's id")),
    responses((status = 204, description = "Deleted")))]
pub(super) async fn history_delete(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.app.delete_attempt(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ClearQuery {
    /// Must be `true`.
    confirm: Option<bool>,
}

/// How many attempts a clear removed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct Cleared {
    /// Attempts deleted.
    deleted: u64,
}

/// Clear the history
///
/// Deletes every attempt. Needs `?confirm=true`: a stray DELETE must not wipe a learner's work.
#[utoipa::path(delete, path = "/v1/history", tag = "history", params(ClearQuery),
    responses((status = 200, description = "Cleared", body = Cleared)))]
pub(super) async fn history_clear(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<ClearQuery>,
) -> ApiResult<Json<Cleared>> {
    let deleted = state.app.clear_history(q.confirm == Some(true)).await?;
    Ok(Json(Cleared { deleted }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct StatsQuery {
    /// Minutes east of UTC (Vietnam: 420).
    utc_offset_minutes: Option<i32>,
}

/// Progress
///
/// Attempts and fluency per day, levels, top error types, this week against last, the streak.
#[utoipa::path(get, path = "/v1/stats", tag = "history", params(StatsQuery),
    responses((status = 200, description = "The learner's progress", body = lexilingo_core::store::Progress)))]
pub(super) async fn stats(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Response> {
    let offset = q.utc_offset_minutes.unwrap_or(420);
    Ok(Json(state.app.progress(offset).await?).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct DueQuery {
    /// At most this many cards (default 20).
    limit: Option<u32>,
}

/// Cards due
///
/// Review cards due now, most overdue first.
#[utoipa::path(get, path = "/v1/review/due", tag = "history", params(DueQuery),
    responses((status = 200, description = "The cards", body = Vec<DueCard>)))]
pub(super) async fn review_due(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Response> {
    Ok(Json(state.app.review_due(q.limit.unwrap_or(20)).await?).into_response())
}

/// A learner's answer to a review card.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct AnswerBody {
    /// The sentence as the learner rewrote it.
    answer: String,
}

/// Answer a card
///
/// Grades an answer to a review card and schedules the card's next review, by the app's one
/// policy (the card's edits first; the model, if there is one, only for a different fix).
#[utoipa::path(post, path = "/v1/review/{id}", tag = "history", request_body = AnswerBody,
    params(("id" = i64, Path, description = "The card's attempt id")),
    responses((status = 200, description = "The grade and the next review", body = ReviewFeedback)))]
pub(super) async fn review_answer(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> ApiResult<Response> {
    let feedback = on_app(&state, move |app, _cancel| async move {
        app.review_answer(id, &body.answer).await
    })
    .await?;
    Ok(Json(feedback).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ExportQuery {
    /// `json` (default, re-importable) or `csv` (for spreadsheets).
    format: Option<String>,
}

/// Export the history
///
/// The whole history as a file: JSON (re-importable) or CSV (for spreadsheets).
#[utoipa::path(get, path = "/v1/history/export", tag = "history", params(ExportQuery),
    responses((status = 200, description = "The file, as an attachment",
        content((lexilingo_core::store::ExportDocument = "application/json"), (String = "text/csv")))))]
pub(super) async fn history_export(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let file = state
        .app
        .export_history(q.format.as_deref() == Some("csv"))
        .await?;
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response())
}

/// Import a history
///
/// Adds the attempts of a JSON export; attempts already present (same id) are left alone.
#[utoipa::path(post, path = "/v1/history/import", tag = "history",
    request_body(content = lexilingo_core::store::ExportDocument, description = "A file from `/v1/history/export`"),
    responses((status = 200, description = "What was added", body = ImportReport)))]
pub(super) async fn history_import(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    // Typed like every other body: a `text/plain` POST needs no CORS preflight, so without
    // this any web page could add attempts to the history.
    if !is_json(&headers) {
        return Err(not_json());
    }
    Ok(Json(state.app.import_history(&body).await?).into_response())
}
