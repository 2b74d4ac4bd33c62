//! Understanding one message: which intent (with a calibrated confidence, or none when out
//! of scope), which entities, how the customer feels, and whether they threaten to go to
//! a regulator, the media or a court. Stateless: conversations live in `dialogue`.
//!
//! Everything learnt or matched here comes from the content: examples, keywords, the
//! banking dictionary and the lexicons. Nothing in this module knows about HTTP.

mod boundaries;
mod clauses;
mod cues;
mod emotion;
pub mod entities;
mod faq;
mod features;
mod folds;
mod model;
mod normalize;
mod retrieval;
mod segment;
mod svm;
mod vectorize;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::content::{Catalog, Intent, LocaleContent, RiskKind};
use crate::domain::{Channel, Expectation, FollowUpId, IntentId, Locale, TraitName};
use crate::privacy::{self, MaskedText};

pub use emotion::{Emotion, EmotionDetector};
pub use entities::{Entity, EntityExtractor, bare_number};
pub use faq::{FaqMatcher, FaqReading, MAX_FAQ_CANDIDATES, ScoredFaq};
pub use features::{Analyser, Analysis};
pub use folds::stratified_folds;
pub use model::{
    Calibration, IntentModel, Label, LabelledText, ModelSnapshot, Ranking, RestoreError, TrainError,
};
pub use normalize::{Normalized, normalize};

/// At most this many candidates are reported (API contract).
pub const MAX_CANDIDATES: usize = 5;

/// An intent with its confidence.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ScoredIntent {
    pub id: IntentId,
    #[serde(serialize_with = "four_decimals")]
    pub confidence: f32,
}

/// Confidences are shown with four decimals: more digits are noise, not information.
fn four_decimals<S: serde::Serializer>(value: &f32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((f64::from(*value) * 10_000.0).round() / 10_000.0)
}

/// Threats that send a complaint to a human with high priority.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct RiskFlags {
    pub regulator: bool,
    pub media: bool,
    pub legal: bool,
}

impl RiskFlags {
    pub fn any(&self) -> bool {
        self.regulator || self.media || self.legal
    }

    /// Flags raised in either.
    pub fn union(self, other: RiskFlags) -> RiskFlags {
        RiskFlags {
            regulator: self.regulator || other.regulator,
            media: self.media || other.media,
            legal: self.legal || other.legal,
        }
    }
}

/// Everything understood about one message.
#[derive(Clone, Debug, PartialEq)]
pub struct Parse {
    /// The recognised intent, or `None` when nothing matches confidently (out of scope).
    pub intent: Option<ScoredIntent>,
    /// Best first, at most [`MAX_CANDIDATES`].
    pub candidates: Vec<ScoredIntent>,
    pub entities: Vec<Entity>,
    pub emotion: Emotion,
    pub risk: RiskFlags,
    pub expectations: Vec<Expectation>,
    /// The intents whose handoff cue phrases the message contains, not negated (`不用转人工`
    /// is not a request). Phrases are normalised once, when the content is loaded, so
    /// full-width and traditional forms match too.
    pub cued: Vec<IntentId>,
    /// The follow-up worries the message raises, as (intent, worry): which one applies
    /// depends on the customer's open case, which only the dialogue knows.
    pub follow_ups: Vec<(IntentId, FollowUpId)>,
    /// The case traits the words show, as (intent, trait, value): `取钱` is a
    /// withdrawal for the ATM intent.
    pub traits: Vec<(IntentId, TraitName, TraitName)>,
    /// The message says a problem is settled or is not one (`已经退回来了`).
    pub settled: bool,
    /// The knowledge base's FAQ entries nearest to the message, best first, at most
    /// [`MAX_FAQ_CANDIDATES`].
    pub faq_candidates: Vec<ScoredFaq>,
    /// Whether the FAQ answers the message: the dialogue decides whether it should (an
    /// intent or a feeling may come first).
    pub faq: FaqReading,
}

/// The intent of one clause of a message.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    /// Character offsets in the message.
    pub start: usize,
    pub end: usize,
    pub intent: Option<ScoredIntent>,
    /// The intents whose keywords the clause contains: it names their problem in their
    /// own words.
    pub named: Vec<IntentId>,
    /// The clause says a problem is settled or is not one (`已经退回来了`, `不是要挂失`).
    pub settled: bool,
}

/// A message understood as a whole and clause by clause.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageUnderstanding {
    /// The message with its personal data masked, from the same scan that found the
    /// personal entities: whoever shows or keeps the message takes it from here.
    pub text: MaskedText,
    pub whole: Parse,
    /// Only when the message has more than one clause and they were asked for
    /// ([`Utterance::clauses`]).
    pub clauses: Vec<Clause>,
}

