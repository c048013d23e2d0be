//! The `lexilingo` command, end to end as a user runs it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{is_vietnamese, kill_9, lexilingo_bin, test_model};

/// `lexilingo` with its data directory in `data`, so no test touches a real profile.
fn lexilingo_in(data: &std::path::Path) -> Command {
    let mut c = Command::new(lexilingo_bin());
    c.env("LEXILINGO_DATA_DIR", data)
        .env_remove("LEXILINGO_MODEL")
        .env("RUST_BACKTRACE", "1")
        .args(["--threads", "2", "--ctx", "2048"]);
    c
}

/// `lexilingo` with a fresh data directory that lives as long as the test process.
fn lexilingo() -> Command {
    let dir = tempfile::tempdir().expect("temp data dir").keep();
    lexilingo_in(&dir)
}

/// Asserts a failed run printed exactly one clear line and no panic or backtrace.
fn assert_one_line_error(out: &std::process::Output, needle: &str) {
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected, got:\n{stderr}");
    assert!(lines[0].starts_with("lexilingo: error: "), "{stderr}");
    assert!(lines[0].contains(needle), "`{needle}` not in: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn analyze_json_returns_score_level_edit_and_vietnamese_explanation() {
    let out = lexilingo()
        .arg("analyze")
        .arg("--json")
        .arg("--model")
        .arg(test_model())
        .arg("She don't like apples.")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let score = v["fluency"]["score"].as_f64().expect("score");
    assert!((0.0..=5.0).contains(&score));
    let level = v["vocabulary"]["level"].as_str().expect("level");
    assert!(["A1", "A2", "B1", "B2", "C1", "C2"].contains(&level));
    let edits = v["correction"]["edits"].as_array().expect("edits");
    assert!(!edits.is_empty());
    let explanation = v["explanations"][0]["explanation_vi"]
        .as_str()
        .expect("explanation");
    assert!(is_vietnamese(explanation));
}

#[test]
fn json_output_is_only_json_whatever_the_rules_match() {
    // harper-core 3.0.0's "looking forward to + verb" rule prints to stdout when it matches.
    let out = lexilingo()
        .args(["correct", "--json", "--model"])
        .arg(test_model())
        .arg("I am looking forward to join the club.")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Result<serde_json::Value, _> = serde_json::from_slice(&out.stdout);
    assert!(
        v.is_ok(),
        "stdout is not JSON: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn analyze_prints_a_readable_card() {
    let out = lexilingo()
        .args(["analyze", "She don't like apples."])
        .env("LEXILINGO_MODEL", test_model())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let card = String::from_utf8_lossy(&out.stdout);
    for label in ["Độ trôi chảy:", "Trình độ CEFR:", "Sửa lỗi:", "Giải thích:"] {
        assert!(card.contains(label), "{label} missing from:\n{card}");
    }
    assert!(
        card.contains("[-"),
        "plain-text diff markers when not a terminal:\n{card}"
    );
    assert!(!card.contains('\x1b'), "no colour codes when piped");
}

#[test]
fn bad_models_and_bad_input_are_one_clear_line() {
    let out = lexilingo()
        .args(["fluency", "Hi there."])
        .output()
        .expect("run");
    assert_one_line_error(&out, "no model given");

    let out = lexilingo()
        .args(["fluency", "--model", "/nonexistent/x.gguf", "Hi there."])
        .output()
        .expect("run");
    assert_one_line_error(&out, "model file not found");

    let dir = tempfile::tempdir().expect("temp");
    let junk = dir.path().join("junk.gguf");
    std::fs::write(&junk, b"<html>404 Not Found</html>").expect("write");
    let out = lexilingo()
        .arg("correct")
        .arg("--model")
        .arg(&junk)
        .arg("Hi there.")
        .output()
        .expect("run");
    assert_one_line_error(&out, "is not a GGUF model file");

    let out = lexilingo()
        .arg("correct")
        .arg("--model")
        .arg(test_model())
        .arg("   ")
        .output()
        .expect("run");
    assert_one_line_error(&out, "empty");

    let out = lexilingo()
        .arg("correct")
        .arg("--model")
        .arg(test_model())
        .arg("a".repeat(1001))
        .output()
        .expect("run");
    assert_one_line_error(&out, "limit is 1000");
}

#[test]
fn json_errors_carry_a_stable_code() {
    let out = lexilingo()
        .args(["cefr", "--json", "--model", "/nonexistent/x.gguf", "Hi."])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    assert_eq!(v["error"]["code"], "model_not_found");
}

/// The worker processes started by `pid`.
fn children(pid: u32) -> Vec<u32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

#[test]
fn chat_survives_a_killed_worker() {
    let data = tempfile::tempdir().expect("temp");
    let mut child = lexilingo_in(data.path())
        .args(["chat", "--json", "--no-check", "--seed", "3"])
        .arg("--model")
        .arg(test_model())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn chat");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let stderr = child.stderr.take().expect("stderr");
    let stderr_text =
        std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());

    // The partner opens the scene before the learner writes anything.
    let opening: serde_json::Value =
        serde_json::from_str(&lines.next().expect("a line").expect("read")).expect("JSON line");
    assert!(
        opening["opening"]
            .as_str()
            .is_some_and(|o| o.ends_with('?')),
        "{opening}"
    );
    let mut say = |text: &str| -> serde_json::Value {
        writeln!(stdin, "{text}").expect("write");
        stdin.flush().expect("flush");
        let line = lines.next().expect("a line").expect("read");
        serde_json::from_str(&line).expect("JSON line")
    };
    let first = say("Hello! I am Minh.");
    assert!(
        first["reply"]["reply"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{first}"
    );

    let started = Instant::now();
    let workers = loop {
        let w = children(child.id());
        if !w.is_empty() || started.elapsed() > Duration::from_secs(5) {
            break w;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(workers.len(), 1, "one model worker under the chat process");
    kill_9(workers[0]);
    std::thread::sleep(Duration::from_millis(200));

    let second = say("I like coffee.");
    assert!(
        second["reply"]["reply"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{second}"
    );
    drop(stdin);
    let status = child.wait().expect("chat exits at end of input");
    assert!(status.success());
    let log = stderr_text.join().expect("stderr");
    assert!(
        log.contains("model worker had exited"),
        "the restart is reported:\n{log}"
    );
    assert!(!log.contains("panicked"), "{log}");

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let conversation = rt.block_on(async {
        let store = lexilingo_core::store::Store::open(data.path())
            .await
            .expect("history");
        store.get_conversation(1).await.expect("query")
    });
    let turns = conversation.expect("the conversation was saved").turns;
    let roles: Vec<_> = turns.iter().map(|t| t.role).collect();
    use lexilingo_core::engine::Role::{Assistant, User};
    assert_eq!(
        roles,
        [Assistant, User, Assistant, User, Assistant],
        "the opening line is saved with the first exchange"
    );
    assert_eq!(turns[0].content, opening["opening"].as_str().unwrap_or(""));
    assert_eq!(turns[3].content, "I like coffee.");
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn analyze_saves_to_history_and_the_history_commands_use_it() {
    let data = tempfile::tempdir().expect("temp");
    let model = test_model();
    for s in [
        "She don't like apples.",
        "I have two apple.",
        "She likes apples.",
    ] {
        run_ok(
            lexilingo_in(data.path())
                .arg("analyze")
                .arg("--model")
                .arg(&model)
                .arg(s),
        );
    }
    run_ok(
        lexilingo_in(data.path())
            .args(["analyze", "--no-save", "--model"])
            .arg(&model)
            .arg("Not saved."),
    );

    let page: serde_json::Value = serde_json::from_str(&run_ok(
        lexilingo_in(data.path()).args(["history", "--json"]),
    ))
    .expect("json");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "three saved, one --no-save");
    assert_eq!(items[0]["text"], "She likes apples.", "newest first");

    let found: serde_json::Value = serde_json::from_str(&run_ok(
        lexilingo_in(data.path()).args(["history", "--json", "--search", "chu ngu"]),
    ))
    .expect("json");
    let hits: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["text"].as_str())
        .collect();
    assert!(
        hits.contains(&"She don't like apples."),
        "Vietnamese search without tone marks: {hits:?}"
    );
    assert!(
        !hits.contains(&"She likes apples."),
        "a correct sentence has no explanation to match: {hits:?}"
    );

    let id = items[2]["id"].as_i64().expect("id");
    let shown = run_ok(lexilingo_in(data.path()).args(["history", "show", &id.to_string()]));
    assert!(
        shown.contains("doesn't") && is_vietnamese(&shown),
        "{shown}"
    );

    let export = data.path().join("export.json");
    run_ok(
        lexilingo_in(data.path())
            .args(["export", "--format", "json", "--out"])
            .arg(&export),
    );
    let other = tempfile::tempdir().expect("temp");
    let first: serde_json::Value = serde_json::from_str(&run_ok(
        lexilingo_in(other.path())
            .args(["import", "--json"])
            .arg(&export),
    ))
    .expect("json");
    assert_eq!(first["imported"], 3);
    let again: serde_json::Value = serde_json::from_str(&run_ok(
        lexilingo_in(other.path())
            .args(["import", "--json"])
            .arg(&export),
    ))
    .expect("json");
    assert_eq!(
        (again["imported"].as_i64(), again["skipped"].as_i64()),
        (Some(0), Some(3))
    );

    let mut review = lexilingo_in(data.path())
        .args(["review", "--json", "--limit", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("review");
    review
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"She doesn't like apples.\n")
        .expect("answer");
    let out = review.wait_with_output().expect("review output");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\"grade\":\"good\""),
        "the oldest due card is answered exactly:\n{text}"
    );

    // A drill of that mistake, without a model: the learner's own sentence, graded by its
    // edits, printed as JSON only.
    let mut drill = lexilingo_in(data.path())
        .args(["--json", "drill", "--type", "subject_verb_agreement"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("drill");
    drill
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"She doesn't like apples.\n")
        .expect("answer");
    let out = drill.wait_with_output().expect("drill output");
    let drilled: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the drill's answers as JSON, nothing else");
    assert_eq!(
        drilled[0]["item"]["text"], "She don't like apples.",
        "{drilled}"
    );
    assert_eq!(drilled[0]["item"]["source"], "own");
    assert_eq!(drilled[0]["feedback"]["grade"], "good", "{drilled}");

    let stats: serde_json::Value =
        serde_json::from_str(&run_ok(lexilingo_in(data.path()).args(["stats", "--json"])))
            .expect("json");
    assert_eq!(stats["fluency_by_day"][0]["attempts"], 3);

    let out = lexilingo_in(data.path())
        .args(["history", "clear"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_one_line_error(&out, "confirmation refused");
    run_ok(lexilingo_in(data.path()).args(["history", "clear", "--yes"]));
    let page: serde_json::Value = serde_json::from_str(&run_ok(
        lexilingo_in(data.path()).args(["history", "--json"]),
    ))
    .expect("json");
    assert!(page["items"].as_array().is_some_and(Vec::is_empty));
}

#[test]
fn bench_reports_speed_latency_and_memory() {
    let out = run_ok(
        lexilingo()
            .args([
                "bench",
                "--json",
                "--repetitions",
                "1",
                "--n-gen",
                "8",
                "--model",
            ])
            .arg(test_model()),
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    for key in [
        "pp_tokens_per_s",
        "tg_tokens_per_s",
        "time_to_first_token_ms",
        "worker_peak_rss_mb",
    ] {
        assert!(v[key].as_f64().is_some_and(|x| x > 0.0), "{key}: {v}");
    }
    for task in [
        "correction",
        "fluency",
        "cefr",
        "explanation",
        "dialogue",
        "analyze",
    ] {
        assert!(v["task_latency_ms"][task].as_u64().is_some(), "{task}: {v}");
    }
}
