//! The closed sets the other way round: in a *correct* sentence, the mistakes a Vietnamese
//! learner makes in it. Drills use them to put one mistake of a chosen type into a sentence
//! the model wrote (`tasks::drill`); the tutor then has to find and fix it before the
//! sentence is shown. Word forms come from the same dictionary as the corrections.

use super::closed::words;
use super::forms::*;
use super::lists::*;
use super::{Candidate, Confusion};

/// Forms of *be* a learner leaves out ("My brother very tall").
const BE: &[&str] = &["is", "am", "are", "was", "were"];

/// Object pronouns and the subject forms learners put in their place ("help I").
const OBJECT_TO_SUBJECT: &[(&str, &str)] = &[
    ("me", "I"),
    ("him", "he"),
    ("her", "she"),
    ("us", "we"),
    ("them", "they"),
];

/// Each learner mistake that could be made in `text`, as an edit of it: *be* dropped, a past
/// verb in its base form, a third-person *-s* dropped, a plural noun made singular, an object
/// pronoun in its subject form, an *-ing* or *-s* form after a modal or *to*. None touches a
/// protected (Vietnamese) span. Which type each one is, is for the classifier to say.
pub fn learner_mistakes(text: &str) -> Vec<Candidate> {
    let protected = crate::language::vietnamese::protected_spans(text);
    let spans = words(text);
    let lower: Vec<String> = spans
        .iter()
        .map(|&(s, e)| text[s..e].to_lowercase())
        .collect();
    let mut out = Vec::new();
    let mut push = |start: usize, end: usize, replacement: String, kind: Confusion| {
        out.push(Candidate {
            start,
            end,
            replacement,
            kind,
            broad: false,
        });
    };
    for (i, &(start, end)) in spans.iter().enumerate() {
        if protected.touches(start, end) {
            continue;
        }
        let w = lower[i].as_str();
        let previous = i.checked_sub(1).map(|p| lower[p].as_str());
        let Some(m) = md(w) else { continue };
        if i > 0 && i + 1 < spans.len() && BE.contains(&w) && previous != Some("there") {
            push(start, end, String::new(), Confusion::MissingBe);
        }
        if let Some(&(_, subject)) = OBJECT_TO_SUBJECT.iter().find(|(o, _)| *o == w) {
            if i > 0 {
                push(start, end, subject.to_string(), Confusion::Pronoun);
            }
        }
        let after_modal = previous.is_some_and(|p| MODALS.contains(&p) || p == "to");
        if after_modal && m.is_verb_lemma() {
            for form in [third_of(w), ing_of(w)].into_iter().flatten() {
                push(start, end, form, Confusion::VerbForm);
            }
            continue;
        }
        if BE.contains(&w) || FINITE.contains(&w) {
            continue;
        }
        if m.is_verb_past_form() || m.is_verb_third_person_singular_present_form() {
            if let Some(lemma) = lemma_of(w) {
                let kind = if m.is_verb_past_form() {
                    Confusion::PastTense
                } else {
                    Confusion::Agreement
                };
                push(start, end, like_case(&text[start..end], &lemma), kind);
            }
        }
        if m.is_plural_noun() && !m.is_singular_noun() {
            if let Some(one) = singular_of(w).filter(|s| s != w) {
                push(
                    start,
                    end,
                    like_case(&text[start..end], &one),
                    Confusion::NounNumber,
                );
            }
        }
    }
    out
}
