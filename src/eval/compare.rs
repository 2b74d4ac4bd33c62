//! Before and after: the same cross-validation on a baseline content tree (what is in
//! service) and on the working one, and what changed per intent, so a publishing pipeline
//! can refuse a change that makes understanding worse.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use super::metrics::{EvalReport, Outcome};
use super::{Method, OnStep, Prediction, cross_validated};
use crate::content::LocaleContent;
use crate::nlu::{Label, TrainError};

/// How much worse a change may make things before it is refused (in points of percent).
pub const MAX_ACCURACY_DROP: f64 = 0.5;
pub const MAX_INTENT_RECALL_DROP: f64 = 5.0;

/// One intent before and after (`None`: not in that tree).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntentChange {
    pub intent: String,
    pub recall_before: Option<f64>,
    pub recall_after: Option<f64>,
    pub f1_before: Option<f64>,
    pub f1_after: Option<f64>,
}

/// A pair the working content confuses and the baseline did not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewConfusion {
    pub expected: String,
    /// `None`: rejected as out of scope.
    pub predicted: Option<String>,
    pub count: usize,
    pub example: String,
}

/// The comparison of one locale.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub before: EvalReport,
    pub after: EvalReport,
    /// Intents whose recall or F1 moved by at least a point, or that came or went.
    pub changed_intents: Vec<IntentChange>,
    pub new_confusions: Vec<NewConfusion>,
}

impl Comparison {
    /// Why the working content is worse, if it is.
    pub fn regressions(&self) -> Vec<String> {
        let mut why = Vec::new();
        let drop = (self.before.accuracy - self.after.accuracy) * 100.0;
        if drop > MAX_ACCURACY_DROP {
            why.push(format!(
                "{}: accuracy fell {drop:.1} points ({:.1}% → {:.1}%)",
                self.after.locale,
                self.before.accuracy * 100.0,
                self.after.accuracy * 100.0
            ));
        }
        for change in &self.changed_intents {
            if let (Some(before), Some(after)) = (change.recall_before, change.recall_after) {
                let fell = (before - after) * 100.0;
                if fell > MAX_INTENT_RECALL_DROP {
                    why.push(format!(
                        "{}: `{}` recall fell {fell:.1} points",
                        self.after.locale, change.intent
                    ));
                }
            }
        }
        why
    }
}

fn outcomes(predictions: Vec<Prediction>) -> Vec<Outcome> {
    predictions
        .into_iter()
        .map(|p| Outcome {
            predicted: match p.predicted {
                Some((id, _)) => Label::Intent(id),
                None => Label::OutOfScope,
            },
            expected: p.example.label,
            text: p.example.text,
        })
        .collect()
}

/// Misread in-scope examples by (expected, predicted), with one example each.
fn misreads(outcomes: &[Outcome]) -> BTreeMap<(String, Option<String>), (usize, String)> {
    let mut pairs: BTreeMap<(String, Option<String>), (usize, String)> = BTreeMap::new();
    for outcome in outcomes.iter().filter(|o| o.expected != o.predicted) {
        let Label::Intent(expected) = &outcome.expected else {
            continue;
        };
        let predicted = match &outcome.predicted {
            Label::Intent(id) => Some(id.to_string()),
            Label::OutOfScope => None,
        };
        let entry = pairs
            .entry((expected.to_string(), predicted))
            .or_insert((0, outcome.text.clone()));
        entry.0 += 1;
    }
    pairs
}

/// Cross-validates both trees of one locale the same way and compares them.
pub fn compare(
    before: &LocaleContent,
    after: &LocaleContent,
    folds: usize,
    on_step: OnStep<'_>,
) -> Result<Comparison, TrainError> {
    let started = std::time::Instant::now();
    let before_outcomes = outcomes(cross_validated(before, folds, on_step)?);
    let after_outcomes = outcomes(cross_validated(after, folds, on_step)?);
    let seconds = started.elapsed().as_secs_f64();
    let method = Method::CrossValidation { folds };
    let before_report =
        EvalReport::from_outcomes(before.locale, method.clone(), &before_outcomes, seconds);
    let after_report = EvalReport::from_outcomes(after.locale, method, &after_outcomes, seconds);

    let figures = |r: &EvalReport| -> BTreeMap<String, (f64, f64)> {
        r.per_intent
            .iter()
            .map(|f| (f.intent.clone(), (f.recall, f.f1)))
            .collect()
    };
    let (old, new) = (figures(&before_report), figures(&after_report));
    let intents: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let changed_intents = intents
        .into_iter()
        .map(|intent| IntentChange {
            intent: intent.clone(),
            recall_before: old.get(intent).map(|f| f.0),
            recall_after: new.get(intent).map(|f| f.0),
            f1_before: old.get(intent).map(|f| f.1),
            f1_after: new.get(intent).map(|f| f.1),
        })
        .filter(
            |c| match (c.recall_before, c.recall_after, c.f1_before, c.f1_after) {
                (Some(rb), Some(ra), Some(fb), Some(fa)) => {
                    (rb - ra).abs() >= 0.01 || (fb - fa).abs() >= 0.01
                }
                _ => true,
            },
        )
        .collect();

    let old_pairs = misreads(&before_outcomes);
    let new_confusions = misreads(&after_outcomes)
        .into_iter()
        .filter(|(pair, _)| !old_pairs.contains_key(pair))
        .map(|((expected, predicted), (count, example))| NewConfusion {
            expected,
            predicted,
            count,
            example,
        })
        .collect();
    Ok(Comparison {
        before: before_report,
        after: after_report,
        changed_intents,
        new_confusions,
    })
}

fn percent(value: Option<f64>) -> String {
    value.map_or("—".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// The comparison as a content lead reads it.
pub fn render_comparison(comparison: &Comparison) -> String {
    let (b, a) = (&comparison.before, &comparison.after);
    let mut text = String::new();
    let _ = writeln!(text, "{} · baseline → working content", a.locale);
    let _ = writeln!(
        text,
        "  accuracy                {:.1}% → {:.1}%",
        b.accuracy * 100.0,
        a.accuracy * 100.0
    );
    let _ = writeln!(
        text,
        "  macro-F1                {:.1}% → {:.1}%",
        b.macro_f1 * 100.0,
        a.macro_f1 * 100.0
    );
    let _ = writeln!(
        text,
        "  out-of-scope rejected   {} → {}",
        percent(b.out_of_scope_rejection),
        percent(a.out_of_scope_rejection)
    );
    if comparison.changed_intents.is_empty() {
        let _ = writeln!(text, "  no intent moved by a point or more");
    } else {
        let _ = writeln!(text, "  intents that moved (recall, F1):");
        for c in &comparison.changed_intents {
            let _ = writeln!(
                text,
                "    {:<30} {} → {}   {} → {}",
                c.intent,
                percent(c.recall_before),
                percent(c.recall_after),
                percent(c.f1_before),
                percent(c.f1_after)
            );
        }
    }
    if !comparison.new_confusions.is_empty() {
        let _ = writeln!(text, "  newly confused:");
        for c in &comparison.new_confusions {
            let _ = writeln!(
                text,
                "    {} × {} → {}   e.g. “{}”",
                c.count,
                c.expected,
                c.predicted.as_deref().unwrap_or("(rejected)"),
                c.example
            );
        }
    }
    text
}
