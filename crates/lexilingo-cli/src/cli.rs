//! Command-line arguments.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use lexilingo_core::tasks::Scenario;
use lexilingo_core::CefrLevel;

const EXAMPLES: &str = "\
Examples:
  lexilingo analyze \"She don't like apples.\"
  lexilingo analyze --json \"She don't like apples.\"
  lexilingo correct \"I have two apple.\"
  lexilingo explain \"She happy.\" \"She is happy.\"
  lexilingo chat --scenario ordering_food --level A2
  lexilingo history --search \"giới từ\" --since 2026-11-01
  lexilingo review
  lexilingo export --format csv --out history.csv

Every command needs a model: --model PATH or LEXILINGO_MODEL.";

/// LexiLingo: an offline English tutor for Vietnamese learners.
#[derive(Debug, Parser)]
#[command(name = "lexilingo", version, after_help = EXAMPLES)]
pub struct Cli {
    /// The GGUF model file to use.
    #[arg(long, global = true, env = "LEXILINGO_MODEL", value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// Use an OpenAI-compatible server instead of a local model (base URL with /v1, e.g.
    /// http://school-server:8080/v1).
    #[arg(long, global = true, env = "LEXILINGO_REMOTE_URL", value_name = "URL")]
    pub remote_url: Option<String>,
    /// The model name the remote server expects.
    #[arg(
        long,
        global = true,
        env = "LEXILINGO_REMOTE_MODEL",
        value_name = "NAME",
        default_value = "default"
    )]
    pub remote_model: String,
    /// Bearer token for the remote server.
    #[arg(
        long,
        global = true,
        env = "LEXILINGO_REMOTE_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub remote_key: Option<String>,
    /// Where LexiLingo keeps its data (default: the per-OS local data directory).
    #[arg(long, global = true, env = "LEXILINGO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// CPU threads for the model (default: the number of physical cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<u32>,
    /// Context window in tokens (default: the app's setting, else 4096; less when memory is
    /// short).
    #[arg(long, global = true, value_name = "TOKENS",
          value_parser = clap::value_parser!(u32).range(512..=131072))]
    pub ctx: Option<u32>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score, level, correction and Vietnamese explanations for a sentence (saved to history).
    Analyze {
        /// The English sentence.
        sentence: String,
        /// Do not save this attempt to the history.
        #[arg(long)]
        no_save: bool,
    },
    /// Fluency score (0–5) and a one-line reason.
    Fluency {
        /// The English sentence.
        sentence: String,
    },
    /// CEFR level of the sentence and of each word.
    Cefr {
        /// The English sentence.
        sentence: String,
    },
    /// The corrected sentence and its edits.
    Correct {
        /// The English sentence.
        sentence: String,
    },
    /// Explain, in Vietnamese, the mistakes between a sentence and its correction.
    Explain {
        /// The sentence with mistakes.
        error: String,
        /// Its correction.
        correction: String,
    },
    /// Serve the tutor over HTTP on this machine: an OpenAI-compatible API, the tutoring tasks,
    /// the history, and the app's UI at `/`.
    Serve {
        /// Address to listen on. Anything but loopback needs --allow-remote.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Port (0 picks a free one; the address is printed).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Allow listening on a non-loopback address (prints a warning; needs a token).
        #[arg(long)]
        allow_remote: bool,
        /// The access token every /v1 request must carry (`Authorization: Bearer TOKEN`).
        /// Without it a random token is made at every start and printed in the link.
        #[arg(
            long,
            env = "LEXILINGO_API_TOKEN",
            hide_env_values = true,
            conflicts_with = "no_token"
        )]
        token: Option<String>,
        /// Serve without an access token (loopback only; any program on this computer can
        /// then read the history).
        #[arg(long)]
        no_token: bool,
        /// Also accept requests whose Host is NAME (a name this server is reached by, besides
        /// localhost and IP addresses). Repeatable.
        #[arg(long = "allow-host", value_name = "NAME")]
        allow_hosts: Vec<String>,
        /// Also accept state-changing requests from web pages of ORIGIN (e.g.
        /// `https://school.example`). Repeatable.
        #[arg(long = "allow-origin", value_name = "ORIGIN")]
        allow_origins: Vec<String>,
        /// Let HTTP clients move the data folder (POST /v1/settings/data-dir). Off by default:
        /// a folder path is the learner's choice in the app, not a web client's.
        #[arg(long)]
        allow_data_dir_move: bool,
        /// Requests that may wait for the model; more get 503 with Retry-After.
        #[arg(long, default_value_t = 8)]
        queue: usize,
        /// The built UI to serve at `/` (default: `ui/` beside the repository, if present).
        #[arg(long, value_name = "DIR")]
        ui: Option<PathBuf>,
    },
    /// Practise a conversation in the terminal.
    Chat(ChatArgs),
    /// Your past attempts: list (with search and filters), show, delete, clear.
    History(HistoryArgs),
    /// Practise your own past mistakes again (spaced repetition).
    Review {
        /// At most this many cards in one session.
        #[arg(long, default_value_t = 10)]
        limit: u32,
    },
    /// Practise one type of mistake: your own past sentences with it first, then sentences
    /// the model writes (with --model) and the tutor checks.
    Drill {
        /// The mistake type (as `history --type` names it, e.g. article, noun_number).
        #[arg(long = "type", value_parser = parse_error_type)]
        error_type: lexilingo_core::ErrorType,
        /// Your level; the model's sentences keep to it.
        #[arg(long, default_value = "A2", value_parser = parse_level)]
        level: CefrLevel,
    },
    /// Your progress: fluency over time, CEFR levels, most frequent mistakes.
    Stats,
    /// Export your history.
    Export {
        /// csv (for spreadsheets) or json (re-importable).
        #[arg(long, value_parser = ["csv", "json"], default_value = "json")]
        format: String,
        /// Only attempts from this day on (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        since: Option<i64>,
        /// Write here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Models: list the catalog and what is installed, download, import, verify, remove, use.
    Models {
        /// What to do.
        #[command(subcommand)]
        action: ModelsAction,
    },
    /// Speed through the whole stack: tok/s (as llama-bench reports), first token, per task.
    Bench {
        /// Prompt tokens (about) for prompt processing.
        #[arg(long, default_value_t = 64)]
        n_prompt: usize,
        /// Tokens to generate.
        #[arg(long, default_value_t = 32)]
        n_gen: u32,
        /// Repetitions to average.
        #[arg(long, default_value_t = 3)]
        repetitions: usize,
        /// Speed, latency to the first token, load time and memory only; no tutoring tasks.
        /// For shape twins (scripts/make-shape-twin), whose random weights answer noise that
        /// no task can parse.
        #[arg(long)]
        speed_only: bool,
        /// Also time whole analyses of this sentence (one cold, then `--repetitions` warm).
        #[arg(long)]
        analyze: Option<String>,
        /// With `--analyze`: cut the analysis's generations at these token counts, in order
        /// (comma-separated), as `scripts/bench` does for a shape twin with the counts the
        /// test model generates for the same sentence.
        #[arg(long, value_delimiter = ',', requires = "analyze")]
        cut_generations: Vec<u32>,
    },
    /// Measure the tutor on public learner data (dev splits): jfleg, gug, cefr-sp.
    Eval {
        /// Which data set.
        #[command(subcommand)]
        set: lexilingo_eval::EvalSet,
    },
    /// Import a JSON export (attempts already present are skipped).
    Import {
        /// The file written by `lexilingo export --format json`.
        file: PathBuf,
    },
}

