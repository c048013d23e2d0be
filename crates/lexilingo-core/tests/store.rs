//! The history database on real SQLite files in temporary directories.

use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use lexilingo_core::store::{
    ExportFormat, HistoryQuery, Mode, NewAttempt, ReviewGrade, Store, StoredEdit, MIGRATOR,
};
use lexilingo_core::{CefrLevel, ErrorType};

const DAY: i64 = 86_400_000;
/// 2026-11-20 00:00 UTC.
const T0: i64 = 1_795_132_800_000;

fn edit(original: &str, replacement: &str, t: ErrorType, explanation: &str) -> StoredEdit {
    StoredEdit {
        start: 0,
        end: original.len(),
        original: original.into(),
        replacement: replacement.into(),
        error_type: t,
        explanation_vi: explanation.into(),
        sure: true,
    }
}

fn attempt(text: &str, at: i64, cefr: CefrLevel, edits: Vec<StoredEdit>) -> NewAttempt {
    NewAttempt {
        uuid: None,
        text: text.into(),
        mode: Mode::Practice,
        model_id: "test.gguf".into(),
        created_at: Some(at),
        fluency: Some(if edits.is_empty() { 5.0 } else { 3.0 }),
        fluency_reason: Some("ok".into()),
        cefr: Some(cefr),
        corrected: Some(format!("{text} (fixed)")),
        latency_ms: 1200,
        conversation_id: None,
        edits,
    }
}

async fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let rows = [
        attempt(
            "I live at Hanoi.",
            T0,
            CefrLevel::A1,
            vec![edit(
                "at",
                "in",
                ErrorType::Preposition,
                "Giới từ ở chỗ “at” chưa đúng em nhé.",
            )],
        ),
        attempt(
            "She don't like apples.",
            T0 + DAY,
            CefrLevel::A2,
            vec![edit(
                "don't",
                "doesn't",
                ErrorType::SubjectVerbAgreement,
                "Em viết “don't” chưa hợp với chủ ngữ của câu.",
            )],
        ),
        attempt(
            "I have two apple.",
            T0 + 2 * DAY,
            CefrLevel::A1,
            vec![edit(
                "apple",
                "apples",
                ErrorType::NounNumber,
                "Danh từ “apple” chưa đúng số ít hay số nhiều em nhé.",
            )],
        ),
        attempt(
            "The weather is lovely today.",
            T0 + 3 * DAY,
            CefrLevel::B1,
            vec![],
        ),
    ];
    for r in &rows {
        store.insert_attempt(r).await.expect("insert");
    }
    (dir, store)
}

fn texts(page: &lexilingo_core::store::HistoryPage) -> Vec<&str> {
    page.items.iter().map(|s| s.text.as_str()).collect()
}

#[tokio::test]
async fn search_finds_vietnamese_with_and_without_tone_marks() {
    let (_dir, store) = seeded().await;
    for query in [
        "giới từ",
        "gioi tu",
        "GIỚI",
        "số nhiều",
        "so nhieu",
        "đúng em",
        "dung em",
    ] {
        let page = store
            .list_attempts(&HistoryQuery {
                search: Some(query.into()),
                ..Default::default()
            })
            .await
            .expect("search");
        let expected = if query.contains("em") { 2 } else { 1 };
        assert_eq!(page.items.len(), expected, "{query}: {:?}", texts(&page));
    }
    let page = store
        .list_attempts(&HistoryQuery {
            search: Some("apple".into()),
            ..Default::default()
        })
        .await
        .expect("search");
    assert_eq!(
        texts(&page),
        ["I have two apple.", "She don't like apples."],
        "prefix match, newest first"
    );
    let none = store
        .list_attempts(&HistoryQuery {
            search: Some("\") OR (".into()),
            ..Default::default()
        })
        .await
        .expect("FTS syntax in the input is not an error");
    assert!(none.items.is_empty());
}

