//! Cue phrases from the lexicon (threats to go to a regulator, the media or a lawyer;
//! what a complaining customer expects) found in a message.

use std::collections::BTreeSet;

use aho_corasick::AhoCorasick;

use super::normalize::normalize;

/// Finds which kinds of cue a message contains.
pub struct CueMatcher<K> {
    matcher: Option<AhoCorasick>,
    kinds: Vec<K>,
}

impl<K: Copy + Ord> CueMatcher<K> {
    pub fn new<'a>(cues: impl IntoIterator<Item = (K, &'a Vec<String>)>) -> CueMatcher<K> {
        let mut patterns = Vec::new();
        let mut kinds = Vec::new();
        for (kind, phrases) in cues {
            for phrase in phrases {
                let phrase = normalize(phrase).to_text();
                if !phrase.trim().is_empty() {
                    patterns.push(phrase);
                    kinds.push(kind);
                }
            }
        }
        let matcher = (!patterns.is_empty())
            .then(|| AhoCorasick::new(&patterns).ok())
            .flatten();
        CueMatcher { matcher, kinds }
    }

    /// The kinds of cue in a normalised text.
    pub fn found(&self, normalized_text: &str) -> BTreeSet<K> {
        let Some(matcher) = &self.matcher else {
            return BTreeSet::new();
        };
        matcher
            .find_overlapping_iter(normalized_text)
            .map(|m| self.kinds[m.pattern().as_usize()])
            .collect()
    }
}
