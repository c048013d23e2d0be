//! Per-word CEFR levels from published word lists, shipped inside the binary.
//!
//! Sources (see `models/lexicon/README.md` for the full attribution): the CEFR-J Wordlist 1.5
//! (A1–B2, © Tono Laboratory, TUFS) and the Octanove Vocabulary Profile C1/C2 (CC BY-SA 4.0).
//! A word found in neither list, even after undoing inflections, is
//! [`LexLevel::Unknown`]: the tutor never guesses a level it cannot back with a list.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::language::cefr::CefrLevel;

const CEFRJ_CSV: &str = include_str!("../../../../models/lexicon/cefrj-vocabulary-profile-1.5.csv");
const OCTANOVE_CSV: &str =
    include_str!("../../../../models/lexicon/octanove-vocabulary-profile-c1c2-1.0.csv");

/// A word's level from the lists, or "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum LexLevel {
    /// In no list.
    Unknown,
    /// Listed at this level. (serde wants untagged variants last.)
    #[serde(untagged)]
    Known(CefrLevel),
}

/// Written by hand: utoipa does not honour serde's `untagged` on one variant, and documented
/// `Known` as `{"known": "A1"}` while serde writes `"A1"` (the server's schema test caught it).
impl utoipa::PartialSchema for LexLevel {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let names = std::iter::once("unknown").chain(CefrLevel::ALL.iter().map(|l| l.as_str()));
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(names))
            .description(Some("A word's level from the lists, or \"unknown\"."))
            .into()
    }
}

impl utoipa::ToSchema for LexLevel {}

impl LexLevel {
    /// The level, if known.
    pub fn level(self) -> Option<CefrLevel> {
        match self {
            LexLevel::Known(l) => Some(l),
            LexLevel::Unknown => None,
        }
    }
}

/// One word of a sentence with its level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct WordLevel {
    /// The word as written.
    pub word: String,
    /// Byte offset where it starts in the sentence.
    pub start: usize,
    /// Byte offset just past its end.
    pub end: usize,
    /// The list entry it was found under (e.g. "go" for "went"), if any.
    pub lemma: Option<String>,
    /// Its level.
    pub level: LexLevel,
}

/// The merged word lists: lower-cased headword → lowest level it is listed at.
pub struct Lexicon {
    levels: HashMap<String, CefrLevel>,
}

impl Lexicon {
    /// The lists compiled into the binary, parsed once.
    pub fn builtin() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(|| {
            let mut lexicon = Lexicon {
                levels: HashMap::with_capacity(10_000),
            };
            lexicon.add_csv(CEFRJ_CSV);
            lexicon.add_csv(OCTANOVE_CSV);
            lexicon
        })
    }

    /// Adds rows `headword,pos,CEFR,...`. A headword may list variants separated by `/`
    /// ("a.m./A.M./am/AM"). A word listed under several parts of speech keeps its lowest level:
    /// a learner meets it first there.
    fn add_csv(&mut self, csv: &str) {
        for line in csv.lines().skip(1) {
            let mut fields = line.splitn(4, ',');
            let (Some(headword), Some(_pos), Some(level)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let Ok(level) = level.parse::<CefrLevel>() else {
                continue;
            };
            for variant in headword.split('/') {
                let key = variant.trim().to_lowercase();
                if key.is_empty() {
                    continue;
                }
                self.levels
                    .entry(key)
                    .and_modify(|l| *l = (*l).min(level))
                    .or_insert(level);
            }
        }
    }

    /// Number of distinct headwords.
    pub fn len(&self) -> usize {
        self.levels.len()
    }

    /// Whether the lexicon is empty.
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// The level of `word` and the headword it matched, undoing regular and common irregular
    /// inflections and contractions.
    pub fn lookup(&self, word: &str) -> Option<(String, CefrLevel)> {
        let lower = word.to_lowercase().replace('’', "'");
        lemma_candidates(&lower)
            .into_iter()
            .find_map(|c| self.levels.get(&c).map(|l| (c, *l)))
    }

    /// The highest list level among the words of `sentence` (A1 when none is listed): the
    /// fallback sentence level when no calibration is available.
    pub fn highest_level(&self, sentence: &str) -> CefrLevel {
        words(sentence)
            .filter_map(|(_, w)| self.lookup(w).map(|(_, l)| l))
            .max()
            .unwrap_or(CefrLevel::A1)
    }

    /// Every word of `sentence` with its level.
    pub fn profile(&self, sentence: &str) -> Vec<WordLevel> {
        words(sentence)
            .map(|(start, word)| {
                let (lemma, level) = match self.lookup(word) {
                    Some((lemma, level)) => (Some(lemma), LexLevel::Known(level)),
                    None => (None, LexLevel::Unknown),
                };
                WordLevel {
                    word: word.to_string(),
                    start,
                    end: start + word.len(),
                    lemma,
                    level,
                }
            })
            .collect()
    }
}

