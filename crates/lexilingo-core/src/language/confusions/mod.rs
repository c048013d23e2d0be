//! Candidate edits for the grammar Vietnamese learners get wrong, from closed confusion sets.
//!
//! Harper finds spelling and a few fixed patterns; it found almost none of what marks a
//! Vietnamese learner's English: no *be* ("My brother very tall."), no article ("I am
//! student."), *have* for *there is* ("Have many people in the park."), present tense after
//! "yesterday", "very like", "although …, but", a bare noun after "two". Vietnamese has no
//! verb endings, no articles, no plural endings and no copula before adjectives, so these are
//! the mistakes every learner makes.
//!
//! This module only *proposes*: each [`Candidate`] is one small edit from a closed set (insert
//! *is*, swap *in*/*on*/*at*, the past form of a verb after a past time word…), placed where
//! the word classes of Harper's dictionary say it could apply. Which ones are real is decided
//! by the language model: the tutor scores the sentence with and without each candidate and
//! keeps those the model finds clearly more likely (`tasks::correction`). This is
//! language-model-based correction (Bryant & Briscoe 2018): it needs no training data and gets
//! better as the model does, so it suits a product whose model the learner can swap.
//!
//! Word forms come from Harper's curated dictionary and its irregular verb and noun tables
//! (a form is proposed only when the dictionary has it with that role), never from adding
//! "s" or "ed" blindly. Spans the learner wrote in Vietnamese are never touched
//! ([`crate::language::vietnamese`]).

/// Which confusion set a candidate comes from (for the error type and the explanation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confusion {
    /// *be* missing before an adjective, *very*, an *-ing* form or a noun phrase.
    MissingBe,
    /// *a*/*an*/*the* missing before a singular countable noun.
    MissingArticle,
    /// *very* before a verb ("I very like").
    VeryVerb,
    /// The verb form after *like*/*enjoy*, *want*/*need*, a modal or *to*.
    VerbForm,
    /// The past form after a past time word ("yesterday", "last week", "ago").
    PastTense,
    /// *have/has* for *there is/are*.
    ThereIs,
    /// *but* after *although*, *so* after *because*.
    DoubleConjunction,
    /// A singular noun after a number or quantifier, or a plural after *a*/*one*/*each*.
    NounNumber,
    /// The verb's agreement with a pronoun subject.
    Agreement,
    /// *in*/*on*/*at* and fixed prepositions ("interested in", "listen to", "discuss ∅").
    Preposition,
    /// A subject pronoun where an object one belongs, or the other way round.
    Pronoun,
    /// *-ed*/*-ing* adjectives ("I am boring" for "bored").
    EdIng,
    /// Question word order ("Where you go?", "I know where is he").
    WordOrder,
    /// *a*/*an*/*the* added, dropped or swapped anywhere a noun phrase starts (the broad set).
    Article,
    /// A finite verb in another tense ("is" → "was", "go" → "went", "will" → "would").
    Tense,
}

/// One proposed edit of the text: bytes `start..end` become `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Byte offset of the changed text.
    pub start: usize,
    /// Byte offset just past it (`start` for an insertion).
    pub end: usize,
    /// What replaces it (may be empty: a deletion).
    pub replacement: String,
    /// The confusion set.
    pub kind: Confusion,
    /// From the broad sets ([`broad_candidates`]): proposed wherever the word class allows,
    /// so many are wrong; they need a higher gain (the calibration's thresholds).
    pub broad: bool,
}

impl Candidate {
    /// `text` with this edit made (white space kept tidy around insertions and deletions).
    pub fn apply(&self, text: &str) -> String {
        apply_all(text, std::slice::from_ref(self))
    }
}

/// `text` with every candidate in `edits` made; they must not overlap.
pub fn apply_all(text: &str, edits: &[Candidate]) -> String {
    let mut sorted: Vec<&Candidate> = edits.iter().collect();
    sorted.sort_by_key(|c| (c.start, c.end));
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for c in sorted {
        // A deleted word takes one space beside it with it, so nothing else of the learner's
        // text changes (a tidy-up of the whole sentence would also change its score).
        let (mut start, mut end) = (c.start, c.end);
        if c.replacement.is_empty() {
            if text[end..].starts_with(' ') {
                end += 1;
            } else if start > 0 && text[..start].ends_with(' ') {
                start -= 1;
            }
        }
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(&c.replacement);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Most candidates per sentence: each costs one scored text.
pub const MAX_CANDIDATES: usize = 24;

mod broad;
mod closed;
mod forms;
mod lists;
mod reverse;
#[cfg(test)]
mod tests;

pub use broad::broad_candidates;
pub use closed::candidates;
pub(crate) use closed::words;
pub(crate) use lists::TIMES;
pub use reverse::learner_mistakes;
