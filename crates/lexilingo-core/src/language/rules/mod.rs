//! The rule-based checker: Harper (`harper-core`, Apache-2.0), offline and deterministic.
//!
//! Two jobs. While the learner types, [`hints`] marks mistakes in well under 50 ms, with no
//! model involved. And [`correct`] is the floor of every correction: whatever a small model
//! does, the pipeline can fall back to these edits (docs/ARCHITECTURE.md: Harper scored GLEU 47.8 on JFLEG
//! test against 40.5 for copying the input).
//!
//! Harper also has style advice (readability, redundancy, regional spellings). Those are not
//! mistakes a learner made, so only the lint kinds in [`is_correction`] count.

use std::sync::{Arc, Mutex, OnceLock};

use harper_core::linting::{LintGroup, LintKind, Suggestion};
use harper_core::spell::{Dictionary, FstDictionary};
use harper_core::Dialect;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::language::edits::{self, Edit};
use crate::language::error_types::{self, ErrorType};
use crate::language::explain_vi;
use crate::language::lexicon::Lexicon;
use crate::language::spelling;
use crate::CefrLevel;

/// One mistake the rules found, ready to show while the learner types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Hint {
    /// Byte offset where the marked text starts.
    pub start: usize,
    /// Byte offset just past the marked text.
    pub end: usize,
    /// The marked text.
    pub original: String,
    /// The suggested fix of the marked span, if the rule has one.
    pub replacement: Option<String>,
    /// The edits the suggestion makes, typed (empty when there is no suggestion).
    pub edits: Vec<Edit>,
    /// The type of the mistake.
    pub error_type: ErrorType,
    /// The type's Vietnamese name.
    pub error_type_vi: String,
    /// A short Vietnamese explanation from the type's template.
    pub explanation_vi: String,
    /// Harper's own message, in English.
    pub message_en: String,
    /// A suggestion, not a mistake: a comma only style asks for, or a respelling too far from
    /// what was typed to be sure of. The correction does not apply it; the hint says so.
    pub optional: bool,
}

struct Checker {
    linter: LintGroup,
}

/// Building the linter loads Harper's dictionary and compiles its rules (tens of milliseconds),
/// so one is built on first use and shared. Linting needs `&mut`, hence the mutex; a check takes
/// a few milliseconds, so contention is not a concern.
fn checker() -> &'static Mutex<Checker> {
    static CHECKER: OnceLock<Mutex<Checker>> = OnceLock::new();
    CHECKER.get_or_init(|| {
        let dictionary = FstDictionary::curated();
        let mut linter = LintGroup::new_curated(Arc::clone(&dictionary), Dialect::American);
        // harper-core 3.0.0's "looking forward to + verb" rule prints a debug line to stdout
        // on every match, which corrupts `lexilingo --json` output and anything else reading
        // stdout. Off until Harper drops the print (crates/lexilingo-cli/tests/cli.rs checks).
        linter.config.set_rule_enabled("LookingForwardTo", false);
        Mutex::new(Checker { linter })
    })
}

/// Builds the checker now (it is otherwise built by the first check), so the first hint while
/// typing is as fast as the rest. Call it on a background thread at startup.
///
/// Harper builds some structures lazily on first need: the word-splitting check's trie is
/// made the first time it meets an unknown run-together word, which took 17–21 s in the
/// (dependencies unoptimised) dev build here. Checking such a word now pays that up front.
pub fn warm_up() {
    let _ = lints("This is an test of waythismakes and recieved.");
}

/// Whether a lint of this kind is a mistake to correct, rather than style advice.
fn is_correction(kind: LintKind) -> bool {
    !matches!(
        kind,
        LintKind::Enhancement
            | LintKind::Readability
            | LintKind::Redundancy
            | LintKind::Regionalism
            | LintKind::Style
            | LintKind::Formatting
    )
}

/// Whether `a` and `b` are the British and American spellings of one word (colour/color,
/// recognise/recognize, centre/center, travelled/traveled). Learners in Vietnam meet both;
/// neither is a mistake, so Harper's dialect advice is dropped.
pub fn dialect_variants(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    if a == b {
        return false;
    }
    const PAIRS: [(&str, &str); 8] = [
        ("our", "or"),
        ("ise", "ize"),
        ("isation", "ization"),
        ("yse", "yze"),
        ("tre", "ter"),
        ("lled", "led"),
        ("lling", "ling"),
        ("ogue", "og"),
    ];
    PAIRS.iter().any(|(uk, us)| {
        [(&a, &b), (&b, &a)].iter().any(|(x, y)| {
            x.match_indices(uk)
                .any(|(i, _)| format!("{}{us}{}", &x[..i], &x[i + uk.len()..]) == **y)
        })
    })
}

/// The mistakes the rules find in `text`, in order, each with a Vietnamese explanation.
///
/// A fix that changes only white space (Harper's spacing advice) is not a hint: the tutor does
/// not count spaces as mistakes anywhere else either.
pub fn hints(text: &str) -> Vec<Hint> {
    check(text).hints()
}

