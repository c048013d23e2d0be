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
//! ([`crate::vietnamese`]).

use harper_core::spell::{Dictionary, FstDictionary};
use harper_core::{DictWordMetadata, IrregularNouns, IrregularVerbs};

/// Which confusion set a candidate comes from (for the error type and the explanation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// so many are wrong; they need a higher gain ([`crate::calibration::Thresholds`]).
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

#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    start: usize,
    end: usize,
    text: &'a str,
    lower: &'a str,
}

/// Byte spans of the words (letters, digits and inner apostrophes) of `text`.
pub(crate) fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let inside = c.is_alphanumeric() || ((c == '\'' || c == '’') && start.is_some());
        match (start, inside) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn md(word: &str) -> Option<DictWordMetadata> {
    FstDictionary::curated()
        .get_word_metadata_str(word)
        .map(|m| m.into_owned())
}

fn is_noun(w: &str) -> bool {
    md(w).is_some_and(|m| m.is_noun() && !m.is_pronoun() && !m.is_determiner())
}

/// A singular countable noun, also one that is a verb too ("doctor", "phone"): where the word
/// before is a form of *be* or *have* it is read as the noun. Not an adjective, an adverb or
/// an *-ing* form ("dominant", "fast", "building": too many readings).
fn noun_after_be(w: &str) -> bool {
    md(w).is_some_and(|m| {
        m.is_noun()
            && m.is_singular_noun()
            && m.is_countable_noun()
            && !m.is_plural_noun()
            && !m.is_pronoun()
            && !m.is_determiner()
            && !m.is_adverb()
            && !m.is_adjective()
            && !m.is_verb_progressive_form()
    })
}

/// [`noun_after_be`] that is no verb at all: "student", "book", not "walk" — a noun with no
/// *be* or *have* before it to say which reading is meant.
fn singular_countable(w: &str) -> bool {
    noun_after_be(w) && !md(w).is_some_and(|m| m.is_verb())
}

fn capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

fn verb_lemma(w: &str) -> bool {
    md(w).is_some_and(|m| m.is_verb_lemma())
}

const SUBJECTS: &[(&str, &str)] = &[
    ("i", "am"),
    ("you", "are"),
    ("we", "are"),
    ("they", "are"),
    ("he", "is"),
    ("she", "is"),
    ("it", "is"),
    ("this", "is"),
    ("that", "is"),
];

const FINITE: &[&str] = &[
    "am", "is", "are", "was", "were", "be", "been", "do", "does", "did", "have", "has", "had",
    "can", "could", "will", "would", "shall", "should", "may", "might", "must", "'m", "'s", "'re",
    "’m", "’s", "’re",
];

const MODALS: &[&str] = &[
    "can", "could", "will", "would", "should", "may", "might", "must", "shall",
];

const DETERMINERS: &[&str] = &[
    "a", "an", "the", "my", "your", "his", "her", "its", "our", "their", "this", "that", "these",
    "those", "some", "any", "no", "every", "each", "one", "another",
];

/// A word's past form, from Harper's irregular table or the regular spelling rules, kept only
/// when the dictionary knows it as a past form.
fn past_of(lemma: &str) -> Option<String> {
    match lemma {
        "am" | "is" => return Some("was".into()),
        "are" => return Some("were".into()),
        "has" | "have" => return Some("had".into()),
        _ => {}
    }
    let lemma = lemma
        .strip_suffix("es")
        .filter(|l| verb_lemma(l))
        .or_else(|| lemma.strip_suffix('s').filter(|l| verb_lemma(l)))
        .unwrap_or(lemma);
    if let Some(p) = IrregularVerbs::curated().get_preterite_for_lemma(lemma) {
        return Some(p.to_string());
    }
    let mut options = vec![format!("{lemma}ed"), format!("{lemma}d")];
    if let Some(stem) = lemma.strip_suffix('y') {
        options.push(format!("{stem}ied"));
    }
    if let Some(last) = lemma.chars().last() {
        options.push(format!("{lemma}{last}ed"));
    }
    first_known(options, DictWordMetadata::is_verb_past_form)
}

/// The first of the spellings `options` that the dictionary knows in the role `role`.
fn first_known(options: Vec<String>, role: fn(&DictWordMetadata) -> bool) -> Option<String> {
    options
        .into_iter()
        .find(|f| md(f).is_some_and(|m| role(&m)))
}

/// The *-ing* form of a verb lemma, when the dictionary has it.
fn ing_of(lemma: &str) -> Option<String> {
    let mut options = vec![format!("{lemma}ing")];
    if let Some(stem) = lemma.strip_suffix('e') {
        options.push(format!("{stem}ing"));
    }
    if let Some(last) = lemma.chars().last() {
        options.push(format!("{lemma}{last}ing"));
    }
    first_known(options, DictWordMetadata::is_verb_progressive_form)
}

/// The third-person *-s* form of a verb lemma, when the dictionary has it.
fn third_of(lemma: &str) -> Option<String> {
    match lemma {
        "have" => return Some("has".into()),
        "do" => return Some("does".into()),
        "go" => return Some("goes".into()),
        _ => {}
    }
    let mut options = vec![format!("{lemma}s"), format!("{lemma}es")];
    if let Some(stem) = lemma.strip_suffix('y') {
        options.push(format!("{stem}ies"));
    }
    first_known(
        options,
        DictWordMetadata::is_verb_third_person_singular_present_form,
    )
}

