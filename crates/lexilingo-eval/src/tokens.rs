//! Tokens as the data sets write them: JFLEG's tokenisation, turning it back into a
//! sentence a learner would type, and a corrected sentence back into the data set's tokens
//! (so only the tutor's edits differ); and which tutor error types agree with ERRANT's
//! categories.

/// Splits like JFLEG's tokenisation: words and punctuation apart, and PTB-style contractions
/// ("do n't", "it 's"), so a hypothesis is compared token for token with the references.
pub fn jfleg_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (_, token) in lexilingo_core::language::edits::tokenize(text) {
        let t = token.replace('’', "'");
        let lower = t.to_lowercase();
        if lower.ends_with("n't") && t.len() > 3 {
            out.push(t[..t.len() - 3].to_string());
            out.push(t[t.len() - 3..].to_string());
            continue;
        }
        let clitic = ["'s", "'re", "'ve", "'ll", "'d", "'m"]
            .iter()
            .find(|c| lower.ends_with(*c) && t.len() > c.len());
        match clitic {
            Some(c) => {
                out.push(t[..t.len() - c.len()].to_string());
                out.push(t[t.len() - c.len()..].to_string());
            }
            None => out.push(t),
        }
    }
    out
}

/// Undoes JFLEG's tokenisation ("does n't" → "doesn't", "word ." → "word."), so the tutor
/// sees a sentence as a learner would type it.
pub fn detokenize(text: &str) -> String {
    detokenize_with_spans(text).0
}

/// [`detokenize`], with the byte span of each source token in the result.
fn detokenize_with_spans(text: &str) -> (String, Vec<(usize, usize)>) {
    let mut out = String::new();
    let mut spans = Vec::new();
    for token in text.split_whitespace() {
        let lower = token.to_lowercase();
        let attach = matches!(token, "." | "," | "!" | "?" | ";" | ":" | ")" | "%")
            || lower == "n't"
            || ["'s", "'re", "'ve", "'ll", "'d", "'m"].contains(&lower.as_str());
        if !out.is_empty() && !attach && !out.ends_with('(') {
            out.push(' ');
        }
        spans.push((out.len(), out.len() + token.len()));
        out.push_str(token);
    }
    (out, spans)
}

/// The tutor's correction of `detokenize(source)` in `source`'s own tokens: the source tokens
/// no edit touches are kept as they are, and only the words an edit changes are tokenised
/// again ([`jfleg_tokens`]). Re-tokenising the whole correction would instead split what the
/// data set's tokeniser kept whole ("..", "it?Well") and score that as edits the tutor never
/// made.
pub fn retokenize(source: &str, corrected: &str) -> String {
    let (detok, spans) = detokenize_with_spans(source);
    let tokens: Vec<&str> = source.split_whitespace().collect();
    let edits = lexilingo_core::language::edits::diff(&detok, corrected);
    if edits.is_empty() {
        return tokens.join(" ");
    }
    let mut out: Vec<String> = Vec::new();
    let mut i = 0; // next source token to emit
    let mut k = 0; // next edit
    while i < tokens.len() || k < edits.len() {
        let Some(e) = edits.get(k) else {
            out.push(tokens[i].to_string());
            i += 1;
            continue;
        };
        if i < tokens.len() && spans[i].1 <= e.start && !(e.start == e.end && spans[i].0 >= e.start)
        {
            out.push(tokens[i].to_string());
            i += 1;
            continue;
        }
        // A region of whole source tokens covering this edit and any edit that shares them.
        let region_start = if i < tokens.len() {
            spans[i].0.min(e.start)
        } else {
            e.start
        };
        let mut region_end = e.end;
        let mut j = i;
        let mut last = k;
        loop {
            while j < tokens.len() && spans[j].0 < region_end {
                region_end = region_end.max(spans[j].1);
                j += 1;
            }
            match edits.get(last + 1) {
                Some(next) if next.start < region_end => {
                    last += 1;
                    region_end = region_end.max(next.end);
                }
                _ => break,
            }
        }
        let mut text = String::new();
        let mut cursor = region_start;
        for e in &edits[k..=last] {
            text.push_str(detok.get(cursor..e.start).unwrap_or(""));
            text.push(' ');
            text.push_str(&e.replacement);
            text.push(' ');
            cursor = e.end;
        }
        text.push_str(detok.get(cursor..region_end).unwrap_or(""));
        out.extend(jfleg_tokens(&text));
        i = j;
        k = last + 1;
    }
    out.join(" ")
}

