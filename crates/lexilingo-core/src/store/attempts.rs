//! Attempts (one checked sentence each) and their edits: insert, get, list, delete.

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use ts_rs::TS;

use super::{now_ms, Store, StoreError};
use crate::language::cefr::CefrLevel;
use crate::language::error_types::ErrorType;

/// Where an attempt came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A sentence checked on the practice screen or with `lexilingo analyze`.
    Practice,
    /// A learner message in a conversation.
    Dialogue,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Practice => "practice",
            Mode::Dialogue => "dialogue",
        }
    }
    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "practice" => Ok(Mode::Practice),
            "dialogue" => Ok(Mode::Dialogue),
            other => Err(StoreError::Corrupt(format!("mode `{other}`"))),
        }
    }
}

/// An edit as stored, with its Vietnamese explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct StoredEdit {
    /// Byte offset in the attempt's text.
    pub start: usize,
    /// Byte offset just past the changed text.
    pub end: usize,
    /// The original words.
    pub original: String,
    /// The correction.
    pub replacement: String,
    /// The mistake's type.
    pub error_type: ErrorType,
    /// The explanation shown to the learner.
    pub explanation_vi: String,
    /// Whether the tutor was sure of it ([`crate::language::edits::Edit::sure`]); only sure edits make
    /// a Review card and grade it. True in exports written before it existed.
    #[serde(default = "sure_by_default")]
    pub sure: bool,
}

fn sure_by_default() -> bool {
    true
}

/// An attempt to save.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAttempt {
    /// A stable id across devices (export/import); generated when `None`.
    pub uuid: Option<String>,
    /// What the learner wrote.
    pub text: String,
    /// Practice or dialogue.
    pub mode: Mode,
    /// The model that judged it.
    pub model_id: String,
    /// When, in Unix milliseconds (now when `None`).
    pub created_at: Option<i64>,
    /// Fluency 0–5, if rated.
    pub fluency: Option<f32>,
    /// The reason for the fluency score.
    pub fluency_reason: Option<String>,
    /// The sentence's CEFR level, if rated.
    pub cefr: Option<CefrLevel>,
    /// The correction, if checked.
    pub corrected: Option<String>,
    /// How long the tutor took, in milliseconds.
    pub latency_ms: u64,
    /// The conversation this message belongs to.
    pub conversation_id: Option<i64>,
    /// The edits, in order.
    pub edits: Vec<StoredEdit>,
}

impl From<Attempt> for NewAttempt {
    /// The same attempt, to be saved elsewhere (import). The link to a conversation is a row
    /// id of the store it came from, so it is dropped here; the import re-links it to the
    /// conversation's row in this store.
    fn from(a: Attempt) -> Self {
        Self {
            uuid: Some(a.uuid),
            text: a.text,
            mode: a.mode,
            model_id: a.model_id,
            created_at: Some(a.created_at),
            fluency: a.fluency,
            fluency_reason: a.fluency_reason,
            cefr: a.cefr,
            corrected: a.corrected,
            latency_ms: a.latency_ms,
            conversation_id: None,
            edits: a.edits,
        }
    }
}

/// A saved attempt with its edits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Attempt {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Stable id.
    pub uuid: String,
    /// What the learner wrote.
    pub text: String,
    /// Practice or dialogue.
    pub mode: Mode,
    /// The model that judged it.
    pub model_id: String,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Fluency 0–5.
    pub fluency: Option<f32>,
    /// Why.
    pub fluency_reason: Option<String>,
    /// CEFR level.
    pub cefr: Option<CefrLevel>,
    /// The correction.
    pub corrected: Option<String>,
    /// Milliseconds the tutor took.
    #[ts(type = "number")]
    pub latency_ms: u64,
    /// The conversation, for dialogue messages.
    #[ts(type = "number | null")]
    pub conversation_id: Option<i64>,
    /// The edits, in order.
    pub edits: Vec<StoredEdit>,
}

/// One line of the history list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct AttemptSummary {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Stable id.
    pub uuid: String,
    /// What the learner wrote.
    pub text: String,
    /// The correction.
    pub corrected: Option<String>,
    /// Practice or dialogue.
    pub mode: Mode,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Fluency 0–5.
    pub fluency: Option<f32>,
    /// CEFR level.
    pub cefr: Option<CefrLevel>,
    /// The types of its edits, in order.
    pub error_types: Vec<ErrorType>,
}

/// Filters and paging for the history list. Newest first.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Serialize,
    Deserialize,
    TS,
    utoipa::ToSchema,
    utoipa::IntoParams,
)]
#[ts(export)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Full-text search over the sentence, its correction and the explanations.
    pub search: Option<String>,
    /// Only attempts with an edit of this type.
    pub error_type: Option<ErrorType>,
    /// Only attempts at or after this time (Unix milliseconds).
    #[ts(type = "number | null")]
    pub since: Option<i64>,
    /// Only attempts rated at this level.
    pub level: Option<CefrLevel>,
    /// Page size (default 20, at most 500).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u32>,
}

