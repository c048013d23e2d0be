//! Correction: the corrected sentence and the minimal edits that lead to it.

use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::{clean_sentence, Tutor};
use crate::edits::{self, Edit};
use crate::engine::{CancellationToken, ChatMessage, GenerateRequest, Generation, Role, TextScore};
use crate::error::{ParseError, Result};
use crate::error_types::{self, ErrorType};

/// A corrected sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CorrectionResult {
    /// The learner's sentence.
    pub original: String,
    /// The correction (equal to `original` when nothing is wrong).
    pub corrected: String,
    /// Edits from `original` to `corrected`; none for a correct sentence.
    pub edits: Vec<Edit>,
    /// Set when the model's answer was discarded because it rewrote the sentence instead of
    /// correcting it.
    pub rejected_rewrite: Option<String>,
    /// Which candidate became the correction.
    #[serde(default)]
    pub source: CorrectionSource,
    /// The model's gain for each edit, where measured ([`Candidates::edit_gains`]); read by
    /// [`mark_sure`] and not kept.
    #[serde(skip)]
    #[ts(skip)]
    pub edit_gains: Vec<Option<f64>>,
}

/// Marks which edits the tutor is sure of: those whose gain reaches `threshold` (the
/// confusion-set bar: the model finds the sentence at least that many nats more likely with
/// the edit than without it). Where no gain was measured (a remote backend cannot score) every
/// edit stays sure, as before the measure existed: without it the tutor has nothing better.
pub fn mark_sure(result: &mut CorrectionResult, threshold: f64) {
    if result.edit_gains.len() != result.edits.len() {
        return;
    }
    for (e, g) in result.edits.iter_mut().zip(&result.edit_gains) {
        if let Some(g) = g {
            e.sure = *g >= threshold;
        }
    }
}

/// Where a correction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionSource {
    /// The rule-based checker (also when the rules found nothing and the model was not better).
    #[default]
    Rules,
    /// The model's correction.
    Model,
    /// The model's correction with the rule fixes applied on top.
    ModelAndRules,
}

