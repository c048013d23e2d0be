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
    /// When a confusion-set edit is made and when a sentence is called correct, if fitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
}

/// The model-dependent thresholds of the correction and the verdict, fitted on GUG train by
/// `lexilingo eval gug --split train --fit-thresholds` (docs/QUALITY.md).
///
/// Log-probability gains are differences within one model, so they carry over between
/// models better than raw log-probabilities do, but a larger model is surer both ways: it
/// gives a real fix a larger gain and a needless one a smaller (or negative) one. Each model
/// therefore gets its own fitted values; a model nobody fitted uses [`Thresholds::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// A confusion-set edit is made when the model finds the sentence this many nats more
    /// likely with it.
    pub confusion_gain_nats: f64,
    /// A sentence with no edit is only called correct when no confusion-set edit left undone
    /// has a gain of this much or more: the model half-preferred a fix.
    pub near_gain_nats: f64,
    /// …and when its fluency score is at least this (0–5).
    pub fluency_min: f32,
    /// A broad-set edit ([`crate::confusions::broad_candidates`]) is made when the model finds
    /// the sentence this many nats more likely with it. Fitted to a false-alarm budget on the
    /// perfect sentences ([`fit_thresholds`]); files written before the broad sets existed
    /// read as "never" (infinite), the behaviour they were fitted with.
    #[serde(default = "never")]
    pub broad_gain_nats: f64,
}

fn never() -> f64 {
    f64::INFINITY
}

/// The share of perfect GUG train sentences (rated 4 by the expert) a broad-set edit may
/// change: the false-alarm budget the broad threshold is fitted to. The broad sets propose
/// an edit at nearly every word, so a threshold fitted to the detection score alone would sit
/// at the grid's floor and change right sentences; a learner told a right sentence is wrong
/// learns the wrong thing. The bar is ≤ 10 % of perfect sentences changed, spelling
/// aside, and the other edits already change 9.2 % of GUG dev's: at a 3 % budget (6.75 nats
/// for the test model) the total rose to 10.4 % (docs/QUALITY.md, session 9), so the budget
/// is now 2 %. A model that separates right from wrong better gets a lower threshold, and so
/// more recall, at the same budget.
pub const BROAD_FALSE_ALARMS: f64 = 0.02;

impl Thresholds {
    /// Hand-set values for a model nobody fitted: an edit must make the sentence e³ ≈ 20
    /// times as likely; any edit the model prefers by half that keeps the verdict open; and
    /// fluency must reach 3.5 of 5.
    pub const DEFAULT: Thresholds = Thresholds {
        confusion_gain_nats: 3.0,
        near_gain_nats: 1.5,
        fluency_min: 3.5,
        broad_gain_nats: 8.0,
    };
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
                if entry.thresholds.is_some() {
                    e.thresholds = entry.thresholds;
                }
                e.fitted_on = entry.fitted_on;
            }
            None => self.entries.push(entry),
        }
    }
}

/// One GUG sentence as the threshold fit sees it ([`fit_thresholds`]).
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictSample {
    /// GUG's expert rating: 4 = perfect … 1 = incomprehensible.
    pub expert: u8,
    /// Whether the rules (with respellings) changed the sentence.
    pub rules_changed: bool,
    /// Every confusion-set candidate's gain, in nats.
    pub gains: Vec<f64>,
    /// The gains of the broad-set candidates the ranking kept.
    pub broad_gains: Vec<f64>,
    /// The calibrated fluency score, 0–5.
    pub fluency: f32,
}

impl VerdictSample {
    /// Whether a confusion-set edit is made at `confusion_gain_nats`.
    pub fn confusion_fires(&self, confusion_gain_nats: f64) -> bool {
        self.gains.iter().any(|g| *g >= confusion_gain_nats)
    }

    /// Whether a broad-set edit is made at `broad_gain_nats`.
    pub fn broad_fires(&self, broad_gain_nats: f64) -> bool {
        self.broad_gains.iter().any(|g| *g >= broad_gain_nats)
    }

    /// Whether any edit of the rules' correction is made with these thresholds.
    pub fn fires(&self, t: &Thresholds) -> bool {
        self.confusion_fires(t.confusion_gain_nats) || self.broad_fires(t.broad_gain_nats)
    }

    /// Whether the tutor says "correct" with these thresholds (the rule of
    /// [`crate::tasks::Verdict::decide`], without the model's own edits).
    pub fn called_correct(&self, t: &Thresholds) -> bool {
        let near = self
            .gains
            .iter()
            .any(|g| *g > 0.0 && *g < t.confusion_gain_nats && *g >= t.near_gain_nats);
        !self.rules_changed && !self.fires(t) && !near && self.fluency >= t.fluency_min
    }
}

