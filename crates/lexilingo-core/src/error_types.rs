//! The fixed set of error types, and a rule-based classifier for an edit.
//!
//! The set is chosen for Vietnamese learners: Vietnamese has no verb conjugation, no articles,
//! no plural inflection and often no copula before adjectives, so those get their own types
//! rather than disappearing into "grammar".

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::edits::{tokenize, RawEdit};

/// What kind of mistake an edit fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    /// Wrong tense (go → went).
    VerbTense,
    /// The verb does not agree with its subject (she don't → she doesn't).
    SubjectVerbAgreement,
    /// Wrong form of a verb (can goes → can go, have saw → have seen).
    VerbForm,
    /// Missing "to be" before an adjective, noun or -ing (she happy → she is happy).
    MissingBe,
    /// Singular/plural of a noun (two apple → two apples).
    NounNumber,
    /// a / an / the.
    Article,
    /// in / on / at / to …
    Preposition,
    /// Words in the wrong order.
    WordOrder,
    /// A wrong word for the meaning.
    WordChoice,
    /// Right word family, wrong form (happy → happiness, quick → quickly).
    WordForm,
    /// Misspelt word.
    Spelling,
    /// Commas, full stops, question marks, apostrophes.
    Punctuation,
    /// Upper/lower case.
    Capitalization,
    /// A needed word is missing.
    MissingWord,
    /// A word that should not be there.
    ExtraWord,
    /// I / me / my / mine …
    Pronoun,
    /// 's and of.
    Possessive,
    /// Comparative and superlative forms.
    Comparison,
    /// can / could / must / should …
    ModalVerb,
    /// to do vs doing.
    GerundInfinitive,
    /// much / many / few / little / some / any.
    Quantifier,
    /// and / but / because / so …
    Conjunction,
    /// not / no / never and double negatives.
    Negation,
    /// Question word order and auxiliaries.
    QuestionForm,
    /// None of the above.
    Other,
}

impl ErrorType {
    /// Every type, in display order.
    pub const ALL: [ErrorType; 25] = [
        ErrorType::VerbTense,
        ErrorType::SubjectVerbAgreement,
        ErrorType::VerbForm,
        ErrorType::MissingBe,
        ErrorType::NounNumber,
        ErrorType::Article,
        ErrorType::Preposition,
        ErrorType::WordOrder,
        ErrorType::WordChoice,
        ErrorType::WordForm,
        ErrorType::Spelling,
        ErrorType::Punctuation,
        ErrorType::Capitalization,
        ErrorType::MissingWord,
        ErrorType::ExtraWord,
        ErrorType::Pronoun,
        ErrorType::Possessive,
        ErrorType::Comparison,
        ErrorType::ModalVerb,
        ErrorType::GerundInfinitive,
        ErrorType::Quantifier,
        ErrorType::Conjunction,
        ErrorType::Negation,
        ErrorType::QuestionForm,
        ErrorType::Other,
    ];

