//! Hardening (docs/SECURITY.md): one test per attack the probe found, against the real
//! `lexilingo serve`, the real CLI and real files, all on loopback. Each failed before the fix.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::api::{auth, curl, get, json, post, serve, serve_with, TOKEN};
use crate::common::{lexilingo_bin, test_model};

/// A GGUF file llama.cpp cannot use although its header is sound: a `llama` model whose only
/// tensor is one row of 8 floats (no vocabulary, no layers).
fn header_only_gguf(path: &std::path::Path) {
    let mut out = Vec::new();
    out.extend_from_slice(b"GGUF");
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes()); // tensors
    out.extend_from_slice(&1u64.to_le_bytes()); // metadata
    let put = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    put(&mut out, "general.architecture");
    out.extend_from_slice(&8u32.to_le_bytes());
    put(&mut out, "llama");
    put(&mut out, "token_embd.weight");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&8u64.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // F32
    out.extend_from_slice(&0u64.to_le_bytes());
    while !out.len().is_multiple_of(32) {
        out.push(0);
    }
    out.extend_from_slice(&[0u8; 32]);
    std::fs::write(path, out).expect("write the file");
}

#[test]
fn dns_rebinding_and_cross_site_requests_are_refused() {
    let server = serve(&[]);
    let base = &server.base;
    let port = base.rsplit(':').next().expect("port");
    // A rebinding page: its own name, resolved to 127.0.0.1. Refused even with the token.
    let evil_host = format!("Host: evil.example:{port}");
    let (code, _, body) = curl(&[
        &format!("{base}/v1/history/export"),
        "-H",
        &evil_host,
        "-H",
        &auth(),
    ]);
    assert_eq!(code, 403, "{body}");
    assert_eq!(json(&body)["error"]["code"], "host_not_allowed");
    let (code, _, _) = curl(&[&format!("{base}/"), "-H", &evil_host]);
    assert_eq!(code, 403, "the UI is not served to another name either");
    let (code, _, _) = curl(&[
        &format!("{base}/health"),
        "-H",
        &format!("Host: localhost:{port}"),
    ]);
    assert_eq!(code, 200, "localhost is this machine");

    // A state-changing request from another page's origin: refused before anything runs.
    let (code, _, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/v1/models/download/pause"),
        "-H",
        "Origin: http://evil.example",
        "-H",
        &auth(),
        "-H",
        "Content-Type: application/json",
        "-d",
        "{}",
    ]);
    assert_eq!(code, 403, "{body}");
    assert_eq!(json(&body)["error"]["code"], "origin_not_allowed");
    // The server's own origin (the UI) goes through.
    let (code, _, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/v1/tutor/hints"),
        "-H",
        &format!("Origin: {base}"),
        "-H",
        &auth(),
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"sentence":"This is an test."}"#,
    ]);
    assert_eq!(code, 200, "{body}");

    // Bodies that need no CORS preflight (text/plain, forms) never reach a handler.
    for path in [
        "/v1/history/import",
        "/v1/models/download/pause",
        "/v1/tutor/analyze",
    ] {
        let (code, _, body) = curl(&[
            "-X",
            "POST",
            &format!("{base}{path}"),
            "-H",
            &auth(),
            "-H",
            "Content-Type: text/plain",
            "-d",
            r#"{"format":"lexilingo-history","version":1,"attempts":[]}"#,
        ]);
        assert_eq!(code, 415, "{path}: {body}");
        assert_eq!(json(&body)["error"]["code"], "unsupported_media_type");
    }

    // Every page is unframeable and has a CSP; no referrer leaves with the token in it.
    let (_, headers, _) = curl(&[&format!("{base}/")]);
    let headers = headers.to_lowercase();
    assert!(headers.contains("x-frame-options: deny"), "{headers}");
    assert!(headers.contains("frame-ancestors 'none'"), "{headers}");
    assert!(
        headers.contains("referrer-policy: no-referrer"),
        "{headers}"
    );
}

