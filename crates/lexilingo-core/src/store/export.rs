//! Export to CSV or JSON, and import of a JSON export (for moving to a new computer).
//!
//! Attempts and conversations carry a UUID, so importing the same export twice, or into the
//! computer it came from, adds nothing twice. A conversation's messages that were checked are
//! attempts too; they are linked to their conversation in the file by the conversation's row id
//! on the computer that wrote it, and re-linked to the row it gets (or already has) here.

use serde::{Deserialize, Serialize};

use super::attempts::{insert_attempt_tx, Attempt, HistoryQuery, NewAttempt};
use super::conversations::Conversation;
use super::{Store, StoreError};
use crate::engine::Role;

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One row per attempt; edits flattened. For spreadsheets.
    Csv,
    /// Everything, re-importable.
    Json,
}

/// The JSON export's shape (what `/v1/history/export` sends and `/v1/history/import` takes).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportDocument {
    /// Always `lexilingo-history`.
    pub format: String,
    /// 1 or 2: 2 added the conversations.
    pub version: u32,
    /// Every attempt, oldest first.
    pub attempts: Vec<Attempt>,
    /// Saved conversations with their turns (since version 2; a version 1 file has none).
    #[serde(default)]
    pub conversations: Vec<Conversation>,
}

/// The version [`write_export`] writes: 2 added the conversations.
const EXPORT_VERSION: u32 = 2;

const FORMAT_TAG: &str = "lexilingo-history";

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ImportReport {
    /// Attempts added.
    pub imported: usize,
    /// Attempts already present (same UUID), left alone.
    pub skipped: usize,
    /// Conversations added.
    pub conversations_imported: usize,
    /// Conversations already present (same UUID), left alone.
    pub conversations_skipped: usize,
}

