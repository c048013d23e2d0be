//! Progress: fluency over time, the CEFR distribution, the most frequent mistakes and their trend.
//! The same functions feed `lexilingo stats` and the app's charts.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use super::{Store, StoreError};
use crate::language::cefr::CefrLevel;
use crate::language::error_types::ErrorType;

/// Average fluency over one day or week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct LevelCount {
    /// The level.
    pub level: CefrLevel,
    /// Attempts.
    #[ts(type = "number")]
    pub attempts: i64,
}

/// A mistake type with its counts now and before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
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

/// Practice on one calendar day (in the learner's time zone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct DayActivity {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Sentences checked that day (practice and conversation).
    #[ts(type = "number")]
    pub attempts: i64,
    /// Their mean fluency, if any was scored.
    pub average: Option<f64>,
}

/// How much and how regularly the learner practises: what keeps a learner coming back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Activity {
    /// The last 30 days, oldest first and today last, days without practice included (0),
    /// so a chart's gaps are real gaps and a busy day is one bar, not 25 dots.
    pub last_30_days: Vec<DayActivity>,
    /// Every attempt ever.
    #[ts(type = "number")]
    pub total_attempts: i64,
    /// Days with at least one attempt.
    #[ts(type = "number")]
    pub practice_days: i64,
    /// Attempts today.
    #[ts(type = "number")]
    pub today: i64,
    /// Attempts in the 7 days ending today.
    #[ts(type = "number")]
    pub last_7_days: i64,
    /// Attempts in the 7 days before those.
    #[ts(type = "number")]
    pub previous_7_days: i64,
    /// Practice days in a row up to today, or up to yesterday while today has none yet (a
    /// streak is not lost in the morning before the day's practice).
    #[ts(type = "number")]
    pub streak: i64,
    /// The longest run of practice days ever.
    #[ts(type = "number")]
    pub best_streak: i64,
}

/// The learner's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
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
    /// Attempts per day, totals and the streak.
    pub activity: Activity,
    /// Sentences a day the learner aims for (Settings; [`DEFAULT_DAILY_GOAL`] until set).
    pub daily_goal: u32,
}

/// The daily goal until the learner sets one: a few minutes of practice.
pub const DEFAULT_DAILY_GOAL: u32 = 10;

/// The calendar date of day number `day` (days since 1970-01-01).
fn date_of(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map(|d| d.date_naive().format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The current and the longest run of consecutive days in `days` (sorted, distinct), where
/// the current run must reach `today` or the day before.
fn streaks(days: &[i64], today: i64) -> (i64, i64) {
    let (mut best, mut run, mut previous) = (0, 0, None);
    for &d in days {
        run = if previous == Some(d - 1) { run + 1 } else { 1 };
        best = best.max(run);
        previous = Some(d);
    }
    let current = match previous {
        Some(last) if last >= today - 1 => run,
        _ => 0,
    };
    (current, best)
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

        let activity = self.activity(now, shift).await?;
        Ok(Progress {
            fluency_by_day,
            fluency_by_week,
            cefr_distribution,
            top_errors,
            activity,
            daily_goal: DEFAULT_DAILY_GOAL,
        })
    }

    /// Attempts per local day (`shift` seconds east of UTC), the totals and the streaks.
    async fn activity(&self, now: i64, shift: i64) -> Result<Activity, StoreError> {
        let today = (now / 1000 + shift).div_euclid(86_400);
        let rows = sqlx::query(
            "SELECT (created_at / 1000 + ?) / 86400 AS day, count(*) AS n, avg(fluency) AS average \
             FROM attempts GROUP BY day ORDER BY day",
        )
        .bind(shift)
        .fetch_all(&self.pool)
        .await?;
        let mut per_day = Vec::with_capacity(rows.len());
        for r in &rows {
            let day: i64 = r.try_get("day")?;
            let n: i64 = r.try_get("n")?;
            let average: Option<f64> = r.try_get("average")?;
            per_day.push((day, n, average));
        }
        let days: Vec<i64> = per_day.iter().map(|(d, _, _)| *d).collect();
        let (streak, best_streak) = streaks(&days, today);
        let count_in = |from: i64, to: i64| {
            per_day
                .iter()
                .filter(|(d, _, _)| (from..=to).contains(d))
                .map(|(_, n, _)| n)
                .sum::<i64>()
        };
        let last_30_days = (today - 29..=today)
            .map(|day| {
                let found = per_day.iter().find(|(d, _, _)| *d == day);
                DayActivity {
                    day: date_of(day),
                    attempts: found.map_or(0, |(_, n, _)| *n),
                    average: found.and_then(|(_, _, a)| *a),
                }
            })
            .collect();
        Ok(Activity {
            last_30_days,
            total_attempts: per_day.iter().map(|(_, n, _)| n).sum(),
            practice_days: per_day.len() as i64,
            today: count_in(today, today),
            last_7_days: count_in(today - 6, today),
            previous_7_days: count_in(today - 13, today - 7),
            streak,
            best_streak,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streak_survives_until_the_day_after_and_the_best_is_kept() {
        assert_eq!(streaks(&[], 100), (0, 0));
        assert_eq!(streaks(&[98, 99, 100], 100), (3, 3));
        assert_eq!(streaks(&[98, 99], 100), (2, 2), "not yet practised today");
        assert_eq!(streaks(&[97, 98], 100), (0, 2), "a day was missed");
        assert_eq!(streaks(&[1, 2, 3, 4, 50, 99, 100], 100), (2, 4));
    }

    #[test]
    fn day_numbers_are_calendar_dates() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(20_000), "2024-10-04");
    }
}
