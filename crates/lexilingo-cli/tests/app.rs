//! The application layer (`lexilingo-app`) on the real test model and a real SQLite file: the
//! use cases the window, `lexilingo serve` and the CLI all call, so what is checked here holds
//! in every front end. (These live beside the CLI's tests because the model worker is the
//! real `lexilingo` binary.)

use std::path::{Path, PathBuf};

use lexilingo_app::host::active::TutorSource;
use lexilingo_app::{App, ErrorCode, TurnRequest};
use lexilingo_core::engine::{CancellationToken, ChatMessage, Role, WorkerCommand};
use lexilingo_core::language::cefr::CefrLevel;
use lexilingo_core::store::ReviewGrade;
use lexilingo_core::store::{HistoryQuery, Mode, NewAttempt, Store, StoredEdit};
use lexilingo_core::tasks::Scenario;
use lexilingo_core::ErrorType;

use crate::api::{post, serve};
use crate::common::{lexilingo_bin, test_model};

fn app_in(dir: &Path, model: Option<PathBuf>) -> App {
    App::with_models(
        TutorSource {
            model,
            data_dir: Some(dir.to_path_buf()),
            threads: Some(2),
            n_ctx: Some(2048),
            worker: Some(WorkerCommand::for_program(lexilingo_bin())),
            ..TutorSource::default()
        },
        None,
    )
}

#[tokio::test]
async fn practice_saves_the_attempt_under_the_model_id_every_front_end_uses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_in(dir.path(), Some(test_model()));
    let practiced = app
        .practice("She don't like apples.", true, &CancellationToken::new())
        .await
        .expect("practice");
    assert!(practiced.warning.is_none(), "{:?}", practiced.warning);
    let id = practiced.attempt_id.expect("saved");
    let attempt = app.attempt(id).await.expect("the saved attempt");
    assert_eq!(attempt.text, "She don't like apples.");
    assert_eq!(attempt.mode, Mode::Practice);
    assert_eq!(attempt.model_id, "SmolLM2-135M-Instruct.Q4_1.gguf");
    assert_eq!(attempt.model_id, app.model_id());
    let unsaved = app
        .practice("She likes apples.", false, &CancellationToken::new())
        .await
        .expect("practice without saving");
    assert_eq!(unsaved.attempt_id, None);
    assert_eq!(
        app.history(&HistoryQuery::default())
            .await
            .expect("list")
            .items
            .len(),
        1
    );
}

#[tokio::test]
async fn a_failed_save_still_returns_the_result_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("store");
    let app = app_in(dir.path(), Some(test_model())).with_store(store.clone());
    // Closing the pool makes every write fail, as a full or vanished disk would.
    store.close().await;
    let practiced = app
        .practice("I have two apple.", true, &CancellationToken::new())
        .await
        .expect("the result comes back although it cannot be saved");
    assert_eq!(practiced.attempt_id, None);
    assert_eq!(practiced.result.sentence, "I have two apple.");
    let warning = practiced
        .warning
        .expect("the learner is told it was not saved");
    assert_eq!(warning.code, ErrorCode::HistoryUnavailable);
    assert!(
        warning.message_vi.contains("Không lưu được"),
        "{}",
        warning.message_vi
    );
    assert!(
        warning.message_en.contains("could not be saved"),
        "{}",
        warning.message_en
    );
    // Reading the history fails with the same code every front end shows.
    let e = app
        .history(&HistoryQuery::default())
        .await
        .expect_err("closed");
    assert_eq!(e.code, ErrorCode::HistoryUnavailable);
}

