//! A GGUF header reader, used before a file is handed to llama.cpp.
//!
//! llama.cpp answers a file that is not a model with a null pointer at best and an `abort()` at
//! worst, so the cheap checks happen here first and give the learner a precise error: magic,
//! version, metadata that parses, and a tensor table whose shapes, types and offsets fit inside
//! the file. It reads only the header (metadata and tensor table), never tensor data.
//!
//! The file is untrusted input (a download, a file a learner found on a forum), so the reader
//! is built not to be crashed by it (docs/SECURITY.md):
//! - only regular files are opened: a FIFO or a device would block or never end;
//! - values are walked with an explicit stack, never by recursion, with a depth limit (a
//!   240 KB file of nested arrays overflowed the recursive walker's stack);
//! - counts, lengths and the total of skipped array items are bounded;
//! - every size is computed with checked arithmetic.
//!
//! `tests` below holds the crash cases found so far and a property test over random and
//! mutated headers.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 4] = b"GGUF";
/// Upper bound on metadata entries, tensors and array lengths, far above real files (~40 keys,
/// ~260k vocabulary entries, ~1,000 tensors), so a corrupt count fails fast instead of
/// allocating gigabytes.
const MAX_COUNT: u64 = 16 * 1024 * 1024;
/// Longest metadata string read into memory (a chat template is a few KB; keys are short).
const MAX_STRING: u64 = 4 * 1024 * 1024;
/// Arrays nested deeper than this are refused. Real files nest at most once (arrays of
/// strings); llama.cpp itself refuses nested arrays.
const MAX_DEPTH: usize = 4;
/// Array items walked one by one (strings, nested arrays) across the whole header.
const MAX_ITEMS: u64 = 64 * 1024 * 1024;
/// Tensor dimensions, as in ggml (`GGML_MAX_DIMS`).
const MAX_DIMS: u32 = 4;

/// What the header says about a model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GgufInfo {
    /// GGUF format version (2 or 3).
    pub version: u32,
    /// Number of tensors the file declares.
    pub tensor_count: u64,
    /// `general.architecture`, e.g. `llama` or `qwen2`.
    pub architecture: Option<String>,
    /// `general.name`, if the file has one.
    pub name: Option<String>,
    /// Whether `tokenizer.chat_template` is present.
    pub has_chat_template: bool,
    /// Shape facts for the KV-cache estimate: `<arch>.block_count`, `.attention.head_count`,
    /// `.attention.head_count_kv`, `.embedding_length`, `.context_length`.
    pub shape: ModelShape,
}

/// The numbers that decide a model's KV-cache size.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ModelShape {
    /// Transformer layers.
    pub n_layer: Option<u64>,
    /// Attention heads.
    pub n_head: Option<u64>,
    /// Key/value heads (grouped-query attention); defaults to `n_head`.
    pub n_head_kv: Option<u64>,
    /// Embedding width.
    pub n_embd: Option<u64>,
    /// Trained context length.
    pub n_ctx_train: Option<u64>,
}

impl ModelShape {
    /// Bytes of f16 K and V cache for `n_ctx` tokens, when the shape is known and the product
    /// fits in a `u64` (a crafted header with absurd shapes gives `None`, never a wrapped
    /// number that would make the memory check pass).
    pub fn kv_cache_bytes(&self, n_ctx: u64) -> Option<u64> {
        let n_head = self.n_head.filter(|&h| h > 0)?;
        let head_dim = self.n_embd? / n_head;
        let kv_heads = self.n_head_kv.unwrap_or(n_head);
        [self.n_layer?, n_ctx, kv_heads, head_dim, 2]
            .into_iter()
            .try_fold(2u64, u64::checked_mul)
    }
}