/// The lemma of an inflected verb (`-s`, `-ed`, `-ing`, irregular past), when the dictionary
/// knows it.
fn lemma_of(form: &str) -> Option<String> {
    if let Some(l) = IrregularVerbs::curated().get_lemma_for_preterite(form) {
        return Some(l.to_string());
    }
    let mut options = Vec::new();
    for suffix in ["ies", "es", "s", "ied", "ed", "d", "ing"] {
        if let Some(stem) = form.strip_suffix(suffix) {
            options.push(stem.to_string());
            if suffix.starts_with('i') && suffix != "ing" {
                options.push(format!("{stem}y"));
            }
            if suffix == "ing" || suffix == "ed" {
                options.push(format!("{stem}e"));
                let mut chars = stem.chars();
                if let (Some(a), Some(b)) = (chars.next_back(), chars.next_back()) {
                    if a == b {
                        options.push(stem[..stem.len() - a.len_utf8()].to_string());
                    }
                }
            }
        }
    }
    options
        .into_iter()
        .find(|l| l.len() > 1 && verb_lemma(l) && l != form)
}

fn plural_of(noun: &str) -> Option<String> {
    if let Some(p) = IrregularNouns::curated().get_plural_for_singular(noun) {
        return Some(p.to_string());
    }
    let chars: Vec<char> = noun.chars().collect();
    harper_core::get_plurals(&*FstDictionary::curated(), &chars)
        .into_iter()
        .next()
        .map(|p| p.into_iter().collect())
}

fn singular_of(noun: &str) -> Option<String> {
    if let Some(s) = IrregularNouns::curated().get_singular_for_plural(noun) {
        return Some(s.to_string());
    }
    let chars: Vec<char> = noun.chars().collect();
    harper_core::get_singulars(&*FstDictionary::curated(), &chars)
        .into_iter()
        .next()
        .map(|p| p.into_iter().collect())
}

fn article_for(word: &str) -> &'static str {
    let chars: Vec<char> = word.chars().collect();
    match harper_core::starts_with_vowel(&chars, harper_core::Dialect::American) {
        Some(harper_core::InitialSound::Vowel) => "an",
        _ => "a",
    }
}

/// Keeps the capital of a sentence's first word when it is replaced.
fn like_case(original: &str, replacement: &str) -> String {
    if original.chars().next().is_some_and(char::is_uppercase) {
        let mut c = replacement.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    } else {
        replacement.to_string()
    }
}

const PAST_MARKERS: &[&str] = &["yesterday", "ago"];
const LAST_WORDS: &[&str] = &[
    "week",
    "night",
    "year",
    "month",
    "summer",
    "winter",
    "weekend",
    "time",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "spring",
    "autumn",
];
const NUMBERS: &[&str] = &[
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "twenty", "hundred", "many", "several", "few", "these", "those", "both", "various", "numerous",
];
const GERUND_AFTER: &[&str] = &[
    "like", "likes", "love", "loves", "enjoy", "enjoys", "hate", "hates", "finish", "finished",
    "avoid", "mind", "practise", "practice", "keep", "stop", "stopped", "enjoyed", "liked",
    "loved",
];
const TO_AFTER: &[&str] = &[
    "want", "wants", "wanted", "need", "needs", "needed", "plan", "plans", "planned", "decide",
    "decided", "hope", "hoped", "try", "tried", "learn", "learned", "would",
];
/// Fixed prepositions after a word: (word, the preposition it takes).
const COLLOCATIONS: &[(&str, &str)] = &[
    ("interested", "in"),
    ("good", "at"),
    ("afraid", "of"),
    ("proud", "of"),
    ("worried", "about"),
    ("married", "to"),
    ("depend", "on"),
    ("depends", "on"),
    ("listen", "to"),
    ("listened", "to"),
    ("listening", "to"),
    ("arrive", "in"),
    ("arrived", "in"),
    ("different", "from"),
    ("famous", "for"),
    ("responsible", "for"),
    ("similar", "to"),
];
/// Words of time after which in/on/at are confused (also read by the explanations).
pub(crate) const TIMES: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "weekend",
    "weekends",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "morning",
    "afternoon",
    "evening",
    "night",
    "noon",
    "midnight",
    "christmas",
    "birthday",
    "summer",
    "winter",
    "spring",
    "autumn",
    "o'clock",
];
/// Words of place after which in/on/at are confused.
pub(crate) const PLACES: &[&str] = &[
    "home",
    "school",
    "work",
    "university",
    "hospital",
    "airport",
    "station",
];
const PREPOSITIONS: &[&str] = &["in", "on", "at", "to", "for", "of", "with", "about", "from"];
const OBJECT_OF: &[(&str, &str)] = &[
    ("i", "me"),
    ("he", "him"),
    ("she", "her"),
    ("we", "us"),
    ("they", "them"),
];
const ED_ING: &[&str] = &[
    "bor",
    "interest",
    "excit",
    "tir",
    "confus",
    "surpris",
    "disappoint",
    "frighten",
    "embarrass",
    "amaz",
    "annoy",
    "exhaust",
    "satisf",
    "worr",
    "shock",
    "relax",
    "terrif",
];

