//! Labelled datasets as CSV with `text` and `category` columns (BANKING77's format;
//! `label` or `intent` are accepted for the category). A category `oos` or
//! `out_of_scope` marks examples that should be rejected. An optional `source` column
//! says which turn of live traffic a message was taken from (`<conversation id>#<turn>`,
//! as `frontline audit export --labelling` writes it), so that a misread message leads
//! to the audit record of the turn that misread it.

use std::path::{Path, PathBuf};

use crate::domain::{ConversationId, IntentId};
use crate::nlu::{Label, LabelledText};

/// A turn of live traffic: where a labelled message came from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TurnRef {
    pub conversation: ConversationId,
    pub turn: u32,
}

impl TurnRef {
    /// Reads `<conversation id>#<turn>`.
    pub fn parse(value: &str) -> Option<TurnRef> {
        let (conversation, turn) = value.trim().rsplit_once('#')?;
        Some(TurnRef {
            conversation: ConversationId::parse(conversation).ok()?,
            turn: turn.parse().ok().filter(|&t| t > 0)?,
        })
    }

    /// Where the turn's audit record is read (`GET`, scope `audit`): the conversation's
    /// records, at this turn's entry.
    pub fn audit_path(&self) -> String {
        format!(
            "/v1/conversations/{}/audit#turn-{}",
            self.conversation, self.turn
        )
    }
}

impl std::fmt::Display for TurnRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.conversation, self.turn)
    }
}

/// A labelled message and, when it came from live traffic, the turn it came from.
#[derive(Clone, Debug)]
pub struct SourcedText {
    pub example: LabelledText,
    pub source: Option<TurnRef>,
}

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{path}: cannot read: {source}")]
    Read { path: PathBuf, source: csv::Error },
    #[error("{path}:1: no `text` column")]
    NoTextColumn { path: PathBuf },
    #[error("{path}:1: no `category` (or `label`, `intent`) column")]
    NoCategoryColumn { path: PathBuf },
    #[error("{path}:{line}: {message}")]
    Row {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: no examples")]
    Empty { path: PathBuf },
}

const OUT_OF_SCOPE_CATEGORIES: [&str; 2] = ["oos", "out_of_scope"];

/// Category names are turned into intent ids (`card_arrival` stays, `Card Arrival` →
/// `card_arrival`).
fn category_to_intent(category: &str) -> Option<IntentId> {
    let id: String = category
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    IntentId::parse(&id).ok()
}

pub fn read_labelled_csv(path: &Path) -> Result<Vec<LabelledText>, DatasetError> {
    Ok(read_sourced_csv(path)?
        .into_iter()
        .map(|sourced| sourced.example)
        .collect())
}

/// [`read_labelled_csv`] with each row's `source` (a row without one, or a file without
/// the column, has none).
pub fn read_sourced_csv(path: &Path) -> Result<Vec<SourcedText>, DatasetError> {
    let read_error = |source| DatasetError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = csv::Reader::from_path(path).map_err(read_error)?;
    let headers = reader.headers().map_err(read_error)?.clone();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.trim()));
    let text_at = column(&["text"]).ok_or_else(|| DatasetError::NoTextColumn {
        path: path.to_path_buf(),
    })?;
    let category_at =
        column(&["category", "label", "intent"]).ok_or_else(|| DatasetError::NoCategoryColumn {
            path: path.to_path_buf(),
        })?;
    let source_at = column(&["source"]);
    let mut examples = Vec::new();
    for record in reader.records() {
        let record = record.map_err(read_error)?;
        let line = record.position().map_or(0, |p| p.line());
        let row_error = |message: String| DatasetError::Row {
            path: path.to_path_buf(),
            line,
            message,
        };
        let text = record.get(text_at).unwrap_or_default().trim();
        let category = record.get(category_at).unwrap_or_default().trim();
        if text.is_empty() {
            return Err(row_error("empty text".into()));
        }
        let label = if OUT_OF_SCOPE_CATEGORIES.contains(&category) {
            Label::OutOfScope
        } else {
            Label::Intent(category_to_intent(category).ok_or_else(|| {
                row_error(format!("category `{category}` cannot be an intent id"))
            })?)
        };
        let source = match source_at.map(|at| record.get(at).unwrap_or_default().trim()) {
            None | Some("") => None,
            Some(source) => Some(TurnRef::parse(source).ok_or_else(|| {
                row_error(format!(
                    "source `{source}` is not a turn: write <conversation id>#<turn>"
                ))
            })?),
        };
        examples.push(SourcedText {
            example: LabelledText {
                text: text.to_string(),
                label,
            },
            source,
        });
    }
    if examples.is_empty() {
        return Err(DatasetError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(examples)
}
