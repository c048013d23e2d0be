//! What History, Review and Progress ask of the store.

use super::*;

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

/// Thirty local days with zeros filled in, today last; the week against the week before;
/// the streak up to today, kept until the day after, and the longest.
#[tokio::test]
async fn activity_counts_local_days_weeks_and_streaks() {
    let dir = tempfile::tempdir().expect("temp");
    let store = Store::open(dir.path()).await.expect("open");
    // Days 0, 1, 2 (three in a row), then 10 and 11; two attempts on day 11, one of them at
    // 23:30 UTC on day 10, which is already day 11 in Vietnam (UTC+7).
    let times = [
        T0,
        T0 + DAY,
        T0 + 2 * DAY,
        T0 + 10 * DAY + 3_600_000,
        T0 + 11 * DAY - 30 * 60_000,
        T0 + 11 * DAY + 3_600_000,
    ];
    for (i, at) in times.iter().enumerate() {
        store
            .insert_attempt(&attempt(
                &format!("Sentence {i}."),
                *at,
                CefrLevel::A2,
                vec![],
            ))
            .await
            .expect("insert");
    }
    let today = T0 + 11 * DAY + 5 * 3_600_000;
    let a = store.progress(today, 420).await.expect("progress").activity;
    assert_eq!(a.last_30_days.len(), 30);
    let last = a.last_30_days.last().expect("today");
    assert_eq!(last.day, "2026-12-01");
    assert_eq!((a.today, last.attempts), (2, 2));
    assert_eq!(last.average, Some(5.0));
    assert_eq!(a.last_30_days[28].attempts, 1, "day 10");
    assert_eq!(
        a.last_30_days[27].attempts, 0,
        "a day without practice is a zero"
    );
    assert_eq!(a.last_30_days[27].average, None);
    assert_eq!((a.total_attempts, a.practice_days), (6, 5));
    assert_eq!(
        (a.last_7_days, a.previous_7_days),
        (3, 3),
        "days 5–11 and days -2–4"
    );
    assert_eq!((a.streak, a.best_streak), (2, 3));
    // The next morning, before practising, the streak still stands; a day later it is gone.
    let a = store.progress(today + DAY, 420).await.expect("p").activity;
    assert_eq!((a.today, a.streak), (0, 2));
    let a = store
        .progress(today + 2 * DAY, 420)
        .await
        .expect("p")
        .activity;
    assert_eq!((a.streak, a.best_streak), (0, 3));
}
