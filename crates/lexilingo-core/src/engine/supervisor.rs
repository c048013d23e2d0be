//! The parent's side of the worker protocol: spawning, supervising and talking to the worker.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use super::protocol::{
    GenerateRequest, Generation, LoadSettings, ModelInfo, ScoredToken, TextScore, WorkerEvent,
    WorkerRequest, WORKER_ARG,
};
use super::remote::{RemoteClient, RemoteConfig};
use crate::error::{EngineError, Error, Result};
use crate::models::gguf;

/// The default context window. Tutoring prompts need under 1k tokens; the rest leaves room for
/// a conversation's history. At 4096 the KV cache of Qwen2.5-1.5B is about 112 MB.
pub const DEFAULT_N_CTX: u32 = 4096;

/// How to start a worker process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerCommand {
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

impl WorkerCommand {
    /// This very executable with the hidden worker argument: the usual choice, since the CLI and
    /// the app both call [`super::run_worker_if_requested`] first thing in `main`.
    pub fn current_exe() -> Result<Self> {
        let program = std::env::current_exe().map_err(|e| EngineError::Spawn {
            message: format!("cannot find the running executable: {e}"),
        })?;
        Ok(Self::for_program(program))
    }

    /// `program` with the hidden worker argument.
    pub fn for_program(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: vec![WORKER_ARG.into()],
        }
    }
}

/// What the engine loads and how.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// The GGUF model.
    pub model_path: PathBuf,
    /// Context window in tokens.
    pub n_ctx: u32,
    /// Decoding threads.
    pub threads: u32,
    /// How to start the worker.
    pub worker: WorkerCommand,
}

impl EngineConfig {
    /// The id a saved attempt records for the model: its file name.
    pub fn model_id(&self) -> String {
        self.model_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.model_path.display().to_string())
    }

    /// Defaults for `model_path`: this executable as the worker, physical cores, 4096 tokens.
    pub fn new(model_path: impl Into<PathBuf>) -> Result<Self> {
        Ok(Self {
            model_path: model_path.into(),
            n_ctx: DEFAULT_N_CTX,
            threads: super::default_threads(),
            worker: WorkerCommand::current_exe()?,
        })
    }
}

/// A cheap-to-clone handle to the supervised model worker.
///
/// Requests are served one at a time in arrival order (tokio's mutex is fair): there is one
/// model and one context, and on a laptop two generations at once are each slower than one.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// The token counts of each generation, at debug level (`LEXILINGO_LOG=lexilingo_core=debug`):
/// what an analysis costs, for the benchmarks and for sizing a school's server.
fn log_generation(g: &Generation) {
    tracing::debug!(
        prompt_tokens = g.prompt_tokens,
        cached_tokens = g.cached_tokens,
        generated_tokens = g.generated_tokens,
        prompt_ms = g.prompt_ms,
        generation_ms = g.generation_ms,
        "generation"
    );
}

struct Inner {
    backend: Backend,
    next_id: AtomicU64,
    /// Token counts the next generations are cut at, in order ([`Engine::cut_generations`]).
    cuts: std::sync::Mutex<std::collections::VecDeque<u32>>,
}

/// Where the model runs. The tasks ask [`Engine::can_score`] before they rely on
/// log-probabilities.
enum Backend {
    /// A supervised worker process on this machine, started on first use.
    Local {
        config: EngineConfig,
        /// Boxed: a running worker's pipes and buffers are large, and an engine holds one
        /// backend for its whole life, so the indirection costs nothing that matters.
        worker: Box<Mutex<Option<WorkerProcess>>>,
    },
    /// An OpenAI-compatible server.
    Remote(RemoteClient),
}

struct WorkerProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    info: ModelInfo,
}

/// How a conversation with the worker ended when it did not answer normally.
enum Broken {
    /// No event for the silence limit: the worker is stopped and replaced.
    Hung(u64),
    /// The worker is gone; reap it and report its status.
    Died,
    /// The worker answered with an error and is still usable.
    Failed(EngineError),
}

