//! The rule-based checker: Harper (`harper-core`, Apache-2.0), offline and deterministic.
//!
//! Two jobs. While the learner types, [`hints`] marks mistakes in well under 50 ms, with no
//! model involved. And [`correct`] is the floor of every correction: whatever a small model
//! does, the pipeline can fall back to these edits (DESIGN.md: Harper scored GLEU 47.8 on JFLEG
//! test against 40.5 for copying the input).
//!
//! Harper also has style advice (readability, redundancy, regional spellings). Those are not
//! mistakes a learner made, so only the lint kinds in [`is_correction`] count.

use std::sync::{Arc, Mutex, OnceLock};

use harper_core::linting::{Lint, LintGroup, LintKind, Linter, Suggestion};
use harper_core::spell::{Dictionary, FstDictionary};
use harper_core::{Dialect, Document};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::edits::{self, Edit};
use crate::error_types::{self, ErrorType};
use crate::explain_vi;
use crate::lexicon::Lexicon;
use crate::{spelling, CefrLevel};

/// One mistake the rules found, ready to show while the learner types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
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

/// A lint with a suggestion, in byte offsets.
#[derive(Debug, Clone)]
struct Found {
    lint: Lint,
    start: usize,
    end: usize,
    /// How many of the first suggestions are close enough to the best that only the sentence
    /// can tell them apart (1 when the first is clearly best; see [`RuleCheck::choices`]).
    close: usize,
    /// Whether [`correct`] applies it: not a respelling too far from what was typed to trust
    /// ([`MAX_AUTO_RESPELLING`]); the hint still offers it.
    apply: bool,
    /// A spelling lint's best respelling cost ([`spelling::suggestions`]); infinite otherwise.
    respelling_cost: f32,
}

fn lints(text: &str) -> Vec<Found> {
    let document = Document::new_plain_english_curated(text);
    let found = {
        let mut guard = match checker().lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.linter.lint(&document)
    };
    let byte_at = char_to_byte_table(text);
    let mut out: Vec<Found> = found
        .into_iter()
        .filter(|l| is_correction(l.lint_kind))
        .filter_map(|lint| {
            let start = *byte_at.get(lint.span.start)?;
            let end = *byte_at.get(lint.span.end)?;
            Some(Found {
                lint,
                start,
                end,
                close: 1,
                apply: true,
                respelling_cost: f32::INFINITY,
            })
        })
        .filter(|f| {
            let original = text.get(f.start..f.end).unwrap_or_default();
            !matches!(f.lint.suggestions.first(),
                Some(Suggestion::ReplaceWith(r)) if dialect_variants(original, &r.iter().collect::<String>()))
        })
        .filter(|f| !false_alarm(text, f))
        .collect();
    // Vietnamese words, names, dishes and emoji are kept as typed (crate::vietnamese): no hint
    // and no fix may touch them ("phở" was respelt "pH", "Da Nang" hinted as "Do NaNs").
    let protected = crate::vietnamese::protected_spans(text);
    out.retain(|f| !protected.touches(f.start, f.end));
    out.retain_mut(|f| respell(text, f));
    out.sort_by_key(|f| (f.start, f.end));
    drop_competing_fixes(text, &mut out);
    out
}

/// A Harper rule firing on common, correct English, checked here more narrowly.
///
/// "no to" → "not to" (a typo rule) is right in "I decided no to go" but turned "Who can say
/// no to a business" (a GUG sentence rated perfect), "say no to drugs", "voted no to the plan"
/// and "a no to-do list" into nonsense. It is kept only where "not to" can begin an
/// infinitive: the next word is a verb's plain form, and the word before is no form of "say".
fn false_alarm(text: &str, f: &Found) -> bool {
    let original = text.get(f.start..f.end).unwrap_or_default();
    let Some(replacement) = replacement_of(original, f) else {
        return false;
    };
    if original.eq_ignore_ascii_case("no to") && replacement.eq_ignore_ascii_case("not to") {
        let before = text[..f.start]
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_lowercase();
        let rest = &text[f.end..];
        let after: String = rest
            .chars()
            .skip_while(|c| c.is_whitespace())
            .take_while(|c| c.is_alphabetic())
            .collect();
        let says = matches!(before.as_str(), "say" | "says" | "said" | "saying");
        let joined = rest.starts_with('-');
        let verb = !after.is_empty()
            && FstDictionary::curated()
                .get_word_metadata_str(&after.to_lowercase())
                .is_some_and(|m| m.is_verb_lemma());
        return says || joined || !verb;
    }
    false
}

