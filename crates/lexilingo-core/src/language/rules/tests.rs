//! Tests of the rule-based checker.

use super::*;

#[test]
fn no_to_becomes_not_to_only_before_a_verb() {
    assert_eq!(correct("I decided no to go."), "I decided not to go.");
    assert_eq!(
        correct("He asked me no to smoke."),
        "He asked me not to smoke."
    );
    for right in [
        "Who can say no to a business that can make your life safer?",
        "Just say no to drugs.",
        "We voted no to the plan.",
        "There is no to-do list.",
    ] {
        assert_eq!(correct(right), right);
    }
}

#[test]
fn a_misspelt_word_is_respelt_not_split_in_two() {
    assert_eq!(correct("I usally go home."), "I usually go home.");
    assert_eq!(correct("They bilive it."), "They believe it.");
    assert_eq!(correct("I prefere tea."), "I prefer tea.");
    // A curated boundary fix wins over the spelling checker's "allot".
    assert_eq!(correct("I ate alot."), "I ate a lot.");
    // A split into everyday words wins over a respelling.
    assert_eq!(correct("I work allday."), "I work all day.");
    // A close respelling to a listed word beats a split into everyday words; a split
    // beats a respelling to a word learners are not taught ("donut").
    assert_eq!(
        correct("You can be successfull and everone knows it."),
        "You can be successful and everyone knows it."
    );
    assert_eq!(correct("They donot know."), "They do not know.");
    let choices = check("They donot know.").choices();
    assert!(
        choices
            .iter()
            .any(|(_, o)| o.len() >= 2 && o[0] == "do not"),
        "{choices:?}"
    );
    // Equally close respellings all reach the sentence's choice, however many tie:
    // "thez" is "the", "them", "then" or "they" (a GUG sentence meant "they").
    let choices = check("Even if thez are cheap, we walk.").choices();
    assert!(
        choices
            .iter()
            .any(|(_, o)| o.iter().any(|w| w == "they") && o.iter().any(|w| w == "the")),
        "{choices:?}"
    );
    // A split with no competing spelling suggestion stays.
    assert_eq!(
        correct("A vacuumcleaner is useful."),
        "A vacuum cleaner is useful."
    );
    let shown: Vec<_> = hints("I usally go home.")
        .into_iter()
        .filter_map(|h| h.replacement)
        .collect();
    assert_eq!(shown, ["usually"], "one hint, not two rival ones");
}

#[test]
fn real_words_harper_does_not_know_are_left_alone() {
    for sentence in [
        "The per capita income rose.",
        "Distilling water takes time.",
        "The development of biomechanics has made this possible.",
        "The population explosion is catalysing the consumption of energy.",
        "Many companies develop an eco-car.",
    ] {
        assert_eq!(correct(sentence), sentence);
    }
    // A rare listed word a doubled letter away from an everyday one is still a mistake.
    assert_eq!(correct("Keep your ballance."), "Keep your balance.");
}

#[test]
fn an_optional_comma_is_a_hint_not_a_correction() {
    let sentence = "Therefore people should travel more.";
    assert_eq!(correct(sentence), sentence);
    let hint = hints(sentence)
        .into_iter()
        .find(|h| h.original == "Therefore")
        .expect("the comma is still suggested");
    assert!(hint.optional);
    assert!(
        hint.explanation_vi.contains("không sai"),
        "{}",
        hint.explanation_vi
    );
    assert!(!hints("She don't like apples.")[0].optional);
    assert_eq!(
        correct("However there are other ways."),
        "However, there are other ways."
    );
}

#[test]
fn a_far_fetched_respelling_is_offered_not_applied() {
    let sentence = "Forexample, my cousin is twelve.";
    assert_eq!(correct(sentence), sentence);
    assert!(hints(sentence)
        .iter()
        .any(|h| h.original == "Forexample" && h.optional));
}

#[test]
fn the_respelling_is_the_everyday_word_a_learner_meant() {
    assert_eq!(
        correct("You are going to succed."),
        "You are going to succeed."
    );
    assert_eq!(
        correct("We grow cherrrys and apples."),
        "We grow cherries and apples."
    );
    assert_eq!(
        correct("I know it becous I read it."),
        "I know it because I read it."
    );
    // A misspelt "than", not the name Thad.
    let fixed = correct("I prefer ideas more thad facts.");
    assert!(!fixed.contains("Thad"), "{fixed}");
}

#[test]
fn names_inside_a_sentence_are_not_respelt() {
    assert_eq!(
        correct("He was a professor at the University of Chittagong."),
        "He was a professor at the University of Chittagong."
    );
    // A lower-case misspelling in the same sentence is still fixed.
    assert_eq!(
        correct("He was a profesor at the University of Chittagong."),
        "He was a professor at the University of Chittagong."
    );
}

#[test]
fn fixes_an_article_and_leaves_a_correct_sentence_alone() {
    assert_eq!(correct("This is an test."), "This is a test.");
    assert_eq!(correct("She likes apples."), "She likes apples.");
    assert!(hints("She likes apples.").is_empty());
}

#[test]
fn hints_carry_byte_offsets_and_a_vietnamese_explanation() {
    let text = "Tôi nói: this is an test.";
    let hints = hints(text);
    let hint = hints
        .iter()
        .find(|h| h.original == "an")
        .expect("the article is marked");
    assert_eq!(&text[hint.start..hint.end], "an");
    assert_eq!(hint.replacement.as_deref(), Some("a"));
    assert_eq!(hint.error_type, ErrorType::Article);
    assert!(
        hint.explanation_vi.contains("em"),
        "{}",
        hint.explanation_vi
    );
}

#[test]
fn british_and_american_spellings_are_both_correct() {
    assert!(dialect_variants("colours", "colors"));
    assert!(dialect_variants("recognised", "recognized"));
    assert!(dialect_variants("specialisations", "specializations"));
    assert!(dialect_variants("centre", "center"));
    assert!(dialect_variants("travelled", "traveled"));
    assert!(!dialect_variants("helpfull", "helpful"));
    assert!(!dialect_variants("recieved", "received"));
    assert_eq!(
        correct("The colours of their behaviour were recognised."),
        "The colours of their behaviour were recognised."
    );
}

#[test]
fn a_misspelt_word_is_a_spelling_hint() {
    let hints = hints("I recieved your letter yesterday.");
    assert!(
        hints
            .iter()
            .any(|h| h.error_type == ErrorType::Spelling && h.original == "recieved"),
        "{hints:?}"
    );
}
