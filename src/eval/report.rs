//! The evaluation report as a person reads it in a terminal.

use std::fmt::Write;

use super::{EvalReport, Method};

pub(super) fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

/// Renders a report as text.
pub fn render_text(report: &EvalReport) -> String {
    let mut out = String::new();
    let method = match report.method {
        Method::CrossValidation { folds } => format!("{folds}-fold cross-validation"),
        Method::TrainTest { train_examples } => {
            format!("trained on {train_examples} examples, tested on")
        }
    };
    let _ = writeln!(
        out,
        "{} · {method} {} examples of {} intents{} · {:.1}s",
        report.locale,
        report.examples,
        report.intents,
        if report.out_of_scope_examples > 0 {
            format!(" + {} out-of-scope", report.out_of_scope_examples)
        } else {
            String::new()
        },
        report.seconds
    );
    let _ = writeln!(
        out,
        "  accuracy                {}",
        percent(report.accuracy)
    );
    let _ = writeln!(
        out,
        "  macro-F1                {}",
        percent(report.macro_f1)
    );
    if let Some(rejection) = report.out_of_scope_rejection {
        let _ = writeln!(out, "  out-of-scope rejected   {}", percent(rejection));
    }
    let _ = writeln!(
        out,
        "  in-scope rejected       {}",
        percent(report.false_rejection)
    );
    if !report.confused_pairs.is_empty() {
        let _ = writeln!(out, "  most confused:");
        for pair in &report.confused_pairs {
            let _ = writeln!(
                out,
                "    {:>3} × {} → {}   e.g. “{}”",
                pair.count,
                pair.expected.as_deref().unwrap_or("(out of scope)"),
                pair.predicted.as_deref().unwrap_or("(rejected)"),
                pair.example
            );
        }
    }
    let mut weakest: Vec<_> = report.per_intent.iter().filter(|f| f.support > 0).collect();
    weakest.sort_by(|a, b| a.f1.total_cmp(&b.f1));
    let _ = writeln!(out, "  per intent (weakest first):");
    let _ = writeln!(
        out,
        "    {:<32} {:>7} {:>9} {:>7} {:>7}",
        "intent", "support", "precision", "recall", "F1"
    );
    for figures in weakest {
        let _ = writeln!(
            out,
            "    {:<32} {:>7} {:>9} {:>7} {:>7}",
            figures.intent,
            figures.support,
            percent(figures.precision),
            percent(figures.recall),
            percent(figures.f1)
        );
    }
    out
}
