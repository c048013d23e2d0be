//! Choosing between the rule-based and the model's correction by the model's own
//! log-probabilities, and undoing the edits the model does not support (the veto).

use serde::{Deserialize, Serialize};

use super::{build, CorrectionResult, CorrectionSource};
use crate::language::edits::{self, Edit};
use crate::language::error_types::{self, ErrorType};

/// How much more likely (in nats, summed over the sentence) the language model must find a
/// candidate that includes the model's correction before it replaces the rule-based one.
///
/// The rules are the floor (docs/ARCHITECTURE.md); the model's edits are taken only when the model itself
/// is clearly more confident in the result. A small model paraphrases: requiring a margin keeps
/// its rewrites of correct sentences out. Chosen on JFLEG dev and GUG train (docs/QUALITY.md).
pub const MODEL_MARGIN_NATS: f64 = 2.0;

/// The three candidates for a sentence and how likely the model finds each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidates {
    /// The learner's sentence.
    pub original: String,
    /// The rule-based correction.
    pub rules: String,
    /// The model's correction after the rewrite guard (`original` when it was discarded).
    pub model: String,
    /// The rule fixes applied to the model's correction.
    pub model_and_rules: String,
    /// The model's rejected rewrite, if any.
    pub rejected_rewrite: Option<String>,
    /// Log-probabilities of `original`, `rules`, `model`, `model_and_rules` (NaN when the
    /// backend cannot score).
    pub logprobs: [f64; 4],
    /// For each edit of the candidate chosen at [`MODEL_MARGIN_NATS`] (in `edits::diff`
    /// order): how much more likely, in nats, the model finds that candidate than the same
    /// candidate with only this edit undone. Empty when the backend cannot score.
    #[serde(default)]
    pub edit_gains: Vec<f64>,
}

/// Which edits of the chosen candidate the learner sees.
///
/// GUG's sentences that experts rated perfect must not come back changed, yet Harper flags
/// words it does not know (names, rare words) and some correct constructions, and the small
/// model paraphrases. Each edit is therefore checked on its own: undone, does the model find
/// the sentence less likely by at least the threshold (its *gain*, in nats)? Harper's edits
/// and the model's get separate thresholds: on JFLEG dev any threshold on Harper's edits cost
/// more correct fixes than it saved (GLEU 45.55 → 44.83 with every edit at ≥ 0 nats), while the
/// model's edits are where the paraphrases come from; an edit of its own must at least not make
/// the sentence less likely to the model itself (0 nats: JFLEG dev 45.55 against Harper's
/// 45.45; 4 nats changed fewer perfect GUG sentences but fell to 45.19, below Harper).
///
/// A log-probability favours shorter texts, so the model's own edits that drop words look
/// like gains whatever they drop ("As far as I am concerned, however" → "However" gained
/// 19.5 nats on a sentence rated perfect). Those are never taken: dropping a learner's words
/// is a rewrite, not a correction. Joining a split word ("with out" → "without") is not a
/// drop.
///
/// The model's own word-choice edits — one real word swapped for another of a different
/// family — need a gain of 8 nats: on perfect GUG sentences the 135M model swaps synonyms
/// ("probably" → "likely", "whole" → "entire") and worse ("life" → "enjoyable"), and a learner
/// told that a right word was a mistake learns the wrong thing. They are not refused outright:
/// collocations ("make a photo" → "take a photo") are a real mistake of Vietnamese learners
/// that a confident model can fix. The rule for choosing: the model's own edits may not pull
/// JFLEG dev's GLEU below what the rules reach in the same pipeline (45.87, the model only
/// choosing respellings); among the settings that keep to it, the one that changes the fewest
/// perfect GUG train sentences. Session 5 (498 perfect train sentences, any change / without
/// spelling fixes; JFLEG dev GLEU): no threshold 32.9 % / 18.3 %, 45.89; 4 nats 32.7 % /
/// 18.1 %, 45.94; **8 nats 31.9 % / 16.9 %, 45.89**; refused 31.5 % / 16.1 %, 45.74 (below).
/// Chosen on GUG train and JFLEG dev (docs/QUALITY.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EditVeto {
    /// Least gain for an edit Harper also makes.
    pub rules: f64,
    /// Least gain for an edit only the model makes.
    pub model: f64,
    /// Whether the model's edits that drop words are refused.
    pub no_model_drops: bool,
    /// Least gain for the model's own word-choice edits: one real word swapped for another of
    /// a different family ("probably" → "likely", "seem" → "appear").
    pub model_word_choice: f64,
}

