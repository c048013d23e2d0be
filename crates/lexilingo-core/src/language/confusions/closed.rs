//! The closed sets: each learner mistake that marks Vietnamese speakers' English, proposed
//! where the words around it say it could apply.

use super::forms::*;
use super::lists::*;
use super::{Candidate, Confusion, MAX_CANDIDATES};

#[derive(Debug, Clone, Copy)]
pub(super) struct Word<'a> {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) text: &'a str,
    pub(super) lower: &'a str,
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
    let protected = crate::language::vietnamese::protected_spans(text);
    out.retain(|c| !protected.touches(c.start, c.end) && c.replacement != text[c.start..c.end]);
    out.sort_by(|a, b| (a.start, a.end, &a.replacement).cmp(&(b.start, b.end, &b.replacement)));
    out.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.replacement == b.replacement);
    out.truncate(MAX_CANDIDATES);
    out
}
