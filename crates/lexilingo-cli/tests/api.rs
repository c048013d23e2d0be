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

    // The same correction as on this machine: the remote server scores texts too (see
    // analyze_through_a_remote_lexilingo_serve_equals_local_analyze).
    let out = lexilingo_remote(&base, &["correct", "This is an test."]);
    assert!(out.status.success());
    let remote = json(&String::from_utf8_lossy(&out.stdout));
    let local = json(&String::from_utf8_lossy(
        &lexilingo_local(&["correct", "This is an test."]).stdout,
    ));
    assert_eq!(remote["corrected"], local["corrected"], "{remote}\n{local}");

    // A server that is not there: a clear error, quickly.
    drop(server);
    let started = Instant::now();
    let out = lexilingo_remote(&base, &["correct", "This is an test."]);
    assert!(!out.status.success());
    let v = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(v["error"]["code"], "remote_failed", "{v}");
    assert!(started.elapsed() < Duration::from_secs(15));
}

/// `lexilingo --json ARGS…` on the test model with the server's settings (2 threads, context
/// 2048), so a local run and one through `serve` do the same arithmetic.
fn lexilingo_local(args: &[&str]) -> std::process::Output {
    let data = tempfile::tempdir().expect("tempdir");
    Command::new(lexilingo_bin())
        .arg("--model")
        .arg(test_model())
        .args(["--threads", "2", "--ctx", "2048", "--json", "--data-dir"])
        .arg(data.path())
        .args(args)
        .output()
        .expect("run lexilingo")
}

/// An analysis without what differs between two runs of the same analysis (timings).
fn comparable(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !k.ends_with("_ms") && k.as_str() != "attempt_id")
            .map(|(k, v)| (k.clone(), comparable(v)))
            .collect(),
        serde_json::Value::Array(items) => items.iter().map(comparable).collect(),
        other => other.clone(),
    }
}

#[test]
fn analyze_through_a_remote_lexilingo_serve_equals_local_analyze() {
    let server = serve(&[]);
    let base = format!("{}/v1", server.base);
    // A tense, a missing article and agreement: the confusion sets, the veto and the fluency
    // fit all need the model's log-probabilities, which now come over /v1/completions.
    for sentence in [
        "Yesterday I go to the market and buy many vegetable.",
        "I am student.",
        "She don't like apples.",
    ] {
        let local = lexilingo_local(&["analyze", "--no-save", sentence]);
        let remote = lexilingo_remote(&base, &["analyze", "--no-save", sentence]);
        assert!(
            local.status.success() && remote.status.success(),
            "{sentence}"
        );
        let (local, remote) = (
            json(&String::from_utf8_lossy(&local.stdout)),
            json(&String::from_utf8_lossy(&remote.stdout)),
        );
        assert_eq!(
            comparable(&local),
            comparable(&remote),
            "remote analysis differs from local for {sentence:?}"
        );
        eprintln!(
            "parity: {sentence:?} → {:?}, fluency {}, {}",
            local["correction"]["corrected"],
            local["fluency"]["score"],
            local["vocabulary"]["level"]
        );
    }
}

#[test]
fn the_completions_endpoint_scores_texts_as_vllm_does() {
    let server = serve(&[]);
    let (code, _, body) = post(
        &server.base,
        "/v1/completions",
        r#"{"prompt":["She go to school.","Phở ngon"],"echo":true,"logprobs":1,"max_tokens":0}"#,
    );
    assert_eq!(code, 200, "{body}");
    let (_, _, spec) = curl(&[&format!("{}/openapi.json", server.base)]);
    let spec = json(&spec);
    let conforms = |code: u16, body: &str| {
        let responses = &spec["paths"]["/v1/completions"]["post"]["responses"];
        let response = responses
            .get(code.to_string())
            .or_else(|| responses.get(format!("{}XX", code / 100)))
            .unwrap_or_else(|| panic!("/v1/completions documents no {code}"));
        let schema = response
            .pointer("/content/application~1json/schema")
            .unwrap_or_else(|| panic!("/v1/completions {code}: no JSON schema"));
        crate::schema_check::check(&spec, schema, &json(body), "$")
            .unwrap_or_else(|e| panic!("/v1/completions {code}: {e}\n{body}"));
    };
    conforms(code, &body);
    let v = json(&body);
    assert_eq!(v["object"], "text_completion");
    for (i, text) in ["She go to school.", "Phở ngon"].iter().enumerate() {
        let choice = &v["choices"][i];
        assert_eq!(choice["index"], i);
        assert_eq!(choice["text"], *text);
        let lp = choice["logprobs"]["token_logprobs"]
            .as_array()
            .expect("logprobs");
        let tokens = choice["logprobs"]["tokens"].as_array().expect("tokens");
        assert_eq!(lp.len(), tokens.len());
        assert!(lp[0].is_null(), "the first token has no context: {choice}");
        assert!(lp[1..].iter().all(|x| x.as_f64().is_some_and(|x| x < 0.0)));
        let offsets = choice["logprobs"]["text_offset"]
            .as_array()
            .expect("offsets");
        assert!(offsets.windows(2).all(|w| w[0].as_u64() <= w[1].as_u64()));
    }
    // The model's general.name travels with the model list (it selects the calibration).
    let (_, _, models) = get(&server.base, "/v1/models");
    assert!(
        json(&models)["data"][0]["general_name"].as_str().is_some(),
        "{models}"
    );
    // Generation is not offered here; a clear 400 says where it is.
    for bad in [
        r#"{"prompt":"Hi there.","echo":true}"#,
        r#"{"prompt":"Hi there.","max_tokens":0}"#,
        r#"{"prompt":[],"echo":true,"max_tokens":0}"#,
        r#"{"prompt":[1,2],"echo":true,"max_tokens":0}"#,
        r#"{"prompt":"  ","echo":true,"max_tokens":0}"#,
        r#"{"prompt":"Hi.","echo":true,"max_tokens":0,"logprobs":9}"#,
    ] {
        let (code, _, body) = post(&server.base, "/v1/completions", bad);
        assert_eq!(code, 400, "{bad} → {body}");
        assert!(json(&body)["error"]["message_vi"].as_str().is_some());
        conforms(code, &body);
    }
}