impl EditVeto {
    /// What the tutor uses.
    pub const PRODUCTION: EditVeto = EditVeto {
        rules: f64::NEG_INFINITY,
        model: 0.0,
        no_model_drops: true,
        model_word_choice: 8.0,
    };
    /// No veto: every edit of the chosen candidate is kept.
    pub const NONE: EditVeto = EditVeto {
        rules: f64::NEG_INFINITY,
        model: f64::NEG_INFINITY,
        no_model_drops: false,
        model_word_choice: f64::NEG_INFINITY,
    };

    fn keeps(&self, edit: &Edit, gain: f64, from_rules: bool) -> bool {
        if from_rules {
            return gain >= self.rules;
        }
        !(self.no_model_drops && drops_words(edit))
            && gain >= self.model
            && (edit.error_type != ErrorType::WordChoice || gain >= self.model_word_choice)
    }
}

/// The edit leaves out words of the original: fewer words in the replacement, unless it only
/// joins them ("with out" → "without", "every one" → "everyone").
pub(super) fn drops_words(edit: &Edit) -> bool {
    let words = |t: &str| {
        edits::tokenize(t)
            .iter()
            .filter(|(_, w)| w.chars().any(char::is_alphanumeric))
            .count()
    };
    words(&edit.replacement) < words(&edit.original)
        && edits::letters(&edit.replacement) != edits::letters(&edit.original)
}

impl Candidates {
    /// Picks the correction: the rule-based one unless a candidate containing the model's
    /// correction is more likely by more than `margin` nats.
    ///
    /// Without scores (a remote backend gives none) the model's correction, which already
    /// passed the rewrite guard, is taken when the rules found nothing, or when it includes
    /// every rule fix; where the two disagree the rules win, as the floor.
    pub fn choose(&self, margin: f64) -> (String, CorrectionSource) {
        if self.logprobs.iter().any(|l| l.is_nan()) {
            let rule_edits = edits::diff(&self.original, &self.rules);
            let model_edits = edits::diff(&self.original, &self.model_and_rules);
            let includes_rules = rule_edits.iter().all(|r| model_edits.contains(r));
            return if (rule_edits.is_empty() || includes_rules) && !model_edits.is_empty() {
                (
                    self.model_and_rules.clone(),
                    CorrectionSource::ModelAndRules,
                )
            } else {
                (self.rules.clone(), CorrectionSource::Rules)
            };
        }
        let [_, rules, model, both] = self.logprobs;
        let mut best = (self.rules.clone(), CorrectionSource::Rules, rules);
        for (text, source, lp) in [
            (&self.model_and_rules, CorrectionSource::ModelAndRules, both),
            (&self.model, CorrectionSource::Model, model),
        ] {
            if *text != self.rules && lp > rules + margin && lp > best.2 {
                best = (text.clone(), source, lp);
            }
        }
        (best.0, best.1)
    }
}

/// The correction from the chosen candidate, with the edits the model does not support
/// undone ([`EditVeto::PRODUCTION`]).
pub(crate) fn from_candidates(candidates: Candidates) -> CorrectionResult {
    with_veto(&candidates, EditVeto::PRODUCTION)
}

