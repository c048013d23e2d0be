//! Tests of the correction task's pure parts.

use super::choose::*;
use super::*;
use crate::ErrorType;

#[test]
fn a_correct_sentence_gets_zero_edits() {
    let r = build("She likes apples.", "She likes apples.");
    assert!(r.edits.is_empty());
    assert_eq!(r.corrected, "She likes apples.");
}

#[test]
fn edits_are_typed_and_point_into_the_original() {
    let r = build("She don't like apples.", "She doesn't like apples.");
    assert_eq!(r.edits.len(), 1);
    let e = &r.edits[0];
    assert_eq!(&r.original[e.start..e.end], "don't");
    assert_eq!(e.error_type, ErrorType::SubjectVerbAgreement);
}

#[test]
fn a_rewrite_is_discarded_not_shown_as_a_correction() {
    let r = build(
        "I goes to school every day.",
        "What a lovely morning it is today!",
    );
    assert!(r.edits.is_empty());
    assert_eq!(r.corrected, r.original);
    assert!(r.rejected_rewrite.is_some());
}

fn candidates(rules: &str, model: &str, logprobs: [f64; 4]) -> Candidates {
    Candidates {
        original: "This is an test.".into(),
        rules: rules.into(),
        model: model.into(),
        model_and_rules: model.into(),
        rejected_rewrite: None,
        logprobs,
        edit_gains: Vec::new(),
    }
}

#[test]
fn the_veto_undoes_only_the_edits_the_model_does_not_support() {
    // Two rule edits: "go" → "goes" (a real fix) and "an" → "the" (not supported).
    let mut c = Candidates {
        original: "He go to an school every day.".into(),
        rules: "He goes to the school every day.".into(),
        model: "He go to an school every day.".into(),
        model_and_rules: "He goes to the school every day.".into(),
        rejected_rewrite: None,
        logprobs: [-30.0, -25.0, -30.0, -25.0],
        edit_gains: vec![6.0, 0.5],
    };
    let veto = EditVeto {
        rules: 2.0,
        model: 2.0,
        no_model_drops: true,
        model_word_choice: 2.0,
    };
    let r = with_veto(&c, veto);
    assert_eq!(r.corrected, "He goes to an school every day.");
    assert_eq!(r.edits.len(), 1);
    assert_eq!(r.edits[0].replacement, "goes");
    let all = "He goes to the school every day.";
    assert_eq!(with_veto(&c, EditVeto::NONE).corrected, all);
    // Without gains (a remote backend) nothing is vetoed.
    c.edit_gains.clear();
    assert_eq!(with_veto(&c, veto).corrected, all);
}

#[test]
fn a_misspelt_word_keeps_the_rules_respelling_unless_the_model_respells_it_too() {
    // The model put ", but" where the learner wrote "becous": no respelling of it, and its
    // gain (a real word against a misspelling) says nothing. The rules' "because" stands.
    let mut c = Candidates {
        original: "I stayed home becous it rained.".into(),
        rules: "I stayed home because it rained.".into(),
        model: "I stayed home , but it rained.".into(),
        model_and_rules: "I stayed home , but it rained.".into(),
        rejected_rewrite: None,
        logprobs: [-40.0, -30.0, -20.0, -20.0],
        edit_gains: vec![12.0],
    };
    let r = with_veto(&c, EditVeto::PRODUCTION);
    assert_eq!(r.corrected, "I stayed home because it rained.");
    assert_eq!(r.edits[0].error_type, ErrorType::Spelling);
    // Without gains too.
    c.edit_gains.clear();
    assert_eq!(
        with_veto(&c, EditVeto::PRODUCTION).corrected,
        "I stayed home because it rained."
    );
    // A respelling of its own (three edits away, not among the spell checker's) stays.
    let c = Candidates {
        original: "It is a good buissnes.".into(),
        rules: "It is a good busses.".into(),
        model: "It is a good business.".into(),
        model_and_rules: "It is a good business.".into(),
        rejected_rewrite: None,
        logprobs: [-40.0, -30.0, -20.0, -20.0],
        edit_gains: vec![12.0],
    };
    assert_eq!(
        with_veto(&c, EditVeto::PRODUCTION).corrected,
        "It is a good business."
    );
}

#[test]
fn a_moved_word_is_kept_or_undone_as_one() {
    let original = "Gas will even become more expensive.";
    let moved = "Gas will become even more expensive.";
    let n = build(original, moved).edits.len();
    assert_eq!(n, 2, "a move is an insertion and a deletion");
    let c = Candidates {
        original: original.into(),
        rules: original.into(),
        model: moved.into(),
        model_and_rules: moved.into(),
        rejected_rewrite: None,
        logprobs: [-30.0, -30.0, -20.0, -20.0],
        // The insertion is supported, the deletion is not: neither may stand alone.
        edit_gains: vec![4.7, -0.8],
    };
    let r = with_veto(&c, EditVeto::PRODUCTION);
    assert_eq!(r.corrected, original, "{r:?}");
}