    /// The snake_case name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::VerbTense => "verb_tense",
            ErrorType::SubjectVerbAgreement => "subject_verb_agreement",
            ErrorType::VerbForm => "verb_form",
            ErrorType::MissingBe => "missing_be",
            ErrorType::NounNumber => "noun_number",
            ErrorType::Article => "article",
            ErrorType::Preposition => "preposition",
            ErrorType::WordOrder => "word_order",
            ErrorType::WordChoice => "word_choice",
            ErrorType::WordForm => "word_form",
            ErrorType::Spelling => "spelling",
            ErrorType::Punctuation => "punctuation",
            ErrorType::Capitalization => "capitalization",
            ErrorType::MissingWord => "missing_word",
            ErrorType::ExtraWord => "extra_word",
            ErrorType::Pronoun => "pronoun",
            ErrorType::Possessive => "possessive",
            ErrorType::Comparison => "comparison",
            ErrorType::ModalVerb => "modal_verb",
            ErrorType::GerundInfinitive => "gerund_infinitive",
            ErrorType::Quantifier => "quantifier",
            ErrorType::Conjunction => "conjunction",
            ErrorType::Negation => "negation",
            ErrorType::QuestionForm => "question_form",
            ErrorType::Other => "other",
        }
    }

    /// The type's name in Vietnamese, for labels.
    pub fn name_vi(self) -> &'static str {
        match self {
            ErrorType::VerbTense => "Thì của động từ",
            ErrorType::SubjectVerbAgreement => "Hoà hợp chủ ngữ – động từ",
            ErrorType::VerbForm => "Dạng của động từ",
            ErrorType::MissingBe => "Thiếu động từ “to be”",
            ErrorType::NounNumber => "Danh từ số ít / số nhiều",
            ErrorType::Article => "Mạo từ (a / an / the)",
            ErrorType::Preposition => "Giới từ",
            ErrorType::WordOrder => "Trật tự từ",
            ErrorType::WordChoice => "Dùng từ",
            ErrorType::WordForm => "Loại từ",
            ErrorType::Spelling => "Chính tả",
            ErrorType::Punctuation => "Dấu câu",
            ErrorType::Capitalization => "Viết hoa",
            ErrorType::MissingWord => "Thiếu từ",
            ErrorType::ExtraWord => "Thừa từ",
            ErrorType::Pronoun => "Đại từ",
            ErrorType::Possessive => "Sở hữu cách",
            ErrorType::Comparison => "So sánh",
            ErrorType::ModalVerb => "Động từ khuyết thiếu",
            ErrorType::GerundInfinitive => "V-ing hay to V",
            ErrorType::Quantifier => "Từ chỉ số lượng",
            ErrorType::Conjunction => "Liên từ",
            ErrorType::Negation => "Câu phủ định",
            ErrorType::QuestionForm => "Câu hỏi",
            ErrorType::Other => "Lỗi khác",
        }
    }

    /// The type's name in English, for the English UI (the same labels as [`Self::name_vi`]).
    pub fn name_en(self) -> &'static str {
        match self {
            ErrorType::VerbTense => "Verb tense",
            ErrorType::SubjectVerbAgreement => "Subject–verb agreement",
            ErrorType::VerbForm => "Verb form",
            ErrorType::MissingBe => "Missing “to be”",
            ErrorType::NounNumber => "Singular / plural",
            ErrorType::Article => "Article (a / an / the)",
            ErrorType::Preposition => "Preposition",
            ErrorType::WordOrder => "Word order",
            ErrorType::WordChoice => "Word choice",
            ErrorType::WordForm => "Word form",
            ErrorType::Spelling => "Spelling",
            ErrorType::Punctuation => "Punctuation",
            ErrorType::Capitalization => "Capitalisation",
            ErrorType::MissingWord => "Missing word",
            ErrorType::ExtraWord => "Extra word",
            ErrorType::Pronoun => "Pronoun",
            ErrorType::Possessive => "Possessive",
            ErrorType::Comparison => "Comparison",
            ErrorType::ModalVerb => "Modal verb",
            ErrorType::GerundInfinitive => "-ing or to + verb",
            ErrorType::Quantifier => "Quantifier",
            ErrorType::Conjunction => "Conjunction",
            ErrorType::Negation => "Negation",
            ErrorType::QuestionForm => "Question form",
            ErrorType::Other => "Other",
        }
    }
}

impl std::str::FromStr for ErrorType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorType::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| format!("unknown error type `{s}`"))
    }
}