/// The correction from the candidate chosen at [`MODEL_MARGIN_NATS`], keeping only the edits
/// `veto` lets through (all of them when there are no gains, e.g. on a remote backend).
pub fn with_veto(candidates: &Candidates, veto: EditVeto) -> CorrectionResult {
    let (chosen, source) = candidates.choose(MODEL_MARGIN_NATS);
    let mut result = build(&candidates.original, &chosen);
    let rule_edits = edits::diff(&candidates.original, &candidates.rules);
    let respelt = keep_rule_respellings(&candidates.original, &mut result.edits, &rule_edits);
    let mut kept = result.edits.clone();
    if result.edits.len() == candidates.edit_gains.len() {
        // An edit is the rules' when Harper's correction makes the very same change.
        let from_rules = |e: &Edit| {
            rule_edits
                .iter()
                .any(|r| r.start == e.start && r.end == e.end && r.replacement == e.replacement)
        };
        let keep: Vec<bool> = result
            .edits
            .iter()
            .zip(&candidates.edit_gains)
            .map(|(e, g)| veto.keeps(e, *g, from_rules(e)))
            .collect();
        // A word moved ("will even become" → "will become even") is two edits, an insertion
        // and a deletion of the same words: undoing one half alone would leave the word twice
        // or not at all, so a move stands or falls as one.
        let moved_with = |e: &Edit, other: &Edit| {
            let words = |t: &str| edits::letters(t);
            !words(&e.replacement).is_empty()
                && words(&e.original).is_empty()
                && words(&other.replacement).is_empty()
                && words(&other.original) == words(&e.replacement)
        };
        let keep: Vec<bool> = (0..result.edits.len())
            .map(|i| {
                let e = &result.edits[i];
                keep[i]
                    && !result
                        .edits
                        .iter()
                        .enumerate()
                        .any(|(j, o)| !keep[j] && (moved_with(e, o) || moved_with(o, e)))
            })
            .collect();
        kept = result
            .edits
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(e, _)| e.clone())
            .collect();
    }
    // Whatever the candidate, Vietnamese words, names and emoji stay as the learner typed
    // them (crate::language::vietnamese): the model, too, turns "phở" into "pho" or "Nguyễn" into
    // "Nguyen".
    let protected = crate::language::vietnamese::protected_spans(&candidates.original);
    kept.retain(|e| !protected.touches(e.start, e.end));
    // The gain of each edit as first measured, looked up by its span and replacement.
    let measured: Vec<(Edit, f64)> = if result.edits.len() == candidates.edit_gains.len() {
        result
            .edits
            .iter()
            .cloned()
            .zip(candidates.edit_gains.iter().copied())
            .collect()
    } else {
        Vec::new()
    };
    if respelt || kept.len() < result.edits.len() {
        let corrected = edits::apply(&candidates.original, &kept);
        result = build(&candidates.original, &corrected);
    }
    if !measured.is_empty() {
        result.edit_gains = result
            .edits
            .iter()
            .map(|e| {
                measured
                    .iter()
                    .find(|(m, _)| {
                        m.start == e.start && m.end == e.end && m.replacement == e.replacement
                    })
                    .map(|(_, g)| *g)
            })
            .collect();
    }
    result.source = source;
    if result.rejected_rewrite.is_none() {
        result.rejected_rewrite = candidates.rejected_rewrite.clone();
    }
    result
}

/// Where the model rewrote a misspelt word that the rules respell, and its word is no
/// respelling of it (not typed [`ErrorType::Spelling`]), the rules' respelling stands:
/// "becous" → ", but" (the 135M model on a sentence rated perfect) becomes "because". The
/// model's gain cannot judge this edit, since undoing it brings back the misspelling, which
/// any real word beats. The model still chooses among close respellings ("thad": "than" or
/// "that"; "buissnes": its "business" over the spell checker's "busses"). Returns whether any
/// edit was replaced.
pub(super) fn keep_rule_respellings(
    original: &str,
    edits: &mut [Edit],
    rule_edits: &[edits::RawEdit],
) -> bool {
    fn words(t: &str) -> Vec<&str> {
        edits::tokenize(t)
            .into_iter()
            .map(|(_, w)| w)
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .collect()
    }
    let mut replaced = false;
    for e in edits.iter_mut() {
        let Some(rule) = rule_edits
            .iter()
            .find(|r| r.start == e.start && r.end == e.end && r.replacement != e.replacement)
        else {
            continue;
        };
        let (typed, respelt) = (words(&rule.original), words(&rule.replacement));
        let ([typed], [respelt]) = (typed.as_slice(), respelt.as_slice()) else {
            continue;
        };
        // The model's word is a respelling too when it is close to what the learner typed,
        // even if the spell checker did not offer it ("buissnes" → "business": three edits).
        if crate::language::spelling::is_respelling(typed, respelt)
            && e.error_type != ErrorType::Spelling
        {
            e.replacement = rule.replacement.clone();
            e.error_type = error_types::classify(original, rule);
            replaced = true;
        }
    }
    replaced
}
