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
        let mut tx = self.pool.begin().await?;
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
