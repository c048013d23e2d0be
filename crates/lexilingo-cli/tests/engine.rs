//! The supervised worker: streaming, cancellation, crashes, bad model files.

use std::io::Write;
use std::sync::{Arc, Mutex};

use lexilingo_core::engine::{
    CancellationToken, ChatMessage, Engine, GenerateRequest, Role, StopReason,
};
use lexilingo_core::error::{EngineError, ModelFileError};
use lexilingo_core::Error;

use crate::common::{config, engine, kill_9, test_model};

fn long_request() -> GenerateRequest {
    GenerateRequest {
        temperature: 0.8,
        seed: 7,
        ..GenerateRequest::text(
            vec![ChatMessage::new(
                Role::User,
                "Write a long story about a cat who travels around Vietnam.",
            )],
            400,
        )
    }
}

#[tokio::test]
async fn streams_tokens_that_add_up_to_the_answer() {
    let engine = engine();
    let mut pieces = Vec::new();
    let g = engine
        .generate(
            GenerateRequest::text(vec![ChatMessage::new(Role::User, "Say hello.")], 24),
            |p| pieces.push(p.to_string()),
            &CancellationToken::new(),
        )
        .await
        .expect("generation works");
    assert!(g.generated_tokens > 0);
    assert!(g.prompt_tokens > 0);
    assert_eq!(pieces.concat(), g.text);
    let info = engine.model_info().await.expect("loaded");
    assert_eq!(info.threads, 2);
    assert!(
        info.n_params > 100_000_000,
        "SmolLM2-135M has ~135M parameters"
    );
}

#[tokio::test]
async fn json_schema_constrains_the_answer() {
    let schema = serde_json::json!({
        "type": "object",
        "properties": { "colour": { "enum": ["red", "green", "blue"] } },
        "required": ["colour"],
        "additionalProperties": false
    });
    let g = engine()
        .generate(
            GenerateRequest::json(
                vec![ChatMessage::new(Role::User, "What colour is the sky?")],
                schema,
                32,
            ),
            |_| {},
            &CancellationToken::new(),
        )
        .await
        .expect("generation works");
    assert_eq!(g.stop, StopReason::EndOfText);
    let v: serde_json::Value = serde_json::from_str(&g.text).expect("valid JSON");
    let colour = v["colour"].as_str().expect("colour string");
    assert!(["red", "green", "blue"].contains(&colour), "{colour}");
}

#[tokio::test]
async fn cancellation_stops_generation_within_a_few_tokens() {
    // Streamed text arrives in pieces of up to 30 ms of tokens (the worker coalesces them), so
    // "a few tokens" is measured on the text: what arrives after the cancel must be short.
    let engine = engine();
    let cancel = CancellationToken::new();
    let text_at_cancel = Arc::new(Mutex::new(String::new()));
    let mut text = String::new();
    let mut pieces = 0u32;
    let (c, t) = (cancel.clone(), Arc::clone(&text_at_cancel));
    let g = engine
        .generate(
            long_request(),
            move |piece| {
                text.push_str(piece);
                pieces += 1;
                if pieces == 3 {
                    t.lock().expect("lock").clone_from(&text);
                    c.cancel();
                }
            },
            &cancel,
        )
        .await
        .expect("a cancelled generation still returns what it produced");
    assert_eq!(g.stop, StopReason::Cancelled);
    let at_cancel = text_at_cancel.lock().expect("lock").clone();
    assert!(!at_cancel.is_empty(), "the cancel came after three pieces");
    assert!(
        g.text.starts_with(&at_cancel),
        "{:?} vs {at_cancel:?}",
        g.text
    );
    let after = g.text.len() - at_cancel.len();
    // About ten tokens of English at most: up to 30 ms of unsent text, plus the tokens made
    // while the cancel crosses the pipe. An uncancelled run goes on for 400 tokens.
    assert!(
        after <= 80,
        "{after} bytes after the cancel: {:?} (cancelled after {at_cancel:?})",
        g.text
    );
}

#[tokio::test]
async fn a_worker_killed_mid_request_gives_a_typed_error_and_the_next_call_works() {
    let engine = engine();
    engine.model_info().await.expect("worker starts");
    let pid = engine.worker_pid().await.expect("worker running");
    let mut killed = false;
    let result = engine
        .generate(
            long_request(),
            move |_| {
                if !killed {
                    killed = true;
                    kill_9(pid);
                }
            },
            &CancellationToken::new(),
        )
        .await;
    assert!(
        matches!(result, Err(Error::Engine(EngineError::WorkerDied { .. }))),
        "{result:?}"
    );
    let again = engine
        .generate(
            GenerateRequest::text(vec![ChatMessage::new(Role::User, "Hi")], 8),
            |_| {},
            &CancellationToken::new(),
        )
        .await;
    assert!(again.is_ok(), "{again:?}");
    assert_ne!(
        engine.worker_pid().await,
        Some(pid),
        "a fresh worker serves the next call"
    );
}

