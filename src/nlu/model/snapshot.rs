//! A trained model written down, so that a restart with unchanged content does not train
//! again: the vocabulary, the linear model's weights and the calibration. The example
//! index is rebuilt from the content's examples (it is cheap and needs the analyser
//! anyway), and the snapshot carries probes: the confidences the model gave some of its
//! own examples when it was trained. A restored model must give the same ones, so a
//! snapshot from other code (a changed analyser or feature hash) is refused, not served.
//!
//! Floats are kept as their bits: a restored model scores exactly as the trained one.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Calibration, Fitted, IntentModel, Label, LabelledText};
use crate::nlu::features::{Analyser, Analysis};
use crate::nlu::retrieval::ExampleIndex;
use crate::nlu::svm::LinearSvm;
use crate::nlu::vectorize::Vectorizer;

/// How many training examples, spread evenly, are probes.
const PROBES: usize = 64;

/// A trained [`IntentModel`] as data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelSnapshot {
    intents: Vec<String>,
    has_out_of_scope: bool,
    examples: usize,
    threshold: u32,
    calibration: [u32; 3],
    vocabulary: Vec<u64>,
    idf: Vec<u32>,
    offsets: Vec<u32>,
    weight_classes: Vec<u32>,
    weights: Vec<u32>,
    bias: Vec<u32>,
    probes: Vec<Probe>,
}

/// What the model gave one of its training examples: every class's confidence.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Probe {
    example: usize,
    probabilities: Vec<u32>,
}

/// Why a snapshot cannot be used; the model is trained instead.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    #[error("it was trained on other examples")]
    OtherExamples,
    #[error("its parts do not fit together")]
    Inconsistent,
    #[error("it scores its probe example {0} differently: other code trained it")]
    ProbeDiffers(usize),
    #[error("building the example index failed: {0}")]
    Index(String),
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn floats(bits: &[u32]) -> Vec<f32> {
    bits.iter().map(|&b| f32::from_bits(b)).collect()
}

impl IntentModel {
    /// The model as data, with probes scored on `examples` (the ones it was trained on).
    pub fn snapshot(&self, analyser: &Analyser, examples: &[LabelledText]) -> ModelSnapshot {
        let (vocabulary, idf) = self.fitted.vectorizer.parts();
        let (offsets, entries, bias) = self.fitted.svm.parts();
        let probes = examples
            .par_iter()
            .enumerate()
            .step_by(examples.len().div_ceil(PROBES).max(1))
            .map(|(example, e)| Probe {
                example,
                probabilities: bits(&self.probabilities(&analyser.analyse(&e.text))),
            })
            .collect();
        let c = self.calibration;
        ModelSnapshot {
            intents: self
                .intents
                .iter()
                .map(|i| i.as_str().to_string())
                .collect(),
            has_out_of_scope: self.has_out_of_scope,
            examples: examples.len(),
            threshold: self.threshold.to_bits(),
            calibration: [c.temperature, c.sharpness, c.svm_weight].map(f32::to_bits),
            vocabulary,
            idf: bits(idf),
            offsets: offsets.to_vec(),
            weight_classes: entries.iter().map(|e| e.0).collect(),
            weights: entries.iter().map(|e| e.1.to_bits()).collect(),
            bias: bits(bias),
            probes,
        }
    }