/// How much more likely (in nats, summed over the sentence) the language model must find a
/// candidate that includes the model's correction before it replaces the rule-based one.
///
/// The rules are the floor (DESIGN.md); the model's edits are taken only when the model itself
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
fn drops_words(edit: &Edit) -> bool {
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

const SYSTEM: &str = "You are an English grammar checker for language learners. Correct the \
grammar, spelling and punctuation mistakes in the learner's sentence with as few changes as \
possible. Keep the learner's words and meaning. If the sentence is already correct, return it \
unchanged. Answer in JSON.";

/// More than this share of the original's tokens changed means the model rewrote the sentence
/// rather than correcting it. Learner sentences with real errors rarely need over half their
/// words changed; a small model that paraphrases or answers the sentence does.
pub const MAX_CHANGED_SHARE: f32 = 0.5;

/// The JSON schema of the answer, sized to the sentence so a runaway answer stops early.
pub fn schema(sentence: &str) -> serde_json::Value {
    let max_len = sentence.chars().count() * 2 + 20;
    json!({
        "type": "object",
        "properties": {
            "corrected": { "type": "string", "minLength": 1, "maxLength": max_len }
        },
        "required": ["corrected"],
        "additionalProperties": false
    })
}

/// The user message. Quoting the sentence after a short instruction made the 135M test model
/// correct "She don't like apples." and leave correct sentences alone; the bare sentence did
/// neither (measured on six learner sentences, three prompt shapes).
pub fn prompt(sentence: &str) -> String {
    format!("Fix the grammar: \"{sentence}\"")
}

fn max_tokens(sentence: &str) -> u32 {
    // JSON wrapper plus up to two tokens per character of the longest allowed answer.
    u32::try_from(sentence.chars().count()).unwrap_or(1000) * 2 + 40
}

/// Reads the corrected sentence from the model's answer.
pub fn parse(answer: &serde_json::Value) -> Result<String, ParseError> {
    let corrected = answer
        .get("corrected")
        .and_then(|c| c.as_str())
        .ok_or_else(|| ParseError::InvalidJson {
            message: "no `corrected` string".into(),
            raw: answer.to_string(),
        })?;
    let corrected = clean_sentence(corrected);
    if corrected.is_empty() {
        return Err(ParseError::Empty { field: "corrected" });
    }
    Ok(corrected)
}

/// Puts back a sentence's final `.`, `!` or `?` when the model dropped it: losing it is the
/// model's habit, not a correction the learner should be shown.
pub fn keep_final_punctuation(original: &str, corrected: &str) -> String {
    let terminal = |c: char| matches!(c, '.' | '!' | '?');
    match original.chars().last() {
        Some(end) if terminal(end) && !corrected.ends_with(terminal) => format!("{corrected}{end}"),
        _ => corrected.to_string(),
    }
}

/// The share of `original`'s tokens that the edits to `corrected` touch.
pub fn changed_share(original: &str, corrected: &str) -> f32 {
    let tokens = edits::tokenize(original).len().max(1);
    let changed: usize = edits::diff(original, corrected)
        .iter()
        .map(|e| {
            edits::tokenize(&e.original)
                .len()
                .max(edits::tokenize(&e.replacement).len())
        })
        .sum();
    changed as f32 / tokens as f32
}

/// Builds the result: diffs `original` against `corrected`, classifies each edit, and discards
/// a correction that changed more than [`MAX_CHANGED_SHARE`] of the sentence.
pub fn build(original: &str, corrected: &str) -> CorrectionResult {
    let raw = edits::diff(original, corrected);
    let share = changed_share(original, corrected);
    if share > MAX_CHANGED_SHARE && edits::tokenize(original).len() >= 3 {
        tracing::info!(
            share,
            corrected,
            "discarding a correction that rewrote the sentence"
        );
        return CorrectionResult {
            original: original.to_string(),
            corrected: original.to_string(),
            edits: Vec::new(),
            rejected_rewrite: Some(corrected.to_string()),
            source: CorrectionSource::Model,
            edit_gains: Vec::new(),
        };
    }
    let edits = raw
        .into_iter()
        .map(|r| {
            let error_type = error_types::classify(original, &r);
            Edit {
                start: r.start,
                end: r.end,
                original: r.original,
                replacement: r.replacement,
                error_type,
                sure: true,
            }
        })
        .collect();
    CorrectionResult {
        original: original.to_string(),
        corrected: corrected.to_string(),
        edits,
        rejected_rewrite: None,
        source: CorrectionSource::Model,
        edit_gains: Vec::new(),
    }
}

impl Tutor {
    /// Corrects `sentence`: the rule-based fixes, replaced by the model's correction only when
    /// the model finds that clearly more likely (see [`MODEL_MARGIN_NATS`]).
    pub async fn correct_grammar(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<CorrectionResult> {
        let mut result = from_candidates(self.correction_candidates(sentence, cancel).await?);
        mark_sure(&mut result, self.thresholds().await?.confusion_gain_nats);
        Ok(result)
    }

    /// The model's own correction, behind the rewrite guard only (the "model only" pipeline).
    pub async fn correct_with_model(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<CorrectionResult> {
        let sentence = crate::input::validate_english(sentence)?;
        let generation = self
            .engine
            .generate(model_request(sentence), |_| {}, cancel)
            .await?;
        model_result(sentence, &generation)
    }

    /// The rule-based, model and combined candidates, scored by the model in one request.
    pub async fn correction_candidates(
        &self,
        sentence: &str,
        cancel: &CancellationToken,
    ) -> Result<Candidates> {
        let sentence = crate::input::validate_english(sentence)?;
        let model = self.correct_with_model(sentence, cancel).await?;
        let (rules, _) = self
            .rules_in_context(&crate::rules::check(sentence))
            .await?;
        Ok(self.score_candidates(sentence, rules, model).await?.0)
    }

    /// The rule-based correction, with the model choosing between close respellings of a
    /// misspelt word by the sentence around it ("more thad facts": "than", not "that"). Each
    /// word is decided on its own, in one scoring request; without scores (a remote backend)
    /// the first respelling stays. Then the confusion-set edits ([`Self::confusion_scan`]);
    /// also returns the best one left undone, for the verdict.
    pub(crate) async fn rules_in_context(
        &self,
        check: &crate::rules::RuleCheck,
    ) -> Result<(String, Option<NearEdit>)> {
        let fixed = self.respellings_in_context(check).await?;
        let scan = self.confusion_scan(&fixed).await?;
        let t = self.thresholds().await?;
        Ok((scan.fixed(&t), scan.nearest_below(t.confusion_gain_nats)))
    }

    /// The grammar Harper misses (crate::confusions): each candidate edit from the closed
    /// confusion sets is scored against `text` in one request. The broad sets propose many
    /// more; one forward pass ranks them by the model's next-token preference
    /// ([`crate::engine::Engine::rank`]) and only the best [`BROAD_KEEP`] are scored too.
    /// Without scores (a remote backend) there are no gains and nothing changes.
    pub async fn confusion_scan(&self, text: &str) -> Result<ConfusionScan> {
        let mut scan = ConfusionScan {
            text: text.to_string(),
            candidates: Vec::new(),
            gains: Vec::new(),
        };
        if !self.engine.is_local() {
            return Ok(scan);
        }
        let mut candidates = crate::confusions::candidates(text);
        let broad = crate::confusions::broad_candidates(text);
        if !broad.is_empty() {
            let ranks = self
                .engine
                .rank(
                    text.to_string(),
                    broad.iter().map(|c| c.apply(text)).collect(),
                )
                .await?;
            let mut ranked: Vec<(f64, crate::confusions::Candidate)> = ranks
                .into_iter()
                .zip(broad)
                .filter(|(r, _)| *r > 0.0)
                .collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            candidates.extend(ranked.into_iter().take(BROAD_KEEP).map(|(_, c)| c));
        }
        if candidates.is_empty() {
            return Ok(scan);
        }
        let mut texts = vec![text.to_string()];
        texts.extend(candidates.iter().map(|c| c.apply(text)));
        let scores = self.engine.score(texts).await?;
        let Some((base, each)) = scores.split_first() else {
            return Ok(scan);
        };
        scan.gains = each.iter().map(|s| s.logprob - base.logprob).collect();
        scan.candidates = candidates;
        Ok(scan)
    }

    /// What [`crate::calibration::fit_thresholds`] needs of one sentence: the rule-based
    /// correction, every confusion-set gain and the fluency score. The model's own rewrite is
    /// not generated (the slow part); its edits, which the veto mostly undoes, are left out
    /// of the fit.
    pub async fn verdict_sample(
        &self,
        sentence: &str,
        expert: u8,
        cancel: &CancellationToken,
    ) -> Result<crate::calibration::VerdictSample> {
        let sentence = crate::input::validate_english(sentence)?;
        let check = crate::rules::check(sentence);
        let fixed = self.respellings_in_context(&check).await?;
        let scan = self.confusion_scan(&fixed).await?;
        let hints = check.hints();
        let signals = self
            .signals_with_hints(sentence, &hints, false, cancel)
            .await?;
        let mistakes: Vec<_> = hints.iter().map(|h| h.error_type).collect();
        let fluency = self.fluency_from(signals, &mistakes).await?.score;
        let (broad, curated): (Vec<_>, Vec<_>) = scan
            .gains
            .iter()
            .zip(&scan.candidates)
            .partition(|(_, c)| c.broad);
        Ok(crate::calibration::VerdictSample {
            expert,
            rules_changed: fixed != sentence,
            gains: curated.into_iter().map(|(g, _)| *g).collect(),
            broad_gains: broad.into_iter().map(|(g, _)| *g).collect(),
            fluency,
        })
    }

    /// The thresholds for the loaded model: its fitted entry in `models/calibration.json`,
    /// else the hand-set defaults ([`Thresholds::DEFAULT`]); an override set with
    /// [`Tutor::with_thresholds`] wins (the fitting itself uses it).
    pub async fn thresholds(&self) -> Result<crate::calibration::Thresholds> {
        if let Some(t) = self.thresholds {
            return Ok(t);
        }
        if !self.engine.is_local() {
            return Ok(crate::calibration::Thresholds::DEFAULT);
        }
        let model = self.model_name().await?;
        Ok(crate::calibration::Calibration::builtin()
            .for_model(&model)
            .and_then(|e| e.thresholds)
            .unwrap_or(crate::calibration::Thresholds::DEFAULT))
    }

    /// The rule-based correction with the model choosing between close respellings.
    async fn respellings_in_context(&self, check: &crate::rules::RuleCheck) -> Result<String> {
        let choices = check.choices();
        if choices.is_empty() || !self.engine.is_local() {
            return Ok(check.correct_choosing(&[]));
        }
        let mut texts = Vec::new();
        let mut owners = Vec::new();
        for (start, options) in &choices {
            for i in 0..options.len() {
                texts.push(check.correct_choosing(&[(*start, i)]));
                owners.push((*start, i));
            }
        }
        let scores = self.engine.score(texts).await?;
        let mut picks: Vec<(usize, usize, f64)> = Vec::new();
        for ((start, i), score) in owners.into_iter().zip(&scores) {
            match picks.iter_mut().find(|(s, _, _)| *s == start) {
                Some(best) if score.logprob > best.2 => *best = (start, i, score.logprob),
                Some(_) => {}
                None => picks.push((start, i, score.logprob)),
            }
        }
        let picks: Vec<(usize, usize)> = picks.into_iter().map(|(s, i, _)| (s, i)).collect();
        Ok(check.correct_choosing(&picks))
    }

    /// Builds and scores the candidates around the model's correction. Also returns the
    /// original sentence's own score (the first text scored), which fluency and level reuse.
    pub(crate) async fn score_candidates(
        &self,
        sentence: &str,
        rules: String,
        model: CorrectionResult,
    ) -> Result<(Candidates, Option<TextScore>)> {
        let model_and_rules = crate::rules::correct(&model.corrected);
        let texts = vec![
            sentence.to_string(),
            rules.clone(),
            model.corrected.clone(),
            model_and_rules.clone(),
        ];
        let scores = if self.engine.is_local() {
            self.engine.score(texts).await?
        } else {
            Vec::new()
        };
        let lp = |i: usize| scores.get(i).map_or(f64::NAN, |s| s.logprob);
        let mut candidates = Candidates {
            original: sentence.to_string(),
            rules,
            model: model.corrected,
            model_and_rules,
            rejected_rewrite: model.rejected_rewrite,
            logprobs: [lp(0), lp(1), lp(2), lp(3)],
            edit_gains: Vec::new(),
        };
        if !scores.is_empty() {
            candidates.edit_gains = self.edit_gains(&candidates).await?;
        }
        Ok((candidates, scores.first().copied()))
    }

    /// [`Candidates::edit_gains`]: one more scoring request, of the chosen candidate with each
    /// edit undone in turn (they share their prefix with the sentence, so it is cheap).
    async fn edit_gains(&self, candidates: &Candidates) -> Result<Vec<f64>> {
        let (chosen, _) = candidates.choose(MODEL_MARGIN_NATS);
        let result = build(&candidates.original, &chosen);
        if result.edits.is_empty() {
            return Ok(Vec::new());
        }
        // The chosen text rebuilt from its edits first, so both sides of each gain are spelt
        // by the same `edits::apply` (white space included).
        let mut texts = vec![edits::apply(&candidates.original, &result.edits)];
        texts.extend((0..result.edits.len()).map(|skip| {
            let kept: Vec<Edit> = result
                .edits
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, e)| e.clone())
                .collect();
            edits::apply(&candidates.original, &kept)
        }));
        let scores = self.engine.score(texts).await?;
        let Some((all, each)) = scores.split_first() else {
            return Ok(Vec::new());
        };
        Ok(each.iter().map(|s| all.logprob - s.logprob).collect())
    }
}

/// Most broad-set candidates scored as whole sentences per text, after the ranking. Only
/// those the model prefers at the point of change (a ranking gain above 0: it would rather
/// read the alternative's token there than the learner's) are candidates at all, and each
/// costs the tokens after its edit, so the best 8 are scored: on a 20-word sentence that is
/// about 100 more scored tokens, 0.5 s with the 135M test model on 2 cores.
pub const BROAD_KEEP: usize = 8;

/// Every confusion-set candidate for one text, with its gain: how much more likely (nats,
/// summed over the sentence) the model finds the text with that edit than without.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionScan {
    /// The text the candidates apply to (the rule-based correction so far).
    pub text: String,
    /// The candidates, in [`crate::confusions::candidates`] order.
    pub candidates: Vec<crate::confusions::Candidate>,
    /// One gain per candidate (empty without scores).
    pub gains: Vec<f64>,
}