#[test]
fn a_random_token_is_made_at_every_start_and_required() {
    let server = serve_with(&[], &[]);
    let token = server
        .token
        .clone()
        .expect("the start-up line carries a token");
    assert!(token.len() >= 32, "{token}");
    let base = &server.base;
    let (code, _, body) = curl(&[&format!("{base}/v1/history")]);
    assert_eq!(code, 401);
    assert!(
        json(&body)["error"]["message_vi"]
            .as_str()
            .is_some_and(|m| m.contains("lexilingo serve")),
        "{body}"
    );
    // A browser tab that navigates here gets a page that says how to get in.
    let (code, headers, body) = curl(&[&format!("{base}/v1/history"), "-H", "Accept: text/html"]);
    assert_eq!(code, 401);
    assert!(headers.to_lowercase().contains("text/html"));
    assert!(body.contains("Cần mã truy cập"), "{body}");
    let bearer = format!("Authorization: Bearer {token}");
    let (code, _, _) = curl(&[&format!("{base}/v1/history"), "-H", &bearer]);
    assert_eq!(code, 200);
    let wrong = format!("Authorization: Bearer {}x", &token[..token.len() - 1]);
    let (code, _, _) = curl(&[&format!("{base}/v1/history"), "-H", &wrong]);
    assert_eq!(code, 401);
    // /health says only "ok" to anyone; more with the token.
    let (_, _, body) = curl(&[&format!("{base}/health")]);
    assert_eq!(json(&body), serde_json::json!({ "status": "ok" }));
    let (_, _, body) = curl(&[&format!("{base}/health"), "-H", &bearer]);
    assert!(json(&body)["version"].is_string(), "{body}");
    drop(server);
    let again = serve_with(&[], &[]);
    assert_ne!(again.token, Some(token), "a new token at every start");
}

#[test]
fn remote_listening_needs_a_token() {
    let data = tempfile::tempdir().expect("tempdir");
    let out = Command::new(lexilingo_bin())
        .args(["--model"])
        .arg(test_model())
        .arg("--data-dir")
        .arg(data.path())
        .args([
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--allow-remote",
            "--no-token",
        ])
        .output()
        .expect("run serve");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs an access token"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_data_folder_is_not_moved_over_http_unless_allowed() {
    let server = serve(&[]);
    let target = tempfile::tempdir().expect("target");
    let body = serde_json::json!({ "path": target.path().join("x") }).to_string();
    let (code, _, body) = post(&server.base, "/v1/settings/data-dir", &body);
    assert_eq!(code, 403, "{body}");
    assert_eq!(json(&body)["error"]["code"], "data_dir_move_disabled");
    assert!(!target.path().join("x").exists());
}

/// Sends a model file as an upload; (status, body).
fn upload(base: &str, name: &str, file: &std::path::Path) -> (u16, String) {
    let url = format!("{base}/v1/models/import?name={name}");
    let data = format!("@{}", file.display());
    let (code, _, body) = curl(&[
        "-X",
        "POST",
        &url,
        "-H",
        &auth(),
        "-H",
        "Content-Type: application/octet-stream",
        "--data-binary",
        &data,
    ]);
    (code, body)
}

