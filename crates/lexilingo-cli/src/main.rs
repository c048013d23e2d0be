//! `lexilingo`: LexiLingo's English tutor in the terminal.
//!
//! The same executable is also the model worker: started with the hidden worker argument it
//! runs llama.cpp and nothing else (see `lexilingo_core::engine`).

mod bench;
mod chat;
mod cli;
mod history;
mod models;
mod render;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use lexilingo_app::App;
use lexilingo_core::engine::CancellationToken;
use lexilingo_core::Tutor;

use cli::{Cli, Command};

fn main() -> ExitCode {
    if let Some(code) = lexilingo_core::engine::run_worker_if_requested() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    std::panic::set_hook(Box::new(|info| {
        eprintln!("lexilingo: internal error: {info}");
    }));
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lexilingo: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = cli.json;
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, json);
            ExitCode::FAILURE
        }
    }
}

/// Prints an error as one line (or one JSON object with `--json`), never a backtrace.
fn report(e: &anyhow::Error, json: bool) {
    // The app's errors carry the texts every front end shows; the core's carry a code.
    let app_error = e.downcast_ref::<lexilingo_app::AppError>();
    let code = match app_error {
        Some(a) => a.code.as_str(),
        None => e
            .downcast_ref::<lexilingo_core::Error>()
            .map_or("error", lexilingo_core::Error::code),
    };
    if json {
        let mut body =
            serde_json::json!({ "error": { "code": code, "message": format!("{e:#}") } });
        if let Some(a) = app_error {
            body["error"]["message_vi"] = serde_json::json!(a.message_vi);
            body["error"]["message_en"] = serde_json::json!(a.message_en);
        }
        // stdout may be a closed pipe (`| head`); there is nowhere left to report that.
        let _ = writeln!(std::io::stdout(), "{body}");
    } else {
        eprintln!("lexilingo: error: {e:#}");
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let source = cli.tutor_source();
    let tutor = || -> anyhow::Result<Tutor> {
        // Unlike the app, the CLI stops on a settings file that does not parse.
        if let Some(dir) = &source.data_dir {
            lexilingo_app::host::settings_file::Settings::load(dir)
                .map_err(|e| anyhow::anyhow!(e))?;
        }
        match source.build() {
            // The CLI's own wording: it names the commands and flags.
            Err(lexilingo_core::Error::NoModel) => Err(anyhow::anyhow!(
                "no model given: run `lexilingo models download`, or pass --model PATH (LEXILINGO_MODEL)"
            )),
            other => Ok(other?),
        }
    };
    let cancel = cancel_on_ctrl_c();
    let mut out = std::io::stdout().lock();
    match &cli.command {
        Command::Analyze { sentence, no_save } => {
            // Fails now, with the CLI's wording, when there is no model or the settings are bad.
            drop(tutor()?);
            let mut app = App::with_models(source.clone(), None);
            if !*no_save {
                // Open the history first: a broken data directory is reported before the wait.
                app = app.with_store(history::open_store(&cli).await?);
            }
            let practiced = app.practice(sentence, !*no_save, &cancel).await?;
            if let Some(w) = &practiced.warning {
                eprintln!("lexilingo: warning: {} ({})", w.message_en, w.detail);
            }
            emit(&mut out, cli.json, &practiced, |o, p| {
                render::analyze(o, &p.result)
            })?;
        }
        Command::Fluency { sentence } => {
            let result = tutor()?.analyze_fluency(sentence, &cancel).await?;
            emit(&mut out, cli.json, &result, render::fluency)?;
        }
        Command::Cefr { sentence } => {
            let result = tutor()?.classify_vocabulary(sentence, &cancel).await?;
            emit(&mut out, cli.json, &result, render::vocabulary)?;
        }
        Command::Correct { sentence } => {
            let result = tutor()?.correct_grammar(sentence, &cancel).await?;
            emit(&mut out, cli.json, &result, render::correction)?;
        }
        Command::Explain { error, correction } => {
            let result = tutor()?.explain_error(error, correction, &cancel).await?;
            emit(&mut out, cli.json, &result, |o, r| {
                render::explanations(o, r)
            })?;
        }
        Command::Chat(args) => {
            drop(out);
            drop(tutor()?);
            let app =
                App::with_models(source.clone(), None).with_store(history::open_store(&cli).await?);
            chat::run(app, args, cli.json).await?;
        }
        Command::Serve {
            host,
            port,
            allow_remote,
            token,
            no_token,
            allow_hosts,
            allow_origins,
            allow_data_dir_move,
            queue,
            ui,
        } => {
            drop(out);
            let store = history::open_store(&cli).await?;
            // The built UI (`npm run build` in ui/) beside the repository, if present.
            let ui_dir = ui.clone().or_else(|| {
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist");
                dir.join("index.html").is_file().then_some(dir)
            });
            let options = lexilingo_server::ServeOptions {
                host: *host,
                port: *port,
                allow_remote: *allow_remote,
                token: match (token, *no_token) {
                    (Some(t), _) => lexilingo_server::TokenChoice::Given(t.clone()),
                    (None, true) => lexilingo_server::TokenChoice::None,
                    (None, false) => lexilingo_server::TokenChoice::Random,
                },
                allow_hosts: allow_hosts.clone(),
                allow_origins: allow_origins.clone(),
                allow_data_dir_move: *allow_data_dir_move,
                queue: *queue,
                ui_dir,
            };
            // A first run in a browser has no model yet: the model screen installs one.
            if !host.is_loopback() {
                eprintln!(
                    "lexilingo: warning: listening on {host} — reachable from other machines that have the token"
                );
            }
            // Tests and scripts read this line to find the port and the token; the learner opens it.
            lexilingo_server::run(source.clone(), store, options, |url| {
                println!("listening on {url}")
            })
            .await?;
        }
        Command::History(args) => {
            drop(out);
            history::history(&history::open_store(&cli).await?, args, cli.json).await?;
        }
        Command::Review { limit } => {
            drop(out);
            let store = history::open_store(&cli).await?;
            // The model is optional here: without one, answers are compared exactly.
            let tutor = if cli.model.is_some() {
                Some(tutor()?)
            } else {
                None
            };
            history::review(&store, tutor, *limit, cli.json).await?;
        }
        Command::Drill { error_type, level } => {
            drop(out);
            let store = history::open_store(&cli).await?;
            // Without a model the drill has the learner's own sentences only.
            let tutor = if cli.model.is_some() {
                Some(tutor()?)
            } else {
                None
            };
            history::drill(&store, tutor, *error_type, *level, cli.json).await?;
        }
        Command::Stats => {
            drop(out);
            history::stats(&history::open_store(&cli).await?, cli.json).await?;
        }
        Command::Export {
            format,
            since,
            out: file,
        } => {
            drop(out);
            let store = history::open_store(&cli).await?;
            history::export(&store, format, *since, file.as_deref()).await?;
        }
        Command::Bench {
            n_prompt,
            n_gen,
            repetitions,
            speed_only,
            analyze,
            cut_generations,
        } => {
            drop(out);
            let settings = bench::Settings {
                n_prompt: *n_prompt,
                n_gen: *n_gen,
                repetitions: (*repetitions).max(1),
                speed_only: *speed_only,
                analyze: analyze.clone(),
                cut_generations: cut_generations.clone(),
            };
            bench::run(tutor()?, settings, cli.json).await?;
        }
        Command::Eval { set } => {
            drop(out);
            let needs_model = set.needs_model();
            let tutor = if needs_model { Some(tutor()?) } else { None };
            lexilingo_eval::run(set, tutor, cli.json).await?;
        }
        Command::Models { action } => {
            drop(out);
            models::run(&cli, action, &cancel).await?;
        }
        Command::Import { file } => {
            drop(out);
            history::import(&history::open_store(&cli).await?, file, cli.json).await?;
        }
    }
    Ok(())
}

/// The context size that fits in free memory: `requested`, a smaller one with a warning, or
/// an error saying why the model cannot run here.
/// Prints `value` as pretty JSON or as the human-readable card.
fn emit<T: serde::Serialize>(
    out: &mut impl Write,
    json: bool,
    value: &T,
    card: impl FnOnce(&mut dyn Write, &T) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, value)?;
        writeln!(out)?;
    } else {
        card(out, value)?;
    }
    Ok(())
}

/// Ctrl-C cancels the running generation at the next token instead of killing the program.
fn cancel_on_ctrl_c() -> CancellationToken {
    let token = CancellationToken::new();
    let child = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            child.cancel();
        }
    });
    token
}

/// Logs to stderr at warn, more with each `-v`. The worker inherits the filter through
/// `LEXILINGO_LOG`, so llama.cpp's own logs (routed into tracing) follow the same setting.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = std::env::var("LEXILINGO_LOG").unwrap_or_else(|_| level.to_string());
    // Single-threaded here: no other thread reads the environment yet.
    std::env::set_var("LEXILINGO_LOG", &filter);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        // Colour only on a terminal: a log piped into a file or a script stays plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
