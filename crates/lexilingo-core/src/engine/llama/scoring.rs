//! The model's log-probabilities of given texts: whole-text scores and the one-pass ranking
//! of alternative edits.

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::token::LlamaToken;

use super::*;

impl LoadedModel {
    /// Scores each text with the model's own next-token probabilities (see [`TextScore`]).
    ///
    /// Texts are decoded in [`SCORE_SEQ`] with logits for every position; the prefix a text
    /// shares with the one scored before it is kept (a correction changes one word, so
    /// candidates share most of their beginning).
    pub fn score(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        texts: &[String],
    ) -> Result<Vec<TextScore>, EngineError> {
        let mut scores = Vec::with_capacity(texts.len());
        for text in texts {
            let tokens = self.model.vocab().tokenize(text.as_bytes(), true, false);
            self.score_tokens(ctx, cache, &tokens, &[])?;
            let scored = &cache.scored[1.min(cache.scored.len())..];
            scores.push(TextScore {
                tokens: scored.len() as u32,
                logprob: scored.iter().map(|t| t.1).sum(),
                min_logprob: scored.iter().map(|t| t.1).fold(0.0, f64::min),
            });
        }
        Ok(scores)
    }

    /// Each text's tokens with their log-probabilities (see [`ScoredToken`]), for
    /// `/v1/completions` with `echo`. Same decoding as [`LoadedModel::score`], so the sums
    /// agree to the last bit.
    pub fn score_each(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        texts: &[String],
    ) -> Result<Vec<Vec<ScoredToken>>, EngineError> {
        let mut out = Vec::with_capacity(texts.len());
        for text in texts {
            let tokens = self.model.vocab().tokenize(text.as_bytes(), true, false);
            self.score_tokens(ctx, cache, &tokens, &[])?;
            let mut piece = Vec::new();
            out.push(
                cache
                    .scored
                    .iter()
                    .enumerate()
                    .map(|(i, (token, lp))| {
                        piece.clear();
                        self.model
                            .vocab()
                            .token_to_piece_into(*token, &mut piece, false, None);
                        ScoredToken {
                            token: token_text(&piece),
                            logprob: (i > 0).then_some(*lp),
                        }
                    })
                    .collect(),
            );
        }
        Ok(out)
    }

    /// Ranks edits of `text` in one forward pass over it (see [`WorkerRequest::Rank`]): for
    /// each alternative, the first token where its tokens depart from the text's, and the
    /// model's log-probability of the alternative's token there minus that of the text's own
    /// token, both read from the logits of the position before.
    ///
    /// [`WorkerRequest::Rank`]: super::protocol::WorkerRequest::Rank
    pub fn rank(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        text: &str,
        alternatives: &[String],
    ) -> Result<Vec<f64>, EngineError> {
        let base = self.model.vocab().tokenize(text.as_bytes(), true, false);
        // (index into `base` of the departing token, the alternative's token there)
        let mut probes: Vec<(usize, LlamaToken)> = Vec::new();
        let mut owner: Vec<Option<usize>> = Vec::with_capacity(alternatives.len());
        for alt in alternatives {
            let tokens = self.model.vocab().tokenize(alt.as_bytes(), true, false);
            let k = base.iter().zip(&tokens).take_while(|(a, b)| a == b).count();
            if k == 0 || k >= base.len() || k >= tokens.len() {
                owner.push(None);
            } else {
                owner.push(Some(probes.len()));
                probes.push((k, tokens[k]));
            }
        }
        let probed = self.score_tokens(ctx, cache, &base, &probes)?;
        Ok(owner
            .into_iter()
            .map(|o| match o {
                Some(p) => probed[p] - cache.scored[probes[p].0].1,
                // JSON has no infinity: the largest finite gain ranks it first.
                None => f64::MAX,
            })
            .collect())
    }

