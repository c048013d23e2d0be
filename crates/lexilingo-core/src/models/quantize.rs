//! Re-quantising a GGUF model (the original design's phase 3) with llama.cpp's own quantizer.
//!
//! `llama_model_quantize` can `abort()` on a malformed input, and llama-cpp-2 does not wrap
//! it, so it runs in a child process — the app's own executable started with
//! [`QUANTIZE_ARG`]. llama.cpp logs one `[ i/ N] tensor …` line per tensor; the parent reads
//! them from the child's stderr as progress (tensors done / total) and keeps the last lines for
//! the error message. The output is written to `OUT.partial`, checked as a GGUF file, and
//! renamed into place.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The hidden first argument that turns the executable into a one-shot quantizer.
pub const QUANTIZE_ARG: &str = "__lexilingo-quantize";

/// Target quantisation types offered to learners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuantType {
    /// 4-bit, legacy, fastest on old CPUs.
    #[serde(rename = "Q4_0")]
    Q4_0,
    /// 4-bit k-quant, small.
    #[serde(rename = "Q4_K_S")]
    Q4KS,
    /// 4-bit k-quant, medium (the default download).
    #[serde(rename = "Q4_K_M")]
    Q4KM,
    /// 5-bit k-quant, medium.
    #[serde(rename = "Q5_K_M")]
    Q5KM,
    /// 8-bit.
    #[serde(rename = "Q8_0")]
    Q8_0,
}

impl QuantType {
    /// Every type, for help texts.
    pub const ALL: [QuantType; 5] = [
        QuantType::Q4_0,
        QuantType::Q4KS,
        QuantType::Q4KM,
        QuantType::Q5KM,
        QuantType::Q8_0,
    ];

    /// The name llama.cpp uses.
    pub fn as_str(self) -> &'static str {
        match self {
            QuantType::Q4_0 => "Q4_0",
            QuantType::Q4KS => "Q4_K_S",
            QuantType::Q4KM => "Q4_K_M",
            QuantType::Q5KM => "Q5_K_M",
            QuantType::Q8_0 => "Q8_0",
        }
    }

    fn ftype(self) -> llama_cpp_sys_2::llama_ftype {
        match self {
            QuantType::Q4_0 => llama_cpp_sys_2::LLAMA_FTYPE_MOSTLY_Q4_0,
            QuantType::Q4KS => llama_cpp_sys_2::LLAMA_FTYPE_MOSTLY_Q4_K_S,
            QuantType::Q4KM => llama_cpp_sys_2::LLAMA_FTYPE_MOSTLY_Q4_K_M,
            QuantType::Q5KM => llama_cpp_sys_2::LLAMA_FTYPE_MOSTLY_Q5_K_M,
            QuantType::Q8_0 => llama_cpp_sys_2::LLAMA_FTYPE_MOSTLY_Q8_0,
        }
    }
}

impl FromStr for QuantType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        QuantType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown type `{s}`; choose one of Q4_0, Q4_K_S, Q4_K_M, Q5_K_M, Q8_0")
            })
    }
}

