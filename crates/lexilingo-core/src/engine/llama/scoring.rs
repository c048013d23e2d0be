//! The model's log-probabilities of given texts: whole-text scores and the one-pass ranking
//! of alternative edits.

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::token::LlamaToken;

use super::*;

impl LoadedModel {
    /// Scores each text with the model's own next-token probabilities (see [`TextScore`]).
    pub fn score(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        texts: &[String],
    ) -> Result<Vec<TextScore>, EngineError> {
        Ok(self
            .scored_texts(ctx, cache, texts)?
            .iter()
            .map(|scored| {
                let scored = &scored[1.min(scored.len())..];
                TextScore {
                    tokens: scored.len() as u32,
                    logprob: scored.iter().map(|t| t.1).sum(),
                    min_logprob: scored.iter().map(|t| t.1).fold(0.0, f64::min),
                }
            })
            .collect())
    }

    /// Each text's tokens with their log-probabilities (see [`ScoredToken`]), for
    /// `/v1/completions` with `echo`. The same decoding as [`LoadedModel::score`], so the sums
    /// agree to the last bit.
    pub fn score_each(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        texts: &[String],
    ) -> Result<Vec<Vec<ScoredToken>>, EngineError> {
        let mut piece = Vec::new();
        Ok(self
            .scored_texts(ctx, cache, texts)?
            .iter()
            .map(|scored| {
                scored
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
                    .collect()
            })
            .collect())
    }

    /// Each text's tokens, each with its log-probability given the tokens before it (the
    /// first, which has no context, with 0).
    ///
    /// Candidate corrections are one sentence with one edit each, so they share a beginning
    /// and differ from some word on. The text that shares the most with the others (the
    /// learner's sentence, when it is among them) is decoded first, in [`SCORE_SEQ`], keeping
    /// what it shares with the text scored before it. Every other text then needs only its
    /// part from where it departs from that reference: the reference's cache cells before
    /// that point are shared with a scratch sequence ([`SCORE_LANES`]), and all those parts
    /// are decoded together, one `llama_decode` for up to [`SCORE_LANES`] texts and
    /// [`LANE_BATCH`] tokens. One decode of 60 tokens costs far less than six of 10 (a CPU
    /// multiplies a batch of tokens by each weight matrix at once).
    /// A text's log-probabilities are the same either way, to the last bit in decodes of
    /// that size: each token sees only its own sequence's cells.
    fn scored_texts(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        texts: &[String],
    ) -> Result<Vec<Vec<(LlamaToken, f64)>>, EngineError> {
        let tokenised: Vec<Vec<LlamaToken>> = texts
            .iter()
            .map(|t| self.model.vocab().tokenize(t.as_bytes(), true, false))
            .collect();
        let mut out: Vec<Vec<(LlamaToken, f64)>> = vec![Vec::new(); texts.len()];
        let Some(reference) = (0..tokenised.len()).max_by_key(|&i| {
            let shared: usize = tokenised.iter().map(|t| lcp(&tokenised[i], t)).sum();
            (shared, usize::MAX - i)
        }) else {
            return Ok(out);
        };
        self.score_tokens(ctx, cache, &tokenised[reference], &[])?;
        out[reference] = cache.scored.clone();

        // The others, in groups that fit the lanes and `LANE_BATCH`; a text whose own part is
        // longer goes through the reference's sequence afterwards, on its own, as before.
        let mut groups: Vec<Vec<(usize, usize)>> = Vec::new(); // (text, first decoded position)
        let mut alone = Vec::new();
        let mut group_tokens = 0;
        for (i, tokens) in tokenised.iter().enumerate() {
            if i == reference || tokens.is_empty() {
                continue;
            }
            let from = lcp(&tokenised[reference], tokens).clamp(1, tokens.len().max(1)) - 1;
            let n = tokens.len() - from;
            if n > LANE_BATCH {
                alone.push(i);
                continue;
            }
            let full = groups
                .last()
                .is_none_or(|g| g.len() == SCORE_LANES || group_tokens + n > LANE_BATCH);
            if full {
                groups.push(Vec::new());
                group_tokens = 0;
            }
            groups.last_mut().expect("pushed above").push((i, from));
            group_tokens += n;
        }
        for group in groups {
            let needed: usize = group
                .iter()
                .map(|&(i, from)| tokenised[i].len() - from)
                .sum();
            if !self.make_room(ctx, cache, cache.scored.len() + needed)? {
                // No room for the lanes beside the other cached prompts: one by one.
                alone.extend(group.iter().map(|g| g.0));
                continue;
            }
            let decoded = self.decode_lanes(ctx, cache, &group, &tokenised);
            for lane in 0..group.len() {
                let _ = clear_seq(ctx, SCORE_SEQ + 1 + lane, 0);
            }
            for (&(i, _), scored) in group.iter().zip(decoded?) {
                out[i] = scored;
            }
        }
        for i in alone {
            self.score_tokens(ctx, cache, &tokenised[i], &[])?;
            out[i] = cache.scored.clone();
        }
        Ok(out)
    }

