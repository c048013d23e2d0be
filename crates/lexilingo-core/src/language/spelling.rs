//! Spelling for learners: which unknown words are really mistakes, and which respelling to offer.
//!
//! Harper's spelling checker is built for writers who mistype. Two things go wrong for
//! learners, both seen on GUG sentences that experts rated perfect:
//!
//! - Its dictionary lacks many real words ("capita", "endotherm", "biomechanics",
//!   "psychosocial", "underprivileged"), so a correct sentence got "per capital income". A second
//!   list, [`is_known_word`] (SCOWL size 70, American and British), says which unknown words
//!   are English after all.
//! - Its order of suggestions favours any word with an apostrophe ("cherrrys" → "cherry's",
//!   "becous" → "beck's", "oarts" → "oar's") and rare words at the same edit distance
//!   ("succed" → "sucked", "malysia" → "malaria", "ture" → "tire"). [`suggestions`] ranks
//!   Harper's candidates again by how learners misspell (vowels confused, letters doubled or
//!   not, neighbours swapped) and by how common the word is (its CEFR level), so the everyday
//!   word a learner most likely meant comes first.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use harper_core::spell::{Dictionary, FstDictionary};

use crate::language::lexicon::Lexicon;
use crate::CefrLevel;

const KNOWN_WORDS: &str = include_str!("../../../../models/lexicon/scowl-known-words.txt");

/// Whether `word` is an English word in SCOWL's size-70 lists (American or British) that
/// Harper's dictionary lacks. A lower-case entry matches any capitals ("Capita" starting a
/// sentence); a name or abbreviation only as listed, so "abd" is still a typo of "and" though
/// "ABD" is listed. The list's `#` header lines are not words.
pub fn is_known_word(word: &str) -> bool {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        KNOWN_WORDS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    });
    let word = word.replace('’', "'");
    words.contains(word.as_str()) || words.contains(word.to_lowercase().as_str())
}

/// Whether Harper's dictionary has `word` in any English dialect. The checker runs with
/// American English, so "catalysing" or "specialities" would be flagged; learners in Vietnam
/// meet British books as often as American ones, and neither spelling is a mistake.
pub fn in_dictionary(word: &str) -> bool {
    let dictionary = FstDictionary::curated();
    let exact: Vec<char> = word.chars().collect();
    let lower: Vec<char> = word.to_lowercase().chars().collect();
    dictionary.contains_exact_word(&exact) || dictionary.contains_exact_word(&lower)
}

/// Whether `word` is English: in Harper's dictionary in any dialect ([`in_dictionary`]) or in
/// SCOWL's lists ([`is_known_word`]).
pub fn is_english(word: &str) -> bool {
    in_dictionary(word) || is_known_word(word)
}

/// Whether `fix` respells `typed`: the learner's word is no English word, and the fix is
/// close to it (two edits, or two in every five letters: "buissnes" → "business" is three in
/// eight) or is one [`suggestions`] offers. "becous" → "but" is no respelling (four edits in
/// six letters, not offered); "effect" → "affect" neither ("effect" is a word). The error type
/// (`error_types::classify`), the split of a run of replaced words into edits (`edits::diff`)
/// and the veto of the model's edits (`tasks::correction`) share this one test.
pub fn is_respelling(typed: &str, fix: &str) -> bool {
    if is_english(typed) {
        return false;
    }
    let (typed_lower, fix_lower) = (typed.to_lowercase(), fix.to_lowercase());
    strsim::damerau_levenshtein(&typed_lower, &fix_lower)
        <= 2.max(typed_lower.chars().count() * 2 / 5)
        || offers(typed, fix)
}

/// Whether Harper's dictionary has `word` in any letter case ("eco" for "Eco").
pub fn in_dictionary_any_case(word: &str) -> bool {
    FstDictionary::curated().contains_word_str(word)
}

/// A respelling and what it costs to believe it (lower is likelier).
#[derive(Debug, Clone, PartialEq)]
pub struct Respelling {
    /// The word, with the learner's capital letter kept.
    pub word: String,
    /// Weighted edit distance plus a rarity charge (see [`suggestions`]).
    pub cost: f32,
}

/// How many respellings are kept: the hint shows the first; the sentence chooses among those
/// close to it ([`crate::language::rules::RuleCheck::choices`]). Ties are common ("thez": "the", "them",
/// "then", "they" all cost 1.0, sorted by letters), so three cut "they" from the choice.
pub const MAX_SUGGESTIONS: usize = 5;