#[tokio::test]
async fn filters_combine_and_pages_are_newest_first() {
    let (_dir, store) = seeded().await;
    let all = store
        .list_attempts(&HistoryQuery::default())
        .await
        .expect("list");
    assert_eq!(all.items.len(), 4);
    assert_eq!(all.items[0].text, "The weather is lovely today.");
    let by_type = store
        .list_attempts(&HistoryQuery {
            error_type: Some(ErrorType::NounNumber),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(texts(&by_type), ["I have two apple."]);
    assert_eq!(by_type.items[0].error_types, [ErrorType::NounNumber]);
    let since = store
        .list_attempts(&HistoryQuery {
            since: Some(T0 + DAY),
            level: Some(CefrLevel::A1),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(texts(&since), ["I have two apple."]);
    let page1 = store
        .list_attempts(&HistoryQuery {
            limit: Some(3),
            ..Default::default()
        })
        .await
        .expect("page 1");
    let page2 = store
        .list_attempts(&HistoryQuery {
            limit: Some(3),
            offset: Some(3),
            ..Default::default()
        })
        .await
        .expect("page 2");
    assert!(page1.has_more && !page2.has_more);
    assert_eq!(texts(&page2), ["I live at Hanoi."]);
}

#[tokio::test]
async fn delete_and_clear_remove_rows_cards_and_search_entries() {
    let (_dir, store) = seeded().await;
    let first = store
        .list_attempts(&HistoryQuery::default())
        .await
        .expect("list")
        .items;
    let hanoi = first
        .iter()
        .find(|s| s.text.contains("Hanoi"))
        .expect("row")
        .id;
    assert!(store.delete_attempt(hanoi).await.expect("delete"));
    assert!(!store.delete_attempt(hanoi).await.expect("delete again"));
    assert!(store.get_attempt(hanoi).await.expect("get").is_none());
    let found = store
        .list_attempts(&HistoryQuery {
            search: Some("Hanoi".into()),
            ..Default::default()
        })
        .await
        .expect("search");
    assert!(found.items.is_empty(), "the search entry went with the row");
    assert_eq!(store.clear_history().await.expect("clear"), 3);
    assert!(store
        .due_cards(i64::MAX, 10)
        .await
        .expect("cards")
        .is_empty());
    assert_eq!(store.integrity_check().await.expect("check"), "ok");
}

#[tokio::test]
async fn a_damaged_search_index_is_reported() {
    let (_dir, store) = seeded().await;
    sqlx::query("DELETE FROM attempt_search_data WHERE id > 10")
        .execute(store.pool())
        .await
        .expect("damage the index");
    let report = store.integrity_check().await.expect("check");
    assert_ne!(report, "ok");
}

#[tokio::test]
async fn review_cards_are_scheduled_by_fsrs() {
    let (_dir, store) = seeded().await;
    let now = T0 + 10 * DAY;
    let due = store.due_cards(now, 10).await.expect("due");
    assert_eq!(
        due.len(),
        3,
        "one card per wrong sentence, none for the correct one"
    );
    let good = store
        .record_review(due[0].attempt_id, ReviewGrade::Good, now)
        .await
        .expect("good");
    let again = store
        .record_review(due[1].attempt_id, ReviewGrade::Again, now)
        .await
        .expect("again");
    assert!(good.next_due_at > now && again.next_due_at > now);
    assert!(
        good.next_due_at > again.next_due_at,
        "a fixed sentence comes back later than a missed one"
    );
    let still_due = store.due_cards(now, 10).await.expect("due");
    assert_eq!(still_due.len(), 1);
    let later = store.due_cards(good.next_due_at, 10).await.expect("due");
    assert_eq!(later.len(), 3);
}

#[tokio::test]
async fn progress_groups_days_in_the_learners_time_zone() {
    let (_dir, store) = seeded().await;
    let p = store
        .progress(T0 + 3 * DAY + 1, 420)
        .await
        .expect("progress");
    assert_eq!(p.fluency_by_day.len(), 4);
    assert_eq!(p.fluency_by_day[0].period, "2026-11-20");
    assert_eq!(p.fluency_by_day[3].average, 5.0);
    let a1 = p
        .cefr_distribution
        .iter()
        .find(|l| l.level == CefrLevel::A1)
        .expect("A1");
    assert_eq!(a1.attempts, 2);
    assert_eq!(p.top_errors.len(), 3);
    assert!(p
        .top_errors
        .iter()
        .all(|e| e.total == 1 && e.last_7_days == 1));
    // 23:30 UTC is already the next morning in Vietnam.
    let dir = tempfile::tempdir().expect("temp");
    let store = Store::open(dir.path()).await.expect("open");
    store
        .insert_attempt(&attempt(
            "Late.",
            T0 + DAY - 30 * 60_000,
            CefrLevel::A1,
            vec![],
        ))
        .await
        .expect("insert");
    let p = store.progress(T0 + DAY, 420).await.expect("progress");
    assert_eq!(p.fluency_by_day[0].period, "2026-11-21");
}

#[tokio::test]
async fn export_and_import_round_trip_without_duplicates() {
    let (_dir, store) = seeded().await;
    let mut json = Vec::new();
    assert_eq!(
        store
            .export(ExportFormat::Json, None, &mut json)
            .await
            .expect("export"),
        4
    );
    let mut csv = Vec::new();
    store
        .export(ExportFormat::Csv, Some(T0 + 2 * DAY), &mut csv)
        .await
        .expect("csv");
    let csv = String::from_utf8(csv).expect("utf8");
    assert_eq!(
        csv.lines().count(),
        3,
        "header + 2 rows since day 2:\n{csv}"
    );
    assert!(csv.contains("noun_number"));

    let dir = tempfile::tempdir().expect("temp");
    let other = Store::open(dir.path()).await.expect("open");
    let first = other.import_json(&json).await.expect("import");
    assert_eq!((first.imported, first.skipped), (4, 0));
    let again = other.import_json(&json).await.expect("import again");
    assert_eq!((again.imported, again.skipped), (0, 4));
    let back = store
        .import_json(&json)
        .await
        .expect("import into the source");
    assert_eq!(back.imported, 0);
    let a = other
        .list_attempts(&HistoryQuery {
            search: Some("gioi".into()),
            ..Default::default()
        })
        .await
        .expect("search");
    assert_eq!(a.items.len(), 1, "imported rows are searchable");
    assert!(other
        .import_json(b"{\"format\":\"other\",\"version\":1,\"attempts\":[]}")
        .await
        .is_err());
    assert!(other.import_json(b"not json").await.is_err());
}

#[tokio::test]
async fn a_file_at_the_first_schema_migrates_with_its_data_and_a_backup() {
    let dir = tempfile::tempdir().expect("temp");
    let mut first = sqlx::migrate::Migrator {
        migrations: Cow::Owned(MIGRATOR.iter().take(1).cloned().collect()),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    first.set_locking(true);
    let old = Store::open_with(dir.path(), &first)
        .await
        .expect("open at v1");
    sqlx::query(
        "INSERT INTO attempts (uuid, text, mode, model_id, created_at, fluency, cefr, corrected, latency_ms) \
         VALUES ('u1', 'I goes to school.', 'practice', 'm', 1, 3.0, 'A1', 'I go to school.', 10)",
    )
    .execute(old.pool())
    .await
    .expect("insert v1 row");
    sqlx::query(
        "INSERT INTO edits (attempt_id, position, start_byte, end_byte, original, replacement, error_type, explanation_vi) \
         VALUES (1, 0, 2, 6, 'goes', 'go', 'subject_verb_agreement', 'Động từ chưa hợp với chủ ngữ em nhé.')",
    )
    .execute(old.pool())
    .await
    .expect("insert v1 edit");
    old.close().await;

    let store = Store::open(dir.path()).await.expect("migrate to latest");
    let a = store.get_attempt(1).await.expect("get").expect("row kept");
    assert_eq!(a.edits.len(), 1);
    let found = store
        .list_attempts(&HistoryQuery {
            search: Some("dong tu".into()),
            ..Default::default()
        })
        .await
        .expect("search");
    assert_eq!(
        found.items.len(),
        1,
        "rows from before the search index are indexed"
    );
    let backups: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".bak"))
        .collect();
    assert_eq!(backups.len(), 1, "one backup before migrating");
    let backup = Store::open_with(&tempdir_with(&backups[0].path()), &first)
        .await
        .expect("backup opens");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM attempts")
        .fetch_one(backup.pool())
        .await
        .expect("count");
    assert_eq!(n, 1);
}

/// A fresh directory holding `file` as the database, so it can be opened as a store.
fn tempdir_with(file: &std::path::Path) -> std::path::PathBuf {
    let dir = tempfile::tempdir().expect("temp").keep();
    std::fs::copy(file, dir.join(lexilingo_core::store::DB_FILE)).expect("copy");
    dir
}

/// The writer half of the crash test: runs only when the parent test starts this binary again
/// with `LEXILINGO_CRASH_DB` set. Prints each uuid after its insert has returned.
#[tokio::test]
#[ignore = "helper process for every_returned_insert_survives_a_sigkill, which runs it"]
async fn crash_writer_child() {
    let Some(dir) = std::env::var_os("LEXILINGO_CRASH_DB") else {
        return;
    };
    let store = Store::open(std::path::Path::new(&dir)).await.expect("open");
    for i in 0..1000 {
        let uuid = format!("crash-{i}");
        let mut a = attempt(
            &format!("Sentence number {i} with a mistake."),
            T0 + i,
            CefrLevel::A2,
            vec![edit("a", "the", ErrorType::Article, "Mạo từ em nhé.")],
        );
        a.uuid = Some(uuid.clone());
        store.insert_attempt(&a).await.expect("insert");
        println!("{uuid}");
    }
}

#[test]
fn every_returned_insert_survives_a_sigkill() {
    let dir = tempfile::tempdir().expect("temp");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "crash_writer_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("LEXILINGO_CRASH_DB", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn writer");
    // A different moment every run: somewhere between the 50th and the 900th insert.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let kill_after = 50 + (nanos % 850) as usize;
    let mut confirmed = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("read");
        if line.starts_with("crash-") {
            confirmed.push(line);
        }
        if confirmed.len() == kill_after {
            let _ = Command::new("kill")
                .args(["-9", &child.id().to_string()])
                .status();
            break;
        }
    }
    let _ = child.wait();
    assert_eq!(
        confirmed.len(),
        kill_after,
        "the writer ran until it was killed"
    );

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = Store::open(dir.path())
            .await
            .expect("reopen after the crash");
        assert_eq!(store.integrity_check().await.expect("check"), "ok");
        for uuid in &confirmed {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM attempts WHERE uuid = ?")
                .bind(uuid)
                .fetch_one(store.pool())
                .await
                .expect("count");
            assert_eq!(n, 1, "{uuid} was reported saved but is missing");
        }
        // The writer may commit a few more before the kill lands; never fewer.
        let total = store.count_attempts().await.expect("count");
        assert!(
            total as usize >= confirmed.len() && total <= 1000,
            "{total}"
        );
    });
}

