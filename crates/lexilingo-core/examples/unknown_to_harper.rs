//! Prints the words from standard input (one per line) that Harper's curated dictionary does
//! not know in any letter case: `scripts/make-known-words` uses it to keep only the SCOWL
//! words Harper would flag, so the shipped list stays small.

use std::io::{BufRead, Write};

use harper_core::spell::{Dictionary, FstDictionary};

fn main() -> std::io::Result<()> {
    let dictionary = FstDictionary::curated();
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let word = line?;
        let exact: Vec<char> = word.chars().collect();
        let lower: Vec<char> = word.to_lowercase().chars().collect();
        if !(dictionary.contains_exact_word(&exact) || dictionary.contains_exact_word(&lower)) {
            writeln!(out, "{word}")?;
        }
    }
    Ok(())
}