fn hints_of(text: &str, found: &[Found]) -> Vec<Hint> {
    found
        .iter()
        .filter_map(|found| {
            let original = text.get(found.start..found.end)?.to_string();
            let (replacement, edits) = match apply_one(text, found) {
                Some(fixed) => {
                    let edits = typed_edits(text, &fixed);
                    if edits.is_empty() {
                        return None;
                    }
                    (replacement_of(&original, found), edits)
                }
                None => (None, Vec::new()),
            };
            let error_type = type_of(found, &edits);
            let optional = !found.apply;
            let explanation_vi = match (optional, edits.first()) {
                (true, _) => explain_vi::suggestion(
                    error_type,
                    &original,
                    replacement.as_deref().unwrap_or_default(),
                ),
                (false, Some(e)) => explain_vi::explain_in(
                    error_type,
                    text,
                    e.start,
                    e.end,
                    &e.original,
                    &e.replacement,
                ),
                (false, None) => explain_vi::explain(error_type, &original, ""),
            };
            Some(Hint {
                start: found.start,
                end: found.end,
                original,
                replacement,
                edits,
                error_type,
                error_type_vi: error_type.name_vi().to_string(),
                explanation_vi,
                message_en: found.lint.message.clone(),
                optional,
            })
        })
        .collect()
}

/// `text` with every rule fix applied: the first suggestion of each lint, skipping a lint that
/// overlaps one already applied. Whitespace-only fixes are applied too; they never show as edits.
pub fn correct(text: &str) -> String {
    check(text).correct_choosing(&[])
}

/// One check of a text by the rules, from which the hints, the correction and the respellings
/// to choose between are all read: the tutor lints a sentence once, however many variants of
/// its correction it scores.
#[derive(Debug, Clone)]
pub struct RuleCheck {
    text: String,
    found: Vec<Found>,
}

/// Checks `text` with the rules.
pub fn check(text: &str) -> RuleCheck {
    // A sentence written in Vietnamese gets no English "fixes" at all: the tutor asks for
    // English instead (crate::input::validate_english).
    if crate::language::vietnamese::is_vietnamese_sentence(text) {
        return RuleCheck::nothing_found(text);
    }
    RuleCheck {
        text: text.to_string(),
        found: lints(text),
    }
}

impl RuleCheck {
    /// A check that found nothing: `text` stays as it is (when the check itself failed).
    pub fn nothing_found(text: &str) -> RuleCheck {
        RuleCheck {
            text: text.to_string(),
            found: Vec::new(),
        }
    }

    /// The mistakes found, as [`hints`] gives them.
    pub fn hints(&self) -> Vec<Hint> {
        hints_of(&self.text, &self.found)
    }

    /// The lints the correction applies.
    fn applied(&self) -> impl Iterator<Item = &Found> {
        self.found
            .iter()
            .filter(|f| f.apply && !rewrites_a_name(&self.text, f))
    }

    /// The respellings the sentence must decide between: for each misspelt word with close
    /// rivals, its byte offset in the text and the candidates, best first. The tutor scores the
    /// sentence with each and passes the winners to [`RuleCheck::correct_choosing`]; without a
    /// model, the first candidate is used.
    pub fn choices(&self) -> Vec<(usize, Vec<String>)> {
        self.applied()
            .filter(|f| f.close > 1)
            .map(|f| {
                let options = f.lint.suggestions[..f.close]
                    .iter()
                    .filter_map(|s| match s {
                        Suggestion::ReplaceWith(chars) => Some(chars.iter().collect()),
                        _ => None,
                    })
                    .collect();
                (f.start, options)
            })
            .collect()
    }

    /// [`correct`], with the respelling at each byte offset in `picks` chosen by its index
    /// among the lint's suggestions (from [`RuleCheck::choices`]) instead of the first.
    pub fn correct_choosing(&self, picks: &[(usize, usize)]) -> String {
        let found: Vec<&Found> = self.applied().collect();
        let mut chars: Vec<char> = self.text.chars().collect();
        // Apply from the end so earlier char offsets stay valid.
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for f in found.iter().rev() {
            let (s, e) = (f.lint.span.start, f.lint.span.end);
            if taken
                .iter()
                .any(|&(ts, te)| s < te && ts < e || (s == e && s == ts))
            {
                continue;
            }
            let pick = picks
                .iter()
                .find(|(start, _)| *start == f.start)
                .map_or(0, |(_, i)| *i);
            let Some(suggestion) = f.lint.suggestions.get(pick).or(f.lint.suggestions.first())
            else {
                continue;
            };
            suggestion.apply(f.lint.span, &mut chars);
            taken.push((s, e));
        }
        chars.into_iter().collect()
    }
}

mod lints;
#[cfg(test)]
mod tests;

use lints::{apply_one, lints, replacement_of, rewrites_a_name, type_of, typed_edits, Found};
