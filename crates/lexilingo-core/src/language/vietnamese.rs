//! Vietnamese inside English: what the tutor must leave exactly as the learner typed it.
//!
//! A Vietnamese learner writes about their own life — "I love phở", "my friend Nguyễn Văn
//! An", "we went to Da Nang for Tết" — and an English spell checker "corrects" all of it:
//! "phở" became "pH", "Bánh mì" "Bing me", "Da Nang" was hinted as "Do NaNs". A wrong fix is
//! worse than none (it also becomes a Review card the learner is drilled on), so these spans
//! are protected: no hint, no rule fix and no model edit may touch them.
//!
//! Protected are
//! - words with letters outside ASCII in the Latin script (every Vietnamese tone mark and
//!   ă â đ ê ô ơ ư; also "café", which is not a mistake either);
//! - names, places, dishes, holidays and customs from `models/lexicon/vietnamese-names.txt`,
//!   matched with tone marks folded away ("Da Nang", "Phu Quoc", "pho", "banh mi", "Tet",
//!   "ao dai"). An entry that is also an English word ("Hue", "Long", "Nam", "My") counts only
//!   where it is written as a name: capitalised, and not the first word of a sentence unless
//!   a title or another protected name stands next to it;
//! - a run of capitalised words starting with a Vietnamese family name ("Nguyen Van An");
//! - emoji.
//!
//! [`is_vietnamese_sentence`] tells a sentence written in Vietnamese from an English one with
//! Vietnamese words in it: the tutor asks for English instead of "fixing" it.

use std::collections::HashMap;
use std::sync::OnceLock;

const NAMES: &str = include_str!("../../../../models/lexicon/vietnamese-names.txt");

/// Byte spans of `text` that must be kept as typed, sorted and not overlapping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protected(Vec<(usize, usize)>);

impl Protected {
    /// The spans.
    pub fn spans(&self) -> &[(usize, usize)] {
        &self.0
    }

    /// Whether nothing is protected.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether an edit of `start..end` changes protected text: it overlaps a span, or (an
    /// insertion, `start == end`) falls strictly inside one.
    pub fn touches(&self, start: usize, end: usize) -> bool {
        self.0.iter().any(|&(s, e)| {
            if start == end {
                s < start && start < e
            } else {
                start < e && s < end
            }
        })
    }
}

/// The kinds of list entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Family,
    Given,
    Place,
    Dish,
    Custom,
}

struct Lists {
    /// Folded entry (words joined by one space) → kind; the longest entries first by word
    /// count is handled by `max_words`.
    entries: HashMap<String, Kind>,
    max_words: usize,
}

fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let mut kind = Kind::Place;
        let mut entries = HashMap::new();
        let mut max_words = 1;
        for line in NAMES.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(k) = line.strip_prefix("kind:") {
                kind = match k.trim() {
                    "family" => Kind::Family,
                    "given" => Kind::Given,
                    "dish" => Kind::Dish,
                    "custom" => Kind::Custom,
                    _ => Kind::Place,
                };
                continue;
            }
            let folded = fold(line);
            max_words = max_words.max(folded.split(' ').count());
            // A word that is both a family and a given name keeps the first kind listed.
            entries.entry(folded).or_insert(kind);
        }
        Lists { entries, max_words }
    })
}

/// Lower case, tone marks and the other diacritics removed, đ → d: how learners without a
/// Vietnamese keyboard write ("Đà Nẵng" → "da nang").
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(base_letter)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The base letter of a Latin letter with diacritics (Vietnamese and Western European).
fn base_letter(c: char) -> char {
    const GROUPS: [(&str, char); 7] = [
        ("àáảãạăằắẳẵặâầấẩẫậäå", 'a'),
        ("èéẻẽẹêềếểễệë", 'e'),
        ("ìíỉĩịïî", 'i'),
        ("òóỏõọôồốổỗộơờớởỡợö", 'o'),
        ("ùúủũụưừứửữựüû", 'u'),
        ("ỳýỷỹỵÿ", 'y'),
        ("đ", 'd'),
    ];
    GROUPS
        .iter()
        .find(|(set, _)| set.contains(c))
        .map_or(c, |&(_, base)| base)
}

/// Whether `c` is a Latin letter with a diacritic (any Vietnamese tone mark, ă, đ, …).
fn is_marked_letter(c: char) -> bool {
    c.is_alphabetic() && !c.is_ascii() && matches!(c as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF)
}

/// Whether `c` only Vietnamese writes (ă â đ ê ô ơ ư and the tone-marked vowels of the
/// Vietnamese block), as opposed to "é" in "café".
fn is_vietnamese_letter(c: char) -> bool {
    "ăâđêôơưĂÂĐÊÔƠƯ".contains(c) || matches!(c as u32, 0x1EA0..=0x1EF9)
}

/// Whether `c` is an emoji or part of one (joiners, variation selectors, flags, skin tones).
fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF
        | 0xFE0F | 0x200D | 0x20E3 | 0x2190..=0x21FF | 0x2300..=0x23FF | 0x3030 | 0x303D
        | 0x3297 | 0x3299 | 0xE0020..=0xE007F)
}