/// Harper's spelling advice, checked for a learner (see [`crate::spelling`]): a word Harper
/// flags is left alone when it is English after all — British spelling, a real word missing
/// from Harper's dictionary ("capita", "endotherm"), or the first part of a hyphenated word
/// ("eco-car") — and is otherwise offered the respellings a learner most likely meant, in
/// that order. A typo rule that splits a real word in two ("biomechanics" → "bio mechanics")
/// is dropped too. A comma after a sentence adverb that only style asks for
/// ([`OPTIONAL_COMMA_AFTER`]) stays a hint and is not applied. Returns whether the lint stays.
///
/// One exception keeps a real but rare word flagged: when a word from the learners' lists
/// (A1–B2) is about one cheap edit away (a doubled letter, a vowel, a near key) and the typed word is in no list ("ballance" →
/// "balance", "alow" → "allow", "tressure" → "treasure").
fn respell(text: &str, found: &mut Found) -> bool {
    let word = text.get(found.start..found.end).unwrap_or_default();
    let single_word = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphabetic() || c == '\'' || c == '’');
    if !single_word {
        return true;
    }
    match found.lint.lint_kind {
        LintKind::Spelling => {
            if spelling::in_dictionary(word) {
                return false;
            }
            let after = &text[found.end..];
            let before = &text[..found.start];
            let in_compound = after.starts_with('-') && after[1..].starts_with(char::is_alphabetic)
                || before.ends_with('-')
                    && before[..before.len() - 1].ends_with(char::is_alphabetic);
            if in_compound && spelling::in_dictionary_any_case(word) {
                return false;
            }
            let ranked = spelling::suggestions(word);
            if spelling::is_known_word(word) {
                let everyday_neighbour = ranked.first().is_some_and(|r| {
                    r.cost <= 0.9
                        && Lexicon::builtin()
                            .lookup(&r.word)
                            .is_some_and(|(_, level)| level <= CefrLevel::B2)
                });
                if !everyday_neighbour || Lexicon::builtin().lookup(word).is_some() {
                    return false;
                }
            }
            // No respelling of ours: Harper's guess was further still ("homecontry" →
            // "homeopathy"), so it is offered, not applied.
            found.apply = !ranked.is_empty();
            if let Some(best) = ranked.first().map(|r| r.cost) {
                found.respelling_cost = best;
                found.apply = best <= MAX_AUTO_RESPELLING;
                found.close = ranked
                    .iter()
                    .take_while(|r| r.cost - best <= CLOSE_RESPELLINGS)
                    .count();
                found.lint.suggestions = ranked
                    .into_iter()
                    .map(|r| Suggestion::ReplaceWith(r.word.chars().collect()))
                    .collect();
            }
            true
        }
        LintKind::Punctuation if OPTIONAL_COMMA_AFTER.contains(&word.to_lowercase().as_str()) => {
            found.apply = matches!(found.lint.suggestions.first(), Some(Suggestion::InsertAfter(c)) if *c != [',']);
            true
        }
        _ => !(is_split(text, found) && spelling::is_english(word)),
    }
}

/// Sentence adverbs after which a comma is a matter of style: the hint suggests it, the
/// correction does not count its absence as a mistake. JFLEG dev's annotators, correcting
/// sentences that began "Therefore", "Thus" or "Hence" without one, added it in 12 of 24
/// corrections; after "However" in 4 of 4, so that one stays a correction.
const OPTIONAL_COMMA_AFTER: [&str; 4] = ["therefore", "thus", "hence", "otherwise"];

