//! Choosing the next token: the sampler chain a request asks for, the grammar checked on the
//! sampled token first, and text cut at whole UTF-8 characters.

use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;
use llama_cpp_2::token::LlamaToken;

use super::*;

/// Greedy for temperature 0 (reproducible tutoring answers), otherwise the usual
/// top-k → top-p → temperature → seeded draw.
pub(super) fn sampler_chain(request: &GenerateRequest) -> LlamaSampler {
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
/// model from 56 to 2 tok/s (docs/ARCHITECTURE.md). Most tokens the unconstrained sampler picks are already
/// valid, so test that one token against the grammar, and only when it is rejected pay for the
/// full masked resample. This is llama.cpp's own `common_sampler_sample` strategy.
pub(super) fn sample_constrained(
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

pub(super) fn selected(candidates: &LlamaTokenDataArray) -> Result<LlamaToken, EngineError> {
    candidates
        .selected_token()
        .ok_or_else(|| EngineError::Generation {
            message: "the sampler selected no token".into(),
        })
}

/// Removes and returns the longest valid UTF-8 prefix of `bytes`.
///
/// A Vietnamese letter such as "ệ" is three bytes and models often split it across tokens, so
/// the tail of an incomplete character stays buffered until the next token completes it.
/// Bytes that can never become valid are replaced rather than held forever.
pub(super) fn take_utf8_prefix(bytes: &mut Vec<u8>) -> String {
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
