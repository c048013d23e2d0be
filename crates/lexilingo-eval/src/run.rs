//! `lexilingo eval jfleg | bea | gug | spelling | cefr-sp`: the tutor measured on public
//! learner data, in one process and one model worker for the whole set.

use anyhow::Context;
use lexilingo_core::calibration::{self, Entry, ANY_MODEL};
use lexilingo_core::engine::CancellationToken;
use lexilingo_core::language::{edits, rules};
use lexilingo_core::tasks::correction;
use lexilingo_core::Tutor;
use serde_json::json;

use crate::corrections::{corrections, gug_variant_names, vetoes, CorrectionSet, MARGINS};
use crate::fit::{
    fit_fluency, fit_levels, gug_signals, level_features, save, starting_calibration,
    verdict_samples,
};
use crate::input::{gug_rows, lines};
use crate::metrics;
use crate::report::{print_report, progress, write_lines};
use crate::tokens::detokenize;
use crate::EvalSet;

/// Runs one evaluation; `tutor` is `None` only for the copy baseline.
pub async fn run(set: &EvalSet, tutor: Option<Tutor>, json_out: bool) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    let report = match set {
        EvalSet::Jfleg { src, refs, opts } => {
            let sources = lines(src)?;
            let references: Vec<Vec<String>> = refs
                .iter()
                .map(|r| lines(r))
                .collect::<anyhow::Result<_>>()?;
            let set = CorrectionSet {
                name: "jfleg",
                references: (0..sources.len())
                    .map(|i| {
                        references
                            .iter()
                            .filter_map(|r| r.get(i).cloned())
                            .collect()
                    })
                    .collect(),
                sources,
                m2: None,
            };
            return corrections(set, opts, tutor.as_ref(), json_out).await;
        }
        EvalSet::Bea { m2, opts } => {
            let text = std::fs::read_to_string(m2)
                .with_context(|| format!("cannot read {}", m2.display()))?;
            let sentences =
                crate::m2::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", m2.display()))?;
            let set = CorrectionSet {
                name: "bea",
                sources: sentences.iter().map(|s| s.source.clone()).collect(),
                references: sentences
                    .iter()
                    .map(|s| s.annotators().into_iter().map(|a| s.corrected(a)).collect())
                    .collect(),
                m2: Some(m2.clone()),
            };
            return corrections(set, opts, tutor.as_ref(), json_out).await;
        }
        EvalSet::Gug {
            tsv,
            split,
            limit,
            fit_split,
            fit_limit,
            save_calibration,
            no_corrections,
            corrections_only,
            dump,
            replay,
            rules_only,
            changes,
            fit_thresholds,
            samples: samples_file,
        } => {
            let change_line = |sentence: &str, e: &lexilingo_core::language::edits::Edit| {
                format!(
                    "{sentence}\t{} → {}\t{}",
                    e.original,
                    e.replacement,
                    e.error_type.as_str()
                )
            };
            let mut change_lines = Vec::new();
            let text = std::fs::read_to_string(tsv)
                .with_context(|| format!("cannot read {}", tsv.display()))?;
            if *rules_only {
                // The rule-based floor alone on the perfect sentences: no model needed.
                let (mut perfect, mut changed, mut grammar) = (0u32, 0u32, 0u32);
                for row in gug_rows(&text) {
                    if row.split != *split || row.expert != 4 {
                        continue;
                    }
                    perfect += 1;
                    let fixed = rules::correct(&row.sentence);
                    let result = correction::build(&row.sentence, &fixed);
                    changed += u32::from(!result.edits.is_empty());
                    for e in &result.edits {
                        change_lines.push(change_line(&row.sentence, e));
                    }
                    grammar += u32::from(
                        result
                            .edits
                            .iter()
                            .any(|e| e.error_type != lexilingo_core::ErrorType::Spelling),
                    );
                }
                if let Some(path) = changes {
                    write_lines(path, &change_lines)?;
                }
                let share = |n: u32| f64::from(n) / f64::from(perfect.max(1));
                let report = json!({ "set": "gug", "split": split, "pipeline": "rules only",
                    "perfect_sentences": perfect, "perfect_changed_share": share(changed),
                    "perfect_changed_share_without_spelling": share(grammar) });
                return print_report(&report, json_out);
            }
            let tutor = tutor.context("gug needs a model")?;
            let rows_of = |wanted: &str, limit: Option<usize>| {
                let mut rows: Vec<(String, u8, f64)> = gug_rows(&text)
                    .into_iter()
                    .filter(|r| r.split == wanted)
                    .map(|r| (r.sentence, r.expert, r.average))
                    .collect();
                rows.truncate(limit.unwrap_or(usize::MAX));
                rows
            };
            let rows = rows_of(split, *limit);
            let model = tutor.model_name().await?;
            let mut calibration = starting_calibration(save_calibration.as_deref())?;
            if *fit_thresholds {
                let fit_split = fit_split.as_deref().unwrap_or("train");
                let train = rows_of(fit_split, *fit_limit);
                eprintln!(
                    "fitting the thresholds on {} {fit_split} sentences",
                    train.len()
                );
                let saved = match samples_file {
                    Some(path) if path.exists() => {
                        let saved = SavedSamples::read(path)?;
                        anyhow::ensure!(
                            saved.model == model
                                && saved.fit_split == fit_split
                                && saved.split == *split
                                && saved.train.len() + saved.train_failures == train.len()
                                && saved.report.len() + saved.report_failures == rows.len(),
                            "{} holds samples of {} ({} / {}), not of {model} ({fit_split} / \
                             {split}) with these limits: delete it to recompute",
                            path.display(),
                            saved.model,
                            saved.fit_split,
                            saved.split
                        );
                        eprintln!("samples read from {}", path.display());
                        saved
                    }
                    _ => {
                        let (train_samples, train_failures) =
                            verdict_samples(&tutor, &train, &cancel).await;
                        eprintln!("reporting on {} {split} sentences", rows.len());
                        let (samples, failures) = verdict_samples(&tutor, &rows, &cancel).await;
                        let saved = SavedSamples {
                            model: model.clone(),
                            fit_split: fit_split.to_string(),
                            split: split.clone(),
                            train: train_samples,
                            train_failures,
                            report: samples,
                            report_failures: failures,
                        };
                        if let Some(path) = samples_file {
                            saved.write(path)?;
                        }
                        saved
                    }
                };
                let SavedSamples {
                    train: train_samples,
                    train_failures,
                    report: samples,
                    report_failures: failures,
                    ..
                } = saved;
                let fitted = calibration::fit_thresholds(&train_samples);
                let previous = calibration.for_model(&model).cloned();
                let fitted_on = match &previous {
                    Some(p) if !p.fitted_on.contains("thresholds") => format!(
                        "{}; thresholds: GUG {fit_split} ({} sentences)",
                        p.fitted_on,
                        train_samples.len()
                    ),
                    Some(p) => p.fitted_on.clone(),
                    None => format!(
                        "thresholds: GUG {fit_split} ({} sentences)",
                        train_samples.len()
                    ),
                };
                calibration.upsert(Entry {
                    model: model.clone(),
                    fitted_on,
                    cefr: None,
                    fluency: None,
                    thresholds: Some(fitted),
                });
                if let Some(path) = save_calibration {
                    save(path, &calibration)?;
                }
                let report = json!({ "set": "gug", "split": split, "model": model,
                    "fitted_on": format!("{fit_split} ({} sentences, {train_failures} failed)", train_samples.len()),
                    "fitted": fitted, "failures": failures,
                    "with_default": calibration::verdict_report(&samples, &calibration::Thresholds::DEFAULT),
                    "with_fitted": calibration::verdict_report(&samples, &fitted),
                    "with_fitted_one_broad_threshold": calibration::verdict_report(&samples,
                        &calibration::Thresholds { broad_sets: Default::default(), ..fitted }),
                    "train_with_fitted": calibration::verdict_report(&train_samples, &fitted),
                    "train_halves": train_halves(&train_samples) });
                return print_report(&report, json_out);
            }
            if let Some(fit_split) = fit_split {
                let train = rows_of(fit_split, *fit_limit);
                eprintln!("fitting on {} {fit_split} sentences", train.len());
                let signals = gug_signals(&tutor, &train, &cancel).await?;
                let y: Vec<f64> = train.iter().map(|r| r.2).collect();
                let (rules, combined) = fit_fluency(&signals, &y);
                let fitted_on = format!("GUG {fit_split} ({} sentences)", train.len());
                calibration.upsert(Entry {
                    model: ANY_MODEL.into(),
                    fitted_on: fitted_on.clone(),
                    cefr: None,
                    fluency: Some(rules),
                    thresholds: None,
                });
                calibration.upsert(Entry {
                    model: model.clone(),
                    fitted_on,
                    cefr: None,
                    fluency: Some(combined),
                    thresholds: None,
                });
                if let Some(path) = save_calibration {
                    save(path, &calibration)?;
                }
            }
            eprintln!("reporting on {} {split} sentences", rows.len());
            let signals = if *corrections_only {
                Vec::new()
            } else {
                gug_signals(&tutor, &rows, &cancel).await?
            };
            let crowd: Vec<f64> = rows.iter().map(|r| r.2).collect();
            let rating: Vec<f64> = signals.iter().map(|s| f64::from(s.rating.score)).collect();
            let mut spearman = serde_json::Map::new();
            if !signals.is_empty() {
                spearman.insert(
                    "model only".into(),
                    json!(metrics::spearman(&rating, &crowd)),
                );
            }
            for (name, entry) in [
                ("rules only", calibration.for_model(ANY_MODEL)),
                ("combined", calibration.for_model(&model)),
            ] {
                if let Some(entry) = entry {
                    let ours: Option<Vec<f64>> = signals
                        .iter()
                        .map(|s| s.score(entry).map(f64::from))
                        .collect();
                    if let Some(ours) = ours.filter(|o| !o.is_empty()) {
                        spearman.insert(name.into(), json!(metrics::spearman(&ours, &crowd)));
                    }
                }
            }
            let mut report = json!({ "set": "gug", "split": split, "sentences": rows.len(),
                                     "model": model, "spearman": spearman });
            if !no_corrections {
                let names = gug_variant_names();
                let (mut perfect, mut changed_by) = (0u32, vec![0u32; names.len()]);
                // GUG's ratings judge grammar; its "perfect" sentences keep their misspellings
                // (Harper finds 174 spelling mistakes in the 498 perfect train sentences), so
                // changes are also counted without spelling fixes.
                let mut grammar_changed_by = vec![0u32; names.len()];
                let mut replayed = match replay {
                    Some(path) => Some(lines(path)?.into_iter()),
                    None => None,
                };
                let mut dumped = Vec::new();
                let mut failures = 0u32;
                for (i, (sentence, expert, _)) in rows.iter().enumerate() {
                    if *expert != 4 {
                        continue;
                    }
                    perfect += 1;
                    let candidates = match replayed.as_mut() {
                        Some(lines) => {
                            let line = lines.next().context("the replay file is too short")?;
                            let c: correction::Candidates =
                                serde_json::from_str(&line).context("not a candidates line")?;
                            anyhow::ensure!(c.original == sentence.trim(), "replay out of step");
                            Ok(c)
                        }
                        None => tutor.correction_candidates(sentence, &cancel).await,
                    };
                    let c = match candidates {
                        Ok(c) => c,
                        Err(e) => {
                            // Counted and left out of the shares: a failed sentence is not
                            // an unchanged one.
                            failures += 1;
                            perfect -= 1;
                            eprintln!("\nsentence {}: {e}; counted as a failure", i + 1);
                            progress(i + 1, rows.len());
                            continue;
                        }
                    };
                    {
                        let changed = |t: &str| !edits::diff(sentence, t).is_empty();
                        let grammar_changed = |t: &str| {
                            correction::build(sentence, t)
                                .edits
                                .iter()
                                .any(|e| e.error_type != lexilingo_core::ErrorType::Spelling)
                        };
                        let mut texts = vec![c.rules.clone(), c.model.clone()];
                        texts.extend(MARGINS.iter().map(|m| c.choose(*m).0));
                        texts.extend(
                            vetoes()
                                .into_iter()
                                .map(|(_, v)| correction::with_veto(&c, v).corrected),
                        );
                        for (k, t) in texts.iter().enumerate() {
                            changed_by[k] += u32::from(changed(t));
                            grammar_changed_by[k] += u32::from(grammar_changed(t));
                        }
                        let production =
                            correction::with_veto(&c, correction::EditVeto::PRODUCTION);
                        for e in &production.edits {
                            change_lines.push(change_line(sentence, e));
                        }
                        dumped.push(serde_json::to_string(&c)?);
                    }
                    progress(i + 1, rows.len());
                }
                if let Some(dump) = dump {
                    write_lines(dump, &dumped)?;
                }
                if let Some(path) = changes {
                    write_lines(path, &change_lines)?;
                }
                report["perfect_sentences"] = json!(perfect);
                report["failures"] = json!(failures);
                let share = |counts: &[u32]| {
                    json!(gug_variant_names()
                        .into_iter()
                        .zip(counts)
                        .map(|(n, c)| {
                            let v = if perfect == 0 {
                                0.0
                            } else {
                                f64::from(*c) / f64::from(perfect)
                            };
                            (n, json!(v))
                        })
                        .collect::<serde_json::Map<_, _>>())
                };
                report["perfect_changed_share"] = share(&changed_by);
                report["perfect_changed_share_without_spelling"] = share(&grammar_changed_by);
            }
            report
        }
        EvalSet::Spelling { pairs, every } => {
            let text = std::fs::read_to_string(pairs)
                .with_context(|| format!("cannot read {}", pairs.display()))?;
            let r = lexilingo_core::language::spelling::compare_on_pairs(&text, *every);
            let share = |n: usize| n as f64 / r.pairs.max(1) as f64;
            json!({ "set": "spelling", "pairs": r.pairs,
                "harper_first_right": share(r.harper_right),
                "ours_first_right": share(r.ours_right) })
        }
        EvalSet::CefrSp {
            files,
            limit,
            fit,
            save_calibration,
            model_level,
            lexicon_only,
        } => {
            let tutor = tutor.context("cefr-sp needs a model")?;
            let read = |files: &[std::path::PathBuf]| -> anyhow::Result<Vec<(String, u8, u8)>> {
                let mut rows = Vec::new();
                for f in files {
                    for line in lines(f)? {
                        let p: Vec<&str> = line.split('\t').collect();
                        if let [s, a, b] = p[..] {
                            if let (Ok(a), Ok(b)) = (a.trim().parse(), b.trim().parse()) {
                                rows.push((detokenize(s), a, b));
                            }
                        }
                    }
                }
                Ok(rows)
            };
            let mut rows = read(files)?;
            rows.truncate(limit.unwrap_or(usize::MAX));
            let model = tutor.model_name().await?;
            let mut calibration = starting_calibration(save_calibration.as_deref())?;
            if !fit.is_empty() {
                let train = read(fit)?;
                eprintln!("fitting on {} sentences", train.len());
                let x = level_features(&tutor, &train, !lexicon_only).await?;
                let (lexical, combined) = fit_levels(&x, &train, !lexicon_only);
                let fitted_on = format!("CEFR-SP train ({} sentences)", train.len());
                calibration.upsert(Entry {
                    model: ANY_MODEL.into(),
                    fitted_on: fitted_on.clone(),
                    cefr: Some(lexical),
                    fluency: None,
                    thresholds: None,
                });
                if let Some(combined) = combined {
                    calibration.upsert(Entry {
                        model: model.clone(),
                        fitted_on,
                        cefr: Some(combined),
                        fluency: None,
                        thresholds: None,
                    });
                }
                if let Some(path) = save_calibration {
                    save(path, &calibration)?;
                }
            }
            eprintln!("reporting on {} sentences", rows.len());
            let x = level_features(&tutor, &rows, !lexicon_only).await?;
            let a: Vec<u8> = rows.iter().map(|r| r.1).collect();
            let b: Vec<u8> = rows.iter().map(|r| r.2).collect();
            let mut table = serde_json::Map::new();
            let score = |pred: &[u8]| {
                let s = metrics::level_scores(pred, &a, &b);
                json!({ "lenient_macro_f1": s.lenient_macro_f1, "within_one": s.within_one, "qwk": s.qwk })
            };
            let lexicon_only_width = lexilingo_core::calibration::CEFR_LEXICON_FEATURES.len();
            for (name, entry, width) in [
                (
                    "rules only (lexicon)",
                    calibration.for_model(ANY_MODEL),
                    lexicon_only_width,
                ),
                (
                    "combined (lexicon + model)",
                    calibration.for_model(&model),
                    usize::MAX,
                ),
            ] {
                if let Some(m) = entry.and_then(|e| e.cefr.as_ref()) {
                    let pred: Vec<u8> = x
                        .iter()
                        .map(|r| m.level(&r[..width.min(r.len())]).rank())
                        .collect();
                    table.insert(name.into(), score(&pred));
                }
            }
            if *model_level {
                let mut pred = Vec::new();
                for (i, (s, _, _)) in rows.iter().enumerate() {
                    pred.push(tutor.model_level(s, &cancel).await.map_or(1, |l| l.rank()));
                    progress(i + 1, rows.len());
                }
                table.insert("model only".into(), score(&pred));
            }
            json!({ "set": "cefr-sp", "sentences": rows.len(), "model": model, "variants": table })
        }
    };
    print_report(&report, json_out)
}

