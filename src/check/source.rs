//! Where things are in the content files: the path of an intent's file, and the line and
//! column of a text in it, so that every finding points where staff can fix it.

use std::path::{Path, PathBuf};

use crate::content::{INTENTS_DIR, TEMPLATES_DIR};
use crate::domain::{IntentId, Locale};

/// The files of one locale.
pub struct Files {
    root: PathBuf,
    locale: Locale,
}

impl Files {
    pub fn new(root: &Path, locale: Locale) -> Files {
        Files {
            root: root.to_path_buf(),
            locale,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn intent(&self, id: &IntentId) -> PathBuf {
        self.root
            .join(INTENTS_DIR)
            .join(self.locale.as_str())
            .join(format!("{id}.yaml"))
    }

    pub fn templates_dir(&self) -> PathBuf {
        self.root.join(TEMPLATES_DIR).join(self.locale.as_str())
    }

    pub fn intent_templates(&self, id: &IntentId) -> PathBuf {
        self.templates_dir().join(format!("{id}.yaml"))
    }

    /// Template files of the locale, sorted.
    pub fn template_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.templates_dir())
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }
}

/// 1-based line and column (in characters) of the first `needle` in the file at `path`;
/// (1, 1) if the file cannot be read or does not hold it.
pub fn locate(path: &Path, needle: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    locate_in(&text, needle).unwrap_or((1, 1))
}

/// Line and column of the first `needle` in `text`.
pub fn locate_in(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(number, line)| {
        line.find(needle)
            .map(|at| (number + 1, line[..at].chars().count() + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(
            locate_in("a: 1\nb: 您好,保证收益", "保证收益"),
            Some((2, 7))
        );
        assert_eq!(locate_in("a", "b"), None);
    }
}