/// Words of `text` with their byte offsets: runs of letters, digits, apostrophes and hyphens
/// inside a word ("don't", "well-known").
pub fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let is_word_char = |c: char| c.is_alphanumeric();
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(pos, c)) in chars.iter().enumerate() {
        let joiner = matches!(c, '\'' | '’' | '-')
            && start.is_some()
            && chars.get(i + 1).is_some_and(|&(_, n)| is_word_char(n));
        if is_word_char(c) || joiner {
            start.get_or_insert(pos);
        } else if let Some(s) = start.take() {
            spans.push((s, &text[s..pos]));
        }
    }
    if let Some(s) = start {
        spans.push((s, &text[s..]));
    }
    spans.into_iter()
}

/// Irregular forms → headword, for the verbs, nouns and adjectives a learner meets first.
const IRREGULAR: &[(&str, &str)] = &[
    ("am", "be"),
    ("is", "be"),
    ("are", "be"),
    ("was", "be"),
    ("were", "be"),
    ("been", "be"),
    ("being", "be"),
    ("has", "have"),
    ("had", "have"),
    ("does", "do"),
    ("did", "do"),
    ("done", "do"),
    ("went", "go"),
    ("gone", "go"),
    ("goes", "go"),
    ("made", "make"),
    ("said", "say"),
    ("saw", "see"),
    ("seen", "see"),
    ("took", "take"),
    ("taken", "take"),
    ("came", "come"),
    ("got", "get"),
    ("gotten", "get"),
    ("gave", "give"),
    ("given", "give"),
    ("knew", "know"),
    ("known", "know"),
    ("thought", "think"),
    ("told", "tell"),
    ("found", "find"),
    ("felt", "feel"),
    ("left", "leave"),
    ("bought", "buy"),
    ("brought", "bring"),
    ("taught", "teach"),
    ("caught", "catch"),
    ("ate", "eat"),
    ("eaten", "eat"),
    ("wrote", "write"),
    ("written", "write"),
    ("spoke", "speak"),
    ("spoken", "speak"),
    ("ran", "run"),
    ("began", "begin"),
    ("begun", "begin"),
    ("drank", "drink"),
    ("drunk", "drink"),
    ("swam", "swim"),
    ("sang", "sing"),
    ("slept", "sleep"),
    ("kept", "keep"),
    ("met", "meet"),
    ("paid", "pay"),
    ("sold", "sell"),
    ("sent", "send"),
    ("spent", "spend"),
    ("stood", "stand"),
    ("understood", "understand"),
    ("won", "win"),
    ("lost", "lose"),
    ("heard", "hear"),
    ("held", "hold"),
    ("built", "build"),
    ("became", "become"),
    ("chose", "choose"),
    ("chosen", "choose"),
    ("drove", "drive"),
    ("driven", "drive"),
    ("fell", "fall"),
    ("fallen", "fall"),
    ("flew", "fly"),
    ("flown", "fly"),
    ("forgot", "forget"),
    ("forgotten", "forget"),
    ("grew", "grow"),
    ("grown", "grow"),
    ("rode", "ride"),
    ("ridden", "ride"),
    ("rose", "rise"),
    ("shook", "shake"),
    ("stole", "steal"),
    ("threw", "throw"),
    ("thrown", "throw"),
    ("woke", "wake"),
    ("wore", "wear"),
    ("worn", "wear"),
    ("children", "child"),
    ("men", "man"),
    ("women", "woman"),
    ("feet", "foot"),
    ("teeth", "tooth"),
    ("mice", "mouse"),
    ("better", "good"),
    ("best", "good"),
    ("worse", "bad"),
    ("worst", "bad"),
    ("won't", "will"),
    ("can't", "can"),
    ("shan't", "shall"),
    ("i'm", "i"),
    ("let's", "let"),
];