const ARTICLES: &[&str] = &["a", "an", "the"];
const BE: &[&str] = &[
    "am", "is", "are", "was", "were", "be", "been", "being", "'m", "'s", "'re",
];
const PREPOSITIONS: &[&str] = &[
    "in", "on", "at", "to", "for", "of", "with", "from", "by", "about", "into", "onto", "over",
    "under", "since", "during", "until", "till", "through", "between", "among", "after", "before",
    "without", "towards", "toward", "across", "behind", "near", "off", "up", "out",
];
const PRONOUNS: &[&str] = &[
    "i",
    "me",
    "my",
    "mine",
    "myself",
    "you",
    "your",
    "yours",
    "yourself",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "we",
    "us",
    "our",
    "ours",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "this",
    "that",
    "these",
    "those",
    "who",
    "whom",
    "whose",
    "which",
];
const MODALS: &[&str] = &[
    "can",
    "could",
    "may",
    "might",
    "must",
    "shall",
    "should",
    "will",
    "would",
    "can't",
    "couldn't",
    "mustn't",
    "shouldn't",
    "won't",
    "wouldn't",
];
const QUANTIFIERS: &[&str] = &[
    "much", "many", "few", "little", "some", "any", "a lot of", "lots", "less", "fewer", "every",
    "each", "all", "several", "no",
];
const CONJUNCTIONS: &[&str] = &[
    "and", "but", "or", "so", "because", "although", "though", "if", "when", "while", "than",
    "that", "unless", "however", "yet",
];
const NEGATIONS: &[&str] = &["not", "no", "never", "nothing", "nobody", "none", "n't"];
/// Words after which a verb takes its participle form (have seen, was taken).
const AUXILIARIES: &[&str] = &[
    "have", "has", "had", "been", "be", "was", "were", "is", "are", "am",
];
const THIRD_PERSON_SINGULAR: &[&str] =
    &["he", "she", "it", "this", "that", "everyone", "everybody"];
/// Verb forms that only differ in agreement with the subject.
const AGREEMENT_PAIRS: &[(&str, &str)] = &[
    ("do", "does"),
    ("don't", "doesn't"),
    ("have", "has"),
    ("is", "are"),
    ("am", "is"),
    ("am", "are"),
    ("was", "were"),
    ("isn't", "aren't"),
    ("wasn't", "weren't"),
    ("haven't", "hasn't"),
];
/// (base, past, participle) of frequent irregular verbs, for tense and form decisions.
const IRREGULAR_VERBS: &[(&str, &str, &str)] = &[
    ("be", "was", "been"),
    ("go", "went", "gone"),
    ("do", "did", "done"),
    ("have", "had", "had"),
    ("make", "made", "made"),
    ("say", "said", "said"),
    ("see", "saw", "seen"),
    ("take", "took", "taken"),
    ("come", "came", "come"),
    ("get", "got", "got"),
    ("give", "gave", "given"),
    ("know", "knew", "known"),
    ("think", "thought", "thought"),
    ("tell", "told", "told"),
    ("find", "found", "found"),
    ("feel", "felt", "felt"),
    ("leave", "left", "left"),
    ("buy", "bought", "bought"),
    ("bring", "brought", "brought"),
    ("teach", "taught", "taught"),
    ("catch", "caught", "caught"),
    ("eat", "ate", "eaten"),
    ("write", "wrote", "written"),
    ("speak", "spoke", "spoken"),
    ("run", "ran", "run"),
    ("begin", "began", "begun"),
    ("drink", "drank", "drunk"),
    ("swim", "swam", "swum"),
    ("sleep", "slept", "slept"),
    ("meet", "met", "met"),
    ("pay", "paid", "paid"),
    ("sell", "sold", "sold"),
    ("send", "sent", "sent"),
    ("spend", "spent", "spent"),
    ("win", "won", "won"),
    ("lose", "lost", "lost"),
    ("hear", "heard", "heard"),
    ("read", "read", "read"),
    ("put", "put", "put"),
    ("become", "became", "become"),
    ("fall", "fell", "fallen"),
    ("fly", "flew", "flown"),
    ("forget", "forgot", "forgotten"),
];

fn is_in(list: &[&str], word: &str) -> bool {
    list.contains(&word)
}

