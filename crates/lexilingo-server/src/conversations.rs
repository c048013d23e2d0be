//! Saved conversations under `/v1/conversations…`, and the turn the browser's Conversation
//! screen sends: the reply streamed, then the message checked and saved.

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

#[derive(Debug, Deserialize)]
pub(super) struct SaveTurnsBody {
    id: Option<i64>,
    scenario: String,
    level: CefrLevel,
    turns: Vec<ChatMessage>,
}

/// Appends messages to a conversation (a new one without `id`), for a client that generated
/// the exchange itself; the window's turns go through `/v1/conversations/turn`.
pub(super) async fn conversations_save(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SaveTurnsBody>,
) -> ApiResult<Json<Value>> {
    let id = state
        .app
        .save_conversation(body.id, &body.scenario, body.level, &body.turns)
        .await?;
    Ok(Json(json!({ "id": id })))
}

/// One learner message: the partner's reply as server-sent events (`{"token": …}` per piece),
/// then `{"turn": ConversationTurn}` (the message checked and the exchange saved) or
/// `{"error": …}`, then `[DONE]`. A disconnect cancels the reply.
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

#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    limit: Option<u32>,
}

pub(super) async fn conversations_list(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    Ok(Json(state.app.conversations(q.limit.unwrap_or(50)).await?).into_response())
}

pub(super) async fn conversations_get(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    Ok(Json(state.app.conversation(id).await?).into_response())
}

pub(super) async fn conversations_delete(
    State(state): State<Shared>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.app.delete_conversation(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
