//! "Copy diagnostics": what a bug report needs, as plain text the learner can paste. Nothing in
//! it is sent anywhere; the learner decides what to share.

use std::fmt::Write as _;
use std::path::Path;

use lexilingo_core::engine::ModelInfo;

/// Lines of the newest log file included in a report.
pub const LOG_LINES: usize = 40;

/// A plain-text report: versions, the machine, the model, the remote backend's state (see
/// [`lexilingo_core::engine::Engine::backend_note`]), and the last log lines.
pub fn report(
    model: Option<&ModelInfo>,
    backend: Option<&str>,
    data_dir: Option<&Path>,
    log_dir: Option<&Path>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "LexiLingo {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "system: {}", os_name());
    let _ = writeln!(
        out,
        "cpu: {} ({} logical)",
        cpu_name(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if let Some(kb) = meminfo_kb("MemTotal") {
        let _ = writeln!(out, "memory: {:.1} GB", kb as f64 / 1_048_576.0);
    }
    match model {
        Some(m) => {
            let _ = writeln!(
                out,
                "model: {} · {:.0} M parameters · {:.0} MB · context {} (trained {}) · {} threads · loaded in {} ms",
                m.name,
                m.n_params as f64 / 1e6,
                m.size_bytes as f64 / 1_048_576.0,
                m.n_ctx,
                m.n_ctx_train,
                m.threads,
                m.load_ms
            );
        }
        None => {
            let _ = writeln!(out, "model: not loaded");
        }
    }
    if let Some(note) = backend {
        let _ = writeln!(out, "backend: {note}");
    }
    if let Some(dir) = data_dir {
        let _ = writeln!(out, "data folder: {}", dir.display());
    }
    if let Some(lines) = log_dir.and_then(last_log_lines) {
        let _ = writeln!(out, "--- last {} log lines ---", lines.len());
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string())
        + " ("
        + std::env::consts::ARCH
        + ")"
}

fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|v| v.split(':').nth(1))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn meminfo_kb(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The last [`LOG_LINES`] lines of the most recently written file in `dir`.
fn last_log_lines(dir: &Path) -> Option<Vec<String>> {
    let newest = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())?;
    let text = std::fs::read_to_string(newest.path()).ok()?;
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let from = lines.len().saturating_sub(LOG_LINES);
    Some(lines[from..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_version_and_ends_with_the_newest_log() {
        let dir = tempfile::tempdir().expect("temp");
        std::fs::write(dir.path().join("lexilingo.2026-01-01.log"), "old\n").expect("write");
        std::thread::sleep(std::time::Duration::from_millis(20));
        let lines: String = (0..100).map(|i| format!("line {i}\n")).collect();
        std::fs::write(dir.path().join("lexilingo.2026-01-02.log"), lines).expect("write");
        let r = report(None, None, Some(dir.path()), Some(dir.path()));
        assert!(r.starts_with("LexiLingo "), "{r}");
        assert!(
            !r.contains("backend:"),
            "a local model has no backend line: {r}"
        );
        assert!(r.contains("model: not loaded"));
        assert!(r.contains("line 99") && r.contains("line 60") && !r.contains("line 59\n"));
        assert!(!r.lines().any(|l| l == "old"), "{r}");
    }
}