fn lower_words(text: &str) -> Vec<String> {
    tokenize(text)
        .iter()
        .map(|t| t.1.to_lowercase().replace('’', "'"))
        .collect()
}

/// Whether two texts have the same letters and digits, in order, whatever the spaces,
/// hyphens, apostrophes and letter case between them.
pub fn same_letters(a: &str, b: &str) -> bool {
    crate::edits::letters(a) == crate::edits::letters(b)
}

fn is_punct(token: &str) -> bool {
    !token.chars().any(char::is_alphanumeric)
}

/// Classifies a raw edit by rules over its words and the word before it. Returns
/// [`ErrorType::Other`] when no rule is confident, so a caller may ask the model instead.
pub fn classify(original_sentence: &str, edit: &RawEdit) -> ErrorType {
    let old = lower_words(&edit.original);
    let new = lower_words(&edit.replacement);
    let previous = tokenize(original_sentence)
        .get(edit.token_index.wrapping_sub(1))
        .map(|t| t.1.to_lowercase());

    if edit.original != edit.replacement
        && edit.original.to_lowercase() == edit.replacement.to_lowercase()
    {
        return ErrorType::Capitalization;
    }
    let old_words: Vec<&str> = old
        .iter()
        .map(String::as_str)
        .filter(|w| !is_punct(w))
        .collect();
    let new_words: Vec<&str> = new
        .iter()
        .map(String::as_str)
        .filter(|w| !is_punct(w))
        .collect();
    if old_words == new_words {
        return ErrorType::Punctuation;
    }
    // The same letters written together, apart, hyphenated or with an apostrophe ("my self" →
    // "myself", "can not" → "cannot", "well being" → "well-being", "dont" → "don't") is how
    // the word is spelt; the explanation says which (`explain_vi`).
    if same_letters(&edit.original, &edit.replacement) {
        return ErrorType::Spelling;
    }
    // "bored" ↔ "boring": the -ed adjective says how someone feels, the -ing one what causes
    // it. The same word family in another form, not a tense.
    if let ([o], [n]) = (old_words.as_slice(), new_words.as_slice()) {
        let stem = |w: &str| {
            w.strip_suffix("ing")
                .or_else(|| w.strip_suffix("ied").map(|s| s.trim_end_matches('y')))
                .or_else(|| w.strip_suffix("ed"))
                .map(str::to_string)
        };
        let ed_ing =
            (o.ends_with("ing") && n.ends_with("ed")) || (o.ends_with("ed") && n.ends_with("ing"));
        if ed_ing && stem(o).is_some() && stem(o) == stem(n) {
            return ErrorType::WordForm;
        }
        // "very like" → "really like": "very" goes with adjectives and adverbs, never verbs.
        if *o == "very" && *n == "really" {
            return ErrorType::WordChoice;
        }
    }
    if old_words.is_empty() {
        return classify_insertion(&new_words);
    }
    if new_words.is_empty() {
        return classify_deletion(&old_words);
    }
    let mut sorted_old = old_words.clone();
    let mut sorted_new = new_words.clone();
    sorted_old.sort_unstable();
    sorted_new.sort_unstable();
    if sorted_old == sorted_new {
        return ErrorType::WordOrder;
    }
    if let ([o], [n]) = (old_words.as_slice(), new_words.as_slice()) {
        return classify_substitution(o, n, previous.as_deref());
    }
    // A multi-word change: a verb whose form changed decides it ("have seen" → "saw").
    for o in &old_words {
        for n in &new_words {
            if o != n {
                if let Some(kind) = verb_relation(o, n, None) {
                    return kind;
                }
            }
        }
    }
    let has_to = |ws: &[&str]| ws.contains(&"to");
    let has_ing = |ws: &[&str]| ws.iter().any(|w| w.len() > 4 && w.ends_with("ing"));
    if (has_to(&old_words) && has_ing(&new_words)) || (has_to(&new_words) && has_ing(&old_words)) {
        return ErrorType::GerundInfinitive;
    }
    let more_most = |ws: &[&str]| ws.iter().any(|w| matches!(*w, "more" | "most"));
    let er_est = |ws: &[&str]| ws.iter().any(|w| w.ends_with("er") || w.ends_with("est"));
    if (more_most(&old_words) && er_est(&new_words))
        || (more_most(&new_words) && er_est(&old_words))
    {
        return ErrorType::Comparison;
    }
    // Every word the learner wrote gives way to other words, none of them a form or a
    // respelling of it: a different word chosen ("catalysing" → "that is causing", "in spite"
    // → "despite"), not a missing "to be" though "is" comes in.
    let related = |o: &str, n: &str| {
        o == n
            || same_family(o, n)
            || plural_pair(o, n)
            || verb_relation(o, n, None).is_some()
            || strsim::damerau_levenshtein(o, n) <= 2
    };
    if old_words.iter().all(|o| crate::spelling::is_english(o))
        && !old_words
            .iter()
            .any(|o| new_words.iter().any(|n| related(o, n)))
    {
        return ErrorType::WordChoice;
    }
    // Otherwise classify by the first pair of words that differ.
    let first_diff = old_words.iter().zip(&new_words).find(|(o, n)| o != n);
    match first_diff {
        Some((o, n)) if old_words.len() == new_words.len() => {
            classify_substitution(o, n, previous.as_deref())
        }
        _ if new_words.len() > old_words.len()
            && new_words.iter().any(|w| is_in(BE, w))
            && !old_words.iter().any(|w| is_in(BE, w)) =>
        {
            ErrorType::MissingBe
        }
        _ => ErrorType::Other,
    }
}