/// Respellings of `word`, likeliest first, at most [`MAX_SUGGESTIONS`].
///
/// Candidates are the dictionary's words within two edits (three when nothing is that close),
/// as Harper finds them. Each is charged [`learner_distance`] plus:
/// - rarity from the word lists: 0 for A1, up to 0.3 for C2, 0.4 for a word in no list;
/// - 0.6 when the first letter differs (learners rarely get it wrong);
/// - 1.0 for a possessive when the learner typed no apostrophe (seldom what "cherrrys"
///   meant; a contraction is: "dont" → "don't"), and the same for a space or hyphen;
/// - −0.3 when both end in "s": a plural stays plural ("cherrrys" → "cherries");
/// - 0.3 for a name when the learner wrote a lower-case word.
pub fn suggestions(word: &str) -> Vec<Respelling> {
    // Hints run again at every pause in typing, on mostly the same words: keep the answers.
    // The fuzzy search is most of a hint's time (p95 of a sentence 31.9 → 39.0 ms uncached).
    static CACHE: OnceLock<Mutex<HashMap<String, Vec<Respelling>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(word).cloned()) {
        return hit;
    }
    let ranked = rank(word);
    if let Ok(mut c) = cache.lock() {
        if c.len() >= 4096 {
            c.clear();
        }
        c.insert(word.to_string(), ranked.clone());
    }
    ranked
}

/// Whether `fix` is one of the respellings [`suggestions`] offers for `typed` (any letter
/// case).
pub fn offers(typed: &str, fix: &str) -> bool {
    let fix = fix.to_lowercase();
    suggestions(typed)
        .iter()
        .any(|r| r.word.to_lowercase() == fix)
}

fn rank(word: &str) -> Vec<Respelling> {
    let dictionary = FstDictionary::curated();
    let chars: Vec<char> = word.chars().collect();
    let lower = word.to_lowercase();
    let mut seen = HashSet::new();
    let mut ranked: Vec<Respelling> = Vec::new();
    // An abbreviation of the learners' lists typed in lower case ("tv") is the dictionary's
    // capitals; one they are not taught ("og" → "OG", "Lsat" → "LSAT") is more likely a typo.
    let upper = word.to_uppercase();
    if upper != word
        && dictionary.contains_exact_word_str(&upper)
        && Lexicon::builtin().lookup(word).is_some()
    {
        seen.insert(lower.clone());
        ranked.push(Respelling {
            word: upper,
            cost: 0.4,
        });
    }
    for max_distance in 2..=3u8 {
        for found in dictionary.fuzzy_match(&chars, max_distance, 200) {
            let candidate: String = found.word.iter().collect();
            let candidate_lower = candidate.to_lowercase();
            if !seen.insert(candidate_lower.clone()) {
                continue;
            }
            // Only the capitals differ ("ipod" → "iPod"): a little less than a vowel, yet a
            // lower-case "thad" is still more often "than" than the name Thad.
            let mut cost = if candidate_lower == lower {
                0.4
            } else {
                learner_distance(&lower, &candidate_lower)
            } + rarity(&candidate_lower);
            if lower.chars().next() != candidate_lower.chars().next() {
                cost += 0.6;
            }
            let possessive = candidate_lower.ends_with("'s") || candidate_lower.ends_with("s'");
            if possessive && !word.contains(['\'', '’']) {
                cost += 1.0;
            }
            if candidate.contains([' ', '-']) && !word.contains([' ', '-']) {
                cost += 1.0;
            }
            if lower.ends_with('s') && candidate_lower.ends_with('s') && !possessive {
                cost -= 0.3; // a plural stays plural
            }
            let is_name = candidate.chars().next().is_some_and(char::is_uppercase);
            if is_name && !word.chars().next().is_some_and(char::is_uppercase) {
                cost += 0.3;
            }
            ranked.push(Respelling {
                word: with_case_of(word, &candidate),
                cost,
            });
        }
        if !ranked.is_empty() {
            break;
        }
    }
    ranked.sort_by(|a, b| a.cost.total_cmp(&b.cost).then_with(|| a.word.cmp(&b.word)));
    ranked.truncate(MAX_SUGGESTIONS);
    ranked
}

