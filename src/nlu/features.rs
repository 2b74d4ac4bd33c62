//! What the matcher sees of a message: hashed sparse features for the classifier
//! (character and word n-grams, keyword hits) and terms for the example index (BM25).
//!
//! Character n-grams make the Chinese model robust to segmentation mistakes and typos;
//! word n-grams carry meaning; keyword hits let content staff point at an intent.

use aho_corasick::AhoCorasick;

use super::boundaries::stands_alone;
use super::normalize::{Normalized, is_word_char, normalize};
use super::segment::Segmenter;
use crate::content::DictionaryWord;
use crate::domain::{IntentId, Locale};

/// A feature: a 64-bit hash of its namespace and text, with a count.
pub type Feature = (u64, f32);

/// A message, normalised and cut into what the models use.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub normalized: Normalized,
    pub words: Vec<String>,
    /// Sorted by hash, each hash once.
    pub features: Vec<Feature>,
    /// Terms for the BM25 example index.
    pub terms: Vec<String>,
}

/// FNV-1a, streaming over characters: fast, and stable within a process, which is all a
/// model trained at start-up needs.
struct FeatureHash(u64);

impl FeatureHash {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn namespace(tag: u8) -> Self {
        let mut hash = FeatureHash(Self::OFFSET);
        hash.byte(tag);
        hash
    }

    fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(Self::PRIME);
    }

    fn char(&mut self, c: char) {
        for b in (c as u32).to_le_bytes() {
            self.byte(b);
        }
    }

    fn str(&mut self, s: &str) {
        s.chars().for_each(|c| self.char(c));
        self.byte(0xff);
    }
}

// Feature namespaces: one byte each so equal strings in different roles never collide.
const NS_CHAR: u8 = b'c';
const NS_WORD: u8 = b'w';
const NS_WORD_PAIR: u8 = b'p';
const NS_KEYWORD: u8 = b'k';
const NS_PINYIN: u8 = b'y';

/// Pinyin syllable n-gram lengths: a syllable is a character's sound; two or three carry
/// a word's sound whatever characters the recogniser wrote (`吞超` sounds like `吞钞`).
const PINYIN_NGRAMS: std::ops::RangeInclusive<usize> = 1..=3;

/// Character n-gram lengths: Chinese words are one to three characters long; English
/// needs longer pieces of words.
const ZH_CHAR_NGRAMS: std::ops::RangeInclusive<usize> = 1..=3;
const EN_CHAR_NGRAMS: std::ops::RangeInclusive<usize> = 3..=5;

/// Turns messages into [`Analysis`] for one locale. Cloning shares the segmenter (its
/// dictionary is tens of megabytes), so the phone's analyser costs little memory.
#[derive(Clone)]
pub struct Analyser {
    locale: Locale,
    segmenter: std::sync::Arc<Segmenter>,
    keywords: Option<(AhoCorasick, Vec<u64>)>,
    /// Also features of how the message sounds (Chinese pinyin): for speech recognised
    /// on the phone, where homophones stand in for the right characters.
    spoken: bool,
}

impl Analyser {
    /// `keywords` are (keyword, intent) pairs from the content.
    pub fn new(
        locale: Locale,
        dictionary: &[DictionaryWord],
        keywords: &[(String, IntentId)],
    ) -> Analyser {
        let patterns: Vec<String> = keywords
            .iter()
            .map(|(k, _)| normalize(k).to_text())
            .collect();
        let keyword_features = keywords
            .iter()
            .map(|(_, intent)| {
                let mut hash = FeatureHash::namespace(NS_KEYWORD);
                hash.str(intent.as_str());
                hash.0
            })
            .collect();
        let keywords = (!patterns.is_empty())
            .then(|| {
                AhoCorasick::new(&patterns)
                    .ok()
                    .map(|ac| (ac, keyword_features))
            })
            .flatten();
        Analyser {
            locale,
            segmenter: std::sync::Arc::new(Segmenter::new(locale, dictionary)),
            keywords,
            spoken: false,
        }
    }

