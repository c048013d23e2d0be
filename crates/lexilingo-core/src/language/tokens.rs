//! Minimal edits between a learner's sentence and its correction, computed with `similar`,
//! before they are typed.
//!
//! Both texts are split into word and punctuation tokens (white space is not a token, so a
//! changed space never shows as an error) and diffed with the Patience algorithm. Runs of changed
//! tokens become one [`RawEdit`] with byte offsets into the original sentence; the error-type
//! classifier turns those into typed edits.

use similar::{capture_diff_slices, Algorithm, DiffOp};

/// A token: its byte offset and text.
pub type Token<'a> = (usize, &'a str);

/// Splits `text` into word tokens (letters and digits, with inner `'` `’` `-`) and single
/// punctuation characters, dropping white space.
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut words = crate::language::lexicon::words(text).peekable();
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
    /// Byte offset in the original where the change starts (for an insertion, of the token
    /// the new text goes before).
    pub start: usize,
    /// Byte offset just past the changed text.
    pub end: usize,
    /// The original text.
    pub original: String,
    /// What it becomes.
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
/// one edit the misspelling carried the swap. A respelling: [`crate::language::spelling::is_respelling`].
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
            && crate::language::spelling::is_respelling(o, n)
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
