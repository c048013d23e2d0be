//! The worker's side of inference: one loaded model and one context, driven by llama-cpp-2.
//!
//! Only the worker process runs this code. A llama.cpp assertion calls `abort()`, which no Rust
//! code can catch, so keeping every llama.cpp call here lets the parent survive such a crash.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;
use llama_cpp_2::token::LlamaToken;

use super::protocol::{
    GenerateRequest, Generation, LoadSettings, ModelInfo, StopReason, TextScore,
};
use crate::error::EngineError;

/// Prompt tokens decoded per `llama_decode` call.
const N_BATCH: u32 = 512;

/// KV-cache sequences kept alive between requests, one per recent prompt prefix.
pub const SLOTS: usize = 4;

/// What each KV-cache sequence currently holds, so a new prompt that starts like an earlier one
/// (the same task's system prompt, a conversation's history) decodes only the new part.
///
/// This is llama-server's prompt cache, per slot: pick the slot whose tokens share the longest
/// prefix with the new prompt, drop the rest of that slot from the KV cache, decode the
/// remainder. Each tutoring task has its own long system prompt, so with four slots `analyze`
/// re-decodes only the learner's sentence after the first time.
#[derive(Default)]
pub struct PromptCache {
    slots: Vec<Slot>,
    clock: u64,
    /// The tokens of the last scored text in [`SCORE_SEQ`] and each token's log-probability
    /// (the first is 0), so the next text reuses their common prefix.
    scored: Vec<(LlamaToken, f64)>,
}

/// The KV-cache sequence reserved for scoring, so scoring candidates never evicts a task's
/// cached system prompt. Candidates of one sentence share most tokens, so each one after the
/// first decodes only from its first difference.
const SCORE_SEQ: usize = SLOTS;

#[derive(Default, Clone)]
struct Slot {
    tokens: Vec<LlamaToken>,
    last_used: u64,
}

impl PromptCache {
    fn new() -> Self {
        Self {
            slots: vec![Slot::default(); SLOTS],
            clock: 0,
            scored: Vec::new(),
        }
    }

    /// The slot to use for `tokens` and how many of its tokens can be kept. At least one prompt
    /// token is always decoded again, since its logits start the answer.
    fn choose(&mut self, tokens: &[LlamaToken], taken: &[usize]) -> (usize, usize) {
        let lcp = |a: &[LlamaToken]| a.iter().zip(tokens).take_while(|(x, y)| x == y).count();
        let free: Vec<usize> = (0..self.slots.len())
            .filter(|i| !taken.contains(i))
            .collect();
        let best = free
            .iter()
            .copied()
            .max_by_key(|&i| {
                (
                    lcp(&self.slots[i].tokens),
                    u64::MAX - self.slots[i].last_used,
                )
            })
            .unwrap_or(0);
        let shared = lcp(&self.slots[best].tokens);
        let slot = if shared == 0 {
            // Nothing to reuse: take the least recently used slot.
            free.iter()
                .copied()
                .min_by_key(|&i| self.slots[i].last_used)
                .unwrap_or(0)
        } else {
            best
        };
        self.clock += 1;
        self.slots[slot].last_used = self.clock;
        (slot, shared.min(tokens.len().saturating_sub(1)))
    }

    fn cells_used_except(&self, slot: usize) -> usize {
        self.slots
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != slot)
            .map(|(_, s)| s.tokens.len())
            .sum::<usize>()
            + if slot == SCORE_SEQ {
                0
            } else {
                self.scored.len()
            }
    }
}

/// A model loaded from disk together with its chat template.
pub struct LoadedModel {
    model: LlamaModel,
    template: LlamaChatTemplate,
    /// What was loaded, reported to the parent.
    pub info: ModelInfo,
}