/// How the fitted thresholds do on a set of samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VerdictReport {
    /// Sentences rated 1–2 by the expert.
    pub poor: usize,
    /// Share of them called correct (false praise).
    pub poor_called_correct: f64,
    /// Sentences rated 4 (perfect).
    pub perfect: usize,
    /// Share of them not called correct (a needless hedge or edit).
    pub perfect_not_called_correct: f64,
    /// Share of perfect sentences a confusion-set edit changes.
    pub perfect_confusion_edits: f64,
    /// Share of imperfect (1–3) sentences a confusion-set edit changes.
    pub imperfect_confusion_edits: f64,
}

/// The verdict's figures for `t` on `samples`.
pub fn verdict_report(samples: &[VerdictSample], t: &Thresholds) -> VerdictReport {
    let share = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let poor: Vec<&VerdictSample> = samples.iter().filter(|s| s.expert <= 2).collect();
    let perfect: Vec<&VerdictSample> = samples.iter().filter(|s| s.expert == 4).collect();
    let imperfect: Vec<&VerdictSample> = samples.iter().filter(|s| s.expert <= 3).collect();
    let fires = |v: &[&VerdictSample]| v.iter().filter(|s| s.fires(t)).count();
    VerdictReport {
        poor: poor.len(),
        poor_called_correct: share(
            poor.iter().filter(|s| s.called_correct(t)).count(),
            poor.len(),
        ),
        perfect: perfect.len(),
        perfect_not_called_correct: share(
            perfect.iter().filter(|s| !s.called_correct(t)).count(),
            perfect.len(),
        ),
        perfect_confusion_edits: share(fires(&perfect), perfect.len()),
        imperfect_confusion_edits: share(fires(&imperfect), imperfect.len()),
    }
}

