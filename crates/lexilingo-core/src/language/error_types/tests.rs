//! Tests of the error-type classifier.

use super::*;
use crate::language::tokens::diff;

fn types(original: &str, corrected: &str) -> Vec<ErrorType> {
    diff(original, corrected)
        .iter()
        .map(|e| classify(original, e))
        .collect()
}

#[test]
fn classifies_the_errors_vietnamese_learners_make_most() {
    let cases = [
        (
            "She don't like apples.",
            "She doesn't like apples.",
            ErrorType::SubjectVerbAgreement,
        ),
        (
            "He go to school.",
            "He goes to school.",
            ErrorType::SubjectVerbAgreement,
        ),
        (
            "Yesterday I go to school.",
            "Yesterday I went to school.",
            ErrorType::VerbTense,
        ),
        ("She happy.", "She is happy.", ErrorType::MissingBe),
        (
            "I have two apple.",
            "I have two apples.",
            ErrorType::NounNumber,
        ),
        ("I eat a apple.", "I eat an apple.", ErrorType::Article),
        ("I am student.", "I am a student.", ErrorType::Article),
        (
            "I live at Hanoi.",
            "I live in Hanoi.",
            ErrorType::Preposition,
        ),
        ("i like tea.", "I like tea.", ErrorType::Capitalization),
        ("I like tea", "I like tea.", ErrorType::Punctuation),
        (
            "I like beautifull flowers.",
            "I like beautiful flowers.",
            ErrorType::Spelling,
        ),
        (
            "I have seen him yesterday.",
            "I saw him yesterday.",
            ErrorType::VerbTense,
        ),
        (
            "He is more tall than me.",
            "He is taller than me.",
            ErrorType::Comparison,
        ),
        (
            "I enjoy to swim.",
            "I enjoy swimming.",
            ErrorType::GerundInfinitive,
        ),
        ("Me like it.", "I like it.", ErrorType::Pronoun),
        ("I can swims.", "I can swim.", ErrorType::VerbForm),
        // Misspellings, found by the dictionary rather than by distance alone.
        ("A good buissnes.", "A good business.", ErrorType::Spelling),
        ("I succeedded.", "I succeeded.", ErrorType::Spelling),
        ("They dont know.", "They don't know.", ErrorType::Spelling),
        (
            "I went by my self.",
            "I went by myself.",
            ErrorType::Spelling,
        ),
        ("I can not go.", "I cannot go.", ErrorType::Spelling),
        ("I doesnot know.", "I does not know.", ErrorType::Spelling),
        (
            "It is well being.",
            "It is well-being.",
            ErrorType::Spelling,
        ),
        // "deter" ends in -er, but this is no comparative.
        (
            "It will deteir them.",
            "It will deter them.",
            ErrorType::Spelling,
        ),
        // Two real words confused: word choice, whatever their distance.
        (
            "It will effect us.",
            "It will affect us.",
            ErrorType::WordChoice,
        ),
        (
            "This rebuffs the claim.",
            "This rebuts the claim.",
            ErrorType::WordChoice,
        ),
        ("He is more happy.", "He is happier.", ErrorType::Comparison),
        (
            "It is the big one.",
            "It is the biggest one.",
            ErrorType::Comparison,
        ),
        ("This is gooder.", "This is better.", ErrorType::Comparison),
        (
            "Growth is catalysing the demand.",
            "Growth is that is causing the demand.",
            ErrorType::WordChoice,
        ),
        ("He going home.", "He is going home.", ErrorType::MissingBe),
        ("He runs quick.", "He runs quickly.", ErrorType::WordForm),
        ("I want happy.", "I want happiness.", ErrorType::WordForm),
        (
            "It is a good decide.",
            "It is a good decision.",
            ErrorType::WordForm,
        ),
    ];
    for (original, corrected, expected) in cases {
        let got = types(original, corrected);
        assert!(
            got.contains(&expected),
            "{original} → {corrected}: got {got:?}, expected {expected:?}"
        );
    }
}

#[test]
fn names_round_trip() {
    for t in ErrorType::ALL {
        assert_eq!(t.as_str().parse::<ErrorType>(), Ok(t));
        assert_eq!(
            serde_json::to_value(t).ok(),
            Some(serde_json::Value::String(t.as_str().into()))
        );
    }
}
