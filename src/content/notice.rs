//! Crisis notices: the approved statement the front line gives while the bank has an
//! incident (ATMs of a city offline, mobile banking down, a rumour), to the conversations
//! it applies to, with the policy that holds meanwhile. Content staff write them as files
//! (`knowledge-base/<locale>/notices/<id>.yaml`); the on-duty manager publishes them
//! through `POST /admin/notices`. Both are one format ([`NoticeDraft`]) and pass one
//! validation ([`NoticeDraft::validate`]), so a notice the API accepts is one `check`
//! accepts, and the other way round.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::{ContentError, ContentErrors, LocaleContent, PromptLimit};
use crate::domain::{Channel, IntentId, Locale, Priority};

/// The folder of a locale's notices, under `knowledge-base/<locale>/`.
pub const NOTICES_DIR: &str = "notices";

/// The longest notice id.
const MAX_NOTICE_ID: usize = 64;

/// A notice's id (`atm-outage-hangzhou`): lowercase letters, digits, `-` and `_`,
/// starting with a letter, as an incident is usually named.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct NoticeId(String);

impl NoticeId {
    pub fn parse(value: &str) -> Result<NoticeId, String> {
        let mut chars = value.chars();
        let first = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest =
            chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if first && rest && value.len() <= MAX_NOTICE_ID {
            Ok(NoticeId(value.to_string()))
        } else {
            Err(format!(
                "`{value}` is not a valid notice id: use 1–{MAX_NOTICE_ID} characters of a-z, 0-9, - and _, starting with a letter"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for NoticeId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        NoticeId::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// The approved wording, for chat and for the phone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// What chat customers read.
    pub chat: String,
    /// What callers hear: within the IVR prompt limit; plain text (it is escaped into
    /// SSML when spoken).
    #[serde(default)]
    pub ivr: String,
}

/// Which conversations a notice is for: every filter given must match, and `intents` or
/// `keywords` must be given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppliesTo {
    /// The message's intent, or an open case's, is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intents: Vec<IntentId>,
    /// The message contains one of these (letter case ignored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// The conversation's channel is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// The message or a detail the customer gave (a branch, an ATM's place) names one of
    /// these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
}

/// What changes while a notice is active, for the conversations it applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticePolicy {
    /// A handoff of such a conversation has at least this priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff_priority: Option<Priority>,
    /// No time is promised (the cause is not known yet): the reply leaves out the
    /// commitment step.
    #[serde(default)]
    pub suppress_commitments: bool,
}

/// A notice as written in a file or sent to the API, before validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeDraft {
    pub id: String,
    pub locale: String,
    pub title: String,
    pub statement: Statement,
    pub applies_to: AppliesTo,
    /// RFC 3339 with its offset (`2026-12-01T08:00:00+08:00`).
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub policy: NoticePolicy,
}

/// A valid notice.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Notice {
    pub id: NoticeId,
    pub locale: Locale,
    pub title: String,
    pub statement: Statement,
    pub applies_to: AppliesTo,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub policy: NoticePolicy,
}

/// One thing wrong with a notice: the field and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NoticeProblem {
    pub field: &'static str,
    pub message: String,
}

impl NoticeProblem {
    fn new(field: &'static str, message: impl Into<String>) -> NoticeProblem {
        NoticeProblem {
            field,
            message: message.into(),
        }
    }
}

impl NoticeDraft {
    /// Checks the draft against the content of its locale (`content_of`): the intents it
    /// names, the forbidden phrases (fault admissions, guarantees), the phone's limit.
    pub fn validate<'c>(
        self,
        content_of: impl Fn(Locale) -> Option<&'c LocaleContent>,
    ) -> Result<Notice, Vec<NoticeProblem>> {
        let mut problems = Vec::new();
        let id = NoticeId::parse(self.id.trim())
            .map_err(|e| problems.push(NoticeProblem::new("id", e)))
            .ok();
        let locale = self
            .locale
            .parse::<Locale>()
            .map_err(|e| problems.push(NoticeProblem::new("locale", e.to_string())))
            .ok();
        let content = locale.and_then(&content_of);
        if locale.is_some() && content.is_none() {
            problems.push(NoticeProblem::new(
                "locale",
                "no content is served in this locale",
            ));
        }
        if self.title.trim().is_empty() {
            problems.push(NoticeProblem::new("title", "empty: name the incident"));
        }
        let chat = self.statement.chat.trim().to_string();
        let ivr = self.statement.ivr.trim().to_string();
        if chat.is_empty() {
            problems.push(NoticeProblem::new(
                "statement.chat",
                "empty: write the approved wording",
            ));
        }
        if ivr.is_empty() {
            problems.push(NoticeProblem::new(
                "statement.ivr",
                "missing: every notice needs its phone version, within the IVR prompt limit",
            ));
        }
        if let Some(content) = content {
            let limit = content
                .templates
                .ivr
                .prompt_limit
                .unwrap_or_else(|| PromptLimit::default_for(content.locale));
            if limit.measure(&ivr) > limit.max() {
                problems.push(NoticeProblem::new(
                    "statement.ivr",
                    format!(
                        "{} long, over the IVR prompt limit of {}: shorten it",
                        limit.measure(&ivr),
                        limit.max()
                    ),
                ));
            }
            for (field, text) in [("statement.chat", &chat), ("statement.ivr", &ivr)] {
                for phrase in &content.templates.forbidden {
                    if text.contains(phrase.as_str()) {
                        problems.push(NoticeProblem::new(
                            field,
                            format!("forbidden phrase `{phrase}` (listed in _replies.yaml): a notice neither admits fault nor guarantees"),
                        ));
                    }
                }
            }
            for intent in &self.applies_to.intents {
                if content.intent(intent).is_none() {
                    problems.push(NoticeProblem::new(
                        "applies_to.intents",
                        format!("unknown intent `{intent}`"),
                    ));
                }
            }
        }
        let keywords: Vec<String> = self
            .applies_to
            .keywords
            .iter()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect();
        let locations: Vec<String> = self
            .applies_to
            .locations
            .iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if self.applies_to.intents.is_empty() && keywords.is_empty() {
            problems.push(NoticeProblem::new(
                "applies_to",
                "give `intents` or `keywords`: a notice for every conversation is not a notice",
            ));
        }
        if self.ends_at <= self.starts_at {
            problems.push(NoticeProblem::new("ends_at", "must be after starts_at"));
        }
        match (id, locale, problems.is_empty()) {
            (Some(id), Some(locale), true) => Ok(Notice {
                id,
                locale,
                title: self.title.trim().to_string(),
                statement: Statement { chat, ivr },
                applies_to: AppliesTo {
                    intents: self.applies_to.intents,
                    keywords,
                    channels: self.applies_to.channels,
                    locations,
                },
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                policy: self.policy,
            }),
            _ => Err(problems),
        }
    }
}

