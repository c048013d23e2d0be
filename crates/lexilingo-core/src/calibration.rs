//! Sentence level and fluency from measurable signals, calibrated on public learner data.
//!
//! A small model's own answer to "what CEFR level is this?" or "rate this 0–5" is close to
//! noise (the 135M test model called every CEFR-SP sentence A1). Signals that do not depend on
//! the model's judgement are steadier: which word-list levels a sentence's words come from, how
//! long it is, how many mistakes the rules find, and how likely the model finds the text
//! token by token. A linear model over those signals, fitted on the CEFR-SP and GUG *train*
//! splits by `lexilingo eval … --fit`, turns them into a level or a score; the dev splits are
//! only reported (docs/QUALITY.md).
//!
//! The fitted weights ship in `models/calibration.json`. The model-dependent signals
//! (log-probabilities, the model's rating) are on a different scale for every model, so the
//! file holds one entry per model name, plus a `*` entry fitted without them, used for any
//! model nobody calibrated.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::cefr::CefrLevel;
use crate::engine::TextScore;
use crate::lexicon::{LexLevel, Lexicon};
use crate::rules::Hint;
use crate::ErrorType;

/// A ridge-regularised linear model over standardised features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    /// Feature names, in order (for reading the file; checked when predicting).
    pub features: Vec<String>,
    /// Mean of each feature on the training data.
    pub mean: Vec<f64>,
    /// Standard deviation of each feature on the training data (1 when constant).
    pub scale: Vec<f64>,
    /// Weight per standardised feature.
    pub weights: Vec<f64>,
    /// Intercept.
    pub bias: f64,
}

impl LinearModel {
    /// Least squares with an L2 penalty `ridge` on the standardised weights.
    pub fn fit(features: &[&str], x: &[Vec<f64>], y: &[f64], ridge: f64) -> Self {
        let d = features.len();
        let n = x.len().max(1) as f64;
        let mean: Vec<f64> = (0..d)
            .map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n)
            .collect();
        let scale: Vec<f64> = (0..d)
            .map(|j| {
                let var = x.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
                if var > 1e-12 {
                    var.sqrt()
                } else {
                    1.0
                }
            })
            .collect();
        let z: Vec<Vec<f64>> = x
            .iter()
            .map(|r| (0..d).map(|j| (r[j] - mean[j]) / scale[j]).collect())
            .collect();
        let y_mean = y.iter().sum::<f64>() / n;
        // Normal equations (ZᵀZ + λI) w = Zᵀ(y - ȳ).
        let mut a = vec![vec![0.0; d + 1]; d];
        for (row, target) in z.iter().zip(y) {
            for (i, ai) in a.iter_mut().enumerate() {
                for (k, aik) in ai.iter_mut().take(d).enumerate() {
                    *aik += row[i] * row[k];
                }
                ai[d] += row[i] * (target - y_mean);
            }
        }
        for (i, r) in a.iter_mut().enumerate() {
            r[i] += ridge;
        }
        let weights = solve(a);
        Self {
            features: features.iter().map(|s| s.to_string()).collect(),
            mean,
            scale,
            weights,
            bias: y_mean,
        }
    }

    /// The prediction for one feature vector.
    pub fn predict(&self, x: &[f64]) -> f64 {
        self.bias
            + x.iter()
                .zip(&self.mean)
                .zip(&self.scale)
                .zip(&self.weights)
                .map(|(((v, m), s), w)| (v - m) / s * w)
                .sum::<f64>()
    }
}

/// Gaussian elimination with partial pivoting on an augmented `d × (d+1)` matrix. The ridge
/// term keeps it non-singular.
fn solve(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let d = a.len();
    for col in 0..d {
        let pivot = (col..d)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        let p = a[col][col];
        if p.abs() < 1e-12 {
            continue;
        }
        let pivot_row = a[col].clone();
        for (row, r) in a.iter_mut().enumerate() {
            if row != col {
                let f = r[col] / p;
                for (x, pv) in r.iter_mut().zip(&pivot_row).skip(col) {
                    *x -= f * pv;
                }
            }
        }
    }
    (0..d)
        .map(|i| {
            if a[i][i].abs() < 1e-12 {
                0.0
            } else {
                a[i][d] / a[i][i]
            }
        })
        .collect()
}

/// The CEFR part of a calibration: a score, cut into six levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelModel {
    /// Predicts the annotators' mean level (1–6).
    pub linear: LinearModel,
    /// Five increasing cut points: level = 1 + the number of cut points below the score.
    pub cuts: Vec<f64>,
}

impl LevelModel {
    /// The level for one feature vector.
    pub fn level(&self, x: &[f64]) -> CefrLevel {
        let score = self.linear.predict(x);
        let rank = 1 + self.cuts.iter().filter(|c| score > **c).count();
        CefrLevel::from_rank(rank as u8).unwrap_or(CefrLevel::C2)
    }
}

