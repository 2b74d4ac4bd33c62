//! Problems in content files, reported the way content staff read them:
//! `path:line: what is wrong`, every problem at once rather than the first only.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem at one place in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub path: PathBuf,
    /// 1-based line; 1 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column, where the parser knows it; 1 otherwise.
    pub column: usize,
    pub message: String,
}

impl ContentError {
    pub fn new(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line: line.max(1),
            column: 1,
            message: message.into(),
        }
    }

    /// Turns a YAML parser error into `path:line: message`, dropping the parser's own
    /// location prefix and source snippet (we print the location our way).
    pub fn from_yaml(path: &Path, line_offset: usize, error: &serde_saphyr::Error) -> Self {
        let line = error.location().map_or(1, |l| l.line() as usize) + line_offset;
        let rendered = error.to_string();
        let first = rendered.lines().next().unwrap_or_default();
        let message = explain(strip_location_prefix(first));
        let mut located = Self::new(path, line, message);
        located.column = error.location().map_or(1, |l| l.column() as usize).max(1);
        located
    }
}

/// Says what a content author can do about the parser's generic complaints.
fn explain(message: String) -> String {
    if message.contains("untagged enum PartFile") {
        return "expected a text, a list of texts, or a list of rules with `when` and `say` (text containing `: ` must be in quotes)".to_string();
    }
    message
}

/// `error: line 4 column 1: unknown field` → `unknown field`.
fn strip_location_prefix(message: &str) -> String {
    let without_error = message.strip_prefix("error: ").unwrap_or(message);
    if without_error.starts_with("line ") {
        if let Some((_, rest)) = without_error.split_once(": ") {
            return rest.to_string();
        }
    }
    without_error.to_string()
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

impl std::error::Error for ContentError {}

/// Every problem found in a content tree. Loading fails if this is not empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentErrors(pub Vec<ContentError>);

impl ContentErrors {
    pub fn push(&mut self, error: ContentError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &ContentError> {
        self.0.iter()
    }

    /// `Ok(value)` when nothing was found wrong, otherwise every problem, sorted by place.
    pub fn into_result<T>(mut self, value: T) -> Result<T, ContentErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            self.0
                .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
            Err(self)
        }
    }
}

impl fmt::Display for ContentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ContentErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_location_prefix_is_replaced_by_ours() {
        assert_eq!(
            strip_location_prefix("error: line 4 column 1: unknown field `foo`"),
            "unknown field `foo`"
        );
        assert_eq!(strip_location_prefix("plain"), "plain");
    }
}
