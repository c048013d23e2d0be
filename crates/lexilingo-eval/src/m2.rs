//! The M2 format of the BEA-2019 and CoNLL shared tasks: a tokenised source (`S …`) followed by
//! its reference edits (`A start end|||type|||correction|||REQUIRED|||-NONE-|||annotator`),
//! one blank line between sentences.

/// One reference edit: tokens `start..end` of the source become `correction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M2Edit {
    /// First source token replaced (`-1` for the "no edit" line).
    pub start: i64,
    /// One past the last source token replaced.
    pub end: i64,
    /// ERRANT's type, e.g. `M:DET`, `R:VERB:TENSE`, `noop`.
    pub category: String,
    /// The replacement tokens, space-separated (empty for a deletion).
    pub correction: String,
    /// Which annotator made the edit.
    pub annotator: u32,
}

/// One sentence of an M2 file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M2Sentence {
    /// The tokenised source, space-separated.
    pub source: String,
    /// Its reference edits, in file order.
    pub edits: Vec<M2Edit>,
}

impl M2Sentence {
    /// The annotators of this sentence, in order (0 when the file names none).
    pub fn annotators(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self.edits.iter().map(|e| e.annotator).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            ids.push(0);
        }
        ids
    }

    /// The source with `annotator`'s edits made: the reference correction, tokenised. An
    /// edit whose span is out of range or overlaps an earlier one is skipped.
    pub fn corrected(&self, annotator: u32) -> String {
        let tokens: Vec<&str> = self.source.split_whitespace().collect();
        let mut edits: Vec<&M2Edit> = self
            .edits
            .iter()
            .filter(|e| e.annotator == annotator && e.start >= 0 && e.category != "noop")
            .collect();
        edits.sort_by_key(|e| (e.start, e.end));
        let mut out: Vec<&str> = Vec::new();
        let mut cursor = 0usize;
        for e in edits {
            let (Ok(start), Ok(end)) = (usize::try_from(e.start), usize::try_from(e.end)) else {
                continue;
            };
            if start < cursor || end < start || end > tokens.len() {
                continue;
            }
            out.extend(&tokens[cursor..start]);
            out.extend(e.correction.split_whitespace());
            cursor = end;
        }
        out.extend(&tokens[cursor..]);
        out.join(" ")
    }
}

/// Parses an M2 file. Lines that are neither `S` nor well-formed `A` lines are an error, named
/// with their line number, so a wrong file is not scored as a file without edits.
pub fn parse(text: &str) -> Result<Vec<M2Sentence>, String> {
    let mut out: Vec<M2Sentence> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(source) = line.strip_prefix("S ") {
            out.push(M2Sentence {
                source: source.trim().to_string(),
                edits: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("A ") {
            let bad = || format!("line {}: not an M2 edit: {line}", n + 1);
            let fields: Vec<&str> = rest.split("|||").collect();
            if fields.len() < 6 {
                return Err(bad());
            }
            let mut span = fields[0].split_whitespace();
            let (Some(Ok(start)), Some(Ok(end))) = (
                span.next().map(str::parse::<i64>),
                span.next().map(str::parse::<i64>),
            ) else {
                return Err(bad());
            };
            let annotator = fields[fields.len() - 1].trim().parse().map_err(|_| bad())?;
            let sentence = out
                .last_mut()
                .ok_or_else(|| format!("line {}: an edit before any sentence", n + 1))?;
            sentence.edits.push(M2Edit {
                start,
                end,
                category: fields[1].to_string(),
                correction: fields[2].trim().to_string(),
                annotator,
            });
        } else {
            return Err(format!("line {}: neither S nor A: {line}", n + 1));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse;

    const FILE: &str = "S It 's difficult answer at the question .
A 3 3|||M:VERB:FORM|||to|||REQUIRED|||-NONE-|||0
A 4 5|||U:PREP||||||REQUIRED|||-NONE-|||0

S Maybe not .
A -1 -1|||noop|||-NONE-|||REQUIRED|||-NONE-|||0
";

    #[test]
    fn reference_corrections_apply_each_annotators_edits() {
        let s = parse(FILE).expect("a valid M2 file");
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].corrected(0),
            "It 's difficult to answer the question ."
        );
        assert_eq!(s[1].corrected(0), "Maybe not .");
        assert_eq!(s[0].annotators(), vec![0]);
        assert_eq!(s[0].edits[1].correction, "");
    }

    #[test]
    fn a_malformed_line_is_an_error_with_its_number() {
        let err = parse("S a b\nA one two|||R:X|||c|||REQUIRED|||-NONE-|||0\n")
            .expect_err("a malformed edit line");
        assert!(err.starts_with("line 2"), "{err}");
        assert!(parse("hello\n").is_err());
    }
}
