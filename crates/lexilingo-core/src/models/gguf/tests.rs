//! Tests of the GGUF header reader, property tests over random and mutated headers among
//! them: it must refuse, never crash or allocate without bound.

use super::*;
use std::io::Write;

/// A GGUF file: string metadata `kvs` and one F32 tensor of 8 elements (32 bytes of data).
fn gguf_bytes(kvs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = header(kvs.len() as u64, 1);
    for (k, v) in kvs {
        put_str(&mut out, k);
        out.extend_from_slice(&TYPE_STRING.to_le_bytes());
        put_str(&mut out, v);
    }
    put_tensor(&mut out, "w", &[8], 0, 0);
    pad_and_data(out, 32)
}

fn header(kv_count: u64, tensor_count: u64) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&tensor_count.to_le_bytes());
    out.extend_from_slice(&kv_count.to_le_bytes());
    out
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_tensor(out: &mut Vec<u8>, name: &str, dims: &[u64], ggml_type: u32, offset: u64) {
    put_str(out, name);
    out.extend_from_slice(&(dims.len() as u32).to_le_bytes());
    for d in dims {
        out.extend_from_slice(&d.to_le_bytes());
    }
    out.extend_from_slice(&ggml_type.to_le_bytes());
    out.extend_from_slice(&offset.to_le_bytes());
}

fn pad_and_data(mut out: Vec<u8>, data: usize) -> Vec<u8> {
    while !out.len().is_multiple_of(32) {
        out.push(0);
    }
    out.extend(std::iter::repeat_n(0u8, data));
    out
}

fn write_temp(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(bytes).expect("write");
    f
}