/// A confusion-set edit the model preferred, but not by enough to make it.
#[derive(Debug, Clone, PartialEq)]
pub struct NearEdit {
    /// The sentence with that edit made.
    pub text: String,
    /// Its gain, in nats.
    pub gain: f64,
}

impl ConfusionScan {
    /// The text with the edits made whose gain reaches their threshold (the broad sets'
    /// own, higher one for theirs): best first, skipping any that overlaps (or inserts at the
    /// same place as) one already taken.
    pub fn fixed(&self, t: &crate::calibration::Thresholds) -> String {
        let mut ranked: Vec<(f64, &crate::confusions::Candidate)> = self
            .gains
            .iter()
            .copied()
            .zip(&self.candidates)
            .filter(|(gain, c)| {
                *gain
                    >= if c.broad {
                        t.broad_gain_nats
                    } else {
                        t.confusion_gain_nats
                    }
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut taken: Vec<crate::confusions::Candidate> = Vec::new();
        for (_, c) in ranked {
            let clashes = taken.iter().any(|t| {
                (c.start < t.end && t.start < c.end) || c.start == t.start || c.end == t.end
            });
            if !clashes {
                taken.push(c.clone());
            }
        }
        if taken.is_empty() {
            return self.text.clone();
        }
        crate::confusions::apply_all(&self.text, &taken)
    }

    /// The best candidate below `threshold`, if the model prefers it at all (gain > 0). Only
    /// the closed sets count: the broad sets propose an edit at nearly every word, and the
    /// model half-prefers some of them in any sentence, right or wrong.
    pub fn nearest_below(&self, threshold: f64) -> Option<NearEdit> {
        self.gains
            .iter()
            .zip(&self.candidates)
            .filter(|(g, c)| !c.broad && **g > 0.0 && **g < threshold)
            .max_by(|a, b| a.0.total_cmp(b.0))
            .map(|(g, c)| NearEdit {
                text: c.apply(&self.text),
                gain: *g,
            })
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
    // them (crate::vietnamese): the model, too, turns "phở" into "pho" or "Nguyễn" into
    // "Nguyen".
    let protected = crate::vietnamese::protected_spans(&candidates.original);
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
fn keep_rule_respellings(
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
        if crate::spelling::is_respelling(typed, respelt) && e.error_type != ErrorType::Spelling {
            e.replacement = rule.replacement.clone();
            e.error_type = error_types::classify(original, rule);
            replaced = true;
        }
    }
    replaced
}

/// The request that asks the model for its correction of `sentence`.
pub(crate) fn model_request(sentence: &str) -> GenerateRequest {
    let messages = vec![
        ChatMessage::new(Role::System, SYSTEM),
        ChatMessage::new(Role::User, prompt(sentence)),
    ];
    GenerateRequest::json(messages, schema(sentence), max_tokens(sentence))
}

/// The model's correction from its answer to [`model_request`], behind the rewrite guard.
pub(crate) fn model_result(sentence: &str, generation: &Generation) -> Result<CorrectionResult> {
    let answer: serde_json::Value = super::parse_json(generation, max_tokens(sentence))?;
    let corrected = keep_final_punctuation(sentence, &parse(&answer)?);
    Ok(build(sentence, &corrected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correct_sentence_gets_zero_edits() {
        let r = build("She likes apples.", "She likes apples.");
        assert!(r.edits.is_empty());
        assert_eq!(r.corrected, "She likes apples.");
    }

    #[test]
    fn edits_are_typed_and_point_into_the_original() {
        let r = build("She don't like apples.", "She doesn't like apples.");
        assert_eq!(r.edits.len(), 1);
        let e = &r.edits[0];
        assert_eq!(&r.original[e.start..e.end], "don't");
        assert_eq!(e.error_type, ErrorType::SubjectVerbAgreement);
    }

    #[test]
    fn a_rewrite_is_discarded_not_shown_as_a_correction() {
        let r = build(
            "I goes to school every day.",
            "What a lovely morning it is today!",
        );
        assert!(r.edits.is_empty());
        assert_eq!(r.corrected, r.original);
        assert!(r.rejected_rewrite.is_some());
    }

    fn candidates(rules: &str, model: &str, logprobs: [f64; 4]) -> Candidates {
        Candidates {
            original: "This is an test.".into(),
            rules: rules.into(),
            model: model.into(),
            model_and_rules: model.into(),
            rejected_rewrite: None,
            logprobs,
            edit_gains: Vec::new(),
        }
    }

    #[test]
    fn the_veto_undoes_only_the_edits_the_model_does_not_support() {
        // Two rule edits: "go" → "goes" (a real fix) and "an" → "the" (not supported).
        let mut c = Candidates {
            original: "He go to an school every day.".into(),
            rules: "He goes to the school every day.".into(),
            model: "He go to an school every day.".into(),
            model_and_rules: "He goes to the school every day.".into(),
            rejected_rewrite: None,
            logprobs: [-30.0, -25.0, -30.0, -25.0],
            edit_gains: vec![6.0, 0.5],
        };
        let veto = EditVeto {
            rules: 2.0,
            model: 2.0,
            no_model_drops: true,
            model_word_choice: 2.0,
        };
        let r = with_veto(&c, veto);
        assert_eq!(r.corrected, "He goes to an school every day.");
        assert_eq!(r.edits.len(), 1);
        assert_eq!(r.edits[0].replacement, "goes");
        let all = "He goes to the school every day.";
        assert_eq!(with_veto(&c, EditVeto::NONE).corrected, all);
        // Without gains (a remote backend) nothing is vetoed.
        c.edit_gains.clear();
        assert_eq!(with_veto(&c, veto).corrected, all);
    }

    #[test]
    fn a_misspelt_word_keeps_the_rules_respelling_unless_the_model_respells_it_too() {
        // The model put ", but" where the learner wrote "becous": no respelling of it, and its
        // gain (a real word against a misspelling) says nothing. The rules' "because" stands.
        let mut c = Candidates {
            original: "I stayed home becous it rained.".into(),
            rules: "I stayed home because it rained.".into(),
            model: "I stayed home , but it rained.".into(),
            model_and_rules: "I stayed home , but it rained.".into(),
            rejected_rewrite: None,
            logprobs: [-40.0, -30.0, -20.0, -20.0],
            edit_gains: vec![12.0],
        };
        let r = with_veto(&c, EditVeto::PRODUCTION);
        assert_eq!(r.corrected, "I stayed home because it rained.");
        assert_eq!(r.edits[0].error_type, ErrorType::Spelling);
        // Without gains too.
        c.edit_gains.clear();
        assert_eq!(
            with_veto(&c, EditVeto::PRODUCTION).corrected,
            "I stayed home because it rained."
        );
        // A respelling of its own (three edits away, not among the spell checker's) stays.
        let c = Candidates {
            original: "It is a good buissnes.".into(),
            rules: "It is a good busses.".into(),
            model: "It is a good business.".into(),
            model_and_rules: "It is a good business.".into(),
            rejected_rewrite: None,
            logprobs: [-40.0, -30.0, -20.0, -20.0],
            edit_gains: vec![12.0],
        };
        assert_eq!(
            with_veto(&c, EditVeto::PRODUCTION).corrected,
            "It is a good business."
        );
    }

    #[test]
    fn a_moved_word_is_kept_or_undone_as_one() {
        let original = "Gas will even become more expensive.";
        let moved = "Gas will become even more expensive.";
        let n = build(original, moved).edits.len();
        assert_eq!(n, 2, "a move is an insertion and a deletion");
        let c = Candidates {
            original: original.into(),
            rules: original.into(),
            model: moved.into(),
            model_and_rules: moved.into(),
            rejected_rewrite: None,
            logprobs: [-30.0, -30.0, -20.0, -20.0],
            // The insertion is supported, the deletion is not: neither may stand alone.
            edit_gains: vec![4.7, -0.8],
        };
        let r = with_veto(&c, EditVeto::PRODUCTION);
        assert_eq!(r.corrected, original, "{r:?}");
    }

    #[test]
    fn the_models_edits_may_not_drop_the_learners_words() {
        let original = "I think that in fact it is really better to travel with a guide.";
        let shorter = "I think it is better to travel with a guide.";
        let n = build(original, shorter).edits.len();
        assert!(n > 0);
        let c = Candidates {
            original: original.into(),
            rules: original.into(),
            model: shorter.into(),
            model_and_rules: shorter.into(),
            rejected_rewrite: None,
            logprobs: [-40.0, -40.0, -20.0, -20.0],
            edit_gains: vec![19.5; n],
        };
        assert_eq!(with_veto(&c, EditVeto::NONE).corrected, shorter);
        assert_eq!(with_veto(&c, EditVeto::PRODUCTION).corrected, original);
        let join = Edit {
            start: 0,
            end: 8,
            original: "with out".into(),
            replacement: "without".into(),
            error_type: error_types::ErrorType::Spelling,
            sure: true,
        };
        assert!(!drops_words(&join));
    }

    #[test]
    fn the_model_replaces_the_rules_only_when_clearly_more_likely() {
        let c = candidates(
            "This is a test.",
            "This is a small test.",
            [-30.0, -20.0, -19.0, -19.0],
        );
        assert_eq!(c.choose(2.0).1, CorrectionSource::Rules);
        let c = candidates(
            "This is a test.",
            "This is a small test.",
            [-30.0, -20.0, -15.0, -15.0],
        );
        assert_eq!(c.choose(2.0).1, CorrectionSource::ModelAndRules);
        assert_eq!(c.choose(2.0).0, "This is a small test.");
    }

    #[test]
    fn without_scores_the_rules_win_where_the_model_disagrees() {
        let c = candidates("This is a test.", "This is an error.", [f64::NAN; 4]);
        assert_eq!(c.choose(2.0).0, "This is a test.");
        let c = candidates("This is a test.", "This is a good test.", [f64::NAN; 4]);
        assert_eq!(
            c.choose(2.0).0,
            "This is a test.",
            "the rule fix is missing"
        );
        let mut c = candidates("This is an test.", "This is an tests.", [f64::NAN; 4]);
        c.rules = c.original.clone();
        assert_eq!(c.choose(2.0).0, "This is an tests.", "rules found nothing");
    }

    #[test]
    fn a_dropped_full_stop_is_put_back() {
        assert_eq!(keep_final_punctuation("She runs.", "She runs"), "She runs.");
        assert_eq!(
            keep_final_punctuation("She runs?", "Does she run?"),
            "Does she run?"
        );
        assert_eq!(keep_final_punctuation("she runs", "She runs."), "She runs.");
    }

    #[test]
    fn parse_strips_wrapping_quotes_and_refuses_empty_answers() {
        assert_eq!(
            parse(&json!({"corrected": "\"She runs.\""})),
            Ok("She runs.".into())
        );
        assert!(parse(&json!({"corrected": "  "})).is_err());
        assert!(parse(&json!({"fixed": "x"})).is_err());
    }
}