    /// The model a snapshot holds, for the same `examples` and `threshold` it was trained
    /// with; refused when anything differs from what training would give.
    pub fn restore(
        snapshot: ModelSnapshot,
        analyser: &Analyser,
        examples: &[LabelledText],
        threshold: f32,
    ) -> Result<IntentModel, RestoreError> {
        let analyses: Vec<Analysis> = examples
            .par_iter()
            .map(|e| analyser.analyse(&e.text))
            .collect();
        let labels: Vec<&Label> = examples.iter().map(|e| &e.label).collect();
        let (intents, has_out_of_scope, classes) = super::classes_of(&labels);
        let same_examples = snapshot.examples == examples.len()
            && snapshot.has_out_of_scope == has_out_of_scope
            && snapshot.threshold == threshold.to_bits()
            && snapshot
                .intents
                .iter()
                .eq(intents.iter().map(|i| i.as_str()));
        if !same_examples {
            return Err(RestoreError::OtherExamples);
        }
        let n_classes = intents.len() + usize::from(has_out_of_scope);
        let vectorizer = Vectorizer::from_parts(&snapshot.vocabulary, floats(&snapshot.idf))
            .ok_or(RestoreError::Inconsistent)?;
        if snapshot.weight_classes.len() != snapshot.weights.len()
            || snapshot.bias.len() != n_classes
        {
            return Err(RestoreError::Inconsistent);
        }
        let entries = snapshot
            .weight_classes
            .iter()
            .zip(&snapshot.weights)
            .map(|(&c, &w)| (c, f32::from_bits(w)))
            .collect();
        let svm = LinearSvm::from_parts(snapshot.offsets, entries, floats(&snapshot.bias))
            .filter(|svm| svm.features() == vectorizer.len())
            .ok_or(RestoreError::Inconsistent)?;
        let index = ExampleIndex::build(
            analyses
                .iter()
                .map(|a| a.terms.as_slice())
                .zip(classes.iter().copied()),
        )
        .map_err(|e| RestoreError::Index(e.to_string()))?;
        let [temperature, sharpness, svm_weight] = snapshot.calibration.map(f32::from_bits);
        let model = IntentModel {
            intents,
            has_out_of_scope,
            fitted: Fitted {
                vectorizer,
                svm,
                index,
            },
            calibration: Calibration {
                temperature,
                sharpness,
                svm_weight,
            },
            threshold,
        };
        for probe in &snapshot.probes {
            let analysis = analyses
                .get(probe.example)
                .ok_or(RestoreError::Inconsistent)?;
            if bits(&model.probabilities(analysis)) != probe.probabilities {
                return Err(RestoreError::ProbeDiffers(probe.example));
            }
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{IntentId, Locale};

    fn examples() -> Vec<LabelledText> {
        let of = |intent: &str, texts: &[&str]| {
            texts
                .iter()
                .map(|t| LabelledText {
                    text: t.to_string(),
                    label: Label::Intent(IntentId::parse(intent).unwrap()),
                })
                .collect::<Vec<_>>()
        };
        let mut all = of(
            "atm_cash_retention",
            &[
                "ATM吞了我的卡",
                "取款机把钱吞了",
                "ATM没出钞",
                "取钱钱没出来",
            ],
        );
        all.extend(of(
            "card_lost",
            &[
                "银行卡丢了",
                "卡不见了怎么挂失",
                "我要挂失",
                "钱包和卡都丢了",
            ],
        ));
        all.extend(of(
            "transfer_delay",
            &[
                "转账还没到账",
                "汇款一直没到",
                "转出去的钱对方没收到",
                "转账好慢",
            ],
        ));
        all.extend(
            ["今天天气怎么样", "给我讲个笑话", "附近有什么好吃的"].map(|t| LabelledText {
                text: t.to_string(),
                label: Label::OutOfScope,
            }),
        );
        all
    }

    fn trained() -> (Analyser, Vec<LabelledText>, IntentModel) {
        let analyser = Analyser::new(Locale::ZhCn, &[], &[]);
        let examples = examples();
        let model = IntentModel::train(&analyser, &examples, 0.3).unwrap();
        (analyser, examples, model)
    }

    /// Through JSON, as the data dir keeps it.
    fn round_trip(snapshot: &ModelSnapshot) -> ModelSnapshot {
        serde_json::from_str(&serde_json::to_string(snapshot).unwrap()).unwrap()
    }

    #[test]
    fn a_restored_model_ranks_exactly_as_the_trained_one() {
        let (analyser, examples, model) = trained();
        let snapshot = round_trip(&model.snapshot(&analyser, &examples));
        let restored = IntentModel::restore(snapshot, &analyser, &examples, 0.3).unwrap();
        for text in [
            "ATM把我的卡吞了",
            "卡丢了",
            "钱转出去三天了还没到",
            "随便聊聊",
        ] {
            let analysis = analyser.analyse(text);
            assert_eq!(model.rank(&analysis), restored.rank(&analysis), "{text}");
        }
        assert_eq!(model.calibration(), restored.calibration());
    }

    #[test]
    fn a_snapshot_of_other_examples_or_threshold_is_refused() {
        let (analyser, examples, model) = trained();
        let snapshot = model.snapshot(&analyser, &examples);
        let fewer = &examples[1..];
        assert_eq!(
            IntentModel::restore(snapshot.clone(), &analyser, fewer, 0.3).err(),
            Some(RestoreError::OtherExamples)
        );
        assert_eq!(
            IntentModel::restore(snapshot, &analyser, &examples, 0.4).err(),
            Some(RestoreError::OtherExamples)
        );
    }

    #[test]
    fn a_snapshot_whose_weights_changed_fails_its_probes() {
        let (analyser, examples, model) = trained();
        let mut snapshot = model.snapshot(&analyser, &examples);
        for weight in &mut snapshot.weights {
            *weight = (f32::from_bits(*weight) * 1.5).to_bits();
        }
        assert!(matches!(
            IntentModel::restore(snapshot, &analyser, &examples, 0.3),
            Err(RestoreError::ProbeDiffers(_))
        ));
    }

    #[test]
    fn a_snapshot_of_other_features_fails_its_probes() {
        let (analyser, examples, model) = trained();
        let snapshot = model.snapshot(&analyser, &examples);
        // Code that cuts messages into other features (here: another locale's n-grams)
        // must not be served a model trained on the old ones.
        let other = Analyser::new(Locale::En, &[], &[]);
        assert!(matches!(
            IntentModel::restore(snapshot, &other, &examples, 0.3),
            Err(RestoreError::ProbeDiffers(_))
        ));
    }

    #[test]
    fn a_snapshot_with_parts_that_do_not_fit_is_refused() {
        let (analyser, examples, model) = trained();
        let mut snapshot = model.snapshot(&analyser, &examples);
        snapshot.offsets.pop();
        assert_eq!(
            IntentModel::restore(snapshot, &analyser, &examples, 0.3).err(),
            Some(RestoreError::Inconsistent)
        );
    }
}
