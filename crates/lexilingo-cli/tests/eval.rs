//! `lexilingo eval` end to end on small files written here (the public dev sets are for
//! measuring, see docs/QUALITY.md, not for the test suite).

use std::process::Command;

use crate::common::{lexilingo_bin, test_model};

fn eval(args: &[&str], dir: &std::path::Path) -> serde_json::Value {
    let out = Command::new(lexilingo_bin())
        .args(["eval", "--json", "--threads", "2", "--model"])
        .arg(test_model())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run eval");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json report")
}

#[test]
fn jfleg_writes_tokenised_hypotheses_and_scores_them() {
    let dir = tempfile::tempdir().expect("temp");
    let w = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
    w(
        "src",
        "She do n't like apples .\nI have two apple .\nThe weather is nice today .\n",
    );
    w(
        "ref0",
        "She does n't like apples .\nI have two apples .\nThe weather is nice today .\n",
    );
    w(
        "ref1",
        "She does not like apples .\nI have two apples .\nThe weather is nice today .\n",
    );
    let copy = eval(
        &["jfleg", "--copy", "--src", "src", "--refs", "ref0", "ref1"],
        dir.path(),
    );
    let model = eval(
        &[
            "jfleg", "--src", "src", "--refs", "ref0", "ref1", "--out", "hyp",
        ],
        dir.path(),
    );
    assert_eq!(model["sentences"], 3);
    let hyp = std::fs::read_to_string(dir.path().join("hyp")).expect("hyp written");
    assert_eq!(hyp.lines().count(), 3);
    assert!(
        hyp.lines().all(|l| l.ends_with(" .")),
        "tokenised like the input (punctuation apart): {hyp}"
    );
    let (c, m) = (
        copy["gleu"].as_f64().expect("gleu"),
        model["gleu"].as_f64().expect("gleu"),
    );
    assert!((0.0..=100.0).contains(&c) && (0.0..=100.0).contains(&m));
    assert!(
        m >= c,
        "fixing 'do n't' and 'apple' beats copying: model {m}, copy {c}"
    );
}

/// The venv of scripts/setup-python, which holds ERRANT and spaCy's English model.
fn python() -> std::path::PathBuf {
    let p = std::env::var_os("LEXILINGO_TEST_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("HOME");
            std::path::PathBuf::from(home).join(".cache/lexilingo/venv/bin/python")
        });
    assert!(
        p.is_file(),
        "the test venv is missing: run scripts/setup-python"
    );
    p
}

#[test]
fn bea_scores_corrections_with_errant_per_category() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(
        dir.path().join("ref.m2"),
        "S I like appels very much .\n\
         A 2 3|||R:SPELL|||apples|||REQUIRED|||-NONE-|||0\n\
         \n\
         S She do n't like apples .\n\
         A 1 2|||R:VERB:SVA|||does|||REQUIRED|||-NONE-|||0\n\
         \n\
         S The weather is nice today .\n\
         A -1 -1|||noop|||-NONE-|||REQUIRED|||-NONE-|||0\n",
    )
    .expect("write");
    let py = python();
    let py = py.to_str().expect("utf-8 path");
    let copy = eval(
        &["bea", "--m2", "ref.m2", "--copy", "--python", py],
        dir.path(),
    );
    let e = &copy["errant"]["copy"];
    assert_eq!(
        (e["tp"].as_u64(), e["fp"].as_u64(), e["fn"].as_u64()),
        (Some(0), Some(0), Some(2)),
        "{copy}"
    );
    assert_eq!(
        e["categories"]["R:SPELL"],
        serde_json::json!([0, 0, 1]),
        "{copy}"
    );
    let rules = eval(
        &["bea", "--m2", "ref.m2", "--rules-only", "--python", py],
        dir.path(),
    );
    let e = &rules["errant"]["rules only"];
    assert_eq!(
        e["categories"]["R:SPELL"][0], 1,
        "Harper fixes appels: {rules}"
    );
    assert!(rules["gleu"].as_f64().expect("gleu") > copy["gleu"].as_f64().expect("gleu"));
    let full = eval(&["bea", "--m2", "ref.m2", "--python", py], dir.path());
    assert_eq!(full["failures"], 0, "{full}");
    for pipeline in ["rules only", "model only", "combined"] {
        let e = &full["errant"][pipeline];
        let count = |k: &str| {
            e[k].as_u64()
                .unwrap_or_else(|| panic!("{pipeline} {k}: {full}"))
        };
        assert!(count("fp") < 100);
        assert_eq!(
            count("tp") + count("fn"),
            2,
            "every reference edit is found or missed"
        );
        assert!(e["recall_by_focus"]["agreement"]["of"] == 1, "{full}");
    }
    let agreement = &full["errant"]["combined"]["type_agreement"];
    let matched = agreement["matched_true_positives"]
        .as_u64()
        .expect("matched");
    assert!(matched >= 1, "the spelling fix matches: {full}");
    assert_eq!(
        agreement["agreeing"].as_u64(),
        Some(matched),
        "a spelling fix is typed spelling: {full}"
    );
}

#[test]
fn gug_and_cefr_sp_report_their_metrics() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(
        dir.path().join("gug.tsv"),
        "Id\tSentence\tExpert Judgement\tCrowd Flower Judgements\tAverage\tDataset\n\
         1\tShe like apple very much yesterday.\t2\t[2, 2, 1, 2, 2]\t1.8\tdev\n\
         2\tI enjoy reading books in the evening.\t4\t[4, 4, 4, 4, 4]\t4.0\tdev\n\
         3\tHim go school no.\t1\t[1, 1, 2, 1, 1]\t1.2\tdev\n\
         4\tThis is a train sentence.\t4\t[4, 4, 4, 4, 4]\t4.0\ttrain\n",
    )
    .expect("write");
    let gug = eval(&["gug", "--tsv", "gug.tsv"], dir.path());
    assert_eq!(gug["sentences"], 3, "only the dev split");
    assert_eq!(gug["perfect_sentences"], 1);
    for variant in ["model only", "rules only", "combined"] {
        assert!(
            gug["spearman"][variant]
                .as_f64()
                .is_some_and(|s| (-1.0..=1.0).contains(&s)),
            "{variant}: {gug}"
        );
    }
    assert!(
        gug["perfect_changed_share"]["combined, margin 2"].is_number(),
        "{gug}"
    );

    std::fs::write(
        dir.path().join("cefr.txt"),
        "I have a cat .\t1\t1\nThe committee postponed its decision indefinitely .\t5\t4\nShe goes to school by bus .\t1\t2\n",
    )
    .expect("write");
    let cefr = eval(&["cefr-sp", "--files", "cefr.txt"], dir.path());
    assert_eq!(cefr["sentences"], 3);
    for key in ["lenient_macro_f1", "within_one", "qwk"] {
        assert!(
            cefr["variants"]["rules only (lexicon)"][key]
                .as_f64()
                .is_some(),
            "{key} missing: {cefr}"
        );
    }
}
