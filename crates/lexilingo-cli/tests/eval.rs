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
