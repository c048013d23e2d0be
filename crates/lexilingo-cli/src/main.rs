//! `lexilingo`: LexiLingo's English tutor in the terminal.
//!
//! The same executable is also the model worker: started with the hidden worker argument it
//! runs llama.cpp and nothing else (see `lexilingo_core::engine`).

mod bench;
mod chat;
mod cli;
mod eval;
mod history;
mod models;
mod render;
mod serve;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use lexilingo_core::engine::{CancellationToken, Engine, EngineConfig};
use lexilingo_core::store::NewAttempt;
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
    let code = e
        .downcast_ref::<lexilingo_core::Error>()
        .map_or("error", lexilingo_core::Error::code);
    if json {
        let body = serde_json::json!({ "error": { "code": code, "message": format!("{e:#}") } });
        // stdout may be a closed pipe (`| head`); there is nowhere left to report that.
        let _ = writeln!(std::io::stdout(), "{body}");
    } else {
        eprintln!("lexilingo: error: {e:#}");
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let tutor = || -> anyhow::Result<Tutor> {
        if let Some(url) = &cli.remote_url {
            let remote = lexilingo_core::engine::RemoteConfig {
                base_url: url.clone(),
                model: cli.remote_model.clone(),
                api_key: cli.remote_key.clone(),
            };
            return Ok(Tutor::new(Engine::remote(remote)?));
        }
        // The app's setting applies to the CLI too, unless a model is named explicitly.
        if cli.model.is_none() {
            if let Some(dir) = lexilingo_core::paths::data_dir(cli.data_dir.clone()) {
                let settings = lexilingo_core::settings::Settings::load(&dir)
                    .map_err(|e| anyhow::anyhow!(e))?;
                if let Some(remote) = settings.remote {
                    return Ok(Tutor::new(Engine::remote(remote)?));
                }
            }
        }
        let model = cli.model_path()?;
        let mut config = EngineConfig::new(&model)?;
        if let Some(threads) = cli.threads {
            config.threads = threads.max(1);
        }
        config.n_ctx = fit_context(&model, cli.ctx)?;
        Ok(Tutor::new(Engine::new(config)?))
    };
    let cancel = cancel_on_ctrl_c();
    let mut out = std::io::stdout().lock();
    match &cli.command {
        Command::Analyze { sentence, no_save } => {
            let tutor = tutor()?;
            // Open the history first: a broken data directory is reported before the wait.
            let store = if *no_save {
                None
            } else {
                Some(history::open_store(&cli).await?)
            };
            let result = tutor.analyze(sentence, &cancel).await?;
            if let Some(store) = &store {
                let model = tutor.engine().config().model_id();
                store
                    .insert_attempt(&NewAttempt::from_analysis(&result, &model))
                    .await
                    .context("the analysis worked but could not be saved to the history")?;
            }
            emit(&mut out, cli.json, &result, render::analyze)?;
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
            let store = history::open_store(&cli).await?;
            chat::run(tutor()?, &store, args, cli.json).await?;
        }
        Command::Serve {
            host,
            port,
            allow_remote,
            token,
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
            let options = serve::ServeOptions {
                host: *host,
                port: *port,
                allow_remote: *allow_remote,
                token: token.clone(),
                queue: *queue,
                ui_dir,
            };
            serve::run(tutor()?, store, options).await?;
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
        } => {
            drop(out);
            bench::run(tutor()?, *n_prompt, *n_gen, (*repetitions).max(1), cli.json).await?;
        }
        Command::Eval { set } => {
            drop(out);
            let needs_model = !matches!(
                set,
                cli::EvalSet::Jfleg { copy: true, .. }
                    | cli::EvalSet::Jfleg {
                        replay: Some(_),
                        ..
                    }
            );
            let tutor = if needs_model { Some(tutor()?) } else { None };
            eval::run(set, tutor, cli.json).await?;
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
fn fit_context(model: &std::path::Path, requested: u32) -> anyhow::Result<u32> {
    use lexilingo_core::models::{available_memory, fit_check, Fit};
    let info = lexilingo_core::gguf::inspect(model).map_err(lexilingo_core::Error::from)?;
    let size = std::fs::metadata(model).map(|m| m.len()).unwrap_or(0);
    match fit_check(size, &info.shape, requested, available_memory()) {
        Fit::Fits { .. } | Fit::Unknown => Ok(requested),
        Fit::SmallerContext { n_ctx, reason } => {
            tracing::warn!("{reason}");
            Ok(n_ctx)
        }
        Fit::TooBig { reason } => anyhow::bail!("{reason}"),
    }
}

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
        .with_target(false)
        .try_init();
}
