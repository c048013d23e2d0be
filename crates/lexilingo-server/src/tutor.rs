//! The tutoring tasks under `/v1/tutor/…`: analyze (the app's practice use case), the single
//! tasks, hints, and the stateless dialogue reply.

#[allow(unused_imports)]
use super::plumbing::*;
#[allow(unused_imports)]
use super::*;

/// A sentence to check.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({ "sentence": "She don't like apples." }))]
pub(super) struct SentenceBody {
    /// The learner's English (at most 1,000 characters).
    sentence: String,
    /// Save the attempt to the history (analyze only; default true).
    #[serde(default)]
    save: Option<bool>,
}

/// Check a sentence (practice)
///
/// Fluency, CEFR level, correction and Vietnamese explanations; the attempt is kept in the
/// history unless `save: false`. A failed save is the answer's `warning`, never a lost result.
#[utoipa::path(post, path = "/v1/tutor/analyze", tag = "tutor", request_body = SentenceBody,
    responses((status = 200, description = "The analysis, and the saved attempt's id", body = Practiced)))]
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

/// Fluency score
///
/// The fluency score (0–5) alone, from the model.
#[utoipa::path(post, path = "/v1/tutor/fluency", tag = "tutor", request_body = SentenceBody,
    responses((status = 200, description = "The score and its reason", body = FluencyResult)))]
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

/// CEFR level
///
/// The sentence's CEFR level (A1–C2) and each word's level.
#[utoipa::path(post, path = "/v1/tutor/cefr", tag = "tutor", request_body = SentenceBody,
    responses((status = 200, description = "The level and the word levels", body = VocabularyResult)))]
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

/// Correction
///
/// The corrected sentence and its edits, without explanations.
#[utoipa::path(post, path = "/v1/tutor/correct", tag = "tutor", request_body = SentenceBody,
    responses((status = 200, description = "The correction", body = CorrectionResult)))]
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

/// The rules' tips while typing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct HintsAnswer {
    /// One per likely mistake, in sentence order.
    hints: Vec<lexilingo_core::language::rules::Hint>,
}

/// Tips while typing
///
/// The rules' tips, with no model: they answer at once, even while the model is busy.
#[utoipa::path(post, path = "/v1/tutor/hints", tag = "tutor", request_body = SentenceBody,
    responses((status = 200, description = "The tips", body = HintsAnswer)))]
pub(super) async fn tutor_hints(
    ApiJson(body): ApiJson<SentenceBody>,
) -> ApiResult<Json<HintsAnswer>> {
    let hints = lexilingo_app::hints(&body.sentence).await?;
    Ok(Json(HintsAnswer { hints }))
}

/// A learner's text of one or more sentences.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({ "text": "Mr. Nam is my teacher. He teach English." }))]
pub(super) struct TextBody {
    /// Up to 3,000 characters.
    text: String,
}

/// A text cut into sentences.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct SentencesAnswer {
    /// In order, with their byte offsets in the text.
    sentences: Vec<lexilingo_core::language::sentences::SentenceSpan>,
}

/// Split a text into sentences
///
/// Paragraph mode's first step: the sentences of a text (abbreviations, numbers and initials
/// do not end one; a line break does), each then checked with `/v1/tutor/analyze`. No model.
#[utoipa::path(post, path = "/v1/tutor/sentences", tag = "tutor", request_body = TextBody,
    responses((status = 200, description = "The sentences", body = SentencesAnswer)))]
pub(super) async fn tutor_sentences(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<TextBody>,
) -> ApiResult<Json<SentencesAnswer>> {
    Ok(Json(SentencesAnswer {
        sentences: state.app.sentences(&body.text)?,
    }))
}

/// A mistake and its fix, to explain.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({ "error": "She don't like apples.", "correction": "She doesn't like apples." }))]
pub(super) struct ExplainBody {
    /// The learner's sentence.
    error: String,
    /// The corrected sentence.
    correction: String,
}

/// Why each change was made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ExplainAnswer {
    /// One per edit, in Vietnamese.
    explanations: Vec<lexilingo_core::tasks::Explanation>,
}

/// Explanations
///
/// A Vietnamese explanation of each difference between a sentence and its correction.
#[utoipa::path(post, path = "/v1/tutor/explain", tag = "tutor", request_body = ExplainBody,
    responses((status = 200, description = "The explanations", body = ExplainAnswer)))]
pub(super) async fn tutor_explain(
    State(state): State<Shared>,
    ApiJson(body): ApiJson<ExplainBody>,
) -> ApiResult<Json<ExplainAnswer>> {
    let r = on_model(&state, move |tutor, cancel| async move {
        tutor
            .explain_error(&body.error, &body.correction, &cancel)
            .await
    })
    .await?;
    Ok(Json(ExplainAnswer { explanations: r }))
}

/// A conversation message, answered without saving anything.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct DialogueBody {
    /// What the learner wrote.
    message: String,
    /// The messages so far.
    #[serde(default)]
    history: Vec<ChatMessage>,
    /// The situation (default: small talk).
    #[serde(default)]
    scenario: Option<Scenario>,
    /// The learner's level (default: B1).
    #[serde(default)]
    level: Option<CefrLevel>,
    /// Stream the reply as server-sent events: `{"token": …}` per piece, then
    /// `{"reply": DialogueReply}` (or `{"error": …}`), then `[DONE]`.
    #[serde(default)]
    stream: bool,
}

/// Conversation reply (stateless)
///
/// The partner's reply to one message, with rule tips on the message; nothing is saved (the
/// app's turns go through `/v1/conversations/turn`). With `stream: true` the answer is
/// server-sent events: `{"token": …}` per piece, then `{"reply": DialogueReply}` or
/// `{"error": …}`, then `[DONE]`.
#[utoipa::path(post, path = "/v1/tutor/dialogue", tag = "tutor", request_body = DialogueBody,
    responses((status = 200, description = "The reply (or, with `stream: true`, server-sent events)",
        content((DialogueReply = "application/json"), (String = "text/event-stream")))))]
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
