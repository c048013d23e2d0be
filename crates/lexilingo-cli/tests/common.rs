//! Shared helpers: the test model, an engine whose worker is the built `lexilingo` binary.

use std::path::PathBuf;

use lexilingo_core::engine::{Engine, EngineConfig, WorkerCommand};
use lexilingo_core::Tutor;

/// The `lexilingo` binary cargo built for these tests.
pub fn lexilingo_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_lexilingo"))
}

/// The verified test model. Panics with the fix when it is missing.
pub fn test_model() -> PathBuf {
    if let Some(p) = std::env::var_os("LEXILINGO_TEST_MODEL") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("LEXILINGO_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|c| PathBuf::from(c).join("lexilingo")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/lexilingo")))
        .expect("no HOME");
    let path = cache.join("test-models/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.is_file(),
        "the test model is missing: run scripts/fetch-test-model (or set LEXILINGO_TEST_MODEL)"
    );
    path
}

/// An engine config for `model` with the test binary as worker: 2 threads, 2048 tokens.
pub fn config(model: PathBuf) -> EngineConfig {
    EngineConfig {
        model_path: model,
        n_ctx: 2048,
        threads: 2,
        worker: WorkerCommand::for_program(lexilingo_bin()),
    }
}

/// An engine on the test model.
pub fn engine() -> Engine {
    Engine::new(config(test_model())).expect("test model header is valid")
}

/// A tutor on the test model.
pub fn tutor() -> Tutor {
    Tutor::new(engine())
}

/// Whether `text` contains letters only Vietnamese uses.
pub fn is_vietnamese(text: &str) -> bool {
    text.chars()
        .any(|c| "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ".contains(c))
}

/// Sends SIGKILL to `pid`.
pub fn kill_9(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -9 {pid} failed");
}
