//! Splitting a learner's paragraph into sentences, for paragraph mode: each sentence gets its
//! own check, its own feedback and its own place in the history.
//!
//! Splitting on "." would cut "Mr. Nam lives in Hà Nội." in two and "I paid 2.5 dollars." in
//! the middle of a number. sentencex (Wikimedia's rule-based segmenter, MIT) knows English
//! abbreviations, initials, numbers, ellipses and quotes. A line break also ends a sentence:
//! learners often write one sentence per line without a full stop.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One sentence of a text: where it is (byte offsets into the text, surrounding whitespace
/// left out) and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct SentenceSpan {
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
    /// The sentence.
    pub text: String,
}

/// The sentences of `text`, in order; blank stretches give none.
pub fn split(text: &str) -> Vec<SentenceSpan> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        for b in sentencex::get_sentence_boundaries("en", line) {
            let Some(piece) = line.get(b.start_byte..b.end_byte) else {
                continue;
            };
            let lead = piece.len() - piece.trim_start().len();
            let trimmed = piece.trim();
            if trimmed.is_empty() {
                continue;
            }
            let start = line_start + b.start_byte + lead;
            out.push(SentenceSpan {
                start,
                end: start + trimmed.len(),
                text: trimmed.to_string(),
            });
        }
        line_start += line.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        split(text).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn splits_at_sentence_ends_and_keeps_offsets() {
        let text = "  I go to school yesterday. She don't like it!  Do you know where is it?";
        let spans = split(text);
        assert_eq!(
            texts(text),
            [
                "I go to school yesterday.",
                "She don't like it!",
                "Do you know where is it?"
            ]
        );
        for s in &spans {
            assert_eq!(&text[s.start..s.end], s.text);
        }
    }

    #[test]
    fn abbreviations_numbers_and_initials_do_not_end_a_sentence() {
        assert_eq!(
            texts("Mr. Nam lives in Hà Nội. He paid 2.5 dollars for a cà phê sữa đá."),
            [
                "Mr. Nam lives in Hà Nội.",
                "He paid 2.5 dollars for a cà phê sữa đá."
            ]
        );
        assert_eq!(
            texts("I like books, e.g. Harry Potter by J. K. Rowling. It is good."),
            [
                "I like books, e.g. Harry Potter by J. K. Rowling.",
                "It is good."
            ]
        );
    }

    #[test]
    fn a_line_break_ends_a_sentence_without_a_full_stop() {
        let text = "My brother very tall\nI am student\n\nYesterday I go to market";
        assert_eq!(
            texts(text),
            [
                "My brother very tall",
                "I am student",
                "Yesterday I go to market"
            ]
        );
        assert_eq!(split("I love phở 🍜").len(), 1);
        assert!(split(" \n\t ").is_empty());
    }
}