/// Whether the tutor's type for an edit agrees with ERRANT's category for the same edit
/// (`M:DET`, `R:VERB:TENSE`, `U:PREP` …: operation, then part of speech and kind). The
/// tutor's types are finer than ERRANT's in places (missing *be* is ERRANT's `M:VERB` or
/// `M:VERB:TENSE`) and coarser in others (word choice covers ERRANT's open-class `R:NOUN`,
/// `R:VERB`, `R:ADJ`, `R:ADV`), so one type maps to a set of categories; `MissingWord` and
/// `ExtraWord` are ERRANT's operations `M` and `U` of any kind. Used by `lexilingo eval` to
/// check, on edits that match a reference edit, that the lesson shown is the right one.
pub fn errant_agrees(tutor: lexilingo_core::ErrorType, category: &str) -> bool {
    use lexilingo_core::ErrorType as T;
    let (op, kind) = category.split_once(':').unwrap_or(("", category));
    let kinds: &[&str] = match tutor {
        T::VerbTense => &["VERB:TENSE"],
        T::SubjectVerbAgreement => &["VERB:SVA"],
        T::VerbForm => &["VERB:FORM", "VERB:INFL", "VERB"],
        T::MissingBe => &["VERB", "VERB:TENSE", "VERB:SVA"],
        T::NounNumber => &["NOUN:NUM", "NOUN:INFL"],
        T::Article => &["DET"],
        T::Preposition => &["PREP"],
        T::WordOrder => &["WO"],
        T::WordChoice => &[
            "NOUN", "VERB", "ADJ", "ADV", "OTHER", "PART", "CONJ", "PREP",
        ],
        T::WordForm => &["ADJ:FORM", "MORPH", "NOUN:INFL", "VERB:FORM", "ADJ", "ADV"],
        T::Spelling => &["SPELL"],
        T::Punctuation => &["PUNCT"],
        T::Capitalization => &["ORTH"],
        T::MissingWord => return op == "M",
        T::ExtraWord => return op == "U",
        T::Pronoun => &["PRON"],
        T::Possessive => &["NOUN:POSS", "PRON"],
        T::Comparison => &["ADJ:FORM", "ADJ", "ADV"],
        T::ModalVerb => &["VERB", "VERB:FORM"],
        T::GerundInfinitive => &["VERB:FORM"],
        T::Quantifier => &["DET", "ADJ"],
        T::Conjunction => &["CONJ"],
        T::Negation => &["VERB", "ADV", "PART", "OTHER"],
        T::QuestionForm => &["WO", "VERB", "VERB:SVA", "VERB:TENSE"],
        T::Other => &["OTHER"],
    };
    kinds.contains(&kind)
}

#[cfg(test)]
mod tests {
    use super::{detokenize, jfleg_tokens};

    #[test]
    fn errant_categories_map_to_tutor_types() {
        use lexilingo_core::ErrorType as T;
        assert!(super::errant_agrees(T::Article, "M:DET"));
        assert!(super::errant_agrees(T::VerbTense, "R:VERB:TENSE"));
        assert!(!super::errant_agrees(T::VerbTense, "R:VERB:SVA"));
        assert!(super::errant_agrees(T::MissingWord, "M:ADV"));
        assert!(!super::errant_agrees(T::MissingWord, "R:ADV"));
        assert!(!super::errant_agrees(T::Preposition, "R:DET"));
    }

    #[test]
    fn retokenize_keeps_the_source_tokens_no_edit_touches() {
        use super::retokenize;
        let src = "I was butcher .. I do n't know it?Well , fine .";
        let detok = detokenize(src);
        assert_eq!(retokenize(src, &detok), src);
        let fixed = detok.replace("was butcher", "was a butcher");
        assert_eq!(
            retokenize(src, &fixed),
            "I was a butcher .. I do n't know it?Well , fine ."
        );
        let fixed = detok.replace("don't", "doesn't");
        assert_eq!(
            retokenize(src, &fixed),
            "I was butcher .. I does n't know it?Well , fine ."
        );
        let fixed = detok.replace("fine.", "fine!");
        assert_eq!(
            retokenize(src, &fixed),
            "I was butcher .. I do n't know it?Well , fine !"
        );
        assert_eq!(
            retokenize("Hello world", "Hello big world ."),
            "Hello big world ."
        );
    }

    #[test]
    fn detokenize_undoes_jfleg_tokens() {
        let t = "She does n't like it , is n't it ?";
        assert_eq!(detokenize(t), "She doesn't like it, isn't it?");
        assert_eq!(jfleg_tokens(&detokenize(t)).join(" "), t);
    }

    #[test]
    fn tokenises_like_jfleg() {
        assert_eq!(
            jfleg_tokens("She doesn't like it, isn't it?").join(" "),
            "She does n't like it , is n't it ?"
        );
        assert_eq!(
            jfleg_tokens("It's Lan's book.").join(" "),
            "It 's Lan 's book ."
        );
    }
}
