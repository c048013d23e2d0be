//! Benchmark: history queries over 100,000 saved attempts. Prints numbers; never fails on time.
//!
//! `cargo bench -p lexilingo-core --bench history_query` (add `--profile dev` to reuse the test
//! build; SQLite itself is optimised in both).

use std::time::{Duration, Instant};

use lexilingo_core::store::{HistoryQuery, Mode, NewAttempt, Store, StoredEdit};
use lexilingo_core::{CefrLevel, ErrorType};

const ATTEMPTS: usize = 100_000;
const TARGET_MS: f64 = 50.0;
const DAY: i64 = 86_400_000;

fn make(i: usize, now: i64) -> NewAttempt {
    const SUBJECTS: [&str; 6] = ["She", "My brother", "The teacher", "I", "They", "Lan"];
    const VERBS: [&str; 6] = ["don't like", "go", "have", "is want", "buyed", "live at"];
    const OBJECTS: [&str; 6] = [
        "apples",
        "to school",
        "two apple",
        "a coffee",
        "a new phone",
        "Hanoi",
    ];
    let text = format!(
        "{} {} {} number {i}.",
        SUBJECTS[i % 6],
        VERBS[(i / 6) % 6],
        OBJECTS[(i / 36) % 6]
    );
    let kind = ErrorType::ALL[i % (ErrorType::ALL.len() - 1)];
    let edits = if i.is_multiple_of(4) {
        Vec::new()
    } else {
        vec![StoredEdit {
            start: 0,
            end: 3,
            original: "don't".into(),
            replacement: "doesn't".into(),
            error_type: kind,
            explanation_vi: format!("{} — em xem lại chỗ này nhé, câu số {i}.", kind.name_vi()),
            sure: true,
        }]
    };
    NewAttempt {
        uuid: None,
        text: text.clone(),
        mode: if i.is_multiple_of(5) {
            Mode::Dialogue
        } else {
            Mode::Practice
        },
        model_id: "bench.gguf".into(),
        created_at: Some(now - (i as i64 % 365) * DAY - i as i64),
        fluency: Some((i % 11) as f32 / 2.0),
        fluency_reason: Some("benchmark".into()),
        cefr: Some(CefrLevel::ALL[i % 6]),
        corrected: Some(text),
        latency_ms: 1000 + (i % 500) as u64,
        conversation_id: None,
        edits,
    }
}

fn summarize(name: &str, mut samples: Vec<Duration>, rows: usize) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(samples[samples.len() / 2]);
    let p95 = ms(samples[samples.len() * 95 / 100]);
    let verdict = if p95 <= TARGET_MS { "within" } else { "OVER" };
    println!("{name:<38} median {median:>7.2} ms   p95 {p95:>7.2} ms   rows {rows:>3}   {verdict} {TARGET_MS} ms");
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let now = lexilingo_core::store::now_ms();
    let started = Instant::now();
    let all: Vec<NewAttempt> = (0..ATTEMPTS).map(|i| make(i, now)).collect();
    for chunk in all.chunks(5_000) {
        store.insert_attempts(chunk).await.expect("insert");
    }
    let insert = started.elapsed();
    let size = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "history benchmark: {ATTEMPTS} attempts inserted in {:.1} s ({:.0}/s), database {:.1} MB",
        insert.as_secs_f64(),
        ATTEMPTS as f64 / insert.as_secs_f64(),
        size as f64 / 1e6
    );
    let queries: Vec<(&str, HistoryQuery)> = vec![
        ("newest page (20)", HistoryQuery::default()),
        (
            "page 250 (offset 4,980)",
            HistoryQuery {
                offset: Some(4_980),
                ..Default::default()
            },
        ),
        (
            "search \"apple\"",
            HistoryQuery {
                search: Some("apple".into()),
                ..Default::default()
            },
        ),
        (
            "search \"gioi tu\" (Vietnamese, no marks)",
            HistoryQuery {
                search: Some("gioi tu".into()),
                ..Default::default()
            },
        ),
        (
            "type = article",
            HistoryQuery {
                error_type: Some(ErrorType::Article),
                ..Default::default()
            },
        ),
        (
            "level B1 since 30 days",
            HistoryQuery {
                level: Some(CefrLevel::B1),
                since: Some(now - 30 * DAY),
                ..Default::default()
            },
        ),
        (
            "search + type + level",
            HistoryQuery {
                search: Some("school".into()),
                error_type: Some(ErrorType::VerbTense),
                level: Some(CefrLevel::A2),
                ..Default::default()
            },
        ),
    ];
    for (name, q) in queries {
        let mut samples = Vec::new();
        let mut rows = 0;
        for _ in 0..30 {
            let t = Instant::now();
            let page = store.list_attempts(&q).await.expect("query");
            samples.push(t.elapsed());
            rows = page.items.len();
        }
        summarize(name, samples, rows);
    }
    let mut samples = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        store.progress(now, 420).await.expect("progress");
        samples.push(t.elapsed());
    }
    summarize("progress (all stats)", samples, 0);
}
