//! Build script of the desktop app: tauri-build reads `tauri.conf.json` beside the root
//! manifest and the capabilities under `src-tauri/capabilities`.

fn main() {
    let attributes =
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/*.json");
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