impl LoadedModel {
    /// Loads the GGUF file and checks it carries a chat template.
    pub fn load(backend: &LlamaBackend, settings: &LoadSettings) -> Result<Self, EngineError> {
        let started = Instant::now();
        let model =
            LlamaModel::load_from_file(backend, &settings.model_path, &LlamaModelParams::default())
                .map_err(|e| EngineError::LoadFailed {
                    message: e.to_string(),
                })?;
        let template = model
            .chat_template(None)
            .map_err(|_| EngineError::NoChatTemplate)?;
        let name = model.meta_val_str("general.name").unwrap_or_else(|_| {
            settings
                .model_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let info = ModelInfo {
            name,
            n_params: model.n_params(),
            size_bytes: model.size(),
            n_ctx_train: model.n_ctx_train(),
            n_ctx: settings.n_ctx,
            threads: settings.threads,
            load_ms: started.elapsed().as_millis() as u64,
        };
        Ok(Self {
            model,
            template,
            info,
        })
    }

    /// Creates the one context the worker reuses for every request.
    pub fn new_context<'m>(
        &'m self,
        backend: &LlamaBackend,
        settings: &LoadSettings,
    ) -> Result<LlamaContext<'m>, EngineError> {
        let n_ctx = NonZeroU32::new(settings.n_ctx.max(256));
        let threads = i32::try_from(settings.threads.max(1)).unwrap_or(1);
        let params = LlamaContextParams::default()
            .with_n_ctx(n_ctx)
            .with_n_batch(N_BATCH)
            .with_n_threads(threads)
            .with_n_threads_batch(threads)
            .with_n_seq_max(SLOTS as u32 + 1)
            // One buffer shared by all slots, so a single long conversation can still use the
            // whole context.
            .with_kv_unified(true);
        self.model
            .new_context(backend, params)
            .map_err(|e| EngineError::LoadFailed {
                message: format!("cannot create a context: {e}"),
            })
    }

