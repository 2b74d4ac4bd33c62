//! Wording: turns the dialogue's plan (soothe → restate and confirm → guide → commit) into
//! text from content staff's templates, chooses variants so that a conversation does not
//! repeat itself, and speaks it as SSML on the IVR channel. No reply text lives in Rust.

mod data;
mod prompts;
mod situation;
pub mod ssml;

use std::collections::HashMap;

use chrono::NaiveDate;
use handlebars::Handlebars;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::content::{Catalog, LocaleContent, Part, SystemPart};
use crate::dialogue::{Conversation, Step, TurnPlan};
use crate::domain::{Channel, FaqId, FollowUpId, HandoffReason, IntentId, Locale, SlotName};

pub use prompts::LongPrompt;
pub use situation::{STRONG_FEELING, Situation};

/// The segment whose replies are read slower on the phone.
const ELDERLY: &str = "elderly";

/// A reply as the API returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Reply {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssml: Option<String>,
    pub quick_replies: Vec<String>,
    /// On the phone: whether the caller may interrupt this prompt. Promises and handoff
    /// notices must be heard to the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barge_in: Option<bool>,
    /// The commitments this reply made, as said (the dialogue records them).
    #[serde(skip)]
    pub commitments: Vec<RenderedCommitment>,
    /// Each paragraph with what produced it (the turn's audit record).
    #[serde(skip)]
    pub parts: Vec<ReplyPart>,
}

/// A paragraph of a reply and its sources: template keys
/// (`atm_cash_retention.guidance#0.1`: file, part, rule, variant), `notice:<id>`,
/// `faq:<id>`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplyPart {
    pub text: String,
    pub sources: Vec<String>,
}

/// A template's key as content staff find it: the file (an intent's, or `_replies` for
/// the system parts), the part, and the rule and variant said.
fn source_key(source: &Source, rule: usize, variant: usize) -> String {
    let snake = |name: String| {
        let mut out = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    };
    let part = match source {
        Source::System(part) => format!("_replies.{}", snake(format!("{part:?}"))),
        Source::Reassure(id) => format!("{id}.reassure"),
        Source::Restate(id) => format!("{id}.restate"),
        Source::Guidance(id) => format!("{id}.guidance"),
        Source::Commitment(id) => format!("{id}.commitment"),
        Source::FollowUp(id, worry) => format!("{id}.follow_ups.{}", worry.as_str()),
        Source::Question(id, slot) => return format!("{id}.slots.{}.question", slot.as_str()),
    };
    format!("{part}#{rule}.{variant}")
}

/// A promise as the customer read it.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderedCommitment {
    pub intent: IntentId,
    pub text: String,
    pub by: NaiveDate,
}

/// Something a template was rendered for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Source {
    System(SystemPart),
    Reassure(IntentId),
    Restate(IntentId),
    Guidance(IntentId),
    Commitment(IntentId),
    FollowUp(IntentId, FollowUpId),
    Question(IntentId, SlotName),
}

/// Renders replies for every locale of a catalogue. Templates are compiled once.
pub struct Composer {
    registry: Handlebars<'static>,
    /// Template name by (locale, source, rule, variant).
    names: HashMap<(Locale, Source, usize, usize), String>,
}