/// A word of the text: its byte span and its letters.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    start: usize,
    end: usize,
    text: &'a str,
    /// The first word of a sentence (nothing but sentence punctuation before it).
    first: bool,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    let mut first = true;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let part_of_word = c.is_alphanumeric() || (c == '\'' && start.is_some());
        match (start, part_of_word) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                out.push(Word {
                    start: s,
                    end: i,
                    text: &text[s..i],
                    first,
                });
                first = false;
                start = None;
            }
            _ => {}
        }
        if start.is_none() && matches!(c, '.' | '!' | '?' | '\n' | '"' | '“' | ':') {
            first = true;
        }
    }
    out
}

fn capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// Titles before a name ("Ms. Hằng", "Mr Long", "chị Lan").
fn is_title(w: &str) -> bool {
    matches!(
        fold(w).as_str(),
        "mr" | "mrs"
            | "ms"
            | "miss"
            | "dr"
            | "prof"
            | "teacher"
            | "uncle"
            | "aunt"
            | "anh"
            | "chi"
            | "co"
            | "thay"
            | "ong"
            | "ba"
            | "bac"
            | "chu"
            | "em"
    )
}

/// The spans of `text` the tutor must keep as typed.
pub fn protected_spans(text: &str) -> Protected {
    let ws = words(text);
    let lists = lists();
    let mut keep = vec![false; ws.len()];
    let english = |w: &str| crate::language::spelling::is_english(w);
    // 1. Words with diacritics.
    for (i, w) in ws.iter().enumerate() {
        if w.text.chars().any(is_marked_letter) {
            keep[i] = true;
        }
    }
    // 2. List entries, longest first.
    let mut i = 0;
    while i < ws.len() {
        let mut matched = 0;
        for n in (1..=lists.max_words.min(ws.len() - i)).rev() {
            let span = &ws[i..i + n];
            // The words of an entry follow each other with only spaces or hyphens between.
            let joined = span.windows(2).all(|p| {
                text[p[0].end..p[1].start]
                    .chars()
                    .all(|c| c == ' ' || c == '-')
            });
            if !joined {
                continue;
            }
            let key = fold(&span.iter().map(|w| w.text).collect::<Vec<_>>().join(" "));
            let Some(&kind) = lists.entries.get(&key) else {
                continue;
            };
            let marked = span.iter().any(|w| w.text.chars().any(is_marked_letter));
            let all_english = span.iter().all(|w| english(w.text));
            let written_as_name = span.iter().all(|w| capitalised(w.text));
            // A dish or a custom is the same thing in English dictionaries ("pho" is in
            // them), so it counts in any case; names and places follow the name rules.
            let ok = if matches!(kind, Kind::Dish | Kind::Custom) {
                true
            } else if marked || !all_english {
                // Places are written in lower case too ("da nang").
                written_as_name || kind == Kind::Place
            } else {
                // "Hue", "Long", "My": a name only where written as one, and at the start of a
                // sentence only next to a title or another name.
                let by_name = (i > 0 && (keep[i - 1] || is_title(ws[i - 1].text)))
                    || ws.get(i + n).is_some_and(|w| {
                        capitalised(w.text) && lists.entries.contains_key(&fold(w.text))
                    });
                written_as_name && (!span[0].first || by_name)
            };
            if ok {
                matched = n;
                break;
            }
        }
        if matched > 0 {
            keep[i..i + matched].iter_mut().for_each(|k| *k = true);
            i += matched;
        } else {
            i += 1;
        }
    }
    // 3. A family name starts a name: the capitalised words after it belong to it.
    for i in 0..ws.len() {
        let family = lists.entries.get(&fold(ws[i].text)) == Some(&Kind::Family);
        if family && keep[i] && capitalised(ws[i].text) {
            let mut j = i + 1;
            while j < ws.len()
                && capitalised(ws[j].text)
                && text[ws[j - 1].end..ws[j].start].chars().all(|c| c == ' ')
                && (lists.entries.contains_key(&fold(ws[j].text)) || !english(ws[j].text))
            {
                keep[j] = true;
                j += 1;
            }
        }
    }
    let mut spans: Vec<(usize, usize)> = ws
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(w, _)| (w.start, w.end))
        .collect();
    // 4. Emoji, as whole runs (a family emoji is several characters joined).
    let mut run: Option<usize> = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (run, is_emoji(c)) {
            (None, true) => run = Some(i),
            (Some(s), false) => {
                spans.push((s, i));
                run = None;
            }
            _ => {}
        }
    }
    spans.sort_unstable();
    // Neighbouring protected words of one name join into one span ("Nguyễn Văn An").
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 || text[last.1..s].chars().all(|c| c == ' ') => {
                last.1 = last.1.max(e)
            }
            _ => merged.push((s, e)),
        }
    }
    Protected(merged)
}