/// A respelling that costs more than this ([`spelling::suggestions`]) is offered in the hint
/// but not applied by [`correct`]: on 6,776 common misspellings the first suggestion was right
/// 75 % of the time at costs 2–2.5, 62 % at 2.5–3 and half the time above ("Forexample" →
/// "Forecastle", 3.2). On JFLEG dev the nine respellings above it included "nonfluoridated" →
/// "fluoridated" (the opposite meaning), "ecocertification" → "certification" and
/// "incrismt" → "insist", against two right ones ("perserverant", "eldelery"); GLEU of the
/// rules alone 45.74 without the limit, 45.66 with it. A wrong respelling teaches a wrong word;
/// none leaves the learner's own.
const MAX_AUTO_RESPELLING: f32 = 2.5;

/// Respellings whose costs ([`spelling::suggestions`]) are within this much of the best are
/// left to the sentence to decide: "thad" is "than" or "that" ("more thad facts"), "joing"
/// "join" or "joint". Half a vowel swap.
const CLOSE_RESPELLINGS: f32 = 0.5;

/// Whether the lint's first suggestion splits one word in two, keeping its letters.
fn is_split(text: &str, f: &Found) -> bool {
    let original = text.get(f.start..f.end).unwrap_or_default();
    !original.contains(' ')
        && matches!(f.lint.suggestions.first(), Some(Suggestion::ReplaceWith(r))
            if r.contains(&' ') && r.iter().copied().filter(|c| *c != ' ').eq(original.chars()))
}

/// Harper can flag one word three ways: a curated boundary rule ("alot" → "a lot"), the
/// spelling checker ("usally" → "usually"), and a typo rule that splits it into two words
/// ("usally" → "us ally", "tendance" → "ten dance", "prefere" → "pref ere"). Whichever came
/// last used to win. Per span: a boundary rule wins outright (it knows this exact mistake);
/// otherwise a split into two everyday words (A1–A2: "allday" → "all day", "inmany" → "in
/// many") wins unless a respelling is close ([`RESPELLING_BEATS_SPLIT`]: "successfull" is
/// "successful", not "success full"; "everone" is "everyone", not "ever one"), and any other
/// split is dropped when the spelling checker has a suggestion for
/// the same word — a learner who typed "usally" misspelt one word more often than they ran
/// "us" and "ally" together. A split with no competing suggestion ("vacuumcleaner" → "vacuum
/// cleaner") stays. A capital the dictionary wants for a name ("thad" → "Thad") gives way to a
/// respelling of the same word.
/// A respelling this cheap ([`spelling::suggestions`]: a doubled letter, a vowel, one missing
/// letter) beats a split into everyday words. GUG's perfect dev sentences had "successfull" →
/// "success full", "youself" → "you self", "nowdays" → "now days", "alowing" → "a lowing"
/// (respellings at 0.4–1.0); the splits that are right cost more to respell ("allday" →
/// "allay" 1.4).
const RESPELLING_BEATS_SPLIT: f32 = 1.0;