impl MessageUnderstanding {
    /// Nothing said (a silent caller): no intent, no entities, no feeling.
    pub fn nothing() -> MessageUnderstanding {
        MessageUnderstanding {
            text: privacy::mask(""),
            whole: Parse {
                intent: None,
                candidates: Vec::new(),
                entities: Vec::new(),
                emotion: Emotion::default(),
                risk: RiskFlags::default(),
                expectations: Vec::new(),
                cued: Vec::new(),
                follow_ups: Vec::new(),
                traits: Vec::new(),
                settled: false,
                faq_candidates: Vec::new(),
                faq: FaqReading::Nothing,
            },
            clauses: Vec::new(),
        }
    }

    /// A choice made without words (a keypress that stands for `affirm`): certain.
    pub fn chosen(intent: IntentId) -> MessageUnderstanding {
        let scored = ScoredIntent {
            id: intent,
            confidence: 1.0,
        };
        let mut understanding = MessageUnderstanding::nothing();
        understanding.whole.candidates = vec![scored.clone()];
        understanding.whole.intent = Some(scored);
        understanding
    }

    /// The same choice, made by sending `text` (a quick reply's label): kept, masked,
    /// as what the customer said.
    pub fn said(mut self, text: &str) -> MessageUnderstanding {
        self.text = privacy::mask(text);
        self
    }
}

/// A message to understand, and what it is read against. [`Utterance::new`] fills in
/// the usual: typed on the web, today on the bank's clock, clause by clause.
#[derive(Clone, Copy, Debug)]
pub struct Utterance<'a> {
    pub text: &'a str,
    pub locale: Locale,
    /// The phone hears homophones by their sound.
    pub channel: Channel,
    /// The day relative dates (`昨天`) count from.
    pub today: NaiveDate,
    /// Whether each clause's intent is read too: the dialogue finds every demand of a
    /// message this way. `/v1/parse` answers for the whole message only and skips the
    /// extra scoring.
    pub clauses: bool,
}

impl<'a> Utterance<'a> {
    /// `text` typed on the web today (on the bank's clock), read clause by clause too.
    pub fn new(text: &'a str, locale: Locale) -> Utterance<'a> {
        Utterance {
            text,
            locale,
            channel: Channel::Web,
            today: bank_today(),
            clauses: true,
        }
    }

    /// Said or typed on `channel`.
    pub fn via(self, channel: Channel) -> Utterance<'a> {
        Utterance { channel, ..self }
    }

    /// Relative dates count from `today`.
    pub fn on(self, today: NaiveDate) -> Utterance<'a> {
        Utterance { today, ..self }
    }

    /// The whole message only, no clauses.
    pub fn whole_only(self) -> Utterance<'a> {
        Utterance {
            clauses: false,
            ..self
        }
    }
}

/// The trained understanding of one locale.
struct LocaleUnderstanding {
    clauses: clauses::ClauseSplitter,
    analyser: Analyser,
    model: IntentModel,
    /// For the phone: the analyser and model that also hear how words sound (zh-CN).
    spoken: Option<(Analyser, IntentModel)>,
    /// The FAQ, indexed for the analyser. The phone's words are looked up in it as
    /// written too: the FAQ needs no homophones, and a second index for them would cost
    /// as much memory again.
    faq: FaqMatcher,
    entities: EntityExtractor,
    emotion: EmotionDetector,
    risk: cues::CueMatcher<RiskKind>,
    expectations: cues::CueMatcher<Expectation>,
    /// The handoff cue phrases, by intent: index into `cued_intents`.
    handoff_cues: cues::CueMatcher<usize>,
    cued_intents: Vec<IntentId>,
    /// Every intent's keywords: index into `keyword_intents`.
    keywords: cues::CueMatcher<usize>,
    keyword_intents: Vec<IntentId>,
    /// The lexicon's `settled` phrases.
    settled: cues::CueMatcher<()>,
    /// Every intent's follow-up phrases: index into `worries`.
    follow_up_cues: cues::CueMatcher<usize>,
    worries: Vec<(IntentId, FollowUpId)>,
    /// Every intent's trait phrases: index into `trait_values`.
    trait_cues: cues::CueMatcher<usize>,
    trait_values: Vec<(IntentId, TraitName, TraitName)>,
    /// The lexicon's negators, normalised: a cue right after one is not meant.
    negators: Vec<String>,
}

