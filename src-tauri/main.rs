//! LexiLingo Desktop's entry point.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // The app's own executable doubles as the crash-isolated model worker.
    if let Some(code) = lexilingo_core::engine::run_worker_if_requested() {
        std::process::exit(code);
    }
    lexilingo_desktop::run();
}
