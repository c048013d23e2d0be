//! One learner's scenario through the window's commands (Tauri's mock runtime) and through
//! the HTTP API (the server's router, in-process), on the real test model and real SQLite
//! files: the same JSON and the same error codes from both. The scenario: a sentence checked
//! while the history cannot be saved, a sentence checked and saved, three conversation turns,
//! the history, a review card answered, an unknown card, a blank sentence, the export.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, Method, Request};
use http_body_util::BodyExt;
use lexilingo_app::host::active::TutorSource;
use lexilingo_app::App;
use lexilingo_core::engine::WorkerCommand;
use lexilingo_core::store::Store;
use serde_json::{json, Value};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;
use tower::ServiceExt;

use crate::commands;
use crate::state::AppState;

fn test_model() -> PathBuf {
    let path = std::env::var_os("LEXILINGO_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("HOME");
            PathBuf::from(home).join(".cache/lexilingo/test-models/SmolLM2-135M-Instruct.Q4_1.gguf")
        });
    assert!(path.is_file(), "run scripts/fetch-test-model first");
    path
}

/// The `lexilingo` binary beside this test's directory (cargo builds it for the workspace's
/// tests): the model worker, as the app's own executable is in production.
fn worker() -> WorkerCommand {
    let exe = std::env::current_exe().expect("the test's path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("lexilingo"))
        .expect("the target directory");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo test --workspace` (it builds the CLI)",
        bin.display()
    );
    WorkerCommand::for_program(bin)
}

fn source(dir: &Path) -> TutorSource {
    TutorSource {
        model: Some(test_model()),
        data_dir: Some(dir.to_path_buf()),
        threads: Some(2),
        n_ctx: Some(2048),
        worker: Some(worker()),
        ..TutorSource::default()
    }
}

/// A store whose pool is closed: every save fails, as on a full or vanished disk.
async fn broken_store(dir: &Path) -> Store {
    let store = Store::open(dir).await.expect("store");
    store.clone().close().await;
    store
}

/// One host: a way to run each step of the scenario.
trait Host {
    /// `Ok(body)` or `Err(error object)` for a command with its arguments.
    fn call(&mut self, step: &Step) -> Result<Value, Value>;
}

/// A step with what each host needs to run it.
struct Step {
    command: &'static str,
    args: Value,
    method: Method,
    path: String,
    body: Option<Value>,
}

fn step(
    command: &'static str,
    args: Value,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Step {
    Step {
        command,
        args,
        method,
        path: path.to_string(),
        body,
    }
}

struct Window {
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    data: PathBuf,
}

impl Window {
    fn new(app: App, data: PathBuf) -> Self {
        let tauri_app = mock_builder()
            .manage(AppState::new(app))
            .invoke_handler(handlers!())
            .build(mock_context(noop_assets()))
            .expect("mock app");
        let webview = tauri::WebviewWindowBuilder::new(&tauri_app, "main", Default::default())
            .build()
            .expect("mock window");
        Self {
            _app: tauri_app,
            webview,
            data,
        }
    }
}

impl Host for Window {
    fn call(&mut self, step: &Step) -> Result<Value, Value> {
        let response = tauri::test::get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: step.command.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: tauri::ipc::InvokeBody::Json(step.args.clone()),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )?;
        let value: Value = response.deserialize().expect("a JSON answer");
        // The window writes an export into the data folder and answers its path; the
        // browser downloads the same bytes.
        if step.command == "history_export" {
            let path = value.as_str().expect("the export's path");
            assert!(Path::new(path).starts_with(&self.data), "{path}");
            let text = std::fs::read_to_string(path).expect("the exported file");
            return Ok(serde_json::from_str(&text).expect("a JSON export"));
        }
        Ok(value)
    }
}

struct Http {
    router: axum::Router,
    token: String,
    runtime: tokio::runtime::Runtime,
}

impl Host for Http {
    fn call(&mut self, step: &Step) -> Result<Value, Value> {
        let mut request = Request::builder()
            .method(step.method.clone())
            .uri(&step.path)
            .header(header::HOST, "127.0.0.1")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        let body = match &step.body {
            Some(b) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let router = self.router.clone();
        let (status, bytes) = self.runtime.block_on(async move {
            let response = router
                .oneshot(request.body(body).expect("request"))
                .await
                .expect("response");
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            (status, bytes)
        });
        let text = String::from_utf8_lossy(&bytes).to_string();
        // A streamed turn: the last `data:` before `[DONE]` holds the answer or the error.
        let value: Value = if text.starts_with("data:") {
            text.lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim)
                .filter(|d| *d != "[DONE]")
                .filter_map(|d| serde_json::from_str::<Value>(d).ok())
                .rfind(|v| v.get("token").is_none())
                .expect("the stream's answer")
        } else if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        if let Some(error) = value.get("error") {
            return Err(error.clone());
        }
        if !status.is_success() {
            return Err(value);
        }
        Ok(value.get("turn").cloned().unwrap_or(value))
    }
}

/// What differs between two runs of the same scenario and says nothing about the contract:
/// clock times, durations, generated uuids, and how many tokens a reply cost (the reply guard
/// stops generation from another task, so the stop can land one token later in one run).
fn normalise(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| {
                    !(k.ends_with("_at")
                        || k.ends_with("_ms")
                        || k.ends_with("_time")
                        || k.as_str() == "at"
                        || k.as_str() == "uuid"
                        || k.as_str() == "tokens"
                        || k.as_str() == "detail"
                        || k.as_str() == "message")
                })
                .map(|(k, v)| (k.clone(), normalise(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// The scenario on one host; every step's normalised outcome, in order.
fn scenario(broken: &mut dyn Host, host: &mut dyn Host) -> Vec<(String, Result<Value, Value>)> {
    let mut out = Vec::new();
    let mut run = |host: &mut dyn Host, name: &str, s: Step| {
        let r = host.call(&s);
        let r = r.map(|v| normalise(&v)).map_err(|e| normalise(&e));
        out.push((name.to_string(), r.clone()));
        r
    };
    let analyze = |sentence: &str| {
        step(
            "analyze_sentence",
            json!({ "sentence": sentence, "requestId": null }),
            Method::POST,
            "/v1/tutor/analyze",
            Some(json!({ "sentence": sentence })),
        )
    };
    let unsaved = run(
        broken,
        "check, history unavailable",
        analyze("She don't like apples."),
    );
    let warning = unsaved.expect("a result despite the failed save");
    assert_eq!(
        warning["warning"]["code"], "history_unavailable",
        "{warning}"
    );
    assert!(warning["attempt_id"].is_null());

    let saved = run(host, "check", analyze("She don't like apples.")).expect("checked");
    assert!(saved["attempt_id"].is_i64(), "{saved}");
    run(host, "check a blank sentence", analyze("   ")).expect_err("refused");

    let mut history: Vec<Value> = Vec::new();
    let mut conversation = Value::Null;
    for message in [
        "Hello, I want order a coffee.",
        "How much it cost?",
        "Thank you very much.",
    ] {
        let turn = json!({
            "conversation_id": conversation,
            "scenario": "ordering_food",
            "level": "A2",
            "history": history,
            "message": message,
        });
        let answer = run(
            host,
            "conversation turn",
            step(
                "conversation_turn",
                json!({ "turn": turn, "requestId": null, "onToken": "__CHANNEL__:7" }),
                Method::POST,
                "/v1/conversations/turn",
                Some(turn.clone()),
            ),
        )
        .expect("a turn");
        conversation = answer["conversation_id"].clone();
        history.push(json!({ "role": "user", "content": message }));
        history.push(json!({ "role": "assistant", "content": answer["reply"]["reply"] }));
    }
    let page = run(
        host,
        "history",
        step(
            "history_list",
            json!({ "query": {} }),
            Method::GET,
            "/v1/history",
            None,
        ),
    )
    .expect("history");
    assert_eq!(
        page["items"].as_array().map(Vec::len),
        Some(4),
        "the check and three conversation messages: {page}"
    );
    let due = run(
        host,
        "review due",
        step(
            "review_due",
            json!({ "limit": 20 }),
            Method::GET,
            "/v1/review/due?limit=20",
            None,
        ),
    )
    .expect("due cards");
    // The mistake made in conversation is in the history and comes back in Review.
    let wrote_in_chat = |list: &Value| {
        list.as_array().is_some_and(|items| {
            items
                .iter()
                .any(|i| i["text"] == "Hello, I want order a coffee.")
        })
    };
    assert!(wrote_in_chat(&page["items"]), "{page}");
    assert!(wrote_in_chat(&due), "{due}");
    if let Some(card) = due.as_array().and_then(|c| c.first()) {
        let id = card["attempt_id"].as_i64().expect("a card's attempt");
        run(
            host,
            "review answer",
            step(
                "review_answer",
                json!({ "attemptId": id, "answer": "She doesn't like apples." }),
                Method::POST,
                &format!("/v1/review/{id}"),
                Some(json!({ "answer": "She doesn't like apples." })),
            ),
        )
        .expect("graded");
    }
    run(
        host,
        "review an unknown card",
        step(
            "review_answer",
            json!({ "attemptId": 9999, "answer": "x" }),
            Method::POST,
            "/v1/review/9999",
            Some(json!({ "answer": "x" })),
        ),
    )
    .expect_err("no such card");
    run(
        host,
        "export",
        step(
            "history_export",
            json!({ "format": "json" }),
            Method::GET,
            "/v1/history/export?format=json",
            None,
        ),
    )
    .expect("exported");
    out
}

#[test]
fn the_window_and_the_http_api_answer_one_scenario_alike() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().expect("dir")).collect();
    let window_outcome = {
        let broken = runtime.block_on(broken_store(dirs[0].path()));
        let mut broken = Window::new(
            App::new(source(dirs[0].path())).with_store(broken),
            dirs[0].path().into(),
        );
        let mut window = Window::new(App::new(source(dirs[1].path())), dirs[1].path().into());
        scenario(&mut broken, &mut window)
    };
    let http_outcome = {
        let options = lexilingo_server::ServeOptions::loopback(0);
        let broken_store = runtime.block_on(broken_store(dirs[2].path()));
        let built = lexilingo_server::build(source(dirs[2].path()), broken_store, &options)
            .expect("server");
        let mut broken = Http {
            router: built.router,
            token: built.token.expect("token"),
            runtime: tokio::runtime::Runtime::new().expect("runtime"),
        };
        let store = runtime
            .block_on(Store::open(dirs[3].path()))
            .expect("store");
        let built =
            lexilingo_server::build(source(dirs[3].path()), store, &options).expect("server");
        let mut http = Http {
            router: built.router,
            token: built.token.expect("token"),
            runtime: tokio::runtime::Runtime::new().expect("runtime"),
        };
        scenario(&mut broken, &mut http)
    };
    assert_eq!(window_outcome.len(), http_outcome.len());
    for ((name, window), (_, http)) in window_outcome.iter().zip(&http_outcome) {
        match (window, http) {
            (Ok(w), Ok(h)) => assert_eq!(w, h, "{name}: the window and HTTP answered differently"),
            (Err(w), Err(h)) => {
                assert_eq!(w["code"], h["code"], "{name}: different error codes");
                assert_eq!(w["message_vi"], h["message_vi"], "{name}");
                assert_eq!(w["message_en"], h["message_en"], "{name}");
            }
            _ => panic!("{name}: the window answered {window:?}, HTTP {http:?}"),
        }
    }
}