/// The candidate edits for `text`, at most [`MAX_CANDIDATES`], none touching a protected
/// (Vietnamese) span.
pub fn candidates(text: &str) -> Vec<Candidate> {
    let spans = words(text);
    let ws: Vec<Word<'_>> = spans
        .iter()
        .map(|&(s, e)| Word {
            start: s,
            end: e,
            text: &text[s..e],
            lower: "",
        })
        .collect();
    let lowers: Vec<String> = ws.iter().map(|w| w.text.to_lowercase()).collect();
    let ws: Vec<Word<'_>> = ws
        .into_iter()
        .zip(&lowers)
        .map(|(w, l)| Word { lower: l, ..w })
        .collect();
    let n = ws.len();
    let mut out: Vec<Candidate> = Vec::new();
    let mut push = |start: usize, end: usize, replacement: String, kind: Confusion| {
        out.push(Candidate {
            start,
            end,
            replacement,
            kind,
            broad: false,
        });
    };
    let insert_before = |w: &Word<'_>, word: &str| (w.start, w.start, format!("{word} "));
    let has_finite = ws.iter().any(|w| {
        FINITE.contains(&w.lower)
            || md(w.lower).is_some_and(|m| {
                (m.is_verb_third_person_singular_present_form() || m.is_verb_simple_past_form())
                    && !m.is_noun()
            })
    });
    let past_context = ws.iter().enumerate().any(|(i, w)| {
        PAST_MARKERS.contains(&w.lower)
            || (w.lower == "last" && ws.get(i + 1).is_some_and(|n| LAST_WORDS.contains(&n.lower)))
    });

    for i in 0..n {
        let w = ws[i];
        let next = ws.get(i + 1).copied();
        let prev = i.checked_sub(1).map(|p| ws[p]);

        // Missing be: a subject, then an adjective, "very", or an -ing form, and no verb.
        if !has_finite {
            if let Some(nx) = next {
                let be = SUBJECTS
                    .iter()
                    .find(|(s, _)| *s == w.lower)
                    .map(|(_, b)| *b)
                    .or_else(|| {
                        is_noun(w.lower).then(|| {
                            if md(w.lower).is_some_and(|m| m.is_plural_noun()) {
                                "are"
                            } else {
                                "is"
                            }
                        })
                    });
                let predicate =
                    matches!(nx.lower, "very" | "so" | "too" | "really" | "quite" | "not")
                        || md(nx.lower).is_some_and(|m| m.is_adjective() && !m.is_verb_lemma())
                        || md(nx.lower).is_some_and(|m| m.is_verb_progressive_form());
                if let (Some(be), true) = (be, predicate) {
                    let (s, e, r) = insert_before(&nx, be);
                    push(s, e, r, Confusion::MissingBe);
                }
            }
        }

        // Missing article: after be/have or a verb, before a (adjective +) singular noun.
        let takes_object =
            matches!(
                w.lower,
                "am" | "is"
                    | "are"
                    | "was"
                    | "were"
                    | "be"
                    | "have"
                    | "has"
                    | "had"
                    | "become"
                    | "became"
                    | "buy"
                    | "bought"
                    | "want"
                    | "need"
                    | "see"
                    | "saw"
                    | "got"
                    | "get"
            ) || (w.lower.ends_with("'m") || w.lower.ends_with("'s") || w.lower.ends_with("’m"));
        if takes_object {
            if let Some(nx) = next {
                // After "is" a word that is also a verb ("doctor", "phone") reads as a noun.
                let noun = noun_after_be;
                let noun_next = noun(nx.lower) && !capitalised(nx.text);
                let adj_noun = md(nx.lower).is_some_and(|m| m.is_adjective() && !m.is_verb_lemma())
                    && ws.get(i + 2).is_some_and(|n2| noun(n2.lower));
                let quantity = NUMBERS.contains(&nx.lower)
                    || nx.lower.chars().all(|c| c.is_ascii_digit())
                    || matches!(nx.lower, "one" | "much" | "more" | "most" | "lot" | "lots");
                if (noun_next || adj_noun) && !DETERMINERS.contains(&nx.lower) && !quantity {
                    for art in [article_for(nx.lower), "the"] {
                        let (s, e, r) = insert_before(&nx, art);
                        push(s, e, r, Confusion::MissingArticle);
                    }
                }
            }
        }

        // "very" + verb.
        if w.lower == "very" {
            if let Some(nx) = next {
                // "very good", "very well": adjectives and adverbs are what "very" is for.
                // "like" is an adjective and a preposition too; the verbs of feeling learners
                // say "very" before are listed.
                let feeling = matches!(
                    nx.lower,
                    "like"
                        | "love"
                        | "want"
                        | "miss"
                        | "hope"
                        | "need"
                        | "enjoy"
                        | "hate"
                        | "prefer"
                        | "admire"
                        | "appreciate"
                        | "agree"
                        | "thank"
                        | "respect"
                );
                if verb_lemma(nx.lower)
                    && (feeling || !md(nx.lower).is_some_and(|m| m.is_adjective() || m.is_adverb()))
                {
                    push(
                        w.start,
                        w.end,
                        like_case(w.text, "really"),
                        Confusion::VeryVerb,
                    );
                }
            }
        }

        // Verb forms after like/enjoy (-ing), want/need (to), modals and "to" (lemma).
        if let Some(nx) = next {
            // "play" is a noun too: after "like" the model decides which it is.
            if GERUND_AFTER.contains(&w.lower) && verb_lemma(nx.lower) {
                if let Some(ing) = ing_of(nx.lower) {
                    push(nx.start, nx.end, ing, Confusion::VerbForm);
                }
            }
            if TO_AFTER.contains(&w.lower) && verb_lemma(nx.lower) && nx.lower != "to" {
                let (s, e, r) = insert_before(&nx, "to");
                push(s, e, r, Confusion::VerbForm);
            }
            if MODALS.contains(&w.lower) || w.lower == "to" {
                // An inflected verb: not a lemma itself, and the dictionary knows its lemma
                // ("speaks" → "speak"). After a modal "-ing" may be right ("will be going" is
                // not this), after "to" it is not ("to swimming" is rare but "used to" …), so
                // the model decides either way.
                if !verb_lemma(nx.lower) {
                    if let Some(lemma) = lemma_of(nx.lower) {
                        push(nx.start, nx.end, lemma, Confusion::VerbForm);
                    }
                }
            }
        }

        // Past tense after a past time word: a present verb form becomes past.
        if past_context {
            let after_aux = prev.is_some_and(|p| {
                MODALS.contains(&p.lower)
                    || matches!(p.lower, "to" | "do" | "does" | "did" | "will")
            });
            // After a pronoun a word that is both noun and verb ("go", "play") is the verb.
            let pronoun_before = prev.is_some_and(|p| SUBJECTS.iter().any(|(s, _)| *s == p.lower));
            let present = matches!(w.lower, "am" | "is" | "are")
                || md(w.lower).is_some_and(|m| {
                    (m.is_verb_lemma() || m.is_verb_third_person_singular_present_form())
                        && (pronoun_before
                            || !(m.is_noun()
                                || m.is_adjective()
                                || m.is_determiner()
                                || m.is_pronoun()
                                || m.is_adverb()))
                });
            let subject_before = pronoun_before || prev.is_some_and(|p| is_noun(p.lower));
            if present && !after_aux && subject_before {
                if let Some(past) = past_of(w.lower) {
                    let past = if w.lower == "are" {
                        "were".into()
                    } else {
                        past
                    };
                    push(w.start, w.end, past, Confusion::PastTense);
                }
            }
        }

        // "Have/Has many people …" → "There are/is …".
        if i == 0 && matches!(w.lower, "have" | "has") {
            if let Some(nx) = next {
                if nx.lower != "you" && !SUBJECTS.iter().any(|(s, _)| *s == nx.lower) {
                    for there in ["There are", "There is"] {
                        push(w.start, w.end, like_case(w.text, there), Confusion::ThereIs);
                    }
                }
            }
        }

        // "Although …, but" and "Because …, so": the second conjunction goes.
        let although_but = w.lower == "but"
            && ws[..i]
                .iter()
                .any(|p| matches!(p.lower, "although" | "though"));
        let because_so = w.lower == "so" && ws[..i].first().is_some_and(|p| p.lower == "because");
        if (although_but || because_so) && prev.is_some() {
            push(w.start, w.end, String::new(), Confusion::DoubleConjunction);
        }

        // Noun number after numbers and quantifiers, and after "a/one/each/every".
        if let Some(nx) = next {
            let many = NUMBERS.contains(&w.lower) || w.lower.parse::<u32>().is_ok_and(|n| n > 1);
            // "Apple" is a name too: a lower-case word is the common noun.
            let singular = !capitalised(nx.text)
                && md(nx.lower)
                    .is_some_and(|m| m.is_noun() && m.is_singular_noun() && !m.is_plural_noun());
            if many && singular {
                if let Some(p) = plural_of(nx.lower) {
                    push(nx.start, nx.end, p, Confusion::NounNumber);
                }
            }
            let one = matches!(
                w.lower,
                "a" | "an" | "one" | "each" | "every" | "this" | "that"
            );
            if one && md(nx.lower).is_some_and(|m| m.is_plural_noun() && !m.is_singular_noun()) {
                if let Some(s) = singular_of(nx.lower) {
                    push(nx.start, nx.end, s, Confusion::NounNumber);
                }
            }
        }

        // Agreement with a pronoun subject, or a singular noun after "my/his/the…" at the
        // start ("My mother cook").
        if let Some(nx) = next {
            let noun_subject = i == 1
                && prev.is_some_and(|p| {
                    matches!(
                        p.lower,
                        "my" | "your" | "his" | "her" | "our" | "their" | "the" | "this" | "that"
                    )
                })
                && singular_countable(w.lower)
                && !capitalised(w.text);
            let third = matches!(w.lower, "he" | "she" | "it") || noun_subject;
            let other = matches!(w.lower, "i" | "you" | "we" | "they");
            if third && verb_lemma(nx.lower) && !MODALS.contains(&nx.lower) {
                if let Some(s) = third_of(nx.lower) {
                    push(nx.start, nx.end, s, Confusion::Agreement);
                }
            }
            if third && nx.lower == "don't" {
                push(nx.start, nx.end, "doesn't".into(), Confusion::Agreement);
            }
            if other && nx.lower == "doesn't" {
                push(nx.start, nx.end, "don't".into(), Confusion::Agreement);
            }
            if other
                && md(nx.lower)
                    .is_some_and(|m| m.is_verb_third_person_singular_present_form() && !m.is_noun())
            {
                if let Some(l) = lemma_of(nx.lower) {
                    push(nx.start, nx.end, l, Confusion::Agreement);
                }
            }
        }

        // Prepositions: in/on/at swapped before a time or a place (the confusion Vietnamese
        // "vào/ở" causes: "in Monday", "on 2005", "at the morning"), fixed prepositions,
        // "discuss about". Elsewhere in/on/at are part of phrases ("in order to", "in other
        // words", "specialized in") that a swap would break.
        let time_or_place = |k: usize| {
            let mut k = k;
            if ws
                .get(k)
                .is_some_and(|x| matches!(x.lower, "the" | "my" | "our" | "his" | "her"))
            {
                k += 1;
            }
            ws.get(k).is_some_and(|x| {
                (TIMES.contains(&x.lower) || PLACES.contains(&x.lower))
                    || (x.lower.len() == 4 && x.lower.chars().all(|c| c.is_ascii_digit()))
            })
        };
        if matches!(w.lower, "in" | "on" | "at") && time_or_place(i + 1) {
            for p in ["in", "on", "at"] {
                if p != w.lower {
                    push(w.start, w.end, like_case(w.text, p), Confusion::Preposition);
                }
            }
        }
        if let Some(&(_, right)) = COLLOCATIONS.iter().find(|(word, _)| *word == w.lower) {
            if let Some(nx) = next {
                if PREPOSITIONS.contains(&nx.lower) && nx.lower != right {
                    push(nx.start, nx.end, right.into(), Confusion::Preposition);
                } else if !PREPOSITIONS.contains(&nx.lower)
                    && (DETERMINERS.contains(&nx.lower)
                        || is_noun(nx.lower)
                        || OBJECT_OF.iter().any(|(_, o)| *o == nx.lower)
                        || nx.lower == "music"
                        || nx.lower == "me")
                    && matches!(w.lower, "listen" | "listened" | "listening")
                {
                    let (s, e, r) = insert_before(&nx, right);
                    push(s, e, r, Confusion::Preposition);
                }
            }
        }
        if matches!(w.lower, "discuss" | "discussed" | "discussing") {
            if let Some(nx) = next.filter(|nx| nx.lower == "about") {
                push(nx.start, nx.end, String::new(), Confusion::Preposition);
            }
        }

        // Subject pronouns in object position (after a verb or a preposition), and the
        // other way round at the start.
        if let Some(nx) = next {
            if let Some(&(_, object)) = OBJECT_OF.iter().find(|(s, _)| *s == nx.lower) {
                let governs = PREPOSITIONS.contains(&w.lower)
                    || (verb_lemma(w.lower) && !is_noun(w.lower) && !MODALS.contains(&w.lower));
                let subject_next = ws
                    .get(i + 2)
                    .is_some_and(|n2| md(n2.lower).is_some_and(|m| m.is_verb() && !m.is_noun()));
                // "I" after a verb may start a clause ("I think I …"); after a preposition it
                // cannot.
                let object_place = if nx.lower == "i" {
                    PREPOSITIONS.contains(&w.lower)
                } else {
                    !subject_next
                };
                if governs && object_place {
                    push(nx.start, nx.end, object.into(), Confusion::Pronoun);
                }
            }
        }
        if i == 0 {
            if let Some(&(subject, _)) = OBJECT_OF.iter().find(|(_, o)| *o == w.lower) {
                if next.is_some_and(|nx| verb_lemma(nx.lower) || FINITE.contains(&nx.lower)) {
                    let s = if subject == "i" { "I" } else { subject };
                    push(w.start, w.end, like_case(w.text, s), Confusion::Pronoun);
                }
            }
        }

        // -ed/-ing adjectives after be.
        if matches!(
            w.lower,
            "am" | "is" | "are" | "was" | "were" | "feel" | "felt"
        ) {
            // "was very bored": past an intensifier.
            let target = match next {
                Some(nx) if matches!(nx.lower, "very" | "so" | "really" | "too" | "quite") => {
                    ws.get(i + 2).copied()
                }
                other => other,
            };
            if let Some(nx) = target {
                for stem in ED_ING {
                    let swap = if let Some(rest) = nx.lower.strip_prefix(stem) {
                        match rest {
                            "ing" => Some(format!("{stem}ed")),
                            "ed" => Some(format!("{stem}ing")),
                            "ied" => Some(format!("{stem}ying")),
                            "ying" => Some(format!("{stem}ied")),
                            "e" | "" => None,
                            _ => None,
                        }
                    } else {
                        None
                    };
                    if let Some(s) = swap.filter(|s| md(s).is_some()) {
                        push(nx.start, nx.end, s, Confusion::EdIng);
                    }
                }
            }
        }

        // Questions: "Where you go?" → "Where do you go?"; "where is he" inside a sentence
        // → "where he is".
        let wh = matches!(w.lower, "where" | "what" | "when" | "why" | "how" | "who");
        if wh && text.trim_end().ends_with('?') && i == 0 {
            if let (Some(nx), Some(n2)) = (next, ws.get(i + 2)) {
                if SUBJECTS.iter().any(|(s, _)| *s == nx.lower) && verb_lemma(n2.lower) {
                    let aux = if matches!(nx.lower, "he" | "she" | "it") {
                        "does"
                    } else {
                        "do"
                    };
                    let (s, e, r) = insert_before(&nx, aux);
                    push(s, e, r, Confusion::WordOrder);
                }
            }
        }
        if wh && i > 0 {
            if let (Some(nx), Some(n2)) = (next, ws.get(i + 2)) {
                let be = matches!(nx.lower, "is" | "are" | "was" | "were");
                let pron = matches!(n2.lower, "he" | "she" | "it" | "they" | "we" | "you" | "i");
                if be && pron && !text.trim_end().ends_with('?') {
                    let swapped = format!("{} {}", n2.text, nx.text);
                    push(nx.start, n2.end, swapped, Confusion::WordOrder);
                }
            }
        }
    }
    let protected = crate::vietnamese::protected_spans(text);
    out.retain(|c| !protected.touches(c.start, c.end) && c.replacement != text[c.start..c.end]);
    out.sort_by(|a, b| (a.start, a.end, &a.replacement).cmp(&(b.start, b.end, &b.replacement)));
    out.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.replacement == b.replacement);
    out.truncate(MAX_CANDIDATES);
    out
}

