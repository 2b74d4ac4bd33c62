//! The knowledge base's questions and answers (`knowledge-base/<locale>/faq/`): plain
//! questions customers ask (limits, fees, how to activate a card) that no intent claims,
//! each answered from a cited source. One file per topic; `_facts.yaml` holds the figures
//! that differ by bank (`{{hotline}}` in an answer), filled in at load so that nothing
//! downstream sees a placeholder; `_matching.yaml` holds how sure a match must be.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{ContentError, ContentErrors};
use super::intent::Example;
use super::knowledge::FactValue;
use crate::domain::FaqId;

/// The folder under `knowledge-base/<locale>/`.
pub const FAQ_DIR: &str = "faq";
/// The bank's own figures, as `{{name}}` in answers.
pub const FACTS_FILE: &str = "_facts.yaml";
/// The acceptance threshold and how close a second entry must be to be offered too.
pub const MATCHING_FILE: &str = "_matching.yaml";

/// A question variant must be written at least this many ways (the first is the one
/// offered when the customer is asked which question they meant).
pub const MIN_QUESTIONS: usize = 3;

/// One checked entry.
#[derive(Clone, Debug, PartialEq)]
pub struct FaqEntry {
    pub id: FaqId,
    /// The topic file's title (`银行卡`).
    pub topic: String,
    /// The ways customers ask it; the first is the canonical wording.
    pub questions: Vec<Example>,
    /// For chat, facts filled in.
    pub answer: String,
    /// For the phone, facts filled in: one or two sentences.
    pub short_answer: String,
    /// The document or policy the answer comes from, cited to the customer.
    pub source: String,
    /// When content staff last checked the answer against its source.
    pub reviewed: NaiveDate,
    /// The file and line of the entry's `id`, for `frontline check`.
    pub path: PathBuf,
    pub line: usize,
}

impl FaqEntry {
    /// The wording offered when the customer is asked which question they meant.
    pub fn canonical_question(&self) -> &str {
        self.questions.first().map_or("", |q| q.text.as_str())
    }
}

/// How sure a match must be: tuned with `frontline eval --faq`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaqMatching {
    /// Below this score (0–1) no entry is answered: a wrong answer is worse than none.
    pub threshold: f32,
    /// Entries scoring at least this share of the best one are offered as choices.
    pub choices_within: f32,
}

impl Default for FaqMatching {
    fn default() -> Self {
        FaqMatching {
            threshold: 0.6,
            choices_within: 0.92,
        }
    }
}

/// A locale's FAQ: empty when the locale has none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faq {
    /// Sorted by id.
    pub entries: Vec<FaqEntry>,
    pub matching: FaqMatching,
}

impl Faq {
    pub fn entry(&self, id: &FaqId) -> Option<&FaqEntry> {
        self.entries
            .binary_search_by(|e| e.id.cmp(id))
            .ok()
            .map(|at| &self.entries[at])
    }
}

/// One topic of a locale's FAQ: `knowledge-base/<locale>/faq/<topic>.yaml`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Frontline FAQ topic")]
struct TopicFile {
    /// The topic as customers would name it (`银行卡`, `Cards`).
    topic: String,
    /// The document or policy the entries come from, unless an entry names its own.
    source: String,
    #[schemars(length(min = 1))]
    entries: Vec<EntryFile>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    /// lower_snake_case, unique in the locale.
    #[schemars(with = "String", regex(pattern = r"^[a-z][a-z0-9_]{0,63}$"))]
    id: Spanned<String>,
    /// At least three ways customers ask it, colloquial and formal; the first is the
    /// canonical wording, offered when a message could mean several entries.
    #[schemars(with = "Vec<String>", length(min = 3))]
    questions: Vec<Spanned<String>>,
    /// The chat answer; `{{name}}` is a figure from `_facts.yaml`.
    #[schemars(with = "String")]
    answer: Spanned<String>,
    /// The phone answer, within the IVR prompt limit.
    #[schemars(with = "String")]
    short_answer: Spanned<String>,
    /// The source, when it is not the topic's.
    #[serde(default)]
    source: Option<String>,
    /// The day the answer was last checked against its source (YYYY-MM-DD).
    #[schemars(with = "String", regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    reviewed: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FactsFile {
    facts: BTreeMap<String, FactValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchingFile {
    threshold: Spanned<f32>,
    choices_within: Spanned<f32>,
}

/// The JSON Schema of FAQ topic files, for editors.
pub fn faq_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(TopicFile)).unwrap_or_default()
}