fn classify_insertion(new: &[&str]) -> ErrorType {
    match new {
        [w] if is_in(ARTICLES, w) => ErrorType::Article,
        [w] if is_in(BE, w) => ErrorType::MissingBe,
        [w] if is_in(PREPOSITIONS, w) => ErrorType::Preposition,
        [w] if is_in(PRONOUNS, w) => ErrorType::Pronoun,
        [w] if is_in(CONJUNCTIONS, w) => ErrorType::Conjunction,
        [w] if is_in(NEGATIONS, w) => ErrorType::Negation,
        [w] if *w == "do" || *w == "does" || *w == "did" => ErrorType::QuestionForm,
        _ => ErrorType::MissingWord,
    }
}

fn classify_deletion(old: &[&str]) -> ErrorType {
    match old {
        [w] if is_in(ARTICLES, w) => ErrorType::Article,
        [w] if is_in(PREPOSITIONS, w) => ErrorType::Preposition,
        _ => ErrorType::ExtraWord,
    }
}

fn classify_substitution(old: &str, new: &str, previous: Option<&str>) -> ErrorType {
    let both = |list: &[&str]| is_in(list, old) && is_in(list, new);
    if AGREEMENT_PAIRS
        .iter()
        .any(|&(a, b)| (a == old && b == new) || (a == new && b == old))
    {
        return ErrorType::SubjectVerbAgreement;
    }
    if both(ARTICLES) {
        return ErrorType::Article;
    }
    if both(MODALS) {
        return ErrorType::ModalVerb;
    }
    if both(PRONOUNS) {
        return ErrorType::Pronoun;
    }
    if both(PREPOSITIONS) {
        return ErrorType::Preposition;
    }
    if both(QUANTIFIERS) {
        return ErrorType::Quantifier;
    }
    if both(CONJUNCTIONS) {
        return ErrorType::Conjunction;
    }
    if old.trim_end_matches("'s") == new
        || new.trim_end_matches("'s") == old
        || old.trim_end_matches('\'') == new
        || new.trim_end_matches('\'') == old
    {
        return ErrorType::Possessive;
    }
    if let Some(kind) = verb_relation(old, new, previous) {
        return kind;
    }
    if plural_pair(old, new) {
        return ErrorType::NounNumber;
    }
    if comparison_pair(old, new) {
        return ErrorType::Comparison;
    }
    // A misspelling is no English word at all, respelt ([`crate::spelling::is_respelling`]).
    // A real word swapped for a close real word is a confusion of two words, not a spelling
    // slip: "effect" → "affect", "rebuffs" → "rebuts" are word choice, and "quick" → "quickly"
    // word form. "Real" is the full dictionary (Harper's, SCOWL), not the word lists, whose
    // inflection lookup accepts "succeedded" as a form of "succeed".
    if crate::spelling::is_respelling(old, new) {
        return ErrorType::Spelling;
    }
    if same_family(old, new) {
        return ErrorType::WordForm;
    }
    ErrorType::WordChoice
}