    /// Evicts least recently used prompt slots until `needed` more cells fit beside the
    /// scoring sequence and what stays cached; false when they cannot.
    fn make_room(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        needed: usize,
    ) -> Result<bool, EngineError> {
        let n_ctx = ctx.n_ctx() as usize;
        while cache.cells_used_except(SCORE_SEQ) + needed > n_ctx {
            let victim = (0..cache.slots.len())
                .filter(|&i| !cache.slots[i].tokens.is_empty())
                .min_by_key(|&i| cache.slots[i].last_used);
            let Some(victim) = victim else {
                return Ok(false);
            };
            clear_seq(ctx, victim, 0)?;
            cache.slots[victim].tokens.clear();
        }
        Ok(true)
    }

    /// Decodes each text of `group` from its position `from` on, in its own lane holding the
    /// reference's cells before `from`, all in one batch.
    fn decode_lanes(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &PromptCache,
        group: &[(usize, usize)],
        tokenised: &[Vec<LlamaToken>],
    ) -> Result<Vec<Vec<(LlamaToken, f64)>>, EngineError> {
        let mut batch = LlamaBatch::new(N_BATCH as usize, 1);
        let mut first_index = Vec::with_capacity(group.len());
        for (lane, &(i, from)) in group.iter().enumerate() {
            let seq = (SCORE_SEQ + 1 + lane) as i32;
            clear_seq(ctx, SCORE_SEQ + 1 + lane, 0)?;
            if from > 0 {
                ctx.copy_kv_cache_seq(SCORE_SEQ as i32, seq, None, Some(from as u32))
                    .map_err(|e| EngineError::Generation {
                        message: format!("cannot share the KV cache: {e}"),
                    })?;
            }
            first_index.push(batch.n_tokens());
            for (p, token) in tokenised[i].iter().enumerate().skip(from) {
                add(&mut batch, *token, p as i32, seq, true)?;
            }
        }
        decode(ctx, &mut batch)?;
        let mut out = Vec::with_capacity(group.len());
        for (&(i, from), first) in group.iter().zip(first_index) {
            let tokens = &tokenised[i];
            // Before `from` the text is the reference: its log-probabilities are the same.
            let mut scored: Vec<(LlamaToken, f64)> = cache.scored[..from].to_vec();
            scored.push((tokens[from], cache.scored.get(from).map_or(0.0, |t| t.1)));
            for p in from..tokens.len() - 1 {
                let logits = ctx.get_logits_ith(first + (p - from) as i32);
                let lp = LogSoftmax::of(logits).at(logits, tokens[p + 1].0 as usize);
                scored.push((tokens[p + 1], lp));
            }
            out.push(scored);
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
        self.make_room(ctx, cache, tokens.len())?;
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
        tracing::debug!(
            tokens = tokens.len(),
            decoded = tokens.len() - keep,
            "scoring a text"
        );
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
                // One normalisation per position, shared by the next token and every probe
                // there (a 151,936-token vocabulary makes it the costly part).
                let norm = LogSoftmax::of(logits);
                if let Some(next) = tokens.get(pos + i + 1) {
                    pending = norm.at(logits, next.0 as usize);
                }
                for (p, (at, alt)) in probes.iter().enumerate() {
                    if *at == pos + i + 1 {
                        probed[p] = norm.at(logits, alt.0 as usize);
                    }
                }
            }
            pos += chunk.len();
        }
        Ok(probed)
    }
}

/// Tokens per side-by-side scoring decode: fewer than llama.cpp's flash-attention query tile
/// (`GGML_FA_TILE_Q`, 64). From 64 query tokens on, its CPU kernel switches to a tiled path
/// whose rounding differs; measured with the test model, that moved a candidate's score by up
/// to 0.56 nats, as much as the fitted confusion-set threshold. Below it every text scores
/// exactly as when it is decoded alone (the sequential path the thresholds were fitted with;
/// `scoring_many_candidates_at_once_matches_scoring_each_alone`).
const LANE_BATCH: usize = 63;

/// The length of the common prefix of two token sequences.
fn lcp(a: &[LlamaToken], b: &[LlamaToken]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
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

/// The normaliser of `log softmax(logits)`, computed stably: `max + ln Σ exp(l − max)`.
struct LogSoftmax {
    max: f32,
    ln_sum: f64,
}

impl LogSoftmax {
    fn of(logits: &[f32]) -> Self {
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f64 = logits.iter().map(|&l| f64::from(l - max).exp()).sum();
        LogSoftmax {
            max,
            ln_sum: sum.ln(),
        }
    }

    /// `log softmax(logits)[index]` (−∞ for an index outside the vocabulary).
    fn at(&self, logits: &[f32], index: usize) -> f64 {
        let chosen = logits.get(index).copied().unwrap_or(f32::NEG_INFINITY);
        f64::from(chosen - self.max) - self.ln_sum
    }
}
