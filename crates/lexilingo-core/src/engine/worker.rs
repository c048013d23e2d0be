//! The model worker process: the app's own executable started with [`WORKER_ARG`].
//!
//! It owns the one llama.cpp model and context, reads [`WorkerRequest`]s from stdin, and writes
//! [`WorkerEvent`]s to stdout, one JSON object per line. A separate thread reads stdin so a
//! `cancel` arrives while a generation is running; cancellation is checked between tokens.
//! When stdin closes (the parent exited or dropped it) the worker exits too.

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::{send_logs_to_tracing, LogOptions};

use super::llama::LoadedModel;
use super::protocol::{WorkerEvent, WorkerRequest, WORKER_ARG};
use crate::error::EngineError;

/// Marks "every request is cancelled": set when stdin closes.
const CANCEL_ALL: u64 = u64::MAX;

/// If this process was started as a model worker, runs the worker and returns its exit code.
///
/// Call it first thing in `main` of every binary that hosts an [`super::Engine`]:
/// `if let Some(code) = lexilingo_core::engine::run_worker_if_requested() { std::process::exit(code) }`.
///
/// It also serves the one-shot quantizer ([`crate::models::quantize::QUANTIZE_ARG`]), which
/// needs the same crash isolation.
pub fn run_worker_if_requested() -> Option<i32> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if let Some(code) = crate::models::quantize::run_if_requested(&args) {
        return Some(code);
    }
    if args.first().map(|a| a.as_os_str()) == Some(std::ffi::OsStr::new(WORKER_ARG)) {
        Some(run_worker())
    } else {
        None
    }
}

fn run_worker() -> i32 {
    init_worker_logging();
    let backend = match LlamaBackend::init() {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("llama backend init failed: {e}");
            return 3;
        }
    };
    send_logs_to_tracing(LogOptions::default());

    let cancelled = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel::<WorkerRequest>();
    spawn_stdin_reader(tx, Arc::clone(&cancelled));

    let Ok(first) = rx.recv() else { return 0 };
    let WorkerRequest::Load { id, settings } = first else {
        emit(&WorkerEvent::Failed {
            id: 0,
            error: EngineError::Protocol {
                message: "the first request must be `load`".into(),
            },
        });
        return 2;
    };
    let model = match LoadedModel::load(&backend, &settings) {
        Ok(m) => m,
        Err(error) => {
            emit(&WorkerEvent::Failed { id, error });
            return 1;
        }
    };
    let mut ctx = match model.new_context(&backend, &settings) {
        Ok(c) => c,
        Err(error) => {
            emit(&WorkerEvent::Failed { id, error });
            return 1;
        }
    };
    let mut cache = model.prompt_cache();
    tracing::info!(name = %model.info.name, load_ms = model.info.load_ms, "model loaded");
    emit(&WorkerEvent::Loaded {
        id,
        info: model.info.clone(),
    });

    for request in rx {
        match request {
            WorkerRequest::Generate { id, request } => {
                let mut tokens = Coalescer::new(id);
                let result = model.generate(&mut ctx, &mut cache, id, &request, &cancelled, |t| {
                    tokens.push(t)
                });
                tokens.flush();
                match result {
                    Ok(generation) => emit(&WorkerEvent::Done { id, generation }),
                    Err(error) => emit(&WorkerEvent::Failed { id, error }),
                }
            }
            WorkerRequest::GenerateMany { id, requests } => {
                let result =
                    model.generate_many(&mut ctx, &mut cache, id, &requests, &cancelled, |_, _| {});
                match result {
                    Ok(generations) => emit(&WorkerEvent::DoneMany { id, generations }),
                    Err(error) => emit(&WorkerEvent::Failed { id, error }),
                }
            }
            WorkerRequest::Score { id, texts } => match model.score(&mut ctx, &mut cache, &texts) {
                Ok(scores) => emit(&WorkerEvent::Scored { id, scores }),
                Err(error) => emit(&WorkerEvent::Failed { id, error }),
            },
            WorkerRequest::ScoreTokens { id, texts } => {
                match model.score_each(&mut ctx, &mut cache, &texts) {
                    Ok(texts) => emit(&WorkerEvent::TokensScored { id, texts }),
                    Err(error) => emit(&WorkerEvent::Failed { id, error }),
                }
            }
            WorkerRequest::Rank {
                id,
                text,
                alternatives,
            } => match model.rank(&mut ctx, &mut cache, &text, &alternatives) {
                Ok(gains) => emit(&WorkerEvent::Ranked { id, gains }),
                Err(error) => emit(&WorkerEvent::Failed { id, error }),
            },
            WorkerRequest::Load { id, .. } => emit(&WorkerEvent::Failed {
                id,
                error: EngineError::Protocol {
                    message: "a model is already loaded; start a new worker instead".into(),
                },
            }),
            WorkerRequest::Cancel { .. } => {}
        }
        if cancelled.load(Ordering::SeqCst) == CANCEL_ALL {
            break;
        }
    }
    0
}

