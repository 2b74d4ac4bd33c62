//! The figures of an evaluation, computed from (expected, predicted) pairs.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Method;
use crate::domain::Locale;
use crate::nlu::Label;

/// One evaluated example.
pub(crate) struct Outcome {
    pub expected: Label,
    pub predicted: Label,
    pub text: String,
}

/// Precision, recall and F1 of one intent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntentFigures {
    pub intent: String,
    pub support: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// A pair of intents the model mixes up: `count` examples of `expected` were taken for
/// `predicted` (`null` meaning rejected as out of scope).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Confusion {
    pub expected: Option<String>,
    pub predicted: Option<String>,
    pub count: usize,
    /// One of the misread examples, to show what went wrong.
    pub example: String,
}

/// The result of an evaluation of one locale.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalReport {
    pub locale: Locale,
    pub method: Method,
    /// In-scope examples evaluated.
    pub examples: usize,
    pub out_of_scope_examples: usize,
    pub intents: usize,
    /// Share of in-scope examples given their intent (rejections count as errors).
    pub accuracy: f64,
    /// Mean F1 over intents.
    pub macro_f1: f64,
    /// Share of out-of-scope examples rejected; `null` when there were none.
    pub out_of_scope_rejection: Option<f64>,
    /// Share of in-scope examples wrongly rejected as out of scope.
    pub false_rejection: f64,
    pub per_intent: Vec<IntentFigures>,
    /// The most frequent mix-ups, worst first.
    pub confused_pairs: Vec<Confusion>,
    /// Every expected × predicted count, for the heatmap of the HTML report.
    pub matrix: ConfusionMatrix,
    /// The misread examples themselves (at most [`MISREAD_KEPT`]), grouped by intent.
    pub misread: Vec<Misread>,
    pub seconds: f64,
}

/// The full confusion matrix: `counts[e][p]` examples labelled `labels[e]` were read as
/// `labels[p]`. The out-of-scope label, when present, is [`OUT_OF_SCOPE`] and comes last.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConfusionMatrix {
    pub labels: Vec<String>,
    pub counts: Vec<Vec<usize>>,
}

/// The name of the out-of-scope row and column of the matrix.
pub const OUT_OF_SCOPE: &str = "(out of scope)";

/// One example the model got wrong.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Misread {
    pub text: String,
    /// `None`: an out-of-scope example taken for an intent.
    pub expected: Option<String>,
    /// `None`: rejected as out of scope.
    pub predicted: Option<String>,
}

/// How many misread examples a report keeps: enough to review, bounded for huge datasets.
pub const MISREAD_KEPT: usize = 1000;

/// How many confused pairs a report lists.
const CONFUSED_PAIRS_SHOWN: usize = 10;

fn name(label: &Label) -> Option<String> {
    match label {
        Label::Intent(id) => Some(id.to_string()),
        Label::OutOfScope => None,
    }
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

impl EvalReport {
    pub(crate) fn from_outcomes(
        locale: Locale,
        method: Method,
        outcomes: &[Outcome],
        seconds: f64,
    ) -> EvalReport {
        let in_scope: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.expected != Label::OutOfScope)
            .collect();
        let out_of_scope: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.expected == Label::OutOfScope)
            .collect();
        let correct = in_scope
            .iter()
            .filter(|o| o.expected == o.predicted)
            .count();
        let rejected_wrongly = in_scope
            .iter()
            .filter(|o| o.predicted == Label::OutOfScope)
            .count();
        let rejected_rightly = out_of_scope
            .iter()
            .filter(|o| o.predicted == Label::OutOfScope)
            .count();

        let mut counts: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new(); // tp, fp, fn
        for outcome in outcomes {
            if let Some(expected) = name(&outcome.expected) {
                counts.entry(expected).or_default();
            }
        }
        for outcome in outcomes {
            if outcome.expected == outcome.predicted {
                if let Some(intent) = name(&outcome.expected) {
                    counts.entry(intent).or_default().0 += 1;
                }
                continue;
            }
            if let Some(predicted) = name(&outcome.predicted) {
                counts.entry(predicted).or_default().1 += 1;
            }
            if let Some(expected) = name(&outcome.expected) {
                counts.entry(expected).or_default().2 += 1;
            }
        }
        let per_intent: Vec<IntentFigures> = counts
            .into_iter()
            .map(|(intent, (tp, fp, fn_))| {
                let precision = ratio(tp, tp + fp);
                let recall = ratio(tp, tp + fn_);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                IntentFigures {
                    intent,
                    support: tp + fn_,
                    precision,
                    recall,
                    f1,
                }
            })
            .collect();
        let with_support: Vec<&IntentFigures> =
            per_intent.iter().filter(|f| f.support > 0).collect();
        let macro_f1 =
            with_support.iter().map(|f| f.f1).sum::<f64>() / with_support.len().max(1) as f64;

        let mut pairs: BTreeMap<(Option<String>, Option<String>), (usize, String)> =
            BTreeMap::new();
        for outcome in outcomes.iter().filter(|o| o.expected != o.predicted) {
            let entry = pairs
                .entry((name(&outcome.expected), name(&outcome.predicted)))
                .or_insert_with(|| (0, outcome.text.clone()));
            entry.0 += 1;
        }
        let mut confused_pairs: Vec<Confusion> = pairs
            .into_iter()
            .map(|((expected, predicted), (count, example))| Confusion {
                expected,
                predicted,
                count,
                example,
            })
            .collect();
        confused_pairs.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.expected.cmp(&b.expected))
        });
        confused_pairs.truncate(CONFUSED_PAIRS_SHOWN);

        let mut misread: Vec<Misread> = outcomes
            .iter()
            .filter(|o| o.expected != o.predicted)
            .map(|o| Misread {
                text: o.text.clone(),
                expected: name(&o.expected),
                predicted: name(&o.predicted),
            })
            .collect();
        misread.sort_by(|a, b| {
            (a.expected.is_none(), &a.expected, &a.predicted).cmp(&(
                b.expected.is_none(),
                &b.expected,
                &b.predicted,
            ))
        });
        misread.truncate(MISREAD_KEPT);

        EvalReport {
            locale,
            method,
            examples: in_scope.len(),
            out_of_scope_examples: out_of_scope.len(),
            intents: with_support.len(),
            accuracy: ratio(correct, in_scope.len()),
            macro_f1,
            out_of_scope_rejection: (!out_of_scope.is_empty())
                .then(|| ratio(rejected_rightly, out_of_scope.len())),
            false_rejection: ratio(rejected_wrongly, in_scope.len()),
            per_intent,
            confused_pairs,
            matrix: ConfusionMatrix::of(outcomes),
            misread,
            seconds,
        }
    }
}

