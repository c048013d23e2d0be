//! Human-readable cards for the terminal, coloured when stdout is a terminal and `NO_COLOR` is
//! unset.

use std::io::{IsTerminal, Result, Write};

use lexilingo_core::language::edits::Edit;
use lexilingo_core::language::lexicon::LexLevel;
use lexilingo_core::tasks::{
    AnalyzeResult, CorrectionResult, Explanation, FluencyResult, VerdictKind, VocabularyResult,
};
use lexilingo_core::CefrLevel;

/// ANSI styles, or nothing when colour is off.
struct Paint {
    on: bool,
}

impl Paint {
    fn new() -> Self {
        Self {
            on: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
    fn removed(&self, t: &str) -> String {
        if self.on {
            self.wrap("31;9", t)
        } else {
            format!("[-{t}-]")
        }
    }
    fn added(&self, t: &str) -> String {
        if self.on {
            self.wrap("32;1", t)
        } else {
            format!("{{+{t}+}}")
        }
    }
    fn level(&self, level: LexLevel, t: &str) -> String {
        let code = match level.level() {
            Some(CefrLevel::A1 | CefrLevel::A2) => "32",
            Some(CefrLevel::B1 | CefrLevel::B2) => "33",
            Some(CefrLevel::C1 | CefrLevel::C2) => "35",
            None => "2",
        };
        self.wrap(code, t)
    }
}

/// The full card for `lexilingo analyze`.
pub fn analyze(out: &mut dyn Write, r: &AnalyzeResult) -> Result<()> {
    let p = Paint::new();
    writeln!(out, "{} {}", p.bold("Câu của em:"), r.sentence)?;
    fluency(out, &r.fluency)?;
    vocabulary(out, &r.vocabulary)?;
    match &r.verdict {
        Some(v) if r.correction.edits.is_empty() => {
            let text = match v.kind {
                VerdictKind::Correct => p.added(&v.message_vi),
                _ => v.message_vi.clone(),
            };
            writeln!(out, "{} {text}", p.bold("Sửa lỗi:"))?;
        }
        _ => correction(out, &r.correction)?,
    }
    if !r.explanations.is_empty() {
        explanations(out, &r.explanations)?;
    }
    writeln!(out, "{}", p.dim(&format!("({} ms)", r.timings_ms.total)))
}

/// Fluency score as stars and a number.
pub fn fluency(out: &mut dyn Write, r: &FluencyResult) -> Result<()> {
    let p = Paint::new();
    let full = r.score.round() as usize;
    let stars = format!("{}{}", "★".repeat(full), "☆".repeat(5 - full.min(5)));
    writeln!(
        out,
        "{} {stars} {:.1}/5 — {}",
        p.bold("Độ trôi chảy:"),
        r.score,
        r.reason
    )
}

/// Sentence level and the words coloured by level.
pub fn vocabulary(out: &mut dyn Write, r: &VocabularyResult) -> Result<()> {
    let p = Paint::new();
    writeln!(
        out,
        "{} {} ({})",
        p.bold("Trình độ CEFR:"),
        r.level,
        r.level.name_vi()
    )?;
    let words: Vec<String> = r
        .words
        .iter()
        .map(|w| {
            let label = match w.level {
                LexLevel::Known(l) => l.as_str().to_string(),
                LexLevel::Unknown => "?".into(),
            };
            p.level(w.level, &format!("{}:{label}", w.word))
        })
        .collect();
    writeln!(out, "  {} {}", p.dim("Từ vựng:"), words.join("  "))
}

/// The correction as an inline diff. Without the verdict (`lexilingo correct` computes no
/// fluency) a sentence without edits is "no mistake found", never praise.
pub fn correction(out: &mut dyn Write, r: &CorrectionResult) -> Result<()> {
    let p = Paint::new();
    if r.edits.is_empty() {
        return writeln!(out, "{} Không thấy lỗi nào.", p.bold("Sửa lỗi:"));
    }
    writeln!(
        out,
        "{} {}",
        p.bold("Sửa lỗi:"),
        inline_diff(&p, &r.original, &r.edits)
    )?;
    writeln!(out, "  {} {}", p.dim("Câu đúng:"), r.corrected)
}

fn inline_diff(p: &Paint, original: &str, edits: &[Edit]) -> String {
    let mut s = String::new();
    let mut cursor = 0;
    for e in edits {
        s.push_str(&original[cursor..e.start]);
        if !e.original.is_empty() {
            s.push_str(&p.removed(&e.original));
        }
        if !e.replacement.is_empty() {
            if !e.original.is_empty() {
                s.push(' ');
            }
            s.push_str(&p.added(&e.replacement));
            if e.original.is_empty() {
                s.push(' ');
            }
        }
        cursor = e.end;
    }
    s.push_str(&original[cursor..]);
    s
}

/// One numbered Vietnamese explanation per edit.
pub fn explanations(out: &mut dyn Write, list: &[Explanation]) -> Result<()> {
    let p = Paint::new();
    writeln!(out, "{}", p.bold("Giải thích:"))?;
    for (i, e) in list.iter().enumerate() {
        let from = if e.edit.original.is_empty() {
            "∅"
        } else {
            &e.edit.original
        };
        let to = if e.edit.replacement.is_empty() {
            "∅"
        } else {
            &e.edit.replacement
        };
        writeln!(
            out,
            "  {}. {} → {}  {}",
            i + 1,
            p.removed(from),
            p.added(to),
            p.dim(&format!(
                "[{} · {}]",
                e.error_type_vi,
                e.error_type.as_str()
            ))
        )?;
        writeln!(out, "     {}", e.explanation_vi)?;
    }
    Ok(())
}