#[tokio::test]
async fn a_windows_conversation_is_saved_turn_by_turn_listed_and_deleted() {
    use lexilingo_core::engine::Role;
    use lexilingo_core::store::NewConversation;
    let dir = tempfile::tempdir().expect("temp");
    let store = Store::open(dir.path()).await.expect("open");
    let new = NewConversation {
        scenario: "ordering_food".into(),
        level: CefrLevel::A2,
        model_id: "smol.gguf".into(),
    };
    let id = store
        .append_turns(
            None,
            &new,
            &[
                (Role::User, "I want an coffee.".into()),
                (Role::Assistant, "Sure! Hot or iced?".into()),
            ],
        )
        .await
        .expect("first exchange");
    let same = store
        .append_turns(
            Some(id),
            &new,
            &[
                (Role::User, "Iced, please.".into()),
                (Role::Assistant, "Here you are.".into()),
            ],
        )
        .await
        .expect("second exchange");
    assert_eq!(same, id, "the same conversation grows");
    // A system message is refused, and nothing of that batch is kept.
    assert!(store
        .append_turns(
            Some(id),
            &new,
            &[(Role::User, "x".into()), (Role::System, "y".into())]
        )
        .await
        .is_err());

    let list = store.list_conversations(10).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].turns, 4);
    assert_eq!(list[0].first_message, "I want an coffee.");
    assert_eq!(list[0].scenario, "ordering_food");
    let full = store
        .get_conversation(id)
        .await
        .expect("get")
        .expect("there");
    let texts: Vec<_> = full.turns.iter().map(|t| t.content.as_str()).collect();
    assert_eq!(
        texts,
        [
            "I want an coffee.",
            "Sure! Hot or iced?",
            "Iced, please.",
            "Here you are."
        ]
    );

    // After a delete (say, in another window) the next exchange starts a new conversation.
    assert!(store.delete_conversation(id).await.expect("delete"));
    assert!(!store.delete_conversation(id).await.expect("delete again"));
    store
        .append_turns(Some(id), &new, &[(Role::User, "Hello.".into())])
        .await
        .expect("new conversation");
    let list = store.list_conversations(10).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].turns, list[0].first_message.as_str()),
        (1, "Hello.")
    );
}