/// The bank's figures: name → value.
pub fn parse_facts(path: &Path, source: &str) -> Result<BTreeMap<String, String>, ContentErrors> {
    let file: FactsFile = serde_saphyr::from_str(source)
        .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
    Ok(file
        .facts
        .into_iter()
        .map(|(name, value)| (name, value.into_text()))
        .collect())
}

pub fn parse_matching(path: &Path, source: &str) -> Result<FaqMatching, ContentErrors> {
    let file: MatchingFile = serde_saphyr::from_str(source)
        .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
    let mut errors = ContentErrors::default();
    for (name, value) in [
        ("threshold", &file.threshold),
        ("choices_within", &file.choices_within),
    ] {
        if !(value.value > 0.0 && value.value <= 1.0) {
            errors.push(ContentError::new(
                path,
                value.referenced.line() as usize,
                format!("{name} {} must be above 0 and at most 1", value.value),
            ));
        }
    }
    errors.into_result(FaqMatching {
        threshold: file.threshold.value,
        choices_within: file.choices_within.value,
    })
}

/// Parses one topic file, filling in `facts`.
pub fn parse_topic(
    path: &Path,
    source: &str,
    facts: &BTreeMap<String, String>,
) -> Result<Vec<FaqEntry>, ContentErrors> {
    let file: TopicFile = serde_saphyr::from_str(source)
        .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
    let mut errors = ContentErrors::default();
    let mut entries = Vec::new();
    for entry in file.entries {
        let line = entry.id.referenced.line() as usize;
        let id = match FaqId::parse(entry.id.value.trim()) {
            Ok(id) => id,
            Err(e) => {
                errors.push(ContentError::new(path, line, e.to_string()));
                continue;
            }
        };
        let mut questions: Vec<Example> = Vec::new();
        for question in entry.questions {
            let at = question.referenced.line() as usize;
            let text = question.value.trim();
            if text.is_empty() {
                errors.push(ContentError::new(path, at, "empty question"));
            } else if let Some(first) = questions.iter().find(|q| q.text == text) {
                let first = first.line;
                errors.push(ContentError::new(
                    path,
                    at,
                    format!("question `{text}` written twice (first on line {first})"),
                ));
            } else {
                questions.push(Example {
                    text: text.to_string(),
                    line: at,
                });
            }
        }
        if questions.len() < MIN_QUESTIONS {
            errors.push(ContentError::new(
                path,
                line,
                format!(
                    "entry `{id}` has {} questions: write at least {MIN_QUESTIONS} ways customers ask it",
                    questions.len()
                ),
            ));
        }
        let answer = fill(path, &entry.answer, facts, &mut errors);
        let short_answer = fill(path, &entry.short_answer, facts, &mut errors);
        let reviewed = match NaiveDate::parse_from_str(entry.reviewed.value.trim(), "%Y-%m-%d") {
            Ok(day) => day,
            Err(_) => {
                errors.push(ContentError::new(
                    path,
                    entry.reviewed.referenced.line() as usize,
                    format!(
                        "reviewed `{}` is not a date: write YYYY-MM-DD",
                        entry.reviewed.value
                    ),
                ));
                continue;
            }
        };
        entries.push(FaqEntry {
            id,
            topic: file.topic.trim().to_string(),
            questions,
            answer,
            short_answer,
            source: entry
                .source
                .unwrap_or_else(|| file.source.clone())
                .trim()
                .to_string(),
            reviewed,
            path: path.to_path_buf(),
            line,
        });
    }
    errors.into_result(entries)
}

