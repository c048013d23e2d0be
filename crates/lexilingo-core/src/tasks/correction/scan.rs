//! The correction task run on the tutor: the rules, the model's answer, the confusion sets
//! scored by the model, and the verdict's inputs.

use super::choose::*;
use super::*;
use crate::tasks::Tutor;

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
        let generation = self
            .engine
            .generate(model_request(sentence), |_| {}, cancel)
            .await?;
        let model = super::model_result_or_unchanged(sentence, &generation)?;
        let (rules, _) = self
            .rules_in_context(&crate::language::rules::check(sentence))
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
        check: &crate::language::rules::RuleCheck,
    ) -> Result<(String, Option<NearEdit>)> {
        let fixed = self.respellings_in_context(check).await?;
        let scan = self.confusion_scan(&fixed).await?;
        let t = self.thresholds().await?;
        Ok((scan.fixed(&t), scan.nearest_below(t.confusion_gain_nats)))
    }

    /// The grammar Harper misses (crate::language::confusions): each candidate edit from the closed
    /// confusion sets is scored against `text` in one request. The broad sets propose many
    /// more; one forward pass ranks them by the model's next-token preference
    /// ([`crate::engine::Engine::rank`]) and only the best [`BROAD_KEEP`] are scored too.
    /// Without scores (a remote server that cannot score) there are no gains and nothing
    /// changes.
    pub async fn confusion_scan(&self, text: &str) -> Result<ConfusionScan> {
        let mut scan = ConfusionScan {
            text: text.to_string(),
            candidates: Vec::new(),
            gains: Vec::new(),
        };
        if !self.engine.can_score().await {
            return Ok(scan);
        }
        let mut candidates = crate::language::confusions::candidates(text);
        let broad = crate::language::confusions::broad_candidates(text);
        if !broad.is_empty() {
            let ranks = self
                .engine
                .rank(
                    text.to_string(),
                    broad.iter().map(|c| c.apply(text)).collect(),
                )
                .await?;
            let mut ranked: Vec<(f64, crate::language::confusions::Candidate)> = ranks
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
        let check = crate::language::rules::check(sentence);
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
            broad_gains: broad.into_iter().map(|(g, c)| (c.kind, *g)).collect(),
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
        if !self.engine.can_score().await {
            return Ok(crate::calibration::Thresholds::DEFAULT);
        }
        let model = self.model_name().await?;
        Ok(crate::calibration::Calibration::builtin()
            .for_model(&model)
            .and_then(|e| e.thresholds)
            .unwrap_or(crate::calibration::Thresholds::DEFAULT))
    }

    /// The rule-based correction with the model choosing between close respellings.
    async fn respellings_in_context(
        &self,
        check: &crate::language::rules::RuleCheck,
    ) -> Result<String> {
        let choices = check.choices();
        if choices.is_empty() || !self.engine.can_score().await {
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
        let model_and_rules = crate::language::rules::correct(&model.corrected);
        let texts = vec![
            sentence.to_string(),
            rules.clone(),
            model.corrected.clone(),
            model_and_rules.clone(),
        ];
        let scores = if self.engine.can_score().await {
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
    /// The candidates, in [`crate::language::confusions::candidates`] order.
    pub candidates: Vec<crate::language::confusions::Candidate>,
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
    /// The text with the edits made whose gain reaches their threshold (for a broad set's,
    /// that set's own, [`crate::calibration::Thresholds::broad_for`]): best first, skipping any that overlaps (or inserts at the
    /// same place as) one already taken.
    pub fn fixed(&self, t: &crate::calibration::Thresholds) -> String {
        let mut ranked: Vec<(f64, &crate::language::confusions::Candidate)> = self
            .gains
            .iter()
            .copied()
            .zip(&self.candidates)
            .filter(|(gain, c)| {
                *gain
                    >= if c.broad {
                        t.broad_for(c.kind)
                    } else {
                        t.confusion_gain_nats
                    }
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut taken: Vec<crate::language::confusions::Candidate> = Vec::new();
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
        crate::language::confusions::apply_all(&self.text, &taken)
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
