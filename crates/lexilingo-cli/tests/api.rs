//! `lexilingo serve` end to end: the real binary on loopback, driven by curl and by the
//! official `openai` Python package (scripts/setup-python), with the real test model.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{lexilingo_bin, test_model};

pub const TOKEN: &str = "s3cret-test-token";

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The token from the start-up line (`/?token=…`), if it printed one.
    pub token: Option<String>,
    _data: tempfile::TempDir,
    /// What the server logged so far (echoed to the test's stderr as it comes).
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(extra: &[&str]) -> Server {
    let mut args = vec!["--token", TOKEN];
    args.extend_from_slice(extra);
    serve_with(&args, &[])
}

/// `lexilingo --model TEST serve --port 0 ARGS…` with `envs`, without a `--token` of its own.
pub fn serve_with(args: &[&str], envs: &[(&str, &str)]) -> Server {
    let data = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(lexilingo_bin())
        .args(["--model"])
        .arg(test_model())
        .args(["--threads", "2", "--ctx", "2048", "--data-dir"])
        .arg(data.path())
        .args(["serve", "--port", "0"])
        .args(args)
        .envs(envs.iter().copied())
        // The server's own notes (a cancelled generation) at info; everything else at warn.
        .env("LEXILINGO_LOG", "warn,lexilingo_server=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lexilingo serve");
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr");
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
            eprintln!("{line}");
            let mut log = sink.lock().unwrap_or_else(|e| e.into_inner());
            log.push_str(&line);
            log.push('\n');
        }
    });
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the address line");
    // `listening on http://127.0.0.1:PORT/?token=T` (or `…/` without a token).
    let link = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
    let (base, token) = match link.split_once("/?token=") {
        Some((base, token)) => (base.to_string(), Some(token.to_string())),
        None => (link.trim_end_matches('/').to_string(), None),
    };
    Server {
        child,
        base,
        token,
        _data: data,
        log,
    }
}

impl Server {
    /// The data folder the server was started with.
    pub fn data_dir(&self) -> &std::path::Path {
        self._data.path()
    }