impl Composer {
    /// Compiles every template of the catalogue. The catalogue already checked that each
    /// compiles, so a failure here is a bug in the loader.
    pub fn new(catalog: &Catalog) -> Composer {
        let mut registry = Handlebars::new();
        // Replies are plain text: the channels display or speak them, never parse HTML.
        registry.register_escape_fn(handlebars::no_escape);
        let mut names = HashMap::new();
        for content in catalog.locales() {
            let locale = content.locale;
            let mut add = |source: Source, part: &Part| {
                for (r, rule) in part.rules.iter().enumerate() {
                    for (v, text) in rule.say.iter().enumerate() {
                        let name = format!("{locale}/{source:?}/{r}/{v}");
                        if registry.register_template_string(&name, &text.text).is_ok() {
                            names.insert((locale, source.clone(), r, v), name);
                        }
                    }
                }
            };
            for (part_name, part) in &content.templates.system.parts {
                add(Source::System(*part_name), part);
            }
            for (id, t) in &content.templates.intents {
                add(Source::Reassure(id.clone()), &t.reassure);
                add(Source::Restate(id.clone()), &t.restate);
                add(Source::Guidance(id.clone()), &t.guidance);
                add(Source::Commitment(id.clone()), &t.commitment);
                for (worry, part) in &t.follow_ups {
                    add(Source::FollowUp(id.clone(), worry.clone()), part);
                }
            }
            for intent in &content.intents {
                for slot in &intent.slots {
                    let source = Source::Question(intent.id.clone(), slot.name.clone());
                    let name = format!("{locale}/{source:?}");
                    if registry
                        .register_template_string(&name, &slot.question)
                        .is_ok()
                    {
                        names.insert((locale, source, 0, 0), name);
                    }
                }
            }
        }
        Composer { registry, names }
    }

    /// Renders one compiled template (rule `rule`, variant `variant` of `source`), trimmed.
    fn render_compiled(
        &self,
        locale: Locale,
        source: Source,
        rule: usize,
        variant: usize,
        data: Map<String, Value>,
    ) -> Option<String> {
        let name = self.names.get(&(locale, source, rule, variant))?;
        let rendered = self.registry.render(name, &Value::Object(data)).ok()?;
        Some(rendered.trim().to_string())
    }

    /// The reply to a turn's plan.
    pub fn compose(
        &self,
        plan: &TurnPlan,
        conversation: &Conversation,
        content: &LocaleContent,
    ) -> Reply {
        let composition = Composition {
            composer: self,
            conversation,
            content,
            situation: situation_of(plan, conversation, content),
            used: std::cell::RefCell::new(Vec::new()),
        };
        composition.run(plan)
    }
}

/// Which of the four steps a suggested reply is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionStep {
    Soothe,
    Restate,
    Guide,
    Commit,
}

impl Composer {
    /// Replies an agent may start from, one per step of the four (soothe → restate →
    /// guide → commit), worded from the content's own templates for the conversation's
    /// demand of `demand` with its slots filled in, for the customer's feeling now. A step
    /// the intent has no template for is left out. `by` is the commitment's deadline.
    pub fn suggestions(
        &self,
        conversation: &Conversation,
        content: &LocaleContent,
        demand: crate::dialogue::DemandIndex,
        by: Option<NaiveDate>,
    ) -> Vec<(SuggestionStep, String)> {
        let Some(d) = conversation.ledger.get(demand) else {
            return Vec::new();
        };
        let kind = content.intent(&d.intent).map(|i| i.kind);
        let emotion = conversation.current_emotion();
        let composition = Composition {
            composer: self,
            conversation,
            content,
            situation: Situation {
                emotion: emotion.label,
                intensity: emotion.intensity,
                segment: conversation.customer.segment.clone(),
                channel: conversation.channel,
                kind,
                reason: None,
            },
            used: Default::default(),
        };
        let mut steps = vec![
            (
                SuggestionStep::Soothe,
                Step::Soothe {
                    emotion,
                    kind: kind.unwrap_or(crate::content::IntentKind::Inquiry),
                },
            ),
            (SuggestionStep::Restate, Step::Restate { demand }),
            (SuggestionStep::Guide, Step::Guidance { demand }),
        ];
        if let Some(by) = by {
            steps.push((SuggestionStep::Commit, Step::Commitment { demand, by }));
        }
        steps
            .into_iter()
            .filter_map(|(name, step)| {
                let (text, _) = composition.step(&step);
                text.filter(|t| !t.trim().is_empty()).map(|t| (name, t))
            })
            .collect()
    }