/// 0 for an A1 word up to 0.3 for C2; 0.4 for a word in no list. Lists are what learners are
/// taught, so they stand in for word frequency. The scale was chosen on 6,774 common
/// misspellings (codespell's list, every eighth single-word pair; evaluation only, not
/// shipped): right first suggestion 86.2 % in Harper's order, 87.6 % with no rarity charge,
/// 88.8 % with this one, 87.6 % with twice it, 83.2 % with four times it.
fn rarity(word: &str) -> f32 {
    match Lexicon::builtin().lookup(word) {
        Some((_, level)) => match level {
            CefrLevel::A1 => 0.0,
            CefrLevel::A2 => 0.05,
            CefrLevel::B1 => 0.1,
            CefrLevel::B2 => 0.15,
            CefrLevel::C1 => 0.225,
            CefrLevel::C2 => 0.3,
        },
        None => 0.4,
    }
}

/// The candidate with the learner's capital first letter, unless the candidate has its own
/// capitals (a name keeps them).
fn with_case_of(typed: &str, candidate: &str) -> String {
    let typed_capital = typed.chars().next().is_some_and(char::is_uppercase);
    let mut chars = candidate.chars();
    match chars.next() {
        Some(first) if typed_capital && first.is_lowercase() => {
            first.to_uppercase().chain(chars).collect()
        }
        _ => candidate.to_string(),
    }
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Keys that touch on a QWERTY keyboard: beside each other in a row, or diagonally (each
/// row sits half a key to the right of the one above, so "g" touches "t", "y", "v", "b").
fn adjacent_keys(a: char, b: char) -> bool {
    const ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
    let position = |c: char| {
        ROWS.iter()
            .enumerate()
            .find_map(|(r, row)| row.find(c).map(|col| (r as i32, col as i32)))
    };
    match (position(a), position(b)) {
        (Some((ra, ca)), Some((rb, cb))) => match rb - ra {
            0 => (ca - cb).abs() == 1,
            1 => cb == ca || cb == ca - 1,
            -1 => cb == ca || cb == ca + 1,
            _ => false,
        },
        _ => false,
    }
}

/// Letters that spell the same sound in some English words (c/k/s, s/z, i/y…).
fn same_sound(a: char, b: char) -> bool {
    const PAIRS: [(char, char); 6] = [
        ('c', 'k'),
        ('c', 's'),
        ('s', 'z'),
        ('f', 'v'),
        ('g', 'j'),
        ('q', 'k'),
    ];
    PAIRS
        .iter()
        .any(|&(x, y)| (a, b) == (x, y) || (a, b) == (y, x))
}

fn substitution(a: char, b: char) -> f32 {
    if a == b {
        0.0
    } else if is_vowel(a) && is_vowel(b) {
        0.5
    } else if same_sound(a, b) {
        0.6
    } else if adjacent_keys(a, b) {
        0.8 // learners misspell more than they mistype
    } else {
        1.0
    }
}

/// The cost of `c` being in one word and not the other, next to `before` and `after`;
/// `in_other` says whether the other word has the letter at all.
fn indel(c: char, before: Option<char>, after: Option<char>, in_other: bool) -> f32 {
    if in_other && (before == Some(c) || after == Some(c)) {
        // A letter doubled or not: "succesful", "untill". Only when the other word has the
        // letter: "joing" → "jobbing" is no doubling, it adds a "bb" that was never typed.
        0.4
    } else if is_vowel(c) {
        0.7 // a silent or swallowed vowel: "intrest", "definately"
    } else if matches!(c, '\'' | '-') {
        0.5
    } else {
        1.0
    }
}

/// An edit distance weighted by how learners misspell: vowels confused with each other (0.5),
/// a letter doubled or not (0.4), neighbouring letters swapped (0.6), a same-sound letter
/// (0.6), a key next to the right one (0.8), anything else 1. Optimal string alignment (each letter is edited
/// once at most), on lower-case text.
pub fn learner_distance(typed: &str, word: &str) -> f32 {
    let a: Vec<char> = typed.chars().collect();
    let b: Vec<char> = word.chars().collect();
    let (n, m) = (a.len(), b.len());
    // The cost of the i-th letter (1-based) of `w` being absent from `other`.
    let indel_at = |w: &[char], other: &[char], i: usize| {
        let c = w[i - 1];
        let before = i.checked_sub(2).map(|k| w[k]);
        indel(c, before, w.get(i).copied(), other.contains(&c))
    };
    let cost_a = |i: usize| indel_at(&a, &b, i);
    let cost_b = |j: usize| indel_at(&b, &a, j);
    let mut d = vec![vec![0f32; m + 1]; n + 1];
    for i in 1..=n {
        d[i][0] = d[i - 1][0] + cost_a(i);
    }
    for j in 1..=m {
        d[0][j] = d[0][j - 1] + cost_b(j);
    }
    for i in 1..=n {
        for j in 1..=m {
            let delete = d[i - 1][j] + cost_a(i);
            let insert = d[i][j - 1] + cost_b(j);
            let substitute = d[i - 1][j - 1] + substitution(a[i - 1], b[j - 1]);
            let mut best = delete.min(insert).min(substitute);
            if i > 1
                && j > 1
                && a[i - 1] == b[j - 2]
                && a[i - 2] == b[j - 1]
                && a[i - 1] != a[i - 2]
            {
                best = best.min(d[i - 2][j - 2] + 0.6);
            }
            d[i][j] = best;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(word: &str) -> String {
        suggestions(word)
            .first()
            .map(|r| r.word.clone())
            .unwrap_or_default()
    }

    #[test]
    fn learners_misspellings_cost_less_than_other_edits() {
        assert!(learner_distance("succesful", "successful") < 0.5);
        assert!(learner_distance("definately", "definitely") <= 0.5);
        assert!(learner_distance("recieve", "receive") <= 0.6);
        assert!(learner_distance("succed", "succeed") < learner_distance("succed", "sucked"));
        assert_eq!(learner_distance("same", "same"), 0.0);
        // A doubled letter the learner never typed is two letters added, not a doubling.
        assert!(learner_distance("joing", "join") < learner_distance("joing", "jobbing"));
    }

    #[test]
    fn the_everyday_word_comes_first() {
        assert_eq!(first("cherrrys"), "cherries");
        assert_eq!(first("succed"), "succeed");
        assert_eq!(first("becous"), "because");
        assert_eq!(first("Becaus"), "Because");
        assert_eq!(first("usally"), "usually");
        assert_eq!(first("tv"), "TV");
    }

    #[test]
    fn real_words_outside_harpers_dictionary_are_known() {
        for word in ["capita", "biomechanics", "psychosocial", "Endotherm"] {
            assert!(is_known_word(word), "{word}");
        }
        for typo in ["recieve", "succesful", "definately", "becous"] {
            assert!(!is_known_word(typo), "{typo}");
        }
        assert!(in_dictionary("colour") && in_dictionary("color"));
    }

    #[test]
    fn pairs_are_counted_in_both_orders() {
        let pairs = "becous->because\nsucced->succeed\ncolour->color\nthier->their, there,\n";
        let report = compare_on_pairs(pairs, 1);
        // "colour" is a word and "thier" has two intended words: neither counts.
        assert_eq!(report.pairs, 2);
        assert_eq!(report.ours_right, 2);
        assert!(report.harper_right < 2, "{report:?}");
    }
}

/// How often the first respelling is the word meant, in Harper's order and in ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PairsReport {
    /// Misspellings measured.
    pub pairs: usize,
    /// Harper's first suggestion was the word meant.
    pub harper_right: usize,
    /// [`suggestions`]' first was the word meant.
    pub ours_right: usize,
}

/// Measures the order of suggestions on `typo->word` lines (codespell's format, from
/// `scripts/fetch-spelling-pairs`), taking every `every`-th line. A line counts when it has one
/// intended word, both are lower-case ASCII words, Harper knows the intended word and the typo
/// is no English word (in neither dictionary). Harper's order is that of its spelling lint.
pub fn compare_on_pairs(text: &str, every: usize) -> PairsReport {
    use harper_core::linting::{LintGroup, LintKind, Linter, Suggestion};
    use harper_core::{Dialect, Document};

    let mut harper = LintGroup::new_curated(FstDictionary::curated(), Dialect::American);
    let mut report = PairsReport::default();
    let plain = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase());
    for (i, line) in text.lines().enumerate() {
        if i % every.max(1) != 0 {
            continue;
        }
        let Some((typo, meant)) = line.trim().split_once("->") else {
            continue;
        };
        if !plain(typo) || !plain(meant) || !in_dictionary(meant) {
            continue;
        }
        if in_dictionary(typo) || is_known_word(typo) {
            continue;
        }
        report.pairs += 1;
        let lints = harper.lint(&Document::new_plain_english_curated(typo));
        let harper_first = lints
            .iter()
            .find(|l| l.lint_kind == LintKind::Spelling)
            .and_then(|l| l.suggestions.first())
            .and_then(|s| match s {
                Suggestion::ReplaceWith(chars) => Some(chars.iter().collect::<String>()),
                _ => None,
            });
        if harper_first.as_deref() == Some(meant) {
            report.harper_right += 1;
        }
        if suggestions(typo).first().is_some_and(|r| r.word == meant) {
            report.ours_right += 1;
        }
    }
    report
}