/// `lexilingo models` actions.
#[derive(Debug, Subcommand)]
pub enum ModelsAction {
    /// The catalog and the installed models (* = active).
    List,
    /// Download a catalog model (default: the recommended one), or any file with --url.
    Download {
        /// Catalog id (see `lexilingo models list`).
        id: Option<String>,
        /// Download this URL instead of a catalog entry (needs --sha256 and --name).
        #[arg(long, requires_all = ["sha256", "name"])]
        url: Option<String>,
        /// Expected sha256 of the file (hex).
        #[arg(long)]
        sha256: Option<String>,
        /// Expected size in bytes (enables the free-space check before starting).
        #[arg(long)]
        size: Option<u64>,
        /// File name to save as.
        #[arg(long)]
        name: Option<String>,
        /// Give up after this many failed attempts in a row.
        #[arg(long, default_value_t = 20)]
        retries: u32,
        /// Reconnect when no bytes arrive for this many seconds.
        #[arg(long, default_value_t = 30)]
        stall_secs: u64,
        /// Reconnect when fewer than 1 KB/s arrive over this many seconds.
        #[arg(long, default_value_t = 60)]
        slow_secs: u64,
    },
    /// Add a GGUF file you already have (checked and hashed first).
    Import {
        /// The GGUF file.
        path: PathBuf,
        /// Copy the file into the models folder (the default).
        #[arg(long, conflicts_with = "in_place")]
        copy: bool,
        /// Use the file where it is instead of copying it into the models folder.
        #[arg(long)]
        in_place: bool,
    },
    /// Re-check installed models' sha256 (all, or one).
    Verify {
        /// Model id.
        id: Option<String>,
    },
    /// Remove an installed model, or with --partial an unfinished download of a catalog model.
    Remove {
        /// Model id.
        id: String,
        /// Remove only the partial download (.part).
        #[arg(long)]
        partial: bool,
    },
    /// Make a model the one every command uses when --model is not given.
    Use {
        /// Model id.
        id: String,
    },
    /// Re-quantise a GGUF file with llama.cpp (e.g. to a smaller type for an old laptop).
    Quantize {
        /// The input GGUF.
        input: PathBuf,
        /// Where to write the result.
        output: PathBuf,
        /// Q4_0, Q4_K_S, Q4_K_M, Q5_K_M or Q8_0.
        #[arg(long = "type", value_parser = parse_quant)]
        kind: lexilingo_core::models::QuantType,
    },
}