impl Store {
    async fn all_attempts(&self, since: Option<i64>) -> Result<Vec<Attempt>, StoreError> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .list_attempts(&HistoryQuery {
                    since,
                    limit: Some(500),
                    offset: Some(offset),
                    ..HistoryQuery::default()
                })
                .await?;
            for s in &page.items {
                if let Some(a) = self.get_attempt(s.id).await? {
                    out.push(a);
                }
            }
            if !page.has_more {
                break;
            }
            offset += 500;
        }
        out.reverse();
        Ok(out)
    }

    /// Every conversation started since `since`, oldest first, with its turns.
    async fn all_conversations(&self, since: Option<i64>) -> Result<Vec<Conversation>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM conversations WHERE started_at >= ? ORDER BY started_at, id",
        )
        .bind(since.unwrap_or(i64::MIN))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(c) = self.get_conversation(id).await? {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// Writes the history (since `since`, oldest first) in `format`.
    pub async fn export(
        &self,
        format: ExportFormat,
        since: Option<i64>,
        out: &mut dyn std::io::Write,
    ) -> Result<usize, StoreError> {
        let attempts = self.all_attempts(since).await?;
        let conversations = self.all_conversations(since).await?;
        write_export(format, attempts, conversations, out)
    }

    /// The whole export in memory. Unlike [`Store::export`] the future holds no writer, so it
    /// can run on a multi-threaded runtime (the HTTP server, the app's commands).
    pub async fn export_bytes(
        &self,
        format: ExportFormat,
        since: Option<i64>,
    ) -> Result<Vec<u8>, StoreError> {
        let attempts = self.all_attempts(since).await?;
        let conversations = self.all_conversations(since).await?;
        let mut out = Vec::new();
        write_export(format, attempts, conversations, &mut out)?;
        Ok(out)
    }

    /// Imports a JSON export, skipping attempts whose UUID is already here. All or nothing.
    pub async fn import_json(&self, data: &[u8]) -> Result<ImportReport, StoreError> {
        let file: ExportDocument =
            serde_json::from_slice(data).map_err(|e| StoreError::BadImport(e.to_string()))?;
        if file.format != FORMAT_TAG {
            return Err(StoreError::BadImport(format!(
                "format is `{}`",
                file.format
            )));
        }
        // Everything is checked before anything is written: a file with one bad attempt is
        // refused whole, so the history never holds half of a file.
        for (i, a) in file.attempts.iter().enumerate() {
            validate_imported(a).map_err(|why| {
                StoreError::BadImport(format!(
                    "attempt {} ({}): {why}",
                    i + 1,
                    a.uuid.escape_debug()
                ))
            })?;
        }
        for (i, c) in file.conversations.iter().enumerate() {
            validate_conversation(c).map_err(|why| {
                StoreError::BadImport(format!(
                    "conversation {} ({}): {why}",
                    i + 1,
                    c.uuid.escape_debug()
                ))
            })?;
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut report = ImportReport {
            imported: 0,
            skipped: 0,
            conversations_imported: 0,
            conversations_skipped: 0,
        };
        // The file's conversation row ids → this store's, for the attempts that point at them.
        let mut linked = std::collections::HashMap::new();
        for c in &file.conversations {
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM conversations WHERE uuid = ?")
                    .bind(&c.uuid)
                    .fetch_optional(&mut *tx)
                    .await?;
            let id = match existing {
                Some(id) => {
                    report.conversations_skipped += 1;
                    id
                }
                None => {
                    report.conversations_imported += 1;
                    insert_conversation_tx(&mut tx, c).await?
                }
            };
            linked.insert(c.id, id);
        }
        for a in file.attempts {
            let exists: bool =
                sqlx::query_scalar("SELECT count(*) > 0 FROM attempts WHERE uuid = ?")
                    .bind(&a.uuid)
                    .fetch_one(&mut *tx)
                    .await?;
            if exists {
                report.skipped += 1;
                continue;
            }
            let conversation = a.conversation_id.and_then(|id| linked.get(&id).copied());
            let mut new = NewAttempt::from(a);
            new.conversation_id = conversation;
            insert_attempt_tx(&mut tx, &new).await?;
            report.imported += 1;
        }
        tx.commit().await?;
        Ok(report)
    }
}

/// Earliest and latest creation times an imported attempt may have: 2020-01-01 (before the
/// app existed) and a day from now (clocks differ between devices).
const EARLIEST_MS: i64 = 1_577_836_800_000;

/// Why an attempt from an import file cannot be stored, if it cannot. The file may come from
/// anywhere, so every value the app later trusts (offsets it slices the text with, times it
/// buckets by day, the id it de-duplicates by) is checked here.
fn validate_imported(a: &Attempt) -> Result<(), String> {
    if !plain_id(&a.uuid) {
        return Err("its id is empty or not a plain id".into());
    }
    let latest = super::now_ms() + 24 * 3600 * 1000;
    if !(EARLIEST_MS..=latest).contains(&a.created_at) {
        return Err(format!("its time {} is out of range", a.created_at));
    }
    if a.text.trim().is_empty() || a.text.chars().count() > 20_000 {
        return Err("its text is empty or too long".into());
    }
    // Nothing a learner types holds control characters; an imported one would reach the
    // terminal of whoever lists the history.
    let texts = [
        Some(&a.text),
        a.corrected.as_ref(),
        a.fluency_reason.as_ref(),
        Some(&a.model_id),
    ];
    let edit_texts = a
        .edits
        .iter()
        .flat_map(|e| [&e.original, &e.replacement, &e.explanation_vi]);
    if texts
        .into_iter()
        .flatten()
        .chain(edit_texts)
        .any(|t| crate::input::check_printable(t).is_err())
    {
        return Err("it holds control characters".into());
    }
    if a.fluency.is_some_and(|f| !(0.0..=5.0).contains(&f)) {
        return Err("its fluency is not between 0 and 5".into());
    }
    for e in &a.edits {
        let inside = e.start <= e.end
            && e.end <= a.text.len()
            && a.text.is_char_boundary(e.start)
            && a.text.is_char_boundary(e.end);
        if !inside {
            return Err(format!(
                "an edit at {}..{} lies outside its text of {} bytes",
                e.start,
                e.end,
                a.text.len()
            ));
        }
    }
    Ok(())
}

/// Inserts an imported conversation with its own id, time and turns.
async fn insert_conversation_tx(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    c: &Conversation,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO conversations (uuid, scenario, level, model_id, started_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&c.uuid)
    .bind(&c.scenario)
    .bind(c.level.as_str())
    .bind(&c.model_id)
    .bind(c.started_at)
    .fetch_one(&mut **tx)
    .await?;
    for (position, t) in c.turns.iter().enumerate() {
        sqlx::query(
            "INSERT INTO turns (conversation_id, position, role, content, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(t.role.as_str())
        .bind(&t.content)
        .bind(t.created_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}

/// Why a conversation from an import file cannot be stored, if it cannot: the same checks as
/// for attempts (plain id, times in range, printable text), and no system messages, which are
/// never stored.
fn validate_conversation(c: &Conversation) -> Result<(), String> {
    if !plain_id(&c.uuid) {
        return Err("its id is empty or not a plain id".into());
    }
    let latest = super::now_ms() + 24 * 3600 * 1000;
    if !(EARLIEST_MS..=latest).contains(&c.started_at) {
        return Err(format!("its time {} is out of range", c.started_at));
    }
    if c.scenario.trim().is_empty() || c.scenario.len() > 64 {
        return Err("its scenario is empty or too long".into());
    }
    if c.turns.len() > 10_000 {
        return Err("it has too many messages".into());
    }
    for (i, t) in c.turns.iter().enumerate() {
        if t.role == Role::System {
            return Err(format!("message {} is a system message", i + 1));
        }
        if t.content.chars().count() > 20_000 {
            return Err(format!("message {} is too long", i + 1));
        }
        if !(EARLIEST_MS..=latest).contains(&t.created_at) {
            return Err(format!("message {} has a time out of range", i + 1));
        }
    }
    let texts = [&c.scenario, &c.model_id]
        .into_iter()
        .chain(c.turns.iter().map(|t| &t.content));
    if texts
        .into_iter()
        .any(|t| crate::input::check_printable(t).is_err())
    {
        return Err("it holds control characters".into());
    }
    Ok(())
}

/// A UUID-like id: not empty, at most 64 characters, letters, digits, `-` and `_` only.
fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Writes `attempts` (and, in JSON, `conversations`) in `format` (shared by [`Store::export`]
/// and [`Store::export_bytes`]). CSV is one row per attempt, for spreadsheets; a conversation's
/// checked messages are there as dialogue attempts.
fn write_export(
    format: ExportFormat,
    attempts: Vec<Attempt>,
    conversations: Vec<Conversation>,
    out: &mut dyn std::io::Write,
) -> Result<usize, StoreError> {
    let n = attempts.len();
    let io = |e: std::io::Error| StoreError::Io {
        path: "export".into(),
        source: e,
    };
    match format {
        ExportFormat::Json => {
            let file = ExportDocument {
                format: FORMAT_TAG.into(),
                version: EXPORT_VERSION,
                attempts,
                conversations,
            };
            serde_json::to_writer_pretty(&mut *out, &file).map_err(|e| io(e.into()))?;
            writeln!(out).map_err(io)?;
        }
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "uuid",
                "created_at",
                "mode",
                "text",
                "corrected",
                "fluency",
                "cefr",
                "model",
                "latency_ms",
                "error_types",
                "edits",
            ])
            .map_err(|e| io(e.into()))?;
            for a in &attempts {
                let types: Vec<&str> = a.edits.iter().map(|e| e.error_type.as_str()).collect();
                let edits: Vec<String> = a
                    .edits
                    .iter()
                    .map(|e| format!("{} → {}", e.original, e.replacement))
                    .collect();
                let created = chrono::DateTime::from_timestamp_millis(a.created_at)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default();
                w.write_record([
                    a.uuid.as_str(),
                    &created,
                    if a.mode == super::Mode::Practice {
                        "practice"
                    } else {
                        "dialogue"
                    },
                    &a.text,
                    a.corrected.as_deref().unwrap_or(""),
                    &a.fluency.map(|f| f.to_string()).unwrap_or_default(),
                    a.cefr.map(|c| c.as_str()).unwrap_or(""),
                    &a.model_id,
                    &a.latency_ms.to_string(),
                    &types.join(";"),
                    &edits.join("; "),
                ])
                .map_err(|e| io(e.into()))?;
            }
            w.flush().map_err(io)?;
        }
    }
    Ok(n)
}
