//! The words behind emotion, risk and expectation detection (`intents/<locale>/_lexicon.yaml`).
//! Content staff tune these; the matcher only knows how to count them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{ContentError, ContentErrors};
use crate::domain::{EmotionLabel, Expectation};

/// The kinds of threat that send a complaint to a human with high priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskKind {
    /// Regulators: 监管, 金融监管局, 12378 …
    Regulator,
    /// Media and social media: 记者, 曝光, 微博 …
    Media,
    /// Lawyers and courts: 律师, 起诉, 法院 …
    Legal,
}

/// The lexicon of one locale.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lexicon {
    /// Emotion words with their weight (1 = a clear sign, 0.5 = a mild one).
    pub emotion: BTreeMap<EmotionLabel, Vec<(String, f32)>>,
    /// Words that strengthen the emotion word after them (`非常`), with a multiplier.
    pub intensifiers: Vec<(String, f32)>,
    /// Words that cancel the emotion word right after them (`不`).
    pub negators: Vec<String>,
    pub risk: BTreeMap<RiskKind, Vec<String>>,
    pub expectations: BTreeMap<Expectation, Vec<String>>,
    /// Endings that make a place name a bank location (`支行`, `网点`).
    pub location_suffixes: Vec<String>,
    /// Words that start a new demand within one message (`而且`, `另外`, `also`).
    pub clause_breaks: Vec<String>,
    /// Phrases that make a clause about a problem that is not one (any more): settled
    /// (`已经退回来了`), denied (`没被吞`, `不是要挂失`). Such a clause opens no demand.
    pub settled: Vec<String>,
    /// Words that introduce a free-text answer (`产品名字是`, `it's called`): taken off the
    /// front of the answer, so the slot holds the name alone and the restatement does not
    /// read “您购买的“产品名字是稳盈”…”.
    pub answer_lead_ins: Vec<String>,
    /// The cities the bank serves (`杭州`, `Shanghai`): a turn that names one is counted
    /// for it too, so that a surge of complaints in one city is seen as such.
    pub cities: Vec<String>,
    /// The same, lower-cased once (`city_in` runs on every turn).
    cities_lowercase: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    #[serde(default)]
    emotion: BTreeMap<EmotionLabel, Spanned<BTreeMap<String, f32>>>,
    intensifiers: Option<Spanned<BTreeMap<String, f32>>>,
    #[serde(default)]
    negators: Vec<String>,
    #[serde(default)]
    risk: BTreeMap<RiskKind, Vec<String>>,
    #[serde(default)]
    expectations: BTreeMap<Expectation, Vec<String>>,
    #[serde(default)]
    location_suffixes: Vec<String>,
    #[serde(default)]
    clause_breaks: Vec<String>,
    #[serde(default)]
    settled: Vec<String>,
    #[serde(default)]
    answer_lead_ins: Vec<String>,
    #[serde(default)]
    cities: Vec<String>,
}

impl Lexicon {
    pub fn parse(path: &Path, source: &str) -> Result<Lexicon, ContentErrors> {
        let file: LexiconFile = serde_saphyr::from_str(source)
            .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
        let mut errors = ContentErrors::default();
        let mut emotion = BTreeMap::new();
        for (label, words) in file.emotion {
            let line = words.referenced.line() as usize;
            if label == EmotionLabel::Neutral {
                errors.push(ContentError::new(
                    path,
                    line,
                    "`neutral` is the absence of emotion words: list none for it",
                ));
                continue;
            }
            for (word, weight) in &words.value {
                if !(*weight > 0.0 && *weight <= 3.0) {
                    errors.push(ContentError::new(
                        path,
                        line,
                        format!("weight {weight} of `{word}` must be above 0 and at most 3"),
                    ));
                }
            }
            emotion.insert(label, nonempty_words(words.value));
        }
        let intensifiers_line = file
            .intensifiers
            .as_ref()
            .map_or(1, |i| i.referenced.line() as usize);
        let intensifiers = file.intensifiers.map(|i| i.value).unwrap_or_default();
        for (word, factor) in &intensifiers {
            if !(*factor >= 1.0 && *factor <= 3.0) {
                errors.push(ContentError::new(
                    path,
                    intensifiers_line,
                    format!("intensifier `{word}` has factor {factor}: use 1 to 3"),
                ));
            }
        }
        let lexicon = Lexicon {
            emotion,
            intensifiers: nonempty_words(intensifiers),
            negators: file.negators,
            risk: file.risk,
            expectations: file.expectations,
            location_suffixes: file.location_suffixes,
            clause_breaks: file.clause_breaks,
            settled: file.settled,
            answer_lead_ins: file.answer_lead_ins,
            cities_lowercase: nonempty(file.cities.clone())
                .iter()
                .map(|c| c.to_lowercase())
                .collect(),
            cities: nonempty(file.cities),
        };
        errors.into_result(lexicon)
    }
}

