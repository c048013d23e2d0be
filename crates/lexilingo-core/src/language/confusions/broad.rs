//! The broad sets: at every place Harper's part-of-speech tagger allows, the other article,
//! number, agreement, tense or preposition. Many are wrong, so they are ranked by one forward
//! pass of the model and need a higher gain than the closed sets.

use harper_core::DictWordMetadata;

use super::closed::candidates;
use super::forms::*;
use super::lists::*;
use super::{Candidate, Confusion};

/// Prepositions the broad set swaps for one another (and drops): the ones learner essays
/// confuse most (ERRANT's R:PREP and U:PREP edits are mostly among these).
pub(super) const BROAD_PREPOSITIONS: &[&str] = &[
    "in", "on", "at", "to", "for", "of", "with", "about", "from", "by", "into",
];

/// Finite forms of *be*, *have*, *do* and the modals, each with its agreement twin (same
/// tense, other number) and its tense twins.
pub(super) const AUX_FORMS: &[(&str, &[&str], &[&str])] = &[
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
pub(super) struct Tagged {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) text: String,
    pub(super) lower: String,
    pub(super) pos: Option<harper_brill::UPOS>,
    pub(super) md: Option<DictWordMetadata>,
}

/// The words of `text` tagged by Harper's tagger (a Brill tagger over its dictionary), with
/// byte offsets; `None` stands for punctuation or anything else that is not a word, so a
/// comma breaks the "word before" of the next word.
pub(super) fn tagged(text: &str) -> Vec<Option<Tagged>> {
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
pub(super) fn preposition(w: &Tagged, next: Option<&Tagged>) -> bool {
    use harper_brill::UPOS;
    BROAD_PREPOSITIONS.contains(&w.lower.as_str())
        && (w.pos == Some(UPOS::ADP)
            || (w.lower == "to"
                && next.is_some_and(|n| !n.md.as_ref().is_some_and(|m| m.is_verb_lemma()))))
}

/// A noun here: tagged so, or tagged otherwise but known only as a noun (the tagger reads
/// "cinema" in "went to cinema" as a verb after the "to").
pub(super) fn nounish(w: &Tagged) -> bool {
    use harper_brill::UPOS;
    w.pos == Some(UPOS::NOUN)
        || (w.pos == Some(UPOS::VERB) && w.md.as_ref().is_some_and(|m| m.is_noun() && !m.is_verb()))
}

/// A verb here: tagged so, or a verb form right after a subject (the tagger reads "lives" in
/// "people who lives" as the plural of "life").
pub(super) fn verbal(w: &Tagged, prev: Option<&Tagged>) -> bool {
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
    let protected = crate::language::vietnamese::protected_spans(text);
    // A Vietnamese word, name or dish: the article before it is left as typed too. Which
    // article a noun takes depends on the noun, and to the model these words are rare
    // tokens, so its preference there says nothing ("an ao dai" → "the ao dai").
    let vietnamese = |w: Option<&Tagged>| w.is_some_and(|w| protected.touches(w.start, w.end));
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
        if matches!(lower, "the" | "a" | "an") && !first && !vietnamese(next) {
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
        let head_vietnamese = vietnamese(Some(w)) || (adj_noun && vietnamese(next));
        if (bare_noun || adj_noun) && opens && !first && !head_vietnamese {
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