fn parse_quant(s: &str) -> Result<lexilingo_core::models::QuantType, String> {
    s.parse()
}

/// Options of `lexilingo history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// show, delete or clear; without one, lists attempts newest first.
    #[command(subcommand)]
    pub action: Option<HistoryAction>,
    /// Search sentences, corrections and explanations (Vietnamese with or without tone marks).
    #[arg(long)]
    pub search: Option<String>,
    /// Only attempts with this kind of mistake (e.g. article, verb_tense).
    #[arg(long = "type", value_parser = parse_error_type)]
    pub error_type: Option<lexilingo_core::ErrorType>,
    /// Only attempts from this day on (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub since: Option<i64>,
    /// Only sentences rated at this level.
    #[arg(long, value_parser = parse_level)]
    pub level: Option<CefrLevel>,
    /// Page number, from 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,
    /// Attempts per page.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub per_page: u32,
}

/// `lexilingo history` actions.
#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// One attempt in detail.
    Show {
        /// The attempt's id (first column of the list).
        id: i64,
    },
    /// Delete one attempt.
    Delete {
        /// The attempt's id.
        id: i64,
    },
    /// Delete all history (asks for confirmation unless --yes).
    Clear {
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
}

fn parse_error_type(s: &str) -> Result<lexilingo_core::ErrorType, String> {
    s.parse()
}

/// YYYY-MM-DD → Unix milliseconds at local midnight.
fn parse_date(s: &str) -> Result<i64, String> {
    use chrono::TimeZone;
    let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date like 2026-11-26"))?;
    let midnight = day.and_hms_opt(0, 0, 0).ok_or("invalid date")?;
    chrono::Local
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| format!("`{s}` does not exist in the local time zone"))
}

/// Options of `lexilingo chat`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The situation to practise.
    #[arg(long, default_value = "small_talk",
          value_parser = ["small_talk", "ordering_food", "job_interview", "travel", "shopping"])]
    pub scenario: String,
    /// Your level; the partner keeps to it.
    #[arg(long, default_value = "A2", value_parser = parse_level)]
    pub level: CefrLevel,
    /// Do not check your messages for mistakes.
    #[arg(long)]
    pub no_check: bool,
    /// Sampling seed for the partner's replies.
    #[arg(long)]
    pub seed: Option<u32>,
}

impl ChatArgs {
    /// The scenario (validated by clap already).
    pub fn scenario(&self) -> Scenario {
        self.scenario.parse().unwrap_or_default()
    }
}

fn parse_level(s: &str) -> Result<CefrLevel, String> {
    s.parse()
        .map_err(|e: lexilingo_core::language::cefr::NotACefrLevel| e.to_string())
}

impl Cli {
    /// The data directory: `--data-dir`, or the per-OS default.
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        lexilingo_app::host::paths::data_dir(self.data_dir.clone())
            .context("cannot find a data directory: pass --data-dir DIR")
    }

    /// Where the tutor's model comes from: `--remote-url`, `--model`, else the settings and the
    /// active installed model; the flags override the app's settings.
    pub fn tutor_source(&self) -> lexilingo_app::host::active::TutorSource {
        lexilingo_app::host::active::TutorSource {
            remote: self
                .remote_url
                .as_ref()
                .map(|url| lexilingo_core::engine::RemoteConfig {
                    base_url: url.clone(),
                    model: self.remote_model.clone(),
                    api_key: self.remote_key.clone(),
                }),
            model: self.model.clone(),
            data_dir: self.data_dir().ok(),
            threads: self.threads,
            n_ctx: self.ctx,
            worker: None,
        }
    }
}