    /// The synopsis of a handoff: one or two sentences, from the `synopsis` template chosen
    /// by the handoff reason, naming the demands and what the customer said of them.
    pub fn synopsis(
        &self,
        conversation: &Conversation,
        content: &LocaleContent,
        reason: HandoffReason,
    ) -> String {
        let separator = content.locale.list_separator();
        let demands = conversation.ledger.all();
        let titles: Vec<&str> = demands
            .iter()
            .filter_map(|d| content.intent(&d.intent))
            .map(|i| i.title.as_str())
            .collect();
        let details: Vec<&str> = demands
            .iter()
            .flat_map(|d| d.slots.values())
            .map(|v| v.said.as_str())
            .collect();
        let mut data = data::base(content);
        data.insert("intents".into(), Value::String(titles.join(separator)));
        data.insert("details".into(), Value::String(details.join(separator)));
        let emotion = conversation.current_emotion();
        let situation = Situation {
            emotion: emotion.label,
            intensity: emotion.intensity,
            segment: conversation.customer.segment.clone(),
            channel: conversation.channel,
            kind: None,
            reason: Some(reason),
        };
        let composition = Composition {
            composer: self,
            conversation,
            content,
            situation: situation.clone(),
            used: Default::default(),
        };
        composition
            .system(SystemPart::Synopsis, data)
            .unwrap_or_default()
    }
}

/// The situation of this turn: the customer's feeling, segment, channel, the kind of
/// intent at hand and the handoff reason, if any.
fn situation_of(
    plan: &TurnPlan,
    conversation: &Conversation,
    content: &LocaleContent,
) -> Situation {
    let emotion = conversation.current_emotion();
    let kind = plan.steps.iter().find_map(|s| match s {
        Step::Soothe { kind, .. } => Some(*kind),
        _ => None,
    });
    let kind = kind.or_else(|| {
        conversation
            .ledger
            .all()
            .last()
            .and_then(|d| content.intent(&d.intent))
            .map(|i| i.kind)
    });
    Situation {
        emotion: emotion.label,
        intensity: emotion.intensity,
        segment: conversation.customer.segment.clone(),
        channel: conversation.channel,
        kind,
        reason: plan.handoff.map(|h| h.reason),
    }
}

struct Composition<'a> {
    composer: &'a Composer,
    conversation: &'a Conversation,
    content: &'a LocaleContent,
    situation: Situation,
    /// The templates rendered so far, by key (the audit's sources).
    used: std::cell::RefCell<Vec<String>>,
}

