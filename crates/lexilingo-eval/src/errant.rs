//! ERRANT (span-based precision, recall and F0.5 per category) over the hypotheses, run by
//! the pinned `errant` package in the test Python environment, plus recall in the categories
//! Vietnamese learners need and whether the tutor's types agree with ERRANT's.

use std::io::Write;

use anyhow::Context;
use serde_json::json;

use crate::corrections::{CorrectionSet, Hypotheses};
use crate::CorrectionEval;

/// The scorer script, compiled in so the binary scores wherever it runs.
pub(crate) const ERRANT_SCRIPT: &str = include_str!("../../../scripts/errant-score.py");

/// ERRANT categories the tutor is asked to find (issue #16's recall targets), by ERRANT's
/// finest-tier names: a category counts when its kind (after the operation) is listed, or
/// when the whole name is.
pub(crate) const FOCUS: [(&str, &[&str]); 6] = [
    ("articles", &["DET"]),
    ("noun number", &["NOUN:NUM"]),
    ("agreement", &["VERB:SVA"]),
    ("tense", &["VERB:TENSE"]),
    ("prepositions", &["PREP"]),
    ("missing verb", &["M:VERB"]),
];

/// Runs scripts/errant-score.py on the hypotheses and adds recall per focus category and the
/// type-agreement check. ERRANT's absence is reported, not fatal: GLEU still prints.
pub(crate) fn errant_report(
    set: &CorrectionSet,
    opts: &CorrectionEval,
    hyps: &[Hypotheses],
) -> anyhow::Result<serde_json::Value> {
    if opts.no_errant {
        return Ok(json!("skipped (--no-errant)"));
    }
    let python = opts
        .python
        .clone()
        .or_else(|| std::env::var_os("LEXILINGO_TEST_PYTHON").map(Into::into))
        .unwrap_or_else(|| "python3".into());
    let mut job = json!({ "orig": set.sources, "hyps": {}, "tutor": {} });
    match &set.m2 {
        Some(m2) => job["ref_m2"] = json!(m2),
        None => {
            let most = set.references.iter().map(Vec::len).max().unwrap_or(0);
            let per_annotator: Vec<Vec<String>> = (0..most)
                .map(|a| {
                    set.references
                        .iter()
                        .zip(&set.sources)
                        .map(|(rs, s)| rs.get(a).unwrap_or(s).clone())
                        .collect()
                })
                .collect();
            job["refs"] = json!(per_annotator);
        }
    }
    for h in hyps {
        job["hyps"][h.name] = json!(h.texts);
        if let Some(edits) = &h.edits {
            let typed: Vec<Vec<serde_json::Value>> = edits
                .iter()
                .map(|es| {
                    es.iter()
                        .map(|e| json!({ "o": e.original, "c": e.replacement, "t": e.error_type.as_str() }))
                        .collect()
                })
                .collect();
            job["tutor"][h.name] = json!(typed);
        }
    }
    let script = std::env::temp_dir().join(format!("lexilingo-errant-{}.py", std::process::id()));
    std::fs::write(&script, ERRANT_SCRIPT)
        .with_context(|| format!("cannot write {}", script.display()))?;
    eprintln!("\nscoring with ERRANT ({})", python.display());
    let run = std::process::Command::new(&python)
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .and_then(|mut child| {
            let stdin = child.stdin.take();
            if let Some(mut stdin) = stdin {
                stdin.write_all(job.to_string().as_bytes())?;
            }
            child.wait_with_output()
        });
    let _ = std::fs::remove_file(&script);
    let output = match run {
        Ok(o) if o.status.success() => o.stdout,
        Ok(o) => {
            eprintln!(
                "ERRANT failed ({}); is scripts/setup-python's venv given with --python?",
                o.status
            );
            return Ok(json!(format!("failed: {}", o.status)));
        }
        Err(e) => {
            eprintln!("cannot run {}: {e}", python.display());
            return Ok(json!(format!("not run: {e}")));
        }
    };
    let mut scores: serde_json::Value =
        serde_json::from_slice(&output).context("ERRANT's answer is not JSON")?;
    for h in hyps {
        let Some(entry) = scores.get_mut(h.name) else {
            continue;
        };
        let mut focus = serde_json::Map::new();
        if let Some(cats) = entry["categories"].as_object() {
            for (label, kinds) in FOCUS {
                let (mut tp, mut fn_) = (0u64, 0u64);
                for (cat, counts) in cats {
                    let kind = cat.split_once(':').map_or(cat.as_str(), |(_, k)| k);
                    if kinds.contains(&kind) || kinds.contains(&cat.as_str()) {
                        tp += counts[0].as_u64().unwrap_or(0);
                        fn_ += counts[2].as_u64().unwrap_or(0);
                    }
                }
                let recall = if tp + fn_ == 0 {
                    1.0
                } else {
                    tp as f64 / (tp + fn_) as f64
                };
                focus.insert(
                    label.into(),
                    json!({ "tp": tp, "of": tp + fn_, "recall": recall }),
                );
            }
        }
        entry["recall_by_focus"] = json!(focus);
        if let Some(pairs) = entry["true_positive_types"].as_array() {
            let agree = pairs
                .iter()
                .filter(|p| {
                    let cat = p[0].as_str().unwrap_or("");
                    p[1].as_str()
                        .and_then(|t| t.parse::<lexilingo_core::ErrorType>().ok())
                        .is_some_and(|t| crate::tokens::errant_agrees(t, cat))
                })
                .count();
            entry["type_agreement"] = json!({
                "matched_true_positives": pairs.len(),
                "agreeing": agree,
                "share": if pairs.is_empty() { 1.0 } else { agree as f64 / pairs.len() as f64 },
            });
        }
    }
    Ok(scores)
}