/// Prepositions the broad set swaps for one another (and drops): the ones learner essays
/// confuse most (ERRANT's R:PREP and U:PREP edits are mostly among these).
const BROAD_PREPOSITIONS: &[&str] = &[
    "in", "on", "at", "to", "for", "of", "with", "about", "from", "by", "into",
];

/// Finite forms of *be*, *have*, *do* and the modals, each with its agreement twin (same
/// tense, other number) and its tense twins.
const AUX_FORMS: &[(&str, &[&str], &[&str])] = &[
    ("is", &["are"], &["was"]),
    ("are", &["is"], &["were"]),
    ("am", &[], &["was"]),
    ("was", &["were"], &["is"]),
    ("were", &["was"], &["are"]),
    ("has", &["have"], &["had"]),
    ("have", &["has"], &["had"]),
    ("had", &[], &["has", "have"]),
    ("does", &["do"], &["did"]),
    ("do", &["does"], &["did"]),
    ("did", &[], &["do", "does"]),
    ("doesn't", &["don't"], &["didn't"]),
    ("don't", &["doesn't"], &["didn't"]),
    ("isn't", &["aren't"], &["wasn't"]),
    ("aren't", &["isn't"], &["weren't"]),
    ("wasn't", &["weren't"], &["isn't"]),
    ("weren't", &["wasn't"], &["aren't"]),
    ("will", &[], &["would"]),
    ("would", &[], &["will"]),
    ("can", &[], &["could"]),
    ("could", &[], &["can"]),
];

