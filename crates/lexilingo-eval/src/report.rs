//! Printing a report (a table, or JSON with `--json`) and the progress counter.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

pub(crate) fn write_lines(path: &Path, lines: &[String]) -> anyhow::Result<()> {
    std::fs::write(path, lines.join("\n") + "\n")
        .with_context(|| format!("cannot write {}", path.display()))
}

pub(crate) fn print_report(report: &serde_json::Value, json_out: bool) -> anyhow::Result<()> {
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

pub(crate) fn progress(done: usize, total: usize) {
    if done.is_multiple_of(10) || done == total {
        eprint!("\r{done}/{total}");
    }
}
