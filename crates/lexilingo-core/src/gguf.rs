//! A GGUF header reader, used before a file is handed to llama.cpp.
//!
//! llama.cpp answers a file that is not a model with a null pointer at best and an `abort()` at
//! worst, so the cheap checks (magic, version, metadata that parses) happen here first and give
//! the learner a precise error. It reads only the metadata section, never tensor data.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::ModelFileError;

const MAGIC: &[u8; 4] = b"GGUF";
/// Upper bound on metadata entries and array lengths, far above real files (~40 keys, ~260k
/// vocabulary entries), so a corrupt count fails fast instead of allocating gigabytes.
const MAX_COUNT: u64 = 16 * 1024 * 1024;

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
    /// Bytes of f16 K and V cache for `n_ctx` tokens, when the shape is known.
    pub fn kv_cache_bytes(&self, n_ctx: u64) -> Option<u64> {
        let n_head = self.n_head?;
        let head_dim = self.n_embd? / n_head.max(1);
        let kv_heads = self.n_head_kv.unwrap_or(n_head);
        Some(2 * self.n_layer? * n_ctx * kv_heads * head_dim * 2)
    }
}

/// Reads and checks the header of the GGUF file at `path`.
pub fn inspect(path: &Path) -> Result<GgufInfo, ModelFileError> {
    let file = File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ModelFileError::NotFound {
            path: path.to_path_buf(),
        },
        _ => ModelFileError::Io {
            path: path.to_path_buf(),
            source,
        },
    })?;
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(not_gguf(path, "it is a directory"));
    }
    let mut reader = HeaderReader {
        inner: BufReader::with_capacity(1 << 16, file),
        path: path.to_path_buf(),
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
    Ok(info)
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

const TYPE_STRING: u32 = 8;
const TYPE_ARRAY: u32 = 9;

struct HeaderReader {
    inner: BufReader<File>,
    path: PathBuf,
}

impl HeaderReader {
    fn bytes(&mut self, buf: &mut [u8]) -> Result<(), ModelFileError> {
        self.inner.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => not_gguf(&self.path, "the header is cut short"),
            _ => ModelFileError::Io {
                path: self.path.clone(),
                source: e,
            },
        })
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
        if copied == n {
            Ok(())
        } else {
            Err(not_gguf(&self.path, "the header is cut short"))
        }
    }

    fn string(&mut self) -> Result<String, ModelFileError> {
        let len = self.count()?;
        let mut buf = vec![0u8; len as usize];
        self.bytes(&mut buf)?;
        String::from_utf8(buf).map_err(|_| not_gguf(&self.path, "a metadata string is not UTF-8"))
    }

    fn skip_value(&mut self, value_type: u32) -> Result<(), ModelFileError> {
        match value_type {
            TYPE_STRING => {
                let len = self.count()?;
                self.skip(len)
            }
            TYPE_ARRAY => {
                let item_type = self.u32()?;
                let n = self.count()?;
                if let Some(size) = scalar_size(item_type) {
                    self.skip(size * n)
                } else {
                    for _ in 0..n {
                        self.skip_value(item_type)?;
                    }
                    Ok(())
                }
            }
            other => match scalar_size(other) {
                Some(size) => self.skip(size),
                None => Err(not_gguf(&self.path, "an unknown metadata value type")),
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gguf_bytes(kvs: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes());
        out.extend_from_slice(&(kvs.len() as u64).to_le_bytes());
        for (k, v) in kvs {
            out.extend_from_slice(&(k.len() as u64).to_le_bytes());
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(&TYPE_STRING.to_le_bytes());
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            out.extend_from_slice(v.as_bytes());
        }
        out
    }

    fn write_temp(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(bytes).expect("write");
        f
    }

    #[test]
    fn reads_architecture_name_and_template() {
        let f = write_temp(&gguf_bytes(&[
            ("general.architecture", "llama"),
            ("general.name", "Tiny"),
            ("tokenizer.chat_template", "{{x}}"),
        ]));
        let info = inspect(f.path()).expect("valid header");
        assert_eq!(info.architecture.as_deref(), Some("llama"));
        assert_eq!(info.name.as_deref(), Some("Tiny"));
        assert!(info.has_chat_template);
    }

    #[test]
    fn rejects_random_bytes_and_cut_headers() {
        let f = write_temp(b"PK\x03\x04 this is a zip, not a model");
        assert!(matches!(
            inspect(f.path()),
            Err(ModelFileError::NotGguf { .. })
        ));
        let full = gguf_bytes(&[("general.architecture", "llama")]);
        let f = write_temp(&full[..full.len() - 3]);
        assert!(matches!(
            inspect(f.path()),
            Err(ModelFileError::NotGguf { .. })
        ));
    }

    #[test]
    fn reports_missing_file_and_old_version() {
        let missing = Path::new("/nonexistent/model.gguf");
        assert!(matches!(
            inspect(missing),
            Err(ModelFileError::NotFound { .. })
        ));
        let mut bytes = gguf_bytes(&[]);
        bytes[4..8].copy_from_slice(&1u32.to_le_bytes());
        let f = write_temp(&bytes);
        assert!(matches!(
            inspect(f.path()),
            Err(ModelFileError::UnsupportedVersion { version: 1, .. })
        ));
    }
}