/// Syllables of unaccented Vietnamese that are no English words, for a sentence typed
/// without a Vietnamese keyboard ("toi khong biet").
const UNACCENTED: &[&str] = &[
    "toi", "khong", "cua", "nhung", "duoc", "nguoi", "chung", "nhieu", "rat", "lam", "nay", "roi",
    "chua", "dang", "voi", "gi", "vay", "nhe", "nha", "oi", "minh", "biet", "thich", "muon", "hoc",
    "tieng", "anh", "viet", "em", "cac", "nhu", "nao", "thi", "cung",
];

/// Whether `text` is written in Vietnamese rather than English with Vietnamese words in it:
/// most of its words carry Vietnamese letters (or are unaccented Vietnamese syllables), and
/// few are English words that are not on the Vietnamese lists.
pub fn is_vietnamese_sentence(text: &str) -> bool {
    let ws: Vec<Word<'_>> = words(text)
        .into_iter()
        .filter(|w| w.text.chars().any(char::is_alphabetic))
        .collect();
    if ws.is_empty() {
        return false;
    }
    // The common case while typing English: no Vietnamese letter and no Vietnamese syllable,
    // decided without the dictionary lookups below (hints must stay fast).
    let any_vietnamese = ws.iter().any(|w| {
        w.text.chars().any(is_vietnamese_letter)
            || UNACCENTED.contains(&w.text.to_lowercase().as_str())
    });
    if !any_vietnamese {
        return false;
    }
    let protected = protected_spans(text);
    let vietnamese = ws
        .iter()
        .filter(|w| w.text.chars().any(is_vietnamese_letter))
        .count();
    let unaccented = ws
        .iter()
        .filter(|w| UNACCENTED.contains(&w.text.to_lowercase().as_str()))
        .count();
    let english = ws
        .iter()
        .filter(|w| {
            !protected.touches(w.start, w.end)
                && !UNACCENTED.contains(&w.text.to_lowercase().as_str())
                && crate::language::spelling::is_english(w.text)
        })
        .count();
    let n = ws.len();
    // Accented: at least two Vietnamese words, at least half the words, and English words a
    // minority. Unaccented: nearly every word a Vietnamese syllable and almost no English.
    (vietnamese >= 2 && vietnamese * 2 >= n && english * 2 < n)
        || (n >= 3 && unaccented * 10 >= n * 7 && english * 5 <= n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(text: &str) -> Vec<&str> {
        protected_spans(text)
            .spans()
            .iter()
            .map(|&(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn vietnamese_words_names_places_and_dishes_are_protected() {
        assert_eq!(kept("I love phở so much."), ["phở"]);
        assert_eq!(kept("Bánh mì is my favourite breakfast."), ["Bánh mì"]);
        assert_eq!(kept("I drink cà phê sữa đá every day."), ["cà phê sữa đá"]);
        assert_eq!(kept("My teacher is Ms. Hằng."), ["Hằng"]);
        assert_eq!(
            kept("My friend Nguyen Van An lives in Da Nang."),
            ["Nguyen Van An", "Da Nang"]
        );
        assert_eq!(kept("We went to Phu Quoc for Tet."), ["Phu Quoc", "Tet"]);
        assert_eq!(
            kept("She wears an ao dai and eats banh mi and pho."),
            ["ao dai", "banh mi", "pho"]
        );
        assert_eq!(kept("Nguyễn is a common family name."), ["Nguyễn"]);
        assert_eq!(kept("I had a great time 😀👍 today!"), ["😀👍"]);
    }

    #[test]
    fn english_words_on_the_lists_count_only_as_names() {
        assert!(kept("The hue of the sky is long and my son is happy.").is_empty());
        assert!(kept("Long ago, people lived here.").is_empty());
        assert_eq!(kept("I visited Hue and met Long there."), ["Hue", "Long"]);
        assert_eq!(kept("Mr Long is my teacher."), ["Long"]);
        assert!(kept("She don't like apples.").is_empty());
    }

    #[test]
    fn edits_touching_a_protected_span_are_detected() {
        let text = "I love phở so much.";
        let p = protected_spans(text);
        let at = text.find("phở").expect("word");
        assert!(p.touches(at, at + "phở".len()));
        assert!(p.touches(at + 1, at + 1), "an insertion inside the word");
        assert!(!p.touches(at, at), "an insertion before it");
        assert!(!p.touches(0, 1));
    }

    #[test]
    fn sentences_in_vietnamese_are_told_from_english_with_vietnamese_words() {
        for vi in [
            "Tôi thích học tiếng Anh.",
            "Hôm nay trời đẹp quá!",
            "Em không biết câu này đúng không.",
            "toi khong biet lam bai nay",
        ] {
            assert!(is_vietnamese_sentence(vi), "{vi}");
        }
        for en in [
            "I love phở so much.",
            "I drink cà phê sữa đá every day.",
            "My friend Nguyễn Văn An lives in Đà Nẵng.",
            "She don't like apples.",
            "The cafe is near the river.",
            "Ba Na Hills is near Da Nang.",
        ] {
            assert!(!is_vietnamese_sentence(en), "{en}");
        }
    }
}
