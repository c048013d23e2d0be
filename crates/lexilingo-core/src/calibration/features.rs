//! The measurable signals the linear models read, in the order the shipped calibration
//! names them.

use crate::engine::TextScore;
use crate::language::lexicon::{LexLevel, Lexicon};
use crate::language::rules::Hint;
use crate::ErrorType;

/// Names of the CEFR features without the model ([`cefr_features`]).
pub const CEFR_LEXICON_FEATURES: [&str; 22] = [
    "ln_words",
    "words",
    "chars_per_word",
    "share_a1",
    "share_a2",
    "share_b1",
    "share_b2",
    "share_c1_c2",
    "share_unknown_lower",
    "names",
    "highest_rank",
    "second_highest_rank",
    "mean_rank",
    "words_b1_plus",
    "words_b2_plus",
    "unknown_lower",
    "commas",
    "other_punctuation",
    "long_words",
    "subordinators",
    "perfect_or_passive",
    "digits",
];

/// Names of the model's features, appended to either feature set.
pub const MODEL_FEATURES: [&str; 2] = ["logprob_mean", "logprob_min"];

/// Words that open a subordinate clause: more of them, more complex grammar.
pub(super) const SUBORDINATORS: [&str; 16] = [
    "which", "who", "whom", "whose", "that", "although", "though", "whereas", "while", "because",
    "since", "unless", "whether", "if", "when", "where",
];

/// Lexicon features of a sentence, in the order of [`CEFR_LEXICON_FEATURES`].
///
/// Words in no list split in two: capitalised ones inside the sentence are mostly names (not
/// harder English), lower-case ones mostly rare words (harder).
pub fn cefr_features(lexicon: &Lexicon, sentence: &str) -> Vec<f64> {
    let words = lexicon.profile(sentence);
    let n = words.len().max(1) as f64;
    let mut counts = [0usize; 6];
    let (mut names, mut unknown_lower) = (0usize, 0usize);
    let mut ranks: Vec<u8> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        match w.level {
            LexLevel::Known(l) => {
                counts[usize::from(l.rank()) - 1] += 1;
                ranks.push(l.rank());
            }
            LexLevel::Unknown => {
                let capital = w.word.chars().next().is_some_and(char::is_uppercase);
                if (capital && i > 0) || w.word.chars().any(|c| c.is_ascii_digit()) {
                    names += 1;
                } else {
                    unknown_lower += 1;
                }
            }
        }
    }
    ranks.sort_unstable_by(|a, b| b.cmp(a));
    let chars: usize = words.iter().map(|w| w.word.chars().count()).sum();
    let lower: Vec<String> = words.iter().map(|w| w.word.to_lowercase()).collect();
    let subordinators = lower
        .iter()
        .filter(|w| SUBORDINATORS.contains(&w.as_str()))
        .count();
    let perfect_or_passive = lower
        .iter()
        .filter(|w| matches!(w.as_str(), "been" | "being" | "had" | "whom"))
        .count();
    let mean_rank = if ranks.is_empty() {
        0.0
    } else {
        ranks.iter().map(|r| f64::from(*r)).sum::<f64>() / ranks.len() as f64
    };
    vec![
        (words.len() as f64 + 1.0).ln(),
        words.len() as f64,
        chars as f64 / n,
        counts[0] as f64 / n,
        counts[1] as f64 / n,
        counts[2] as f64 / n,
        counts[3] as f64 / n,
        (counts[4] + counts[5]) as f64 / n,
        unknown_lower as f64 / n,
        names as f64,
        f64::from(ranks.first().copied().unwrap_or(0)),
        f64::from(ranks.get(1).copied().unwrap_or(0)),
        mean_rank,
        ranks.iter().filter(|r| **r >= 3).count() as f64,
        ranks.iter().filter(|r| **r >= 4).count() as f64,
        unknown_lower as f64,
        sentence.matches(',').count() as f64,
        sentence.matches([';', ':', '(', '"', '–', '—']).count() as f64,
        words.iter().filter(|w| w.word.chars().count() >= 9).count() as f64,
        subordinators as f64,
        perfect_or_passive as f64,
        sentence.chars().filter(char::is_ascii_digit).count().min(8) as f64,
    ]
}

/// The model's features of a text, in the order of [`MODEL_FEATURES`].
pub fn model_features(score: &TextScore) -> Vec<f64> {
    vec![score.mean(), score.min_logprob]
}

/// Names of the fluency features without the model ([`fluency_features`]).
pub const FLUENCY_RULE_FEATURES: [&str; 5] = [
    "ln_words",
    "spelling_hints",
    "grammar_hints",
    "hints_per_word",
    "unknown_share",
];

/// Names of the fluency features that need the model, besides [`MODEL_FEATURES`].
pub const FLUENCY_RATING_FEATURE: &str = "model_rating";

/// Rule features for fluency, in the order of [`FLUENCY_RULE_FEATURES`].
pub fn fluency_features(lexicon: &Lexicon, sentence: &str, hints: &[Hint]) -> Vec<f64> {
    let words = lexicon.profile(sentence);
    let n = words.len().max(1) as f64;
    let spelling = hints
        .iter()
        .filter(|h| h.error_type == ErrorType::Spelling)
        .count() as f64;
    let grammar = hints.len() as f64 - spelling;
    let unknown = words
        .iter()
        .filter(|w| matches!(w.level, LexLevel::Unknown))
        .count() as f64;
    vec![
        (words.len() as f64 + 1.0).ln(),
        spelling,
        grammar,
        hints.len() as f64 / n,
        unknown / n,
    ]
}

/// The fluency features in the order [`crate::tasks::FluencySignals::score`] builds them:
/// the rule features, then (for a model's own entry) its log-probabilities and rating.
pub fn fluency_feature_names(with_model: bool) -> Vec<&'static str> {
    let mut names = FLUENCY_RULE_FEATURES.to_vec();
    if with_model {
        names.extend(MODEL_FEATURES);
        names.push(FLUENCY_RATING_FEATURE);
    }
    names
}

/// The CEFR features in the order the level is computed from: the lexicon's, then (for a
/// model's own entry) its log-probabilities.
pub fn cefr_feature_names(with_model: bool) -> Vec<&'static str> {
    let mut names = CEFR_LEXICON_FEATURES.to_vec();
    if with_model {
        names.extend(MODEL_FEATURES);
    }
    names
}

/// Maps a predicted GUG rating (1 = incomprehensible … 4 = perfect) to the tutor's 0–5 scale.
pub fn gug_to_score(rating: f64) -> f32 {
    (((rating - 1.0) / 3.0 * 5.0).clamp(0.0, 5.0) * 10.0).round() as f32 / 10.0
}
