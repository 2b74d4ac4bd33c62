//! Cutting a message into words: jieba with the content's banking dictionary for
//! Chinese, a stemming word tokenizer for English.

use jieba_rs::Jieba;
use tantivy::tokenizer::{
    Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer, TokenStream,
};

use crate::content::DictionaryWord;
use crate::domain::Locale;

/// A word segmenter for one locale.
pub enum Segmenter {
    Chinese(Box<Jieba>),
    English(TextAnalyzer),
}

/// Frequency given to dictionary words without one: high enough that jieba keeps a
/// banking term such as `吞钞` whole rather than cutting it into common characters.
const DEFAULT_USER_WORD_FREQUENCY: usize = 20_000;

impl Segmenter {
    pub fn new(locale: Locale, dictionary: &[DictionaryWord]) -> Segmenter {
        match locale {
            Locale::ZhCn => {
                let mut jieba = Jieba::new();
                for word in dictionary {
                    jieba.add_word(
                        &word.word,
                        Some(word.frequency.unwrap_or(DEFAULT_USER_WORD_FREQUENCY)),
                        word.tag.as_deref(),
                    );
                }
                Segmenter::Chinese(Box::new(jieba))
            }
            Locale::En => Segmenter::English(
                TextAnalyzer::builder(SimpleTokenizer::default())
                    .filter(LowerCaser)
                    .filter(Stemmer::new(Language::English))
                    .build(),
            ),
        }
    }

    /// The words of a normalised text, without punctuation or spaces. English words are
    /// stemmed (`swallowed` → `swallow`).
    pub fn words(&self, text: &str) -> Vec<String> {
        match self {
            Segmenter::Chinese(jieba) => jieba
                .cut(text, true)
                .into_iter()
                .map(|t| t.word)
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .map(|w| w.trim().to_string())
                .collect(),
            Segmenter::English(analyzer) => {
                let mut analyzer = analyzer.clone();
                let mut stream = analyzer.token_stream(text);
                let mut words = Vec::new();
                while stream.advance() {
                    words.push(stream.token().text.clone());
                }
                words
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banking_words_from_the_dictionary_stay_whole() {
        let dictionary = vec![DictionaryWord {
            word: "吞钞".into(),
            frequency: None,
            tag: None,
        }];
        let words = Segmenter::new(Locale::ZhCn, &dictionary).words("atm吞钞了,怎么办");
        assert!(words.contains(&"吞钞".to_string()), "{words:?}");
        assert!(!words.iter().any(|w| w == ","), "{words:?}");
    }

    #[test]
    fn english_words_are_stemmed() {
        let words = Segmenter::new(Locale::En, &[]).words("the atm swallowed my cards");
        assert_eq!(words, vec!["the", "atm", "swallow", "my", "card"]);
    }
}
