//! How the customer feels, from the content's emotion lexicon: emotion words with
//! weights, intensifiers before them (`非常生气`), negators that cancel them (`不着急`),
//! and exclamation or question marks that raise the intensity.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

use super::boundaries::stands_alone;
use super::normalize::normalize;
use crate::content::Lexicon;
use crate::domain::EmotionLabel;

/// An emotion with its intensity in [0, 1].
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Emotion {
    pub label: EmotionLabel,
    pub intensity: f32,
}

/// How far back (in characters) an intensifier or negator still applies.
const INTENSIFIER_REACH: usize = 3;
const NEGATOR_REACH: usize = 1;
/// What each `!` adds to the strongest feeling, up to `MAX_MARKS` of them.
const EXCLAMATION_BOOST: f32 = 0.25;
const MAX_MARKS: usize = 4;
/// Repeated `!` or `?` without any emotion word still say something.
const BARE_MARKS_SCORE: f32 = 0.35;

pub struct EmotionDetector {
    words: Option<AhoCorasick>,
    word_labels: Vec<(EmotionLabel, f32)>,
    intensifiers: Vec<(Vec<char>, f32)>,
    negators: Vec<Vec<char>>,
}

impl EmotionDetector {
    pub fn new(lexicon: &Lexicon) -> EmotionDetector {
        let mut patterns = Vec::new();
        let mut word_labels = Vec::new();
        for (label, words) in &lexicon.emotion {
            for (word, weight) in words {
                patterns.push(normalize(word).to_text());
                word_labels.push((*label, *weight));
            }
        }
        let words = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .ok()
            .filter(|_| !patterns.is_empty());
        EmotionDetector {
            words,
            word_labels,
            intensifiers: lexicon
                .intensifiers
                .iter()
                .map(|(w, f)| (normalize(w).chars().to_vec(), *f))
                .collect(),
            negators: lexicon
                .negators
                .iter()
                .map(|w| normalize(w).chars().to_vec())
                .collect(),
        }
    }

    /// The emotion of a normalised message.
    pub fn detect(&self, chars: &[char]) -> Emotion {
        let text: String = chars.iter().collect();
        let mut scores = [0f32; EmotionLabel::CUED.len()];
        if let Some(words) = &self.words {
            for hit in words
                .find_iter(&text)
                .filter(|hit| stands_alone(&text, hit.start(), hit.end()))
            {
                let start = text[..hit.start()].chars().count();
                if self.negated(chars, start) {
                    continue;
                }
                let (label, weight) = self.word_labels[hit.pattern().as_usize()];
                let slot = EmotionLabel::CUED
                    .iter()
                    .position(|l| *l == label)
                    .unwrap_or(0);
                scores[slot] += weight * self.intensity_before(chars, start);
            }
        }
        let exclamations = chars.iter().filter(|&&c| c == '!').count().min(MAX_MARKS);
        let questions = chars.iter().filter(|&&c| c == '?').count();
        let (best, score) = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, s)| (EmotionLabel::CUED[i], *s))
            .unwrap_or_default();
        let (label, score) = if score > 0.0 {
            let boost = if matches!(best, EmotionLabel::Angry | EmotionLabel::Anxious) {
                EXCLAMATION_BOOST * exclamations as f32
            } else {
                0.0
            };
            (best, score + boost)
        } else if exclamations >= 2 {
            (EmotionLabel::Angry, BARE_MARKS_SCORE)
        } else if questions >= 2 {
            (EmotionLabel::Anxious, BARE_MARKS_SCORE)
        } else {
            return Emotion::default();
        };
        let intensity = 1.0 - (-score).exp();
        Emotion {
            label,
            intensity: (intensity * 100.0).round() / 100.0,
        }
    }

    fn ends_within(chars: &[char], word: &[char], before: usize, reach: usize) -> bool {
        (0..=reach).any(|gap| {
            let end = before.saturating_sub(gap);
            end >= word.len() && chars[end - word.len()..end] == *word
        })
    }

    fn negated(&self, chars: &[char], start: usize) -> bool {
        self.negators
            .iter()
            .any(|n| !n.is_empty() && Self::ends_within(chars, n, start, NEGATOR_REACH))
    }

    fn intensity_before(&self, chars: &[char], start: usize) -> f32 {
        self.intensifiers
            .iter()
            .filter(|(w, _)| !w.is_empty() && Self::ends_within(chars, w, start, INTENSIFIER_REACH))
            .map(|(_, f)| *f)
            .fold(1.0, f32::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> EmotionDetector {
        let lexicon = Lexicon::parse(
            std::path::Path::new("_lexicon.yaml"),
            "emotion:\n  angry: {生气: 1, 气死了: 1, 不满意: 1}\n  anxious: {着急: 1}\n  satisfied: {满意: 1}\nintensifiers: {非常: 1.5}\nnegators: [不, 别]\n",
        )
        .unwrap();
        EmotionDetector::new(&lexicon)
    }

    fn detect(text: &str) -> Emotion {
        detector().detect(normalize(text).chars())
    }

    #[test]
    fn intensifiers_and_exclamations_raise_intensity() {
        let calm = detect("我很生气");
        let strong = detect("我非常生气!!!");
        assert_eq!(calm.label, EmotionLabel::Angry);
        assert!(strong.intensity > calm.intensity, "{strong:?} vs {calm:?}");
    }

    #[test]
    fn a_negated_word_does_not_count_but_a_listed_negative_phrase_does() {
        assert_eq!(detect("我不着急").label, EmotionLabel::Neutral);
        assert_eq!(detect("我不满意").label, EmotionLabel::Angry);
    }

    #[test]
    fn a_plain_question_is_neutral() {
        assert_eq!(detect("定期利率多少?"), Emotion::default());
    }
}
