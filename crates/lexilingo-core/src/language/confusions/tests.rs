//! Tests of the confusion sets.
use super::broad::*;
use super::closed::*;
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
fn the_article_of_a_vietnamese_word_is_left_as_typed() {
    let all = broad("She wore an ao dai to the wedding.");
    assert!(all.iter().all(|p| p.contains("an ao dai")), "{all:?}");
    // An English noun in the same sentence still gets its article candidates.
    assert!(
        all.iter().any(|p| p == "She wore an ao dai to a wedding."),
        "{all:?}"
    );
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
    let protected = crate::language::vietnamese::protected_spans(text);
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
    let protected = crate::language::vietnamese::protected_spans(text);
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