/// Tense, agreement, -ing/to and other verb-form relations between two words.
fn verb_relation(old: &str, new: &str, previous: Option<&str>) -> Option<ErrorType> {
    for &(base, past, participle) in IRREGULAR_VERBS {
        let forms = [base, past, participle];
        if forms.contains(&old) && forms.contains(&new) {
            let after_auxiliary = previous.is_some_and(|p| is_in(AUXILIARIES, p));
            return Some(if new == participle && new != past && after_auxiliary {
                ErrorType::VerbForm
            } else {
                ErrorType::VerbTense
            });
        }
    }
    let third_person = |p: Option<&str>| p.is_some_and(|p| is_in(THIRD_PERSON_SINGULAR, p));
    let adds_s = new.strip_suffix('s') == Some(old) || new.strip_suffix("es") == Some(old);
    let drops_s = old.strip_suffix('s') == Some(new) || old.strip_suffix("es") == Some(new);
    if adds_s && third_person(previous) {
        return Some(ErrorType::SubjectVerbAgreement);
    }
    if drops_s {
        match previous {
            Some("i" | "you" | "we" | "they") => return Some(ErrorType::SubjectVerbAgreement),
            Some(p) if is_in(MODALS, p) || p == "to" => return Some(ErrorType::VerbForm),
            _ => {}
        }
    }
    let stem = |w: &str| -> String {
        let w = w
            .strip_suffix("ing")
            .or_else(|| w.strip_suffix("ed"))
            .or_else(|| w.strip_suffix("es"))
            .or_else(|| w.strip_suffix('s'))
            .unwrap_or(w);
        w.trim_end_matches('e').to_string()
    };
    if stem(old) == stem(new) && old != new {
        if old.ends_with("ed") != new.ends_with("ed") {
            return Some(ErrorType::VerbTense);
        }
        if old.ends_with("ing") != new.ends_with("ing") {
            return Some(ErrorType::GerundInfinitive);
        }
    }
    None
}

fn plural_pair(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    long.strip_suffix('s') == Some(short)
        || long.strip_suffix("es") == Some(short)
        || (long.strip_suffix("ies").is_some()
            && short.strip_suffix('y') == long.strip_suffix("ies"))
        || matches!(
            (short, long),
            ("child", "children")
                | ("man", "men")
                | ("woman", "women")
                | ("person", "people")
                | ("foot", "feet")
                | ("tooth", "teeth")
        )
}

