//! The tutoring tasks under `/v1/tutor/…`: analyze (the app's practice use case), the single
//! tasks, hints, and the stateless dialogue reply.

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

#[derive(Debug, Deserialize)]
pub(super) struct SentenceBody {
    sentence: String,
    /// Save the attempt to the history (analyze only; default true).
    #[serde(default)]
    save: Option<bool>,
}

/// Checks a sentence and (unless `save: false`) keeps it; a failed save is the answer's
/// `warning`, never a lost result.
pub(super) async fn tutor_analyze(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SentenceBody>,
) -> ApiResult<Response> {
    let save = body.save.unwrap_or(true);
    let practiced = on_app(&state, move |app, cancel| async move {
        app.practice(&body.sentence, save, &cancel).await
    })
    .await?;
    Ok(Json(practiced).into_response())
}

pub(super) async fn tutor_fluency(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SentenceBody>,
) -> ApiResult<Response> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor.analyze_fluency(&body.sentence, &cancel).await
    })
    .await?;
    Ok(Json(r).into_response())
}

pub(super) async fn tutor_cefr(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SentenceBody>,
) -> ApiResult<Response> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor.classify_vocabulary(&body.sentence, &cancel).await
    })
    .await?;
    Ok(Json(r).into_response())
}

pub(super) async fn tutor_correct(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<SentenceBody>,
) -> ApiResult<Response> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor.correct_grammar(&body.sentence, &cancel).await
    })
    .await?;
    Ok(Json(r).into_response())
}

/// Hints need no model: they answer at once, even while the model is busy.
pub(super) async fn tutor_hints(ApiJson(body): ApiJson<SentenceBody>) -> ApiResult<Json<Value>> {
    let hints = lexilingo_app::hints(&body.sentence).await?;
    Ok(Json(json!({ "hints": typed(&hints) })))
}

#[derive(Debug, Deserialize)]
pub(super) struct ExplainBody {
    error: String,
    correction: String,
}

pub(super) async fn tutor_explain(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<ExplainBody>,
) -> ApiResult<Json<Value>> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor
            .explain_error(&body.error, &body.correction, &cancel)
            .await
    })
    .await?;
    Ok(Json(json!({ "explanations": typed(&r) })))
}

#[derive(Debug, Deserialize)]
pub(super) struct DialogueBody {
    message: String,
    #[serde(default)]
    history: Vec<ChatMessage>,
    #[serde(default)]
    scenario: Option<Scenario>,
    #[serde(default)]
    level: Option<CefrLevel>,
    /// Stream the reply as server-sent events: `{"token": …}` per piece, then
    /// `{"reply": DialogueReply}` (or `{"error": …}`), then `[DONE]`.
    #[serde(default)]
    stream: bool,
}

pub(super) async fn tutor_dialogue(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<DialogueBody>,
) -> ApiResult<Response> {
    let mut settings = DialogueSettings::default();
    if let Some(s) = body.scenario {
        settings.scenario = s;
    }
    if let Some(l) = body.level {
        settings.level = l;
    }
    if !body.stream {
        let r = on_model(&state, move |tutor, cancel| async move {
            tutor
                .generate_dialogue(&body.history, &body.message, &settings, |_| {}, &cancel)
                .await
        })
        .await?;
        return Ok(Json(r).into_response());
    }
    // Streaming, as for chat completions: a disconnect drops the receiver, the next send
    // fails, and the generation is cancelled at its next token.
    let slot = enqueue(&state)?;
    let tutor = {
        let waiting = StartGuard::new();
        let tutor = state.app.active().get().await?;
        waiting.started();
        tutor
    };
    Ok(stream_pieces(slot, move |on_text, cancel| async move {
        match tutor
            .generate_dialogue(&body.history, &body.message, &settings, on_text, &cancel)
            .await
        {
            Ok(reply) => json!({ "reply": typed(&reply) }),
            Err(e) => {
                let e = ApiError::from(e);
                json!({ "error": error_json(&e.error, e.status) })
            }
        }
    }))
}