impl Composition<'_> {
    fn run(&self, plan: &TurnPlan) -> Reply {
        let mut paragraphs = Vec::new();
        let mut quick_replies: Vec<String> = Vec::new();
        let mut commitments = Vec::new();
        let mut parts = Vec::new();
        for step in &plan.steps {
            let mark = self.used.borrow().len();
            let (text, quick) = self.step(step);
            let mut sources: Vec<String> = self.used.borrow()[mark..].to_vec();
            match step {
                Step::Notice { notice } => sources.push(format!("notice:{}", notice.id.as_str())),
                Step::KnowledgeAnswer { entry } => sources.push(format!("faq:{}", entry.as_str())),
                Step::KnowledgeChoices { entries } => {
                    sources.extend(entries.iter().map(|e| format!("faq:{}", e.as_str())));
                }
                _ => {}
            }
            if let (Step::Commitment { demand, by }, Some(text)) = (step, &text)
                && let Some(d) = self.conversation.ledger.get(*demand)
            {
                commitments.push(RenderedCommitment {
                    intent: d.intent.clone(),
                    text: text.clone(),
                    by: *by,
                });
            }
            if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
                parts.push(ReplyPart {
                    text: text.clone(),
                    sources,
                });
                paragraphs.push(text);
            }
            if !quick.is_empty() {
                quick_replies = quick;
            }
        }
        let ssml = (self.conversation.channel == Channel::Ivr).then(|| {
            let slow = self
                .situation
                .segment
                .as_ref()
                .is_some_and(|s| s.as_str() == ELDERLY);
            let locale = self.content.locale;
            let dates: Vec<ssml::SpokenDate> = commitments
                .iter()
                .map(|c| ssml::SpokenDate {
                    text: locale.spoken_date(c.by),
                    format: locale.spoken_date_order(),
                })
                .collect();
            ssml::speak(&paragraphs, locale.as_str(), slow, &dates)
        });
        if self.conversation.channel == Channel::Ivr {
            quick_replies.clear();
        }
        let must_be_heard = plan.steps.iter().any(|s| {
            matches!(
                s,
                Step::Commitment { .. } | Step::Handoff { .. } | Step::Goodbye
            )
        });
        Reply {
            text: paragraphs.join("\n"),
            ssml,
            quick_replies,
            barge_in: (self.conversation.channel == Channel::Ivr).then_some(!must_be_heard),
            commitments,
            parts,
        }
    }

    /// The intents' titles as one list in the locale's way (`“吞钞”、“年费”`), for the
    /// templates that name the demands still open.
    fn titles_of(&self, intents: &[IntentId]) -> Value {
        let titles: Vec<&str> = intents
            .iter()
            .filter_map(|id| self.content.intent(id))
            .map(|i| i.spoken_title())
            .collect();
        Value::String(titles.join(self.content.locale.quoted_list_separator()))
    }

    fn system_quick(&self, part: SystemPart) -> Vec<String> {
        self.content
            .templates
            .system
            .quick_replies
            .get(&part)
            .cloned()
            .unwrap_or_default()
    }

    /// One step's text and the quick replies that go with it.
    fn step(&self, step: &Step) -> (Option<String>, Vec<String>) {
        let mut data = data::base(self.content);
        match step {
            Step::Soothe { .. } => (self.system(SystemPart::Opening, data), vec![]),
            Step::Reassure { intent } => (
                self.intent_part(Source::Reassure(intent.clone()), intent, data),
                vec![],
            ),
            Step::Noted { intent } | Step::NextDemand { intent } => {
                let part = if matches!(step, Step::Noted { .. }) {
                    SystemPart::Noted
                } else {
                    SystemPart::NextDemand
                };
                if let Some(i) = self.content.intent(intent) {
                    data::with_intent(&mut data, self.content, i);
                }
                (self.system(part, data), vec![])
            }
            Step::DetailNoted => (self.system(SystemPart::DetailNoted, data), vec![]),
            Step::Restate { demand } => {
                let Some(d) = self.conversation.ledger.get(*demand) else {
                    return (None, vec![]);
                };
                data::with_demand(&mut data, d);
                (
                    self.intent_part(Source::Restate(d.intent.clone()), &d.intent, data),
                    vec![],
                )
            }
            Step::Ask { intent, slot } => {
                // The question is a template too: it may say back what is known.
                let mut known = data.clone();
                if let Some(d) = self
                    .conversation
                    .ledger
                    .all()
                    .iter()
                    .rev()
                    .find(|d| &d.intent == intent)
                {
                    data::with_demand(&mut known, d);
                }
                let question = self.question(intent, slot, known).unwrap_or_default();
                data.insert("question".into(), Value::String(question));
                (self.system(SystemPart::Ask, data), vec![])
            }
            Step::Confirm => (
                self.system(SystemPart::Confirm, data),
                self.system_quick(SystemPart::Confirm),
            ),
            Step::Correction => (self.system(SystemPart::Correction, data), vec![]),
            Step::Guidance { demand } => {
                let Some(d) = self.conversation.ledger.get(*demand) else {
                    return (None, vec![]);
                };
                data::with_demand(&mut data, d);
                let quick = self
                    .content
                    .templates
                    .intents
                    .get(&d.intent)
                    .map(|t| t.quick_replies.clone())
                    .unwrap_or_default();
                (
                    self.intent_part(Source::Guidance(d.intent.clone()), &d.intent, data),
                    quick,
                )
            }
            Step::Answer { intent } => {
                let quick = self
                    .content
                    .templates
                    .intents
                    .get(intent)
                    .map(|t| t.quick_replies.clone())
                    .unwrap_or_default();
                (
                    self.intent_part(Source::Guidance(intent.clone()), intent, data),
                    quick,
                )
            }
            Step::KnowledgeAnswer { entry } => (self.knowledge_answer(entry, data), vec![]),
            // The approved wording as approved: not a template, never reworded.
            Step::Notice { notice } => {
                let statement = &notice.statement;
                let text = if self.conversation.channel == Channel::Ivr {
                    &statement.ivr
                } else {
                    &statement.chat
                };
                (Some(text.clone()), vec![])
            }
            Step::KnowledgeChoices { entries } => (
                self.system(SystemPart::FaqChoices, data),
                entries
                    .iter()
                    .filter_map(|id| self.content.faq.entry(id))
                    .map(|e| e.canonical_question().to_string())
                    .collect(),
            ),
            Step::FollowUp { demand, worry, by } => {
                let Some(d) = self.conversation.ledger.get(*demand) else {
                    return (None, vec![]);
                };
                data::with_demand(&mut data, d);
                if let Some(i) = self.content.intent(&d.intent) {
                    data::with_intent(&mut data, self.content, i);
                }
                if let Some(by) = by {
                    data::with_deadline(&mut data, *by, self.content.locale);
                }
                let source = Source::FollowUp(d.intent.clone(), worry.clone());
                (self.intent_part(source, &d.intent, data), vec![])
            }
            Step::Recall { demand, made } => {
                let Some(d) = self.conversation.ledger.get(*demand) else {
                    return (None, vec![]);
                };
                data::with_demand(&mut data, d);
                if let Some(i) = self.content.intent(&d.intent) {
                    data::with_intent(&mut data, self.content, i);
                }
                let locale = self.content.locale;
                if let Some(promise) = self
                    .conversation
                    .commitments
                    .iter()
                    .rev()
                    .find(|c| c.intent == d.intent)
                {
                    data::with_deadline(&mut data, promise.by, locale);
                }
                data.insert("made".into(), Value::String(locale.spoken_date(*made)));
                (self.system(SystemPart::Recall, data), vec![])
            }
            Step::Commitment { demand, by } => {
                let Some(d) = self.conversation.ledger.get(*demand) else {
                    return (None, vec![]);
                };
                data::with_demand(&mut data, d);
                if let Some(i) = self.content.intent(&d.intent) {
                    data::with_intent(&mut data, self.content, i);
                }
                data::with_deadline(&mut data, *by, self.content.locale);
                (
                    self.intent_part(Source::Commitment(d.intent.clone()), &d.intent, data),
                    vec![],
                )
            }
            Step::ResolvedCheck => (
                self.system(SystemPart::ResolvedCheck, data),
                self.system_quick(SystemPart::ResolvedCheck),
            ),
            Step::AnythingElse => (
                self.system(SystemPart::AnythingElse, data),
                self.system_quick(SystemPart::AnythingElse),
            ),
            Step::Fallback => (
                self.system(SystemPart::Fallback, data),
                self.system_quick(SystemPart::Fallback),
            ),
            Step::CheckHeard => {
                let heard = self.conversation.unconfirmed_speech.as_ref();
                let heard = heard.map(|h| h.as_str().to_string()).unwrap_or_default();
                data.insert("heard".into(), Value::String(heard));
                (
                    self.system(SystemPart::Heard, data),
                    self.system_quick(SystemPart::Confirm),
                )
            }
            Step::SayAgain => (self.system(SystemPart::SayAgain, data), vec![]),
            Step::Silence { menu } => {
                let part = if *menu {
                    SystemPart::SilenceMenu
                } else {
                    SystemPart::Silence
                };
                let keypad = &self.content.templates.ivr.menu;
                data.insert("menu".into(), Value::String(keypad.clone()));
                (self.system(part, data), vec![])
            }
            Step::Handoff { reason } => (self.handoff(*reason, data), vec![]),
            Step::Holding => (self.system(SystemPart::Holding, data), vec![]),
            Step::OpenDemands { intents } => {
                data.insert("open_demands".into(), self.titles_of(intents));
                (
                    self.system(SystemPart::OpenDemands, data),
                    self.system_quick(SystemPart::OpenDemands),
                )
            }
            Step::BackToBot { intents } => {
                data.insert("open_demands".into(), self.titles_of(intents));
                (self.system(SystemPart::BackToBot, data), vec![])
            }
            Step::Goodbye => (self.system(SystemPart::Goodbye, data), vec![]),
        }
    }

    /// An FAQ entry's answer: on the phone its short answer; in chat the answer and, as
    /// its own paragraph, where it comes from and when it was last checked.
    fn knowledge_answer(&self, id: &FaqId, mut data: Map<String, Value>) -> Option<String> {
        let entry = self.content.faq.entry(id)?;
        if self.conversation.channel == Channel::Ivr {
            return Some(entry.short_answer.clone());
        }
        data.insert("source".into(), Value::String(entry.source.clone()));
        let reviewed = self.content.locale.full_date(entry.reviewed);
        data.insert("reviewed".into(), Value::String(reviewed));
        let citation = self
            .system(SystemPart::FaqCitation, data)
            .unwrap_or_default();
        Some(
            format!("{}\n{citation}", entry.answer)
                .trim_end()
                .to_string(),
        )
    }

    fn handoff(&self, reason: HandoffReason, data: Map<String, Value>) -> Option<String> {
        let situation = Situation {
            reason: Some(reason),
            ..self.situation.clone()
        };
        self.render(
            &situation,
            Source::System(SystemPart::Handoff),
            self.system_part(SystemPart::Handoff)?,
            data,
        )
    }

    fn system_part(&self, part: SystemPart) -> Option<&Part> {
        self.content.templates.system.parts.get(&part)
    }

    fn system(&self, part: SystemPart, data: Map<String, Value>) -> Option<String> {
        self.render(
            &self.situation,
            Source::System(part),
            self.system_part(part)?,
            data,
        )
    }

    fn intent_part(
        &self,
        source: Source,
        intent: &IntentId,
        mut data: Map<String, Value>,
    ) -> Option<String> {
        let templates = self.content.templates.intents.get(intent)?;
        let part = match &source {
            Source::Reassure(_) => &templates.reassure,
            Source::Restate(_) => &templates.restate,
            Source::Guidance(_) => &templates.guidance,
            Source::Commitment(_) => &templates.commitment,
            Source::FollowUp(_, worry) => templates.follow_ups.get(worry)?,
            Source::System(_) | Source::Question(..) => return None,
        };
        if !data.contains_key("title")
            && let Some(i) = self.content.intent(intent)
        {
            data::with_intent(&mut data, self.content, i);
        }
        let situation = Situation {
            kind: self
                .content
                .intent(intent)
                .map(|i| i.kind)
                .or(self.situation.kind),
            ..self.situation.clone()
        };
        self.render(&situation, source, part, data)
    }

    /// A slot's question, rendered with what is known of the demand.
    fn question(
        &self,
        intent: &IntentId,
        slot: &SlotName,
        data: Map<String, Value>,
    ) -> Option<String> {
        let source = Source::Question(intent.clone(), slot.clone());
        let key = source_key(&source, 0, 0);
        let rendered = self
            .composer
            .render_compiled(self.content.locale, source, 0, 0, data)?;
        self.used.borrow_mut().push(key);
        Some(rendered)
    }

    /// Renders the first matching rule of a part, with a variant that changes from turn to
    /// turn and from conversation to conversation.
    fn render(
        &self,
        situation: &Situation,
        source: Source,
        part: &Part,
        data: Map<String, Value>,
    ) -> Option<String> {
        let (r, rule) = situation.first_match(part)?;
        let v = variant(self.conversation, rule.say.len());
        let key = source_key(&source, r, v);
        let rendered = self
            .composer
            .render_compiled(self.content.locale, source, r, v, data)?;
        self.used.borrow_mut().push(key);
        Some(rendered)
    }
}

/// Which of `count` variants to say: rotates with the turn, offset by the conversation id
/// so that two customers asking the same thing do not get a canned echo.
fn variant(conversation: &Conversation, count: usize) -> usize {
    if count <= 1 {
        return 0;
    }
    let offset = conversation
        .id
        .as_str()
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
    (offset.wrapping_add(conversation.turn as usize)) % count
}