    /// The same analyser, adding sound features (for the phone channel).
    pub fn spoken(mut self) -> Analyser {
        self.spoken = self.locale == Locale::ZhCn;
        self
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    pub fn analyse(&self, text: &str) -> Analysis {
        let normalized = normalize(text);
        let text = normalized.to_text();
        let words = self.segmenter.words(&text);
        let mut features = Vec::with_capacity(text.len() * 4);
        let mut terms = words.clone();

        match self.locale {
            Locale::ZhCn => {
                let compact: Vec<char> = normalized
                    .chars()
                    .iter()
                    .copied()
                    .filter(|&c| is_word_char(c))
                    .collect();
                char_ngrams(&compact, ZH_CHAR_NGRAMS, &mut features);
                terms.extend(compact.windows(2).map(|w| w.iter().collect::<String>()));
                if self.spoken {
                    let sounds = syllables(&compact);
                    syllable_ngrams(&sounds, &mut features);
                    terms.extend(sounds.windows(2).map(|w| format!("{}_{}", w[0], w[1])));
                }
            }
            Locale::En => {
                for word in &words {
                    let padded: Vec<char> = std::iter::once(' ')
                        .chain(word.chars())
                        .chain([' '])
                        .collect();
                    char_ngrams(&padded, EN_CHAR_NGRAMS, &mut features);
                }
            }
        }
        word_ngrams(&words, &mut features);
        if let Some((matcher, keyword_features)) = &self.keywords {
            for hit in matcher
                .find_overlapping_iter(&text)
                .filter(|hit| stands_alone(&text, hit.start(), hit.end()))
            {
                features.push((keyword_features[hit.pattern().as_usize()], 1.0));
            }
        }
        Analysis {
            normalized,
            words,
            features: merge_counts(features),
            terms,
        }
    }
}

fn char_ngrams(chars: &[char], lengths: std::ops::RangeInclusive<usize>, out: &mut Vec<Feature>) {
    for n in lengths {
        for window in chars.windows(n) {
            let mut hash = FeatureHash::namespace(NS_CHAR);
            window.iter().for_each(|&c| hash.char(c));
            out.push((hash.0, 1.0));
        }
    }
}

/// Each character's pinyin without tone (`吞钞` → `tun`, `chao`); other characters as
/// they are.
fn syllables(chars: &[char]) -> Vec<String> {
    use pinyin::ToPinyin;
    chars
        .iter()
        .map(|&c| {
            c.to_pinyin()
                .map_or_else(|| c.to_string(), |p| p.plain().to_string())
        })
        .collect()
}

fn syllable_ngrams(sounds: &[String], out: &mut Vec<Feature>) {
    for n in PINYIN_NGRAMS {
        for window in sounds.windows(n) {
            let mut hash = FeatureHash::namespace(NS_PINYIN);
            window.iter().for_each(|s| hash.str(s));
            out.push((hash.0, 1.0));
        }
    }
}

fn word_ngrams(words: &[String], out: &mut Vec<Feature>) {
    const EDGE: &str = "\u{2402}";
    for word in words {
        let mut hash = FeatureHash::namespace(NS_WORD);
        hash.str(word);
        out.push((hash.0, 1.0));
    }
    let padded: Vec<&str> = std::iter::once(EDGE)
        .chain(words.iter().map(String::as_str))
        .chain([EDGE])
        .collect();
    for pair in padded.windows(2) {
        let mut hash = FeatureHash::namespace(NS_WORD_PAIR);
        hash.str(pair[0]);
        hash.str(pair[1]);
        out.push((hash.0, 1.0));
    }
}

/// Sorts by hash and adds up the counts of equal hashes.
fn merge_counts(mut features: Vec<Feature>) -> Vec<Feature> {
    features.sort_unstable_by_key(|f| f.0);
    let mut merged: Vec<Feature> = Vec::with_capacity(features.len());
    for (hash, count) in features {
        match merged.last_mut() {
            Some(last) if last.0 == hash => last.1 += count,
            _ => merged.push((hash, count)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyword_of_an_intent_becomes_a_feature() {
        let intent = IntentId::parse("atm_cash_retention").unwrap();
        let with = Analyser::new(Locale::ZhCn, &[], &[("吞钞".into(), intent)]);
        let without = Analyser::new(Locale::ZhCn, &[], &[]);
        let a = with.analyse("ATM吞钞了");
        let b = without.analyse("ATM吞钞了");
        assert_eq!(a.features.len(), b.features.len() + 1);
    }

    #[test]
    fn features_are_unique_and_sorted() {
        let analysis = Analyser::new(Locale::ZhCn, &[], &[]).analyse("钱钱钱钱");
        assert!(analysis.features.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(analysis.features.iter().any(|f| f.1 == 4.0));
    }
}