#[test]
fn the_models_edits_may_not_drop_the_learners_words() {
    let original = "I think that in fact it is really better to travel with a guide.";
    let shorter = "I think it is better to travel with a guide.";
    let n = build(original, shorter).edits.len();
    assert!(n > 0);
    let c = Candidates {
        original: original.into(),
        rules: original.into(),
        model: shorter.into(),
        model_and_rules: shorter.into(),
        rejected_rewrite: None,
        logprobs: [-40.0, -40.0, -20.0, -20.0],
        edit_gains: vec![19.5; n],
    };
    assert_eq!(with_veto(&c, EditVeto::NONE).corrected, shorter);
    assert_eq!(with_veto(&c, EditVeto::PRODUCTION).corrected, original);
    let join = Edit {
        start: 0,
        end: 8,
        original: "with out".into(),
        replacement: "without".into(),
        error_type: error_types::ErrorType::Spelling,
        sure: true,
    };
    assert!(!drops_words(&join));
}

#[test]
fn the_model_replaces_the_rules_only_when_clearly_more_likely() {
    let c = candidates(
        "This is a test.",
        "This is a small test.",
        [-30.0, -20.0, -19.0, -19.0],
    );
    assert_eq!(c.choose(2.0).1, CorrectionSource::Rules);
    let c = candidates(
        "This is a test.",
        "This is a small test.",
        [-30.0, -20.0, -15.0, -15.0],
    );
    assert_eq!(c.choose(2.0).1, CorrectionSource::ModelAndRules);
    assert_eq!(c.choose(2.0).0, "This is a small test.");
}

#[test]
fn without_scores_the_rules_win_where_the_model_disagrees() {
    let c = candidates("This is a test.", "This is an error.", [f64::NAN; 4]);
    assert_eq!(c.choose(2.0).0, "This is a test.");
    let c = candidates("This is a test.", "This is a good test.", [f64::NAN; 4]);
    assert_eq!(
        c.choose(2.0).0,
        "This is a test.",
        "the rule fix is missing"
    );
    let mut c = candidates("This is an test.", "This is an tests.", [f64::NAN; 4]);
    c.rules = c.original.clone();
    assert_eq!(c.choose(2.0).0, "This is an tests.", "rules found nothing");
}

#[test]
fn a_dropped_full_stop_is_put_back() {
    assert_eq!(keep_final_punctuation("She runs.", "She runs"), "She runs.");
    assert_eq!(
        keep_final_punctuation("She runs?", "Does she run?"),
        "Does she run?"
    );
    assert_eq!(keep_final_punctuation("she runs", "She runs."), "She runs.");
}

#[test]
fn parse_strips_wrapping_quotes_and_refuses_empty_answers() {
    assert_eq!(
        parse(&json!({"corrected": "\"She runs.\""})),
        Ok("She runs.".into())
    );
    assert!(parse(&json!({"corrected": "  "})).is_err());
    assert!(parse(&json!({"fixed": "x"})).is_err());
}

#[test]
fn an_unusable_model_answer_is_no_change_not_an_error_but_a_cancel_stays_one() {
    use crate::engine::StopReason;
    let answer = |text: &str, stop: StopReason| Generation {
        text: text.into(),
        stop,
        prompt_tokens: 10,
        cached_tokens: 0,
        generated_tokens: 5,
        prompt_ms: 1,
        generation_ms: 1,
    };
    let s = "She don't like apples.";
    for bad in [
        answer(r#"{"corrected": ""}"#, StopReason::EndOfText),
        answer(r#"{"corrected": "She"#, StopReason::Length),
        answer("not json", StopReason::EndOfText),
    ] {
        assert!(model_result(s, &bad).is_err());
        let r = model_result_or_unchanged(s, &bad).expect("no change, not an error");
        assert_eq!(r.corrected, s);
        assert!(r.edits.is_empty());
    }
    let good = answer(
        r#"{"corrected": "She doesn't like apples."}"#,
        StopReason::EndOfText,
    );
    assert_eq!(
        model_result_or_unchanged(s, &good).expect("used").corrected,
        "She doesn't like apples."
    );
    let cancelled = answer("", StopReason::Cancelled);
    assert!(model_result_or_unchanged(s, &cancelled).is_err());
}
