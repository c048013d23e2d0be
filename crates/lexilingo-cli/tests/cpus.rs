//! Older CPUs: a CPU without the vector instructions this build of llama.cpp uses gets one
//! clear error, never a worker killed by `SIGILL` over and over. `lexilingo analyze` runs
//! under QEMU user mode (Debian's `qemu-user`) with CPU models that lack AVX2 (Sandy Bridge)
//! and AVX (Nehalem). QEMU user mode does not follow `exec`, so a worker would run on the real
//! CPU; the check runs in the parent, before any worker starts, so the emulated CPU is the one
//! checked. A Haswell (AVX2, FMA, F16C, BMI2: what the default build needs) passes the check
//! and gets the native answer.

use std::process::{Command, Output};

use crate::common::{lexilingo_bin, test_model};

fn analyze_on(cpu: Option<&str>, data: &std::path::Path) -> Output {
    let mut c = match cpu {
        Some(cpu) => {
            let mut c = Command::new("qemu-x86_64");
            c.args(["-cpu", cpu]).arg(lexilingo_bin());
            c
        }
        None => Command::new(lexilingo_bin()),
    };
    c.env_remove("LEXILINGO_MODEL")
        .args([
            "--json",
            "analyze",
            "--threads",
            "2",
            "--ctx",
            "2048",
            "--model",
        ])
        .arg(test_model())
        .arg("--data-dir")
        .arg(data)
        .arg("She don't like apples.")
        .output()
        .expect("qemu-x86_64 (Debian's qemu-user; scripts/setup-debian)")
}

#[test]
#[cfg(target_arch = "x86_64")]
fn a_cpu_without_avx2_or_avx_gets_a_clear_error_and_a_capable_one_the_native_answer() {
    use std::os::unix::process::ExitStatusExt;
    let data = tempfile::tempdir().expect("tempdir");
    for (cpu, lacks) in [("SandyBridge", "AVX2"), ("Nehalem", "AVX, AVX2")] {
        let out = analyze_on(Some(cpu), data.path());
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.signal(),
            None,
            "{cpu}: killed by a signal: {:?}",
            out.status
        );
        assert_eq!(out.status.code(), Some(1), "{cpu}: {stdout}");
        let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON error");
        assert_eq!(v["error"]["code"], "cpu_unsupported", "{cpu}: {v}");
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(lacks), "{cpu}: {message}");
    }
    let corrected = |out: &Output| {
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("the analysis as JSON");
        v["correction"]["corrected"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let native = analyze_on(None, data.path());
    assert!(
        native.status.success(),
        "{}",
        String::from_utf8_lossy(&native.stderr)
    );
    let haswell = analyze_on(Some("Haswell"), data.path());
    assert!(
        haswell.status.success(),
        "{}",
        String::from_utf8_lossy(&haswell.stderr)
    );
    assert_eq!(corrected(&haswell), corrected(&native));
    assert_eq!(corrected(&native), "She doesn't like apples.");
}
