//! Refitting the shipped calibration on the train splits: the fluency and level models and
//! the verdict's thresholds.

use std::path::Path;

use anyhow::Context;
use lexilingo_core::calibration::{self, LevelModel, LinearModel};
use lexilingo_core::engine::CancellationToken;
use lexilingo_core::tasks::FluencySignals;
use lexilingo_core::Tutor;

use crate::metrics;
use crate::report::progress;

/// [`Tutor::verdict_sample`] for each row; a sentence that fails is counted and left out.
pub(crate) async fn verdict_samples(
    tutor: &Tutor,
    rows: &[(String, u8, f64)],
    cancel: &CancellationToken,
) -> (Vec<calibration::VerdictSample>, usize) {
    let mut out = Vec::with_capacity(rows.len());
    let mut failures = 0;
    for (i, (sentence, expert, _)) in rows.iter().enumerate() {
        match tutor.verdict_sample(sentence, *expert, cancel).await {
            Ok(s) => out.push(s),
            Err(e) => {
                failures += 1;
                eprintln!("\nsentence {}: {e}; counted as a failure", i + 1);
            }
        }
        progress(i + 1, rows.len());
    }
    eprintln!();
    (out, failures)
}

pub(crate) async fn gug_signals(
    tutor: &Tutor,
    rows: &[(String, u8, f64)],
    cancel: &CancellationToken,
) -> anyhow::Result<Vec<FluencySignals>> {
    let mut out = Vec::with_capacity(rows.len());
    for (i, (sentence, _, _)) in rows.iter().enumerate() {
        out.push(tutor.fluency_signals(sentence, false, cancel).await?);
        progress(i + 1, rows.len());
    }
    eprintln!();
    Ok(out)
}

/// Fits the rules-only and the combined fluency models on GUG ratings.
pub(crate) fn fit_fluency(signals: &[FluencySignals], y: &[f64]) -> (LinearModel, LinearModel) {
    let rules_x: Vec<Vec<f64>> = signals.iter().map(|s| s.rules.clone()).collect();
    let all_x: Vec<Vec<f64>> = signals
        .iter()
        .map(|s| {
            let mut x = s.rules.clone();
            x.extend(&s.logprob);
            x.push(f64::from(s.rating.score));
            x
        })
        .collect();
    let mut names: Vec<&str> = calibration::FLUENCY_RULE_FEATURES.to_vec();
    let rules = LinearModel::fit(&names, &rules_x, y, 1.0);
    names.extend(calibration::MODEL_FEATURES);
    names.push(calibration::FLUENCY_RATING_FEATURE);
    (rules, LinearModel::fit(&names, &all_x, y, 1.0))
}

/// Lexicon features followed by the model's log-probability features, per sentence.
/// Without `with_model`, the lexicon features only (no model call: seconds for all of CEFR-SP).
pub(crate) async fn level_features(
    tutor: &Tutor,
    rows: &[(String, u8, u8)],
    with_model: bool,
) -> anyhow::Result<Vec<Vec<f64>>> {
    let lexicon = lexilingo_core::language::lexicon::Lexicon::builtin();
    let mut out = Vec::with_capacity(rows.len());
    for (i, chunk) in rows.chunks(32).enumerate() {
        let texts: Vec<String> = chunk.iter().map(|r| r.0.clone()).collect();
        let scores = if with_model {
            tutor.engine().score(texts).await?
        } else {
            Vec::new()
        };
        for (k, row) in chunk.iter().enumerate() {
            let mut x = calibration::cefr_features(lexicon, &row.0);
            if let Some(score) = scores.get(k) {
                x.extend(calibration::model_features(score));
            }
            out.push(x);
        }
        progress((i + 1) * 32, rows.len());
    }
    eprintln!();
    Ok(out)
}

/// Fits the lexicon-only and (with `with_model`) the lexicon + model level models on CEFR-SP
/// train.
pub(crate) fn fit_levels(
    x: &[Vec<f64>],
    rows: &[(String, u8, u8)],
    with_model: bool,
) -> (LevelModel, Option<LevelModel>) {
    let y: Vec<f64> = rows
        .iter()
        .map(|r| (f64::from(r.1) + f64::from(r.2)) / 2.0)
        .collect();
    let a: Vec<u8> = rows.iter().map(|r| r.1).collect();
    let b: Vec<u8> = rows.iter().map(|r| r.2).collect();
    let fit = |width: usize, names: Vec<&str>| {
        let xs: Vec<Vec<f64>> = x.iter().map(|r| r[..width].to_vec()).collect();
        let linear = LinearModel::fit(&names, &xs, &y, 1.0);
        let scores: Vec<f64> = xs.iter().map(|r| linear.predict(r)).collect();
        let cuts = calibration::fit_cuts(&scores, |pred| {
            metrics::level_scores(pred, &a, &b).lenient_macro_f1
        });
        LevelModel { linear, cuts }
    };
    let lexical_names = calibration::CEFR_LEXICON_FEATURES.to_vec();
    let mut all_names = lexical_names.clone();
    all_names.extend(calibration::MODEL_FEATURES);
    let combined = with_model.then(|| fit(all_names.len(), all_names));
    (fit(lexical_names.len(), lexical_names), combined)
}

/// The calibration to add to: the file being written if it exists (so fitting CEFR and then
/// fluency keeps both), otherwise the built-in one.
pub(crate) fn starting_calibration(
    path: Option<&Path>,
) -> anyhow::Result<calibration::Calibration> {
    match path {
        Some(p) if p.is_file() => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{} is not a calibration", p.display()))
        }
        _ => Ok(calibration::Calibration::builtin().clone()),
    }
}

pub(crate) fn save(path: &Path, calibration: &calibration::Calibration) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(calibration)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("calibration written to {}", path.display());
    Ok(())
}
