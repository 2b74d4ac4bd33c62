//! The intent model of one locale: a linear SVM and a BM25 example index, trained on the
//! content's examples at start-up, whose scores are combined into calibrated confidences.
//!
//! Calibration: the SVM's margins go through a softmax with a temperature, the nearest
//! examples give a second distribution, and the two are mixed. The temperature, the
//! sharpness of the nearest-example distribution and the mixing weight are chosen by
//! internal cross-validation: the setting that decides held-out examples best at the
//! content's out-of-scope threshold, and among those the one with the lowest log-loss.

mod snapshot;

use rayon::prelude::*;

use super::features::{Analyser, Analysis};
use super::folds::stratified_folds;
use super::retrieval::{ExampleIndex, Hit};
use super::svm::{LinearSvm, SvmSettings};
use super::vectorize::Vectorizer;
use crate::domain::IntentId;

pub use snapshot::{ModelSnapshot, RestoreError};

/// What an example is labelled with.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    Intent(IntentId),
    /// Not banking: used to learn what to reject.
    OutOfScope,
}

/// A training example.
#[derive(Clone, Debug)]
pub struct LabelledText {
    pub text: String,
    pub label: Label,
}

/// How many nearest examples vote.
const NEAREST: usize = 10;
/// Folds of the internal cross-validation that calibrates confidences.
const CALIBRATION_FOLDS: usize = 3;
const TEMPERATURES: [f32; 12] = [
    1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 13.0, 16.0, 20.0, 25.0,
];
const SHARPNESSES: [f32; 5] = [2.0, 4.0, 8.0, 16.0, 32.0];
/// The nearest examples always keep some say: the linear model alone is overconfident on
/// phrasings close to one example of another intent.
const SVM_WEIGHTS: [f32; 7] = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/// The calibration parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    pub temperature: f32,
    pub sharpness: f32,
    pub svm_weight: f32,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration {
            temperature: 5.0,
            sharpness: 8.0,
            svm_weight: 0.7,
        }
    }
}

/// The model's verdict on one message.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranking {
    /// In-scope intents with their confidence, best first (all of them).
    pub intents: Vec<(IntentId, f32)>,
    /// The probability that the message is not banking at all.
    pub out_of_scope: f32,
    /// Below this, the best intent is not trusted.
    pub threshold: f32,
}

impl Ranking {
    /// The recognised intent, if any: confident enough, and more likely than "not banking".
    pub fn best(&self) -> Option<(&IntentId, f32)> {
        self.intents
            .first()
            .filter(|(_, p)| *p >= self.threshold && *p > self.out_of_scope)
            .map(|(id, p)| (id, *p))
    }
}

/// The vectorizer, linear model and example index fitted on one training set.
struct Fitted {
    vectorizer: Vectorizer,
    svm: LinearSvm,
    index: ExampleIndex,
}

impl Fitted {
    fn fit(
        analyses: &[&Analysis],
        classes: &[u32],
        n_classes: usize,
    ) -> Result<Fitted, tantivy::TantivyError> {
        let vectorizer = Vectorizer::fit(analyses.iter().map(|a| a.features.as_slice()));
        let xs: Vec<_> = analyses
            .par_iter()
            .map(|a| vectorizer.transform(&a.features))
            .collect();
        let svm = LinearSvm::train(
            &xs,
            classes,
            n_classes,
            vectorizer.len(),
            SvmSettings::default(),
        );
        let index = ExampleIndex::build(
            analyses
                .iter()
                .map(|a| a.terms.as_slice())
                .zip(classes.iter().copied()),
        )?;
        Ok(Fitted {
            vectorizer,
            svm,
            index,
        })
    }

    fn raw_scores(&self, analysis: &Analysis) -> (Vec<f32>, Vec<Hit>) {
        let x = self.vectorizer.transform(&analysis.features);
        (
            self.svm.margins(&x),
            self.index.nearest(&analysis.terms, NEAREST),
        )
    }
}

/// The trained intent model of one locale.
pub struct IntentModel {
    /// Class `i < intents.len()` is `intents[i]`; class `intents.len()`, if trained, is
    /// "out of scope".
    intents: Vec<IntentId>,
    has_out_of_scope: bool,
    fitted: Fitted,
    calibration: Calibration,
    threshold: f32,
}

/// Why a model could not be trained.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("no training examples")]
    NoExamples,
    #[error("building the example index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
}

impl IntentModel {
    /// Trains on labelled texts; confidences under `threshold` are not trusted.
    pub fn train(
        analyser: &Analyser,
        examples: &[LabelledText],
        threshold: f32,
    ) -> Result<IntentModel, TrainError> {
        let analyses: Vec<Analysis> = examples
            .par_iter()
            .map(|e| analyser.analyse(&e.text))
            .collect();
        let pairs: Vec<(&Analysis, &Label)> = analyses
            .iter()
            .zip(examples.iter().map(|e| &e.label))
            .collect();
        Self::train_analysed(&pairs, threshold)
    }