#[test]
fn models_are_imported_by_upload_and_load_tested_before_they_count() {
    let server = serve(&[]);
    let base = &server.base;
    let models = server.data_dir().join("models");
    // A path in JSON is not accepted any more: the server opens no path a client names.
    let (code, _, body) = post(base, "/v1/models/import", r#"{"path":"/dev/stdin"}"#);
    assert_eq!(code, 415, "{body}");

    let dir = tempfile::tempdir().expect("dir");
    let notes = dir.path().join("notes.gguf");
    std::fs::write(&notes, "my notes, not a model").expect("write");
    let (code, body) = upload(base, "notes.gguf", &notes);
    assert_eq!(code, 400, "{body}");
    assert_eq!(json(&body)["error"]["code"], "bad_model_file");

    // Sound header, but llama.cpp cannot load it: refused, deleted, nothing installed.
    let hollow = dir.path().join("hollow.gguf");
    header_only_gguf(&hollow);
    lexilingo_core::models::gguf::inspect(&hollow).expect("the header checks pass");
    let (code, body) = upload(base, "hollow.gguf", &hollow);
    assert_eq!(code, 400, "{body}");
    assert_eq!(json(&body)["error"]["code"], "model_unloadable", "{body}");
    let left: Vec<_> = std::fs::read_dir(&models)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.iter().all(|n| !n.to_string_lossy().contains("hollow")),
        "{left:?}"
    );
    let (_, _, body) = get(base, "/v1/models/overview");
    assert!(
        json(&body)["installed"]
            .as_array()
            .is_some_and(|a| a.is_empty()),
        "{body}"
    );

    // A name with a folder part is refused.
    let (code, body) = upload(base, "..%2F..%2Fx.gguf", &notes);
    assert_eq!(code, 400, "{body}");
    assert_eq!(json(&body)["error"]["code"], "bad_file_name");

    // The real model goes in and becomes the active one.
    let (code, body) = upload(base, "smol.gguf", &test_model());
    assert_eq!(code, 200, "{body}");
    assert_eq!(json(&body)["id"], "smol");
    let (_, _, body) = get(base, "/v1/models/overview");
    assert_eq!(json(&body)["active"], "smol", "{body}");
    assert!(models.join("smol.gguf").is_file());
}

