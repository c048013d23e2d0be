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
use llama_cpp_2::token::LlamaToken;

use super::protocol::{
    GenerateRequest, Generation, LoadSettings, ModelInfo, ScoredToken, StopReason, TextScore,
};
use crate::error::EngineError;

mod cache;
mod sampling;
mod scoring;

pub use cache::{PromptCache, SLOTS};
use cache::{SCORE_LANES, SCORE_SEQ};
use sampling::{sample_constrained, sampler_chain, take_utf8_prefix};

/// Prompt tokens decoded per `llama_decode` call.
const N_BATCH: u32 = 512;

/// A model loaded from disk together with its chat template, if it has one.
pub struct LoadedModel {
    model: LlamaModel,
    /// None for a base model: [`plain_prompt`] stands in.
    template: Option<LlamaChatTemplate>,
    /// What was loaded, reported to the parent.
    pub info: ModelInfo,
}

impl LoadedModel {
    /// Loads the GGUF file, with its chat template when it carries one.
    pub fn load(backend: &LlamaBackend, settings: &LoadSettings) -> Result<Self, EngineError> {
        let started = Instant::now();
        // Read into memory rather than mapped: on x86 llama.cpp repacks most Q4 weights into
        // an interleaved copy (CPU_REPACK), and with a mapping the file pages it read them
        // from stay resident beside that copy. At 1.5B that was 597 MiB counted twice: worker
        // RSS 1,761 MB mapped, 1,265 MB read in, for a 935 MB file (docs/BENCHMARKS.md,
        // § Production size). Loading takes about a second longer, once per start.
        let params = LlamaModelParams::default().with_use_mmap(false);
        let model =
            LlamaModel::load_from_file(backend, &settings.model_path, &params).map_err(|e| {
                EngineError::LoadFailed {
                    message: e.to_string(),
                }
            })?;
        let template = model.chat_template(None).ok();
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
            chat_template: template.is_some(),
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
            .with_n_seq_max((SLOTS + 1 + SCORE_LANES) as u32)
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
        let Some(template) = &self.template else {
            return Ok(plain_prompt(&request.messages));
        };
        let messages = request
            .messages
            .iter()
            .map(|m| LlamaChatMessage::new(m.role.as_str().to_string(), m.content.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| EngineError::Generation {
                message: format!("a message contains a NUL byte: {e}"),
            })?;
        self.model
            .apply_chat_template(template, &messages, true)
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

/// The prompt for a model without a chat template (a base model, as LM Studio and Ollama also
/// run them): the messages as a plain transcript, ending where the assistant speaks next. A
/// base model continues such text; the JSON grammar still constrains its answer where a task
/// asks for JSON.
pub fn plain_prompt(messages: &[crate::engine::ChatMessage]) -> String {
    use crate::engine::Role;
    let mut out = String::new();
    for m in messages {
        match m.role {
            Role::System => {
                out.push_str(m.content.trim());
                out.push_str("\n\n");
            }
            Role::User => {
                out.push_str("User: ");
                out.push_str(m.content.trim());
                out.push('\n');
            }
            Role::Assistant => {
                out.push_str("Assistant: ");
                out.push_str(m.content.trim());
                out.push_str("\n\n");
            }
        }
    }
    out.push_str("Assistant:");
    out
}