#[tokio::test]
async fn a_worker_that_died_while_idle_is_replaced_before_the_next_request() {
    let engine = engine();
    engine.model_info().await.expect("worker starts");
    let pid = engine.worker_pid().await.expect("worker running");
    kill_9(pid);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let g = engine
        .generate(
            GenerateRequest::text(vec![ChatMessage::new(Role::User, "Hi")], 8),
            |_| {},
            &CancellationToken::new(),
        )
        .await;
    assert!(g.is_ok(), "{g:?}");
}

fn temp_model(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".gguf")
        .tempfile()
        .expect("temp");
    f.write_all(bytes).expect("write");
    f.flush().expect("flush");
    f
}

#[tokio::test]
async fn random_bytes_are_refused_before_llama_cpp_sees_them() {
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let f = temp_model(&noise);
    let err = Engine::new(config(f.path().to_path_buf())).err();
    assert!(
        matches!(err, Some(Error::ModelFile(ModelFileError::NotGguf { .. }))),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_truncated_model_gives_a_clear_error_and_the_caller_lives_on() {
    let full = std::fs::read(test_model()).expect("read model");
    let f = temp_model(&full[..full.len() / 2]);
    // The header reader checks that every tensor lies inside the file, so a download cut in
    // half is named as such before llama.cpp is asked to map it.
    let err = Engine::new(config(f.path().to_path_buf())).err();
    assert!(
        matches!(&err, Some(Error::ModelFile(ModelFileError::NotGguf { reason, .. })) if reason.contains("cut short")),
        "{err:?}"
    );
    assert_eq!(err.map(|e| e.code()), Some("model_not_gguf"));
    // And a whole model still loads afterwards.
    let engine = Engine::new(config(test_model())).expect("the real model");
    engine.model_info().await.expect("loads");
}

/// A base model (no chat template) loads, says so, and answers through the plain-text prompt:
/// the tutor still scores with it, and the UI tells the learner it is not a chat model.
#[tokio::test]
async fn a_model_without_a_chat_template_runs_with_a_plain_prompt() {
    let mut bytes = std::fs::read(test_model()).expect("read model");
    let key = b"tokenizer.chat_template";
    let at = bytes
        .windows(key.len())
        .position(|w| w == key)
        .expect("the test model has a chat template");
    // Rename the key (same length) so llama.cpp no longer finds a template.
    bytes[at + key.len() - 1] = b'X';
    let f = temp_model(&bytes);
    let engine = Engine::new(config(f.path().to_path_buf())).expect("header valid");
    let info = engine.model_info().await.expect("a base model loads");
    assert!(!info.chat_template, "{info:?}");
    let with = Engine::new(config(test_model())).expect("the real model");
    assert!(with.model_info().await.expect("loads").chat_template);
    let request = GenerateRequest::text(
        vec![
            ChatMessage::new(Role::System, "You are a helpful assistant."),
            ChatMessage::new(Role::User, "Say hello."),
        ],
        8,
    );
    let answer = engine
        .generate(request, |_| {}, &CancellationToken::new())
        .await
        .expect("generates through the plain prompt");
    assert!(answer.generated_tokens > 0, "{answer:?}");
}

#[tokio::test]
async fn a_missing_model_file_is_reported_with_its_path() {
    let err = Engine::new(config("/nonexistent/model.gguf".into())).err();
    assert!(
        matches!(err, Some(Error::ModelFile(ModelFileError::NotFound { .. }))),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_repeated_system_prompt_is_reused_and_answers_do_not_change() {
    let engine = engine();
    let ask = |user: &str| {
        GenerateRequest::text(
            vec![
                ChatMessage::new(
                    Role::System,
                    "You are a patient English teacher for Vietnamese learners. Answer briefly.",
                ),
                ChatMessage::new(Role::User, user),
            ],
            24,
        )
    };
    let first = engine
        .generate(ask("What is a noun?"), |_| {}, &CancellationToken::new())
        .await
        .expect("first");
    assert_eq!(first.cached_tokens, 0);
    let second = engine
        .generate(ask("What is a verb?"), |_| {}, &CancellationToken::new())
        .await
        .expect("second");
    assert!(
        second.cached_tokens >= 15,
        "the system prompt is reused: {} tokens",
        second.cached_tokens
    );
    // The same request on a fresh worker (nothing cached) gives the same greedy answer.
    let fresh = crate::common::engine()
        .generate(ask("What is a verb?"), |_| {}, &CancellationToken::new())
        .await
        .expect("fresh");
    assert_eq!(fresh.cached_tokens, 0);
    assert_eq!(second.text, fresh.text);
}

/// One request of many candidates is decoded side by side (lanes sharing the reference's
/// cache cells, more candidates than lanes, departing at every word); each score must be
/// the one the text gets when it is scored on its own.
#[tokio::test]
async fn scoring_many_candidates_at_once_matches_scoring_each_alone() {
    let sentence = "Yesterday my brother and I go to the market near our house.";
    let words: Vec<&str> = sentence.split(' ').collect();
    let mut texts = vec![sentence.to_string()];
    for i in 0..words.len() {
        let mut w = words.clone();
        w[i] = "the";
        texts.push(w.join(" "));
    }
    texts.push(format!("{sentence} Then we went home."));
    texts.push(sentence.to_string());
    let engine = engine();
    let together = engine.score(texts.clone()).await.expect("scores");
    assert_eq!(together.len(), texts.len());
    let one_by_one = crate::common::engine();
    for (text, score) in texts.iter().zip(&together) {
        let alone = one_by_one.score(vec![text.clone()]).await.expect("scores");
        assert_eq!(alone[0].tokens, score.tokens, "{text}");
        assert!(
            (alone[0].logprob - score.logprob).abs() < 1e-6
                && (alone[0].min_logprob - score.min_logprob).abs() < 1e-6,
            "{text}: alone {alone:?}, together {score:?}"
        );
    }
}

#[tokio::test]
async fn scoring_prefers_grammar_and_reusing_a_prefix_changes_nothing() {
    let good = "She likes apples very much.".to_string();
    let bad = "She like apples very much.".to_string();
    let engine = engine();
    let scores = engine
        .score(vec![good.clone(), bad.clone(), good.clone()])
        .await
        .expect("scores");
    assert!(scores[0].tokens >= 5, "{scores:?}");
    assert!(
        scores[0].logprob > scores[1].logprob,
        "the model should find the grammatical sentence more likely: {scores:?}"
    );
    assert!(scores
        .iter()
        .all(|s| s.logprob < 0.0 && s.min_logprob <= s.mean()));
    // The third text reused the first two's prefix in the KV cache; a fresh worker must agree.
    let fresh = crate::common::engine()
        .score(vec![good])
        .await
        .expect("scores");
    assert!(
        (fresh[0].logprob - scores[2].logprob).abs() < 1e-3
            && (fresh[0].logprob - scores[0].logprob).abs() < 1e-3,
        "{fresh:?} vs {scores:?}"
    );
    // A generation after scoring still works (the scoring sequence is separate).
    let g = engine
        .generate(
            GenerateRequest::text(vec![ChatMessage::new(Role::User, "Say hello.")], 8),
            |_| {},
            &CancellationToken::new(),
        )
        .await
        .expect("generation after scoring");
    assert!(g.generated_tokens > 0);
}

#[tokio::test]
async fn ranking_reads_the_first_differing_token_from_one_pass() {
    let engine = engine();
    let text = "She likes apples very much.".to_string();
    // Only the last token differs, and nothing follows it: the ranking's gain is then the
    // whole difference in score.
    let last = "She likes apples very much!".to_string();
    // Adds a token after the text's last one: nothing of the text to compare it with.
    let longer = "She likes apples very much. Yes".to_string();
    let early = "She like apples very much.".to_string();
    let gains = engine
        .rank(text.clone(), vec![last.clone(), longer, early])
        .await
        .expect("ranks");
    assert_eq!(gains.len(), 3);
    let scores = engine
        .score(vec![text.clone(), last])
        .await
        .expect("scores");
    assert!(
        (gains[0] - (scores[1].logprob - scores[0].logprob)).abs() < 1e-3,
        "{gains:?} vs {scores:?}"
    );
    assert_eq!(gains[1], f64::MAX, "{gains:?}");
    assert!(gains[2].is_finite(), "{gains:?}");
    // Ranking shares the scoring sequence's cache: scores after it match a fresh worker's.
    let fresh = crate::common::engine()
        .score(vec![text])
        .await
        .expect("scores");
    assert!((fresh[0].logprob - scores[0].logprob).abs() < 1e-3);
}

#[tokio::test]
async fn parallel_sequences_give_the_answers_one_at_a_time_would() {
    let schema = serde_json::json!({
        "type": "object",
        "properties": { "level": { "enum": ["A1", "A2", "B1", "B2", "C1", "C2"] } },
        "required": ["level"]
    });
    let free = GenerateRequest::text(vec![ChatMessage::new(Role::User, "Name three fruits.")], 24);
    let constrained = GenerateRequest::json(
        vec![ChatMessage::new(Role::User, "CEFR level of: I like cats.")],
        schema,
        20,
    );
    let engine = engine();
    let cancel = CancellationToken::new();
    let together = engine
        .generate_many(vec![free.clone(), constrained.clone()], &cancel)
        .await
        .expect("batched generation");
    assert_eq!(together.len(), 2);
    let alone_free = engine.generate(free, |_| {}, &cancel).await.expect("free");
    let alone_constrained = engine
        .generate(constrained, |_| {}, &cancel)
        .await
        .expect("constrained");
    assert_eq!(together[0].text, alone_free.text);
    assert_eq!(together[1].text, alone_constrained.text);
    let level: serde_json::Value =
        serde_json::from_str(&together[1].text).expect("the grammar held in the batch");
    assert!(level["level"].is_string());
}