/// One word of the text with Harper's part-of-speech tag for it in this sentence.
struct Tagged {
    start: usize,
    end: usize,
    text: String,
    lower: String,
    pos: Option<harper_brill::UPOS>,
    md: Option<DictWordMetadata>,
}

/// The words of `text` tagged by Harper's tagger (a Brill tagger over its dictionary), with
/// byte offsets; `None` stands for punctuation or anything else that is not a word, so a
/// comma breaks the "word before" of the next word.
fn tagged(text: &str) -> Vec<Option<Tagged>> {
    let document = harper_core::Document::new_plain_english_curated(text);
    let byte_at: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let mut out = Vec::new();
    for token in document.tokens() {
        let (start, end) = (
            byte_at.get(token.span.start).copied(),
            byte_at.get(token.span.end).copied(),
        );
        let (Some(start), Some(end)) = (start, end) else {
            continue;
        };
        match &token.kind {
            harper_core::TokenKind::Word(md) => {
                let word = &text[start..end];
                out.push(Some(Tagged {
                    start,
                    end,
                    text: word.to_string(),
                    lower: word.to_lowercase(),
                    pos: md.as_ref().and_then(|m| m.pos_tag),
                    md: md.clone(),
                }));
            }
            harper_core::TokenKind::Space(_) => {}
            _ => out.push(None),
        }
    }
    out
}