impl Engine {
    /// Checks the model file's header and prepares the engine. The worker starts on first use.
    pub fn new(config: EngineConfig) -> Result<Self> {
        gguf::inspect(&config.model_path)?;
        // A CPU without the instructions llama.cpp was built for would kill every worker with
        // SIGILL: say so once, clearly, instead.
        let missing = super::cpu::missing_instructions();
        if !missing.is_empty() {
            return Err(EngineError::CpuUnsupported {
                missing: missing.join(", "),
            }
            .into());
        }
        Ok(Self {
            inner: Arc::new(Inner {
                backend: Backend::Local {
                    config,
                    worker: Box::new(Mutex::new(None)),
                },
                next_id: AtomicU64::new(1),
                cuts: Default::default(),
            }),
        })
    }

    /// An engine that sends every generation to an OpenAI-compatible server. No model file or
    /// worker is involved. [`Engine::score`] and [`Engine::rank`] work when the server scores
    /// texts through `/completions` with `echo` (vLLM, `lexilingo serve`); where it cannot
    /// ([`Engine::can_score`] is false), the tasks fall back to their model-independent signals.
    pub fn remote(remote: RemoteConfig) -> Result<Self> {
        Ok(Self {
            inner: Arc::new(Inner {
                backend: Backend::Remote(RemoteClient::new(remote)?),
                next_id: AtomicU64::new(1),
                cuts: Default::default(),
            }),
        })
    }

    /// Cuts the next generations, in the order they are asked for, at these token counts.
    ///
    /// For the production-size benchmark (and a test of an answer cut off): a shape twin (random weights with a real
    /// model's architecture) never writes an answer that stops where a real one would, so
    /// `scripts/bench` counts the tokens the test model generates for a sentence and has the
    /// twin generate exactly as many. The whole analysis then runs at production size, with
    /// the cut answers handled as unusable, as they would be from any model.
    pub fn cut_generations(&self, counts: impl IntoIterator<Item = u32>) {
        let mut cuts = self.inner.cuts.lock().unwrap_or_else(|e| e.into_inner());
        cuts.clear();
        cuts.extend(counts);
    }

    /// Applies the next cut of [`Engine::cut_generations`], if any, to `request`.
    fn apply_cut(&self, request: &mut GenerateRequest) {
        let mut cuts = self.inner.cuts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = cuts.pop_front() {
            request.max_tokens = n.max(1);
        }
    }

    /// Whether the model runs on this machine.
    pub fn is_local(&self) -> bool {
        matches!(self.inner.backend, Backend::Local { .. })
    }

    /// The id a saved attempt records for the model: the local file's name, or the name the
    /// remote server was asked for.
    pub fn model_id(&self) -> String {
        match &self.inner.backend {
            Backend::Local { config, .. } => config.model_id(),
            Backend::Remote(remote) => remote.model().to_string(),
        }
    }

    /// The local worker's slot, or what a remote server answers instead.
    fn local(
        &self,
    ) -> std::result::Result<(&EngineConfig, &Mutex<Option<WorkerProcess>>), &RemoteClient> {
        match &self.inner.backend {
            Backend::Local { config, worker } => Ok((config, worker)),
            Backend::Remote(remote) => Err(remote),
        }
    }

    /// Starts the worker and loads the model if that has not happened yet.
    pub async fn model_info(&self) -> Result<ModelInfo> {
        let (config, worker) = match self.local() {
            Ok(local) => local,
            Err(remote) => return Ok(remote.model_info().await?),
        };
        let mut guard = worker.lock().await;
        Ok(self.ensure_worker(config, &mut guard).await?.info.clone())
    }

    /// The worker's process id, if one is running (for diagnostics and crash tests).
    pub async fn worker_pid(&self) -> Option<u32> {
        let (_, worker) = self.local().ok()?;
        worker.lock().await.as_ref().and_then(|w| w.child.id())
    }

    /// Stops the worker; the next request starts a new one.
    pub async fn shutdown(&self) {
        if let Ok((_, worker)) = self.local() {
            if let Some(mut w) = worker.lock().await.take() {
                let _ = w.child.kill().await;
            }
        }
    }

