//! The history: past attempts, progress, export and import.

use lexilingo_core::store::{
    Attempt, ExportFormat, HistoryPage, HistoryQuery, ImportReport, Progress,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{App, AppError, ErrorCode};

/// A history export, ready to write or send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ExportFile {
    /// `lexilingo-history-<day>.<json|csv>`.
    pub file_name: String,
    /// `application/json` or `text/csv; charset=utf-8`.
    pub content_type: String,
    /// The file's bytes (UTF-8 text).
    #[serde(skip)]
    #[ts(skip)]
    pub bytes: Vec<u8>,
}

impl App {
    /// A page of past attempts, newest first, filtered.
    pub async fn history(&self, query: &HistoryQuery) -> Result<HistoryPage, AppError> {
        Ok(self.store().await?.list_attempts(query).await?)
    }

    /// One attempt with its edits and explanations.
    pub async fn attempt(&self, id: i64) -> Result<Attempt, AppError> {
        self.store()
            .await?
            .get_attempt(id)
            .await?
            .ok_or_else(|| AppError::not_found("attempt", id))
    }

    /// Deletes one attempt (and its review card).
    pub async fn delete_attempt(&self, id: i64) -> Result<(), AppError> {
        if self.store().await?.delete_attempt(id).await? {
            Ok(())
        } else {
            Err(AppError::not_found("attempt", id))
        }
    }

    /// Deletes the whole history; `confirm` must be true, so a stray call never wipes a
    /// learner's work. Returns how many attempts went.
    pub async fn clear_history(&self, confirm: bool) -> Result<u64, AppError> {
        if !confirm {
            return Err(AppError::new(
                ErrorCode::ConfirmRequired,
                "clearing the history needs confirm=true",
            ));
        }
        Ok(self.store().await?.clear_history().await?)
    }

    /// Progress for the charts, grouping days in the learner's time zone.
    pub async fn progress(&self, utc_offset_minutes: i32) -> Result<Progress, AppError> {
        let mut progress = self
            .store()
            .await?
            .progress(lexilingo_core::store::now_ms(), utc_offset_minutes)
            .await?;
        if let Some(goal) = self.active().source().settings().daily_goal {
            progress.daily_goal = goal;
        }
        Ok(progress)
    }

    /// The whole history as JSON (re-importable) or CSV (for spreadsheets), named by today's
    /// date.
    pub async fn export_history(&self, csv: bool) -> Result<ExportFile, AppError> {
        let (format, ext, content_type) = if csv {
            (ExportFormat::Csv, "csv", "text/csv; charset=utf-8")
        } else {
            (ExportFormat::Json, "json", "application/json")
        };
        let bytes = self.store().await?.export_bytes(format, None).await?;
        let day = chrono::Local::now().format("%Y-%m-%d");
        Ok(ExportFile {
            file_name: format!("lexilingo-history-{day}.{ext}"),
            content_type: content_type.into(),
            bytes,
        })
    }

    /// Writes an export to `<data folder>/exports/` (the window has no save dialog; Settings
    /// shows the folder) and returns the file's path.
    pub async fn export_history_to_data_dir(&self, csv: bool) -> Result<String, AppError> {
        let file = self.export_history(csv).await?;
        let dir = self
            .data_dir()
            .ok_or_else(AppError::no_data_dir)?
            .join("exports");
        let path = dir.join(&file.file_name);
        let written = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || {
                std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, file.bytes))
            })
            .await
        };
        match written {
            Ok(Ok(())) => Ok(path.display().to_string()),
            Ok(Err(e)) => Err(AppError::new(
                ErrorCode::ExportFailed,
                format!("{}: {e}", path.display()),
            )),
            Err(e) => Err(AppError::internal(format!("the export task failed: {e}"))),
        }
    }

    /// Adds the attempts of a JSON export; attempts already present are left alone, and a
    /// file that is not an export changes nothing.
    pub async fn import_history(&self, data: &[u8]) -> Result<ImportReport, AppError> {
        Ok(self.store().await?.import_json(data).await?)
    }
}
