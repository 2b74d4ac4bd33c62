//! Examples of one intent that say the same thing: they add nothing for the model and
//! hide how few different ways of asking the intent really has.

use std::collections::BTreeSet;

use super::source::Files;
use super::{Finding, Severity};
use crate::content::LocaleContent;

/// Character-bigram overlap above which two examples count as nearly the same.
const NEAR_DUPLICATE_SIMILARITY: f64 = 0.9;

/// What an example says once case, spaces and punctuation are set aside.
fn normalised(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn bigrams(text: &str) -> BTreeSet<(char, char)> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

fn similarity(a: &BTreeSet<(char, char)>, b: &BTreeSet<(char, char)>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

pub fn near_duplicates(files: &Files, content: &LocaleContent) -> Vec<Finding> {
    let mut findings = Vec::new();
    for intent in &content.intents {
        let path = files.intent(&intent.id);
        let prepared: Vec<(String, BTreeSet<(char, char)>)> = intent
            .examples
            .iter()
            .map(|e| {
                let n = normalised(&e.text);
                let b = bigrams(&n);
                (n, b)
            })
            .collect();
        for (i, example) in intent.examples.iter().enumerate() {
            let earlier = (0..i).find_map(|j| {
                let (a, b) = (&prepared[i], &prepared[j]);
                if a.0 == b.0 {
                    Some((j, "differs only in case, spaces or punctuation".to_string()))
                } else if a.0.chars().count() >= 6 {
                    let alike = similarity(&a.1, &b.1);
                    (alike >= NEAR_DUPLICATE_SIMILARITY)
                        .then(|| (j, format!("{:.0}% alike", alike * 100.0)))
                } else {
                    None
                }
            });
            if let Some((j, how)) = earlier {
                findings.push(Finding::new(
                    &path,
                    (example.line, 1),
                    Severity::Warning,
                    format!(
                        "example `{}` nearly repeats line {} `{}` ({how})",
                        example.text, intent.examples[j].line, intent.examples[j].text
                    ),
                ));
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_and_case_do_not_make_an_example_new() {
        assert_eq!(normalised("ATM 吞了我的卡!"), normalised("atm吞了我的卡"));
        let a = bigrams(&normalised("我的银行卡被ATM吞了怎么办"));
        let b = bigrams(&normalised("我的银行卡被ATM吞了怎么办呢"));
        assert!(similarity(&a, &b) >= NEAR_DUPLICATE_SIMILARITY);
        let c = bigrams(&normalised("信用卡怎么还款"));
        assert!(similarity(&a, &c) < 0.2);
    }
}