    /// Generates an answer, calling `on_text` with each piece of text as it is produced.
    ///
    /// Cancelling `cancel` stops generation at the next token; the result then has
    /// [`super::StopReason::Cancelled`] and the text produced so far.
    pub async fn generate(
        &self,
        request: GenerateRequest,
        mut on_text: impl FnMut(&str) + Send,
        cancel: &CancellationToken,
    ) -> Result<Generation> {
        let mut request = request;
        self.apply_cut(&mut request);
        let generation = if let Err(remote) = self.local() {
            remote.generate(request, &mut on_text, cancel).await?
        } else {
            self.request(
                |id| WorkerRequest::Generate { id, request },
                Some(cancel),
                |event| match event {
                    WorkerEvent::Token { text, .. } => {
                        on_text(&text);
                        None
                    }
                    WorkerEvent::Done { generation, .. } => Some(generation),
                    _ => None,
                },
            )
            .await?
        };
        log_generation(&generation);
        Ok(generation)
    }

    /// Generates answers to several requests at once (parallel sequences of one batch in the
    /// worker; one after another on a remote server). At most 4 requests.
    pub async fn generate_many(
        &self,
        requests: Vec<GenerateRequest>,
        cancel: &CancellationToken,
    ) -> Result<Vec<Generation>> {
        if !self.is_local() {
            let mut out = Vec::with_capacity(requests.len());
            for r in requests {
                out.push(self.generate(r, |_| {}, cancel).await?);
            }
            return Ok(out);
        }
        let mut requests = requests;
        requests.iter_mut().for_each(|r| self.apply_cut(r));
        let generations = self
            .request(
                |id| WorkerRequest::GenerateMany { id, requests },
                Some(cancel),
                |event| match event {
                    WorkerEvent::DoneMany { generations, .. } => Some(generations),
                    _ => None,
                },
            )
            .await?;
        generations.iter().for_each(log_generation);
        Ok(generations)
    }

    /// Turns a broken exchange into an error, reaping a dead worker.
    async fn settle<T>(
        &self,
        mut guard: tokio::sync::MutexGuard<'_, Option<WorkerProcess>>,
        outcome: std::result::Result<T, Broken>,
    ) -> Result<T> {
        match outcome {
            Ok(v) => Ok(v),
            Err(Broken::Failed(e)) => Err(e.into()),
            Err(Broken::Hung(secs)) => {
                if let Some(mut w) = guard.take() {
                    let _ = w.child.kill().await;
                }
                tracing::error!(secs, "model worker gave no answer; stopped it");
                Err(EngineError::Timeout { secs }.into())
            }
            Err(Broken::Died) => {
                let status = match guard.take() {
                    Some(w) => {
                        drop(w.stdin);
                        reap(w.child).await
                    }
                    None => "no worker".into(),
                };
                tracing::warn!(%status, "model worker died during a request");
                Err(EngineError::WorkerDied { status }.into())
            }
        }
    }

    /// Whether this engine can score texts: a local worker always can; a remote server when
    /// it answers `/completions` with `echo` (asked once; see the remote module). The tasks
    /// ask this before they rely on log-probabilities.
    pub async fn can_score(&self) -> bool {
        match &self.inner.backend {
            Backend::Local { .. } => true,
            Backend::Remote(remote) => remote.can_score().await,
        }
    }

    /// For diagnostics: on a remote backend, whether the server scores texts and, if not, why.
    pub fn backend_note(&self) -> Option<String> {
        match &self.inner.backend {
            Backend::Local { .. } => None,
            Backend::Remote(remote) => Some(remote.scoring_note()),
        }
    }