/// A page of the history list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct HistoryPage {
    /// The attempts, newest first.
    pub items: Vec<AttemptSummary>,
    /// Whether another page follows.
    pub has_more: bool,
}

/// Folds "đ" to "d" for the search index and queries. The tokenizer already drops tone marks,
/// but "đ" is a separate letter; learners without a Vietnamese keyboard type "d".
pub(super) fn fold_for_search(text: &str) -> String {
    text.replace('đ', "d").replace('Đ', "D")
}

/// Turns what a learner types into an FTS5 query: every word must appear, as a prefix, so
/// "gioi" finds "giới" and "explan" finds "explanation". Quotes keep FTS5 syntax characters in
/// the input from being read as operators.
fn fts_query(search: &str) -> Option<String> {
    let search = fold_for_search(search);
    let terms: Vec<String> = search
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|t| !t.is_empty())
        .map(|t| format!("\"{}\"*", t.replace('"', "")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

impl Store {
    /// Saves an attempt, its edits, its search entry and (when it has edits) its review card in
    /// one transaction. Returns the row id once the transaction is committed.
    pub async fn insert_attempt(&self, attempt: &NewAttempt) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id = insert_attempt_tx(&mut tx, attempt).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves many attempts in one transaction (imports, benchmarks). Returns their row ids.
    pub async fn insert_attempts(&self, attempts: &[NewAttempt]) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut ids = Vec::with_capacity(attempts.len());
        for a in attempts {
            ids.push(insert_attempt_tx(&mut tx, a).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// One attempt with its edits.
    pub async fn get_attempt(&self, id: i64) -> Result<Option<Attempt>, StoreError> {
        let Some(row) = sqlx::query("SELECT * FROM attempts WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let edits = sqlx::query("SELECT * FROM edits WHERE attempt_id = ? ORDER BY position")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(edit_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(attempt_from_row(&row, edits)?))
    }

    /// The history list, newest first, filtered and paged.
    pub async fn list_attempts(&self, q: &HistoryQuery) -> Result<HistoryPage, StoreError> {
        let limit = q.limit.unwrap_or(20).clamp(1, 500);
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT a.id, a.uuid, a.text, a.corrected, a.mode, a.created_at, a.fluency, a.cefr, \
             (SELECT group_concat(e.error_type, ',') FROM \
                (SELECT error_type FROM edits e WHERE e.attempt_id = a.id ORDER BY position) e) \
             AS error_types FROM attempts a WHERE 1 = 1",
        );
        if let Some(fts) = q.search.as_deref().and_then(fts_query) {
            b.push(" AND a.id IN (SELECT rowid FROM attempt_search WHERE attempt_search MATCH ")
                .push_bind(fts)
                .push(")");
        }
        if let Some(t) = q.error_type {
            b.push(
                " AND EXISTS (SELECT 1 FROM edits e WHERE e.attempt_id = a.id AND e.error_type = ",
            )
            .push_bind(t.as_str())
            .push(")");
        }
        if let Some(since) = q.since {
            b.push(" AND a.created_at >= ").push_bind(since);
        }
        if let Some(level) = q.level {
            b.push(" AND a.cefr = ").push_bind(level.as_str());
        }
        b.push(" ORDER BY a.created_at DESC, a.id DESC LIMIT ")
            .push_bind(i64::from(limit) + 1)
            .push(" OFFSET ")
            .push_bind(i64::from(q.offset.unwrap_or(0)));
        let rows = b.build().fetch_all(&self.pool).await?;
        let has_more = rows.len() > limit as usize;
        let items = rows
            .iter()
            .take(limit as usize)
            .map(summary_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(HistoryPage { items, has_more })
    }

    /// Deletes one attempt (its edits, card and search entry go with it). Returns whether it
    /// existed.
    pub async fn delete_attempt(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM attempts WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes every attempt and conversation. Returns how many attempts there were.
    pub async fn clear_history(&self) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let n = sqlx::query("DELETE FROM attempts")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM conversations")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Number of saved attempts.
    pub async fn count_attempts(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM attempts")
            .fetch_one(&self.pool)
            .await?)
    }
}

/// Inserts inside an open transaction (shared with import).
pub(super) async fn insert_attempt_tx(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    a: &NewAttempt,
) -> Result<i64, StoreError> {
    let uuid = a
        .uuid
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let created_at = a.created_at.unwrap_or_else(now_ms);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO attempts (uuid, text, mode, model_id, created_at, fluency, fluency_reason, \
         cefr, corrected, latency_ms, conversation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         RETURNING id",
    )
    .bind(&uuid)
    .bind(&a.text)
    .bind(a.mode.as_str())
    .bind(&a.model_id)
    .bind(created_at)
    .bind(a.fluency.map(f64::from))
    .bind(&a.fluency_reason)
    .bind(a.cefr.map(CefrLevel::as_str))
    .bind(&a.corrected)
    .bind(i64::try_from(a.latency_ms).unwrap_or(i64::MAX))
    .bind(a.conversation_id)
    .fetch_one(&mut **tx)
    .await?;
    let mut explanations = String::new();
    for (position, e) in a.edits.iter().enumerate() {
        sqlx::query(
            "INSERT INTO edits (attempt_id, position, start_byte, end_byte, original, replacement, \
             error_type, explanation_vi, sure) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(e.start as i64)
        .bind(e.end as i64)
        .bind(&e.original)
        .bind(&e.replacement)
        .bind(e.error_type.as_str())
        .bind(&e.explanation_vi)
        .bind(e.sure)
        .execute(&mut **tx)
        .await?;
        explanations.push_str(&format!(
            "{} {} {} ",
            e.original, e.replacement, e.explanation_vi
        ));
    }
    sqlx::query(
        "INSERT INTO attempt_search (rowid, text, corrected, explanations) VALUES (?, ?, ?, ?)",
    )
    .bind(id)
    .bind(fold_for_search(&a.text))
    .bind(fold_for_search(a.corrected.as_deref().unwrap_or("")))
    .bind(fold_for_search(&explanations))
    .execute(&mut **tx)
    .await?;
    // Only what the tutor is sure of is drilled: a doubtful fix made into a card would teach
    // the learner a mistake of the tutor's.
    if a.edits.iter().any(|e| e.sure) {
        super::review::insert_new_card(tx, id, created_at).await?;
    }
    Ok(id)
}

fn level(s: Option<String>) -> Result<Option<CefrLevel>, StoreError> {
    s.map(|l| {
        l.parse()
            .map_err(|_| StoreError::Corrupt(format!("level `{l}`")))
    })
    .transpose()
}

fn error_type(s: &str) -> Result<ErrorType, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("error type `{s}`")))
}

fn edit_from_row(r: &SqliteRow) -> Result<StoredEdit, StoreError> {
    Ok(StoredEdit {
        start: r.try_get::<i64, _>("start_byte")? as usize,
        end: r.try_get::<i64, _>("end_byte")? as usize,
        original: r.try_get("original")?,
        replacement: r.try_get("replacement")?,
        error_type: error_type(&r.try_get::<String, _>("error_type")?)?,
        explanation_vi: r.try_get("explanation_vi")?,
        sure: r.try_get("sure")?,
    })
}

fn attempt_from_row(r: &SqliteRow, edits: Vec<StoredEdit>) -> Result<Attempt, StoreError> {
    Ok(Attempt {
        id: r.try_get("id")?,
        uuid: r.try_get("uuid")?,
        text: r.try_get("text")?,
        mode: Mode::parse(&r.try_get::<String, _>("mode")?)?,
        model_id: r.try_get("model_id")?,
        created_at: r.try_get("created_at")?,
        fluency: r.try_get::<Option<f64>, _>("fluency")?.map(|f| f as f32),
        fluency_reason: r.try_get("fluency_reason")?,
        cefr: level(r.try_get("cefr")?)?,
        corrected: r.try_get("corrected")?,
        latency_ms: r.try_get::<i64, _>("latency_ms")?.max(0) as u64,
        conversation_id: r.try_get("conversation_id")?,
        edits,
    })
}

fn summary_from_row(r: &SqliteRow) -> Result<AttemptSummary, StoreError> {
    let types: Option<String> = r.try_get("error_types")?;
    Ok(AttemptSummary {
        id: r.try_get("id")?,
        uuid: r.try_get("uuid")?,
        text: r.try_get("text")?,
        corrected: r.try_get("corrected")?,
        mode: Mode::parse(&r.try_get::<String, _>("mode")?)?,
        created_at: r.try_get("created_at")?,
        fluency: r.try_get::<Option<f64>, _>("fluency")?.map(|f| f as f32),
        cefr: level(r.try_get("cefr")?)?,
        error_types: types
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|t| !t.is_empty())
            .map(error_type)
            .collect::<Result<_, _>>()?,
    })
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn search_text_becomes_a_safe_prefix_query() {
        assert_eq!(fts_query("giới từ").as_deref(), Some("\"giới\"* \"từ\"*"));
        assert_eq!(
            fts_query("a\" OR b").as_deref(),
            Some("\"a\"* \"OR\"* \"b\"*")
        );
        assert_eq!(fts_query("  ** "), None);
        assert_eq!(fts_query("Động").as_deref(), Some("\"Dộng\"*"));
    }
}
