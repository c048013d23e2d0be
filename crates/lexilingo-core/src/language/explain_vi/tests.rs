//! Tests of the Vietnamese explanations: each names the words of this sentence and cites
//! only the rule that was broken.

use super::*;

#[test]
fn every_type_has_a_vietnamese_explanation_with_the_words_filled_in() {
    for kind in ErrorType::ALL {
        let text = explain(kind, "don't", "doesn't");
        assert!(!text.contains("{o}"), "{kind:?}: {text}");
        assert!(
            text.contains("“doesn't”"),
            "{kind:?} must give the correct form"
        );
        let addresses_em = text
            .split(|c: char| !c.is_alphabetic())
            .any(|w| w.eq_ignore_ascii_case("em"));
        assert!(addresses_em, "{kind:?} must address the learner as em");
        for other in ["bạn", "con", "cậu"] {
            assert!(
                !text.split_whitespace().any(|w| w == other),
                "{kind:?} mixes pronouns: {other}"
            );
        }
        assert!(
            text.chars()
                .any(|c| "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ".contains(c)),
            "{kind:?} must be Vietnamese"
        );
    }
}

#[test]
fn joined_split_and_apostrophe_spellings_get_their_own_lesson() {
    let joined = explain(ErrorType::Spelling, "my self", "myself");
    assert!(joined.contains("viết liền hay viết tách"), "{joined}");
    assert!(joined.contains("Cách viết đúng là “myself”."), "{joined}");
    let hyphen = explain(ErrorType::Spelling, "well being", "well-being");
    assert!(hyphen.contains("gạch ngang"), "{hyphen}");
    let apostrophe = explain(ErrorType::Spelling, "dont", "don't");
    assert!(apostrophe.contains("dấu nháy đơn"), "{apostrophe}");
    let letters = explain(ErrorType::Spelling, "beautifull", "beautiful");
    assert!(letters.contains("sai chính tả"), "{letters}");
}

fn in_sentence(kind: ErrorType, sentence: &str, original: &str, replacement: &str) -> String {
    let start = sentence.find(original).expect("original in sentence");
    explain_in(
        kind,
        sentence,
        start,
        start + original.len(),
        original,
        replacement,
    )
}

#[test]
fn explanations_name_the_words_of_the_sentence() {
    let sva = in_sentence(
        ErrorType::SubjectVerbAgreement,
        "My sister don't like tea.",
        "don't",
        "doesn't",
    );
    assert!(sva.contains("Chủ ngữ “sister”"), "{sva}");
    assert!(sva.contains("Dạng đúng là “doesn't”"), "{sva}");
    let she = in_sentence(
        ErrorType::SubjectVerbAgreement,
        "She often go to school.",
        "go",
        "goes",
    );
    assert!(she.contains("“She”"), "the subject, past the adverb: {she}");
    let tense = in_sentence(
        ErrorType::VerbTense,
        "Yesterday I buy a book.",
        "buy",
        "bought",
    );
    assert!(
        tense.contains("“Yesterday”") || tense.contains("“yesterday”"),
        "{tense}"
    );
    assert!(
        tense.contains("bất quy tắc") && tense.contains("“bought”"),
        "{tense}"
    );
    assert!(
        !tense.contains("Cách viết"),
        "grammar is not spelling: {tense}"
    );
    let number = in_sentence(ErrorType::NounNumber, "I have two cat.", "cat", "cats");
    assert!(number.contains("Sau “two”"), "{number}");
    let an = explain_in(ErrorType::Article, "I ate a apple.", 6, 7, "a", "an");
    assert!(
        an.contains("“apple”") && an.contains("âm nguyên âm"),
        "{an}"
    );
}

#[test]
fn prepositions_cite_only_the_rule_broken() {
    let colloc = in_sentence(
        ErrorType::Preposition,
        "I am interested on music.",
        "on",
        "in",
    );
    assert!(
        colloc.contains("“interested” đi với giới từ “in”"),
        "{colloc}"
    );
    assert!(
        !colloc.contains("thứ, ngày"),
        "a collocation is not a time rule: {colloc}"
    );
    let time = in_sentence(ErrorType::Preposition, "I was born at May.", "at", "in");
    assert!(
        time.contains("thời gian") && time.contains("in May"),
        "{time}"
    );
    let discuss = in_sentence(
        ErrorType::Preposition,
        "We discussed about the plan.",
        "about",
        "",
    );
    assert!(
        discuss.contains("“discussed”") && discuss.contains("Em bỏ “about”"),
        "{discuss}"
    );
}

#[test]
fn insertions_and_deletions_read_naturally() {
    let add = explain(ErrorType::MissingBe, "", "is");
    assert!(add.contains("Em thêm “is” vào nhé."), "{add}");
    let drop = explain(ErrorType::ExtraWord, "the", "");
    assert!(drop.contains("Em bỏ “the” đi nhé."), "{drop}");
}
