//! Word forms from Harper's curated dictionary and its irregular tables: a form is proposed
//! only when the dictionary has it in that role.

use harper_core::spell::{Dictionary, FstDictionary};
use harper_core::{DictWordMetadata, IrregularNouns, IrregularVerbs};

pub(super) fn md(word: &str) -> Option<DictWordMetadata> {
    FstDictionary::curated()
        .get_word_metadata_str(word)
        .map(|m| m.into_owned())
}

pub(super) fn is_noun(w: &str) -> bool {
    md(w).is_some_and(|m| m.is_noun() && !m.is_pronoun() && !m.is_determiner())
}

/// A singular countable noun, also one that is a verb too ("doctor", "phone"): where the word
/// before is a form of *be* or *have* it is read as the noun. Not an adjective, an adverb or
/// an *-ing* form ("dominant", "fast", "building": too many readings).
pub(super) fn noun_after_be(w: &str) -> bool {
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
pub(super) fn singular_countable(w: &str) -> bool {
    noun_after_be(w) && !md(w).is_some_and(|m| m.is_verb())
}

pub(super) fn capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

pub(super) fn verb_lemma(w: &str) -> bool {
    md(w).is_some_and(|m| m.is_verb_lemma())
}

pub(super) fn past_of(lemma: &str) -> Option<String> {
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
pub(super) fn first_known(
    options: Vec<String>,
    role: fn(&DictWordMetadata) -> bool,
) -> Option<String> {
    options
        .into_iter()
        .find(|f| md(f).is_some_and(|m| role(&m)))
}

/// The *-ing* form of a verb lemma, when the dictionary has it.
pub(super) fn ing_of(lemma: &str) -> Option<String> {
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
pub(super) fn third_of(lemma: &str) -> Option<String> {
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
pub(super) fn lemma_of(form: &str) -> Option<String> {
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

pub(super) fn plural_of(noun: &str) -> Option<String> {
    if let Some(p) = IrregularNouns::curated().get_plural_for_singular(noun) {
        return Some(p.to_string());
    }
    let chars: Vec<char> = noun.chars().collect();
    harper_core::get_plurals(&*FstDictionary::curated(), &chars)
        .into_iter()
        .next()
        .map(|p| p.into_iter().collect())
}

pub(super) fn singular_of(noun: &str) -> Option<String> {
    if let Some(s) = IrregularNouns::curated().get_singular_for_plural(noun) {
        return Some(s.to_string());
    }
    let chars: Vec<char> = noun.chars().collect();
    harper_core::get_singulars(&*FstDictionary::curated(), &chars)
        .into_iter()
        .next()
        .map(|p| p.into_iter().collect())
}

pub(super) fn article_for(word: &str) -> &'static str {
    let chars: Vec<char> = word.chars().collect();
    match harper_core::starts_with_vowel(&chars, harper_core::Dialect::American) {
        Some(harper_core::InitialSound::Vowel) => "an",
        _ => "a",
    }
}

/// Keeps the capital of a sentence's first word when it is replaced.
pub(super) fn like_case(original: &str, replacement: &str) -> String {
    if original.chars().next().is_some_and(char::is_uppercase) {
        let mut c = replacement.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    } else {
        replacement.to_string()
    }
}