fn drop_competing_fixes(text: &str, found: &mut Vec<Found>) {
    let same_span = |a: &Found, b: &Found| a.start == b.start && a.end == b.end;
    let is_split = |f: &Found| is_split(text, f);
    let everyday_words = |f: &Found| match f.lint.suggestions.first() {
        Some(Suggestion::ReplaceWith(r)) => r.iter().collect::<String>().split(' ').all(|w| {
            Lexicon::builtin()
                .lookup(w)
                .is_some_and(|(_, level)| level <= CefrLevel::A2)
        }),
        _ => false,
    };
    let snapshot = found.clone();
    found.retain_mut(|f| {
        let rivals = snapshot
            .iter()
            .filter(|o| same_span(o, f) && !std::ptr::eq(*o, f));
        let mut boundary = false;
        let mut spelled = false;
        let mut close_respelling = false;
        for o in rivals {
            boundary |= o.lint.lint_kind == LintKind::BoundaryError;
            let respelt = o.lint.lint_kind == LintKind::Spelling && !o.lint.suggestions.is_empty();
            spelled |= respelt;
            close_respelling |= respelt && o.respelling_cost <= RESPELLING_BEATS_SPLIT;
        }
        if boundary {
            return f.lint.lint_kind == LintKind::BoundaryError;
        }
        // "thad" is a misspelt "than" far more often than the name Thad in lower case.
        if f.lint.lint_kind == LintKind::Capitalization && spelled {
            return false;
        }
        if is_split(f) && f.lint.lint_kind != LintKind::Spelling {
            return !spelled || (everyday_words(f) && !close_respelling);
        }
        // A distant respelling gives way to a split into everyday words on the same span; a
        // close one takes the split in as a rival for the sentence to decide
        // ([`RuleCheck::choices`]: "donot" → "do not" or "donut"), first when the respelling is
        // no word of the learners' lists.
        let everyday_split = snapshot.iter().find(|o| {
            same_span(o, f)
                && o.lint.lint_kind != LintKind::Spelling
                && is_split(o)
                && everyday_words(o)
        });
        let Some(split) = everyday_split.and_then(|o| o.lint.suggestions.first()) else {
            return true;
        };
        if f.lint.lint_kind != LintKind::Spelling {
            return true;
        }
        if f.respelling_cost > RESPELLING_BEATS_SPLIT {
            return false;
        }
        let listed = matches!(f.lint.suggestions.first(), Some(Suggestion::ReplaceWith(r))
            if Lexicon::builtin().lookup(&r.iter().collect::<String>()).is_some());
        let at = if listed { f.close.min(1) } else { 0 };
        f.lint.suggestions.insert(at, split.clone());
        f.close += 1;
        true
    });
}

/// `table[i]` is the byte offset of char `i`; `table[len]` is `text.len()`.
fn char_to_byte_table(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect()
}

/// `text` with one lint's first suggestion applied, or `None` when it has none.
fn apply_one(text: &str, found: &Found) -> Option<String> {
    let suggestion = found.lint.suggestions.first()?;
    let mut chars: Vec<char> = text.chars().collect();
    suggestion.apply(found.lint.span, &mut chars);
    Some(chars.into_iter().collect())
}

/// What the lint's span becomes under its first suggestion.
fn replacement_of(original: &str, found: &Found) -> Option<String> {
    match found.lint.suggestions.first()? {
        Suggestion::ReplaceWith(chars) => Some(chars.iter().collect()),
        Suggestion::Remove => Some(String::new()),
        Suggestion::InsertAfter(chars) => {
            Some(format!("{original}{}", chars.iter().collect::<String>()))
        }
    }
}

/// The type of a rule's fix: the classifier's answer for the edits it makes, or the lint kind
/// when the classifier has no rule for them.
fn type_of(found: &Found, edits: &[Edit]) -> ErrorType {
    let classified = edits
        .iter()
        .map(|e| e.error_type)
        .find(|t| *t != ErrorType::Other);
    classified.unwrap_or(match found.lint.lint_kind {
        LintKind::Spelling | LintKind::Typo => ErrorType::Spelling,
        LintKind::Capitalization => ErrorType::Capitalization,
        LintKind::Punctuation => ErrorType::Punctuation,
        LintKind::Agreement => ErrorType::SubjectVerbAgreement,
        LintKind::WordOrder => ErrorType::WordOrder,
        LintKind::Repetition => ErrorType::ExtraWord,
        LintKind::WordChoice
        | LintKind::Eggcorn
        | LintKind::Malapropism
        | LintKind::Usage
        | LintKind::Nonstandard => ErrorType::WordChoice,
        LintKind::BoundaryError => ErrorType::Spelling,
        _ => ErrorType::Other,
    })
}