/// Hardening: 8 writers at once (two handles on one file, as the app and the CLI would be:
/// attempts, conversation appends and imports mixed) make 1,000 writes with no "database is
/// locked", and every acknowledged write is in the file afterwards. Read-then-write
/// transactions took a read lock first and failed with SQLITE_BUSY_SNAPSHOT (517), which no
/// busy timeout can wait out; they now start with `BEGIN IMMEDIATE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_writers_never_fail() {
    use lexilingo_core::engine::Role;
    use lexilingo_core::store::NewConversation;
    let dir = tempfile::tempdir().expect("temp dir");
    let a = Store::open(dir.path()).await.expect("open");
    let b = Store::open(dir.path()).await.expect("open again");
    let mut tasks = Vec::new();
    for w in 0..8usize {
        let store = if w % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let mut attempts = Vec::new();
            let mut conversation = None;
            let mut turns = 0usize;
            let mut imports = Vec::new();
            for i in 0..125usize {
                match i % 5 {
                    0 | 1 => {
                        let id = store
                            .insert_attempt(&attempt(
                                &format!("writer {w} sentence {i}"),
                                T0 + i as i64,
                                CefrLevel::A2,
                                vec![],
                            ))
                            .await
                            .unwrap_or_else(|e| panic!("writer {w} write {i}: {e}"));
                        attempts.push(id);
                    }
                    2 | 3 => {
                        let new = NewConversation {
                            scenario: "small_talk".into(),
                            level: CefrLevel::A2,
                            model_id: "test.gguf".into(),
                        };
                        let id = store
                            .append_turns(
                                conversation,
                                &new,
                                &[(Role::User, format!("turn {i} of {w}"))],
                            )
                            .await
                            .unwrap_or_else(|e| panic!("writer {w} append {i}: {e}"));
                        conversation = Some(id);
                        turns += 1;
                    }
                    _ => {
                        let uuid = format!("import-{w}-{i}");
                        let file = serde_json::json!({
                            "format": "lexilingo-history", "version": 1,
                            "attempts": [{
                                "id": 0, "uuid": uuid, "text": "Imported sentence.",
                                "mode": "practice", "model_id": "x", "created_at": T0,
                                "fluency": 4.0, "fluency_reason": null, "cefr": "A2",
                                "corrected": null, "latency_ms": 0, "conversation_id": null,
                                "edits": []
                            }]
                        });
                        let r = store
                            .import_json(file.to_string().as_bytes())
                            .await
                            .unwrap_or_else(|e| panic!("writer {w} import {i}: {e}"));
                        assert_eq!(r.imported, 1);
                        imports.push(uuid);
                    }
                }
            }
            (attempts, conversation, turns, imports)
        }));
    }
    let mut writes = 0;
    for t in tasks {
        let (attempts, conversation, turns, imports) = t.await.expect("writer task");
        writes += attempts.len() + turns + imports.len();
        for id in attempts {
            assert!(
                a.get_attempt(id).await.expect("read").is_some(),
                "attempt {id} lost"
            );
        }
        let c = a
            .get_conversation(conversation.expect("one conversation"))
            .await
            .expect("read")
            .expect("conversation kept");
        assert_eq!(c.turns.len(), turns, "every appended turn is there");
        for uuid in imports {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM attempts WHERE uuid = ?")
                .bind(&uuid)
                .fetch_one(a.pool())
                .await
                .expect("count");
            assert_eq!(n, 1, "{uuid}");
        }
    }
    assert_eq!(writes, 1000);
}