fn is_not_gguf(r: Result<GgufInfo, ModelFileError>) -> bool {
    matches!(r, Err(ModelFileError::NotGguf { .. }))
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
    assert!(is_not_gguf(inspect(f.path())));
    let full = gguf_bytes(&[("general.architecture", "llama")]);
    // Cut inside the metadata, and cut inside the tensor data.
    for cut in [60, full.len() - 3] {
        let f = write_temp(&full[..cut]);
        assert!(is_not_gguf(inspect(f.path())), "cut at {cut}");
    }
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

/// The crash case from the hardening probe: 20,000 arrays nested in each other in 240 KB
/// overflowed the stack of the recursive walker and killed the process.
#[test]
fn deeply_nested_arrays_are_refused_not_a_stack_overflow() {
    let mut out = header(2, 1);
    put_str(&mut out, "general.architecture");
    out.extend_from_slice(&TYPE_STRING.to_le_bytes());
    put_str(&mut out, "llama");
    put_str(&mut out, "evil");
    out.extend_from_slice(&TYPE_ARRAY.to_le_bytes());
    for _ in 0..20_000 {
        out.extend_from_slice(&TYPE_ARRAY.to_le_bytes());
        out.extend_from_slice(&1u64.to_le_bytes());
    }
    assert!(out.len() > 200_000);
    let f = write_temp(&out);
    assert!(is_not_gguf(inspect(f.path())));
}

/// Arrays of strings nested once, as tokenizers write them, still read.
#[test]
fn arrays_of_strings_and_arrays_of_arrays_within_limits_read() {
    let mut out = header(3, 1);
    put_str(&mut out, "general.architecture");
    out.extend_from_slice(&TYPE_STRING.to_le_bytes());
    put_str(&mut out, "llama");
    put_str(&mut out, "tokenizer.ggml.tokens");
    out.extend_from_slice(&TYPE_ARRAY.to_le_bytes());
    out.extend_from_slice(&TYPE_STRING.to_le_bytes());
    out.extend_from_slice(&3u64.to_le_bytes());
    for t in ["a", "bb", "ccc"] {
        put_str(&mut out, t);
    }
    put_str(&mut out, "nested");
    out.extend_from_slice(&TYPE_ARRAY.to_le_bytes());
    out.extend_from_slice(&TYPE_ARRAY.to_le_bytes());
    out.extend_from_slice(&2u64.to_le_bytes());
    for _ in 0..2 {
        out.extend_from_slice(&4u32.to_le_bytes()); // u32 items
        out.extend_from_slice(&2u64.to_le_bytes());
        out.extend_from_slice(&[0u8; 8]);
    }
    put_tensor(&mut out, "w", &[8], 0, 0);
    let f = write_temp(&pad_and_data(out, 32));
    let info = inspect(f.path()).expect("valid");
    assert_eq!(info.architecture.as_deref(), Some("llama"));
}

/// Absurd shapes made `kv_cache_bytes` overflow: a panic in debug, a wrapped (small) number
/// in release that let the memory check pass.
#[test]
fn absurd_shapes_give_no_kv_estimate() {
    let shape = ModelShape {
        n_layer: Some(u64::MAX / 3),
        n_head: Some(1),
        n_head_kv: Some(u64::MAX / 5),
        n_embd: Some(u64::MAX),
        n_ctx_train: None,
    };
    assert_eq!(shape.kv_cache_bytes(4096), None);
    let zero_heads = ModelShape {
        n_head: Some(0),
        ..shape
    };
    assert_eq!(zero_heads.kv_cache_bytes(4096), None);
    let real = ModelShape {
        n_layer: Some(28),
        n_head: Some(12),
        n_head_kv: Some(2),
        n_embd: Some(1536),
        n_ctx_train: Some(32768),
    };
    // Qwen2.5-1.5B at 4096 tokens: 2 (K,V) × 28 × 4096 × 2 × 128 × 2 bytes = 112 MiB.
    assert_eq!(real.kv_cache_bytes(4096), Some(117_440_512));
}

/// Tensor tables that cannot be true: more data than the file holds, an impossible
/// dimension count, an element count that overflows, a type ggml never had.
#[test]
fn impossible_tensor_tables_are_refused() {
    let cases: [(&[u64], u32, u64); 5] = [
        (&[1 << 20], 0, 0),         // 4 MiB of F32 in a file of a few hundred bytes
        (&[u64::MAX / 2, 4], 0, 0), // overflowing element count
        (&[8], 200, 0),             // unknown type
        (&[8], 0, 3),               // unaligned offset
        (&[33], 2, 0),              // Q4_0 of 33 elements: not whole blocks
    ];
    for (dims, t, offset) in cases {
        let mut out = header(1, 1);
        put_str(&mut out, "general.architecture");
        out.extend_from_slice(&TYPE_STRING.to_le_bytes());
        put_str(&mut out, "llama");
        put_tensor(&mut out, "w", dims, t, offset);
        let f = write_temp(&pad_and_data(out, 64));
        assert!(is_not_gguf(inspect(f.path())), "{dims:?} type {t}");
    }
    let mut out = header(1, 1);
    put_str(&mut out, "general.architecture");
    out.extend_from_slice(&TYPE_STRING.to_le_bytes());
    put_str(&mut out, "llama");
    put_tensor(&mut out, "w", &[1, 2, 3, 4, 5], 0, 0);
    let f = write_temp(&pad_and_data(out, 64));
    assert!(is_not_gguf(inspect(f.path())));
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_without_blocking() {
    let dir = tempfile::tempdir().expect("dir");
    let fifo = dir.path().join("model.gguf");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    // Opening a FIFO for reading blocks until a writer comes: this would hang forever.
    assert!(is_not_gguf(inspect(&fifo)));
    assert!(is_not_gguf(inspect(Path::new("/dev/zero"))));
    assert!(is_not_gguf(inspect(dir.path())));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn valid() -> Vec<u8> {
        gguf_bytes(&[
            ("general.architecture", "llama"),
            ("general.name", "Tiny"),
            ("tokenizer.chat_template", "{{x}}"),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Random bytes after a real magic and version never crash or hang the reader.
        #[test]
        fn random_headers_never_crash(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut bytes = b"GGUF\x03\x00\x00\x00".to_vec();
            bytes.extend_from_slice(&tail);
            let f = write_temp(&bytes);
            let _ = inspect(f.path());
        }

        /// A valid file with some bytes overwritten, or cut anywhere, never crashes the
        /// reader, and what it accepts has an architecture.
        #[test]
        fn mutated_headers_never_crash(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            do_cut in any::<bool>(),
        ) {
            let mut bytes = valid();
            for (at, b) in edits {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            if do_cut {
                let n = cut.index(bytes.len());
                bytes.truncate(n);
            }
            let f = write_temp(&bytes);
            if let Ok(info) = inspect(f.path()) {
                prop_assert!(info.architecture.is_some());
                let _ = info.shape.kv_cache_bytes(u64::MAX);
            }
        }
    }
}