    /// The server's own pid (its model worker is a child of it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Runs curl; returns (HTTP status, headers, body).
pub fn curl(args: &[&str]) -> (u16, String, String) {
    let out = Command::new("curl")
        .args(["-sS", "-D", "/dev/stderr", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("run curl");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = stdout.rsplit_once('\n').unwrap_or(("", "0"));
    (
        code.trim().parse().unwrap_or(0),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        body.to_string(),
    )
}

pub fn auth() -> String {
    format!("Authorization: Bearer {TOKEN}")
}

pub fn post(base: &str, path: &str, body: &str) -> (u16, String, String) {
    let url = format!("{base}{path}");
    let auth = auth();
    curl(&[
        "-X",
        "POST",
        &url,
        "-H",
        &auth,
        "-H",
        "Content-Type: application/json",
        "-d",
        body,
    ])
}

pub fn get(base: &str, path: &str) -> (u16, String, String) {
    let url = format!("{base}{path}");
    let auth = auth();
    curl(&[&url, "-H", &auth])
}

pub fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn python() -> PathBuf {
    let p = std::env::var_os("LEXILINGO_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("HOME");
            PathBuf::from(home).join(".cache/lexilingo/venv/bin/python")
        });
    assert!(
        p.is_file(),
        "the openai client's venv is missing: run scripts/setup-python"
    );
    p
}

#[test]
fn the_official_openai_client_works_streaming_and_not() {
    let server = serve(&[]);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/openai_client.py");
    let out = Command::new(python())
        .arg(script)
        .args([&server.base, TOKEN])
        .output()
        .expect("run the openai client");
    assert!(
        out.status.success(),
        "openai client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("openai client ok"));
}

#[test]
fn tutor_and_history_endpoints_with_curl() {
    let server = serve(&[]);
    let base = &server.base;

    // Open endpoints, and the token guarding the rest.
    let (code, _, body) = curl(&[&format!("{base}/health")]);
    assert_eq!(code, 200);
    assert_eq!(json(&body)["status"], "ok");
    let (code, _, body) = curl(&[&format!("{base}/openapi.json")]);
    assert_eq!(code, 200);
    let spec = json(&body);
    assert!(spec["paths"]["/v1/chat/completions"].is_object());
    assert!(spec["paths"]["/v1/tutor/analyze"].is_object());
    // Every answer below is checked against the document the server itself serves.
    let conforms = |method: &str, template: &str, code: u16, body: &str| {
        let responses = &spec["paths"][template][method]["responses"];
        let response = responses
            .get(code.to_string())
            .or_else(|| responses.get(format!("{}XX", code / 100)))
            .unwrap_or_else(|| panic!("{method} {template} documents no {code}"));
        let schema = response
            .pointer("/content/application~1json/schema")
            .unwrap_or_else(|| panic!("{method} {template} {code}: no JSON schema"));
        crate::schema_check::check(&spec, schema, &json(body), "$")
            .unwrap_or_else(|e| panic!("{method} {template} {code}: {e}\n{body}"));
    };
    let (code, headers, body) = curl(&[&format!("{base}/v1/history")]);
    assert_eq!(code, 401, "{body}");
    conforms("get", "/v1/history", code, &body);
    assert!(headers.to_lowercase().contains("www-authenticate: bearer"));
    assert!(json(&body)["error"]["message_vi"].as_str().is_some());

    // The UI is served at /.
    let (code, _, body) = curl(&[&format!("{base}/")]);
    assert_eq!(code, 200);
    assert!(body.contains("<html"), "{body}");

    // Hints need no model; bad input is a 400 with a Vietnamese message.
    let (code, _, body) = post(
        base,
        "/v1/tutor/hints",
        r#"{"sentence":"This is an test."}"#,
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(json(&body)["hints"][0]["replacement"], "a");
    conforms("post", "/v1/tutor/hints", code, &body);
    let (code, _, body) = post(base, "/v1/tutor/correct", r#"{"sentence":"   "}"#);
    assert_eq!(code, 400);
    assert_eq!(json(&body)["error"]["code"], "input_blank");
    conforms("post", "/v1/tutor/correct", code, &body);
    let (code, _, _) = post(base, "/v1/tutor/correct", "not json");
    assert!((400..500).contains(&code), "{code}");

    // Analyze saves the attempt; the history lists, shows and deletes it.
    let (code, _, body) = post(
        base,
        "/v1/tutor/analyze",
        r#"{"sentence":"She don't like apples."}"#,
    );
    assert_eq!(code, 200, "{body}");
    conforms("post", "/v1/tutor/analyze", code, &body);
    let analysis = json(&body);
    let id = analysis["attempt_id"].as_i64().expect("attempt id");
    assert!(analysis["fluency"]["score"].as_f64().is_some());
    assert!(analysis["vocabulary"]["level"].as_str().is_some());
    let (code, _, body) = get(base, "/v1/history?search=apples");
    assert_eq!(code, 200);
    assert_eq!(json(&body)["items"][0]["id"].as_i64(), Some(id));
    conforms("get", "/v1/history", code, &body);
    let (code, _, body) = get(base, &format!("/v1/history/{id}"));
    assert_eq!(code, 200);
    assert_eq!(json(&body)["text"], "She don't like apples.");
    conforms("get", "/v1/history/{id}", code, &body);
    let (code, _, body) = get(base, "/v1/stats");
    assert_eq!(code, 200, "{body}");
    conforms("get", "/v1/stats", code, &body);
    let (code, _, body) = get(base, "/v1/review/due");
    assert_eq!(code, 200, "{body}");
    conforms("get", "/v1/review/due", code, &body);
    let (code, _, body) = get(base, "/v1/engine");
    assert_eq!(code, 200, "{body}");
    conforms("get", "/v1/engine", code, &body);
    let (code, _, body) = post(
        base,
        "/v1/tutor/dialogue",
        r#"{"message":"I want a coffee.","scenario":"ordering_food","level":"A2"}"#,
    );
    assert_eq!(code, 200, "{body}");
    conforms("post", "/v1/tutor/dialogue", code, &body);
    // "Giúp em nói câu này" with the real model: an English sentence (the 135M model's is
    // poor; this checks the plumbing and the answer's shape), nothing saved.
    let (code, _, body) = post(
        base,
        "/v1/conversations/suggest",
        r#"{"text":"Cho em một ly cà phê sữa đá.","scenario":"ordering_food","level":"A2"}"#,
    );
    assert_eq!(code, 200, "{body}");
    conforms("post", "/v1/conversations/suggest", code, &body);
    let english = json(&body)["english"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        lexilingo_core::language::sentences::split(&english).len() == 1,
        "one English sentence: {english}"
    );
    // A drill sentence written by the real model (or none): the answer's shape either way.
    let (code, _, body) = post(
        base,
        "/v1/drills/item",
        r#"{"error_type":"noun_number","level":"A2","avoid":[],"seed":15}"#,
    );
    assert_eq!(code, 200, "{body}");
    conforms("post", "/v1/drills/item", code, &body);
    let (code, _, body) = post(
        base,
        "/v1/tutor/sentences",
        r#"{"text":"Mr. Nam is my teacher. He teach English.\nI am student"}"#,
    );
    assert_eq!(code, 200, "{body}");
    conforms("post", "/v1/tutor/sentences", code, &body);
    assert_eq!(json(&body)["sentences"].as_array().map(Vec::len), Some(3));
    let (code, _, _) = curl(&["-X", "DELETE", &format!("{base}/v1/history"), "-H", &auth()]);
    assert_eq!(code, 400, "clearing needs confirmation");
    let (code, _, _) = curl(&[
        "-X",
        "DELETE",
        &format!("{base}/v1/history/{id}"),
        "-H",
        &auth(),
    ]);
    assert_eq!(code, 204);
    let (code, _, _) = get(base, &format!("/v1/history/{id}"));
    assert_eq!(code, 404);
}

fn long_stream_request(base: &str, max_time_s: &str) -> Child {
    Command::new("curl")
        .args(["-sS", "-N", "--max-time", max_time_s, "-X", "POST"])
        .arg(format!("{base}/v1/chat/completions"))
        .args(["-H", &auth(), "-H", "Content-Type: application/json", "-d"])
        .arg(
            r#"{"messages":[{"role":"user","content":"Write a very long story about a cat in Hanoi."}],
                "stream":true,"max_tokens":1500,"temperature":0.8,"seed":1}"#,
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start curl")
}

fn busy(base: &str) -> bool {
    // Without the token /health says only "ok".
    let (_, _, body) = curl(&[&format!("{base}/health"), "-H", &auth()]);
    json(&body)["busy"].as_bool().unwrap_or(true)
}

#[test]
fn a_full_queue_answers_503_and_a_disconnect_cancels_the_generation() {
    // One running request and no waiting room.
    let server = serve(&["--queue", "0"]);
    let base = &server.base;
    let mut first = long_stream_request(base, "60");
    let started = Instant::now();
    while !busy(base) {
        assert!(started.elapsed() < Duration::from_secs(20), "never busy");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, headers, body) = post(
        base,
        "/v1/tutor/correct",
        r#"{"sentence":"She don't like apples."}"#,
    );
    assert_eq!(code, 503, "{body}");
    assert!(
        headers.to_lowercase().contains("retry-after: 2"),
        "{headers}"
    );
    assert_eq!(json(&body)["error"]["code"], "busy");

    // The client goes away: the 1,500-token generation (about 15 s on an idle machine) must
    // stop at its next token. The proof is the server's note that it cancelled the generation
    // early, not a clock: under a loaded test run a token can take a second, so a short time
    // window flaked, and a long one could not tell a cancelled generation from a finished one.
    let _ = first.kill();
    let _ = first.wait();
    let gone = Instant::now();
    while busy(base) {
        assert!(
            gone.elapsed() < Duration::from_secs(120),
            "the generation kept running after the client disconnected"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = server.log();
    // Under a loaded run the client may leave while its request still waits for the engine:
    // then no generation starts at all, which the server notes too.
    let tokens: u32 = if log.contains("client went away before the generation started") {
        0
    } else {
        log.lines()
            .find_map(|l| l.split("generation cancelled after ").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("the server did not cancel the generation:\n{log}"))
    };
    assert!(tokens < 1500, "cancelled only after {tokens} tokens");
    eprintln!(
        "disconnect: generation cancelled after {tokens} tokens, {:.1} s after the client left",
        gone.elapsed().as_secs_f64()
    );
    // And the model serves the next request.
    let (code, _, body) = post(
        base,
        "/v1/tutor/correct",
        r#"{"sentence":"She don't like apples."}"#,
    );
    assert_eq!(code, 200, "{body}");
}

#[test]
fn a_remote_address_needs_an_explicit_flag() {
    let data = tempfile::tempdir().expect("tempdir");
    let out = Command::new(lexilingo_bin())
        .args(["--model"])
        .arg(test_model())
        .arg("--data-dir")
        .arg(data.path())
        .args(["serve", "--host", "0.0.0.0", "--port", "0"])
        .output()
        .expect("run serve");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
}

fn lexilingo_remote(base_url: &str, args: &[&str]) -> std::process::Output {
    let data = tempfile::tempdir().expect("tempdir");
    Command::new(lexilingo_bin())
        .args(["--remote-url", base_url, "--remote-key", TOKEN])
        .args([
            "--remote-model",
            "SmolLM2-135M-Instruct.Q4_1.gguf",
            "--json",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .env_remove("LEXILINGO_MODEL")
        .args(args)
        .output()
        .expect("run lexilingo")
}

#[test]
fn the_cli_uses_a_remote_openai_compatible_server_as_its_model() {
    let server = serve(&[]);
    let base = format!("{}/v1", server.base);
    let out = lexilingo_remote(&base, &["analyze", "--no-save", "She don't like apples."]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&stdout);
    let score = v["fluency"]["score"].as_f64().expect("fluency score");
    assert!((0.0..=5.0).contains(&score));
    assert!(v["vocabulary"]["level"].as_str().is_some());
    // The rules still fix what they can; the remote model's answer went through the same
    // schema and parser as a local one.
    assert!(v["correction"]["corrected"].as_str().is_some());

    let out = lexilingo_remote(&base, &["correct", "This is an test."]);
    assert!(out.status.success());
    let v = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(v["corrected"], "This is a test.");

    // A server that is not there: a clear error, quickly.
    drop(server);
    let started = Instant::now();
    let out = lexilingo_remote(&base, &["correct", "This is an test."]);
    assert!(!out.status.success());
    let v = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(v["error"]["code"], "remote_failed", "{v}");
    assert!(started.elapsed() < Duration::from_secs(15));
}