/// Why quantising failed.
#[derive(Debug, thiserror::Error)]
pub enum QuantizeError {
    /// The input is not a usable GGUF file.
    #[error(transparent)]
    Input(#[from] crate::models::gguf::ModelFileError),
    /// The quantizer process could not start.
    #[error("cannot start the quantizer: {0}")]
    Spawn(String),
    /// llama.cpp failed (or crashed) while quantising.
    #[error("quantizing failed ({0}); the output was not written")]
    Failed(String),
    /// The output file could not be moved into place.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The output.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Quantises `input` to `output` as `kind` in a child process started from `program` (normally
/// `std::env::current_exe()`), calling `on_progress(tensors_done, tensors_total)` as it goes.
pub async fn quantize(
    program: &Path,
    input: &Path,
    output: &Path,
    kind: QuantType,
    threads: u32,
    mut on_progress: impl FnMut(u64, u64),
) -> Result<(), QuantizeError> {
    crate::models::gguf::inspect(input)?;
    let partial = output.with_extension("partial");
    let mut child = tokio::process::Command::new(program)
        .arg(QUANTIZE_ARG)
        .arg(input)
        .arg(&partial)
        .arg(kind.as_str())
        .arg(threads.max(1).to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| QuantizeError::Spawn(e.to_string()))?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| QuantizeError::Spawn("no stderr pipe".into()))?;
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stderr));
    let mut tail: std::collections::VecDeque<String> = std::collections::VecDeque::new();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some((done, total)) = tensor_progress(&line) {
            on_progress(done, total);
        }
        if tail.len() == 8 {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    let status = child
        .wait()
        .await
        .map_err(|e| QuantizeError::Failed(e.to_string()))?;
    if !status.success() {
        let _ = std::fs::remove_file(&partial);
        let last = tail
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .cloned()
            .unwrap_or_default();
        return Err(QuantizeError::Failed(format!("{status}: {last}")));
    }
    if let Err(e) = crate::models::gguf::inspect(&partial) {
        let _ = std::fs::remove_file(&partial);
        return Err(QuantizeError::Failed(format!(
            "the output is not a valid GGUF file: {e}"
        )));
    }
    std::fs::rename(&partial, output).map_err(|source| QuantizeError::Io {
        path: output.to_path_buf(),
        source,
    })
}

/// `[  12/ 272] blk.0…` → (12, 272).
fn tensor_progress(line: &str) -> Option<(u64, u64)> {
    let inner = line.trim_start().strip_prefix('[')?.split(']').next()?;
    let (done, total) = inner.split_once('/')?;
    Some((done.trim().parse().ok()?, total.trim().parse().ok()?))
}

/// If this process was started as the quantizer, quantises and returns the exit code.
pub(crate) fn run_if_requested(args: &[std::ffi::OsString]) -> Option<i32> {
    if args.first().map(|a| a.as_os_str()) != Some(std::ffi::OsStr::new(QUANTIZE_ARG)) {
        return None;
    }
    let [_, input, output, kind, threads] = args else {
        eprintln!("usage: {QUANTIZE_ARG} IN OUT TYPE THREADS");
        return Some(2);
    };
    let Ok(kind) = kind.to_string_lossy().parse::<QuantType>() else {
        return Some(2);
    };
    let threads = threads.to_string_lossy().parse().unwrap_or(1);
    Some(
        match quantize_here(Path::new(input), Path::new(output), kind, threads) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("quantize: {e}");
                1
            }
        },
    )
}

/// Calls llama.cpp's quantizer in this process.
#[allow(unsafe_code)]
fn quantize_here(input: &Path, output: &Path, kind: QuantType, threads: i32) -> Result<(), String> {
    use std::ffi::CString;
    let _backend = llama_cpp_2::llama_backend::LlamaBackend::init().map_err(|e| e.to_string())?;
    let c = |p: &Path| CString::new(p.to_string_lossy().as_bytes()).map_err(|e| e.to_string());
    let (cin, cout) = (c(input)?, c(output)?);
    // SAFETY: `llama_model_quantize_default_params` returns a plain struct by value.
    let mut params = unsafe { llama_cpp_sys_2::llama_model_quantize_default_params() };
    params.nthread = threads;
    params.ftype = kind.ftype();
    // Learners mostly have an already-quantised file; llama.cpp refuses those without this.
    params.allow_requantize = true;
    // SAFETY: both strings are valid NUL-terminated paths that outlive the call, and `params`
    // is a fully initialised struct from llama.cpp's own defaults.
    let rc = unsafe { llama_cpp_sys_2::llama_model_quantize(cin.as_ptr(), cout.as_ptr(), &params) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("llama_model_quantize returned {rc}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tensor_progress_lines() {
        assert_eq!(
            tensor_progress("[   3/ 272] blk.0.attn_k.weight - [576, 192]"),
            Some((3, 272))
        );
        assert_eq!(tensor_progress("llama_model_quantize: done"), None);
        assert_eq!("q4_k_m".parse::<QuantType>(), Ok(QuantType::Q4KM));
        assert!("Q3".parse::<QuantType>().is_err());
    }
}
