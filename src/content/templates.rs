//! Reply templates (`templates/<locale>/`): what the bot says, written by content staff as
//! handlebars text. `_replies.yaml` holds the replies every conversation needs (soothing
//! openings, questions, fallbacks, handoff notices, goodbyes); `<intent_id>.yaml` holds an
//! intent's own restatement, guidance and commitment.
//!
//! Every part is a list of rules; the first rule whose `when` matches the situation is
//! used, and one of its `say` variants is picked so that repeated turns do not read the
//! same. A part written as plain text (or a list of texts) is one rule without `when`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{ContentError, ContentErrors};
use crate::domain::{Channel, EmotionLabel, FollowUpId, HandoffReason, IntentId, Segment};

/// How strong a feeling is, for choosing an opening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    Mild,
    Strong,
}

/// When a rule applies. Every condition given must hold; absent ones always hold.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    pub emotion: Option<EmotionLabel>,
    pub strength: Option<Strength>,
    pub segment: Option<Segment>,
    pub channel: Option<Channel>,
    /// For system parts shared by all intents: the kind of the intent at hand.
    pub kind: Option<super::IntentKind>,
    /// For handoff notices: the reason.
    pub reason: Option<HandoffReason>,
}

/// A template text with the line it was written on.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateText {
    pub text: String,
    pub line: usize,
}

/// One rule of a part.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub when: Conditions,
    pub say: Vec<TemplateText>,
}

/// A part of a reply: rules, first match wins.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Part {
    pub rules: Vec<Rule>,
}

impl Part {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn texts(&self) -> impl Iterator<Item = &TemplateText> {
        self.rules.iter().flat_map(|r| r.say.iter())
    }
}

/// The replies every conversation needs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SystemTemplates {
    pub parts: BTreeMap<SystemPart, Part>,
    pub quick_replies: BTreeMap<SystemPart, Vec<String>>,
    /// What a quick-reply button means when the customer taps it (or types its label
    /// exactly): the bot offered it, so it is not guessed at.
    pub quick_reply_means: BTreeMap<String, QuickReplyMeaning>,
}

/// The intent a quick-reply label stands for, and where content staff declared it.
#[derive(Clone, Debug, PartialEq)]
pub struct QuickReplyMeaning {
    pub intent: IntentId,
    pub line: usize,
}

/// The named system parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemPart {
    /// Step one: soothing, chosen by emotion, strength and segment.
    Opening,
    /// Asks for a missing slot; `{{question}}` is the slot's question.
    Ask,
    /// After a restatement: asks the customer to confirm it.
    Confirm,
    /// After a "no": asks what is wrong.
    Correction,
    /// The bot did not understand.
    Fallback,
    /// Handing over to a human, by reason.
    Handoff,
    /// Replies after the handoff, while the customer waits.
    Holding,
    /// Closing the conversation.
    Goodbye,
    /// A goodbye while demands are still open: names them and asks.
    OpenDemands,
    /// Offers more help once a demand is handled.
    AnythingElse,
    /// Turns to the next open demand: `{{title}}`.
    NextDemand,
    /// Acknowledges an extra demand raised in the same message: `{{title}}`.
    Noted,
    /// Acknowledges a detail added to a case after its restatement.
    DetailNoted,
    /// Asks whether the guidance solved the problem.
    ResolvedCheck,
    /// A caller said nothing (or nothing recognisable): a gentle reprompt.
    Silence,
    /// The second silence in a row: the reprompt with the keypad menu, `{{menu}}`.
    SilenceMenu,
    /// Unsure speech recognition: `{{heard}}` said back, asking for a yes.
    Heard,
    /// The caller said the bot misheard: please say it again.
    SayAgain,
    /// An agent gave the conversation back: the bot carries on, naming the demands still
    /// open as `{{open_demands}}` (empty when none is).
    BackToBot,
    /// A returning customer's earlier case recalled, first thing: `{{title}}`, `{{made}}`
    /// (the day it was raised), `{{slots.x}}`, `{{commitment.deadline}}`.
    Recall,
    /// After an answer from the knowledge base's FAQ: where it comes from, `{{source}}`,
    /// and when it was last checked, `{{reviewed}}`. Not said on the phone.
    FaqCitation,
    /// Asks which of two or three FAQ questions the customer meant (offered as quick
    /// replies).
    FaqChoices,
    /// The one or two sentences a human agent reads first in a handoff summary:
    /// `{{intents}}` (titles), `{{details}}` (what the customer said of the slots).
    Synopsis,
}

