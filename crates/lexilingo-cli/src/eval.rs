//! `lexilingo eval jfleg | gug | spelling | cefr-sp`: the tutor measured on public learner data, in one
//! process and one model worker for the whole set.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use lexilingo_core::engine::CancellationToken;
use lexilingo_core::eval::{detokenize, jfleg_tokens, metrics};
use lexilingo_core::tasks::correction;
use lexilingo_core::tasks::explanation::{explain_edit, TypeSource};
use lexilingo_core::Tutor;
use lexilingo_core::{edits, rules};
use serde_json::json;

use crate::cli::EvalSet;

/// One row of `gug_train_dev.tsv`.
struct GugRow {
    sentence: String,
    expert: u8,
    average: f64,
    split: String,
}

/// The rows of GUG's TSV. A sentence holding quotation marks is quoted the CSV way in that
/// file (`"He said ""no""."`); it is unquoted here, so the tutor sees what the learner wrote and
/// is not credited or blamed for the file's quoting (28 of 2,265 rows).
fn gug_rows(text: &str) -> Vec<GugRow> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 6 {
                return None;
            }
            let raw = f[1].trim();
            let sentence = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                Some(inner) if raw.len() >= 2 => inner.replace("\"\"", "\""),
                _ => raw.to_string(),
            };
            Some(GugRow {
                sentence,
                expert: f[2].trim().parse().unwrap_or(0),
                average: f[4].trim().parse().unwrap_or(0.0),
                split: f[5].trim().to_string(),
            })
        })
        .collect()
}

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
            rules_only,
            dump,
            replay,
        } => {
            let mut sources = lines(src)?;
            sources.truncate(limit.unwrap_or(usize::MAX));
            let references: Vec<Vec<String>> = refs
                .iter()
                .map(|r| lines(r))
                .collect::<anyhow::Result<_>>()?;
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
            let gleu = |hyps: &[String]| {
                let hyp_toks: Vec<Vec<String>> = hyps.iter().map(|h| toks(h)).collect();
                metrics::gleu(&srcs, &refs_per, &hyp_toks, 500) * 100.0
            };
            let copy_hyps: Vec<String> = sources.iter().map(|s| s.trim().to_string()).collect();
            if *rules_only {
                let hyps: Vec<String> = sources
                    .iter()
                    .map(|s| jfleg_tokens(&rules::correct(&detokenize(s))).join(" "))
                    .collect();
                if let Some(out) = out {
                    write_lines(out, &hyps)?;
                }
                let report = json!({ "set": "jfleg", "sentences": sources.len(),
                    "pipeline": "rules only", "gleu": gleu(&hyps), "copy_gleu": gleu(&copy_hyps) });
                return print_report(&report, json_out);
            }
            let replayed: Option<Vec<correction::Candidates>> = match replay {
                Some(path) => Some(
                    lines(path)?
                        .iter()
                        .map(|l| serde_json::from_str(l).context("not a candidates line"))
                        .collect::<anyhow::Result<_>>()?,
                ),
                None => None,
            };
            let tutor = match (&tutor, *copy, &replayed) {
                (Some(t), false, _) => Some(t),
                (_, false, Some(_)) => None,
                _ => {
                    if let Some(out) = out {
                        write_lines(out, &copy_hyps)?;
                    }
                    let report = json!({ "set": "jfleg", "sentences": sources.len(),
                        "pipeline": "copy", "gleu": gleu(&copy_hyps) });
                    return print_report(&report, json_out);
                }
            };
            // One pass: every pipeline variant is computed from the same candidates.
            let mut variants: Vec<(String, Vec<String>)> = vec![
                ("copy".into(), copy_hyps.clone()),
                ("rules only".into(), Vec::new()),
                ("model only".into(), Vec::new()),
            ];
            for m in MARGINS {
                variants.push((format!("combined, margin {m}"), Vec::new()));
            }
            let first_veto = variants.len();
            for (name, _) in vetoes() {
                variants.push((name, Vec::new()));
            }
            let mut failures = 0;
            let mut combined = Vec::new();
            let mut dumped = Vec::new();
            let (mut edit_count, mut explained) = (0u32, 0u32);
            for (i, s) in sources.iter().enumerate() {
                let sentence = detokenize(s);
                let tok = |t: &str| jfleg_tokens(t).join(" ");
                let candidates = match (&replayed, tutor) {
                    (Some(r), _) => r
                        .get(i)
                        .cloned()
                        .context("the replay file is shorter than --src"),
                    (None, Some(t)) => t
                        .correction_candidates(&sentence, &cancel)
                        .await
                        .map_err(anyhow::Error::from),
                    (None, None) => Err(anyhow::anyhow!("no model")),
                };
                match candidates {
                    Ok(c) => {
                        variants[1].1.push(tok(&c.rules));
                        variants[2].1.push(tok(&c.model));
                        for (k, m) in MARGINS.iter().enumerate() {
                            variants[3 + k].1.push(tok(&c.choose(*m).0));
                        }
                        for (k, (_, veto)) in vetoes().into_iter().enumerate() {
                            let v = correction::with_veto(&c, veto).corrected;
                            variants[first_veto + k].1.push(tok(&v));
                        }
                        let production =
                            correction::with_veto(&c, correction::EditVeto::PRODUCTION);
                        let chosen = production.corrected.clone();
                        // Every edit shown to a learner must come with an explanation of its type.
                        for e in production.edits {
                            edit_count += 1;
                            let x = explain_edit(e.clone(), TypeSource::Rules);
                            if x.error_type == e.error_type && !x.explanation_vi.trim().is_empty() {
                                explained += 1;
                            }
                        }
                        combined.push(tok(&chosen));
                        dumped.push(serde_json::to_string(&c)?);
                    }
                    Err(e) => {
                        failures += 1;
                        tracing::warn!("sentence {}: {e}; keeping the source", i + 1);
                        for v in variants.iter_mut().skip(1) {
                            v.1.push(s.trim().to_string());
                        }
                        combined.push(s.trim().to_string());
                    }
                }
                progress(i + 1, sources.len());
            }
            if let Some(out) = out {
                write_lines(out, &combined)?;
            }
            if let Some(dump) = dump {
                write_lines(dump, &dumped)?;
            }
            let table: serde_json::Map<String, serde_json::Value> = variants
                .iter()
                .map(|(name, hyps)| (name.clone(), json!(gleu(hyps))))
                .collect();
            json!({ "set": "jfleg", "sentences": sources.len(), "failures": failures,
                    "pipeline": "combined", "margin": correction::MODEL_MARGIN_NATS,
                    "edit_veto": format!("{:?}", correction::EditVeto::PRODUCTION),
                    "gleu": gleu(&combined), "variants": table,
                    "edits": edit_count,
                    "edits_explained_with_matching_type": if edit_count == 0 { 1.0 } else { f64::from(explained) / f64::from(edit_count) } })
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
        } => {
            let change_line = |sentence: &str, e: &lexilingo_core::edits::Edit| {
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
                });
                calibration.upsert(Entry {
                    model: model.clone(),
                    fitted_on,
                    cefr: None,
                    fluency: Some(combined),
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
                    if let Ok(c) = candidates {
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
            let r = lexilingo_core::spelling::compare_on_pairs(&text, *every);
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
                });
                if let Some(combined) = combined {
                    calibration.upsert(Entry {
                        model: model.clone(),
                        fitted_on,
                        cefr: Some(combined),
                        fluency: None,
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

/// Margins (nats) the combined pipeline is measured at, besides the production one.
const MARGINS: [f64; 5] = [0.0, 1.0, 2.0, 4.0, 8.0];

/// Edit-veto settings measured besides the production one (names as in the tables).
fn vetoes() -> Vec<(String, correction::EditVeto)> {
    let mut out = vec![("combined, no veto".to_string(), correction::EditVeto::NONE)];
    let inf = f64::NEG_INFINITY;
    for (rules, model, no_model_drops, word_choice) in [
        (inf, inf, true, inf),
        (inf, 0.0, true, inf),
        (inf, 2.0, true, inf),
        (inf, 4.0, true, inf),
        (inf, 8.0, true, inf),
        (inf, 4.0, false, inf),
        (-5.0, 4.0, true, inf),
        (-2.0, 4.0, true, inf),
        (0.0, 4.0, true, inf),
        (2.0, 2.0, true, inf),
        (inf, 0.0, true, 2.0),
        (inf, 0.0, true, 4.0),
        (inf, 0.0, true, 8.0),
        (inf, 0.0, true, f64::INFINITY),
        (inf, 1.0, true, f64::INFINITY),
        (inf, 2.0, true, f64::INFINITY),
        (inf, 4.0, true, f64::INFINITY),
    ] {
        let drops = if no_model_drops {
            ", no model drops"
        } else {
            ""
        };
        let word_choice_name = if word_choice > inf {
            format!(", model word choice {word_choice}")
        } else {
            String::new()
        };
        out.push((
            format!("veto rules {rules} model {model}{drops}{word_choice_name}"),
            correction::EditVeto {
                rules,
                model,
                no_model_drops,
                model_word_choice: word_choice,
            },
        ));
    }
    out
}

fn gug_variant_names() -> Vec<String> {
    let mut names = variant_names();
    names.extend(vetoes().into_iter().map(|(n, _)| n));
    names
}

fn variant_names() -> Vec<String> {
    let mut names = vec!["rules only".to_string(), "model only".to_string()];
    names.extend(MARGINS.iter().map(|m| format!("combined, margin {m}")));
    names
}

use lexilingo_core::calibration::{self, Entry, LevelModel, LinearModel, ANY_MODEL};
use lexilingo_core::tasks::FluencySignals;

async fn gug_signals(
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
fn fit_fluency(signals: &[FluencySignals], y: &[f64]) -> (LinearModel, LinearModel) {
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
async fn level_features(
    tutor: &Tutor,
    rows: &[(String, u8, u8)],
    with_model: bool,
) -> anyhow::Result<Vec<Vec<f64>>> {
    let lexicon = lexilingo_core::lexicon::Lexicon::builtin();
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
fn fit_levels(
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
fn starting_calibration(path: Option<&Path>) -> anyhow::Result<calibration::Calibration> {
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

fn save(path: &Path, calibration: &calibration::Calibration) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(calibration)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("calibration written to {}", path.display());
    Ok(())
}

fn write_lines(path: &Path, lines: &[String]) -> anyhow::Result<()> {
    std::fs::write(path, lines.join("\n") + "\n")
        .with_context(|| format!("cannot write {}", path.display()))
}

fn print_report(report: &serde_json::Value, json_out: bool) -> anyhow::Result<()> {
    eprintln!();
    let mut out = std::io::stdout().lock();
    if json_out {
        writeln!(out, "{}", serde_json::to_string_pretty(report)?)?;
    } else if let Some(map) = report.as_object() {
        for (k, v) in map {
            match v.as_object() {
                Some(inner) => {
                    writeln!(out, "{k}:")?;
                    for (ik, iv) in inner {
                        writeln!(out, "  {ik:<26} {iv:.4}")?;
                    }
                }
                None => writeln!(out, "{k:<28} {v}")?,
            }
        }
    }
    Ok(())
}

fn progress(done: usize, total: usize) {
    if done.is_multiple_of(10) || done == total {
        eprint!("\r{done}/{total}");
    }
}