/// The words without blank ones (a stray `""` would name every message's city).
fn nonempty(words: Vec<String>) -> Vec<String> {
    words.into_iter().filter(|w| !w.trim().is_empty()).collect()
}

impl Lexicon {
    /// The first of the content's cities that one of `texts` names (ASCII case ignored),
    /// the longest name winning where one contains another (`南京` in `南京市`).
    pub fn city_in<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Option<&str> {
        let texts: Vec<String> = texts.into_iter().map(str::to_lowercase).collect();
        self.cities
            .iter()
            .zip(&self.cities_lowercase)
            .filter(|(_, city)| texts.iter().any(|t| t.contains(city.as_str())))
            .max_by_key(|(city, _)| city.chars().count())
            .map(|(city, _)| city.as_str())
    }

    /// A free-text answer without the words that introduce it (the longest lead-in that
    /// starts it, ASCII case ignored), or the answer itself when nothing would be left.
    pub fn without_lead_in<'t>(&self, answer: &'t str) -> &'t str {
        let answer = answer.trim();
        let lead = self
            .answer_lead_ins
            .iter()
            .filter(|l| {
                answer
                    .get(..l.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(l))
            })
            .max_by_key(|l| l.len());
        match lead {
            Some(l) => {
                let rest = answer[l.len()..].trim_start_matches([' ', ':', ':', ',', ',']);
                if rest.trim().is_empty() {
                    answer
                } else {
                    rest.trim()
                }
            }
            None => answer,
        }
    }
}

fn nonempty_words(words: BTreeMap<String, f32>) -> Vec<(String, f32)> {
    words
        .into_iter()
        .filter(|(w, _)| !w.trim().is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon(lead_ins: &[&str]) -> Lexicon {
        let source = format!("answer_lead_ins: [{}]\n", lead_ins.join(", "));
        Lexicon::parse(Path::new("_lexicon.yaml"), &source).unwrap()
    }

    #[test]
    fn an_answer_loses_the_longest_lead_in_and_keeps_the_name() {
        let l = lexicon(&["名字是", "产品名字是", "it's called"]);
        assert_eq!(l.without_lead_in("产品名字是稳盈半年定开"), "稳盈半年定开");
        assert_eq!(l.without_lead_in("名字是:稳盈"), "稳盈");
        assert_eq!(
            l.without_lead_in("It's called Steady Growth"),
            "Steady Growth"
        );
        assert_eq!(l.without_lead_in("稳盈半年定开"), "稳盈半年定开");
    }

    #[test]
    fn a_lead_in_alone_is_kept_whole() {
        let l = lexicon(&["名字是"]);
        assert_eq!(l.without_lead_in("名字是"), "名字是");
    }

    #[test]
    fn a_message_is_counted_for_the_city_it_names() {
        let source = "cities: [南京, 杭州, Shanghai, \"\"]\n";
        let l = Lexicon::parse(Path::new("_lexicon.yaml"), source).unwrap();
        assert_eq!(l.city_in(["杭州西湖边的ATM吞了我的卡"]), Some("杭州"));
        assert_eq!(
            l.city_in(["", "the ATM in shanghai ate my card"]),
            Some("Shanghai")
        );
        assert_eq!(
            l.city_in(["ATM吞了我的卡"]),
            None,
            "no city named, and a blank one is no city"
        );
    }
}