/// An intent's own replies.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IntentTemplates {
    /// Said right after soothing on the first turn of a complaint (`资金不会丢失`).
    pub reassure: Part,
    /// Says back what was understood; `{{slots.x}}` are the slots as the customer said them.
    pub restate: Part,
    /// The rule-based solution; `{{facts.x}}` come from the linked knowledge-base articles.
    pub guidance: Part,
    /// What happens next and by when: `{{commitment.days}}`, `{{commitment.deadline}}`.
    pub commitment: Part,
    pub quick_replies: Vec<String>,
    /// The answer to each of the intent's follow-up worries.
    pub follow_ups: BTreeMap<FollowUpId, Part>,
}

/// Every template of one locale.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplyTemplates {
    pub system: SystemTemplates,
    pub intents: BTreeMap<IntentId, IntentTemplates>,
    /// Phrases no template may contain (admitting fault, guaranteeing returns).
    pub forbidden: Vec<String>,
    /// The phone settings (`_ivr.yaml`).
    pub ivr: super::ivr::IvrSettings,
    /// The WeChat Official Account settings (`_wechat.yaml`).
    pub wechat: super::wechat::WechatSettings,
}

/// A part as written: a text, a list of texts, or a list of rules.
#[derive(Deserialize)]
#[serde(untagged)]
enum PartFile {
    One(Spanned<String>),
    Many(Vec<Spanned<String>>),
    Rules(Vec<RuleFile>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    when: Conditions,
    say: SayFile,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SayFile {
    One(Spanned<String>),
    Many(Vec<Spanned<String>>),
}

/// `_replies.yaml` as written: one field per system part, plus quick replies and the
/// forbidden phrases.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemFile {
    opening: Option<PartFile>,
    ask: Option<PartFile>,
    confirm: Option<PartFile>,
    correction: Option<PartFile>,
    fallback: Option<PartFile>,
    handoff: Option<PartFile>,
    holding: Option<PartFile>,
    goodbye: Option<PartFile>,
    open_demands: Option<PartFile>,
    anything_else: Option<PartFile>,
    next_demand: Option<PartFile>,
    noted: Option<PartFile>,
    detail_noted: Option<PartFile>,
    resolved_check: Option<PartFile>,
    synopsis: Option<PartFile>,
    silence: Option<PartFile>,
    silence_menu: Option<PartFile>,
    heard: Option<PartFile>,
    say_again: Option<PartFile>,
    back_to_bot: Option<PartFile>,
    recall: Option<PartFile>,
    faq_citation: Option<PartFile>,
    faq_choices: Option<PartFile>,
    #[serde(default)]
    quick_replies: BTreeMap<SystemPart, Vec<String>>,
    #[serde(default)]
    quick_reply_means: BTreeMap<String, Spanned<IntentId>>,
    #[serde(default)]
    forbidden: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentFile {
    #[serde(default)]
    reassure: Option<PartFile>,
    #[serde(default)]
    restate: Option<PartFile>,
    guidance: PartFile,
    #[serde(default)]
    commitment: Option<PartFile>,
    #[serde(default)]
    quick_replies: Vec<String>,
    #[serde(default)]
    follow_ups: BTreeMap<FollowUpId, PartFile>,
}

fn texts(
    path: &Path,
    spans: Vec<Spanned<String>>,
    errors: &mut ContentErrors,
) -> Vec<TemplateText> {
    spans
        .into_iter()
        .filter_map(|s| {
            let line = s.referenced.line() as usize;
            let text = s.value.trim_end().to_string();
            if text.trim().is_empty() {
                errors.push(ContentError::new(path, line, "empty template text"));
                return None;
            }
            if let Err(e) = handlebars::Template::compile(&text) {
                errors.push(ContentError::new(
                    path,
                    line,
                    format!("template does not compile: {}", e.reason()),
                ));
                return None;
            }
            Some(TemplateText { text, line })
        })
        .collect()
}

fn part(path: &Path, file: PartFile, errors: &mut ContentErrors) -> Part {
    let rules = match file {
        PartFile::One(text) => vec![(Conditions::default(), vec![text])],
        PartFile::Many(texts) => vec![(Conditions::default(), texts)],
        PartFile::Rules(rules) => rules
            .into_iter()
            .map(|r| {
                let say = match r.say {
                    SayFile::One(t) => vec![t],
                    SayFile::Many(ts) => ts,
                };
                (r.when, say)
            })
            .collect(),
    };
    Part {
        rules: rules
            .into_iter()
            .map(|(when, say)| Rule {
                when,
                say: texts(path, say, errors),
            })
            .filter(|r| !r.say.is_empty())
            .collect(),
    }
}

/// The system file: parts by name, plus `quick_replies` and `forbidden`.
pub fn parse_system(
    path: &Path,
    source: &str,
) -> Result<(SystemTemplates, Vec<String>), ContentErrors> {
    let file: SystemFile = serde_saphyr::from_str(source)
        .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
    let mut errors = ContentErrors::default();
    let named = [
        (SystemPart::Opening, "opening", file.opening),
        (SystemPart::Ask, "ask", file.ask),
        (SystemPart::Confirm, "confirm", file.confirm),
        (SystemPart::Correction, "correction", file.correction),
        (SystemPart::Fallback, "fallback", file.fallback),
        (SystemPart::Handoff, "handoff", file.handoff),
        (SystemPart::Holding, "holding", file.holding),
        (SystemPart::Goodbye, "goodbye", file.goodbye),
        (SystemPart::OpenDemands, "open_demands", file.open_demands),
        (
            SystemPart::AnythingElse,
            "anything_else",
            file.anything_else,
        ),
        (SystemPart::NextDemand, "next_demand", file.next_demand),
        (SystemPart::Noted, "noted", file.noted),
        (SystemPart::DetailNoted, "detail_noted", file.detail_noted),
        (
            SystemPart::ResolvedCheck,
            "resolved_check",
            file.resolved_check,
        ),
        (SystemPart::Synopsis, "synopsis", file.synopsis),
        (SystemPart::Silence, "silence", file.silence),
        (SystemPart::SilenceMenu, "silence_menu", file.silence_menu),
        (SystemPart::Heard, "heard", file.heard),
        (SystemPart::SayAgain, "say_again", file.say_again),
        (SystemPart::BackToBot, "back_to_bot", file.back_to_bot),
        (SystemPart::Recall, "recall", file.recall),
        (SystemPart::FaqCitation, "faq_citation", file.faq_citation),
        (SystemPart::FaqChoices, "faq_choices", file.faq_choices),
    ];
    let mut parts = BTreeMap::new();
    for (name, key, part_file) in named {
        match part_file.map(|f| part(path, f, &mut errors)) {
            Some(p) if !p.is_empty() => {
                parts.insert(name, p);
            }
            _ => errors.push(ContentError::new(
                path,
                1,
                format!("missing reply part `{key}`"),
            )),
        }
    }
    for label in file.quick_replies.values().flatten() {
        if !file.quick_reply_means.contains_key(label) {
            errors.push(ContentError::new(
                path,
                1,
                format!("quick reply `{label}` has no meaning in `quick_reply_means`"),
            ));
        }
    }
    let quick_reply_means = file
        .quick_reply_means
        .into_iter()
        .map(|(label, intent)| {
            let meaning = QuickReplyMeaning {
                line: intent.referenced.line() as usize,
                intent: intent.value,
            };
            (label.trim().to_string(), meaning)
        })
        .collect();
    errors.into_result((
        SystemTemplates {
            parts,
            quick_replies: file.quick_replies,
            quick_reply_means,
        },
        file.forbidden,
    ))
}

/// An intent's template file.
pub fn parse_intent(path: &Path, source: &str) -> Result<IntentTemplates, ContentErrors> {
    let file: IntentFile = serde_saphyr::from_str(source)
        .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
    let mut errors = ContentErrors::default();
    let mut optional =
        |p: Option<PartFile>| p.map(|p| part(path, p, &mut errors)).unwrap_or_default();
    let reassure = optional(file.reassure);
    let restate = optional(file.restate);
    let commitment = optional(file.commitment);
    let guidance = part(path, file.guidance, &mut errors);
    if guidance.is_empty() {
        errors.push(ContentError::new(
            path,
            1,
            "`guidance` needs at least one text",
        ));
    }
    let follow_ups = file
        .follow_ups
        .into_iter()
        .map(|(id, p)| (id, part(path, p, &mut errors)))
        .collect();
    errors.into_result(IntentTemplates {
        reassure,
        restate,
        guidance,
        commitment,
        quick_replies: file.quick_replies,
        follow_ups,
    })
}
