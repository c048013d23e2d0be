//! `lexilingo eval jfleg | gug | cefr-sp`: the tutor measured on public learner data, in one
//! process and one model worker for the whole set.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use lexilingo_core::engine::CancellationToken;
use lexilingo_core::eval::{jfleg_tokens, metrics};
use lexilingo_core::Tutor;
use serde_json::json;

use crate::cli::EvalSet;

fn lines(path: &Path) -> anyhow::Result<Vec<String>> {
    Ok(std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .lines()
        .map(str::to_string)
        .collect())
}

fn toks(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

/// Runs one evaluation; `tutor` is `None` only for the copy baseline.
pub async fn run(set: &EvalSet, tutor: Option<Tutor>, json_out: bool) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    let report = match set {
        EvalSet::Jfleg {
            src,
            refs,
            out,
            limit,
            copy,
        } => {
            let mut sources = lines(src)?;
            sources.truncate(limit.unwrap_or(usize::MAX));
            let references: Vec<Vec<String>> = refs
                .iter()
                .map(|r| lines(r))
                .collect::<anyhow::Result<_>>()?;
            let mut hyps = Vec::with_capacity(sources.len());
            let mut failures = 0;
            for (i, s) in sources.iter().enumerate() {
                let hyp = match (&tutor, *copy) {
                    (Some(t), false) => match t.correct_grammar(s, &cancel).await {
                        Ok(c) => jfleg_tokens(&c.corrected).join(" "),
                        Err(e) => {
                            failures += 1;
                            tracing::warn!("sentence {}: {e}; keeping the source", i + 1);
                            s.trim().to_string()
                        }
                    },
                    _ => s.trim().to_string(),
                };
                hyps.push(hyp);
                progress(i + 1, sources.len());
            }
            if let Some(out) = out {
                std::fs::write(out, hyps.join("\n") + "\n")
                    .with_context(|| format!("cannot write {}", out.display()))?;
            }
            let srcs: Vec<Vec<String>> = sources.iter().map(|s| toks(s)).collect();
            let refs_per: Vec<Vec<Vec<String>>> = (0..sources.len())
                .map(|i| {
                    references
                        .iter()
                        .filter_map(|r| r.get(i))
                        .map(|r| toks(r))
                        .collect()
                })
                .collect();
            let hyp_toks: Vec<Vec<String>> = hyps.iter().map(|h| toks(h)).collect();
            let g = metrics::gleu(&srcs, &refs_per, &hyp_toks, 500);
            json!({ "set": "jfleg", "sentences": sources.len(), "gleu": g * 100.0, "failures": failures,
                    "pipeline": if *copy { "copy" } else { "model" } })
        }
        EvalSet::Gug { tsv, split, limit } => {
            let tutor = tutor.context("gug needs a model")?;
            let text = std::fs::read_to_string(tsv)
                .with_context(|| format!("cannot read {}", tsv.display()))?;
            let mut rows: Vec<(String, u8, f64)> = Vec::new();
            for line in text.lines().skip(1) {
                let f: Vec<&str> = line.split('\t').collect();
                if f.len() >= 6 && f[5].trim() == split {
                    rows.push((
                        f[1].to_string(),
                        f[2].trim().parse().unwrap_or(0),
                        f[4].trim().parse().unwrap_or(0.0),
                    ));
                }
            }
            rows.truncate(limit.unwrap_or(usize::MAX));
            let (mut ours, mut crowd) = (Vec::new(), Vec::new());
            let (mut perfect, mut perfect_changed, mut failures) = (0, 0, 0);
            for (i, (sentence, expert, average)) in rows.iter().enumerate() {
                match tutor.analyze_fluency(sentence, &cancel).await {
                    Ok(f) => {
                        ours.push(f64::from(f.score));
                        crowd.push(*average);
                    }
                    Err(_) => failures += 1,
                }
                if *expert == 4 {
                    perfect += 1;
                    if tutor
                        .correct_grammar(sentence, &cancel)
                        .await
                        .is_ok_and(|c| !c.edits.is_empty())
                    {
                        perfect_changed += 1;
                    }
                }
                progress(i + 1, rows.len());
            }
            json!({ "set": "gug", "split": split, "sentences": rows.len(), "failures": failures,
                    "spearman": metrics::spearman(&ours, &crowd),
                    "perfect_sentences": perfect,
                    "perfect_changed_share": if perfect == 0 { 0.0 } else { f64::from(perfect_changed) / f64::from(perfect) } })
        }
        EvalSet::CefrSp { files, limit } => {
            let tutor = tutor.context("cefr-sp needs a model")?;
            let mut rows: Vec<(String, u8, u8)> = Vec::new();
            for f in files {
                for line in lines(f)? {
                    let p: Vec<&str> = line.split('\t').collect();
                    if let [s, a, b] = p[..] {
                        if let (Ok(a), Ok(b)) = (a.trim().parse(), b.trim().parse()) {
                            rows.push((s.to_string(), a, b));
                        }
                    }
                }
            }
            rows.truncate(limit.unwrap_or(usize::MAX));
            let (mut pred, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
            let mut failures = 0;
            for (i, (s, x, y)) in rows.iter().enumerate() {
                match tutor.classify_vocabulary(s, &cancel).await {
                    Ok(v) => {
                        pred.push(v.level.rank());
                        a.push(*x);
                        b.push(*y);
                    }
                    Err(_) => failures += 1,
                }
                progress(i + 1, rows.len());
            }
            let s = metrics::level_scores(&pred, &a, &b);
            json!({ "set": "cefr-sp", "sentences": rows.len(), "failures": failures,
                    "lenient_macro_f1": s.lenient_macro_f1, "within_one": s.within_one, "qwk": s.qwk })
        }
    };
    eprintln!();
    let mut out = std::io::stdout().lock();
    if json_out {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else if let Some(map) = report.as_object() {
        for (k, v) in map {
            writeln!(out, "{k:<24} {v}")?;
        }
    }
    Ok(())
}

fn progress(done: usize, total: usize) {
    if done.is_multiple_of(10) || done == total {
        eprint!("\r{done}/{total}");
    }
}
