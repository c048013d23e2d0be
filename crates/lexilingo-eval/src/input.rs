//! Reading the data sets' files.

use std::path::Path;

use anyhow::Context;

/// One row of `gug_train_dev.tsv`.
pub(crate) struct GugRow {
    pub(crate) sentence: String,
    pub(crate) expert: u8,
    pub(crate) average: f64,
    pub(crate) split: String,
}

/// The rows of GUG's TSV. A sentence holding quotation marks is quoted the CSV way in that
/// file (`"He said ""no""."`); it is unquoted here, so the tutor sees what the learner wrote and
/// is not credited or blamed for the file's quoting (28 of 2,265 rows).
pub(crate) fn gug_rows(text: &str) -> Vec<GugRow> {
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

pub(crate) fn lines(path: &Path) -> anyhow::Result<Vec<String>> {
    Ok(std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .lines()
        .map(str::to_string)
        .collect())
}

pub(crate) fn toks(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}