/// Fits [`Thresholds`] on GUG sentences (train).
///
/// 1. The confusion-set gain: a sentence is "to fix" when its expert rating is below 4, and an
///    edit firing on it counts as found; the threshold maximises F0.5 of that detection over
///    a grid of 0.5…15 nats in quarter steps (F0.5, as in grammatical error correction, counts
///    a false alarm as costlier than a miss). On a tie the higher threshold wins.
/// 2. The verdict: the near-edit gain and the fluency bar maximise Youden's J between the
///    perfect sentences called correct and the poor (1–2) ones called correct (the share of
///    right sentences praised minus the share of wrong ones praised).
///
/// Sentence-level labels are coarse (a fix may be right on a sentence that has other
/// mistakes too), but they are the learner data with a rating per sentence, and the fit
/// moves with the model: a model that separates right from wrong better gets a lower gain
/// threshold and a firmer verdict.
pub fn fit_thresholds(samples: &[VerdictSample]) -> Thresholds {
    let f05 = |t: f64| {
        let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
        for s in samples {
            match (s.confusion_fires(t), s.expert <= 3) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fn_ += 1.0,
                (false, false) => {}
            }
        }
        if tp == 0.0 {
            return 0.0;
        }
        let p = tp / (tp + fp);
        let r = tp / (tp + fn_);
        1.25 * p * r / (0.25 * p + r)
    };
    let mut gain = Thresholds::DEFAULT.confusion_gain_nats;
    let mut best = f64::NEG_INFINITY;
    for step in 2..=60 {
        let t = f64::from(step) * 0.25;
        let f = f05(t);
        if f >= best {
            best = f;
            gain = t;
        }
    }
    // The broad sets: the lowest threshold whose edits change at most the budgeted share of
    // perfect sentences (on a grid of 0.5…30 nats).
    let perfect: Vec<&VerdictSample> = samples.iter().filter(|s| s.expert == 4).collect();
    let mut broad = f64::INFINITY;
    if !perfect.is_empty() {
        for step in (2..=120).rev() {
            let t = f64::from(step) * 0.25;
            let fired = perfect.iter().filter(|s| s.broad_fires(t)).count();
            if fired as f64 / perfect.len() as f64 <= BROAD_FALSE_ALARMS {
                broad = t;
            } else {
                break;
            }
        }
    }
    let mut chosen = Thresholds {
        confusion_gain_nats: gain,
        broad_gain_nats: broad,
        ..Thresholds::DEFAULT
    };
    let mut best_j = f64::NEG_INFINITY;
    let mut near_steps = 0;
    while f64::from(near_steps) * 0.25 <= gain {
        let near = f64::from(near_steps) * 0.25;
        for bar in 0..=50 {
            let t = Thresholds {
                confusion_gain_nats: gain,
                near_gain_nats: near,
                fluency_min: bar as f32 / 10.0,
                broad_gain_nats: broad,
            };
            let r = verdict_report(samples, &t);
            let j = (1.0 - r.perfect_not_called_correct) - r.poor_called_correct;
            if j > best_j {
                best_j = j;
                chosen = t;
            }
        }
        near_steps += 1;
    }
    chosen
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

    /// `models/calibration.json` must name the features the code computes, in its order: a
    /// renamed, dropped or reordered feature would otherwise silently mis-weight every score.
    #[test]
    fn the_shipped_calibration_matches_the_features_the_code_computes() {
        let shipped = Calibration::builtin();
        assert!(
            !shipped.entries.is_empty(),
            "models/calibration.json is unreadable"
        );
        for e in &shipped.entries {
            let with_model = e.model != ANY_MODEL;
            if let Some(c) = &e.cefr {
                assert_eq!(
                    c.linear.features,
                    cefr_feature_names(with_model),
                    "{}",
                    e.model
                );
                assert_eq!(c.linear.weights.len(), c.linear.features.len());
                assert_eq!(c.cuts.len(), 5);
            }
            if let Some(f) = &e.fluency {
                assert_eq!(f.features, fluency_feature_names(with_model), "{}", e.model);
                assert_eq!(f.weights.len(), f.features.len());
            }
            if let Some(t) = &e.thresholds {
                assert!(t.near_gain_nats <= t.confusion_gain_nats, "{}", e.model);
                assert!((0.0..=5.0).contains(&t.fluency_min), "{}", e.model);
            }
        }
        // The computed vectors have those names in that order: spot-check by meaning.
        let lexicon = Lexicon::builtin();
        let x = cefr_features(lexicon, "In 2024, my friend, who lives in Hue, visited me.");
        assert_eq!(x.len(), CEFR_LEXICON_FEATURES.len());
        let at = |name: &str| {
            CEFR_LEXICON_FEATURES
                .iter()
                .position(|n| *n == name)
                .expect("a feature of that name")
        };
        assert_eq!(x[at("commas")], 3.0);
        assert!(x[at("digits")] >= 1.0);
        assert!(x[at("subordinators")] >= 1.0);
        let hints = crate::rules::hints("She have a apple.");
        let f = fluency_features(lexicon, "She have a apple.", &hints);
        assert_eq!(f.len(), FLUENCY_RULE_FEATURES.len());
        let at = |name: &str| {
            FLUENCY_RULE_FEATURES
                .iter()
                .position(|n| *n == name)
                .expect("a feature of that name")
        };
        assert_eq!(f[at("spelling_hints")], 0.0);
        assert!(f[at("grammar_hints")] >= 1.0);
    }

    fn sample(expert: u8, gain: f64, fluency: f32) -> VerdictSample {
        VerdictSample {
            expert,
            rules_changed: false,
            gains: vec![gain],
            broad_gains: Vec::new(),
            fluency,
        }
    }

    #[test]
    fn thresholds_separate_rated_sentences() {
        // Wrong sentences: the model gains 6–9 nats from a fix and finds them less fluent;
        // perfect ones gain at most 2 and read fluently.
        let mut samples = Vec::new();
        for i in 0..40 {
            let k = f64::from(i % 4);
            samples.push(sample(2, 6.0 + k, 2.0 + (i % 5) as f32 * 0.1));
            samples.push(sample(4, -3.0 + k * 1.5, 4.0 + (i % 5) as f32 * 0.1));
        }
        let t = fit_thresholds(&samples);
        assert!(
            t.confusion_gain_nats > 1.5 && t.confusion_gain_nats <= 6.0,
            "{t:?}"
        );
        let r = verdict_report(&samples, &t);
        assert_eq!(r.poor_called_correct, 0.0, "{r:?}");
        assert_eq!(r.perfect_not_called_correct, 0.0, "{r:?}");
        assert_eq!(r.perfect_confusion_edits, 0.0);
        // A fix the model half-prefers keeps a fluent sentence from being praised.
        let hedged = Thresholds {
            near_gain_nats: 1.0,
            ..t
        };
        assert!(!sample(4, 1.2_f64.min(t.confusion_gain_nats - 0.1), 4.5).called_correct(&hedged));
        assert!(sample(4, -1.0, 4.5).called_correct(&hedged));
    }

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
