//! Which KV-cache sequence a prompt reuses: the prompt cache keeps recent prompt prefixes
//! decoded, so a request that shares the tutor's system prompt decodes only what differs.

use llama_cpp_2::token::LlamaToken;

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
    pub(super) slots: Vec<Slot>,
    pub(super) clock: u64,
    /// The tokens of the last scored text in [`SCORE_SEQ`] and each token's log-probability
    /// (the first is 0), so the next text reuses their common prefix.
    pub(super) scored: Vec<(LlamaToken, f64)>,
}

/// The KV-cache sequence reserved for scoring, so scoring candidates never evicts a task's
/// cached system prompt. Candidates of one sentence share most tokens, so each one after the
/// first decodes only from its first difference.
pub(super) const SCORE_SEQ: usize = SLOTS;

/// Scratch KV-cache sequences after [`SCORE_SEQ`], emptied after each scoring request: the
/// texts of one request are decoded in them side by side, each sharing the reference text's
/// cells up to where it departs from it (with a unified KV cache a shared cell is stored once).
pub(super) const SCORE_LANES: usize = 8;

#[derive(Default, Clone)]
pub(super) struct Slot {
    pub(super) tokens: Vec<LlamaToken>,
    pub(super) last_used: u64,
}

impl PromptCache {
    pub(super) fn new() -> Self {
        Self {
            slots: vec![Slot::default(); SLOTS],
            clock: 0,
            scored: Vec::new(),
        }
    }

    /// The slot to use for `tokens` and how many of its tokens can be kept. At least one prompt
    /// token is always decoded again, since its logits start the answer.
    pub(super) fn choose(&mut self, tokens: &[LlamaToken], taken: &[usize]) -> (usize, usize) {
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

    pub(super) fn cells_used_except(&self, slot: usize) -> usize {
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