#[test]
fn the_cli_refuses_fifos_and_unloadable_files_without_hanging() {
    let dir = tempfile::tempdir().expect("dir");
    let fifo = dir.path().join("model.gguf");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let data = tempfile::tempdir().expect("data");
    let run = |args: &[&std::ffi::OsStr]| {
        let mut child = Command::new(lexilingo_bin())
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run lexilingo");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .expect("stderr")
                    .read_to_string(&mut err)
                    .expect("read");
                return (status, err);
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("lexilingo {args:?} hung on a FIFO");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let f = fifo.as_os_str();
    let (status, err) = run(&["models".as_ref(), "import".as_ref(), f]);
    assert!(!status.success());
    assert!(err.contains("not a regular file"), "{err}");
    let (status, err) = run(&["--model".as_ref(), f, "correct".as_ref(), "Hi.".as_ref()]);
    assert!(!status.success());
    assert!(err.contains("not a regular file"), "{err}");

    let hollow = dir.path().join("hollow.gguf");
    header_only_gguf(&hollow);
    let (status, err) = run(&["models".as_ref(), "import".as_ref(), hollow.as_os_str()]);
    assert!(!status.success(), "{err}");
    assert!(err.contains("cannot load"), "{err}");
    assert!(!data.path().join("models/hollow.gguf").exists());
    assert!(
        !data.path().join("models/manifest.json").exists() || {
            let m = std::fs::read_to_string(data.path().join("models/manifest.json"))
                .unwrap_or_default();
            !m.contains("hollow")
        }
    );
}

#[test]
fn out_of_range_parameters_and_bad_text_are_client_errors_and_the_model_keeps_answering() {
    let server = serve(&[]);
    let base = &server.base;
    let chat = |extra: &str| {
        post(
            base,
            "/v1/chat/completions",
            &format!(r#"{{"messages":[{{"role":"user","content":"Hi"}}]{extra}}}"#),
        )
    };
    for extra in [
        r#","temperature":1e39,"max_tokens":8"#,
        r#","temperature":-1"#,
        r#","top_p":7"#,
        r#","presence_penalty":1e300"#,
        r#","max_tokens":0"#,
        r#","max_tokens":99999999"#,
    ] {
        let (code, _, body) = chat(extra);
        assert_eq!(code, 400, "{extra}: {body}");
        assert_eq!(json(&body)["error"]["code"], "bad_parameter", "{extra}");
    }
    let (code, _, body) = post(
        base,
        "/v1/chat/completions",
        r#"{"messages":[{"role":"user","content":"a\u0000b"}]}"#,
    );
    assert_eq!(code, 400, "{body}");
    assert_eq!(json(&body)["error"]["code"], "input_control_chars");
    let (code, _, body) = post(
        base,
        "/v1/tutor/analyze",
        r#"{"sentence":"She\u0000 runs."}"#,
    );
    assert_eq!(code, 400, "{body}");
    // More than the context (2048 tokens here) holds: the client's request is too long.
    let long = "word ".repeat(6000);
    let (code, _, body) = post(
        base,
        "/v1/chat/completions",
        &format!(r#"{{"messages":[{{"role":"user","content":"{long}"}}],"max_tokens":8}}"#),
    );
    assert_eq!(code, 400, "{body}");
    assert_eq!(json(&body)["error"]["code"], "context_overflow");
    let (code, _, body) = post(
        base,
        "/v1/chat/completions",
        r#"{"messages":[{"role":"user","content":"Hi"}],"max_tokens":8,
            "response_format":{"type":"json_schema","json_schema":{"schema":"not an object"}}}"#,
    );
    assert_eq!(code, 400, "{body}");
    assert_eq!(json(&body)["error"]["code"], "bad_schema");
    // An object llama.cpp cannot turn into a grammar: refused by the worker, still a 400.
    let (code, _, body) = post(
        base,
        "/v1/chat/completions",
        r#"{"messages":[{"role":"user","content":"Hi"}],"max_tokens":8,
            "response_format":{"type":"json_schema","json_schema":{"schema":{"type":"nonsense"}}}}"#,
    );
    assert_eq!(code, 400, "{body}");
    assert_eq!(json(&body)["error"]["code"], "bad_schema");
    // And the model still answers.
    let (code, _, body) = chat(r#","temperature":0.5,"max_tokens":8"#);
    assert_eq!(code, 200, "{body}");
}

#[test]
fn the_worker_answers_a_malformed_request_with_an_error() {
    let mut worker = Command::new(lexilingo_bin())
        .arg(lexilingo_core::engine::WORKER_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the worker");
    let mut stdin = worker.stdin.take().expect("stdin");
    let mut lines = BufReader::new(worker.stdout.take().expect("stdout")).lines();
    let load = serde_json::json!({ "op": "load", "id": 1, "settings": {
        "model_path": test_model(), "n_ctx": 512, "threads": 1 } });
    writeln!(stdin, "{load}").expect("send load");
    let loaded = lines.next().expect("an answer").expect("read");
    assert!(loaded.contains("\"loaded\""), "{loaded}");
    // An infinite temperature serialises as null: the request cannot be read.
    writeln!(
        stdin,
        r#"{{"op":"generate","id":7,"request":{{"messages":[],"json_schema":null,"max_tokens":4,"temperature":null,"seed":0}}}}"#
    )
    .expect("send");
    let answer = lines.next().expect("an answer").expect("read");
    let v = json(&answer);
    assert_eq!(v["event"], "failed", "{answer}");
    assert_eq!(v["id"], 7, "{answer}");
    drop(stdin);
    let _ = worker.wait();
}

#[test]
fn a_hung_worker_frees_its_queue_place_and_is_replaced() {
    let server = serve_with(
        &["--token", TOKEN, "--queue", "0"],
        // Long enough for a real answer on a loaded test machine (a prompt under load can
        // take seconds before its first token), short enough for a test.
        &[("LEXILINGO_WORKER_SILENCE_SECS", "20")],
    );
    let base = &server.base;
    let (code, _, body) = post(
        base,
        "/v1/tutor/correct",
        r#"{"sentence":"She don't like it."}"#,
    );
    assert_eq!(code, 200, "{body}");
    // Freeze the worker (a child of the server), as a deadlocked llama.cpp would be.
    let out = Command::new("pgrep")
        .args(["-P", &server.pid().to_string()])
        .output()
        .expect("pgrep");
    let worker = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .expect("the server has a worker")
        .trim()
        .to_string();
    assert!(Command::new("kill")
        .args(["-STOP", &worker])
        .status()
        .expect("kill")
        .success());
    let started = Instant::now();
    let (code, _, body) = post(
        base,
        "/v1/tutor/correct",
        r#"{"sentence":"She don't like it."}"#,
    );
    assert_eq!(code, 503, "{body}");
    assert_eq!(json(&body)["error"]["code"], "worker_timeout", "{body}");
    assert!(started.elapsed() >= Duration::from_secs(19));
    assert!(started.elapsed() < Duration::from_secs(90));
    // The queue place is free and a new worker answers.
    let (code, _, body) = post(
        base,
        "/v1/tutor/correct",
        r#"{"sentence":"She don't like it."}"#,
    );
    assert_eq!(code, 200, "{body}");
    let _ = Command::new("kill").args(["-9", &worker]).status();
}

#[test]
fn slow_request_headers_are_cut_after_ten_seconds() {
    let server = serve(&[]);
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .expect("partial headers");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let started = Instant::now();
    let mut buf = Vec::new();
    // The server closes the connection (an error response or EOF) instead of waiting.
    let _ = stream.read_to_end(&mut buf);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(9) && waited < Duration::from_secs(25),
        "closed after {waited:?}"
    );
}

#[test]
fn symlinks_in_the_ui_folder_are_not_followed() {
    let ui = tempfile::tempdir().expect("ui");
    std::fs::write(ui.path().join("index.html"), "<html>ok</html>").expect("write");
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("secret.txt"), "the learner's secret").expect("write");
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        ui.path().join("leak.txt"),
    )
    .expect("symlink");
    let ui_arg = ui.path().to_string_lossy().into_owned();
    let server = serve(&["--ui", &ui_arg]);
    let (code, _, body) = curl(&[&format!("{}/", server.base)]);
    assert_eq!(code, 200);
    assert!(body.contains("ok"));
    let (code, _, body) = curl(&[&format!("{}/leak.txt", server.base)]);
    assert_eq!(code, 404, "{body}");
    assert!(!body.contains("secret"));
    let (code, _, _) = curl(&["--path-as-is", &format!("{}/../../etc/passwd", server.base)]);
    assert_eq!(code, 404);
}