    /// The model's log-probability of each text (see [`TextScore`]), in order.
    pub async fn score(&self, texts: Vec<String>) -> Result<Vec<TextScore>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        tracing::debug!(texts = texts.len(), "scoring");
        if let Err(remote) = self.local() {
            let tokens = remote.token_logprobs(texts).await?;
            return Ok(tokens.iter().map(|t| TextScore::from_tokens(t)).collect());
        }
        self.request(
            |id| WorkerRequest::Score { id, texts },
            None,
            |event| match event {
                WorkerEvent::Scored { scores, .. } => Some(scores),
                _ => None,
            },
        )
        .await
    }

    /// Each text's tokens with their log-probabilities (see [`ScoredToken`]), in order: what
    /// `lexilingo serve` answers on `/v1/completions` with `echo`.
    pub async fn token_logprobs(&self, texts: Vec<String>) -> Result<Vec<Vec<ScoredToken>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        if let Err(remote) = self.local() {
            return Ok(remote.token_logprobs(texts).await?);
        }
        self.request(
            |id| WorkerRequest::ScoreTokens { id, texts },
            None,
            |event| match event {
                WorkerEvent::TokensScored { texts, .. } => Some(texts),
                _ => None,
            },
        )
        .await
    }

    /// For each of `alternatives` (edits of `text`), the model's preference for it at the
    /// first token where it departs from `text` (see [`WorkerRequest::Rank`]).
    pub async fn rank(&self, text: String, alternatives: Vec<String>) -> Result<Vec<f64>> {
        if alternatives.is_empty() {
            return Ok(Vec::new());
        }
        tracing::debug!(alternatives = alternatives.len(), "ranking");
        if let Err(remote) = self.local() {
            return Ok(remote.rank(text, alternatives).await?);
        }
        self.request(
            |id| WorkerRequest::Rank {
                id,
                text,
                alternatives,
            },
            None,
            |event| match event {
                WorkerEvent::Ranked { gains, .. } => Some(gains),
                _ => None,
            },
        )
        .await
    }

    /// One request to the worker: sends it, passes the worker's events for it to `handle`
    /// until `handle` returns the answer (a `Failed` event ends it as an error), and forwards a
    /// cancellation once. A worker that dies meanwhile is reaped and reported.
    async fn request<T>(
        &self,
        make: impl FnOnce(u64) -> WorkerRequest,
        cancel: Option<&CancellationToken>,
        mut handle: impl FnMut(WorkerEvent) -> Option<T>,
    ) -> Result<T> {
        let (config, slot) = self.local().map_err(|_| EngineError::Unsupported {
            what: "a worker request on a remote server".into(),
        })?;
        let mut guard = slot.lock().await;
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let worker = self.ensure_worker(config, &mut guard).await?;
        let outcome = async {
            send(&mut worker.stdin, &make(id))
                .await
                .map_err(|()| Broken::Died)?;
            let never = CancellationToken::new();
            let cancel = cancel.unwrap_or(&never);
            let mut cancel_sent = false;
            let silence = worker_silence_limit();
            loop {
                let event = tokio::select! {
                    biased;
                    () = cancel.cancelled(), if !cancel_sent => {
                        cancel_sent = true;
                        send(&mut worker.stdin, &WorkerRequest::Cancel { id })
                            .await
                            .map_err(|()| Broken::Died)?;
                        continue;
                    }
                    event = tokio::time::timeout(silence, read_event(&mut worker.stdout)) => match event {
                        Err(_) => return Err(Broken::Hung(silence.as_secs())),
                        Ok(event) => event.map_err(|()| Broken::Died)?,
                    },
                };
                if event.id() != id {
                    tracing::debug!(?event, "ignoring an event for another request");
                    continue;
                }
                if let WorkerEvent::Failed { error, .. } = event {
                    return Err(Broken::Failed(error));
                }
                if let Some(answer) = handle(event) {
                    return Ok(answer);
                }
            }
        }
        .await;
        self.settle(guard, outcome).await
    }

    /// Returns the running worker, replacing one that has exited since the last request.
    async fn ensure_worker<'g>(
        &self,
        config: &EngineConfig,
        slot: &'g mut Option<WorkerProcess>,
    ) -> Result<&'g mut WorkerProcess> {
        if let Some(w) = slot.as_mut() {
            if let Ok(Some(status)) = w.child.try_wait() {
                tracing::warn!(%status, "model worker had exited; starting a new one");
                *slot = None;
            }
        }
        if slot.is_none() {
            *slot = Some(self.spawn_worker(config).await?);
        }
        slot.as_mut().ok_or_else(|| {
            Error::from(EngineError::Protocol {
                message: "worker slot empty after spawn".into(),
            })
        })
    }

    async fn spawn_worker(&self, config: &EngineConfig) -> Result<WorkerProcess> {
        gguf::inspect_async(&config.model_path).await?;
        let mut child = Command::new(&config.worker.program)
            .args(&config.worker.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| EngineError::Spawn {
                message: format!("{}: {e}", config.worker.program.display()),
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(EngineError::Spawn {
                message: "the worker's pipes were not created".into(),
            }
            .into());
        };
        let mut stdin = stdin;
        let mut stdout = BufReader::new(stdout).lines();
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let load = WorkerRequest::Load {
            id,
            settings: LoadSettings {
                model_path: config.model_path.clone(),
                n_ctx: config.n_ctx,
                threads: config.threads,
            },
        };
        if send(&mut stdin, &load).await.is_ok() {
            loop {
                match read_event(&mut stdout).await {
                    Ok(WorkerEvent::Loaded { info, .. }) => {
                        return Ok(WorkerProcess {
                            child,
                            stdin,
                            stdout,
                            info,
                        })
                    }
                    Ok(WorkerEvent::Failed { error, .. }) => {
                        drop(stdin);
                        reap(child).await;
                        return Err(error.into());
                    }
                    Ok(_) => continue,
                    Err(()) => break,
                }
            }
        }
        drop(stdin);
        let status = reap(child).await;
        Err(EngineError::LoadFailed {
            message: format!("the worker stopped while loading the model ({status})"),
        }
        .into())
    }
}