/// Hardening: an import file is checked whole before anything is written. Bad times, edit
/// offsets outside the text, and empty ids are refused, and nothing of the file is stored.
#[tokio::test]
async fn imports_with_impossible_values_are_refused_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).await.expect("open");
    let file = |uuid: &str, created_at: i64, start: usize, end: usize| {
        serde_json::json!({
            "format": "lexilingo-history", "version": 1,
            "attempts": [
                { "id": 0, "uuid": "good-one", "text": "She don't like it.", "mode": "practice",
                  "model_id": "x", "created_at": T0, "fluency": 3.0, "fluency_reason": null,
                  "cefr": "A1", "corrected": "She doesn't like it.", "latency_ms": 0,
                  "conversation_id": null, "edits": [] },
                { "id": 0, "uuid": uuid, "text": "She don't like it.", "mode": "practice",
                  "model_id": "x", "created_at": created_at, "fluency": 3.0,
                  "fluency_reason": null, "cefr": "A1", "corrected": null, "latency_ms": 0,
                  "conversation_id": null,
                  "edits": [{ "start": start, "end": end, "original": "don't",
                              "replacement": "doesn't", "error_type": "subject_verb_agreement",
                              "explanation_vi": "…" }] }
            ]
        })
        .to_string()
    };
    for (why, bad) in [
        ("i64::MIN", file("u1", i64::MIN, 4, 9)),
        ("i64::MAX", file("u2", i64::MAX, 4, 9)),
        ("edit past the text", file("u3", T0, 4, 900)),
        ("edit start after end", file("u4", T0, 9, 4)),
        ("empty uuid", file("", T0, 4, 9)),
        (
            "escape codes in the uuid",
            file("a\u{1b}]52;c;x\u{7}", T0, 4, 9),
        ),
    ] {
        let e = store.import_json(bad.as_bytes()).await.expect_err(why);
        assert!(
            matches!(e, lexilingo_core::store::StoreError::BadImport(_)),
            "{why}: {e}"
        );
    }
    let page = store
        .list_attempts(&HistoryQuery::default())
        .await
        .expect("list");
    assert_eq!(page.items.len(), 0, "nothing of a refused file is stored");
    let ok = store
        .import_json(file("u5", T0, 4, 9).as_bytes())
        .await
        .expect("a sound file imports");
    assert_eq!(ok.imported, 2);
}

