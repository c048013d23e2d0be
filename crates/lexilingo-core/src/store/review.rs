//! Spaced repetition over the learner's own wrong sentences, scheduled with FSRS.
//!
//! A card is one saved attempt that had at least one edit: the review shows the wrong sentence
//! and the learner types the fix. Scheduling uses `rs-fsrs` (MIT, pure Rust, only `chrono`):
//! the heavier `fsrs` crate trains parameters with `burn`, which the app does not need.

use chrono::{DateTime, TimeZone, Utc};
use rs_fsrs::{Card, Rating, State, FSRS};
use serde::{Deserialize, Serialize};
use sqlx::{Row, Sqlite};
use ts_rs::TS;

use super::{Store, StoreError};
use crate::language::edits;
use crate::language::error_types::ErrorType;

/// A card due for review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct DueCard {
    /// The attempt the card practises.
    #[ts(type = "number")]
    pub attempt_id: i64,
    /// The learner's original, wrong sentence.
    pub text: String,
    /// The correction the learner should produce.
    pub corrected: String,
    /// The types of the mistakes in it, as hints.
    pub error_types: Vec<ErrorType>,
    /// When it was due (Unix milliseconds).
    #[ts(type = "number")]
    pub due_at: i64,
    /// Times reviewed before.
    pub reps: i32,
}

/// How well the learner fixed the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ReviewGrade {
    /// Not fixed.
    Again,
    /// Fixed differently from the saved correction, but accepted.
    Hard,
    /// Fixed exactly.
    Good,
}

impl ReviewGrade {
    fn rating(self) -> Rating {
        match self {
            ReviewGrade::Again => Rating::Again,
            ReviewGrade::Hard => Rating::Hard,
            ReviewGrade::Good => Rating::Good,
        }
    }
}

/// The result of recording a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewOutcome {
    /// The grade recorded.
    pub grade: ReviewGrade,
    /// When the card is due next (Unix milliseconds).
    pub next_due_at: i64,
}

/// Whether `answer` equals `expected` once white space, curly quotes and a missing final full
/// stop are set aside. Case still counts: capitalisation is one of the things being practised.
pub fn answer_matches(answer: &str, expected: &str) -> bool {
    let norm = |s: &str| {
        let s = s.trim().replace(['’', '‘'], "'").replace(['“', '”'], "\"");
        s.trim_end_matches(['.', '!']).trim().to_string()
    };
    edits::same_tokens(&norm(answer), &norm(expected))
}

fn state_name(s: State) -> &'static str {
    match s {
        State::New => "new",
        State::Learning => "learning",
        State::Review => "review",
        State::Relearning => "relearning",
    }
}

fn parse_state(s: &str) -> Result<State, StoreError> {
    Ok(match s {
        "new" => State::New,
        "learning" => State::Learning,
        "review" => State::Review,
        "relearning" => State::Relearning,
        other => return Err(StoreError::Corrupt(format!("card state `{other}`"))),
    })
}