/// `text` with every `{{name}}` replaced by its fact; an unknown name or an empty text is
/// an error at the text's line.
fn fill(
    path: &Path,
    text: &Spanned<String>,
    facts: &BTreeMap<String, String>,
    errors: &mut ContentErrors,
) -> String {
    let line = text.referenced.line() as usize;
    let source = text.value.trim();
    if source.is_empty() {
        errors.push(ContentError::new(path, line, "empty answer"));
        return String::new();
    }
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            errors.push(ContentError::new(path, line, "`{{` without `}}`"));
            return out;
        };
        let name = after[..close].trim();
        match facts.get(name) {
            Some(value) => out.push_str(value),
            None => errors.push(ContentError::new(
                path,
                line,
                format!("unknown fact `{{{{{name}}}}}`: define it in {FACTS_FILE}"),
            )),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// The entries of every topic file, sorted by id; an id used twice is an error.
pub fn assemble(
    topics: Vec<Vec<FaqEntry>>,
    matching: FaqMatching,
    errors: &mut ContentErrors,
) -> Faq {
    let mut seen: HashSet<FaqId> = HashSet::new();
    let mut entries = Vec::new();
    for entry in topics.into_iter().flatten() {
        if seen.insert(entry.id.clone()) {
            entries.push(entry);
        } else {
            errors.push(ContentError::new(
                &entry.path,
                entry.line,
                format!("FAQ entry id `{}` is used twice in this locale", entry.id),
            ));
        }
    }
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    Faq { entries, matching }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> BTreeMap<String, String> {
        [("hotline".to_string(), "400-000-9555".to_string())].into()
    }

    const TOPIC: &str = "topic: 银行卡\nsource: 《示例银行借记卡服务指南》\nentries:\n  - id: card_activation\n    questions:\n      - 新卡怎么激活\n      - 卡拿到了怎么开通\n      - 请问借记卡是否需要激活\n    answer: 请致电{{hotline}}。\n    short_answer: 请致电{{hotline}}。\n    reviewed: 2026-10-12\n";

    #[test]
    fn facts_are_filled_in_and_the_topic_source_is_inherited() {
        let entries = parse_topic(Path::new("cards.yaml"), TOPIC, &facts()).unwrap();
        assert_eq!(entries[0].answer, "请致电400-000-9555。");
        assert_eq!(entries[0].source, "《示例银行借记卡服务指南》");
        assert_eq!(entries[0].canonical_question(), "新卡怎么激活");
        assert_eq!(entries[0].line, 4);
    }

    #[test]
    fn an_unknown_fact_is_an_error_at_its_line() {
        let errors = parse_topic(Path::new("cards.yaml"), TOPIC, &BTreeMap::new()).unwrap_err();
        let first = errors.iter().next().unwrap();
        assert_eq!(first.line, 9);
        assert!(
            first.message.contains("unknown fact `{{hotline}}`"),
            "{first}"
        );
    }

    #[test]
    fn too_few_questions_and_a_bad_date_are_refused() {
        let source = TOPIC
            .replace("      - 请问借记卡是否需要激活\n", "")
            .replace("2026-10-12", "last week");
        let errors = parse_topic(Path::new("cards.yaml"), &source, &facts()).unwrap_err();
        let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(
            messages.iter().any(|m| m.contains("has 2 questions")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("not a date")),
            "{messages:?}"
        );
    }

    #[test]
    fn an_id_used_in_two_topics_is_an_error() {
        let one = parse_topic(Path::new("a.yaml"), TOPIC, &facts()).unwrap();
        let two = parse_topic(Path::new("b.yaml"), TOPIC, &facts()).unwrap();
        let mut errors = ContentErrors::default();
        let faq = assemble(vec![one, two], FaqMatching::default(), &mut errors);
        assert_eq!(faq.entries.len(), 1);
        assert!(errors.iter().next().unwrap().message.contains("used twice"));
    }
}