    fn format_prompt(&self, request: &GenerateRequest) -> Result<String, EngineError> {
        let messages = request
            .messages
            .iter()
            .map(|m| LlamaChatMessage::new(m.role.as_str().to_string(), m.content.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| EngineError::Generation {
                message: format!("a message contains a NUL byte: {e}"),
            })?;
        self.model
            .apply_chat_template(&self.template, &messages, true)
            .map_err(|e| EngineError::Generation {
                message: format!("chat template failed: {e}"),
            })
    }

    /// A fresh prompt cache for a context made by [`LoadedModel::new_context`].
    pub fn prompt_cache(&self) -> PromptCache {
        PromptCache::new()
    }

    /// Generates an answer, calling `on_text` with each complete UTF-8 piece as it appears.
    ///
    /// `cancel` holds the id of the last cancelled request; generation stops at the next token
    /// once it equals `id`.
    pub fn generate(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        id: u64,
        request: &GenerateRequest,
        cancel: &AtomicU64,
        mut on_text: impl FnMut(&str),
    ) -> Result<Generation, EngineError> {
        let mut out = self.generate_many(
            ctx,
            cache,
            id,
            std::slice::from_ref(request),
            cancel,
            |_, text| on_text(text),
        )?;
        out.pop().ok_or_else(|| EngineError::Generation {
            message: "no generation".into(),
        })
    }

    /// Generates answers to several requests at once, as parallel sequences of one batch: each
    /// decode step advances every unfinished answer by a token, so on a CPU the step costs
    /// little more than a single sequence's (the weights are read once per step). `analyze`
    /// uses this for its sub-tasks. `on_text(i, piece)` streams request `i`'s text.
    pub fn generate_many(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        id: u64,
        requests: &[GenerateRequest],
        cancel: &AtomicU64,
        mut on_text: impl FnMut(usize, &str),
    ) -> Result<Vec<Generation>, EngineError> {
        if requests.is_empty() || requests.len() > SLOTS {
            return Err(EngineError::Generation {
                message: format!("between 1 and {SLOTS} requests at once"),
            });
        }
        let n_ctx = ctx.n_ctx();
        let started = Instant::now();
        let mut seqs: Vec<Seq> = Vec::with_capacity(requests.len());
        for request in requests {
            let prompt = self.format_prompt(request)?;
            let tokens = self.model.vocab().tokenize(prompt.as_bytes(), true, true);
            let needed = tokens.len() as u32 + request.max_tokens;
            if needed > n_ctx {
                return Err(EngineError::ContextOverflow { needed, n_ctx });
            }
            let taken: Vec<usize> = seqs.iter().map(|s| s.slot).collect();
            let (slot, keep) = cache.choose(&tokens, &taken);
            seqs.push(Seq {
                slot,
                keep,
                tokens,
                grammar: match &request.json_schema {
                    Some(schema) => Some(self.grammar_sampler(schema)?),
                    None => None,
                },
                chain: sampler_chain(request),
                max_tokens: request.max_tokens,
                pos: 0,
                logits_idx: 0,
                text: String::new(),
                pending: Vec::new(),
                generated: 0,
                stop: None,
            });
        }
        // Make room: drop least recently used slots not in use (and the scoring sequence)
        // until every prompt and answer fits.
        let in_use: Vec<usize> = seqs.iter().map(|s| s.slot).collect();
        let needed_cells: usize = seqs
            .iter()
            .map(|s| s.tokens.len() + s.max_tokens as usize)
            .sum();
        let others = |cache: &PromptCache| -> usize {
            (0..cache.slots.len())
                .filter(|i| !in_use.contains(i))
                .map(|i| cache.slots[i].tokens.len())
                .sum::<usize>()
                + cache.scored.len()
        };
        while others(cache) + needed_cells > n_ctx as usize {
            let victim = (0..cache.slots.len())
                .filter(|i| !in_use.contains(i) && !cache.slots[*i].tokens.is_empty())
                .min_by_key(|&i| cache.slots[i].last_used);
            match victim {
                Some(v) => {
                    clear_seq(ctx, v, 0)?;
                    cache.slots[v].tokens.clear();
                }
                None if !cache.scored.is_empty() => {
                    clear_seq(ctx, SCORE_SEQ, 0)?;
                    cache.scored.clear();
                }
                None => break,
            }
        }
        let result = self.run_sequences(ctx, cache, id, &mut seqs, cancel, &mut on_text, started);
        if result.is_err() {
            for s in &seqs {
                forget(ctx, cache, s.slot);
            }
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn run_sequences(
        &self,
        ctx: &mut LlamaContext<'_>,
        cache: &mut PromptCache,
        id: u64,
        seqs: &mut [Seq],
        cancel: &AtomicU64,
        on_text: &mut impl FnMut(usize, &str),
        started: Instant,
    ) -> Result<Vec<Generation>, EngineError> {
        let mut batch = LlamaBatch::new(N_BATCH as usize, SLOTS as i32);
        // Every sequence's new prompt tokens, bodies first and each prompt's last token at the
        // end, cut into decode calls from the back: the last call then holds every last token
        // (with logits, which only the latest call keeps), and a prompt that fits one batch is
        // one decode call, as in llama-bench. (Decoding the last token on its own cost a whole
        // generation step: 4 % of a 64-token prompt.)
        let mut pending: Vec<(usize, LlamaToken, usize)> = Vec::new();
        for (i, s) in seqs.iter_mut().enumerate() {
            clear_seq(ctx, s.slot, s.keep)?;
            cache.slots[s.slot].tokens.truncate(s.keep);
            let body_end = s.tokens.len() - 1;
            pending.extend((s.keep..body_end).map(|p| (i, s.tokens[p], p)));
        }
        for (i, s) in seqs.iter().enumerate() {
            let last = s.tokens.len() - 1;
            pending.push((i, s.tokens[last], last));
        }
        let n_last = seqs.len();
        let batch_len = N_BATCH as usize;
        let mut from = 0;
        let mut chunk_len = match pending.len() % batch_len {
            0 => batch_len,
            r => r,
        };
        while from < pending.len() {
            let chunk = &pending[from..from + chunk_len];
            let final_call = from + chunk_len == pending.len();
            batch.clear();
            for (k, &(i, token, pos)) in chunk.iter().enumerate() {
                let is_last = final_call && k + n_last >= chunk.len();
                if is_last {
                    seqs[i].logits_idx = k as i32;
                }
                add(&mut batch, token, pos as i32, seqs[i].slot as i32, is_last)?;
            }
            decode(ctx, &mut batch)?;
            for &(i, token, _) in chunk {
                cache.slots[seqs[i].slot].tokens.push(token);
            }
            from += chunk_len;
            chunk_len = batch_len;
        }
        for s in seqs.iter_mut() {
            s.pos = s.tokens.len();
        }
        let prompt_ms = started.elapsed().as_millis() as u64;

        let gen_started = Instant::now();
        loop {
            let cancelled = cancel.load(Ordering::SeqCst) == id;
            batch.clear();
            for (i, s) in seqs.iter_mut().enumerate() {
                if s.stop.is_some() {
                    continue;
                }
                if cancelled {
                    s.stop = Some(StopReason::Cancelled);
                    continue;
                }
                if s.generated >= s.max_tokens {
                    s.stop = Some(StopReason::Length);
                    continue;
                }
                let token = match s.grammar.as_mut() {
                    Some(g) => sample_constrained(ctx, s.logits_idx, &mut s.chain, g)?,
                    None => s.chain.sample(ctx, s.logits_idx),
                };
                if self.model.vocab().is_eog(token) {
                    s.stop = Some(StopReason::EndOfText);
                    continue;
                }
                s.generated += 1;
                self.model
                    .vocab()
                    .token_to_piece_into(token, &mut s.pending, false, None);
                let piece = take_utf8_prefix(&mut s.pending);
                if !piece.is_empty() {
                    on_text(i, &piece);
                    s.text.push_str(&piece);
                }
                s.logits_idx = batch.n_tokens();
                add(&mut batch, token, s.pos as i32, s.slot as i32, true)?;
                cache.slots[s.slot].tokens.push(token);
                s.pos += 1;
            }
            if batch.n_tokens() == 0 {
                break;
            }
            decode(ctx, &mut batch)?;
        }
        let generation_ms = gen_started.elapsed().as_millis() as u64;
        Ok(seqs
            .iter_mut()
            .enumerate()
            .map(|(i, s)| {
                if !s.pending.is_empty() {
                    let rest = String::from_utf8_lossy(&s.pending).into_owned();
                    on_text(i, &rest);
                    s.text.push_str(&rest);
                    s.pending.clear();
                }
                Generation {
                    text: std::mem::take(&mut s.text),
                    stop: s.stop.unwrap_or(StopReason::EndOfText),
                    prompt_tokens: s.tokens.len() as u32,
                    cached_tokens: s.keep as u32,
                    generated_tokens: s.generated,
                    prompt_ms,
                    generation_ms,
                }
            })
            .collect())
    }

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

    fn grammar_sampler(&self, schema: &serde_json::Value) -> Result<LlamaSampler, EngineError> {
        // Both failures come from the schema the caller sent (the tasks' own schemas are
        // tested), so they are the caller's mistake, not the engine's.
        let gbnf = llama_cpp_2::json_schema_to_grammar(&schema.to_string()).map_err(|e| {
            EngineError::BadSchema {
                message: format!("JSON schema → grammar failed: {e}"),
            }
        })?;
        LlamaSampler::grammar(&self.model, &gbnf, "root").map_err(|e| EngineError::BadSchema {
            message: format!("grammar rejected by llama.cpp: {e}"),
        })
    }
}

/// One answer being generated by [`LoadedModel::generate_many`].
struct Seq {
    slot: usize,
    keep: usize,
    tokens: Vec<LlamaToken>,
    grammar: Option<LlamaSampler>,
    chain: LlamaSampler,
    max_tokens: u32,
    pos: usize,
    logits_idx: i32,
    text: String,
    pending: Vec<u8>,
    generated: u32,
    stop: Option<StopReason>,
}

/// `log softmax(logits)[index]`, computed stably.
fn log_softmax_at(logits: &[f32], index: usize) -> f64 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = logits.iter().map(|&l| f64::from(l - max).exp()).sum();
    let chosen = logits.get(index).copied().unwrap_or(f32::NEG_INFINITY);
    f64::from(chosen - max) - sum.ln()
}

/// Greedy for temperature 0 (reproducible tutoring answers), otherwise the usual
/// top-k → top-p → temperature → seeded draw.
fn sampler_chain(request: &GenerateRequest) -> LlamaSampler {
    if request.temperature <= 0.0 {
        LlamaSampler::greedy()
    } else {
        LlamaSampler::chain_simple([
            LlamaSampler::top_k(40),
            LlamaSampler::top_p(0.95, 1),
            LlamaSampler::temp(request.temperature),
            LlamaSampler::dist(request.seed),
        ])
    }
}

/// Samples under a grammar, checking only the chosen token first.
///
/// Applying a grammar to every vocabulary entry each step is what collapsed a 262k-vocabulary
/// model from 56 to 2 tok/s (DESIGN.md). Most tokens the unconstrained sampler picks are already
/// valid, so test that one token against the grammar, and only when it is rejected pay for the
/// full masked resample. This is llama.cpp's own `common_sampler_sample` strategy.
fn sample_constrained(
    ctx: &LlamaContext<'_>,
    idx: i32,
    chain: &mut LlamaSampler,
    grammar: &mut LlamaSampler,
) -> Result<LlamaToken, EngineError> {
    let mut candidates = ctx.token_data_array_ith(idx);
    chain.apply(&mut candidates);
    let first = selected(&candidates)?;
    let mut single = LlamaTokenDataArray::new(vec![LlamaTokenData::new(first, 1.0, 0.0)], false);
    grammar.apply(&mut single);
    let token = if single.data[0].logit().is_finite() {
        first
    } else {
        let mut candidates = ctx.token_data_array_ith(idx);
        grammar.apply(&mut candidates);
        chain.apply(&mut candidates);
        selected(&candidates)?
    };
    grammar.accept(token);
    chain.accept(token);
    Ok(token)
}

fn selected(candidates: &LlamaTokenDataArray) -> Result<LlamaToken, EngineError> {
    candidates
        .selected_token()
        .ok_or_else(|| EngineError::Generation {
            message: "the sampler selected no token".into(),
        })
}

fn add(
    batch: &mut LlamaBatch,
    token: LlamaToken,
    pos: i32,
    seq: i32,
    logits: bool,
) -> Result<(), EngineError> {
    batch
        .add(token, pos, &[seq], logits)
        .map_err(|e| EngineError::Generation {
            message: format!("batch full: {e}"),
        })
}

/// Removes positions `from..` of sequence `seq` from the KV cache.
fn clear_seq(ctx: &mut LlamaContext<'_>, seq: usize, from: usize) -> Result<(), EngineError> {
    ctx.clear_kv_cache_seq(Some(seq as u32), Some(from as u32), None)
        .map(|_| ())
        .map_err(|e| EngineError::Generation {
            message: format!("cannot trim the KV cache: {e}"),
        })
}

/// After a failed decode the slot's KV contents are unknown: empty it.
fn forget(ctx: &mut LlamaContext<'_>, cache: &mut PromptCache, seq: usize) {
    let _ = clear_seq(ctx, seq, 0);
    cache.slots[seq].tokens.clear();
}

fn decode(ctx: &mut LlamaContext<'_>, batch: &mut LlamaBatch) -> Result<(), EngineError> {
    ctx.decode(batch).map_err(|e| EngineError::Generation {
        message: format!("decode failed: {e}"),
    })
}

/// Removes and returns the longest valid UTF-8 prefix of `bytes`.
///
/// A Vietnamese letter such as "ệ" is three bytes and models often split it across tokens, so
/// the tail of an incomplete character stays buffered until the next token completes it.
/// Bytes that can never become valid are replaced rather than held forever.
fn take_utf8_prefix(bytes: &mut Vec<u8>) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            let out = s.to_string();
            bytes.clear();
            out
        }
        Err(e) if e.error_len().is_none() => {
            let valid = e.valid_up_to();
            let out = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            bytes.drain(..valid);
            out
        }
        Err(_) => {
            let out = String::from_utf8_lossy(bytes).into_owned();
            bytes.clear();
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::take_utf8_prefix;

    #[test]
    fn holds_back_a_split_vietnamese_letter_until_complete() {
        let e_hat_dot = "ệ".as_bytes();
        let mut buf = b"Vi".to_vec();
        buf.extend_from_slice(&e_hat_dot[..2]);
        assert_eq!(take_utf8_prefix(&mut buf), "Vi");
        assert_eq!(buf.len(), 2);
        buf.extend_from_slice(&e_hat_dot[2..]);
        buf.extend_from_slice(b"t");
        assert_eq!(take_utf8_prefix(&mut buf), "ệt");
        assert!(buf.is_empty());
    }

    #[test]
    fn replaces_bytes_that_can_never_be_valid() {
        let mut buf = vec![b'a', 0xff, b'b'];
        assert_eq!(take_utf8_prefix(&mut buf), "a\u{fffd}b");
        assert!(buf.is_empty());
    }
}