/// A JSON export carries the saved conversations; importing it elsewhere restores each one with
/// its turns, re-links its checked messages (attempts) to it, and skips it the second time.
#[tokio::test]
async fn conversations_travel_in_the_export_and_keep_their_messages_linked() {
    use lexilingo_core::engine::Role;
    use lexilingo_core::store::NewConversation;
    let dir = tempfile::tempdir().expect("temp");
    let store = Store::open(dir.path()).await.expect("open");
    // A conversation in the target first, so row ids differ between the two stores.
    let other_dir = tempfile::tempdir().expect("temp");
    let other = Store::open(other_dir.path()).await.expect("open other");
    let new = NewConversation {
        scenario: "travel".into(),
        level: CefrLevel::A2,
        model_id: "smol.gguf".into(),
    };
    other
        .append_turns(None, &new, &[(Role::User, "Hi there.".into())])
        .await
        .expect("a conversation already there");
    let id = store
        .append_turns(
            None,
            &new,
            &[
                (Role::User, "I go to Da Nang yesterday.".into()),
                (Role::Assistant, "Nice! How was Da Nang?".into()),
            ],
        )
        .await
        .expect("conversation");
    let mut message = attempt("I go to Da Nang yesterday.", T0, CefrLevel::A2, vec![]);
    message.mode = Mode::Dialogue;
    message.conversation_id = Some(id);
    store.insert_attempt(&message).await.expect("message");
    let json = store
        .export_bytes(ExportFormat::Json, None)
        .await
        .expect("export");

    let report = other.import_json(&json).await.expect("import");
    assert_eq!(
        (
            report.imported,
            report.conversations_imported,
            report.conversations_skipped
        ),
        (1, 1, 0)
    );
    let list = other.list_conversations(10).await.expect("list");
    assert_eq!(list.len(), 2);
    let travelled = list
        .iter()
        .find(|c| c.first_message == "I go to Da Nang yesterday.")
        .expect("the imported conversation is listed");
    let full = other
        .get_conversation(travelled.id)
        .await
        .expect("get")
        .expect("there");
    let original = store
        .get_conversation(id)
        .await
        .expect("get")
        .expect("there");
    assert_eq!(full.uuid, original.uuid);
    assert_eq!(full.started_at, original.started_at);
    assert_eq!(
        full.turns, original.turns,
        "turns, roles and times are kept"
    );
    let page = other
        .list_attempts(&HistoryQuery::default())
        .await
        .expect("attempts");
    let imported = other
        .get_attempt(page.items[0].id)
        .await
        .expect("get")
        .expect("there");
    assert_eq!(imported.conversation_id, Some(travelled.id));

    let again = other.import_json(&json).await.expect("import again");
    assert_eq!(
        (
            again.skipped,
            again.conversations_imported,
            again.conversations_skipped
        ),
        (1, 0, 1)
    );

    // A conversation holding a system message is refused, and with it the whole file.
    let mut file: serde_json::Value = serde_json::from_slice(&json).expect("json");
    file["conversations"][0]["uuid"] = "fresh-id".into();
    file["conversations"][0]["turns"][1]["role"] = "system".into();
    file["attempts"][0]["uuid"] = "fresh-attempt".into();
    let e = other
        .import_json(file.to_string().as_bytes())
        .await
        .expect_err("a system message");
    assert!(
        matches!(e, lexilingo_core::store::StoreError::BadImport(_)),
        "{e}"
    );
    assert_eq!(other.list_conversations(10).await.expect("list").len(), 2);
}