/// Reads requests from stdin. Cancels take effect immediately through `cancelled`; everything
/// else is queued for the main thread in arrival order.
fn spawn_stdin_reader(tx: mpsc::Sender<WorkerRequest>, cancelled: Arc<AtomicU64>) {
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<WorkerRequest>(&line) {
                Ok(WorkerRequest::Cancel { id }) => cancelled.store(id, Ordering::SeqCst),
                Ok(request) => {
                    if tx.send(request).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    // Every request gets an answer, even one that cannot be read: a parent
                    // waiting for it would otherwise wait for ever and hold its queue place.
                    let id = serde_json::from_str::<serde_json::Value>(&line)
                        .ok()
                        .and_then(|v| v.get("id").and_then(serde_json::Value::as_u64))
                        .unwrap_or(0);
                    tracing::error!(id, "a malformed request: {e}");
                    emit(&WorkerEvent::Failed {
                        id,
                        error: EngineError::Protocol {
                            message: format!("the worker could not read the request: {e}"),
                        },
                    });
                }
            }
        }
        cancelled.store(CANCEL_ALL, Ordering::SeqCst);
    });
}

/// How long streamed text may wait to be sent with the text after it.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(30);

/// Sends streamed text in pieces of at most [`COALESCE`] worth of tokens.
///
/// One event per token wakes the parent process 100+ times a second; on a 2-core laptop each
/// wake-up takes a core from llama.cpp's threads, which wait for each other at every layer.
/// Reading speed cannot tell 30 ms apart, and the first piece still goes out at once (time to
/// first token is unchanged). The effect alone is within this machine's run-to-run noise; it
/// was one of three changes that brought generation from 0.91–0.95 to 0.97–1.0 of llama-bench.
struct Coalescer {
    id: u64,
    text: String,
    last_sent: Option<std::time::Instant>,
}

impl Coalescer {
    fn new(id: u64) -> Self {
        Self {
            id,
            text: String::new(),
            last_sent: None,
        }
    }

    fn push(&mut self, piece: &str) {
        self.text.push_str(piece);
        if self.last_sent.is_none_or(|t| t.elapsed() >= COALESCE) {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        emit(&WorkerEvent::Token {
            id: self.id,
            text: std::mem::take(&mut self.text),
        });
        self.last_sent = Some(std::time::Instant::now());
    }
}

/// Writes one event line. If the parent is gone there is nobody to answer: exit quietly.
fn emit(event: &WorkerEvent) {
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, event)
        .map_err(std::io::Error::other)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if written.is_err() {
        std::process::exit(0);
    }
}

/// Logs go to stderr (stdout is the protocol). The parent passes its filter in `LEXILINGO_LOG`.
fn init_worker_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LEXILINGO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // The parent's terminal, or a pipe to a log file or a script: colour only on a terminal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
