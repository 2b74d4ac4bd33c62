//! Labelled datasets as CSV with `text` and `category` columns (BANKING77's format;
//! `label` or `intent` are accepted for the category). A category `oos` or
//! `out_of_scope` marks examples that should be rejected.

use std::path::{Path, PathBuf};

use crate::domain::IntentId;
use crate::nlu::{Label, LabelledText};

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
        examples.push(LabelledText {
            text: text.to_string(),
            label,
        });
    }
    if examples.is_empty() {
        return Err(DatasetError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(examples)
}