#[tokio::test]
async fn each_conversation_message_is_checked_and_saved_as_an_attempt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_in(dir.path(), Some(test_model()));
    let cancel = CancellationToken::new();
    let mut request = TurnRequest {
        conversation_id: None,
        scenario: Scenario::SmallTalk,
        level: CefrLevel::A2,
        history: Vec::new(),
        message: "Yesterday I go to the market.".into(),
        check: true,
        seed: Some(3),
    };
    let mut streamed = String::new();
    let turn = app
        .converse(&request, |piece| streamed.push_str(piece), &cancel)
        .await
        .expect("a turn");
    assert!(turn.warnings.is_empty(), "{:?}", turn.warnings);
    assert!(!streamed.is_empty() && !turn.reply.reply.is_empty());
    let conversation = turn.conversation_id.expect("saved");
    let attempt = app
        .attempt(turn.attempt_id.expect("checked and saved"))
        .await
        .expect("the attempt");
    assert_eq!(attempt.mode, Mode::Dialogue);
    assert_eq!(attempt.conversation_id, Some(conversation));
    assert_eq!(attempt.text, "Yesterday I go to the market.");
    assert_eq!(attempt.model_id, app.model_id());
    let check = turn.check.expect("the model's check");
    assert_eq!(attempt.corrected.as_deref(), Some(check.corrected.as_str()));

    // The next message goes on in the same conversation.
    request.conversation_id = Some(conversation);
    request.history = vec![
        ChatMessage::new(Role::User, request.message.clone()),
        ChatMessage::new(Role::Assistant, turn.reply.reply.clone()),
    ];
    request.message = "I like coffee.".into();
    let second = app
        .converse(&request, |_| {}, &cancel)
        .await
        .expect("a second turn");
    assert_eq!(second.conversation_id, Some(conversation));
    let saved = app
        .conversation(conversation)
        .await
        .expect("the conversation");
    assert_eq!(saved.turns.len(), 4);
    assert_eq!(saved.turns[0].content, "Yesterday I go to the market.");
    assert_eq!(saved.turns[2].content, "I like coffee.");
    assert_eq!(saved.model_id, app.model_id());
    let page = app
        .history(&HistoryQuery::default())
        .await
        .expect("history");
    assert_eq!(page.items.len(), 2, "both messages are in the history");

    // A cancelled reply keeps the message, and skips the model's check.
    let stopped = CancellationToken::new();
    stopped.cancel();
    request.message = "I am student.".into();
    let cut = app
        .converse(&request, |_| {}, &stopped)
        .await
        .expect("a cancelled turn");
    assert!(cut.reply.cancelled && cut.check.is_none() && cut.attempt_id.is_none());
    let saved = app
        .conversation(conversation)
        .await
        .expect("the conversation");
    assert_eq!(
        saved.turns.last().map(|t| t.content.as_str()),
        Some("I am student.")
    );
}

#[tokio::test]
async fn review_is_graded_by_the_cards_edits_when_there_is_no_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_in(dir.path(), None);
    assert_eq!(
        app.tutor().await.map(|_| ()).expect_err("no model").code,
        ErrorCode::NoModel
    );
    let id = app
        .store()
        .await
        .expect("store")
        .insert_attempt(&NewAttempt {
            uuid: None,
            text: "I have two apple.".into(),
            mode: Mode::Practice,
            model_id: "earlier.gguf".into(),
            created_at: None,
            fluency: None,
            fluency_reason: None,
            cefr: None,
            corrected: Some("I have two apples.".into()),
            latency_ms: 0,
            conversation_id: None,
            edits: vec![StoredEdit {
                start: 11,
                end: 16,
                original: "apple".into(),
                replacement: "apples".into(),
                error_type: ErrorType::NounNumber,
                explanation_vi: "Sau “two”, danh từ ở số nhiều.".into(),
                sure: true,
            }],
        })
        .await
        .expect("insert");
    let due = app.review_due(10).await.expect("due");
    assert!(due.iter().any(|c| c.attempt_id == id), "the card is due");
    // A different fix that makes the card's edit is right, with no model to ask.
    let good = app
        .review_answer(id, "I really have two apples.")
        .await
        .expect("graded without a model");
    assert_eq!(good.grade, ReviewGrade::Good);
    let again = app
        .review_answer(id, "I have two apple.")
        .await
        .expect("graded");
    assert_eq!(again.grade, ReviewGrade::Again);
    // A missing record is the same error, with the same text, whatever was asked for.
    let a = app.review_answer(999_999, "x").await.expect_err("missing");
    let b = app.attempt(999_999).await.expect_err("missing");
    let c = app.delete_attempt(999_999).await.expect_err("missing");
    assert_eq!(
        (a.code, b.code, c.code),
        (
            ErrorCode::NotFound,
            ErrorCode::NotFound,
            ErrorCode::NotFound
        )
    );
    assert_eq!(a.message_vi, b.message_vi);
    assert_eq!(b.message_en, c.message_en);
}

