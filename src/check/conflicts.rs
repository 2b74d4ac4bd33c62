//! Examples that steal from another intent: in a cross-validation run (each example read
//! by a model trained without it), an example of A that the model confidently takes for B.
//! Customers who write like it will be answered as B; the example either belongs to B, or
//! A needs examples that tell the two apart.

use super::source::Files;
use super::{Finding, Severity};
use crate::content::LocaleContent;
use crate::eval;
use crate::nlu::Label;

/// How sure the model must be of the other intent; below it, a misreading is ordinary
/// noise that `frontline eval` reports in its figures.
pub const DEFAULT_CONFLICT_CONFIDENCE: f32 = 0.6;
/// Folds of the cross-validation.
const FOLDS: usize = 5;

pub fn conflicts(files: &Files, content: &LocaleContent, min_confidence: f32) -> Vec<Finding> {
    let predictions = match eval::cross_validated(content, FOLDS, &|| {}) {
        Ok(predictions) => predictions,
        Err(error) => {
            return vec![Finding::new(
                &files.templates_dir(),
                (1, 1),
                Severity::Error,
                format!("cannot train on the {} content: {error}", content.locale),
            )];
        }
    };
    let mut findings = Vec::new();
    for prediction in predictions {
        let Label::Intent(expected) = &prediction.example.label else {
            continue;
        };
        let Some((predicted, confidence)) = &prediction.predicted else {
            continue;
        };
        if predicted == expected || *confidence < min_confidence {
            continue;
        }
        let Some(intent) = content.intent(expected) else {
            continue;
        };
        let text = &prediction.example.text;
        let line = intent
            .examples
            .iter()
            .find(|e| &e.text == text)
            .map_or(1, |e| e.line);
        findings.push(Finding::new(
            &files.intent(expected),
            (line, 1),
            Severity::Warning,
            format!(
                "conflict: example `{text}` of `{expected}` reads as `{predicted}` ({:.0}% sure); move it to `{predicted}` or add examples that tell the two apart",
                confidence * 100.0
            ),
        ));
    }
    findings
}