impl Notice {
    /// Whether it is in force at `now` (from its start, until its end).
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && now < self.ends_at
    }

    /// Whether it is still to come at `now`.
    pub fn scheduled_at(&self, now: DateTime<Utc>) -> bool {
        now < self.starts_at
    }

    /// Whether its time overlaps `other`'s.
    pub fn overlaps(&self, other: &Notice) -> bool {
        self.starts_at < other.ends_at && other.starts_at < self.ends_at
    }

    /// The problem of publishing it beside `other`: both in force at some moment for the
    /// same intent, with different policies (which would the bot follow?).
    pub fn conflict_with(&self, other: &Notice) -> Option<NoticeProblem> {
        let shared = self
            .applies_to
            .intents
            .iter()
            .find(|i| other.applies_to.intents.contains(i))?;
        (self.id != other.id
            && self.locale == other.locale
            && self.overlaps(other)
            && self.policy != other.policy)
            .then(|| {
                NoticeProblem::new(
                    "policy",
                    format!(
                        "overlaps notice `{}` on intent `{shared}` with a different policy: give both the same policy or make their times not overlap",
                        other.id.as_str()
                    ),
                )
            })
    }

    /// Whether it applies to a message of a conversation: `text` is the message (in
    /// memory), `intents` the message's and the open cases', `details` what the customer
    /// gave (slot values).
    pub fn applies(
        &self,
        channel: Channel,
        text: Option<&str>,
        intents: &[&IntentId],
        details: &[&str],
    ) -> bool {
        let to = &self.applies_to;
        let text = text.unwrap_or_default();
        let lower = text.to_lowercase();
        let channel_ok = to.channels.is_empty() || to.channels.contains(&channel);
        let intent_ok = to.intents.is_empty() || to.intents.iter().any(|i| intents.contains(&i));
        let keyword_ok = to.keywords.is_empty()
            || to
                .keywords
                .iter()
                .any(|k| lower.contains(&k.to_lowercase()));
        let location_ok = to.locations.is_empty()
            || to.locations.iter().any(|place| {
                text.contains(place.as_str()) || details.iter().any(|d| d.contains(place.as_str()))
            });
        channel_ok && intent_ok && keyword_ok && location_ok
    }
}

/// A notice file: the draft, validated against its locale's content; errors as
/// `path:line: field: message` (the line where the field is written, else 1).
pub fn parse_notice_file(
    path: &Path,
    source: &str,
    content: &LocaleContent,
) -> Result<Notice, ContentErrors> {
    let draft: NoticeDraft = serde_saphyr::from_str(source)
        .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
    let expected = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let mut errors = ContentErrors::default();
    if draft.id.trim() != expected {
        errors.push(ContentError::new(
            path,
            line_of(source, "id"),
            format!(
                "the notice's id `{}` must be its file's name (`{expected}`)",
                draft.id.trim()
            ),
        ));
    }
    if draft.locale.trim() != content.locale.as_str() {
        errors.push(ContentError::new(
            path,
            line_of(source, "locale"),
            format!(
                "locale `{}` in the {} folder",
                draft.locale.trim(),
                content.locale.as_str()
            ),
        ));
    }
    match draft.validate(|locale| (locale == content.locale).then_some(content)) {
        Ok(notice) if errors.is_empty() => Ok(notice),
        Ok(_) => Err(errors),
        Err(problems) => {
            for problem in problems {
                let key = problem.field.rsplit('.').next().unwrap_or(problem.field);
                errors.push(ContentError::new(
                    path,
                    line_of(source, key),
                    format!("{}: {}", problem.field, problem.message),
                ));
            }
            Err(errors)
        }
    }
}

/// The line where `key:` is first written in a YAML file, 1 if nowhere.
fn line_of(source: &str, key: &str) -> usize {
    source
        .lines()
        .position(|line| line.trim_start().starts_with(&format!("{key}:")))
        .map_or(1, |i| i + 1)
}

/// The JSON Schema of a notice file and of `POST /admin/notices`'s body.
pub fn notice_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(NoticeDraft)).unwrap_or_default()
}