fn to_time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Creates the card for a new wrong sentence: due at once.
pub(super) async fn insert_new_card(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    attempt_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    let card = Card::default();
    sqlx::query(
        "INSERT OR IGNORE INTO review_cards (attempt_id, due_at, stability, difficulty, elapsed_days, \
         scheduled_days, reps, lapses, state, last_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
    )
    .bind(attempt_id)
    .bind(now)
    .bind(card.stability)
    .bind(card.difficulty)
    .bind(card.elapsed_days)
    .bind(card.scheduled_days)
    .bind(card.reps)
    .bind(card.lapses)
    .bind(state_name(card.state))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Cards due at `now` (Unix milliseconds), most overdue first.
    pub async fn due_cards(&self, now: i64, limit: u32) -> Result<Vec<DueCard>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.attempt_id, c.due_at, c.reps, a.text, a.corrected, \
             (SELECT group_concat(error_type, ',') FROM edits WHERE attempt_id = a.id AND sure) AS types \
             FROM review_cards c JOIN attempts a ON a.id = c.attempt_id \
             WHERE c.due_at <= ? AND a.corrected IS NOT NULL ORDER BY c.due_at LIMIT ?",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let types: Option<String> = r.try_get("types")?;
                Ok(DueCard {
                    attempt_id: r.try_get("attempt_id")?,
                    text: r.try_get("text")?,
                    corrected: r.try_get("corrected")?,
                    error_types: types
                        .unwrap_or_default()
                        .split(',')
                        .filter_map(|t| t.parse().ok())
                        .collect(),
                    due_at: r.try_get("due_at")?,
                    reps: r.try_get("reps")?,
                })
            })
            .collect()
    }

    /// The learner's attempts with a sure mistake of type `t` and a saved correction, newest
    /// first, with their edits: a drill's own sentences ([`crate::tasks::drill::drill_from`]).
    /// Reads up to `limit` (the drill keeps one per distinct sentence).
    pub async fn attempts_with_mistake(
        &self,
        t: ErrorType,
        limit: u32,
    ) -> Result<Vec<super::Attempt>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT a.id FROM attempts a WHERE a.corrected IS NOT NULL AND EXISTS \
             (SELECT 1 FROM edits e WHERE e.attempt_id = a.id AND e.error_type = ? AND e.sure) \
             ORDER BY a.created_at DESC, a.id DESC LIMIT ?",
        )
        .bind(t.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(a) = self.get_attempt(id).await? {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// Records a review of the card for `attempt_id` at `now` and schedules the next one.
    pub async fn record_review(
        &self,
        attempt_id: i64,
        grade: ReviewGrade,
        now: i64,
    ) -> Result<ReviewOutcome, StoreError> {
        let row = sqlx::query("SELECT * FROM review_cards WHERE attempt_id = ?")
            .bind(attempt_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!("no review card for attempt {attempt_id}"))
            })?;
        let last_review: Option<i64> = row.try_get("last_review")?;
        let card = Card {
            due: to_time(row.try_get("due_at")?),
            stability: row.try_get("stability")?,
            difficulty: row.try_get("difficulty")?,
            elapsed_days: row.try_get("elapsed_days")?,
            scheduled_days: row.try_get("scheduled_days")?,
            reps: row.try_get("reps")?,
            lapses: row.try_get("lapses")?,
            state: parse_state(&row.try_get::<String, _>("state")?)?,
            last_review: to_time(last_review.unwrap_or(now)),
        };
        let next = FSRS::default()
            .next(card, to_time(now), grade.rating())
            .card;
        let next_due_at = next.due.timestamp_millis();
        sqlx::query(
            "UPDATE review_cards SET due_at = ?, stability = ?, difficulty = ?, elapsed_days = ?, \
             scheduled_days = ?, reps = ?, lapses = ?, state = ?, last_review = ? WHERE attempt_id = ?",
        )
        .bind(next_due_at)
        .bind(next.stability)
        .bind(next.difficulty)
        .bind(next.elapsed_days)
        .bind(next.scheduled_days)
        .bind(next.reps)
        .bind(next.lapses)
        .bind(state_name(next.state))
        .bind(now)
        .bind(attempt_id)
        .execute(&self.pool)
        .await?;
        Ok(ReviewOutcome { grade, next_due_at })
    }
}

#[cfg(test)]
mod tests {
    use super::answer_matches;

    #[test]
    fn answers_match_up_to_spacing_quotes_and_final_stop() {
        assert!(answer_matches(
            "She doesn’t like apples",
            "She doesn't like apples."
        ));
        assert!(answer_matches(
            "  She doesn't  like apples. ",
            "She doesn't like apples."
        ));
        assert!(!answer_matches(
            "she doesn't like apples.",
            "She doesn't like apples."
        ));
        assert!(!answer_matches(
            "She don't like apples.",
            "She doesn't like apples."
        ));
    }
}