/// Two forms of one adjective or adverb, plain, comparative or superlative ("big" → "bigger",
/// "happier" → "happiest", "good" → "better"). Only the same word's forms count: "deteir" →
/// "deter" ends in -er too, and is a spelling fix.
fn comparison_pair(a: &str, b: &str) -> bool {
    const IRREGULAR: [[&str; 3]; 6] = [
        ["good", "better", "best"],
        ["well", "better", "best"],
        ["bad", "worse", "worst"],
        ["many", "more", "most"],
        ["much", "more", "most"],
        ["little", "less", "least"],
    ];
    // The plain word under a comparative or superlative, in each way English spells it:
    // tall-er, nice-r, bigg-er, happi-er.
    let bases = |w: &str| -> Vec<String> {
        let mut out = vec![w.to_string()];
        for suffix in ["est", "er", "st", "r"] {
            let Some(stem) = w.strip_suffix(suffix) else {
                continue;
            };
            if stem.len() < 2 {
                continue;
            }
            out.push(stem.to_string());
            if let Some(s) = stem.strip_suffix('i') {
                out.push(format!("{s}y"));
            }
            let mut chars = stem.chars().rev();
            if let (Some(x), Some(y)) = (chars.next(), chars.next()) {
                if x == y {
                    out.push(stem[..stem.len() - x.len_utf8()].to_string());
                }
            }
        }
        out
    };
    let (ba, bb) = (bases(a), bases(b));
    // "gooder" → "better": the learner's regular form of an irregular word.
    let irregular = IRREGULAR.iter().any(|family| {
        let has = |forms: &[String]| forms.iter().any(|w| family.contains(&w.as_str()));
        has(&ba) && has(&bb)
    });
    a != b && (irregular || ba.iter().any(|x| bb.contains(x)))
}

/// Two words of one family: a long shared start and, after it, a derivational ending on at
/// least one side ("quick" → "quickly", "happy" → "happiness", "decide" → "decision").
/// Sharing a start is not enough: "rebuffs" and "rebuts" are two different verbs.
fn same_family(a: &str, b: &str) -> bool {
    const ENDINGS: [&str; 40] = [
        "ly", "ness", "ion", "tion", "sion", "ation", "ment", "ful", "fully", "less", "ive",
        "ively", "al", "ally", "ial", "ity", "ed", "ing", "er", "or", "ist", "y", "ic", "ical",
        "ous", "ously", "ance", "ence", "ant", "ent", "ency", "ize", "ise", "able", "ible", "ably",
        "ship", "hood", "dom", "ure",
    ];
    let ending = |t: &str| {
        !t.is_empty()
            && ENDINGS
                .iter()
                .any(|e| t == *e || (e.len() >= 3 && t.ends_with(e) && t.len() <= e.len() + 2))
    };
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let tail = |w: &str| w.chars().skip(common).collect::<String>();
    common >= 4
        && common * 3 >= a.chars().count().min(b.chars().count()) * 2
        && (ending(&tail(a)) || ending(&tail(b)))
}

/// The UI's names for the error types, written from [`ErrorType::name_vi`] and
/// [`ErrorType::name_en`] by `cargo test` beside the ts-rs bindings, so the window, the
/// browser and the CLI name a type the same way in each language (scripts/test fails when the
/// committed file is out of date).
#[cfg(test)]
mod ui_names {
    use super::ErrorType;

