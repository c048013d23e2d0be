//! LexiLingo measured on public learner data: the dev splits of JFLEG (GLEU, ERRANT), BEA-2019
//! (ERRANT against M2 reference edits), GUG (Spearman against crowd ratings, perfect sentences
//! changed, the verdict) and CEFR-SP (sentence levels), and the refit of the calibration that
//! ships in `models/calibration.json`.
//!
//! The data sets are for evaluation only (their licences forbid shipping them), and so is
//! this crate: `lexilingo eval` links it, the desktop app does not. Numbers it printed are in
//! docs/QUALITY.md.
//!
//! ```no_run
//! # async fn demo(tutor: lexilingo_core::Tutor) -> anyhow::Result<()> {
//! use clap::Parser;
//! #[derive(Parser)]
//! struct Args { #[command(subcommand)] set: lexilingo_eval::EvalSet }
//! let args = Args::parse_from(["eval", "gug", "--tsv", "gug_train_dev.tsv"]);
//! lexilingo_eval::run(&args.set, Some(tutor), false).await
//! # }
//! ```

mod corrections;
mod errant;
mod fit;
mod input;
pub mod m2;
pub mod metrics;
mod report;
mod run;
mod sets;
pub mod tokens;

pub use run::run;
pub use sets::{CorrectionEval, EvalSet};