/// One of [`BROAD_PREPOSITIONS`] used as a preposition: tagged so, or "to" (tagged as the
/// infinitive's particle) before anything but a verb.
fn preposition(w: &Tagged, next: Option<&Tagged>) -> bool {
    use harper_brill::UPOS;
    BROAD_PREPOSITIONS.contains(&w.lower.as_str())
        && (w.pos == Some(UPOS::ADP)
            || (w.lower == "to"
                && next.is_some_and(|n| !n.md.as_ref().is_some_and(|m| m.is_verb_lemma()))))
}

/// A noun here: tagged so, or tagged otherwise but known only as a noun (the tagger reads
/// "cinema" in "went to cinema" as a verb after the "to").
fn nounish(w: &Tagged) -> bool {
    use harper_brill::UPOS;
    w.pos == Some(UPOS::NOUN)
        || (w.pos == Some(UPOS::VERB) && w.md.as_ref().is_some_and(|m| m.is_noun() && !m.is_verb()))
}

/// A verb here: tagged so, or a verb form right after a subject (the tagger reads "lives" in
/// "people who lives" as the plural of "life").
fn verbal(w: &Tagged, prev: Option<&Tagged>) -> bool {
    use harper_brill::UPOS;
    w.pos == Some(UPOS::VERB)
        || (w.md.as_ref().is_some_and(|m| m.is_verb())
            && !matches!(w.pos, Some(UPOS::DET | UPOS::ADP | UPOS::ADJ | UPOS::ADV))
            && prev.is_some_and(|p| {
                matches!(p.pos, Some(UPOS::PRON | UPOS::NOUN | UPOS::PROPN))
                    || matches!(p.lower.as_str(), "who" | "which" | "that")
            }))
}