    #[test]
    fn export_error_type_names_for_the_ui() {
        let mut out = String::from(
            "// Generated by `cargo test` from lexilingo-core's ErrorType::name_vi / name_en. Do not edit.\n\
             import type { ErrorType } from \"./ErrorType\";\n\n\
             /** Each error type's display name: [Vietnamese, English]. */\n\
             export const ERROR_TYPE_NAMES: Record<ErrorType, [string, string]> = {\n",
        );
        for t in ErrorType::ALL {
            out.push_str(&format!(
                "  {}: [{:?}, {:?}],\n",
                t.as_str(),
                t.name_vi(),
                t.name_en()
            ));
        }
        out.push_str("};\n");
        let dir = std::env::var("TS_RS_EXPORT_DIR").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/bindings").into()
        });
        let path = std::path::Path::new(&dir).join("ErrorTypeNames.ts");
        if std::fs::read_to_string(&path).ok().as_deref() != Some(out.as_str()) {
            std::fs::write(&path, out).expect("write the UI's error type names");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edits::diff;

    fn types(original: &str, corrected: &str) -> Vec<ErrorType> {
        diff(original, corrected)
            .iter()
            .map(|e| classify(original, e))
            .collect()
    }

    #[test]
    fn classifies_the_errors_vietnamese_learners_make_most() {
        let cases = [
            (
                "She don't like apples.",
                "She doesn't like apples.",
                ErrorType::SubjectVerbAgreement,
            ),
            (
                "He go to school.",
                "He goes to school.",
                ErrorType::SubjectVerbAgreement,
            ),
            (
                "Yesterday I go to school.",
                "Yesterday I went to school.",
                ErrorType::VerbTense,
            ),
            ("She happy.", "She is happy.", ErrorType::MissingBe),
            (
                "I have two apple.",
                "I have two apples.",
                ErrorType::NounNumber,
            ),
            ("I eat a apple.", "I eat an apple.", ErrorType::Article),
            ("I am student.", "I am a student.", ErrorType::Article),
            (
                "I live at Hanoi.",
                "I live in Hanoi.",
                ErrorType::Preposition,
            ),
            ("i like tea.", "I like tea.", ErrorType::Capitalization),
            ("I like tea", "I like tea.", ErrorType::Punctuation),
            (
                "I like beautifull flowers.",
                "I like beautiful flowers.",
                ErrorType::Spelling,
            ),
            (
                "I have seen him yesterday.",
                "I saw him yesterday.",
                ErrorType::VerbTense,
            ),
            (
                "He is more tall than me.",
                "He is taller than me.",
                ErrorType::Comparison,
            ),
            (
                "I enjoy to swim.",
                "I enjoy swimming.",
                ErrorType::GerundInfinitive,
            ),
            ("Me like it.", "I like it.", ErrorType::Pronoun),
            ("I can swims.", "I can swim.", ErrorType::VerbForm),
            // Misspellings, found by the dictionary rather than by distance alone.
            ("A good buissnes.", "A good business.", ErrorType::Spelling),
            ("I succeedded.", "I succeeded.", ErrorType::Spelling),
            ("They dont know.", "They don't know.", ErrorType::Spelling),
            (
                "I went by my self.",
                "I went by myself.",
                ErrorType::Spelling,
            ),
            ("I can not go.", "I cannot go.", ErrorType::Spelling),
            ("I doesnot know.", "I does not know.", ErrorType::Spelling),
            (
                "It is well being.",
                "It is well-being.",
                ErrorType::Spelling,
            ),
            // "deter" ends in -er, but this is no comparative.
            (
                "It will deteir them.",
                "It will deter them.",
                ErrorType::Spelling,
            ),
            // Two real words confused: word choice, whatever their distance.
            (
                "It will effect us.",
                "It will affect us.",
                ErrorType::WordChoice,
            ),
            (
                "This rebuffs the claim.",
                "This rebuts the claim.",
                ErrorType::WordChoice,
            ),
            ("He is more happy.", "He is happier.", ErrorType::Comparison),
            (
                "It is the big one.",
                "It is the biggest one.",
                ErrorType::Comparison,
            ),
            ("This is gooder.", "This is better.", ErrorType::Comparison),
            (
                "Growth is catalysing the demand.",
                "Growth is that is causing the demand.",
                ErrorType::WordChoice,
            ),
            ("He going home.", "He is going home.", ErrorType::MissingBe),
            ("He runs quick.", "He runs quickly.", ErrorType::WordForm),
            ("I want happy.", "I want happiness.", ErrorType::WordForm),
            (
                "It is a good decide.",
                "It is a good decision.",
                ErrorType::WordForm,
            ),
        ];
        for (original, corrected, expected) in cases {
            let got = types(original, corrected);
            assert!(
                got.contains(&expected),
                "{original} → {corrected}: got {got:?}, expected {expected:?}"
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for t in ErrorType::ALL {
            assert_eq!(t.as_str().parse::<ErrorType>(), Ok(t));
            assert_eq!(
                serde_json::to_value(t).ok(),
                Some(serde_json::Value::String(t.as_str().into()))
            );
        }
    }
}
