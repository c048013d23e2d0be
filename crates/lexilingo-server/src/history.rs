//! The history, progress and review under `/v1/history…`, `/v1/stats`, `/v1/review…`: thin
//! adapters over the app's use cases.

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

pub(super) async fn history_list(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Response> {
    Ok(Json(state.app.history(&q).await?).into_response())
}

pub(super) async fn history_get(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    Ok(Json(state.app.attempt(id).await?).into_response())
}

pub(super) async fn history_delete(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.app.delete_attempt(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub(super) struct ClearQuery {
    confirm: Option<bool>,
}

/// Clearing everything needs `?confirm=true`: a stray DELETE must not wipe a learner's work.
pub(super) async fn history_clear(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<ClearQuery>,
) -> ApiResult<Json<Value>> {
    let deleted = state.app.clear_history(q.confirm == Some(true)).await?;
    Ok(Json(json!({ "deleted": deleted })))
}

#[derive(Debug, Deserialize)]
pub(super) struct StatsQuery {
    /// Minutes east of UTC (Vietnam: 420).
    utc_offset_minutes: Option<i32>,
}

pub(super) async fn stats(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Response> {
    let offset = q.utc_offset_minutes.unwrap_or(420);
    Ok(Json(state.app.progress(offset).await?).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct DueQuery {
    limit: Option<u32>,
}

/// Review cards due now, most overdue first.
pub(super) async fn review_due(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Response> {
    Ok(Json(state.app.review_due(q.limit.unwrap_or(20)).await?).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct AnswerBody {
    answer: String,
}

/// Grades an answer to a review card and schedules the card's next review, by the app's one
/// policy (the card's edits first; the model, if there is one, only for a different fix).
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

#[derive(Debug, Deserialize)]
pub(super) struct ExportQuery {
    format: Option<String>,
}

/// The whole history as a file: JSON (re-importable) or CSV (for spreadsheets).
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

/// Adds the attempts of a JSON export; attempts already present (same id) are left alone.
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
