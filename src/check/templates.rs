//! Checks of the reply templates against the product's rules: no admission of fault and no
//! guarantee of returns (seed 001's pitfalls), every disclosure an intent requires in each
//! of its guidance variants, only variables the intent can fill, phone prompts short
//! enough to listen to, and every intent in every locale.

use std::collections::BTreeSet;

use super::source::{Files, locate, locate_in};
use super::{Finding, Severity};
use crate::content::{BANK_PROFILE, Catalog, LocaleContent, TemplateText};
use crate::domain::KnowledgeId;
use crate::reply::Composer;

/// Where a template text is: its own line when the loader knew it, else found in the file.
fn place(path: &std::path::Path, text: &TemplateText) -> (usize, usize) {
    if text.line > 0 {
        return (text.line, 1);
    }
    let start: String = text.text.chars().take(12).collect();
    locate(path, &start)
}

/// Lines of a template file that are reply text (not comments, not the forbidden list).
fn reply_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut in_forbidden_list = false;
    text.lines().enumerate().filter_map(move |(number, line)| {
        if !line.starts_with(' ') && !line.starts_with('-') && !line.trim().is_empty() {
            in_forbidden_list = line.starts_with("forbidden:");
        }
        let comment = line.trim_start().starts_with('#');
        (!in_forbidden_list && !comment).then_some((number + 1, line))
    })
}

pub fn forbidden_phrases(files: &Files, content: &LocaleContent) -> Vec<Finding> {
    let mut findings = Vec::new();
    for path in files.template_files() {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (number, line) in reply_lines(&text) {
            let lower = line.to_lowercase();
            for phrase in &content.templates.forbidden {
                if let Some((_, column)) = locate_in(&lower, &phrase.to_lowercase()) {
                    findings.push(Finding::new(
                        &path,
                        (number, column),
                        Severity::Error,
                        format!("forbidden phrase `{phrase}` (listed in _replies.yaml): never admit fault before the facts are verified, never promise returns"),
                    ));
                }
            }
            // The principal may only be mentioned as not guaranteed.
            if line.matches("保证本金").count() > line.matches("不保证本金").count() {
                let (_, column) = locate_in(line, "保证本金").unwrap_or((1, 1));
                findings.push(Finding::new(
                    &path,
                    (number, column),
                    Severity::Error,
                    "`保证本金` may only appear as `不保证本金`".to_string(),
                ));
            }
        }
    }
    findings
}

pub fn missing_disclosures(files: &Files, content: &LocaleContent) -> Vec<Finding> {
    let mut findings = Vec::new();
    for intent in content.intents.iter().filter(|i| !i.disclosures.is_empty()) {
        let path = files.intent_templates(&intent.id);
        let guidance = content
            .templates
            .intents
            .get(&intent.id)
            .map(|t| t.guidance.texts().collect::<Vec<_>>())
            .unwrap_or_default();
        if guidance.is_empty() {
            findings.push(Finding::new(
                &path,
                (1, 1),
                Severity::Error,
                format!(
                    "`{}` requires the disclosures {:?} but has no guidance to carry them",
                    intent.id, intent.disclosures
                ),
            ));
        }
        for text in guidance {
            for disclosure in &intent.disclosures {
                if !text.text.contains(disclosure.as_str()) {
                    findings.push(Finding::new(
                        &path,
                        place(&path, text),
                        Severity::Error,
                        format!(
                            "guidance variant lacks the required disclosure `{disclosure}` (declared in intents/{}/{}.yaml)",
                            content.locale, intent.id
                        ),
                    ));
                }
            }
        }
    }
    findings
}

/// `slots.amount`, `facts.hotline`, `commitment.days`, `bank.bank_name` in a template text.
fn variables(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for expression in text
        .split("{{")
        .skip(1)
        .filter_map(|r| r.split("}}").next())
    {
        for word in expression.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            let word = word.trim_start_matches(['#', '/', '^']);
            if let Some((scope, name)) = word.split_once('.') {
                let name = name.split('.').next().unwrap_or_default();
                if ["slots", "values", "facts", "commitment", "bank"].contains(&scope) {
                    found.push((scope.to_string(), name.to_string()));
                }
            }
        }
    }
    found
}

