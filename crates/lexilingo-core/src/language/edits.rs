//! Typed edits: one change from a learner's sentence to its correction, with its error type,
//! and how a list of them is applied. The untyped diff they come from is in
//! [`crate::language::tokens`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::language::error_types::ErrorType;
pub use crate::language::tokens::{diff, letters, same_tokens, tokenize, RawEdit, Token};

/// One change from the original sentence to the corrected one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Edit {
    /// Byte offset in the original where the change starts. For an insertion, the offset of the
    /// token the new text goes before (or the end of the sentence).
    pub start: usize,
    /// Byte offset just past the changed text (equal to `start` for an insertion).
    pub end: usize,
    /// The original text, `sentence[start..end]` (empty for an insertion).
    pub original: String,
    /// What it becomes (empty for a deletion).
    pub replacement: String,
    /// What kind of mistake it is.
    pub error_type: ErrorType,
    /// Whether the tutor is sure of it: the model found the sentence clearly more likely with
    /// it (the correction task marks it). Only sure edits become Review cards. True
    /// until measured (and in results saved before it existed).
    #[serde(default = "yes")]
    pub sure: bool,
}

fn yes() -> bool {
    true
}

/// Applies edits (sorted by `start`, non-overlapping) to `original`. Inserted text is separated
/// from its neighbours by one space when both sides are words, so the result equals the
/// correction up to white space.
pub fn apply(original: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(original.len() + 16);
    let mut cursor = 0;
    for e in edits {
        out.push_str(&original[cursor..e.start]);
        if e.original.is_empty() && !e.replacement.is_empty() {
            let next_is_word = original[e.end..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
            out.push_str(&e.replacement);
            if next_is_word {
                out.push(' ');
            }
        } else {
            out.push_str(&e.replacement);
        }
        cursor = e.end;
    }
    out.push_str(&original[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classified(original: &str, corrected: &str) -> Vec<Edit> {
        diff(original, corrected)
            .into_iter()
            .map(|r| Edit {
                start: r.start,
                end: r.end,
                original: r.original,
                replacement: r.replacement,
                error_type: ErrorType::Other,
                sure: true,
            })
            .collect()
    }

    #[test]
    fn a_respelt_word_is_its_own_edit_beside_a_swapped_word() {
        let edits = diff(
            "It is not enough to deteir anybody who wishes to.",
            "It is not enough to deter anyone who wishes to.",
        );
        let pairs: Vec<(&str, &str)> = edits
            .iter()
            .map(|e| (e.original.as_str(), e.replacement.as_str()))
            .collect();
        assert_eq!(pairs, [("deteir", "deter"), ("anybody", "anyone")]);
        // Two words changed together without a misspelling stay one edit.
        assert_eq!(diff("He has went home.", "He had gone home.").len(), 1);
        // Two misspellings side by side are two mistakes.
        assert_eq!(
            diff(
                "It was commdities alowing it.",
                "It was commodities allowing it."
            )
            .len(),
            2
        );
    }

    #[test]
    fn one_replaced_word_is_one_edit() {
        let edits = diff("She don't like apples.", "She doesn't like apples.");
        assert_eq!(edits.len(), 1);
        assert_eq!((edits[0].start, edits[0].end), (4, 9));
        assert_eq!(edits[0].original, "don't");
        assert_eq!(edits[0].replacement, "doesn't");
    }

    #[test]
    fn identical_sentences_have_no_edits() {
        assert!(diff("I like tea.", "I  like tea.").is_empty());
    }

    #[test]
    fn insertions_and_deletions_have_empty_sides() {
        let ins = diff("She happy.", "She is happy.");
        assert_eq!(ins.len(), 1);
        assert_eq!(
            (ins[0].original.as_str(), ins[0].replacement.as_str()),
            ("", "is")
        );
        assert_eq!(ins[0].start, 4);
        let del = diff("I like the apples.", "I like apples.");
        assert_eq!(del.len(), 1);
        assert_eq!(
            (del[0].original.as_str(), del[0].replacement.as_str()),
            ("the", "")
        );
    }

    #[test]
    fn applying_the_edits_gives_back_the_correction() {
        for (a, b) in [
            ("She don't like apples.", "She doesn't like apples."),
            ("She happy", "She is happy."),
            ("I like the apples", "I like apples."),
            (
                "yesterday i go to school and buy a apple",
                "Yesterday I went to school and bought an apple.",
            ),
            ("Tôi thích cà phê", "I like coffee"),
            (
                "He go to the school by bus every days.",
                "He goes to school by bus every day.",
            ),
        ] {
            let edits = classified(a, b);
            let rebuilt = apply(a, &edits);
            assert!(
                same_tokens(&rebuilt, b),
                "{a:?} → {rebuilt:?}, wanted {b:?}"
            );
            for e in &edits {
                assert_eq!(&a[e.start..e.end], e.original);
            }
        }
    }

    #[test]
    fn punctuation_is_its_own_token() {
        let t: Vec<&str> = tokenize("Hi, it's me!").iter().map(|t| t.1).collect();
        assert_eq!(t, ["Hi", ",", "it's", "me", "!"]);
    }
}