/// Reads and checks the header of the GGUF file at `path`. Blocking: async callers use
/// [`inspect_async`].
pub fn inspect(path: &Path) -> Result<GgufInfo, ModelFileError> {
    let file = open_regular(path)?;
    let file_len = file
        .metadata()
        .map_err(|source| ModelFileError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    let mut reader = HeaderReader {
        inner: BufReader::with_capacity(1 << 16, file),
        path: path.to_path_buf(),
        pos: 0,
        items: 0,
    };
    let mut magic = [0u8; 4];
    reader.bytes(&mut magic)?;
    if &magic != MAGIC {
        return Err(not_gguf(path, "wrong magic bytes"));
    }
    let version = reader.u32()?;
    if !(2..=3).contains(&version) {
        return Err(ModelFileError::UnsupportedVersion {
            path: path.to_path_buf(),
            version,
        });
    }
    let tensor_count = reader.count()?;
    let kv_count = reader.count()?;
    let mut info = GgufInfo {
        version,
        tensor_count,
        architecture: None,
        name: None,
        has_chat_template: false,
        shape: ModelShape::default(),
    };
    let mut alignment: u64 = 32;
    for _ in 0..kv_count {
        let key = reader.string()?;
        let value_type = reader.u32()?;
        match key.as_str() {
            "general.architecture" | "general.name" if value_type == TYPE_STRING => {
                let value = reader.string()?;
                if key == "general.name" {
                    info.name = Some(value);
                } else {
                    info.architecture = Some(value);
                }
            }
            "general.alignment" if value_type == TYPE_U32 => {
                alignment = u64::from(reader.u32()?);
                if alignment == 0 || !alignment.is_power_of_two() {
                    return Err(not_gguf(path, "general.alignment is not a power of two"));
                }
            }
            "tokenizer.chat_template" => {
                info.has_chat_template = true;
                reader.skip_value(value_type)?;
            }
            k if matches!(value_type, 4 | 5 | 10) && shape_slot(&mut info.shape, k).is_some() => {
                let v = if value_type == 10 {
                    reader.u64()?
                } else {
                    u64::from(reader.u32()?)
                };
                if let Some(slot) = shape_slot(&mut info.shape, k) {
                    *slot = Some(v);
                }
            }
            _ => reader.skip_value(value_type)?,
        }
    }
    if info.architecture.is_none() {
        return Err(not_gguf(path, "no general.architecture in its metadata"));
    }
    if tensor_count == 0 {
        return Err(not_gguf(path, "it declares no tensors"));
    }
    // The tensor table: every tensor's data must lie inside the file. This is what catches a
    // header copied onto the wrong body, or a file cut short, before llama.cpp maps it.
    let mut tensors = Vec::with_capacity(tensor_count.min(4096) as usize);
    for _ in 0..tensor_count {
        let _name = reader.string()?;
        let n_dims = reader.u32()?;
        if n_dims == 0 || n_dims > MAX_DIMS {
            return Err(not_gguf(
                path,
                "a tensor with an impossible number of dimensions",
            ));
        }
        let mut elements: u64 = 1;
        for _ in 0..n_dims {
            let dim = reader.u64()?;
            if dim == 0 || dim > i64::MAX as u64 {
                return Err(not_gguf(path, "a tensor with an impossible dimension"));
            }
            elements = elements
                .checked_mul(dim)
                .filter(|&e| e <= i64::MAX as u64)
                .ok_or_else(|| not_gguf(path, "a tensor too large to exist"))?;
        }
        let ggml_type = reader.u32()?;
        let offset = reader.u64()?;
        if !offset.is_multiple_of(alignment) {
            return Err(not_gguf(path, "a tensor that is not aligned"));
        }
        let bytes = tensor_bytes(ggml_type, elements)
            .ok_or_else(|| not_gguf(path, "a tensor of an unknown type or shape"))?;
        tensors.push((offset, bytes));
    }
    let data_start = reader
        .pos
        .checked_next_multiple_of(alignment)
        .ok_or_else(|| not_gguf(path, "the header is too large"))?;
    for (offset, bytes) in tensors {
        let end = data_start
            .checked_add(offset)
            .and_then(|s| s.checked_add(bytes.unwrap_or(0)))
            .ok_or_else(|| not_gguf(path, "a tensor too large to exist"))?;
        if end > file_len {
            return Err(not_gguf(
                path,
                "the file is shorter than its tensors (cut short?)",
            ));
        }
    }
    Ok(info)
}

/// [`inspect`] on a blocking thread, for async callers (a slow disk or a network folder must
/// not stall the runtime's threads).
pub async fn inspect_async(path: &Path) -> Result<GgufInfo, ModelFileError> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || inspect(&owned))
        .await
        .unwrap_or_else(|e| {
            Err(ModelFileError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other(e),
            })
        })
}

