//! `lexilingo eval jfleg | bea | gug | spelling | cefr-sp`: the tutor measured on public learner data, in one
//! process and one model worker for the whole set.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use lexilingo_core::engine::CancellationToken;
use lexilingo_core::eval::{detokenize, metrics, retokenize};
use lexilingo_core::tasks::correction;
use lexilingo_core::Tutor;
use lexilingo_core::{edits, rules};
use serde_json::json;

use crate::cli::{CorrectionEval, EvalSet};

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
            let sentences = lexilingo_core::eval::m2::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", m2.display()))?;
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
            if *fit_thresholds {
                let fit_split = fit_split.as_deref().unwrap_or("train");
                let train = rows_of(fit_split, *fit_limit);
                eprintln!(
                    "fitting the thresholds on {} {fit_split} sentences",
                    train.len()
                );
                let (train_samples, train_failures) =
                    verdict_samples(&tutor, &train, &cancel).await;
                let fitted = calibration::fit_thresholds(&train_samples);
                eprintln!("reporting on {} {split} sentences", rows.len());
                let (samples, failures) = verdict_samples(&tutor, &rows, &cancel).await;
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
                    "train_with_fitted": calibration::verdict_report(&train_samples, &fitted) });
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

/// Margins (nats) the combined pipeline is measured at, besides the production one.
const MARGINS: [f64; 5] = [0.0, 1.0, 2.0, 4.0, 8.0];

/// Edit-veto settings measured besides the production one (names as in the tables).
/// A correction data set: tokenised sources, each with its tokenised reference corrections
/// (GLEU), and for ERRANT either an M2 file of reference edits or the references themselves.
struct CorrectionSet {
    name: &'static str,
    sources: Vec<String>,
    references: Vec<Vec<String>>,
    m2: Option<std::path::PathBuf>,
}

/// The hypotheses of one pipeline, with the tutor's typed edits per sentence when known.
struct Hypotheses {
    name: &'static str,
    texts: Vec<String>,
    edits: Option<Vec<Vec<edits::Edit>>>,
}

