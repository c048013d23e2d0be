//! The desktop app in a real window: Xvfb + WebKitWebDriver drive the built Tauri binary with
//! the real test model. It checks that the window is titled "LexiLingo", that it shows the
//! result of a real backend call (the loaded model), and that a sentence check renders a score,
//! a level, a diff and a Vietnamese explanation.
//!
//! Needs `Xvfb` (when `DISPLAY` is unset) and `WebKitWebDriver` (Debian: xvfb,
//! webkit2gtk-driver; `scripts/setup-debian` installs both).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The CLI suite's file server, shared rather than written again.
#[path = "../crates/lexilingo-cli/tests/server.rs"]
#[allow(dead_code)]
mod server;

/// Kills the child process when dropped, so a failed assertion leaves nothing running.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

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

/// A minimal WebDriver client: JSON over HTTP/1.1 on loopback.
struct WebDriver {
    port: u16,
    session: String,
}

fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> std::io::Result<Value> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let json_body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(json_body).map_err(std::io::Error::other)
}

impl WebDriver {
    fn start(port: u16, app: &std::path::Path) -> Self {
        let deadline = Instant::now() + Duration::from_secs(20);
        while http(port, "GET", "/status", None).is_err() {
            assert!(Instant::now() < deadline, "WebKitWebDriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "webkitgtk:browserOptions": { "binary": app, "args": [] }
        }}});
        let v = http(port, "POST", "/session", Some(&caps)).expect("new session");
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Self { port, session }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let full = format!("/session/{}{path}", self.session);
        let v = http(self.port, method, &full, body.as_ref()).expect("webdriver request");
        v["value"].clone()
    }

    fn script(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Polls `script` until it returns something truthy, or panics with `what`.
    fn wait_for(&self, script: &str, what: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.script(script);
            let truthy = !(v.is_null() || v == json!(false) || v == json!(""));
            if truthy {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// A window under test: its X display (Xvfb unless `DISPLAY` is set), the driver, the session.
struct Window {
    wd: WebDriver,
    display: String,
    _driver: Guard,
    _xvfb: Option<Guard>,
}

/// Opens the app in a new window with `env` (tests run in parallel: `slot` keeps their Xvfb
/// displays apart).
fn open_window(app: &std::path::Path, env: &[(&str, &std::ffi::OsStr)], slot: u32) -> Window {
    let mut display = std::env::var("DISPLAY").ok().filter(|d| !d.is_empty());
    let xvfb = if display.is_none() {
        let n = 90 + (std::process::id() % 50) * 2 + slot;
        let x = Command::new("Xvfb")
            .args([
                format!(":{n}"),
                "-screen".into(),
                "0".into(),
                "1280x800x24".into(),
                "-nolisten".into(),
                "tcp".into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (apt install xvfb)");
        display = Some(format!(":{n}"));
        std::thread::sleep(Duration::from_millis(700));
        Some(Guard(x))
    } else {
        None
    };
    let display = display.unwrap_or_else(|| ":0".into());
    let port = free_port();
    let mut driver = Command::new("WebKitWebDriver");
    driver
        .arg(format!("--port={port}"))
        .env("DISPLAY", &display)
        .env("TAURI_WEBVIEW_AUTOMATION", "true")
        .env_remove("LEXILINGO_MODEL")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        driver.env(k, v);
    }
    let driver = Guard(
        driver
            .spawn()
            .expect("WebKitWebDriver (apt install webkit2gtk-driver)"),
    );
    Window {
        wd: WebDriver::start(port, app),
        display,
        _driver: driver,
        _xvfb: xvfb,
    }
}

#[test]
fn window_checks_a_sentence_with_the_real_model() {
    let app = PathBuf::from(env!("CARGO_BIN_EXE_lexilingo-desktop"));
    let model = test_model();
    let data = tempfile::tempdir().expect("temp data dir");
    let window = open_window(
        &app,
        &[
            ("LEXILINGO_MODEL", model.as_os_str()),
            ("LEXILINGO_DATA_DIR", data.path().as_os_str()),
        ],
        0,
    );
    let wd = &window.wd;
    let display = Some(window.display.clone());
    assert_eq!(wd.call("GET", "/title", None), json!("LexiLingo"));

    let status = wd.wait_for(
        "const s = document.getElementById('engine-status'); return s.dataset.ready === 'true' && s.textContent;",
        "the model status from the backend",
        Duration::from_secs(60),
    );
    assert!(
        status
            .as_str()
            .is_some_and(|s| s.to_lowercase().contains("smollm2")),
        "{status}"
    );

    // The window reopens on the last screen used (kept across restarts): go to Practice.
    wd.script("location.hash = '#practice'; return true;");
    wd.wait_for(
        "return !!document.getElementById('sentence');",
        "the Practice screen",
        Duration::from_secs(10),
    );

    // Hints while typing: the rule-based checker answers without the model.
    wd.script(
        "const t = document.getElementById('sentence'); t.value = 'This is an test.'; \
         t.dispatchEvent(new Event('input')); return true;",
    );
    let hint = wd.wait_for(
        "const li = document.querySelector('#hints li'); return li && li.textContent;",
        "a hint while typing",
        Duration::from_secs(30),
    );
    let hint = hint.as_str().unwrap_or_default();
    assert!(hint.contains("an → a"), "{hint}");
    assert!(hint.contains("Mạo từ"), "{hint}");

    wd.script(
        "document.getElementById('sentence').value = \"She don't like apples.\"; \
         document.getElementById('check').click(); return true;",
    );
    let shown = wd.wait_for(
        "const r = document.getElementById('result'); return !r.hidden && { \
           score: document.querySelector('#result .gauge').getAttribute('aria-label'), \
           level: document.getElementById('cefr-level').textContent, \
           removed: [...document.querySelectorAll('#diff del')].map(e => e.textContent), \
           added: [...document.querySelectorAll('#diff ins')].map(e => e.textContent), \
           explanations: [...document.querySelectorAll('#explanations li p')].map(e => e.textContent) };",
        "the analysis",
        Duration::from_secs(120),
    );
    let score = shown["score"].as_str().unwrap_or_default();
    assert!(score.ends_with("/ 5"), "{shown}");
    let level = shown["level"].as_str().unwrap_or_default();
    assert!(
        ["A1", "A2", "B1", "B2", "C1", "C2"].contains(&level),
        "{shown}"
    );
    assert!(
        shown["removed"].as_array().is_some_and(|a| !a.is_empty()),
        "{shown}"
    );
    assert!(
        shown["added"].as_array().is_some_and(|a| !a.is_empty()),
        "{shown}"
    );
    let first = shown["explanations"][0].as_str().unwrap_or_default();
    let vietnamese = first
        .chars()
        .any(|c| "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ".contains(c));
    assert!(vietnamese, "Vietnamese explanation expected: {shown}");

    // The attempt appears on the History screen of the same window.
    wd.script("location.hash = '#history'; return true;");
    let listed = wd.wait_for(
        "const li = document.querySelector('#history-list li[data-id]'); return li && li.textContent;",
        "the attempt in History",
        Duration::from_secs(30),
    );
    assert!(
        listed
            .as_str()
            .unwrap_or_default()
            .contains("She don't like apples."),
        "{listed}"
    );

    // A mistake made in conversation is kept: it is in History and comes back in Review.
    wd.script("location.hash = '#conversation'; return true;");
    wd.wait_for(
        "return !!document.getElementById('chat-input');",
        "the Conversation screen",
        Duration::from_secs(10),
    );
    wd.script(
        "const s = document.getElementById('chat-scenario'); s.value = 'ordering_food'; \
         s.dispatchEvent(new Event('change')); \
         document.getElementById('chat-input').value = 'Hello, I want order a coffee.'; \
         document.getElementById('chat-send').click(); return true;",
    );
    wd.wait_for(
        "const a = document.querySelector('#chat-log .msg.assistant:not(.streaming)'); \
         const send = document.getElementById('chat-send'); return !!a && !send.disabled;",
        "the partner's reply and the checked message",
        Duration::from_secs(180),
    );
    wd.script("location.hash = '#history'; return true;");
    let listed = wd.wait_for(
        "const l = document.getElementById('history-list'); \
         return l && l.textContent.includes('Hello, I want order a coffee.') && l.textContent;",
        "the conversation message in History",
        Duration::from_secs(30),
    );
    assert!(listed.is_string(), "{listed}");
    wd.script("location.hash = '#review'; return true;");
    let mut seen = Vec::new();
    for _ in 0..3 {
        let card = wd.wait_for(
            "const s = document.getElementById('review-sentence'); return s && s.textContent;",
            "a review card",
            Duration::from_secs(30),
        );
        let card = card.as_str().unwrap_or_default().to_string();
        if card == "Hello, I want order a coffee." {
            break;
        }
        seen.push(card);
        // Answer this one and go to the next card.
        wd.script(
            "document.getElementById('review-answer').value = 'x'; \
             document.getElementById('review-check').click(); return true;",
        );
        wd.wait_for(
            "const n = document.getElementById('review-next'); return !!n && !n.hidden;",
            "the answer's feedback",
            Duration::from_secs(60),
        );
        wd.script(
            "const old = document.getElementById('review-sentence'); if (old) old.id = 'review-old'; \
             document.getElementById('review-next').click(); return true;",
        );
    }
    assert!(
        seen.len() < 3,
        "the conversation's mistake never came back in Review (cards: {seen:?})"
    );

    // "Luyện lỗi này" from Progress: a drill of a mistake the learner made, through the
    // window's commands (drill_start, drill_item, drill_answer).
    wd.script("location.hash = '#progress'; return true;");
    wd.wait_for(
        "return !!document.querySelector('#error-links button[data-drill]');",
        "a drill button beside the top mistakes",
        Duration::from_secs(30),
    );
    wd.script("document.querySelector('#error-links button[data-drill]').click(); return true;");
    wd.wait_for(
        "return !!document.getElementById('drill-sentence') || !!document.getElementById('drill-done');",
        "a drill sentence (or the drill's end)",
        Duration::from_secs(180),
    );
    if wd.script("return !!document.getElementById('drill-sentence');") == Value::Bool(true) {
        // Left as it was, the sentence is wrong: graded by the item's edits.
        wd.script("document.getElementById('drill-check').click(); return true;");
        wd.wait_for(
            "const f = document.getElementById('drill-feedback'); return !!f && /Chưa đúng/.test(f.textContent);",
            "the drill's feedback on an unchanged sentence",
            Duration::from_secs(60),
        );
    }
    wd.script("location.hash = '#practice'; return true;");

    // A second launch on the same data folder shows this window and exits at once, instead of
    // starting a second engine over the same history.
    let started = std::time::Instant::now();
    let mut second = Command::new(&app)
        .env("DISPLAY", display.as_deref().unwrap_or(":0"))
        .env("LEXILINGO_MODEL", &model)
        .env("LEXILINGO_DATA_DIR", data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("second launch");
    let exited = loop {
        if let Some(status) = second.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            panic!("the second launch kept running");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exited.success(), "{exited}");
    let logs = lexilingo_app::host::paths::logs_dir(data.path());
    let asked = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        std::fs::read_dir(&logs)
            .into_iter()
            .flatten()
            .flatten()
            .any(|f| {
                std::fs::read_to_string(f.path())
                    .is_ok_and(|t| t.contains("another launch asked for this window"))
            })
    });
    assert!(asked, "the running window heard the second launch");
    assert_eq!(
        wd.script("return document.title;"),
        json!("LexiLingo"),
        "the first window still answers"
    );

    let _ = wd.call("DELETE", "", None);

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let saved = rt.block_on(async {
        let store = lexilingo_core::store::Store::open(data.path())
            .await
            .expect("open history");
        store
            .list_attempts(&Default::default())
            .await
            .expect("list")
    });
    let texts: Vec<&str> = saved.items.iter().map(|a| a.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Hello, I want order a coffee.", "She don't like apples."],
        "the checked sentence and the conversation message are in the history, newest first"
    );
}

#[test]
fn first_run_downloads_the_model_in_the_window() {
    let app = PathBuf::from(env!("CARGO_BIN_EXE_lexilingo-desktop"));
    let bytes = std::sync::Arc::new(std::fs::read(test_model()).expect("read model"));
    let sha = {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(lexilingo_core::models::download::sha256_file(&test_model()))
            .expect("hash")
    };
    // The download tests' loopback server (any path, `Range` honoured), without faults.
    let mirror = server::FaultyServer::start(std::sync::Arc::clone(&bytes), server::Fault::None);
    let data = tempfile::tempdir().expect("temp data dir");
    std::fs::write(
        data.path().join("catalog.toml"),
        format!(
            "default = \"smol\"\n[[model]]\nid = \"smol\"\nname = \"SmolLM2 135M (test)\"\n\
             quant = \"Q4_1\"\nfile = \"smol.gguf\"\n\
             url = \"https://huggingface.co/t/smol/resolve/0123/smol.gguf\"\nsize = {}\n\
             sha256 = \"{sha}\"\nlicence = \"Apache-2.0\"\ncontext = 8192\nram_gb = 1\n\
             recommendation = \"test\"\nchecked = true\n",
            bytes.len()
        ),
    )
    .expect("catalog");
    let endpoint = mirror.url.trim_end_matches("/model.gguf").to_string();
    let window = open_window(
        &app,
        &[
            ("LEXILINGO_DATA_DIR", data.path().as_os_str()),
            ("LEXILINGO_HF_ENDPOINT", std::ffi::OsStr::new(&endpoint)),
        ],
        1,
    );
    let wd = &window.wd;
    // No model: the window opens on the model screen with a welcome, not an error.
    wd.wait_for(
        "return !!document.getElementById('welcome') && location.hash === '#models';",
        "the first-run model screen",
        Duration::from_secs(30),
    );
    // The catalog list arrives after the welcome line (a separate request): wait for it.
    wd.wait_for(
        "return !!document.getElementById('model-smol');",
        "the catalog on the model screen",
        Duration::from_secs(30),
    );
    let selected = wd.script("return document.getElementById('model-smol').checked;");
    assert_eq!(
        selected,
        json!(true),
        "the recommended model is pre-selected"
    );
    assert_eq!(
        wd.script("return !!document.getElementById('pick-model');"),
        json!(true),
        "the app offers its native file dialog for import"
    );

    // Script in the webview cannot name a path: the import and data-folder commands accept
    // only what the native dialog returned, the dialog plugin is not callable from the page,
    // and there is no global Tauri object.
    let refused = |cmd: &str, args: &str| {
        let script = format!(
            "window.__r = null; window.__TAURI_INTERNALS__.invoke('{cmd}', {args})\
               .then(() => window.__r = 'accepted', (e) => window.__r = JSON.stringify(e)); return true;"
        );
        wd.script(&script);
        wd.wait_for("return window.__r;", cmd, Duration::from_secs(20))
    };
    let model = test_model();
    let answer = refused(
        "model_import",
        &format!("{{ path: {:?} }}", model.display().to_string()),
    );
    assert!(
        answer
            .as_str()
            .is_some_and(|a| a.contains("path_not_picked")),
        "a typed model path was not refused: {answer}"
    );
    let answer = refused("data_dir_move", "{ path: '/tmp/elsewhere' }");
    assert!(
        answer
            .as_str()
            .is_some_and(|a| a.contains("path_not_picked")),
        "a typed folder was not refused: {answer}"
    );
    let answer = refused("plugin:dialog|open", "{ options: {} }");
    assert!(
        answer
            .as_str()
            .is_some_and(|a| a != "accepted" && a.contains("not allowed")),
        "the page may open the dialog itself: {answer}"
    );
    assert_eq!(
        wd.script("return typeof window.__TAURI__;"),
        json!("undefined")
    );
    assert!(!data.path().join("models/manifest.json").exists());

    // Download through the app's commands; progress arrives as Tauri events; when the model is
    // in, the engine starts on it.
    wd.script("document.getElementById('download-start').click(); return true;");
    let status = wd.wait_for(
        "const s = document.getElementById('engine-status'); return s.dataset.ready === 'true' && s.textContent;",
        "the downloaded model running",
        Duration::from_secs(120),
    );
    assert!(
        status
            .as_str()
            .is_some_and(|s| s.to_lowercase().contains("smollm2")),
        "{status}"
    );
    let text = wd.script("return document.getElementById('download-text').textContent;");
    assert!(
        text.as_str().is_some_and(|t| t.contains("Đã tải xong")),
        "{text}"
    );
    let manifest =
        std::fs::read_to_string(data.path().join("models/manifest.json")).expect("manifest");
    assert!(manifest.contains("\"active\": \"smol\""), "{manifest}");
    let _ = wd.call("DELETE", "", None);
}