/// Opens `path` for reading if it is a regular file (after following symlinks). A FIFO would
/// block the open itself until a writer appears, and a device may never end, so both are
/// refused from their metadata before any `open`.
pub fn open_regular(path: &Path) -> Result<File, ModelFileError> {
    let io_err = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => ModelFileError::NotFound {
            path: path.to_path_buf(),
        },
        _ => ModelFileError::Io {
            path: path.to_path_buf(),
            source,
        },
    };
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if meta.is_dir() {
        return Err(not_gguf(path, "it is a directory"));
    }
    if !meta.is_file() {
        return Err(not_gguf(
            path,
            "it is not a regular file (a pipe or a device)",
        ));
    }
    let file = File::open(path).map_err(io_err)?;
    // The path may have been swapped between the two calls: check what was opened.
    match file.metadata() {
        Ok(m) if m.is_file() => Ok(file),
        Ok(_) => Err(not_gguf(
            path,
            "it is not a regular file (a pipe or a device)",
        )),
        Err(e) => Err(io_err(e)),
    }
}

/// The shape field a metadata key fills, if any (keys are `<architecture>.<name>`).
fn shape_slot<'a>(shape: &'a mut ModelShape, key: &str) -> Option<&'a mut Option<u64>> {
    let (_, name) = key.split_once('.')?;
    match name {
        "block_count" => Some(&mut shape.n_layer),
        "attention.head_count" => Some(&mut shape.n_head),
        "attention.head_count_kv" => Some(&mut shape.n_head_kv),
        "embedding_length" => Some(&mut shape.n_embd),
        "context_length" => Some(&mut shape.n_ctx_train),
        _ => None,
    }
}

