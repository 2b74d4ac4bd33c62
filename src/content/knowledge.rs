//! Knowledge-base articles (`knowledge-base/<locale>/<id>.md`): the bank's rules in prose
//! for people, plus short `facts` that reply templates cite, in YAML front matter.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{ContentError, ContentErrors};
use crate::domain::KnowledgeId;

/// A checked article.
#[derive(Clone, Debug, PartialEq)]
pub struct Article {
    pub id: KnowledgeId,
    pub title: String,
    pub facts: BTreeMap<String, String>,
    /// The Markdown body, for people (agents, staff).
    pub body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    facts: BTreeMap<String, FactValue>,
}

/// Facts are short texts; numbers are accepted and kept as written.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum FactValue {
    Text(String),
    Integer(i64),
    Number(f64),
}

impl FactValue {
    pub(super) fn into_text(self) -> String {
        match self {
            FactValue::Text(t) => t,
            FactValue::Integer(i) => i.to_string(),
            FactValue::Number(n) => n.to_string(),
        }
    }
}

const FENCE: &str = "---";

impl Article {
    pub fn parse(path: &Path, source: &str) -> Result<Article, ContentErrors> {
        let fail = |line, msg: &str| ContentErrors(vec![ContentError::new(path, line, msg)]);
        let mut lines = source.lines();
        if lines.next().map(str::trim_end) != Some(FENCE) {
            return Err(fail(
                1,
                "an article starts with a `---` line, then its front matter",
            ));
        }
        let mut front = String::new();
        let mut closed = false;
        for line in lines.by_ref() {
            if line.trim_end() == FENCE {
                closed = true;
                break;
            }
            front.push_str(line);
            front.push('\n');
        }
        if !closed {
            return Err(fail(1, "the front matter is not closed by a `---` line"));
        }
        let body: Vec<&str> = lines.collect();
        // The front matter starts on line 2 of the file.
        let matter: FrontMatter = serde_saphyr::from_str(&front)
            .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 1, &e)]))?;
        let id_line = matter.id.referenced.line() as usize + 1;
        let id = KnowledgeId::parse(&matter.id.value).map_err(|e| fail(id_line, &e.to_string()))?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if stem != id.as_str() {
            return Err(fail(
                id_line,
                &format!("id `{id}` does not match the file name `{stem}.md`"),
            ));
        }
        Ok(Article {
            id,
            title: matter.title,
            facts: matter
                .facts
                .into_iter()
                .map(|(k, v)| (k, v.into_text()))
                .collect(),
            body: body.join("\n").trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_errors_count_lines_from_the_top_of_the_file() {
        let source = "---\nid: atm_cash_retention\ntitle: t\nfacts:\n  days: [1\n---\nbody\n";
        let errors = Article::parse(Path::new("kb/atm_cash_retention.md"), source)
            .unwrap_err()
            .to_string();
        assert!(
            errors.starts_with("kb/atm_cash_retention.md:5: "),
            "{errors}"
        );
    }

    #[test]
    fn facts_may_be_numbers_or_text() {
        let source = "---\nid: a\ntitle: t\nfacts:\n  days: 3\n  who: 网点\n---\n# Body\n";
        let article = Article::parse(Path::new("kb/a.md"), source).unwrap();
        assert_eq!(article.facts["days"], "3");
        assert_eq!(article.facts["who"], "网点");
        assert_eq!(article.body, "# Body");
    }
}
