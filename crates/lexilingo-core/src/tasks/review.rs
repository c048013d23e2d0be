//! Grading a review answer: the learner retypes one of their own wrong sentences, fixed.
//! Shared by `lexilingo review`, the app's Review screen and `lexilingo serve`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Tutor;
use crate::engine::CancellationToken;
use crate::language::edits::{self, Edit};
use crate::store::{answer_matches, ReviewGrade, Store, StoreError, StoredEdit};

/// What the learner is told after answering a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ReviewFeedback {
    /// How the answer was graded.
    pub grade: ReviewGrade,
    /// When the card comes back (Unix milliseconds).
    #[ts(type = "number")]
    pub next_due_at: i64,
    /// The saved correction, to show beside the learner's answer.
    pub expected: String,
    /// From the learner's answer to `expected`: what would still change (empty when they
    /// are the same), for the diff the feedback shows.
    #[serde(default)]
    pub diff: Vec<Edit>,
}

/// Lower-cased word and punctuation tokens.
fn tokens(text: &str) -> Vec<String> {
    edits::tokenize(text)
        .into_iter()
        .map(|(_, t)| t.replace('’', "'").to_lowercase())
        .collect()
}

fn contains(hay: &[String], needle: &[String]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether `answer` makes the card's edit `e` of `wrong`: the answer has the corrected words
/// with the word on each side of them ("am **a** student"), and not the learner's old words
/// in that place ("am student"). The rest of the answer may differ: a learner who fixes the
/// mistake and also rephrases elsewhere has still learnt this card.
pub fn fixes_edit(wrong: &str, answer: &str, e: &StoredEdit) -> bool {
    let before = wrong.get(..e.start).map(tokens).unwrap_or_default();
    let after = wrong.get(e.end..).map(tokens).unwrap_or_default();
    let mut fixed: Vec<String> = before.last().cloned().into_iter().collect();
    let mut old = fixed.clone();
    fixed.extend(tokens(&e.replacement));
    old.extend(tokens(&e.original));
    if let Some(next) = after.first() {
        fixed.push(next.clone());
        old.push(next.clone());
    }
    let said = tokens(answer);
    contains(&said, &fixed) && (old == fixed || !contains(&said, &old) || contains(&fixed, &old))
}

/// Whether `answer` is a version of the sentence `expected` rather than another text: it keeps
/// at least half of its words (counted with repeats, case aside). A different fix of a
/// mistake changes a word or two, never most of them.
pub fn same_sentence(answer: &str, expected: &str) -> bool {
    let words = |t: &str| -> Vec<String> {
        tokens(t)
            .into_iter()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .collect()
    };
    let mut left = words(answer);
    let wanted = words(expected);
    let kept = wanted
        .iter()
        .filter(|w| match left.iter().position(|a| a == *w) {
            Some(i) => {
                left.swap_remove(i);
                true
            }
            None => false,
        })
        .count();
    kept * 2 >= wanted.len()
}

/// Good when the answer makes every sure edit of the card ([`fixes_edit`]), even if it
/// differs elsewhere, or matches the saved correction exactly (normalised). Otherwise, with a
/// model, an answer that changed the sentence, kept it ([`same_sentence`]) and that the tutor
/// finds nothing wrong with → Hard (a different but correct fix). Anything else → Again. The
/// same policy with and without a model, except for that one model check.
pub async fn grade(
    tutor: Option<&Tutor>,
    wrong: &str,
    expected: &str,
    card_edits: &[StoredEdit],
    answer: &str,
) -> ReviewGrade {
    if answer.trim().is_empty() || answer_matches(answer, wrong) {
        return ReviewGrade::Again;
    }
    if answer_matches(answer, expected) {
        return ReviewGrade::Good;
    }
    let sure: Vec<&StoredEdit> = card_edits.iter().filter(|e| e.sure).collect();
    if !sure.is_empty() && sure.iter().all(|e| fixes_edit(wrong, answer, e)) {
        return ReviewGrade::Good;
    }
    let Some(tutor) = tutor else {
        return ReviewGrade::Again;
    };
    if !same_sentence(answer, expected) {
        // "x", or another sentence altogether, is no fix of this one however correct it is.
        return ReviewGrade::Again;
    }
    match tutor
        .correct_grammar(answer, &CancellationToken::new())
        .await
    {
        Ok(c) if c.edits.is_empty() && c.rejected_rewrite.is_none() => ReviewGrade::Hard,
        Ok(_) => ReviewGrade::Again,
        Err(e) => {
            tracing::warn!("could not check the answer with the model: {e}");
            ReviewGrade::Again
        }
    }
}

/// Grades `answer` for the card of `attempt_id`, records it, and says when it comes back.
/// `None` when there is no such attempt (deleted meanwhile).
pub async fn answer(
    store: &Store,
    tutor: Option<&Tutor>,
    attempt_id: i64,
    answer: &str,
) -> Result<Option<ReviewFeedback>, StoreError> {
    let Some(attempt) = store.get_attempt(attempt_id).await? else {
        return Ok(None);
    };
    let expected = attempt.corrected.unwrap_or_else(|| attempt.text.clone());
    let grade = grade(tutor, &attempt.text, &expected, &attempt.edits, answer).await;
    let outcome = store
        .record_review(attempt_id, grade, crate::store::now_ms())
        .await?;
    Ok(Some(ReviewFeedback {
        grade,
        next_due_at: outcome.next_due_at,
        diff: answer_diff(answer, &expected),
        expected,
    }))
}

/// The edits from `answer` to `expected`, untyped (the feedback shows where they differ).
pub fn answer_diff(answer: &str, expected: &str) -> Vec<Edit> {
    let answer = answer.trim();
    edits::diff(answer, expected.trim())
        .into_iter()
        .map(|r| Edit {
            start: r.start,
            end: r.end,
            original: r.original,
            replacement: r.replacement,
            error_type: crate::ErrorType::Other,
            sure: true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorType;

    fn card(original: &str, replacement: &str, at: usize) -> StoredEdit {
        StoredEdit {
            start: at,
            end: at + original.len(),
            original: original.into(),
            replacement: replacement.into(),
            error_type: ErrorType::Article,
            explanation_vi: String::new(),
            sure: true,
        }
    }

    #[tokio::test]
    async fn an_answer_is_right_when_it_makes_the_cards_edits() {
        let wrong = "I am student in Hanoi.";
        let e = card("", "a ", 5);
        let expected = "I am a student in Hanoi.";
        let g = |a: &'static str| grade(None, wrong, expected, std::slice::from_ref(&e), a);
        assert_eq!(g("I am a student in Hanoi.").await, ReviewGrade::Good);
        assert_eq!(
            g("Now I am a student in Ha Noi!").await,
            ReviewGrade::Good,
            "differs elsewhere"
        );
        assert_eq!(g("I am student in Hanoi city.").await, ReviewGrade::Again);
        assert_eq!(g("I am the student in Hanoi.").await, ReviewGrade::Again);
        assert_eq!(g(wrong).await, ReviewGrade::Again);
        let drop = card("about ", "", 13);
        assert!(fixes_edit(
            "We discussed about it.",
            "We discussed it.",
            &drop
        ));
        assert!(!fixes_edit(
            "We discussed about it.",
            "We discussed about it today.",
            &drop
        ));
    }

    #[test]
    fn another_text_is_not_a_version_of_the_sentence() {
        let expected = "She doesn't like green apples.";
        assert!(same_sentence("She does not like green apples.", expected));
        assert!(same_sentence("she dislikes green apples", expected));
        assert!(!same_sentence("x", expected));
        assert!(!same_sentence("I love my family.", expected));
        assert!(!same_sentence("", expected));
    }

    #[test]
    fn the_feedback_diff_shows_what_still_differs() {
        let d = answer_diff("I am student.", "I am a student.");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].replacement.trim(), "a");
        assert!(answer_diff("Same.", "Same.").is_empty());
    }
}
