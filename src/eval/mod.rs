//! Measuring understanding: stratified k-fold cross-validation over the bundled content,
//! or train-on-A / test-on-B for any labelled dataset (`text,category` CSV). The figures
//! are the ones content leads and integrators ask for: accuracy, macro-F1, how much of
//! what is not banking is rejected, and which intents get confused.

mod compare;
mod dataset;
mod demands;
mod faq;
mod html;
mod metrics;
mod report;

use std::time::Instant;

use rayon::prelude::*;

use crate::content::LocaleContent;
use crate::domain::{IntentId, Locale};
use crate::nlu::{self, Analysis, IntentModel, Label, LabelledText, TrainError};

pub use compare::{
    Comparison, IntentChange, MAX_ACCURACY_DROP, MAX_INTENT_RECALL_DROP, NewConfusion, compare,
    render_comparison,
};
pub use dataset::{DatasetError, SourcedText, TurnRef, read_labelled_csv, read_sourced_csv};
pub use demands::{
    DEMAND_PRECISION_TARGET, DEMAND_RECALL_TARGET, DemandMiss, DemandReport, DemandSet,
    DemandSetError, LabelledMessage, evaluate_demands, read_demand_set, render_demand_report,
};
pub use faq::{
    FAQ_FALSE_ANSWER_TARGET, FAQ_HIT_TARGET_EN, FAQ_HIT_TARGET_ZH, FaqMiss, FaqReport,
    FaqThresholdRow, evaluate_faq, render_faq_report,
};
pub use html::render_html;
pub use metrics::{Confusion, ConfusionMatrix, EvalReport, IntentFigures, Misread, OUT_OF_SCOPE};
pub use report::render_text;

/// How an evaluation was run, for the report.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    CrossValidation { folds: usize },
    TrainTest { train_examples: usize },
}

/// Told once per finished step of a long evaluation, so a terminal can show a progress
/// bar: a cross-validation has [`steps`] of them (reading the examples, then each fold).
pub type OnStep<'a> = &'a (dyn Fn() + Sync);

/// How many times a cross-validation with `folds` folds calls its [`OnStep`].
pub fn steps(folds: usize) -> usize {
    folds + 1
}

/// Cross-validates the content of one locale.
pub fn cross_validate(
    content: &LocaleContent,
    folds: usize,
    on_step: OnStep<'_>,
) -> Result<EvalReport, TrainError> {
    let started = Instant::now();
    let predictions = cross_validated(content, folds, on_step)?;
    let outcomes: Vec<metrics::Outcome> = predictions
        .into_iter()
        .map(|p| metrics::Outcome {
            predicted: match p.predicted {
                Some((id, _)) => Label::Intent(id),
                None => Label::OutOfScope,
            },
            expected: p.example.label,
            text: p.example.text,
        })
        .collect();
    Ok(EvalReport::from_outcomes(
        content.locale,
        Method::CrossValidation { folds },
        &outcomes,
        started.elapsed().as_secs_f64(),
    ))
}

/// An example as a model trained without it reads it.
pub struct Prediction {
    pub example: LabelledText,
    /// The recognised intent and its confidence; `None`: rejected as out of scope.
    pub predicted: Option<(IntentId, f32)>,
}

/// Every example of a locale predicted by a model trained on the other folds: what a
/// customer writing that example would get.
pub fn cross_validated(
    content: &LocaleContent,
    folds: usize,
    on_step: OnStep<'_>,
) -> Result<Vec<Prediction>, TrainError> {
    let analyser = nlu::analyser_for(content);
    let examples = nlu::training_examples(content);
    let analyses: Vec<Analysis> = examples
        .par_iter()
        .map(|e| analyser.analyse(&e.text))
        .collect();
    on_step();
    let fold_of: Vec<usize> = examples.iter().map(|e| fold_of(&e.text, folds)).collect();
    let mut predicted: Vec<Option<Option<(IntentId, f32)>>> = vec![None; examples.len()];
    for fold in 0..folds {
        let train: Vec<(&Analysis, &Label)> = (0..examples.len())
            .filter(|&i| fold_of[i] != fold)
            .map(|i| (&analyses[i], &examples[i].label))
            .collect();
        let model = IntentModel::train_analysed(&train, content.out_of_scope.threshold)?;
        for i in (0..examples.len()).filter(|&i| fold_of[i] == fold) {
            predicted[i] = Some(
                model
                    .rank(&analyses[i])
                    .best()
                    .map(|(id, p)| (id.clone(), p)),
            );
        }
        on_step();
    }
    Ok(examples
        .into_iter()
        .zip(predicted)
        .map(|(example, predicted)| Prediction {
            example,
            predicted: predicted.flatten(),
        })
        .collect())
}

/// Trains on `train` and measures on `test`.
pub fn train_test(
    locale: Locale,
    train: &[LabelledText],
    test: &[LabelledText],
    threshold: f32,
) -> Result<EvalReport, TrainError> {
    let started = Instant::now();
    let analyser = nlu::Analyser::new(locale, &[], &[]);
    let model = IntentModel::train(&analyser, train, threshold)?;
    let outcomes: Vec<metrics::Outcome> = test
        .par_iter()
        .map(|example| metrics::Outcome {
            expected: example.label.clone(),
            predicted: predict(&model, &analyser.analyse(&example.text)),
            text: example.text.clone(),
        })
        .collect();
    Ok(EvalReport::from_outcomes(
        locale,
        Method::TrainTest {
            train_examples: train.len(),
        },
        &outcomes,
        started.elapsed().as_secs_f64(),
    ))
}

fn predict(model: &IntentModel, analysis: &Analysis) -> Label {
    match model.rank(analysis).best() {
        Some((id, _)) => Label::Intent(id.clone()),
        None => Label::OutOfScope,
    }
}

/// Numbers the labels (for stratification).
/// The fold of an example, from its text alone (FNV-1a): repeatable, and stable under
/// edits, so that adding or removing one example leaves every other example in its fold
/// and `frontline check` reports what the edit changed, not a reshuffle. With hundreds of
/// examples per locale the folds come out nearly equal in size and in every intent.
fn fold_of(text: &str, folds: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % folds.max(1) as u64) as usize
}
