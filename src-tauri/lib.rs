//! LexiLingo Desktop: the Tauri shell around `lexilingo-core`.
//!
//! Commands are one-line adapters over `lexilingo-app` (the use cases the server and the CLI
//! share): deserialize, call the [`lexilingo_app::App`], return its typed answer or its
//! `AppError` (a typed code, the text in Vietnamese and English, the detail).

/// The window's commands, once: the app registers them, and the contract test registers the
/// same list on Tauri's mock runtime.
macro_rules! handlers {
    () => {
        tauri::generate_handler![
            commands::engine_status,
            commands::analyze_sentence,
            commands::rule_hints,
            commands::cancel_request,
            commands::history_list,
            commands::history_get,
            commands::history_delete,
            commands::progress_stats,
            commands::diagnostics,
            commands::split_sentences,
            commands::review_due,
            commands::review_answer,
            commands::conversation_turn,
            commands::history_export,
            commands::history_import,
            commands::models_overview,
            commands::model_download,
            commands::model_pause,
            commands::model_cancel,
            commands::model_import,
            commands::pick_path,
            commands::model_activate,
            commands::engine_settings,
            commands::engine_settings_save,
            commands::daily_goal_save,
            commands::data_dir_move,
            commands::conversation_list,
            commands::conversation_get,
            commands::conversation_delete,
            commands::suggest_sentence,
            commands::drill_start,
            commands::drill_item,
            commands::drill_answer,
        ]
    };
}

mod commands;
#[cfg(test)]
mod contract;
#[cfg(unix)]
mod single;
mod state;

/// Starts the desktop app.
pub fn run() {
    // WebKitGTK's DMA-BUF renderer leaves a blank window on many Linux setups (VMs, older
    // drivers, Xvfb); fall back to the shared-memory path unless the user chose otherwise.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    // Keeps the log file's writer thread alive until the app exits (it flushes on drop).
    let _log_guard = init_logging();

    // A second launch on the same data folder shows the running window and exits.
    // The lock is held until the app exits.
    #[cfg(unix)]
    let (_instance_lock, focus_requests) =
        match state::data_dir_from_env().map(|d| single::claim(&d)) {
            Some(single::Instance::Second) => {
                tracing::info!("LexiLingo is already running; showing its window");
                return;
            }
            Some(single::Instance::First { _lock, listener }) => (Some(_lock), listener),
            _ => (None, None),
        };

    // Hints while typing must be instant from the first keystroke: build Harper's structures
    // (seconds on first use) in the background while the window opens.
    std::thread::spawn(lexilingo_core::language::rules::warm_up);
    let builder = tauri::Builder::default();
    // Windows has no Unix socket in std: there the single-instance plugin (a named mutex, the
    // first instance shown) stands in for `single.rs`. It is per user, not per data folder.
    #[cfg(windows)]
    let builder = builder.plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
        show_main_window(app)
    }));
    let result = builder
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .manage(state::AppState::from_env())
        .setup(move |app| {
            #[cfg(unix)]
            if let Some(listener) = focus_requests {
                let handle = app.handle().clone();
                single::serve(listener, move || show_main_window(&handle));
            }
            forward_download_state(app.handle());
            Ok(())
        })
        .invoke_handler(handlers!())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the app stopped with an error: {e}");
        std::process::exit(1);
    }
}

/// Brings the main window to the front (a second launch asked for it).
#[cfg(unix)]
fn show_main_window(app: &tauri::AppHandle) {
    use tauri::Manager;
    let app2 = app.clone();
    let _ = app.run_on_main_thread(move || {
        if let Some(window) = app2.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
    });
}

/// Sends every change of the model download to the window as a `download-state` event.
fn forward_download_state(app: &tauri::AppHandle) {
    use tauri::{Emitter, Manager};
    let Ok(models) = app.state::<state::AppState>().app.models().cloned() else {
        return;
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut status = models.subscribe();
        while status.changed().await.is_ok() {
            let now = status.borrow_and_update().clone();
            let _ = app.emit("download-state", now);
        }
    });
}

/// Logs to stderr and to a daily file in `<data folder>/logs` (seven days kept), which
/// Settings → "copy diagnostics" quotes from. `LEXILINGO_LOG` sets the filter (default: info).
fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let filter = tracing_subscriber::EnvFilter::try_from_env("LEXILINGO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = state::data_dir_from_env().map(|d| lexilingo_app::host::paths::logs_dir(&d));
    let file = logs.and_then(|dir| {
        std::fs::create_dir_all(&dir).ok()?;
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("lexilingo")
            .filename_suffix("log")
            .max_log_files(7)
            .build(&dir)
            .ok()
    });
    let (file_layer, guard) = match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer);
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(file_layer)
        .try_init();
    guard
}