impl ConfusionMatrix {
    fn of(outcomes: &[Outcome]) -> ConfusionMatrix {
        let label = |l: &Label| name(l).unwrap_or_else(|| OUT_OF_SCOPE.to_string());
        let mut intents: Vec<String> = outcomes
            .iter()
            .flat_map(|o| [&o.expected, &o.predicted])
            .filter_map(name)
            .collect();
        intents.sort();
        intents.dedup();
        if outcomes
            .iter()
            .any(|o| o.expected == Label::OutOfScope || o.predicted == Label::OutOfScope)
        {
            intents.push(OUT_OF_SCOPE.to_string());
        }
        let index: BTreeMap<&str, usize> = intents
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i))
            .collect();
        let mut counts = vec![vec![0; intents.len()]; intents.len()];
        for outcome in outcomes {
            let row = index[label(&outcome.expected).as_str()];
            let column = index[label(&outcome.predicted).as_str()];
            counts[row][column] += 1;
        }
        ConfusionMatrix {
            labels: intents,
            counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IntentId;

    fn intent(id: &str) -> Label {
        Label::Intent(IntentId::parse(id).unwrap())
    }

    fn outcome(expected: Label, predicted: Label) -> Outcome {
        Outcome {
            expected,
            predicted,
            text: "t".into(),
        }
    }

    #[test]
    fn figures_follow_their_definitions() {
        let outcomes = vec![
            outcome(intent("a"), intent("a")),
            outcome(intent("a"), intent("b")),
            outcome(intent("b"), intent("b")),
            outcome(intent("b"), Label::OutOfScope),
            outcome(Label::OutOfScope, Label::OutOfScope),
            outcome(Label::OutOfScope, intent("a")),
        ];
        let report = EvalReport::from_outcomes(
            Locale::En,
            Method::CrossValidation { folds: 2 },
            &outcomes,
            0.0,
        );
        assert_eq!(report.accuracy, 0.5);
        assert_eq!(report.out_of_scope_rejection, Some(0.5));
        assert_eq!(report.false_rejection, 0.25);
        // a: tp 1, fp 1 (the out-of-scope example), fn 1 → F1 0.5; b: tp 1, fp 1, fn 1 → 0.5.
        assert!((report.macro_f1 - 0.5).abs() < 1e-9);
        assert_eq!(report.confused_pairs.len(), 3);
        assert_eq!(report.matrix.labels, ["a", "b", OUT_OF_SCOPE]);
        assert_eq!(
            report.matrix.counts,
            vec![vec![1, 1, 0], vec![0, 1, 1], vec![1, 0, 1]]
        );
        assert_eq!(report.misread.len(), 3);
        assert_eq!(report.misread[0].expected.as_deref(), Some("a"));
        assert_eq!(report.misread[2].expected, None, "out-of-scope rows last");
    }
}
