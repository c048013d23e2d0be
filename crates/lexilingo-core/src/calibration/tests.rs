//! Tests of the calibration: the fits, the verdict report, and the shipped file against the
//! features the code computes.

use super::*;
use crate::language::lexicon::Lexicon;

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
    let hints = crate::language::rules::hints("She have a apple.");
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

#[test]
fn each_broad_set_gets_the_threshold_its_gains_earn() {
    use crate::language::confusions::Confusion;
    // The model tells right from wrong in articles (wrong sentences gain 4–7 nats, right ones
    // at most 1) but not in agreement (both kinds gain 6–9 nats).
    let mut samples = Vec::new();
    for i in 0..200 {
        let k = f64::from(i % 4);
        let wrong = VerdictSample {
            broad_gains: vec![
                (Confusion::Article, 4.0 + k),
                (Confusion::Agreement, 6.0 + k),
            ],
            ..sample(2, -1.0, 2.0)
        };
        let right = VerdictSample {
            broad_gains: vec![
                (Confusion::Article, k / 3.0),
                (Confusion::Agreement, 6.0 + k),
            ],
            ..sample(4, -1.0, 4.0)
        };
        samples.push(wrong);
        samples.push(right);
    }
    let sets = fit_broad_sets(&samples, 0.02).expect("both kinds of sentence");
    let article = sets.article.expect("fitted");
    let agreement = sets.agreement.expect("fitted");
    assert!(article > 1.0 && article <= 4.0, "{sets:?}");
    // Agreement fires on right sentences as often as on wrong ones: lowering it into the
    // 6–9 band spends far over the budget, so it stays above the band.
    assert!(agreement > 9.0, "{sets:?}");
    let per_set = Thresholds {
        broad_sets: sets,
        ..Thresholds::DEFAULT
    };
    let r = verdict_report(&samples, &per_set);
    assert!(r.perfect_confusion_edits <= 0.02, "{r:?}");
    assert_eq!(r.imperfect_confusion_edits, 1.0, "{r:?}");
    // One shared threshold must rise above the agreement band and loses the articles.
    let shared = fit_thresholds(&samples);
    assert!(shared.broad_gain_nats > 9.0, "{shared:?}");
    assert_eq!(shared.broad_sets, sets);
    // Saved samples read back the same.
    let json = serde_json::to_string(&samples[..2]).expect("serialisable");
    let back: Vec<VerdictSample> = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, samples[..2]);
}