/// Typed edits from `text` to `fixed`.
fn typed_edits(text: &str, fixed: &str) -> Vec<Edit> {
    edits::diff(text, fixed)
        .into_iter()
        .map(|r| Edit {
            error_type: error_types::classify(text, &r),
            start: r.start,
            end: r.end,
            original: r.original,
            replacement: r.replacement,
            sure: true,
        })
        .collect()
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
    if crate::vietnamese::is_vietnamese_sentence(text) {
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

/// A lint that would replace a capitalised word inside a sentence by a different word: almost
/// always a name Harper does not know, or a place Harper would rename. Such fixes rewrote names
/// in GUG sentences rated perfect ("Chittagong" → "Chattogram", "Scarlett Johanson" →
/// "Scarlet Johnson", "BSc" → "BSA"), so the correction leaves them alone; the hint while
/// typing still shows, for the learner to judge. Fixes that keep the word's letters (case,
/// a comma after it) are not affected.
fn rewrites_a_name(text: &str, found: &Found) -> bool {
    let word = text.get(found.start..found.end).unwrap_or_default();
    if !word.chars().next().is_some_and(char::is_uppercase) {
        return false;
    }
    let Some(replacement) = replacement_of(word, found) else {
        return false;
    };
    if crate::edits::letters(&replacement) == crate::edits::letters(word) {
        return false;
    }
    // Inside a sentence: something other than sentence-ending punctuation comes before it.
    let before = text[..found.start].trim_end();
    !before.is_empty() && !before.ends_with(['.', '!', '?', '"', '“', ':'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_to_becomes_not_to_only_before_a_verb() {
        assert_eq!(correct("I decided no to go."), "I decided not to go.");
        assert_eq!(
            correct("He asked me no to smoke."),
            "He asked me not to smoke."
        );
        for right in [
            "Who can say no to a business that can make your life safer?",
            "Just say no to drugs.",
            "We voted no to the plan.",
            "There is no to-do list.",
        ] {
            assert_eq!(correct(right), right);
        }
    }

    #[test]
    fn a_misspelt_word_is_respelt_not_split_in_two() {
        assert_eq!(correct("I usally go home."), "I usually go home.");
        assert_eq!(correct("They bilive it."), "They believe it.");
        assert_eq!(correct("I prefere tea."), "I prefer tea.");
        // A curated boundary fix wins over the spelling checker's "allot".
        assert_eq!(correct("I ate alot."), "I ate a lot.");
        // A split into everyday words wins over a respelling.
        assert_eq!(correct("I work allday."), "I work all day.");
        // A close respelling to a listed word beats a split into everyday words; a split
        // beats a respelling to a word learners are not taught ("donut").
        assert_eq!(
            correct("You can be successfull and everone knows it."),
            "You can be successful and everyone knows it."
        );
        assert_eq!(correct("They donot know."), "They do not know.");
        let choices = check("They donot know.").choices();
        assert!(
            choices
                .iter()
                .any(|(_, o)| o.len() >= 2 && o[0] == "do not"),
            "{choices:?}"
        );
        // Equally close respellings all reach the sentence's choice, however many tie:
        // "thez" is "the", "them", "then" or "they" (a GUG sentence meant "they").
        let choices = check("Even if thez are cheap, we walk.").choices();
        assert!(
            choices
                .iter()
                .any(|(_, o)| o.iter().any(|w| w == "they") && o.iter().any(|w| w == "the")),
            "{choices:?}"
        );
        // A split with no competing spelling suggestion stays.
        assert_eq!(
            correct("A vacuumcleaner is useful."),
            "A vacuum cleaner is useful."
        );
        let shown: Vec<_> = hints("I usally go home.")
            .into_iter()
            .filter_map(|h| h.replacement)
            .collect();
        assert_eq!(shown, ["usually"], "one hint, not two rival ones");
    }

    #[test]
    fn real_words_harper_does_not_know_are_left_alone() {
        for sentence in [
            "The per capita income rose.",
            "Distilling water takes time.",
            "The development of biomechanics has made this possible.",
            "The population explosion is catalysing the consumption of energy.",
            "Many companies develop an eco-car.",
        ] {
            assert_eq!(correct(sentence), sentence);
        }
        // A rare listed word a doubled letter away from an everyday one is still a mistake.
        assert_eq!(correct("Keep your ballance."), "Keep your balance.");
    }

    #[test]
    fn an_optional_comma_is_a_hint_not_a_correction() {
        let sentence = "Therefore people should travel more.";
        assert_eq!(correct(sentence), sentence);
        let hint = hints(sentence)
            .into_iter()
            .find(|h| h.original == "Therefore")
            .expect("the comma is still suggested");
        assert!(hint.optional);
        assert!(
            hint.explanation_vi.contains("không sai"),
            "{}",
            hint.explanation_vi
        );
        assert!(!hints("She don't like apples.")[0].optional);
        assert_eq!(
            correct("However there are other ways."),
            "However, there are other ways."
        );
    }

    #[test]
    fn a_far_fetched_respelling_is_offered_not_applied() {
        let sentence = "Forexample, my cousin is twelve.";
        assert_eq!(correct(sentence), sentence);
        assert!(hints(sentence)
            .iter()
            .any(|h| h.original == "Forexample" && h.optional));
    }

    #[test]
    fn the_respelling_is_the_everyday_word_a_learner_meant() {
        assert_eq!(
            correct("You are going to succed."),
            "You are going to succeed."
        );
        assert_eq!(
            correct("We grow cherrrys and apples."),
            "We grow cherries and apples."
        );
        assert_eq!(
            correct("I know it becous I read it."),
            "I know it because I read it."
        );
        // A misspelt "than", not the name Thad.
        let fixed = correct("I prefer ideas more thad facts.");
        assert!(!fixed.contains("Thad"), "{fixed}");
    }

    #[test]
    fn names_inside_a_sentence_are_not_respelt() {
        assert_eq!(
            correct("He was a professor at the University of Chittagong."),
            "He was a professor at the University of Chittagong."
        );
        // A lower-case misspelling in the same sentence is still fixed.
        assert_eq!(
            correct("He was a profesor at the University of Chittagong."),
            "He was a professor at the University of Chittagong."
        );
    }

    #[test]
    fn fixes_an_article_and_leaves_a_correct_sentence_alone() {
        assert_eq!(correct("This is an test."), "This is a test.");
        assert_eq!(correct("She likes apples."), "She likes apples.");
        assert!(hints("She likes apples.").is_empty());
    }

    #[test]
    fn hints_carry_byte_offsets_and_a_vietnamese_explanation() {
        let text = "Tôi nói: this is an test.";
        let hints = hints(text);
        let hint = hints
            .iter()
            .find(|h| h.original == "an")
            .expect("the article is marked");
        assert_eq!(&text[hint.start..hint.end], "an");
        assert_eq!(hint.replacement.as_deref(), Some("a"));
        assert_eq!(hint.error_type, ErrorType::Article);
        assert!(
            hint.explanation_vi.contains("em"),
            "{}",
            hint.explanation_vi
        );
    }

    #[test]
    fn british_and_american_spellings_are_both_correct() {
        assert!(dialect_variants("colours", "colors"));
        assert!(dialect_variants("recognised", "recognized"));
        assert!(dialect_variants("specialisations", "specializations"));
        assert!(dialect_variants("centre", "center"));
        assert!(dialect_variants("travelled", "traveled"));
        assert!(!dialect_variants("helpfull", "helpful"));
        assert!(!dialect_variants("recieved", "received"));
        assert_eq!(
            correct("The colours of their behaviour were recognised."),
            "The colours of their behaviour were recognised."
        );
    }

    #[test]
    fn a_misspelt_word_is_a_spelling_hint() {
        let hints = hints("I recieved your letter yesterday.");
        assert!(
            hints
                .iter()
                .any(|h| h.error_type == ErrorType::Spelling && h.original == "recieved"),
            "{hints:?}"
        );
    }
}
