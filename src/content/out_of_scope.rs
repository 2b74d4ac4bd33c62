//! What customers say that is not banking (`intents/<locale>/_out_of_scope.yaml`), and the
//! confidence below which a message gets no intent.

use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{ContentError, ContentErrors};
use super::intent::Example;

/// The out-of-scope set of one locale.
#[derive(Clone, Debug, PartialEq)]
pub struct OutOfScope {
    /// Below this confidence the best intent is not trusted (0 < threshold < 1).
    pub threshold: f32,
    pub examples: Vec<Example>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutOfScopeFile {
    threshold: Spanned<f32>,
    #[serde(default)]
    examples: Vec<Spanned<String>>,
}

impl OutOfScope {
    pub fn parse(path: &Path, source: &str) -> Result<OutOfScope, ContentErrors> {
        let file: OutOfScopeFile = serde_saphyr::from_str(source)
            .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
        let mut errors = ContentErrors::default();
        let threshold = file.threshold.value;
        if !(threshold > 0.0 && threshold < 1.0) {
            errors.push(ContentError::new(
                path,
                file.threshold.referenced.line() as usize,
                format!("threshold {threshold} must be between 0 and 1"),
            ));
        }
        let mut examples: Vec<Example> = Vec::new();
        for example in file.examples {
            let line = example.referenced.line() as usize;
            let text = example.value.trim();
            if text.is_empty() {
                errors.push(ContentError::new(path, line, "empty example"));
            } else if let Some(first) = examples.iter().find(|e| e.text == text) {
                errors.push(ContentError::new(
                    path,
                    line,
                    format!("duplicate example `{text}` (first on line {})", first.line),
                ));
            } else {
                examples.push(Example {
                    text: text.to_string(),
                    line,
                });
            }
        }
        errors.into_result(OutOfScope {
            threshold,
            examples,
        })
    }
}
