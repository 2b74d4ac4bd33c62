//! Cue phrases from the lexicon (threats to go to a regulator, the media or a lawyer;
//! what a complaining customer expects) found in a message.

use std::collections::BTreeSet;

use aho_corasick::AhoCorasick;

use super::boundaries::stands_alone;
use super::normalize::normalize;

/// Finds which kinds of cue a message contains. A phrase counts only where it stands as a
/// word of its own (`sue` is not in `issue`, a hotline number not inside a phone number).
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
        self.found_affirmed(normalized_text, &[])
    }

    /// The kinds of cue in a normalised text that no negator (`不用`, `don't`) directly
    /// precedes.
    pub fn found_affirmed(&self, normalized_text: &str, negators: &[String]) -> BTreeSet<K> {
        let Some(matcher) = &self.matcher else {
            return BTreeSet::new();
        };
        matcher
            .find_overlapping_iter(normalized_text)
            .filter(|m| stands_alone(normalized_text, m.start(), m.end()))
            .filter(|m| {
                let before = normalized_text[..m.start()].trim_end();
                !negators.iter().any(|n| before.ends_with(n.as_str()))
            })
            .map(|m| self.kinds[m.pattern().as_usize()])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hotline_number_inside_a_phone_number_is_not_a_cue() {
        let cues = vec!["12345".to_string()];
        let matcher = CueMatcher::new([(1u8, &cues)]);
        assert!(matcher.found("手机13812345678").is_empty());
        assert_eq!(matcher.found("我要打12345投诉").len(), 1);
    }

    #[test]
    fn a_negated_cue_is_not_meant() {
        let cues = vec!["转人工".to_string()];
        let matcher = CueMatcher::new([(1u8, &cues)]);
        let negators = vec!["不用".to_string()];
        assert!(matcher.found_affirmed("不用转人工了", &negators).is_empty());
        assert_eq!(
            matcher.found_affirmed("理财亏了,转人工", &negators).len(),
            1
        );
    }
}