/// One calibration entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The model's `general.name`, or `*` for the model-independent fallback.
    pub model: String,
    /// What it was fitted on, for the record.
    pub fitted_on: String,
    /// Sentence level, if calibrated.
    pub cefr: Option<LevelModel>,
    /// Fluency (predicts GUG's 1–4 crowd mean), if calibrated.
    pub fluency: Option<LinearModel>,
}

/// All calibration entries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// One entry per model, plus `*`.
    pub entries: Vec<Entry>,
}

/// The model name of the model-independent entry.
pub const ANY_MODEL: &str = "*";

impl Calibration {
    /// The calibration compiled into the binary.
    pub fn builtin() -> &'static Calibration {
        static BUILTIN: OnceLock<Calibration> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            serde_json::from_str(include_str!("../../../models/calibration.json")).unwrap_or_else(
                |e| {
                    tracing::error!("models/calibration.json is unreadable: {e}");
                    Calibration::default()
                },
            )
        })
    }

    /// The entry for `model`, if it was calibrated.
    pub fn for_model(&self, model: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.model == model)
    }

    /// Replaces or adds the entry for `entry.model`.
    pub fn upsert(&mut self, entry: Entry) {
        match self.entries.iter_mut().find(|e| e.model == entry.model) {
            Some(e) => {
                if entry.cefr.is_some() {
                    e.cefr = entry.cefr;
                }
                if entry.fluency.is_some() {
                    e.fluency = entry.fluency;
                }
                e.fitted_on = entry.fitted_on;
            }
            None => self.entries.push(entry),
        }
    }
}

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
const SUBORDINATORS: [&str; 16] = [
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

/// Maps a predicted GUG rating (1 = incomprehensible … 4 = perfect) to the tutor's 0–5 scale.
pub fn gug_to_score(rating: f64) -> f32 {
    (((rating - 1.0) / 3.0 * 5.0).clamp(0.0, 5.0) * 10.0).round() as f32 / 10.0
}

/// Cut points for `scores` that maximise `objective(levels)`, by coordinate search over the
/// scores' quantiles, starting from evenly spaced cuts between the level means.
pub fn fit_cuts(scores: &[f64], objective: impl Fn(&[u8]) -> f64) -> Vec<f64> {
    let mut sorted: Vec<f64> = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let grid: Vec<f64> = (1..100)
        .map(|q| sorted[(sorted.len() - 1) * q / 100])
        .collect();
    let mut cuts: Vec<f64> = vec![1.5, 2.5, 3.5, 4.5, 5.5];
    let levels = |cuts: &[f64]| -> Vec<u8> {
        scores
            .iter()
            .map(|s| 1 + cuts.iter().filter(|c| s > *c).count() as u8)
            .collect()
    };
    let mut best = objective(&levels(&cuts));
    for _round in 0..4 {
        for k in 0..cuts.len() {
            for &g in &grid {
                let mut trial = cuts.clone();
                trial[k] = g;
                if trial.windows(2).any(|w| w[0] > w[1]) {
                    continue;
                }
                let value = objective(&levels(&trial));
                if value > best {
                    best = value;
                    cuts = trial;
                }
            }
        }
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_linear_relation() {
        let x: Vec<Vec<f64>> = (0..50)
            .map(|i| vec![f64::from(i), f64::from(i % 7)])
            .collect();
        let y: Vec<f64> = x.iter().map(|r| 2.0 * r[0] - 3.0 * r[1] + 1.0).collect();
        let m = LinearModel::fit(&["a", "b"], &x, &y, 1e-9);
        for (r, t) in x.iter().zip(&y) {
            assert!((m.predict(r) - t).abs() < 1e-6);
        }
    }

    #[test]
    fn cuts_separate_levels_that_a_score_orders() {
        let scores: Vec<f64> = (0..60).map(|i| f64::from(i) / 10.0).collect();
        let gold: Vec<u8> = scores.iter().map(|s| 1 + (*s as u8).min(5)).collect();
        let cuts = fit_cuts(&scores, |p| {
            p.iter().zip(&gold).filter(|(a, b)| a == b).count() as f64
        });
        let level = |s: f64| 1 + cuts.iter().filter(|c| s > **c).count() as u8;
        assert_eq!(level(0.2), 1);
        assert_eq!(level(5.5), 6);
    }

    #[test]
    fn the_shipped_calibration_reads() {
        let c = Calibration::builtin();
        assert!(
            c.for_model(ANY_MODEL).is_some(),
            "the fallback entry exists"
        );
    }

    #[test]
    fn gug_ratings_map_onto_zero_to_five() {
        assert_eq!(gug_to_score(4.0), 5.0);
        assert_eq!(gug_to_score(1.0), 0.0);
        assert_eq!(gug_to_score(2.5), 2.5);
    }
}