fn not_gguf(path: &Path, reason: &str) -> ModelFileError {
    ModelFileError::NotGguf {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Bytes of data of a tensor of `elements` elements of ggml type `ggml_type`:
/// `Some(Some(n))` for the types whose block size is listed here, `Some(None)` for other types
/// ggml defines (only the offset is checked), `None` for a type number ggml never had or an
/// element count that is not a whole number of blocks.
fn tensor_bytes(ggml_type: u32, elements: u64) -> Option<Option<u64>> {
    // (elements per block, bytes per block), from ggml's type traits.
    let block = match ggml_type {
        0 => (1, 4),       // F32
        1 | 30 => (1, 2),  // F16, BF16
        2 => (32, 18),     // Q4_0
        3 => (32, 20),     // Q4_1
        6 => (32, 22),     // Q5_0
        7 => (32, 24),     // Q5_1
        8 => (32, 34),     // Q8_0
        10 => (256, 84),   // Q2_K
        11 => (256, 110),  // Q3_K
        12 => (256, 144),  // Q4_K
        13 => (256, 176),  // Q5_K
        14 => (256, 210),  // Q6_K
        24 => (1, 1),      // I8
        25 => (1, 2),      // I16
        26 => (1, 4),      // I32
        27 | 28 => (1, 8), // I64, F64
        9 | 15..=23 | 29 | 31..=39 => return Some(None),
        _ => return None,
    };
    if !elements.is_multiple_of(block.0) {
        return None;
    }
    (elements / block.0).checked_mul(block.1).map(Some)
}

const TYPE_U32: u32 = 4;
const TYPE_STRING: u32 = 8;
const TYPE_ARRAY: u32 = 9;

struct HeaderReader {
    inner: BufReader<File>,
    path: PathBuf,
    /// Bytes consumed so far (where the tensor data starts, after alignment).
    pos: u64,
    /// Array items walked one by one so far.
    items: u64,
}

impl HeaderReader {
    fn bytes(&mut self, buf: &mut [u8]) -> Result<(), ModelFileError> {
        self.inner.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => not_gguf(&self.path, "the header is cut short"),
            _ => ModelFileError::Io {
                path: self.path.clone(),
                source: e,
            },
        })?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, ModelFileError> {
        let mut b = [0u8; 4];
        self.bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, ModelFileError> {
        let mut b = [0u8; 8];
        self.bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn count(&mut self) -> Result<u64, ModelFileError> {
        let n = self.u64()?;
        if n > MAX_COUNT {
            return Err(not_gguf(&self.path, "an implausible count in the header"));
        }
        Ok(n)
    }

    fn skip(&mut self, n: u64) -> Result<(), ModelFileError> {
        let copied = std::io::copy(&mut (&mut self.inner).take(n), &mut std::io::sink()).map_err(
            |source| ModelFileError::Io {
                path: self.path.clone(),
                source,
            },
        )?;
        self.pos += copied;
        if copied == n {
            Ok(())
        } else {
            Err(not_gguf(&self.path, "the header is cut short"))
        }
    }

    fn string(&mut self) -> Result<String, ModelFileError> {
        let len = self.count()?;
        if len > MAX_STRING {
            return Err(not_gguf(&self.path, "an implausibly long metadata string"));
        }
        let mut buf = vec![0u8; len as usize];
        self.bytes(&mut buf)?;
        String::from_utf8(buf).map_err(|_| not_gguf(&self.path, "a metadata string is not UTF-8"))
    }

    /// Skips one value of `value_type`, walking nested arrays with an explicit stack of
    /// (item type, items left) instead of recursion.
    fn skip_value(&mut self, value_type: u32) -> Result<(), ModelFileError> {
        let mut stack: Vec<(u32, u64)> = Vec::new();
        let mut next = Some(value_type);
        loop {
            if let Some(t) = next.take() {
                match t {
                    TYPE_STRING => {
                        let len = self.count()?;
                        self.skip(len)?;
                    }
                    TYPE_ARRAY => {
                        if stack.len() >= MAX_DEPTH {
                            return Err(not_gguf(&self.path, "metadata arrays nested too deeply"));
                        }
                        let item_type = self.u32()?;
                        let n = self.count()?;
                        match scalar_size(item_type) {
                            Some(size) => {
                                let bytes = size.checked_mul(n).ok_or_else(|| {
                                    not_gguf(&self.path, "an implausible count in the header")
                                })?;
                                self.skip(bytes)?;
                            }
                            None if matches!(item_type, TYPE_STRING | TYPE_ARRAY) => {
                                stack.push((item_type, n));
                            }
                            None => {
                                return Err(not_gguf(&self.path, "an unknown metadata value type"))
                            }
                        }
                    }
                    other => match scalar_size(other) {
                        Some(size) => self.skip(size)?,
                        None => return Err(not_gguf(&self.path, "an unknown metadata value type")),
                    },
                }
            }
            // The next item of the innermost unfinished array, if any.
            match stack.last_mut() {
                None => return Ok(()),
                Some((_, 0)) => {
                    stack.pop();
                }
                Some((item_type, left)) => {
                    *left -= 1;
                    self.items += 1;
                    if self.items > MAX_ITEMS {
                        return Err(not_gguf(&self.path, "implausibly many metadata values"));
                    }
                    next = Some(*item_type);
                }
            }
        }
    }
}

/// Byte size of GGUF's fixed-size value types (u8 … f64); `None` for strings, arrays, unknown.
fn scalar_size(value_type: u32) -> Option<u64> {
    match value_type {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    }
}

/// A model file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// No file at that path.
    #[error("model file not found: {path}")]
    NotFound {
        /// The path that was given.
        path: PathBuf,
    },
    /// The file does not start like a GGUF file, or is cut short inside its header.
    #[error("{path} is not a GGUF model file ({reason})")]
    NotGguf {
        /// The file.
        path: PathBuf,
        /// What the header check found.
        reason: String,
    },
    /// A GGUF version this build of llama.cpp does not read.
    #[error("{path} is GGUF version {version}; versions 2 and 3 are supported")]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version in its header.
        version: u32,
    },
    /// Reading the file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests;
