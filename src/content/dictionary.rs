//! Banking words for the Chinese word segmenter (`intents/<locale>/_dictionary.txt`), in
//! jieba's user-dictionary format: `word [frequency] [part-of-speech]`, one per line, `#`
//! starts a comment. Without them, `吞钞` or `挂失` would be cut into meaningless halves.

use std::path::Path;

use super::error::{ContentError, ContentErrors};

/// One user-dictionary word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictionaryWord {
    pub word: String,
    pub frequency: Option<usize>,
    pub tag: Option<String>,
}

pub fn parse_dictionary(path: &Path, source: &str) -> Result<Vec<DictionaryWord>, ContentErrors> {
    let mut errors = ContentErrors::default();
    let mut words = Vec::new();
    for (index, line) in source.lines().enumerate() {
        let line_no = index + 1;
        let content = line.split('#').next().unwrap_or_default().trim();
        if content.is_empty() {
            continue;
        }
        let mut parts = content.split_whitespace();
        let word = parts.next().unwrap_or_default().to_string();
        let frequency = match parts.next() {
            None => None,
            Some(f) => match f.parse::<usize>() {
                Ok(f) => Some(f),
                Err(_) => {
                    errors.push(ContentError::new(
                        path,
                        line_no,
                        format!("frequency `{f}` of `{word}` is not a whole number"),
                    ));
                    continue;
                }
            },
        };
        let tag = parts.next().map(str::to_string);
        if let Some(extra) = parts.next() {
            errors.push(ContentError::new(
                path,
                line_no,
                format!("unexpected `{extra}`: a line is `word [frequency] [tag]`"),
            ));
            continue;
        }
        words.push(DictionaryWord {
            word,
            frequency,
            tag,
        });
    }
    errors.into_result(words)
}
