//! Checks of the knowledge base's FAQ that the loader cannot make alone: the same question
//! under two entries (the customer would get either), a question that is also an intent's
//! example (the intent claims it first), answers not checked against their source for too
//! long, forbidden phrases in an answer, and phone answers too long to listen to.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Days, NaiveDate};

use super::source::locate_in;
use super::{Finding, Severity};
use crate::content::{FaqEntry, LocaleContent, PromptLimit};
use crate::nlu::normalize;

/// A question as compared: normalised, letters and digits only.
fn comparable(question: &str) -> String {
    normalize(question)
        .to_text()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The place of `needle` in the entry's file, at or after the entry's first line.
fn place(entry: &FaqEntry, needle: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(&entry.path).unwrap_or_default();
    let rest: String = text
        .lines()
        .skip(entry.line - 1)
        .collect::<Vec<_>>()
        .join("\n");
    locate_in(&rest, needle)
        .map(|(line, column)| (line + entry.line - 1, column))
        .unwrap_or((entry.line, 1))
}

fn finding(entry: &FaqEntry, at: (usize, usize), severity: Severity, message: String) -> Finding {
    Finding::new(Path::new(&entry.path), at, severity, message)
}

/// The same question (after normalising) in two entries: an error, the FAQ cannot tell
/// which one is meant. Written twice in one entry, or also an intent's example: a warning.
pub fn duplicate_questions(content: &LocaleContent) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut first: HashMap<String, (&FaqEntry, &str)> = HashMap::new();
    let examples: HashMap<String, &str> = content
        .intents
        .iter()
        .flat_map(|i| {
            i.examples
                .iter()
                .map(move |e| (comparable(&e.text), i.id.as_str()))
        })
        .collect();
    for entry in &content.faq.entries {
        for question in &entry.questions {
            let key = comparable(&question.text);
            let at = (question.line, 1);
            match first.get(&key) {
                Some((other, _)) if other.id != entry.id => findings.push(finding(
                    entry,
                    at,
                    Severity::Error,
                    format!(
                        "question `{}` is also under FAQ entry `{}`: the FAQ cannot tell which one is meant",
                        question.text, other.id
                    ),
                )),
                Some((_, said)) => findings.push(finding(
                    entry,
                    at,
                    Severity::Warning,
                    format!("question `{}` is `{said}` written again: write a different way of asking", question.text),
                )),
                None => {
                    first.insert(key.clone(), (entry, question.text.as_str()));
                }
            }
            if let Some(intent) = examples.get(&key) {
                findings.push(finding(
                    entry,
                    at,
                    Severity::Warning,
                    format!(
                        "question `{}` is an example of intent `{intent}`, which answers it before the FAQ does",
                        question.text
                    ),
                ));
            }
        }
    }
    findings
}

/// Answers last reviewed more than `max_age_days` before `today`.
pub fn stale_reviews(content: &LocaleContent, today: NaiveDate, max_age_days: u32) -> Vec<Finding> {
    let oldest = today - Days::new(u64::from(max_age_days));
    content
        .faq
        .entries
        .iter()
        .filter(|entry| entry.reviewed < oldest)
        .map(|entry| {
            let message = format!(
                "entry `{}` was last reviewed on {}, more than {max_age_days} days ago: check it against {} and update `reviewed`",
                entry.id, entry.reviewed, entry.source
            );
            finding(entry, place(entry, "reviewed:"), Severity::Warning, message)
        })
        .collect()
}

/// Forbidden phrases (the templates' list: admissions of fault, guarantees) in answers.
pub fn forbidden_phrases(content: &LocaleContent) -> Vec<Finding> {
    let mut findings = Vec::new();
    for entry in &content.faq.entries {
        for text in [&entry.answer, &entry.short_answer] {
            let lower = text.to_lowercase();
            for phrase in &content.templates.forbidden {
                if lower.contains(&phrase.to_lowercase()) {
                    findings.push(finding(
                        entry,
                        place(entry, phrase),
                        Severity::Error,
                        format!(
                            "forbidden phrase `{phrase}` in the answer of `{}` (listed in _replies.yaml)",
                            entry.id
                        ),
                    ));
                }
            }
        }
    }
    findings
}

/// A phone answer longer than the locale's prompt limit.
pub fn long_short_answers(content: &LocaleContent) -> Vec<Finding> {
    let limit = content
        .templates
        .ivr
        .prompt_limit
        .unwrap_or_else(|| PromptLimit::default_for(content.locale));
    content
        .faq
        .entries
        .iter()
        .filter(|e| limit.measure(&e.short_answer) > limit.max())
        .map(|entry| {
            finding(
                entry,
                place(entry, "short_answer:"),
                Severity::Error,
                format!(
                    "the phone answer of `{}` is {} long, over the IVR limit of {}: shorten it",
                    entry.id,
                    limit.measure(&entry.short_answer),
                    limit.max()
                ),
            )
        })
        .collect()
}
