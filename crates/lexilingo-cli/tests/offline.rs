//! Provably offline: once the model is installed, the learner's whole path — practice,
//! conversation, history, review, and the browser server on loopback — runs inside a network
//! namespace that has no network at all (`unshare -n`: only a loopback interface), and the
//! same run, traced with `strace -f -e trace=connect`, tries no connection to anything but
//! loopback or a local (Unix) socket. So nothing phones home: no update check, no telemetry,
//! no font or model fetch.

use std::path::Path;
use std::process::Command;

use crate::common::{lexilingo_bin, test_model};

/// Every `connect(…)` in an strace log that goes somewhere other than this machine: an
/// `AF_INET`/`AF_INET6` address that is not loopback (a Unix socket, netlink and the like are
/// local by nature).
fn outside_connections(trace: &str) -> Vec<&str> {
    trace
        .lines()
        .filter(|l| l.contains("connect("))
        .filter(|l| {
            let inet = l.contains("AF_INET");
            let loopback = l.contains("inet_addr(\"127.")
                || l.contains("inet_pton(AF_INET6, \"::1\"")
                || l.contains("\"::ffff:127.");
            inet && !loopback
        })
        .collect()
}

#[test]
fn outside_connections_are_told_from_local_ones() {
    let trace = r#"123 connect(3, {sa_family=AF_UNIX, sun_path="/run/x"}, 110) = 0
124 connect(5, {sa_family=AF_INET, sin_port=htons(8765), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
125 connect(6, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0
126 connect(7, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("140.82.112.3")}, 16) = -1 ENETUNREACH"#;
    let outside = outside_connections(trace);
    assert_eq!(outside.len(), 1, "{outside:?}");
    assert!(outside[0].contains("140.82.112.3"));
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

#[test]
fn the_learners_path_works_without_a_network_and_connects_to_nothing_outside() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let data = dir.join("data");
    // One shell script, so the whole path shares one namespace and one trace. Each step's
    // answer is kept in a file and checked below.
    let script = r#"set -eu
ip link set lo up
L="$LEXILINGO --model $MODEL --data-dir $DATA --threads 2 --ctx 2048"
$L analyze --json "She don't like apples." > analyze.json
printf 'I like play football.\n' | $L chat --json --seed 3 > chat.json
$L history --json > history.json
printf "She doesn't like apples.\n" | $L review --json --limit 1 > review.json
$L serve --port 18765 > serve.log 2>&1 &
server=$!
for _ in $(seq 1 100); do grep -q token= serve.log && break; sleep 0.1; done
token=$(grep -o 'token=[0-9a-f]*' serve.log | cut -d= -f2)
curl -s --max-time 60 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"sentence":"I has a cat."}' http://127.0.0.1:18765/v1/tutor/analyze > served.json
kill $server
wait $server || true
"#;
    let out = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=connect", "-o"])
        .arg(dir.join("trace.txt"))
        .args(["unshare", "-n", "sh", "-c", script])
        .current_dir(dir)
        .env("LEXILINGO", lexilingo_bin())
        .env("MODEL", test_model())
        .env("DATA", &data)
        .env_remove("LEXILINGO_MODEL")
        .output()
        .expect("strace and unshare (Debian's strace and util-linux; scripts/setup-debian)");
    assert!(
        out.status.success(),
        "the offline run failed (unshare -n needs root or user namespaces):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let analyze = read(dir, "analyze.json");
    assert!(analyze.contains("doesn't"), "practice: {analyze}");
    let chat = read(dir, "chat.json");
    assert!(chat.contains("\"reply\""), "conversation: {chat}");
    let history = read(dir, "history.json");
    assert!(
        history.contains("She don't like apples.") && history.contains("I like play football."),
        "history keeps both: {history}"
    );
    let review = read(dir, "review.json");
    assert!(review.contains("\"grade\":\"good\""), "review: {review}");
    let served = read(dir, "served.json");
    assert!(
        served.contains("\"correction\""),
        "the server on loopback: {served}"
    );
    // And the namespace really has no network: an outside address is unreachable from it
    // (outside the trace above, which must show no such attempt).
    let probe = Command::new("unshare")
        .args(["-n", "curl", "-s", "--max-time", "5", "http://1.1.1.1/"])
        .output()
        .expect("unshare");
    assert!(
        !probe.status.success(),
        "an outside address was reachable inside unshare -n"
    );
    let trace = read(dir, "trace.txt");
    assert!(
        trace.contains("connect("),
        "the trace saw the loopback connection:\n{trace}"
    );
    let outside = outside_connections(&trace);
    assert!(
        outside.is_empty(),
        "connections outside this machine:\n{}",
        outside.join("\n")
    );
}