    /// Trains on examples already analysed (cross-validation analyses each example once).
    pub fn train_analysed(
        examples: &[(&Analysis, &Label)],
        threshold: f32,
    ) -> Result<IntentModel, TrainError> {
        if examples.is_empty() {
            return Err(TrainError::NoExamples);
        }
        let labels: Vec<&Label> = examples.iter().map(|(_, label)| *label).collect();
        let (intents, has_out_of_scope, classes) = classes_of(&labels);
        let n_classes = intents.len() + usize::from(has_out_of_scope);
        let all: Vec<&Analysis> = examples.iter().map(|(analysis, _)| *analysis).collect();
        let out_of_scope = has_out_of_scope.then_some(intents.len() as u32);
        let calibration = calibrate(&all, &classes, n_classes, out_of_scope, threshold)?;
        let fitted = Fitted::fit(&all, &classes, n_classes)?;
        Ok(IntentModel {
            intents,
            has_out_of_scope,
            fitted,
            calibration,
            threshold,
        })
    }

    pub fn calibration(&self) -> Calibration {
        self.calibration
    }

    pub fn intents(&self) -> &[IntentId] {
        &self.intents
    }

    /// Every class's confidence for an analysed message, in class order.
    fn probabilities(&self, analysis: &Analysis) -> Vec<f32> {
        let (margins, hits) = self.fitted.raw_scores(analysis);
        combine(&margins, &hits, self.calibration)
    }

    /// Ranks every intent for an analysed message.
    pub fn rank(&self, analysis: &Analysis) -> Ranking {
        let probabilities = self.probabilities(analysis);
        let out_of_scope = if self.has_out_of_scope {
            probabilities[self.intents.len()]
        } else {
            0.0
        };
        let mut intents: Vec<(IntentId, f32)> = self
            .intents
            .iter()
            .cloned()
            .zip(probabilities.iter().copied())
            .collect();
        intents.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ranking {
            intents,
            out_of_scope,
            threshold: self.threshold,
        }
    }
}

/// The classes of labelled examples: the intents in order (class `i` is `intents[i]`),
/// whether there is an out-of-scope class (the last), and each example's class.
fn classes_of(labels: &[&Label]) -> (Vec<IntentId>, bool, Vec<u32>) {
    let mut intents: Vec<IntentId> = labels
        .iter()
        .filter_map(|label| match label {
            Label::Intent(id) => Some(id.clone()),
            Label::OutOfScope => None,
        })
        .collect();
    intents.sort();
    intents.dedup();
    let has_out_of_scope = labels.iter().any(|label| **label == Label::OutOfScope);
    let classes = labels
        .iter()
        .map(|label| match label {
            Label::Intent(id) => intents.binary_search(id).unwrap_or_default() as u32,
            Label::OutOfScope => intents.len() as u32,
        })
        .collect();
    (intents, has_out_of_scope, classes)
}

fn softmax(scores: &[f32], temperature: f32) -> Vec<f32> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = scores
        .iter()
        .map(|s| ((s - max) * temperature).exp())
        .collect();
    let sum: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

/// The nearest examples' distribution over classes: each class scores by its best hit
/// relative to the best hit overall; classes without a hit share the floor.
fn nearest_distribution(hits: &[Hit], n_classes: usize, sharpness: f32) -> Vec<f32> {
    let Some(top) = hits.first().map(|h| h.score).filter(|&s| s > 0.0) else {
        return vec![1.0 / n_classes as f32; n_classes];
    };
    let mut best = vec![0f32; n_classes];
    for hit in hits {
        let relative = hit.score / top;
        let slot = &mut best[hit.class as usize];
        *slot = slot.max(relative);
    }
    let weights: Vec<f32> = best
        .iter()
        .map(|&r| (sharpness * (r - 1.0)).exp())
        .collect();
    let sum: f32 = weights.iter().sum();
    weights.into_iter().map(|w| w / sum).collect()
}

fn combine(margins: &[f32], hits: &[Hit], c: Calibration) -> Vec<f32> {
    let svm = softmax(margins, c.temperature);
    let nearest = nearest_distribution(hits, margins.len(), c.sharpness);
    svm.iter()
        .zip(&nearest)
        .map(|(s, n)| c.svm_weight * s + (1.0 - c.svm_weight) * n)
        .collect()
}

/// How good a calibration is on held-out examples.
struct Objective {
    /// Rejects at least [`OUT_OF_SCOPE_FLOOR`] of the non-banking messages.
    rejects_enough: bool,
    /// In-scope messages given their right intent (plus the rejection rate when the
    /// floor is not reached, so that the closest setting wins).
    accuracy: f32,
    loss: f32,
}

/// Non-banking messages that must be rejected: answering "what's the weather" with a
/// banking reply is worse than asking a customer to rephrase.
const OUT_OF_SCOPE_FLOOR: f32 = 0.91;