pub fn unknown_variables(files: &Files, content: &LocaleContent) -> Vec<Finding> {
    let mut findings = Vec::new();
    let bank_facts: BTreeSet<&str> = KnowledgeId::parse(BANK_PROFILE)
        .ok()
        .and_then(|id| content.knowledge.get(&id))
        .map(|a| a.facts.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for intent in &content.intents {
        let Some(templates) = content.templates.intents.get(&intent.id) else {
            continue;
        };
        let path = files.intent_templates(&intent.id);
        let facts: BTreeSet<&str> = intent
            .knowledge
            .iter()
            .filter_map(|(id, _)| content.knowledge.get(id))
            .flat_map(|a| a.facts.keys().map(String::as_str))
            .collect();
        let parts = [
            &templates.reassure,
            &templates.restate,
            &templates.guidance,
            &templates.commitment,
        ];
        for text in parts.iter().flat_map(|p| p.texts()) {
            for (scope, name) in variables(&text.text) {
                let problem = match scope.as_str() {
                    "slots" | "values" if intent.slots.iter().all(|s| s.name.as_str() != name) => {
                        Some(format!(
                            "`{scope}.{name}`: `{}` has no slot `{name}`",
                            intent.id
                        ))
                    }
                    "facts" if !facts.contains(name.as_str()) => Some(format!(
                        "`facts.{name}`: no knowledge-base article linked from `{}` has the fact `{name}`",
                        intent.id
                    )),
                    "commitment" if intent.commitment.is_none() => Some(format!(
                        "`commitment.{name}`: `{}` declares no commitment",
                        intent.id
                    )),
                    "bank" if !bank_facts.contains(name.as_str()) => Some(format!(
                        "`bank.{name}`: knowledge-base/{}/{BANK_PROFILE}.md has no fact `{name}`",
                        content.locale
                    )),
                    _ => None,
                };
                if let Some(message) = problem {
                    let at = locate(&path, &format!("{scope}.{name}"));
                    findings.push(Finding::new(
                        &path,
                        at,
                        Severity::Error,
                        format!("{message}; the reply would show nothing there"),
                    ));
                }
            }
        }
    }
    findings
}

pub fn long_ivr_prompts(
    files: &Files,
    content: &LocaleContent,
    composer: &Composer,
) -> Vec<Finding> {
    composer
        .long_ivr_prompts(content)
        .into_iter()
        .map(|prompt| {
            // `templates/zh-CN/x.yaml:12` or a bare path.
            let (file, line) = match prompt.location.rsplit_once(':') {
                Some((file, line)) if line.parse::<usize>().is_ok() => {
                    (file.to_string(), line.parse().unwrap_or(1))
                }
                _ => (prompt.location.clone(), 1),
            };
            let path = files.root().join(&file);
            Finding::new(
                &path,
                (line, 1),
                Severity::Error,
                format!("phone prompt too long: {prompt}"),
            )
        })
        .collect()
}

/// Intents present in one locale and missing in another.
pub fn missing_locales(catalog: &Catalog) -> Vec<Finding> {
    let mut findings = Vec::new();
    let locales: Vec<&LocaleContent> = catalog.locales().collect();
    for content in &locales {
        let files = Files::new(catalog.root(), content.locale);
        for intent in &content.intents {
            for other in locales.iter().filter(|o| o.locale != content.locale) {
                if other.intent(&intent.id).is_none() {
                    findings.push(Finding::new(
                        &files.intent(&intent.id),
                        (1, 1),
                        Severity::Warning,
                        format!(
                            "`{}` has no {} version: {} customers cannot reach it",
                            intent.id, other.locale, other.locale
                        ),
                    ));
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_found_inside_helpers_and_blocks() {
        let found = variables(
            "{{#if slots.product_name}}“{{slots.product_name}}”{{/if}} {{facts.no_guarantee}} {{commitment.deadline}}",
        );
        assert!(found.contains(&("slots".into(), "product_name".into())));
        assert!(found.contains(&("facts".into(), "no_guarantee".into())));
        assert!(found.contains(&("commitment".into(), "deadline".into())));
    }

    #[test]
    fn the_forbidden_list_itself_is_not_reply_text() {
        let text = "opening: 您好\nforbidden:\n  - 保证收益\n# 保证收益\ngoodbye: 再见\n";
        let lines: Vec<usize> = reply_lines(text).map(|(n, _)| n).collect();
        assert_eq!(lines, [1, 5]);
    }
}
