//! Validation of what the learner types, before any of it reaches the model.

use crate::error::InputError;

/// The longest input the tutor accepts, in characters (Unicode scalar values).
///
/// A learner's sentence or chat message is far shorter; the limit keeps a pasted essay from
/// filling the context window and stalling the worker for minutes.
pub const MAX_INPUT_CHARS: usize = 1000;

/// The longest text paragraph mode takes, in characters: a few paragraphs, each sentence of
/// which is then held to [`MAX_INPUT_CHARS`].
pub const MAX_TEXT_CHARS: usize = 3000;

/// Refuses control characters other than newline and tab: a NUL byte or an escape code is
/// nothing a learner types, tokenizers mishandle them, and a saved one would reach the
/// terminal of whoever lists the history.
pub fn check_printable(text: &str) -> Result<(), InputError> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(InputError::ControlChars);
    }
    Ok(())
}

/// Trims `text` and checks it is neither blank nor longer than [`MAX_INPUT_CHARS`], and holds
/// no control characters ([`check_printable`]).
pub fn validate(text: &str) -> Result<&str, InputError> {
    validate_up_to(text, MAX_INPUT_CHARS)
}

/// [`validate`] with another limit ([`MAX_TEXT_CHARS`] for a paragraph).
pub fn validate_up_to(text: &str, max: usize) -> Result<&str, InputError> {
    check_printable(text)?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(InputError::Blank);
    }
    let chars = trimmed.chars().count();
    if chars > max {
        return Err(InputError::TooLong { chars, max });
    }
    Ok(trimmed)
}

/// [`validate`], and the text must be English: a sentence written in Vietnamese gets a
/// friendly request to write it in English, not English "fixes", a score and a level
/// ([`crate::language::vietnamese::is_vietnamese_sentence`]). English with Vietnamese words in it ("I
/// love phở") is English.
pub fn validate_english(text: &str) -> Result<&str, InputError> {
    let text = validate(text)?;
    if crate::language::vietnamese::is_vietnamese_sentence(text) {
        return Err(InputError::NotEnglish);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_blank_and_overlong_input() {
        assert_eq!(validate("  \n\t"), Err(InputError::Blank));
        let long = "a".repeat(MAX_INPUT_CHARS + 1);
        assert_eq!(
            validate(&long),
            Err(InputError::TooLong {
                chars: MAX_INPUT_CHARS + 1,
                max: MAX_INPUT_CHARS
            })
        );
    }

    #[test]
    fn counts_vietnamese_letters_as_one_character_each() {
        let text = "ế".repeat(MAX_INPUT_CHARS);
        assert_eq!(validate(&text), Ok(text.as_str()));
    }

    #[test]
    fn refuses_nul_and_escape_codes_but_keeps_line_breaks() {
        assert_eq!(validate("a\0b"), Err(InputError::ControlChars));
        assert_eq!(
            validate("hi \u{1b}]52;c;eA==\u{7}"),
            Err(InputError::ControlChars)
        );
        assert_eq!(validate("One.\r\nTwo.\tThree."), Ok("One.\r\nTwo.\tThree."));
    }

    #[test]
    fn a_vietnamese_sentence_is_refused_and_english_with_vietnamese_words_is_not() {
        assert_eq!(
            validate_english("Tôi thích học tiếng Anh."),
            Err(InputError::NotEnglish)
        );
        assert_eq!(
            validate_english("I love phở so much."),
            Ok("I love phở so much.")
        );
    }

    #[test]
    fn trims_surrounding_space() {
        assert_eq!(validate("  She runs. \n"), Ok("She runs."));
    }
}
