//! `eval jfleg` and `eval bea`: every correction pipeline (copy, rules only, model only,
//! combined at several margins and vetoes) from one pass over a data set's sentences.

use anyhow::Context;
use lexilingo_core::engine::CancellationToken;
use lexilingo_core::language::{edits, rules};
use lexilingo_core::tasks::correction;
use lexilingo_core::Tutor;
use serde_json::json;

use crate::errant::errant_report;
use crate::input::{lines, toks};
use crate::metrics;
use crate::report::{print_report, progress, write_lines};
use crate::tokens::{detokenize, retokenize};
use crate::CorrectionEval;

/// Margins (nats) the combined pipeline is measured at, besides the production one.
pub(crate) const MARGINS: [f64; 5] = [0.0, 1.0, 2.0, 4.0, 8.0];

/// A correction data set: tokenised sources, each with its tokenised reference corrections
/// (GLEU), and for ERRANT either an M2 file of reference edits or the references themselves.
pub(crate) struct CorrectionSet {
    pub(crate) name: &'static str,
    pub(crate) sources: Vec<String>,
    pub(crate) references: Vec<Vec<String>>,
    pub(crate) m2: Option<std::path::PathBuf>,
}

/// The hypotheses of one pipeline, with the tutor's typed edits per sentence when known.
pub(crate) struct Hypotheses {
    pub(crate) name: &'static str,
    pub(crate) texts: Vec<String>,
    pub(crate) edits: Option<Vec<Vec<edits::Edit>>>,
}

/// `eval jfleg` and `eval bea`: every pipeline variant from one pass over the sentences, GLEU
/// for each, ERRANT for the copy, rules-only, model-only and production pipelines.
pub(crate) async fn corrections(
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

/// Edit-veto settings measured besides the production one (names as in the tables).
pub(crate) fn vetoes() -> Vec<(String, correction::EditVeto)> {
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

pub(crate) fn gug_variant_names() -> Vec<String> {
    let mut names = variant_names();
    names.extend(vetoes().into_iter().map(|(n, _)| n));
    names
}

pub(crate) fn variant_names() -> Vec<String> {
    let mut names = vec!["rules only".to_string(), "model only".to_string()];
    names.extend(MARGINS.iter().map(|m| format!("combined, margin {m}")));
    names
}
