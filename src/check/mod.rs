//! `frontline check`: everything content staff need to know before they publish, as
//! `path:line:col: error|warning: message`, every problem at once. Errors are what the
//! service would refuse or what breaks a product rule (a missing disclosure, an admission
//! of fault, a phone prompt too long to listen to); warnings are what makes understanding
//! worse (examples that read like another intent, near-duplicates). The exit code (0 clean,
//! 1 warnings, 2 errors) lets a publishing pipeline gate on it.

mod conflicts;
mod examples;
mod faq;
mod source;
mod templates;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate};

use crate::content::{CALENDAR_FILE, Catalog, LocaleContent};
use crate::domain::{Clock, vocab_enum};
use crate::reply::Composer;

pub use conflicts::DEFAULT_CONFLICT_CONFIDENCE;

vocab_enum! {
    /// How bad a finding is, as the report line names it.
    pub enum Severity ("severity") {
        Warning = "warning",
        Error = "error",
    }
}

/// One problem at one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub message: String,
}

impl Finding {
    fn new(
        path: &Path,
        (line, column): (usize, usize),
        severity: Severity,
        message: String,
    ) -> Self {
        Finding {
            // `./intents/…` reads better as `intents/…`.
            path: path.strip_prefix(".").unwrap_or(path).to_path_buf(),
            line: line.max(1),
            column: column.max(1),
            severity,
            message,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.severity.as_str(),
            self.message
        )
    }
}

/// What to check beyond the files themselves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckOptions {
    /// Cross-validate and report examples the model reads as another intent (slow-ish:
    /// trains the model a few times per locale).
    pub conflicts: bool,
    /// How sure the model must be of the other intent for a conflict to be reported.
    pub conflict_confidence: f32,
    /// The bank day the check runs on: the calendar must reach beyond it.
    pub today: NaiveDate,
    /// FAQ answers last reviewed longer ago than this are reported.
    pub faq_max_age_days: u32,
}

/// How long an FAQ answer may go without a review against its source: a bank revises
/// fees and limits at least yearly.
pub const DEFAULT_FAQ_MAX_AGE_DAYS: u32 = 365;

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            conflicts: true,
            conflict_confidence: DEFAULT_CONFLICT_CONFIDENCE,
            today: Clock::system().bank_today(),
            faq_max_age_days: DEFAULT_FAQ_MAX_AGE_DAYS,
        }
    }
}

/// Every finding, sorted by file and place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// 0 clean, 1 warnings only, 2 errors.
    pub fn exit_code(&self) -> u8 {
        if self.errors() > 0 {
            2
        } else if self.warnings() > 0 {
            1
        } else {
            0
        }
    }
}

/// Checks the content tree under `root`.
pub fn check(root: &Path, options: CheckOptions) -> Report {
    let mut findings = Vec::new();
    match Catalog::load(root) {
        Err(errors) => {
            // Later checks need loaded content; the loader already reports every file.
            findings.extend(
                errors
                    .0
                    .into_iter()
                    .map(|e| Finding::new(&e.path, (e.line, e.column), Severity::Error, e.message)),
            );
        }
        Ok(catalog) => {
            let composer = Composer::new(&catalog);
            for content in catalog.locales() {
                let files = source::Files::new(catalog.root(), content.locale);
                findings.extend(check_locale(&files, content, &composer, options));
            }
            findings.extend(templates::missing_locales(&catalog));
            findings.extend(calendar_runs_out(&catalog, options.today));
        }
    }
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message))
    });
    findings.dedup();
    Report { findings }
}

/// How long before the bank calendar's last published day `check` asks for next year's
/// notice: the State Council publishes it in November, about this long before.
pub const CALENDAR_WARNING_DAYS: u64 = 60;

/// A warning when the bank calendar ends within [`CALENDAR_WARNING_DAYS`] of `today` (or
/// has ended, or is missing): deadlines after its end count weekends only.
fn calendar_runs_out(catalog: &Catalog, today: NaiveDate) -> Option<Finding> {
    let path = catalog.root().join(CALENDAR_FILE);
    let message = match catalog.calendar().ends() {
        None => format!(
            "no bank calendar: deadlines skip weekends but not public holidays; add {CALENDAR_FILE}"
        ),
        Some(ends) if ends < today + Days::new(CALENDAR_WARNING_DAYS) => format!(
            "the bank calendar ends on {ends}: deadlines after it skip weekends only; add the State Council's notice for {}",
            ends.year() + 1
        ),
        Some(_) => return None,
    };
    Some(Finding::new(&path, (1, 1), Severity::Warning, message))
}

fn check_locale(
    files: &source::Files,
    content: &LocaleContent,
    composer: &Composer,
    options: CheckOptions,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(examples::near_duplicates(files, content));
    findings.extend(templates::forbidden_phrases(files, content));
    findings.extend(templates::missing_disclosures(files, content));
    findings.extend(templates::unknown_variables(files, content));
    findings.extend(templates::long_ivr_prompts(files, content, composer));
    findings.extend(faq::duplicate_questions(content));
    findings.extend(faq::stale_reviews(
        content,
        options.today,
        options.faq_max_age_days,
    ));
    findings.extend(faq::forbidden_phrases(content));
    findings.extend(faq::long_short_answers(content));
    if options.conflicts {
        findings.extend(conflicts::conflicts(
            files,
            content,
            options.conflict_confidence,
        ));
    }
    findings
}