/// The version of the models' code: features, training and scoring. A saved model of
/// another version is never loaded. Bump it with any change to them; the probes a
/// snapshot carries catch a forgotten bump, but they are the second line, not the first.
pub const MODEL_VERSION: u32 = 1;

/// Which trained model a saved one is: of which content, locale and ear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelKey {
    pub locale: Locale,
    /// The phone's model, which also hears how words sound.
    pub spoken: bool,
    pub content_version: String,
    pub model_version: u32,
}

impl std::fmt::Display for ModelKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ear = if self.spoken { "-spoken" } else { "" };
        write!(f, "{}{ear}", self.locale.as_str())
    }
}

/// Where trained models are kept between starts, so that unchanged content is not
/// trained again. A cache answers only for the exact key it was given; whatever it
/// returns is still checked (see [`IntentModel::restore`]).
pub trait ModelCache: Send + Sync {
    fn get(&self, key: &ModelKey) -> Option<ModelSnapshot>;
    fn put(&self, key: &ModelKey, snapshot: &ModelSnapshot);
}

/// No cache: every model is trained.
pub struct NoModelCache;

impl ModelCache for NoModelCache {
    fn get(&self, _: &ModelKey) -> Option<ModelSnapshot> {
        None
    }

    fn put(&self, _: &ModelKey, _: &ModelSnapshot) {}
}

/// A model from the cache when it holds a good one for `key`, else trained (and saved).
fn cached_or_trained(
    cache: &dyn ModelCache,
    key: &ModelKey,
    analyser: &Analyser,
    examples: &[LabelledText],
    threshold: f32,
) -> Result<IntentModel, TrainError> {
    if let Some(snapshot) = cache.get(key) {
        match IntentModel::restore(snapshot, analyser, examples, threshold) {
            Ok(model) => {
                tracing::info!(model = %key, "saved model restored");
                return Ok(model);
            }
            Err(why) => tracing::warn!(model = %key, %why, "saved model refused; training"),
        }
    }
    let model = IntentModel::train(analyser, examples, threshold)?;
    cache.put(key, &model.snapshot(analyser, examples));
    Ok(model)
}

/// The understanding of one locale: its analyser, its models (restored from `cache` or
/// trained), its FAQ and its cue matchers.
fn locale_understanding(
    content: &LocaleContent,
    content_version: &str,
    cache: &dyn ModelCache,
) -> Result<LocaleUnderstanding, TrainError> {
    let lexicon = &content.lexicon;
    let analyser = analyser_for(content);
    let examples = training_examples(content);
    let threshold = content.out_of_scope.threshold;
    let key = |spoken| ModelKey {
        locale: content.locale,
        spoken,
        content_version: content_version.to_string(),
        model_version: MODEL_VERSION,
    };
    let (model, (spoken, faq)) = rayon::join(
        || cached_or_trained(cache, &key(false), &analyser, &examples, threshold),
        || {
            rayon::join(
                || match content.locale {
                    Locale::ZhCn => {
                        let analyser = analyser.clone().spoken();
                        cached_or_trained(cache, &key(true), &analyser, &examples, threshold)
                            .map(|model| Some((analyser, model)))
                    }
                    Locale::En => Ok(None),
                },
                || FaqMatcher::build(&content.faq, &analyser),
            )
        },
    );
    let (model, spoken, faq) = (model?, spoken?, faq?);
    Ok(LocaleUnderstanding {
        clauses: clauses::ClauseSplitter::new(&lexicon.clause_breaks),
        analyser,
        model,
        spoken,
        faq,
        entities: EntityExtractor::new(&lexicon.location_suffixes),
        emotion: EmotionDetector::new(lexicon),
        risk: cues::CueMatcher::new(lexicon.risk.iter().map(|(k, v)| (*k, v))),
        expectations: cues::CueMatcher::new(lexicon.expectations.iter().map(|(k, v)| (*k, v))),
        handoff_cues: cues::CueMatcher::new(
            on_cue(content)
                .enumerate()
                .map(|(i, intent)| (i, &intent.handoff.cues)),
        ),
        cued_intents: on_cue(content).map(|i| i.id.clone()).collect(),
        keywords: cues::CueMatcher::new(
            content
                .intents
                .iter()
                .enumerate()
                .map(|(i, intent)| (i, intent.problem_words())),
        ),
        keyword_intents: content.intents.iter().map(|i| i.id.clone()).collect(),
        settled: cues::CueMatcher::new([((), &lexicon.settled)]),
        follow_up_cues: cues::CueMatcher::new(
            follow_ups(content)
                .enumerate()
                .map(|(i, (_, _, phrases))| (i, phrases)),
        ),
        worries: follow_ups(content)
            .map(|(intent, worry, _)| (intent.clone(), worry.clone()))
            .collect(),
        trait_cues: cues::CueMatcher::new(
            traits(content)
                .enumerate()
                .map(|(i, (_, _, _, phrases))| (i, phrases)),
        ),
        trait_values: traits(content)
            .map(|(intent, name, value, _)| (intent.clone(), name.clone(), value.clone()))
            .collect(),
        negators: lexicon
            .negators
            .iter()
            .map(|n| normalize(n).to_text())
            .filter(|n| !n.trim().is_empty())
            .collect(),
    })
}