async fn send(stdin: &mut ChildStdin, request: &WorkerRequest) -> std::result::Result<(), ()> {
    let mut line = serde_json::to_vec(request).map_err(|_| ())?;
    line.push(b'\n');
    stdin.write_all(&line).await.map_err(|_| ())?;
    stdin.flush().await.map_err(|_| ())
}

/// Longest time a worker may stay silent while it owes an answer (no token, no result).
/// Every request streams tokens or finishes well within it on any laptop that can run the
/// model at all (a 3B model scoring a batch of candidates takes seconds), so silence this long
/// means a hang: the request fails, its queue place frees, and the worker is replaced.
/// `LEXILINGO_WORKER_SILENCE_SECS` overrides it (tests use a few seconds).
fn worker_silence_limit() -> std::time::Duration {
    let secs = std::env::var("LEXILINGO_WORKER_SILENCE_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&s| s > 0)
        .unwrap_or(300);
    std::time::Duration::from_secs(secs)
}

/// Reads the next event. `Err(())` means the worker's stdout ended or spoke garbage: either way
/// the worker cannot be trusted any more and is treated as dead.
async fn read_event(
    stdout: &mut Lines<BufReader<ChildStdout>>,
) -> std::result::Result<WorkerEvent, ()> {
    loop {
        match stdout.next_line().await {
            Ok(Some(line)) if line.trim().is_empty() => continue,
            Ok(Some(line)) => {
                return serde_json::from_str(&line).map_err(|e| {
                    tracing::error!("model worker wrote a malformed line ({e}): {line}");
                })
            }
            Ok(None) | Err(_) => return Err(()),
        }
    }
}

/// Waits briefly for a worker whose stdin is closed, kills it if it lingers, and returns its
/// exit status as text.
async fn reap(mut child: Child) -> String {
    let waited = tokio::time::timeout(std::time::Duration::from_secs(2), child.wait()).await;
    let status = match waited {
        Ok(Ok(status)) => status,
        _ => {
            let _ = child.kill().await;
            match child.wait().await {
                Ok(status) => status,
                Err(e) => return format!("unknown: {e}"),
            }
        }
    };
    status.to_string()
}
