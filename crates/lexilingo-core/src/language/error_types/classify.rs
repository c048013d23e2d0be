//! The rule-based classifier: which [`ErrorType`] an edit is, from the words it removes and
//! adds and the word before it.

use super::ErrorType;
use crate::language::tokens::{tokenize, RawEdit};

pub(super) const ARTICLES: &[&str] = &["a", "an", "the"];
pub(super) const BE: &[&str] = &[
    "am", "is", "are", "was", "were", "be", "been", "being", "'m", "'s", "'re",
];
pub(super) const PREPOSITIONS: &[&str] = &[
    "in", "on", "at", "to", "for", "of", "with", "from", "by", "about", "into", "onto", "over",
    "under", "since", "during", "until", "till", "through", "between", "among", "after", "before",
    "without", "towards", "toward", "across", "behind", "near", "off", "up", "out",
];
pub(super) const PRONOUNS: &[&str] = &[
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
pub(super) const MODALS: &[&str] = &[
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
pub(super) const QUANTIFIERS: &[&str] = &[
    "much", "many", "few", "little", "some", "any", "a lot of", "lots", "less", "fewer", "every",
    "each", "all", "several", "no",
];
pub(super) const CONJUNCTIONS: &[&str] = &[
    "and", "but", "or", "so", "because", "although", "though", "if", "when", "while", "than",
    "that", "unless", "however", "yet",
];
pub(super) const NEGATIONS: &[&str] = &["not", "no", "never", "nothing", "nobody", "none", "n't"];
/// Words after which a verb takes its participle form (have seen, was taken).
pub(super) const AUXILIARIES: &[&str] = &[
    "have", "has", "had", "been", "be", "was", "were", "is", "are", "am",
];
pub(super) const THIRD_PERSON_SINGULAR: &[&str] =
    &["he", "she", "it", "this", "that", "everyone", "everybody"];
/// Verb forms that only differ in agreement with the subject.
pub(super) const AGREEMENT_PAIRS: &[(&str, &str)] = &[
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
pub(super) const IRREGULAR_VERBS: &[(&str, &str, &str)] = &[
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

pub(super) fn is_in(list: &[&str], word: &str) -> bool {
    list.contains(&word)
}

pub(super) fn lower_words(text: &str) -> Vec<String> {
    tokenize(text)
        .iter()
        .map(|t| t.1.to_lowercase().replace('’', "'"))
        .collect()
}

/// Whether two texts have the same letters and digits, in order, whatever the spaces,
/// hyphens, apostrophes and letter case between them.
pub fn same_letters(a: &str, b: &str) -> bool {
    crate::language::tokens::letters(a) == crate::language::tokens::letters(b)
}

pub(super) fn is_punct(token: &str) -> bool {
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
    if old_words
        .iter()
        .all(|o| crate::language::spelling::is_english(o))
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

pub(super) fn classify_insertion(new: &[&str]) -> ErrorType {
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

pub(super) fn classify_deletion(old: &[&str]) -> ErrorType {
    match old {
        [w] if is_in(ARTICLES, w) => ErrorType::Article,
        [w] if is_in(PREPOSITIONS, w) => ErrorType::Preposition,
        _ => ErrorType::ExtraWord,
    }
}

pub(super) fn classify_substitution(old: &str, new: &str, previous: Option<&str>) -> ErrorType {
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
    // A misspelling is no English word at all, respelt ([`crate::language::spelling::is_respelling`]).
    // A real word swapped for a close real word is a confusion of two words, not a spelling
    // slip: "effect" → "affect", "rebuffs" → "rebuts" are word choice, and "quick" → "quickly"
    // word form. "Real" is the full dictionary (Harper's, SCOWL), not the word lists, whose
    // inflection lookup accepts "succeedded" as a form of "succeed".
    if crate::language::spelling::is_respelling(old, new) {
        return ErrorType::Spelling;
    }
    if same_family(old, new) {
        return ErrorType::WordForm;
    }
    ErrorType::WordChoice
}

/// Tense, agreement, -ing/to and other verb-form relations between two words.
pub(super) fn verb_relation(old: &str, new: &str, previous: Option<&str>) -> Option<ErrorType> {
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

pub(super) fn plural_pair(a: &str, b: &str) -> bool {
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
pub(super) fn comparison_pair(a: &str, b: &str) -> bool {
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
pub(super) fn same_family(a: &str, b: &str) -> bool {
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