/// The trained understanding of every locale of a catalog.
pub struct Understanding {
    locales: BTreeMap<Locale, LocaleUnderstanding>,
}

/// The training examples of a locale: every intent's examples, and the out-of-scope ones.
pub fn training_examples(content: &LocaleContent) -> Vec<LabelledText> {
    let intents = content.intents.iter().flat_map(|intent| {
        intent.examples.iter().map(|e| LabelledText {
            text: e.text.clone(),
            label: Label::Intent(intent.id.clone()),
        })
    });
    let out_of_scope = content.out_of_scope.examples.iter().map(|e| LabelledText {
        text: e.text.clone(),
        label: Label::OutOfScope,
    });
    intents.chain(out_of_scope).collect()
}

/// The analyser of a locale: its dictionary and keywords.
pub fn analyser_for(content: &LocaleContent) -> Analyser {
    let keywords: Vec<(String, IntentId)> = content
        .intents
        .iter()
        .flat_map(|i| i.keywords.iter().map(|k| (k.clone(), i.id.clone())))
        .collect();
    Analyser::new(content.locale, &content.dictionary, &keywords)
}

/// Every intent's follow-up worries with their phrases, in content order.
fn follow_ups(
    content: &LocaleContent,
) -> impl Iterator<Item = (&IntentId, &FollowUpId, &Vec<String>)> {
    content.intents.iter().flat_map(|intent| {
        intent
            .follow_ups
            .iter()
            .map(move |(worry, phrases)| (&intent.id, worry, phrases))
    })
}

/// Every intent's trait values with their phrases, in content order.
#[allow(clippy::type_complexity)]
fn traits(
    content: &LocaleContent,
) -> impl Iterator<Item = (&IntentId, &TraitName, &TraitName, &Vec<String>)> {
    content.intents.iter().flat_map(|intent| {
        intent.traits.iter().flat_map(move |(name, values)| {
            values
                .iter()
                .map(move |(value, phrases)| (&intent.id, name, value, phrases))
        })
    })
}

/// The intents with handoff cue phrases, in content order.
fn on_cue(content: &LocaleContent) -> impl Iterator<Item = &Intent> {
    content
        .intents
        .iter()
        .filter(|i| !i.handoff.cues.is_empty())
}

/// Today's date on the bank's clock (relative dates such as `昨天` resolve against it).
pub fn bank_today() -> NaiveDate {
    crate::domain::Clock::system().bank_today()
}

impl LocaleUnderstanding {
    /// The analyser and model for a channel: speech on the phone is heard by sound too.
    fn scorer(&self, channel: Channel) -> (&Analyser, &IntentModel) {
        match (&self.spoken, channel) {
            (Some((analyser, model)), Channel::Ivr) => (analyser, model),
            _ => (&self.analyser, &self.model),
        }
    }

    /// A clause that says only that something is settled or did not happen, and names no
    /// problem of its own (`听说老李的卡被吞了,我倒是没遇到`), speaks of the clause before it.
    fn settle_what_came_before(clauses: &mut [Clause]) {
        for i in 1..clauses.len() {
            if clauses[i].settled && clauses[i].intent.is_none() {
                clauses[i - 1].settled = true;
            }
        }
    }

    /// Each clause's intent, when the message has more than one clause.
    fn clauses_of(&self, text: &str, normalized: &Normalized, channel: Channel) -> Vec<Clause> {
        let spans = self.clauses.split(normalized.chars());
        if spans.len() < 2 {
            return Vec::new();
        }
        let (analyser, model) = self.scorer(channel);
        let mut clauses: Vec<Clause> = spans
            .into_iter()
            .map(|span| {
                let clause: String = text
                    .chars()
                    .skip(span.start)
                    .take(span.end - span.start)
                    .collect();
                let analysis = analyser.analyse(&clause);
                let ranking = model.rank(&analysis);
                let normalized = analysis.normalized.to_text();
                Clause {
                    start: span.start,
                    end: span.end,
                    intent: ranking.best().map(scored),
                    named: self
                        .keywords
                        .found(&normalized)
                        .into_iter()
                        .map(|i| self.keyword_intents[i].clone())
                        .collect(),
                    settled: !self.settled.found(&normalized).is_empty(),
                }
            })
            .collect();
        Self::settle_what_came_before(&mut clauses);
        clauses
    }
}

