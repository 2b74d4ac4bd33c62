//! `frontline check [DIR]`: every problem in the content as `path:line:col: severity:
//! message`; exit code 0 (clean), 1 (warnings) or 2 (errors).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::check::{CheckOptions, DEFAULT_CONFLICT_CONFIDENCE, DEFAULT_FAQ_MAX_AGE_DAYS, check};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Folder holding intents/, templates/ and knowledge-base/
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Skip the cross-validation that finds examples reading as another intent (faster)
    #[arg(long)]
    no_conflicts: bool,
    /// How sure the model must be of the other intent to report a conflict (0–1)
    #[arg(long, default_value_t = DEFAULT_CONFLICT_CONFIDENCE, value_name = "P")]
    conflict_confidence: f32,
    /// The bank day to check the calendar against (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE")]
    today: Option<chrono::NaiveDate>,
    /// Report FAQ answers last reviewed more than this many days ago
    #[arg(long, default_value_t = DEFAULT_FAQ_MAX_AGE_DAYS, value_name = "DAYS")]
    faq_max_age: u32,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let report = check(
        &args.dir,
        CheckOptions {
            conflicts: !args.no_conflicts,
            conflict_confidence: args.conflict_confidence,
            today: args
                .today
                .unwrap_or_else(|| crate::domain::Clock::system().bank_today()),
            faq_max_age_days: args.faq_max_age,
        },
    );
    for finding in &report.findings {
        println!("{finding}");
    }
    eprintln!(
        "frontline check: {} error(s), {} warning(s) in {}",
        report.errors(),
        report.warnings(),
        args.dir.display()
    );
    ExitCode::from(report.exit_code())
}