    /// Puts `tokens` in [`SCORE_SEQ`] with each token's log-probability in `cache.scored`,
    /// keeping the prefix shared with the text scored before. Also returns, for each probe
    /// `(i, t)`, the log-probability of token `t` in place of `tokens[i]` (`0 < i`).
    fn score_tokens(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        tokens: &[LlamaToken],
        probes: &[(usize, LlamaToken)],
    ) -> Result<Vec<f64>, EngineError> {
        let n_ctx = ctx.n_ctx() as usize;
        if tokens.len() > n_ctx {
            return Err(EngineError::ContextOverflow {
                needed: tokens.len() as u32,
                n_ctx: n_ctx as u32,
            });
        }
        while cache.cells_used_except(SCORE_SEQ) + tokens.len() > n_ctx {
            let victim = (0..cache.slots.len())
                .filter(|&i| !cache.slots[i].tokens.is_empty())
                .min_by_key(|&i| cache.slots[i].last_used);
            let Some(victim) = victim else { break };
            clear_seq(ctx, victim, 0)?;
            cache.slots[victim].tokens.clear();
        }
        // Keep the common prefix, but decode its last token again: its logits (not kept)
        // predict the first new token. A probe needs the logits before its token, so the
        // decode starts there at the latest.
        let common = cache
            .scored
            .iter()
            .zip(tokens)
            .take_while(|((a, _), b)| a == *b)
            .count();
        let earliest_probe = probes.iter().map(|p| p.0 - 1).min().unwrap_or(usize::MAX);
        let keep = common.saturating_sub(1).min(earliest_probe);
        // The re-decoded token's own probability stays what it was.
        let first_lp = cache.scored.get(keep).map_or(0.0, |t| t.1);
        clear_seq(ctx, SCORE_SEQ, keep)?;
        cache.scored.truncate(keep);
        match self.decode_scored(ctx, cache, tokens, keep, first_lp, probes) {
            Ok(probed) => Ok(probed),
            Err(e) => {
                let _ = clear_seq(ctx, SCORE_SEQ, 0);
                cache.scored.clear();
                Err(e)
            }
        }
    }

    /// Decodes `tokens[keep..]` into [`SCORE_SEQ`] with logits everywhere, appending each
    /// token and its log-probability to `cache.scored`; answers the probes on the way.
    fn decode_scored(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        tokens: &[LlamaToken],
        keep: usize,
        first_lp: f64,
        probes: &[(usize, LlamaToken)],
    ) -> Result<Vec<f64>, EngineError> {
        let mut batch = LlamaBatch::new(N_BATCH as usize, 1);
        let mut pos = keep;
        let mut probed = vec![f64::NEG_INFINITY; probes.len()];
        // The log-probability of the next token to push, from the previous position's logits.
        let mut pending = first_lp;
        for chunk in tokens[keep..].chunks(N_BATCH as usize) {
            batch.clear();
            for (i, token) in chunk.iter().enumerate() {
                add(&mut batch, *token, (pos + i) as i32, SCORE_SEQ as i32, true)?;
            }
            decode(ctx, &mut batch)?;
            for (i, token) in chunk.iter().enumerate() {
                cache.scored.push((*token, pending));
                let logits = ctx.get_logits_ith(i as i32);
                if let Some(next) = tokens.get(pos + i + 1) {
                    pending = log_softmax_at(logits, next.0 as usize);
                }
                for (p, (at, alt)) in probes.iter().enumerate() {
                    if *at == pos + i + 1 {
                        probed[p] = log_softmax_at(logits, alt.0 as usize);
                    }
                }
            }
            pos += chunk.len();
        }
        Ok(probed)
    }
}

/// A token's bytes as text: itself when whole UTF-8, else `bytes:\xNN…` (OpenAI's spelling).
fn token_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::from("bytes:");
            for b in bytes {
                out.push_str(&format!("\\x{b:02x}"));
            }
            out
        }
    }
}

/// `log softmax(logits)[index]`, computed stably.
pub(super) fn log_softmax_at(logits: &[f32], index: usize) -> f64 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = logits.iter().map(|&l| f64::from(l - max).exp()).sum();
    let chosen = logits.get(index).copied().unwrap_or(f32::NEG_INFINITY);
    f64::from(chosen - max) - sum.ln()
}
