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

Every command needs a model: --model PATH or LEXILINGO_MODEL.";

/// LexiLingo: an offline English tutor for Vietnamese learners.
#[derive(Debug, Parser)]
#[command(name = "lexilingo", version, after_help = EXAMPLES)]
pub struct Cli {
    /// The GGUF model file to use.
    #[arg(long, global = true, env = "LEXILINGO_MODEL", value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// Where LexiLingo keeps its data (default: the per-OS local data directory).
    #[arg(long, global = true, env = "LEXILINGO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// CPU threads for the model (default: the number of physical cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<u32>,
    /// Context window in tokens.
    #[arg(long, global = true, default_value_t = 4096, value_name = "TOKENS",
          value_parser = clap::value_parser!(u32).range(512..=131072))]
    pub ctx: u32,
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
    /// Score, level, correction and Vietnamese explanations for a sentence.
    Analyze {
        /// The English sentence.
        sentence: String,
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
    /// Practise a conversation in the terminal.
    Chat(ChatArgs),
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
        .map_err(|e: lexilingo_core::cefr::NotACefrLevel| e.to_string())
}

impl Cli {
    /// The model to use, or a clear error saying how to give one.
    pub fn model_path(&self) -> anyhow::Result<PathBuf> {
        self.model
            .clone()
            .context("no model given: pass --model PATH or set LEXILINGO_MODEL to a GGUF file")
    }
}
