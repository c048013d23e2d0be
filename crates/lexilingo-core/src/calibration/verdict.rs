//! The honest verdict's thresholds: what a GUG sentence looks like to the verdict, how often
//! a setting praises a poor sentence or doubts a perfect one, and the fit of the thresholds
//! to a false-alarm budget.

use serde::{Deserialize, Serialize};

use super::{BroadSets, Thresholds, BROAD_FALSE_ALARMS};
use crate::language::confusions::Confusion;

/// One GUG sentence as the threshold fit sees it ([`fit_thresholds`]). Serialisable, so a fit
/// can be rerun from saved samples without the model (`lexilingo eval gug --samples`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictSample {
    /// GUG's expert rating: 4 = perfect … 1 = incomprehensible.
    pub expert: u8,
    /// Whether the rules (with respellings) changed the sentence.
    pub rules_changed: bool,
    /// Every confusion-set candidate's gain, in nats.
    pub gains: Vec<f64>,
    /// The gains of the broad-set candidates the ranking kept, each with its set.
    pub broad_gains: Vec<(Confusion, f64)>,
    /// The calibrated fluency score, 0–5.
    pub fluency: f32,
}

impl VerdictSample {
    /// Whether a confusion-set edit is made at `confusion_gain_nats`.
    pub fn confusion_fires(&self, confusion_gain_nats: f64) -> bool {
        self.gains.iter().any(|g| *g >= confusion_gain_nats)
    }

    /// Whether a broad-set edit is made at one shared threshold, `broad_gain_nats`.
    pub fn broad_fires(&self, broad_gain_nats: f64) -> bool {
        self.broad_gains.iter().any(|(_, g)| *g >= broad_gain_nats)
    }

    /// Whether any edit of the rules' correction is made with these thresholds.
    pub fn fires(&self, t: &Thresholds) -> bool {
        self.confusion_fires(t.confusion_gain_nats)
            || self
                .broad_gains
                .iter()
                .any(|(kind, g)| *g >= t.broad_for(*kind))
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
/// 2. The broad sets: one shared threshold, the lowest whose edits change at most
///    [`BROAD_FALSE_ALARMS`] of the perfect sentences, and each set's own threshold within
///    the same budget ([`fit_broad_sets`]), which is what the tutor uses.
/// 3. The verdict: the near-edit gain and the fluency bar maximise Youden's J between the
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
    // The broad sets: the lowest shared threshold whose edits change at most the budgeted
    // share of perfect sentences (on a grid of 0.5…30 nats), kept for a set with no fit of
    // its own; then each set's own threshold within the same budget.
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
    let broad_sets = fit_broad_sets(samples, BROAD_FALSE_ALARMS).unwrap_or_default();
    let mut chosen = Thresholds {
        confusion_gain_nats: gain,
        broad_gain_nats: broad,
        broad_sets,
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
                broad_sets,
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

/// Highest per-set threshold the fit tries (nats): where every set starts, "almost never".
const BROAD_CEILING: f64 = 30.0;
/// The per-set grid step (nats). Coarser than the shared threshold's quarter steps: each set
/// is fitted on fewer edits, and a finer grid would follow single sentences of the train
/// split.
const BROAD_STEP: f64 = 0.5;

/// Each broad set's own threshold, sharing the false-alarm budget: at most `budget` of the
/// perfect (rated 4) sentences may be changed by a broad edit of any set, and within that the
/// thresholds should find as many sentences rated 1–3 as they can.
///
/// Greedy allocation: every set starts at [`BROAD_CEILING`]; at each step, the set whose
/// lowering (to any grid value) finds the most more imperfect sentences per perfect sentence
/// newly changed (+1, so a free step is not infinitely good) is lowered, as long as the
/// budget holds; it stops when no step finds more. A set the model cannot judge stays at the
/// ceiling, spending nothing. `None` without perfect or imperfect sentences.
pub fn fit_broad_sets(samples: &[VerdictSample], budget: f64) -> Option<BroadSets> {
    let perfect: Vec<&VerdictSample> = samples.iter().filter(|s| s.expert == 4).collect();
    let imperfect: Vec<&VerdictSample> = samples.iter().filter(|s| s.expert <= 3).collect();
    if perfect.is_empty() || imperfect.is_empty() {
        return None;
    }
    let allowed = (budget * perfect.len() as f64).floor() as usize;
    // A sentence fires when its best gain in some set reaches that set's threshold.
    let best_per_set = |v: &[&VerdictSample]| -> Vec<[f64; 5]> {
        v.iter()
            .map(|s| {
                let mut m = [f64::NEG_INFINITY; 5];
                for (kind, g) in &s.broad_gains {
                    if let Some(i) = BroadSets::index(*kind) {
                        m[i] = m[i].max(*g);
                    }
                }
                m
            })
            .collect()
    };
    let (perfect, imperfect) = (best_per_set(&perfect), best_per_set(&imperfect));
    let count = |v: &[[f64; 5]], t: &[f64; 5]| {
        v.iter()
            .filter(|m| m.iter().zip(t).any(|(g, t)| g >= t))
            .count()
    };
    let grid: Vec<f64> = (1..=(BROAD_CEILING / BROAD_STEP) as i32)
        .rev()
        .map(|k| f64::from(k) * BROAD_STEP)
        .collect();
    let mut t = [BROAD_CEILING; 5];
    loop {
        let (base_fa, base_found) = (count(&perfect, &t), count(&imperfect, &t));
        let mut best: Option<(f64, usize, f64)> = None;
        for k in 0..5 {
            for &v in grid.iter().filter(|v| **v < t[k]) {
                let mut trial = t;
                trial[k] = v;
                let fa = count(&perfect, &trial);
                if fa > allowed {
                    break; // lower only changes more
                }
                let found = count(&imperfect, &trial);
                if found <= base_found {
                    continue;
                }
                let value = (found - base_found) as f64 / ((fa - base_fa) as f64 + 1.0);
                // On a tie, the smaller step (the higher threshold) wins.
                if best.is_none_or(|(b, _, bv)| value > b || (value == b && v > bv)) {
                    best = Some((value, k, v));
                }
            }
        }
        match best {
            Some((_, k, v)) => t[k] = v,
            None => break,
        }
    }
    Some(BroadSets::from_array(t))
}