#[test]
fn the_cli_shows_escape_codes_from_an_imported_history_escaped() {
    let data = tempfile::tempdir().expect("data");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = lexilingo_core::store::Store::open(data.path())
            .await
            .expect("open");
        // An older file (or one written by another tool) may hold what imports now refuse.
        store
            .insert_attempt(&lexilingo_core::store::NewAttempt {
                uuid: None,
                text: "Hi \u{1b}]52;c;cm0gLXJmIH4K\u{7} there".into(),
                mode: lexilingo_core::store::Mode::Practice,
                model_id: "m".into(),
                created_at: None,
                fluency: None,
                fluency_reason: None,
                cefr: None,
                corrected: None,
                latency_ms: 0,
                conversation_id: None,
                edits: vec![],
            })
            .await
            .expect("insert");
    });
    for args in [vec!["history"], vec!["history", "show", "1"]] {
        let out = Command::new(lexilingo_bin())
            .arg("--data-dir")
            .arg(data.path())
            .args(&args)
            .output()
            .expect("run");
        assert!(out.status.success(), "{args:?}");
        assert!(
            !out.stdout.contains(&0x1b),
            "{args:?}: a raw ESC reached the terminal"
        );
        assert!(!out.stdout.contains(&0x07));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("\\u{1b}]52"),
            "{args:?}"
        );
    }
}

#[test]
fn malformed_ids_and_queries_get_the_usual_error_shape() {
    let server = serve(&[]);
    for path in [
        "/v1/history/abc",
        "/v1/history?limit=lots",
        "/v1/review/due?limit=-1",
    ] {
        let (code, _, body) = get(&server.base, path);
        assert_eq!(code, 400, "{path}: {body}");
        assert!(
            json(&body)["error"]["message_vi"].is_string(),
            "{path}: {body}"
        );
    }
}
