//! Text that came from outside (an imported history, a model's answer, a file name) on its way
//! to a terminal.
//!
//! A terminal obeys escape sequences in what it prints: OSC 52 writes the clipboard, others
//! retitle the window or rewrite what was printed before. A history file imported from
//! anywhere may carry them, so every piece of such text the CLI prints goes through
//! [`escape_controls`], which shows control characters as visible `\u{…}` escapes.

use std::borrow::Cow;

/// `s` with every control character except newline and tab (C0, DEL, C1) and the Unicode
/// bidirectional overrides (which can make printed text read differently from what it is)
/// replaced by a visible `\u{XX}` escape.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::escape_controls;

    #[test]
    fn escapes_terminal_controls_and_keeps_vietnamese() {
        let osc52 = "hi\u{1b}]52;c;cm0gLXJmIH4=\u{7}!";
        assert_eq!(escape_controls(osc52), "hi\\u{1b}]52;c;cm0gLXJmIH4=\\u{7}!");
        assert_eq!(escape_controls("a\u{9b}31m"), "a\\u{9b}31m");
        assert_eq!(escape_controls("x\u{202e}y"), "x\\u{202e}y");
        let vi = "Tiếng Việt: phở, bánh mì\nline two\ttab";
        assert!(matches!(escape_controls(vi), std::borrow::Cow::Borrowed(_)));
    }
}