/// Candidate headwords for an inflected or contracted form, most likely first.
fn lemma_candidates(word: &str) -> Vec<String> {
    let mut out = vec![word.to_string()];
    if let Some(&(_, lemma)) = IRREGULAR.iter().find(|(form, _)| *form == word) {
        out.push(lemma.to_string());
    }
    let base = if let Some(stem) = word.strip_suffix("n't") {
        stem
    } else {
        ["'s", "'re", "'ve", "'ll", "'d", "s'"]
            .iter()
            .find_map(|suffix| word.strip_suffix(suffix))
            .unwrap_or(word)
    };
    if base != word {
        out.push(base.to_string());
        if let Some(&(_, lemma)) = IRREGULAR.iter().find(|(form, _)| *form == base) {
            out.push(lemma.to_string());
        }
    }
    let w = base;
    let mut push = |s: String| {
        if s.len() >= 2 {
            out.push(s);
        }
    };
    if let Some(s) = w.strip_suffix("ies") {
        push(format!("{s}y"));
    }
    if let Some(s) = w.strip_suffix("es") {
        push(s.to_string());
    }
    if let Some(s) = w.strip_suffix('s') {
        push(s.to_string());
    }
    if let Some(s) = w.strip_suffix("ied") {
        push(format!("{s}y"));
    }
    for suffix in ["ed", "ing", "er", "est"] {
        if let Some(s) = w.strip_suffix(suffix) {
            push(s.to_string());
            push(format!("{s}e"));
            if let Some(undoubled) = undouble(s) {
                push(undoubled);
            }
            if let Some(y) = s.strip_suffix('i') {
                push(format!("{y}y"));
            }
        }
    }
    if let Some(s) = w.strip_suffix("ly") {
        push(s.to_string());
        if let Some(y) = s.strip_suffix('i') {
            push(format!("{y}y"));
        }
    }
    out
}

/// "runn" → "run", "stopp" → "stop": the doubled consonant of "running", "stopped".
fn undouble(stem: &str) -> Option<String> {
    let bytes = stem.as_bytes();
    let n = bytes.len();
    (n >= 3 && bytes[n - 1] == bytes[n - 2] && !b"aeiou".contains(&bytes[n - 1]))
        .then(|| stem[..n - 1].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_both_lists() {
        let lex = Lexicon::builtin();
        assert!(lex.len() > 8_500, "only {} headwords", lex.len());
        assert_eq!(lex.lookup("apple").map(|x| x.1), Some(CefrLevel::A1));
        assert_eq!(lex.lookup("cloak").map(|x| x.1), Some(CefrLevel::C1));
        assert_eq!(
            lex.lookup("am").map(|x| x.0),
            Some("am".into()),
            "a.m./am variants"
        );
    }

    #[test]
    fn undoes_inflections_and_contractions() {
        let lex = Lexicon::builtin();
        for (form, lemma) in [
            ("apples", "apple"),
            ("went", "go"),
            ("doesn't", "does"),
            ("running", "run"),
            ("studied", "study"),
            ("Likes", "like"),
            ("bigger", "big"),
            ("quickly", "quick"),
        ] {
            let (found, _) = lex
                .lookup(form)
                .unwrap_or_else(|| panic!("{form} not found"));
            assert!(
                found == lemma || found == form.to_lowercase(),
                "{form} matched {found}, expected {lemma}"
            );
        }
    }

    #[test]
    fn a_word_in_no_list_is_unknown_not_guessed() {
        let profile = Lexicon::builtin().profile("Nguyen loves zxqvy.");
        let levels: Vec<_> = profile.iter().map(|w| (w.word.as_str(), w.level)).collect();
        assert_eq!(levels[0], ("Nguyen", LexLevel::Unknown));
        assert_eq!(levels[2], ("zxqvy", LexLevel::Unknown));
        assert!(matches!(levels[1].1, LexLevel::Known(_)));
        let json = serde_json::to_string(&LexLevel::Unknown).expect("serialize");
        assert_eq!(json, "\"unknown\"");
        let json = serde_json::to_string(&LexLevel::Known(CefrLevel::B1)).expect("serialize");
        assert_eq!(json, "\"B1\"");
    }

    #[test]
    fn splits_words_with_offsets() {
        let text = "She don't like well-known apples, ok?";
        let ws: Vec<_> = words(text).collect();
        assert_eq!(
            ws.iter().map(|w| w.1).collect::<Vec<_>>(),
            ["She", "don't", "like", "well-known", "apples", "ok"]
        );
        for (start, w) in ws {
            assert_eq!(&text[start..start + w.len()], w);
        }
    }
}
