//! Saved conversations under `/v1/conversations…`, and the turn the browser's Conversation
//! screen sends: the reply streamed, then the message checked and saved.

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

/// Messages to keep.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct SaveTurnsBody {
    /// The conversation to add to; none starts a new one.
    id: Option<i64>,
    /// The scenario's id.
    scenario: String,
    /// The learner's level.
    level: CefrLevel,
    /// The messages to append, in order.
    turns: Vec<ChatMessage>,
}

/// A saved conversation's id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct Saved {
    /// The conversation's id.
    id: i64,
}

/// Save messages
///
/// Appends messages to a conversation (a new one without `id`), for a client that generated
/// the exchange itself; the window's turns go through `/v1/conversations/turn`.
#[utoipa::path(post, path = "/v1/conversations", tag = "conversations", request_body = SaveTurnsBody,
    responses((status = 200, description = "Saved", body = Saved)))]
pub(super) async fn conversations_save(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SaveTurnsBody>,
) -> ApiResult<Json<Saved>> {
    let id = state
        .app
        .save_conversation(body.id, &body.scenario, body.level, &body.turns)
        .await?;
    Ok(Json(Saved { id }))
}

/// Help me say this
///
/// "Giúp em nói câu này": an English sentence at the learner's level for what they want to
/// say (typed in Vietnamese), in the scene. Nothing is saved.
#[utoipa::path(post, path = "/v1/conversations/suggest", tag = "conversations", request_body = SuggestRequest,
    responses((status = 200, description = "The suggestion", body = lexilingo_core::tasks::Suggestion)))]
pub(super) async fn conversations_suggest(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SuggestRequest>,
) -> ApiResult<Response> {
    let suggestion = on_app(&state, move |app, cancel| async move {
        app.suggest(&body, &cancel).await
    })
    .await?;
    Ok(Json(suggestion).into_response())
}

/// A conversation turn
///
/// One learner message: the partner's reply as server-sent events (`{"token": …}` per piece),
/// then `{"turn": ConversationTurn}` (the message checked and the exchange saved) or
/// `{"error": …}`, then `[DONE]`. A disconnect cancels the reply.
#[utoipa::path(post, path = "/v1/conversations/turn", tag = "conversations", request_body = TurnRequest,
    responses((status = 200, description = "Server-sent events; the last before `[DONE]` is `{\"turn\": ConversationTurn}`",
        content((String = "text/event-stream")))))]
pub(super) async fn conversations_turn(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<TurnRequest>,
) -> ApiResult<Response> {
    let slot = enqueue(&state)?;
    let app = state.app.clone();
    Ok(stream_pieces(slot, move |on_text, cancel| async move {
        match app.converse(&body, on_text, &cancel).await {
            Ok(turn) => json!({ "turn": typed(&turn) }),
            Err(e) => {
                let status = StatusCode::from_u16(e.http_status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                json!({ "error": error_json(&e, status) })
            }
        }
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// At most this many (default 50).
    limit: Option<u32>,
}

/// Conversations
///
/// Saved conversations, newest first.
#[utoipa::path(get, path = "/v1/conversations", tag = "conversations", params(ListQuery),
    responses((status = 200, description = "Their summaries", body = Vec<ConversationSummary>)))]
pub(super) async fn conversations_list(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    Ok(Json(state.app.conversations(q.limit.unwrap_or(50)).await?).into_response())
}

/// One conversation
///
/// A saved conversation with its messages.
#[utoipa::path(get, path = "/v1/conversations/{id}", tag = "conversations",
    params(("id" = i64, Path, description = "The conversation's id")),
    responses((status = 200, description = "The conversation", body = Conversation)))]
pub(super) async fn conversations_get(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    Ok(Json(state.app.conversation(id).await?).into_response())
}

/// Delete a conversation
///
/// Deletes a conversation with its messages and the attempts checked in it.
#[utoipa::path(delete, path = "/v1/conversations/{id}", tag = "conversations",
    params(("id" = i64, Path, description = "The conversation's id")),
    responses((status = 204, description = "Deleted")))]
pub(super) async fn conversations_delete(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.app.delete_conversation(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