impl Understanding {
    /// Trains the models of every locale on the catalog's examples.
    pub fn train(catalog: &Catalog) -> Result<Understanding, TrainError> {
        Self::train_cached(catalog, &NoModelCache)
    }

    /// The models of every locale: restored from `cache` where it holds them for this
    /// content and code, trained (and put in the cache) where not.
    pub fn train_cached(
        catalog: &Catalog,
        cache: &dyn ModelCache,
    ) -> Result<Understanding, TrainError> {
        // The locales, and within one its models and FAQ, are independent: built side by
        // side on every core, a restart is ready in about half the time (README, start-up).
        let contents: Vec<&LocaleContent> = catalog.locales().collect();
        let version = catalog.version().as_str();
        let locales = contents
            .par_iter()
            .map(|content| {
                Ok((
                    content.locale,
                    locale_understanding(content, version, cache)?,
                ))
            })
            .collect::<Result<BTreeMap<_, _>, TrainError>>()?;
        Ok(Understanding { locales })
    }

    /// Understands a message: its intent, entities, feeling, threats and expectations,
    /// the message masked (one scan for personal data) and, when asked for and the
    /// message has several, each clause's intent.
    pub fn understand(&self, utterance: &Utterance<'_>) -> MessageUnderstanding {
        let Utterance {
            text,
            locale,
            channel,
            today,
            clauses,
        } = *utterance;
        let understanding = &self.locales[&locale];
        let (analyser, model) = understanding.scorer(channel);
        let analysis = analyser.analyse(text);
        let ranking = model.rank(&analysis);
        let intent = ranking.best().map(scored);
        let candidates = ranking
            .intents
            .iter()
            .take(MAX_CANDIDATES)
            .map(|(id, p)| scored((id, *p)))
            .collect();
        let normalized_text = analysis.normalized.to_text();
        // The phone's analysis also holds sounds, which the FAQ's index does not: its words
        // are read again as written.
        let written;
        let faq_analysis = if std::ptr::eq(analyser, &understanding.analyser) {
            &analysis
        } else {
            written = understanding.analyser.analyse(text);
            &written
        };
        let faq = &understanding.faq;
        let faq_candidates = faq.rank(faq_analysis, MAX_FAQ_CANDIDATES);
        let risks = understanding.risk.found(&normalized_text);
        let screened = privacy::screen(text);
        let whole = Parse {
            intent,
            candidates,
            entities: understanding
                .entities
                .extract(&screened, &analysis.normalized, today),
            emotion: understanding.emotion.detect(analysis.normalized.chars()),
            risk: RiskFlags {
                regulator: risks.contains(&RiskKind::Regulator),
                media: risks.contains(&RiskKind::Media),
                legal: risks.contains(&RiskKind::Legal),
            },
            expectations: understanding
                .expectations
                .found(&normalized_text)
                .into_iter()
                .collect(),
            cued: understanding
                .handoff_cues
                .found_affirmed(&normalized_text, &understanding.negators)
                .into_iter()
                .map(|i| understanding.cued_intents[i].clone())
                .collect(),
            follow_ups: understanding
                .follow_up_cues
                .found(&normalized_text)
                .into_iter()
                .map(|i| understanding.worries[i].clone())
                .collect(),
            traits: understanding
                .trait_cues
                .found(&normalized_text)
                .into_iter()
                .map(|i| understanding.trait_values[i].clone())
                .collect(),
            settled: !understanding.settled.found(&normalized_text).is_empty(),
            faq: faq.read(&faq_candidates),
            faq_candidates,
        };
        let clauses = if clauses {
            understanding.clauses_of(text, &analysis.normalized, channel)
        } else {
            Vec::new()
        };
        MessageUnderstanding {
            text: screened.into_masked(),
            whole,
            clauses,
        }
    }
}

/// A ranked intent as the API reports it.
fn scored((id, p): (&IntentId, f32)) -> ScoredIntent {
    ScoredIntent {
        id: id.clone(),
        confidence: p,
    }
}
