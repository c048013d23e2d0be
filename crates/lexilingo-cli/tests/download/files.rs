//! The disk and the file: a small disk refused before writing, quantizing, and importing,
//! verifying, using and removing a model.

use super::*;

/// Runs the CLI with its data directory on a fresh 60 MB tmpfs (in a private mount namespace).
fn on_small_disk(args: &[&str], data: &std::path::Path) -> std::process::Output {
    Command::new("unshare")
        .args([
            "-rm",
            "sh",
            "-c",
            "mount -t tmpfs -o size=60m tmpfs \"$1\" && shift && exec \"$@\"",
            "sh",
        ])
        .arg(data)
        .arg(lexilingo_bin())
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("unshare (util-linux)")
}

#[test]
fn not_enough_disk_is_refused_before_downloading() {
    let size = model_bytes().len() as u64;
    let server = FaultyServer::start(model_bytes(), Fault::None);
    let data = tempfile::tempdir().expect("temp");
    let out = on_small_disk(
        &[
            "models",
            "download",
            "--url",
            &server.url,
            "--sha256",
            SHA256,
            "--size",
            &size.to_string(),
            "--name",
            "t.gguf",
        ],
        data.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("not enough free disk space"), "{stderr}");
    assert!(
        stderr.contains(&format!("{} bytes needed", size + 64 * 1024 * 1024)),
        "{stderr}"
    );
    assert_eq!(
        server.served.load(Ordering::SeqCst),
        0,
        "nothing was downloaded"
    );
}

#[test]
fn without_a_size_a_small_disk_is_refused_before_writing() {
    let server = FaultyServer::start(model_bytes(), Fault::None);
    let data = tempfile::tempdir().expect("temp");
    // No --size: the cap is the free disk minus the margin, which this 60 MB disk cannot keep.
    let out = on_small_disk(
        &[
            "models",
            "download",
            "--url",
            &server.url,
            "--sha256",
            SHA256,
            "--name",
            "t.gguf",
        ],
        data.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("not enough free disk space"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        server.served.load(Ordering::SeqCst),
        0,
        "nothing was downloaded"
    );
}

#[test]
fn quantize_writes_a_model_the_engine_can_run() {
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("smol-q4_0.gguf");
    let status = Command::new(lexilingo_bin())
        .args(["models", "quantize", "--type", "Q4_0", "--threads", "2"])
        .arg(test_model())
        .arg(&out)
        .arg("--data-dir")
        .arg(dir.path())
        .status()
        .expect("run quantize");
    assert!(status.success());
    let info = lexilingo_core::models::gguf::inspect(&out).expect("a valid GGUF");
    assert_eq!(info.architecture.as_deref(), Some("llama"));
    assert!(!dir.path().join("smol-q4_0.partial").exists());
    let analyzed = Command::new(lexilingo_bin())
        .args(["fluency", "--json", "--threads", "2", "--model"])
        .arg(&out)
        .arg("She likes apples.")
        .output()
        .expect("run fluency");
    assert!(
        analyzed.status.success(),
        "{}",
        String::from_utf8_lossy(&analyzed.stderr)
    );

    let junk = dir.path().join("junk.gguf");
    std::fs::write(&junk, b"not a model at all").expect("write");
    let bad = Command::new(lexilingo_bin())
        .args(["models", "quantize", "--type", "Q4_0"])
        .arg(&junk)
        .arg(dir.path().join("never.gguf"))
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a GGUF model file"));
    assert!(!dir.path().join("never.gguf").exists());
}

#[test]
fn import_verify_use_and_remove() {
    let data = tempfile::tempdir().expect("temp");
    let cli = |args: &[&str]| {
        Command::new(lexilingo_bin())
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .expect("run")
    };
    let copy = data.path().join("mine.gguf");
    std::fs::copy(test_model(), &copy).expect("copy");
    assert!(cli(&["models", "import", copy.to_str().expect("utf8")])
        .status
        .success());
    assert!(cli(&[
        "models",
        "import",
        "--in-place",
        test_model().to_str().expect("utf8")
    ])
    .status
    .success());
    let list: serde_json::Value =
        serde_json::from_slice(&cli(&["models", "list", "--json"]).stdout).expect("json");
    let installed = list["installed"].as_array().expect("installed");
    assert_eq!(installed.len(), 2);
    assert_eq!(list["active"], "mine", "the first import is active");
    assert!(cli(&["models", "use", "SmolLM2-135M-Instruct.Q4_1"])
        .status
        .success());
    assert!(cli(&["models", "verify"]).status.success());

    // A file changed after import fails verification, with both hashes in one line.
    let copied = data.path().join("models/mine.gguf");
    let mut bytes = std::fs::read(&copied).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&copied, bytes).expect("write");
    let out = cli(&["models", "verify", "mine"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sha256 is now"));

    assert!(cli(&["models", "remove", "mine"]).status.success());
    assert!(!copied.exists(), "a copied model's file is deleted");
    assert!(cli(&["models", "remove", "SmolLM2-135M-Instruct.Q4_1"])
        .status
        .success());
    assert!(
        test_model().exists(),
        "an in-place model's file is left alone"
    );
    let junk = data.path().join("junk.gguf");
    std::fs::write(&junk, "<html>not found</html>").expect("write");
    let out = cli(&["models", "import", junk.to_str().expect("utf8")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a GGUF model file"));
}