/// Chooses the calibration under which held-out examples are decided best at the
/// content's `threshold`: enough non-banking messages rejected, then as many in-scope
/// messages understood as possible; log-loss breaks ties, so that among equally good
/// decisions the most honest confidences win.
fn calibrate(
    analyses: &[&Analysis],
    classes: &[u32],
    n_classes: usize,
    out_of_scope: Option<u32>,
    threshold: f32,
) -> Result<Calibration, TrainError> {
    let smallest_class = (0..n_classes as u32)
        .map(|c| classes.iter().filter(|&&x| x == c).count())
        .min()
        .unwrap_or(0);
    if n_classes < 2 || smallest_class < 2 {
        return Ok(Calibration::default());
    }
    let folds = stratified_folds(classes, CALIBRATION_FOLDS, 11);
    // (true class, margins, hits) of every held-out example.
    let mut held_out: Vec<(u32, Vec<f32>, Vec<Hit>)> = Vec::with_capacity(classes.len());
    for fold in 0..CALIBRATION_FOLDS {
        let train: Vec<usize> = (0..classes.len()).filter(|&i| folds[i] != fold).collect();
        let train_analyses: Vec<&Analysis> = train.iter().map(|&i| analyses[i]).collect();
        let train_classes: Vec<u32> = train.iter().map(|&i| classes[i]).collect();
        let fitted = Fitted::fit(&train_analyses, &train_classes, n_classes)?;
        let test: Vec<usize> = (0..classes.len()).filter(|&i| folds[i] == fold).collect();
        held_out.par_extend(test.par_iter().map(|&i| {
            let (margins, hits) = fitted.raw_scores(analyses[i]);
            (classes[i], margins, hits)
        }));
    }
    let svm: Vec<Vec<Vec<f32>>> = TEMPERATURES
        .iter()
        .map(|&t| held_out.iter().map(|(_, m, _)| softmax(m, t)).collect())
        .collect();
    let nearest: Vec<Vec<Vec<f32>>> = SHARPNESSES
        .iter()
        .map(|&s| {
            held_out
                .iter()
                .map(|(_, _, h)| nearest_distribution(h, n_classes, s))
                .collect()
        })
        .collect();
    let combos: Vec<(usize, usize, f32)> = (0..TEMPERATURES.len())
        .flat_map(|t| {
            (0..SHARPNESSES.len()).flat_map(move |s| SVM_WEIGHTS.iter().map(move |&w| (t, s, w)))
        })
        .collect();
    let in_scope_total = held_out
        .iter()
        .filter(|(t, _, _)| Some(*t) != out_of_scope)
        .count()
        .max(1) as f32;
    let out_of_scope_total = held_out
        .iter()
        .filter(|(t, _, _)| Some(*t) == out_of_scope)
        .count();
    let scored: Vec<(Objective, Calibration)> = combos
        .par_iter()
        .map(|&(ti, si, svm_weight)| {
            let (mut understood, mut rejected) = (0usize, 0usize);
            let mut loss = 0f32;
            let mut mixed = vec![0f32; n_classes];
            for (i, (truth, _, _)) in held_out.iter().enumerate() {
                for (c, slot) in mixed.iter_mut().enumerate() {
                    *slot = svm_weight * svm[ti][i][c] + (1.0 - svm_weight) * nearest[si][i][c];
                }
                loss -= mixed[*truth as usize].max(1e-6).ln();
                let decision = decide(&mixed, out_of_scope, threshold);
                if Some(*truth) == out_of_scope {
                    rejected += usize::from(decision.is_none());
                } else if decision == Some(*truth) {
                    understood += 1;
                }
            }
            let rejection = if out_of_scope_total == 0 {
                1.0
            } else {
                rejected as f32 / out_of_scope_total as f32
            };
            let objective = Objective {
                rejects_enough: rejection >= OUT_OF_SCOPE_FLOOR,
                accuracy: understood as f32 / in_scope_total
                    + if rejection >= OUT_OF_SCOPE_FLOOR {
                        0.0
                    } else {
                        rejection
                    },
                loss,
            };
            (
                objective,
                Calibration {
                    temperature: TEMPERATURES[ti],
                    sharpness: SHARPNESSES[si],
                    svm_weight,
                },
            )
        })
        .collect();
    let best = scored
        .into_iter()
        .max_by(|(a, _), (b, _)| {
            a.rejects_enough
                .cmp(&b.rejects_enough)
                .then(a.accuracy.total_cmp(&b.accuracy))
                .then(b.loss.total_cmp(&a.loss))
        })
        .map(|(_, c)| c)
        .unwrap_or_default();
    Ok(best)
}

/// The class accepted for a distribution, as [`Ranking::best`] decides: the best in-scope
/// class if it reaches `threshold` and beats "not banking"; `None` is a rejection.
fn decide(probabilities: &[f32], out_of_scope: Option<u32>, threshold: f32) -> Option<u32> {
    let oos = out_of_scope.map_or(0.0, |c| probabilities[c as usize]);
    probabilities
        .iter()
        .enumerate()
        .filter(|(c, _)| Some(*c as u32) != out_of_scope)
        .max_by(|a, b| a.1.total_cmp(b.1))
        .filter(|(_, p)| **p >= threshold && **p > oos)
        .map(|(c, _)| c as u32)
}
