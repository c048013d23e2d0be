//! LexiLingo Desktop: the Tauri shell around `lexilingo-core`.
//!
//! Commands stay thin: deserialize, call the core, return a typed result or a
//! [`commands::CommandError`] with a stable code and a Vietnamese message.

mod commands;
mod state;

/// Starts the desktop app.
pub fn run() {
    // WebKitGTK's DMA-BUF renderer leaves a blank window on many Linux setups (VMs, older
    // drivers, Xvfb); fall back to the shared-memory path unless the user chose otherwise.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LEXILINGO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();

    // Hints while typing must be instant from the first keystroke: build Harper's structures
    // (seconds on first use) in the background while the window opens.
    std::thread::spawn(lexilingo_core::rules::warm_up);
    let result = tauri::Builder::default()
        .manage(state::AppState::from_env())
        .invoke_handler(tauri::generate_handler![
            commands::engine_status,
            commands::analyze_sentence,
            commands::rule_hints,
            commands::cancel_request,
            commands::history_list,
            commands::history_get,
            commands::history_delete,
            commands::progress_stats,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the app stopped with an error: {e}");
        std::process::exit(1);
    }
}
