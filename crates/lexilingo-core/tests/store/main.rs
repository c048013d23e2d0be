//! The history database on real SQLite files in temporary directories: the queries the
//! screens make, durability under crashes and concurrency, and moving the history between
//! computers.

use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use lexilingo_core::store::{
    ExportFormat, HistoryQuery, Mode, NewAttempt, ReviewGrade, Store, StoredEdit, MIGRATOR,
};
use lexilingo_core::{CefrLevel, ErrorType};

pub(crate) const DAY: i64 = 86_400_000;
/// 2026-11-20 00:00 UTC.
pub(crate) const T0: i64 = 1_795_132_800_000;

pub(crate) fn edit(
    original: &str,
    replacement: &str,
    t: ErrorType,
    explanation: &str,
) -> StoredEdit {
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

pub(crate) fn attempt(text: &str, at: i64, cefr: CefrLevel, edits: Vec<StoredEdit>) -> NewAttempt {
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

pub(crate) async fn seeded() -> (tempfile::TempDir, Store) {
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

pub(crate) fn texts(page: &lexilingo_core::store::HistoryPage) -> Vec<&str> {
    page.items.iter().map(|s| s.text.as_str()).collect()
}

mod durability;
mod queries;
mod transfer;