/// The verdict samples of one `eval gug --fit-thresholds` run (`--samples`).
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedSamples {
    model: String,
    fit_split: String,
    split: String,
    train: Vec<calibration::VerdictSample>,
    train_failures: usize,
    report: Vec<calibration::VerdictSample>,
    report_failures: usize,
}

impl SavedSamples {
    fn read(path: &std::path::Path) -> anyhow::Result<SavedSamples> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a samples file", path.display()))
    }

    fn write(&self, path: &std::path::Path) -> anyhow::Result<()> {
        std::fs::write(path, serde_json::to_string(self)?)
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

/// A held-out check of the threshold fit within the train split: fitted on one half of the
/// sentences (alternate rows) and reported on the other, both ways round. The per-set broad
/// thresholds spend a budget of a few perfect sentences, so how far the held-out half's share
/// of perfect sentences changed strays from the budget shows how much of the fit is noise.
fn train_halves(samples: &[calibration::VerdictSample]) -> Vec<serde_json::Value> {
    (0..2)
        .map(|half| {
            let (fit, held): (Vec<_>, Vec<_>) =
                samples.iter().enumerate().partition(|(i, _)| i % 2 == half);
            let fit: Vec<calibration::VerdictSample> =
                fit.into_iter().map(|(_, s)| s.clone()).collect();
            let held: Vec<calibration::VerdictSample> =
                held.into_iter().map(|(_, s)| s.clone()).collect();
            let t = calibration::fit_thresholds(&fit);
            json!({ "fitted": t,
                "fit_half": calibration::verdict_report(&fit, &t),
                "held_out_half": calibration::verdict_report(&held, &t) })
        })
        .collect()
}