/// The browser's conversation path: `lexilingo serve` streams the reply, then the saved turn.
#[test]
fn the_server_streams_a_conversation_turn_and_saves_the_message() {
    let server = serve(&[]);
    let (code, _, body) = post(
        &server.base,
        "/v1/conversations/turn",
        r#"{"message":"She don't like apples.","scenario":"small_talk","level":"A2","seed":3}"#,
    );
    assert_eq!(code, 200, "{body}");
    let events: Vec<serde_json::Value> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim)
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).expect("JSON event"))
        .collect();
    assert!(events.iter().any(|e| e.get("token").is_some()), "{body}");
    let turn = events
        .iter()
        .find_map(|e| e.get("turn"))
        .unwrap_or_else(|| panic!("a turn event: {body}"));
    let attempt = turn["attempt_id"].as_i64().expect("saved as an attempt");
    let (code, _, body) = crate::api::curl(&[
        &format!("{}/v1/history/{attempt}", server.base),
        "-H",
        &crate::api::auth(),
    ]);
    assert_eq!(code, 200, "{body}");
    let saved: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(saved["mode"], "dialogue");
    assert_eq!(saved["text"], "She don't like apples.");
    // A blank message is refused, in the stream's last event, with the app's code and texts.
    let (code, _, body) = post(
        &server.base,
        "/v1/conversations/turn",
        r#"{"message":"  "}"#,
    );
    let error = body
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d.trim()).ok())
        .find_map(|e| e.get("error").cloned())
        .unwrap_or_else(|| panic!("an error event: {code} {body}"));
    assert_eq!(error["code"], "input_blank");
    assert!(error["message_vi"]
        .as_str()
        .is_some_and(|m| m.contains("Em chưa nhập")));
    assert!(error["message_en"]
        .as_str()
        .is_some_and(|m| m.contains("empty")));
}

fn wrong_attempt(text: &str, corrected: &str, at: i64, edit: StoredEdit) -> NewAttempt {
    NewAttempt {
        uuid: None,
        text: text.into(),
        mode: Mode::Practice,
        model_id: "earlier.gguf".into(),
        created_at: Some(at),
        fluency: None,
        fluency_reason: None,
        cefr: None,
        corrected: Some(corrected.into()),
        latency_ms: 0,
        conversation_id: None,
        edits: vec![edit],
    }
}

fn article_edit(at: usize, sure: bool) -> StoredEdit {
    StoredEdit {
        start: at,
        end: at,
        original: String::new(),
        replacement: "a ".into(),
        error_type: ErrorType::Article,
        explanation_vi: "Trước danh từ đếm được số ít cần “a”.".into(),
        sure,
    }
}

/// "Luyện lỗi này": the learner's own sentences first (each once, only sure mistakes), graded
/// by their edits with no model; asking the model for more needs one.
#[tokio::test]
async fn a_drill_starts_with_the_learners_own_sentences_and_grades_them_without_a_model() {
    use lexilingo_app::{DrillAnswer, DrillItemRequest, DrillRequest};
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_in(dir.path(), None);
    let store = app.store().await.expect("store");
    store
        .insert_attempts(&[
            wrong_attempt(
                "I am student.",
                "I am a student.",
                1_000,
                article_edit(5, true),
            ),
            wrong_attempt(
                "He is teacher.",
                "He is a teacher.",
                2_000,
                article_edit(6, true),
            ),
            wrong_attempt(
                "I am student.",
                "I am a student.",
                3_000,
                article_edit(5, true),
            ),
            wrong_attempt(
                "She is nurse.",
                "She is a nurse.",
                4_000,
                article_edit(7, false),
            ),
        ])
        .await
        .expect("insert");
    let drill = app
        .drill(&DrillRequest {
            error_type: ErrorType::Article,
        })
        .await
        .expect("a drill needs no model");
    let texts: Vec<&str> = drill.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(
        texts,
        ["I am student.", "He is teacher."],
        "newest first, once each, sure only"
    );
    assert_eq!(drill.more, 3, "the model is asked for the rest of five");
    let none = app
        .drill(&DrillRequest {
            error_type: ErrorType::Preposition,
        })
        .await
        .expect("drill");
    assert!(none.items.is_empty() && none.more == 5, "{none:?}");

    let item = drill.items[0].clone();
    let answer = |a: &str| DrillAnswer {
        item: item.clone(),
        answer: a.into(),
    };
    let good = app
        .drill_answer(&answer("I am a student."))
        .await
        .expect("graded");
    assert_eq!(good.grade, ReviewGrade::Good);
    assert!(
        good.diff.is_empty() && !good.explanations[0].is_empty(),
        "{good:?}"
    );
    let again = app
        .drill_answer(&answer("I am student."))
        .await
        .expect("graded");
    assert_eq!(again.grade, ReviewGrade::Again);
    assert_eq!(again.diff.len(), 1, "the diff shows the missing article");
    // An item whose edits do not fit its text is refused, not graded.
    let mut broken = answer("I am a student.");
    broken.item.edits[0].start = 99;
    broken.item.edits[0].end = 100;
    assert_eq!(
        app.drill_answer(&broken).await.expect_err("refused").code,
        ErrorCode::BadParameter
    );
    // A drill does not move the review card.
    let due = app.review_due(10).await.expect("due");
    assert!(
        due.iter().any(|c| c.text == "I am student." && c.reps == 0),
        "{due:?}"
    );
    let err = app
        .drill_item(
            &DrillItemRequest {
                error_type: ErrorType::Article,
                level: CefrLevel::A2,
                avoid: texts.iter().map(|t| t.to_string()).collect(),
                seed: None,
            },
            &CancellationToken::new(),
        )
        .await
        .expect_err("writing sentences needs the model");
    assert_eq!(err.code, ErrorCode::NoModel);
}

