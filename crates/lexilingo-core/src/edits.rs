//! Minimal edits between a learner's sentence and its correction, computed with `similar`.
//!
//! Both texts are split into word and punctuation tokens (white space is not a token, so a
//! changed space never shows as an error) and diffed with the Patience algorithm. Runs of changed
//! tokens become one [`Edit`] with byte offsets into the original sentence.

use serde::{Deserialize, Serialize};
use similar::{capture_diff_slices, Algorithm, DiffOp};
use ts_rs::TS;

use crate::error_types::ErrorType;

/// One change from the original sentence to the corrected one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
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
    /// it ([`crate::tasks::correction::mark_sure`]). Only sure edits become Review cards. True
    /// until measured (and in results saved before it existed).
    #[serde(default = "yes")]
    pub sure: bool,
}

fn yes() -> bool {
    true
}

/// A token: its byte offset and text.
pub type Token<'a> = (usize, &'a str);

/// Splits `text` into word tokens (letters and digits, with inner `'` `’` `-`) and single
/// punctuation characters, dropping white space.
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut words = crate::lexicon::words(text).peekable();
    let mut pos = 0;
    while pos < text.len() {
        if let Some(&(start, word)) = words.peek() {
            if start == pos {
                tokens.push((start, word));
                pos += word.len();
                words.next();
                continue;
            }
        }
        let Some(c) = text[pos..].chars().next() else {
            break;
        };
        if !c.is_whitespace() {
            tokens.push((pos, &text[pos..pos + c.len_utf8()]));
        }
        pos += c.len_utf8();
    }
    tokens
}

/// A change before it is classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEdit {
    /// See [`Edit::start`].
    pub start: usize,
    /// See [`Edit::end`].
    pub end: usize,
    /// See [`Edit::original`].
    pub original: String,
    /// See [`Edit::replacement`].
    pub replacement: String,
    /// Index of the first original token the edit touches (or goes before).
    pub token_index: usize,
}

/// The minimal token-level edits that turn `original` into `corrected`. Identical texts (up to
/// white space) give no edits.
pub fn diff(original: &str, corrected: &str) -> Vec<RawEdit> {
    let old = tokenize(original);
    let new = tokenize(corrected);
    let old_words: Vec<&str> = old.iter().map(|t| t.1).collect();
    let new_words: Vec<&str> = new.iter().map(|t| t.1).collect();
    let ops = capture_diff_slices(Algorithm::Patience, &old_words, &new_words);

    // `capture_diff_slices` joins a delete next to an insert into one `Replace`.
    let mut edits: Vec<RawEdit> = Vec::new();
    for op in ops {
        let (old_range, new_range) = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete {
                old_index,
                old_len,
                new_index,
                ..
            } => (old_index..old_index + old_len, new_index..new_index),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
                ..
            } => (old_index..old_index, new_index..new_index + new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (
                old_index..old_index + old_len,
                new_index..new_index + new_len,
            ),
        };
        for (old_range, new_range) in split_respellings(&old, &new, old_range, new_range) {
            let (start, end) = span(original, &old, old_range.clone());
            let (r_start, r_end) = span(corrected, &new, new_range);
            edits.push(RawEdit {
                start,
                end,
                original: original[start..end].to_string(),
                replacement: corrected[r_start..r_end].to_string(),
                token_index: old_range.start,
            });
        }
    }
    edits
}

type Ranges = (std::ops::Range<usize>, std::ops::Range<usize>);

/// A run of replaced words, word for word, in which some words are respelt: each respelling
/// becomes its own edit (two misspellings side by side are two mistakes). "deteir anybody" → "deter anyone" is a spelling fix and a word
/// swapped, to be explained, and kept or undone (`tasks::correction::EditVeto`), apart; as
/// one edit the misspelling carried the swap. A respelling: [`crate::spelling::is_respelling`].
fn split_respellings(
    old: &[Token<'_>],
    new: &[Token<'_>],
    old_range: std::ops::Range<usize>,
    new_range: std::ops::Range<usize>,
) -> Vec<Ranges> {
    if old_range.len() != new_range.len() || old_range.len() < 2 {
        return vec![(old_range, new_range)];
    }
    let respelling = |o: &str, n: &str| {
        o.chars().all(char::is_alphabetic)
            && n.chars()
                .all(|c| c.is_alphabetic() || c == '\'' || c == '’')
            && crate::spelling::is_respelling(o, n)
    };
    let pairs: Vec<bool> = old_range
        .clone()
        .zip(new_range.clone())
        .map(|(i, j)| respelling(old[i].1, new[j].1))
        .collect();
    if !pairs.contains(&true) {
        return vec![(old_range, new_range)];
    }
    // Respellings alone; the words between them stay together.
    let mut out: Vec<Ranges> = Vec::new();
    let mut k = 0;
    while k < pairs.len() {
        let mut end = k + 1;
        if !pairs[k] {
            while end < pairs.len() && !pairs[end] {
                end += 1;
            }
        }
        out.push((
            old_range.start + k..old_range.start + end,
            new_range.start + k..new_range.start + end,
        ));
        k = end;
    }
    out
}

/// Byte span in `text` covering `tokens[range]`; an empty range maps to the position before the
/// token at `range.start` (or the end of the text).
fn span(text: &str, tokens: &[Token<'_>], range: std::ops::Range<usize>) -> (usize, usize) {
    if range.is_empty() {
        let at = tokens.get(range.start).map_or(text.len(), |t| t.0);
        return (at, at);
    }
    let first = tokens[range.start];
    let last = tokens[range.end - 1];
    (first.0, last.0 + last.1.len())
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

/// The letters and digits of `text`, lower-cased: what stays when spaces, punctuation and case
/// are set aside ("with out" and "Without" give the same).
pub fn letters(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The texts are the same sentence up to white space.
pub fn same_tokens(a: &str, b: &str) -> bool {
    tokenize(a)
        .iter()
        .map(|t| t.1)
        .eq(tokenize(b).iter().map(|t| t.1))
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
