//! Progress: fluency over time, the CEFR distribution, the most frequent mistakes and their trend.
//! The same functions feed `lexilingo stats` and the app's charts.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use super::{Store, StoreError};
use crate::language::cefr::CefrLevel;
use crate::language::error_types::ErrorType;

/// Average fluency over one day or week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DayFluency {
    /// `YYYY-MM-DD` for days, `YYYY-Www` for weeks, in the learner's time zone.
    pub period: String,
    /// Mean fluency score.
    pub average: f64,
    /// Attempts in the period.
    #[ts(type = "number")]
    pub attempts: i64,
}

/// How many attempts were rated at a level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LevelCount {
    /// The level.
    pub level: CefrLevel,
    /// Attempts.
    #[ts(type = "number")]
    pub attempts: i64,
}

/// A mistake type with its counts now and before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ErrorTrend {
    /// The type.
    pub error_type: ErrorType,
    /// All time.
    #[ts(type = "number")]
    pub total: i64,
    /// In the last 7 days.
    #[ts(type = "number")]
    pub last_7_days: i64,
    /// In the 7 days before those.
    #[ts(type = "number")]
    pub previous_7_days: i64,
}

/// The learner's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Progress {
    /// Per day, oldest first.
    pub fluency_by_day: Vec<DayFluency>,
    /// Per ISO-like week, oldest first.
    pub fluency_by_week: Vec<DayFluency>,
    /// Attempts per sentence level, A1 first.
    pub cefr_distribution: Vec<LevelCount>,
    /// The ten most frequent mistake types, most frequent first.
    pub top_errors: Vec<ErrorTrend>,
}

const DAY_MS: i64 = 86_400_000;

impl Store {
    /// Progress as of `now` (Unix milliseconds), grouping days in a time zone `utc_offset_minutes`
    /// east of UTC (Vietnam: 420), so an evening's practice counts on the learner's own day.
    pub async fn progress(
        &self,
        now: i64,
        utc_offset_minutes: i32,
    ) -> Result<Progress, StoreError> {
        let shift = i64::from(utc_offset_minutes) * 60;
        let by = |fmt: &str| {
            format!(
                "SELECT strftime('{fmt}', created_at / 1000 + ?, 'unixepoch') AS period, \
                 avg(fluency) AS average, count(*) AS attempts FROM attempts \
                 WHERE fluency IS NOT NULL GROUP BY period ORDER BY period"
            )
        };
        let mut series = Vec::new();
        for fmt in ["%Y-%m-%d", "%Y-W%W"] {
            let rows = sqlx::query(&by(fmt))
                .bind(shift)
                .fetch_all(&self.pool)
                .await?;
            series.push(
                rows.iter()
                    .map(|r| {
                        Ok(DayFluency {
                            period: r.try_get("period")?,
                            average: r.try_get("average")?,
                            attempts: r.try_get("attempts")?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?,
            );
        }
        let fluency_by_week = series.pop().unwrap_or_default();
        let fluency_by_day = series.pop().unwrap_or_default();

        let cefr_distribution = sqlx::query(
            "SELECT cefr, count(*) AS n FROM attempts WHERE cefr IS NOT NULL GROUP BY cefr ORDER BY cefr",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let level: String = r.try_get("cefr")?;
            Ok(LevelCount {
                level: level.parse().map_err(|_| StoreError::Corrupt(format!("level `{level}`")))?,
                attempts: r.try_get("n")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

        let top_errors = sqlx::query(
            "SELECT e.error_type, count(*) AS total, \
             sum(a.created_at >= ?1) AS recent, \
             sum(a.created_at >= ?2 AND a.created_at < ?1) AS previous \
             FROM edits e JOIN attempts a ON a.id = e.attempt_id \
             GROUP BY e.error_type ORDER BY total DESC, e.error_type LIMIT 10",
        )
        .bind(now - 7 * DAY_MS)
        .bind(now - 14 * DAY_MS)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let t: String = r.try_get("error_type")?;
            Ok(ErrorTrend {
                error_type: t
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("error type `{t}`")))?,
                total: r.try_get("total")?,
                last_7_days: r.try_get::<Option<i64>, _>("recent")?.unwrap_or(0),
                previous_7_days: r.try_get::<Option<i64>, _>("previous")?.unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

        Ok(Progress {
            fluency_by_day,
            fluency_by_week,
            cefr_distribution,
            top_errors,
        })
    }
}