/// The model writes drill sentences and the tutor checks them: each item it returns is a
/// sentence the model wrote (not one to avoid) with one mistake of the drilled type, whose
/// correction by the tutor is that sentence again. The 135M model is weak, so how many come
/// back is printed, not required; the shape of every one that does is.
#[tokio::test]
async fn model_drill_items_are_sentences_the_tutor_corrects_back() {
    use lexilingo_app::DrillItemRequest;
    use lexilingo_core::tasks::DrillSource;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_in(dir.path(), Some(test_model()));
    let tutor = app.tutor().await.expect("tutor");
    let mut made = 0;
    let mut tried = 0;
    for t in [
        ErrorType::Article,
        ErrorType::NounNumber,
        ErrorType::VerbTense,
        ErrorType::MissingBe,
    ] {
        let mut avoid: Vec<String> = vec!["I am a student.".into()];
        for _ in 0..2 {
            tried += 1;
            let started = std::time::Instant::now();
            let new = app
                .drill_item(
                    &DrillItemRequest {
                        error_type: t,
                        level: CefrLevel::A2,
                        avoid: avoid.clone(),
                        seed: None,
                    },
                    &CancellationToken::new(),
                )
                .await
                .expect("a drill item or none");
            eprintln!(
                "{t:?}: {:?} in {:?}",
                new.item.as_ref().map(|i| (&i.text, &i.expected)),
                started.elapsed()
            );
            let Some(item) = new.item else { continue };
            made += 1;
            assert_eq!(item.source, DrillSource::Model);
            assert_eq!(item.error_type, t);
            assert!(
                !avoid.iter().any(|a| a.eq_ignore_ascii_case(&item.expected)),
                "{item:?}"
            );
            assert_ne!(item.text, item.expected);
            assert!(!item.edits.is_empty(), "{item:?}");
            for e in &item.edits {
                assert!(e.sure && e.error_type == t, "{e:?}");
                assert_eq!(item.text.get(e.start..e.end), Some(e.original.as_str()));
                assert!(!e.explanation_vi.is_empty());
            }
            let again = tutor
                .correct_grammar(&item.text, &CancellationToken::new())
                .await
                .expect("correct");
            assert!(
                lexilingo_core::language::edits::same_tokens(&again.corrected, &item.expected),
                "the tutor corrects {:?} to {:?}, not {:?}",
                item.text,
                again.corrected,
                item.expected
            );
            let fb = app
                .drill_answer(&lexilingo_app::DrillAnswer {
                    answer: item.expected.clone(),
                    item: item.clone(),
                })
                .await
                .expect("graded");
            assert_eq!(fb.grade, ReviewGrade::Good);
            avoid.push(item.expected);
        }
    }
    eprintln!("model drill items: {made} of {tried} requests");
}