/// `eval jfleg` and `eval bea`: every pipeline variant from one pass over the sentences, GLEU
/// for each, ERRANT for the copy, rules-only, model-only and production pipelines.
async fn corrections(
    mut set: CorrectionSet,
    opts: &CorrectionEval,
    tutor: Option<&Tutor>,
    json_out: bool,
) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    let limit = opts.limit.unwrap_or(usize::MAX);
    set.sources.truncate(limit);
    set.references.truncate(limit);
    let sources = &set.sources;
    let srcs: Vec<Vec<String>> = sources.iter().map(|s| toks(s)).collect();
    let refs_per: Vec<Vec<Vec<String>>> = set
        .references
        .iter()
        .map(|rs| rs.iter().map(|r| toks(r)).collect())
        .collect();
    let gleu = |hyps: &[String]| {
        let hyp_toks: Vec<Vec<String>> = hyps.iter().map(|h| toks(h)).collect();
        metrics::gleu(&srcs, &refs_per, &hyp_toks, 500) * 100.0
    };

    let copy_hyps: Vec<String> = sources.iter().map(|s| s.trim().to_string()).collect();
    let mut base = json!({ "set": set.name, "sentences": sources.len() });
    if opts.copy || opts.rules_only {
        let (name, hyps) = if opts.rules_only {
            let hyps: Vec<String> = sources
                .iter()
                .map(|s| retokenize(s, &rules::correct(&detokenize(s))))
                .collect();
            ("rules only", hyps)
        } else {
            ("copy", copy_hyps.clone())
        };
        if let Some(out) = &opts.out {
            write_lines(out, &hyps)?;
        }
        base["pipeline"] = json!(name);
        base["gleu"] = json!(gleu(&hyps));
        base["copy_gleu"] = json!(gleu(&copy_hyps));
        let h = Hypotheses {
            name,
            texts: hyps,
            edits: None,
        };
        base["errant"] = errant_report(&set, opts, &[h])?;
        return print_report(&base, json_out);
    }
    let replayed: Option<Vec<correction::Candidates>> = match &opts.replay {
        Some(path) => Some(
            lines(path)?
                .iter()
                .map(|l| serde_json::from_str(l).context("not a candidates line"))
                .collect::<anyhow::Result<_>>()?,
        ),
        None => None,
    };
    if tutor.is_none() && replayed.is_none() {
        anyhow::bail!("this evaluation needs a model (or --copy, --rules-only, --replay)");
    }
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
    let mut combined_edits = Vec::new();
    let mut dumped = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let sentence = detokenize(s);
        let candidates = match (&replayed, tutor) {
            (Some(r), _) => r
                .get(i)
                .cloned()
                .context("the replay file is shorter than the sources"),
            (None, Some(t)) => t
                .correction_candidates(&sentence, &cancel)
                .await
                .map_err(anyhow::Error::from),
            (None, None) => Err(anyhow::anyhow!("no model")),
        };
        match candidates {
            Ok(c) => {
                variants[1].1.push(retokenize(s, &c.rules));
                variants[2].1.push(retokenize(s, &c.model));
                for (k, m) in MARGINS.iter().enumerate() {
                    variants[3 + k].1.push(retokenize(s, &c.choose(*m).0));
                }
                for (k, (_, veto)) in vetoes().into_iter().enumerate() {
                    let v = correction::with_veto(&c, veto).corrected;
                    variants[first_veto + k].1.push(retokenize(s, &v));
                }
                let production = correction::with_veto(&c, correction::EditVeto::PRODUCTION);
                combined.push(retokenize(s, &production.corrected));
                combined_edits.push(production.edits);
                dumped.push(serde_json::to_string(&c)?);
            }
            Err(e) => {
                failures += 1;
                tracing::warn!("sentence {}: {e}; keeping the source", i + 1);
                eprintln!(
                    "\nsentence {}: {e}; counted as a failure, source kept",
                    i + 1
                );
                for v in variants.iter_mut().skip(1) {
                    v.1.push(s.trim().to_string());
                }
                combined.push(s.trim().to_string());
                combined_edits.push(Vec::new());
            }
        }
        progress(i + 1, sources.len());
    }
    if let Some(out) = &opts.out {
        write_lines(out, &combined)?;
    }
    if let Some(dump) = &opts.dump {
        write_lines(dump, &dumped)?;
    }
    let table: serde_json::Map<String, serde_json::Value> = variants
        .iter()
        .map(|(name, hyps)| (name.clone(), json!(gleu(hyps))))
        .collect();
    base["failures"] = json!(failures);
    base["pipeline"] = json!("combined");
    base["margin"] = json!(correction::MODEL_MARGIN_NATS);
    base["edit_veto"] = json!(format!("{:?}", correction::EditVeto::PRODUCTION));
    base["gleu"] = json!(gleu(&combined));
    base["variants"] = json!(table);
    base["edits"] = json!(combined_edits.iter().map(Vec::len).sum::<usize>());
    let hyps = [
        Hypotheses {
            name: "rules only",
            texts: variants[1].1.clone(),
            edits: None,
        },
        Hypotheses {
            name: "model only",
            texts: variants[2].1.clone(),
            edits: None,
        },
        Hypotheses {
            name: "combined",
            texts: combined,
            edits: Some(combined_edits),
        },
    ];
    base["errant"] = errant_report(&set, opts, &hyps)?;
    print_report(&base, json_out)
}

/// The scorer script, compiled in so the binary scores wherever it runs.
const ERRANT_SCRIPT: &str = include_str!("../../../scripts/errant-score.py");

/// ERRANT categories the tutor is asked to find (issue #16's recall targets), by ERRANT's
/// finest-tier names: a category counts when its kind (after the operation) is listed, or
/// when the whole name is.
const FOCUS: [(&str, &[&str]); 6] = [
    ("articles", &["DET"]),
    ("noun number", &["NOUN:NUM"]),
    ("agreement", &["VERB:SVA"]),
    ("tense", &["VERB:TENSE"]),
    ("prepositions", &["PREP"]),
    ("missing verb", &["M:VERB"]),
];

/// Runs scripts/errant-score.py on the hypotheses and adds recall per focus category and the
/// type-agreement check. ERRANT's absence is reported, not fatal: GLEU still prints.
fn errant_report(
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
                        .is_some_and(|t| lexilingo_core::eval::errant_agrees(t, cat))
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

/// [`Tutor::verdict_sample`] for each row; a sentence that fails is counted and left out.
async fn verdict_samples(
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
                        match iv.as_object() {
                            // ERRANT's per-pipeline scores: the headline figures here, the
                            // per-category counts and matched pairs only in --json.
                            Some(deeper) => {
                                let brief: serde_json::Map<_, _> = deeper
                                    .iter()
                                    .filter(|(k, _)| {
                                        !matches!(k.as_str(), "categories" | "true_positive_types")
                                    })
                                    .map(|(k, v)| (k.clone(), v.clone()))
                                    .collect();
                                writeln!(out, "  {ik:<26} {}", serde_json::Value::Object(brief))?
                            }
                            None => writeln!(out, "  {ik:<26} {iv:.4}")?,
                        }
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
