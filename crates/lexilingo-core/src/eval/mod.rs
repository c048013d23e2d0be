//! Measuring the tutor on public learner data (dev splits only, never shipped): JFLEG for
//! corrections (GLEU), GUG for fluency (Spearman), CEFR-SP for levels.

pub mod metrics;

/// Splits like JFLEG's tokenisation: words and punctuation apart, and PTB-style contractions
/// ("do n't", "it 's"), so a hypothesis is compared token for token with the references.
pub fn jfleg_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (_, token) in crate::edits::tokenize(text) {
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
    let mut out = String::new();
    for token in text.split_whitespace() {
        let lower = token.to_lowercase();
        let attach = matches!(token, "." | "," | "!" | "?" | ";" | ":" | ")" | "%")
            || lower == "n't"
            || ["'s", "'re", "'ve", "'ll", "'d", "'m"].contains(&lower.as_str());
        if !out.is_empty() && !attach && !out.ends_with('(') {
            out.push(' ');
        }
        out.push_str(token);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{detokenize, jfleg_tokens};

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
