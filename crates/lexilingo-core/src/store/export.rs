//! Export to CSV or JSON, and import of a JSON export (for moving to a new computer).
//!
//! Attempts carry a UUID, so importing the same export twice, or into the computer it came
//! from, adds nothing twice.

use serde::{Deserialize, Serialize};

use super::attempts::{insert_attempt_tx, Attempt, HistoryQuery, NewAttempt};
use super::{Store, StoreError};

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One row per attempt; edits flattened. For spreadsheets.
    Csv,
    /// Everything, re-importable.
    Json,
}

/// The JSON export's shape.
#[derive(Debug, Serialize, Deserialize)]
struct ExportFile {
    format: String,
    version: u32,
    attempts: Vec<Attempt>,
}

const FORMAT_TAG: &str = "lexilingo-history";

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportReport {
    /// Attempts added.
    pub imported: usize,
    /// Attempts already present (same UUID), left alone.
    pub skipped: usize,
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

    /// Writes the history (since `since`, oldest first) in `format`.
    pub async fn export(
        &self,
        format: ExportFormat,
        since: Option<i64>,
        out: &mut dyn std::io::Write,
    ) -> Result<usize, StoreError> {
        let attempts = self.all_attempts(since).await?;
        write_export(format, attempts, out)
    }

    /// The whole export in memory. Unlike [`Store::export`] the future holds no writer, so it
    /// can run on a multi-threaded runtime (the HTTP server, the app's commands).
    pub async fn export_bytes(
        &self,
        format: ExportFormat,
        since: Option<i64>,
    ) -> Result<Vec<u8>, StoreError> {
        let attempts = self.all_attempts(since).await?;
        let mut out = Vec::new();
        write_export(format, attempts, &mut out)?;
        Ok(out)
    }

    /// Imports a JSON export, skipping attempts whose UUID is already here. All or nothing.
    pub async fn import_json(&self, data: &[u8]) -> Result<ImportReport, StoreError> {
        let file: ExportFile =
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut report = ImportReport {
            imported: 0,
            skipped: 0,
        };
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
            let new = NewAttempt::from(a);
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
    let uuid_ok = !a.uuid.is_empty()
        && a.uuid.len() <= 64
        && a.uuid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !uuid_ok {
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

/// Writes `attempts` in `format` (shared by [`Store::export`] and [`Store::export_bytes`]).
fn write_export(
    format: ExportFormat,
    attempts: Vec<Attempt>,
    out: &mut dyn std::io::Write,
) -> Result<usize, StoreError> {
    let n = attempts.len();
    let io = |e: std::io::Error| StoreError::Io {
        path: "export".into(),
        source: e,
    };
    match format {
        ExportFormat::Json => {
            let file = ExportFile {
                format: FORMAT_TAG.into(),
                version: 1,
                attempts,
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