/// The broad confusion sets: every article, noun number, finite verb and common preposition
/// of the sentence, each with its alternatives, wherever Harper's tagger says the word class
/// fits. Far more of these are wrong than of [`candidates`], and there are many per
/// sentence: the tutor ranks them by the model's next-token preference in one forward pass
/// (`Engine::rank`) and scores only the best few as whole sentences. This is what finds the
/// mistakes no pattern foresees ("the most of people", "many informations", "people who
/// lives", "interested for"). Candidates that [`candidates`] also makes are left out.
pub fn broad_candidates(text: &str) -> Vec<Candidate> {
    use harper_brill::UPOS;
    let ws = tagged(text);
    let mut out: Vec<Candidate> = Vec::new();
    let mut push = |start: usize, end: usize, replacement: String, kind: Confusion| {
        out.push(Candidate {
            start,
            end,
            replacement,
            kind,
            broad: true,
        });
    };
    let word = |i: usize| ws.get(i).and_then(|w| w.as_ref());
    let singular_countable_md = |m: &DictWordMetadata| {
        m.is_noun()
            && m.is_singular_noun()
            && !m.is_plural_noun()
            && m.is_countable_noun()
            && !m.is_proper_noun()
            && !m.is_pronoun()
    };
    for i in 0..ws.len() {
        let Some(w) = word(i) else { continue };
        let prev = i.checked_sub(1).and_then(word);
        let next = word(i + 1);
        let lower = w.lower.as_str();
        let pos = w.pos;
        let first = i == 0;

        // Articles: drop or swap one that is there…
        if matches!(lower, "the" | "a" | "an") && !first {
            push(w.start, w.end, String::new(), Confusion::Article);
            if let Some(nx) = next {
                if lower == "the" {
                    if nx.md.as_ref().is_some_and(singular_countable_md) {
                        push(
                            w.start,
                            w.end,
                            article_for(&nx.lower).into(),
                            Confusion::Article,
                        );
                    }
                } else {
                    push(w.start, w.end, "the".into(), Confusion::Article);
                }
            }
        }
        // … or add one where a noun phrase starts with no determiner: a lower-case singular
        // countable noun, or an adjective before one, after a verb, a preposition or a
        // conjunction (not after another noun, an adjective, a number or a pronoun).
        let bare_noun =
            nounish(w) && w.md.as_ref().is_some_and(singular_countable_md) && !capitalised(&w.text);
        let adj_noun = pos == Some(UPOS::ADJ)
            && !NUMBERS.contains(&lower)
            && !w.md.as_ref().is_some_and(|m| m.is_quantifier())
            && next.is_some_and(|n| nounish(n) && n.md.as_ref().is_some_and(singular_countable_md));
        let opens = prev.is_some_and(|p| {
            (matches!(
                p.pos,
                Some(UPOS::VERB | UPOS::AUX | UPOS::ADP | UPOS::CCONJ | UPOS::SCONJ)
            ) || preposition(p, Some(w)))
                && !DETERMINERS.contains(&p.lower.as_str())
                && !p.lower.ends_with("'s")
        });
        if (bare_noun || adj_noun) && opens && !first {
            push(
                w.start,
                w.start,
                format!("{} ", article_for(lower)),
                Confusion::Article,
            );
            push(w.start, w.start, "the ".into(), Confusion::Article);
        }

        // Noun number: a common noun in the other number (forms from the dictionary).
        if nounish(w) && !capitalised(&w.text) {
            if let Some(m) = &w.md {
                if m.is_noun() && !m.is_proper_noun() && !m.is_pronoun() {
                    if m.is_singular_noun() && !m.is_plural_noun() && m.is_countable_noun() {
                        if let Some(p) = plural_of(lower) {
                            push(w.start, w.end, p, Confusion::NounNumber);
                        }
                    } else if m.is_plural_noun() && !m.is_singular_noun() {
                        if let Some(s) = singular_of(lower) {
                            push(w.start, w.end, s, Confusion::NounNumber);
                        }
                    }
                }
            }
        }

        // Finite verbs: agreement and tense.
        // Not the first word: a question's inverted auxiliary agrees with the subject after
        // it, and the first word may be a respelling the rules just made ("Where you" →
        // "Were you"), which a second swap would compound ("Was you").
        let aux = AUX_FORMS.iter().find(|(f, _, _)| *f == lower && !first);
        if let Some((_, agree, tense)) = aux {
            for a in agree.iter() {
                push(w.start, w.end, like_case(&w.text, a), Confusion::Agreement);
            }
            for t in tense.iter() {
                push(w.start, w.end, like_case(&w.text, t), Confusion::Tense);
            }
        } else if !first && verbal(w, prev) {
            let after_aux = prev.is_some_and(|p| {
                p.lower == "to" || p.pos == Some(UPOS::AUX) || MODALS.contains(&p.lower.as_str())
            });
            if let (Some(m), false) = (&w.md, after_aux) {
                if m.is_verb_third_person_singular_present_form() {
                    if let Some(l) = lemma_of(lower) {
                        push(w.start, w.end, l.clone(), Confusion::Agreement);
                        if let Some(p) = past_of(&l) {
                            push(w.start, w.end, p, Confusion::Tense);
                        }
                    }
                } else if m.is_verb_lemma() {
                    if let Some(t) = third_of(lower) {
                        push(w.start, w.end, t, Confusion::Agreement);
                    }
                    if let Some(p) = past_of(lower) {
                        push(w.start, w.end, p, Confusion::Tense);
                    }
                } else if m.is_verb_simple_past_form() {
                    if let Some(l) = lemma_of(lower) {
                        if let Some(t) = third_of(&l) {
                            push(w.start, w.end, t, Confusion::Tense);
                        }
                        push(w.start, w.end, l, Confusion::Tense);
                    }
                }
            }
        }

        // Prepositions: another one, or none.
        if preposition(w, next) && !first {
            for p in BROAD_PREPOSITIONS {
                if *p != lower {
                    push(w.start, w.end, (*p).into(), Confusion::Preposition);
                }
            }
            push(w.start, w.end, String::new(), Confusion::Preposition);
        }
    }
    let protected = crate::vietnamese::protected_spans(text);
    let curated = candidates(text);
    out.retain(|c| {
        !protected.touches(c.start, c.end)
            && c.replacement != text[c.start..c.end]
            && !curated
                .iter()
                .any(|k| k.start == c.start && k.end == c.end && k.replacement == c.replacement)
    });
    out.sort_by(|a, b| (a.start, a.end, &a.replacement).cmp(&(b.start, b.end, &b.replacement)));
    out.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.replacement == b.replacement);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposals(text: &str) -> Vec<String> {
        candidates(text).iter().map(|c| c.apply(text)).collect()
    }

    #[test]
    fn the_fix_a_teacher_would_make_is_among_the_candidates() {
        for (wrong, right) in [
            ("My brother very tall.", "My brother is very tall."),
            ("I am student.", "I am a student."),
            (
                "Have many people in the park.",
                "There are many people in the park.",
            ),
            (
                "Yesterday I go to the market.",
                "Yesterday I went to the market.",
            ),
            ("I very like football.", "I really like football."),
            ("I like play football.", "I like playing football."),
            (
                "Although I was tired, but I went to school.",
                "Although I was tired, I went to school.",
            ),
            ("I have two apple.", "I have two apples."),
            ("She don't like apples.", "She doesn't like apples."),
            ("He go to school every day.", "He goes to school every day."),
            ("I am interested on music.", "I am interested in music."),
            ("I listen music every day.", "I listen to music every day."),
            ("We discussed about the plan.", "We discussed the plan."),
            ("I was born on 1999.", "I was born in 1999."),
            ("I want go home.", "I want to go home."),
            ("She can speaks English.", "She can speak English."),
            ("The film was very bored.", "The film was very boring."),
            (
                "I am boring with this class.",
                "I am bored with this class.",
            ),
            ("Where you go?", "Where do you go?"),
            ("I don't know where is he.", "I don't know where he is."),
            ("He gave it to I.", "He gave it to me."),
            ("I very happy.", "I am very happy."),
        ] {
            let all = proposals(wrong);
            assert!(all.iter().any(|p| p == right), "{wrong}: {all:?}");
        }
    }

    fn broad(text: &str) -> Vec<String> {
        broad_candidates(text)
            .iter()
            .map(|c| c.apply(text))
            .collect()
    }

    #[test]
    fn the_broad_sets_reach_mistakes_no_pattern_foresees() {
        for (wrong, right) in [
            (
                "The people who lives here are kind.",
                "The people who live here are kind.",
            ),
            (
                "My friends is waiting outside.",
                "My friends are waiting outside.",
            ),
            (
                "Both of my brother are doctors.",
                "Both of my brothers are doctors.",
            ),
            (
                "He spent the most of his money.",
                "He spent most of his money.",
            ),
            ("She went to cinema.", "She went to the cinema."),
            (
                "We rented car at the airport.",
                "We rented a car at the airport.",
            ),
            (
                "When we were children, we play in the river.",
                "When we were children, we played in the river.",
            ),
            ("She is aware about the risk.", "She is aware of the risk."),
            ("We arrived to the hotel.", "We arrived at the hotel."),
            (
                "When I was young, my family is poor.",
                "When I was young, my family was poor.",
            ),
        ] {
            let all = broad(wrong);
            assert!(all.iter().any(|p| p == right), "{wrong}: {all:?}");
        }
    }

    #[test]
    fn the_broad_sets_leave_names_vietnamese_and_the_first_word_alone() {
        let text = "Phở is a dish of Hà Nội.";
        let protected = crate::vietnamese::protected_spans(text);
        for c in broad_candidates(text) {
            assert!(c.broad);
            assert!(!protected.touches(c.start, c.end), "{c:?}");
            assert!(c.start > 0, "{c:?}");
        }
        // Proper nouns keep their number: no "Londons".
        assert!(broad("We live in London.")
            .iter()
            .all(|p| !p.contains("Londons")));
    }

    #[test]
    fn vietnamese_spans_get_no_candidates() {
        let text = "Yesterday I go to Đà Nẵng with Nguyễn.";
        let protected = crate::vietnamese::protected_spans(text);
        assert_eq!(protected.spans().len(), 2);
        let all = candidates(text);
        assert!(!all.is_empty(), "the verb still gets its candidates");
        for c in all {
            assert!(!protected.touches(c.start, c.end), "{c:?}");
        }
    }

    #[test]
    fn a_deletion_takes_one_space_and_leaves_the_rest_of_the_text_alone() {
        let text = "Although I was tired , but I  went.";
        let at = text.find("but").expect("but");
        let c = Candidate {
            start: at,
            end: at + 3,
            replacement: String::new(),
            kind: Confusion::DoubleConjunction,
            broad: false,
        };
        assert_eq!(c.apply(text), "Although I was tired , I  went.");
    }

    #[test]
    fn few_candidates_for_a_correct_simple_sentence() {
        assert!(candidates("She likes apples.").len() <= 3);
    }
}
