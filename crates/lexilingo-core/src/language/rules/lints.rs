//! Harper's lints read for a learner: in byte offsets, with Harper's false alarms on learner
//! English dropped, misspellings respelt the way a learner likely meant, competing fixes
//! settled, and each fix typed.

use harper_core::linting::{Lint, LintKind, Linter, Suggestion};
use harper_core::Document;

use super::*;

/// A lint with a suggestion, in byte offsets.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub(super) lint: Lint,
    pub(super) start: usize,
    pub(super) end: usize,
    /// How many of the first suggestions are close enough to the best that only the sentence
    /// can tell them apart (1 when the first is clearly best; see [`RuleCheck::choices`]).
    pub(super) close: usize,
    /// Whether [`correct`] applies it: not a respelling too far from what was typed to trust
    /// ([`MAX_AUTO_RESPELLING`]); the hint still offers it.
    pub(super) apply: bool,
    /// A spelling lint's best respelling cost ([`spelling::suggestions`]); infinite otherwise.
    pub(super) respelling_cost: f32,
}

pub(super) fn lints(text: &str) -> Vec<Found> {
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
    // Vietnamese words, names, dishes and emoji are kept as typed (crate::language::vietnamese): no hint
    // and no fix may touch them ("phở" was respelt "pH", "Da Nang" hinted as "Do NaNs").
    let protected = crate::language::vietnamese::protected_spans(text);
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
pub(super) fn false_alarm(text: &str, f: &Found) -> bool {
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

/// Harper's spelling advice, checked for a learner (see [`crate::language::spelling`]): a word Harper
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
pub(super) fn respell(text: &str, found: &mut Found) -> bool {
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
pub(super) const OPTIONAL_COMMA_AFTER: [&str; 4] = ["therefore", "thus", "hence", "otherwise"];

/// A respelling that costs more than this ([`spelling::suggestions`]) is offered in the hint
/// but not applied by [`correct`]: on 6,776 common misspellings the first suggestion was right
/// 75 % of the time at costs 2–2.5, 62 % at 2.5–3 and half the time above ("Forexample" →
/// "Forecastle", 3.2). On JFLEG dev the nine respellings above it included "nonfluoridated" →
/// "fluoridated" (the opposite meaning), "ecocertification" → "certification" and
/// "incrismt" → "insist", against two right ones ("perserverant", "eldelery"); GLEU of the
/// rules alone 45.74 without the limit, 45.66 with it. A wrong respelling teaches a wrong word;
/// none leaves the learner's own.
pub(super) const MAX_AUTO_RESPELLING: f32 = 2.5;

/// Respellings whose costs ([`spelling::suggestions`]) are within this much of the best are
/// left to the sentence to decide: "thad" is "than" or "that" ("more thad facts"), "joing"
/// "join" or "joint". Half a vowel swap.
pub(super) const CLOSE_RESPELLINGS: f32 = 0.5;

/// Whether the lint's first suggestion splits one word in two, keeping its letters.
pub(super) fn is_split(text: &str, f: &Found) -> bool {
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
pub(super) const RESPELLING_BEATS_SPLIT: f32 = 1.0;

pub(super) fn drop_competing_fixes(text: &str, found: &mut Vec<Found>) {
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
pub(super) fn char_to_byte_table(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect()
}

/// `text` with one lint's first suggestion applied, or `None` when it has none.
pub(super) fn apply_one(text: &str, found: &Found) -> Option<String> {
    let suggestion = found.lint.suggestions.first()?;
    let mut chars: Vec<char> = text.chars().collect();
    suggestion.apply(found.lint.span, &mut chars);
    Some(chars.into_iter().collect())
}

/// What the lint's span becomes under its first suggestion.
pub(super) fn replacement_of(original: &str, found: &Found) -> Option<String> {
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
pub(super) fn type_of(found: &Found, edits: &[Edit]) -> ErrorType {
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
pub(super) fn typed_edits(text: &str, fixed: &str) -> Vec<Edit> {
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

/// A lint that would replace a capitalised word inside a sentence by a different word: almost
/// always a name Harper does not know, or a place Harper would rename. Such fixes rewrote names
/// in GUG sentences rated perfect ("Chittagong" → "Chattogram", "Scarlett Johanson" →
/// "Scarlet Johnson", "BSc" → "BSA"), so the correction leaves them alone; the hint while
/// typing still shows, for the learner to judge. Fixes that keep the word's letters (case,
/// a comma after it) are not affected.
pub(super) fn rewrites_a_name(text: &str, found: &Found) -> bool {
    let word = text.get(found.start..found.end).unwrap_or_default();
    if !word.chars().next().is_some_and(char::is_uppercase) {
        return false;
    }
    let Some(replacement) = replacement_of(word, found) else {
        return false;
    };
    if crate::language::edits::letters(&replacement) == crate::language::edits::letters(word) {
        return false;
    }
    // Inside a sentence: something other than sentence-ending punctuation comes before it.
    let before = text[..found.start].trim_end();
    !before.is_empty() && !before.ends_with(['.', '!', '?', '"', '“', ':'])
}