/// A stand-in for a server without prompt log-probabilities (llama-server gives those of
/// generated tokens only; an older server has no `/completions`): forwards every request to
/// the real `upstream` except `POST /v1/completions`, which it answers with 404.
fn no_scoring_proxy(upstream: &str) -> String {
    use std::net::TcpListener;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let upstream = upstream.trim_start_matches("http://").to_string();
    std::thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let _ = forward(client, &upstream);
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// One request: read it, refuse or pass it on with `Connection: close`, copy the answer back.
fn forward(mut client: std::net::TcpStream, upstream: &str) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
        if !lower.starts_with("connection:") {
            head.push_str(&line);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    if head.starts_with("POST /v1/completions ") {
        let answer = r#"{"error":{"message":"not found"}}"#;
        write!(
            client,
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        )?;
        return Ok(());
    }
    let mut up = std::net::TcpStream::connect(upstream)?;
    up.write_all(head.as_bytes())?;
    up.write_all(b"Connection: close\r\n\r\n")?;
    up.write_all(&body)?;
    std::io::copy(&mut up, &mut client)?;
    Ok(())
}

#[test]
fn a_server_that_cannot_score_is_noticed_and_the_tutor_falls_back() {
    let server = serve(&[]);
    let proxy = no_scoring_proxy(&server.base);
    let out = lexilingo_remote(
        &format!("{proxy}/v1"),
        &["analyze", "--no-save", "She don't like apples."],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v = json(&String::from_utf8_lossy(&out.stdout));
    // The rules and the model's answer still correct; fluency and level come from the
    // model-independent fit.
    assert_eq!(
        v["correction"]["corrected"], "She doesn't like apples.",
        "{v}"
    );
    assert!((0.0..=5.0).contains(&v["fluency"]["score"].as_f64().expect("score")));
    assert!(
        stderr.contains("cannot score texts"),
        "the fallback is logged as a warning: {stderr}"
    );

    // A LexiLingo server using that server as its backend says so in its diagnostics.
    let chained = serve(&[
        "--remote-url",
        &format!("{proxy}/v1"),
        "--remote-key",
        TOKEN,
        "--remote-model",
        "SmolLM2-135M-Instruct.Q4_1.gguf",
    ]);
    let (code, _, body) = post(
        &chained.base,
        "/v1/tutor/analyze",
        r#"{"sentence":"She don't like apples."}"#,
    );
    assert_eq!(code, 200, "{body}");
    let (_, _, diagnostics) = get(&chained.base, "/v1/diagnostics");
    let report = json(&diagnostics)["report"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        report.contains("backend: remote server") && report.contains("WARNING cannot score texts"),
        "{report}"
    );

    // And one on the real server reports that it scores.
    let direct = serve(&[
        "--remote-url",
        &format!("{}/v1", server.base),
        "--remote-key",
        TOKEN,
        "--remote-model",
        "SmolLM2-135M-Instruct.Q4_1.gguf",
    ]);
    let (code, _, body) = post(
        &direct.base,
        "/v1/tutor/analyze",
        r#"{"sentence":"She don't like apples."}"#,
    );
    assert_eq!(code, 200, "{body}");
    let (_, _, diagnostics) = get(&direct.base, "/v1/diagnostics");
    assert!(
        json(&diagnostics)["report"]
            .as_str()
            .unwrap_or_default()
            .contains("scores texts (/completions with echo"),
        "{diagnostics}"
    );
}
