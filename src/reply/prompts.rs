//! The prompts a caller can hear, rendered with the content's own facts, so that content
//! staff (and the tests) can see which are longer than the phone allows. A caller cannot
//! scroll back: every template a phone reply can use must fit the locale's prompt limit.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::{Composer, Source, data};
use crate::content::{Conditions, Intent, LocaleContent, Part, PromptLimit, Slot, SystemPart};
use crate::domain::Channel;

/// Stands in for what a customer said of a slot ("3000元", "人民路支行"): four characters
/// or one word, about what callers say.
const SAMPLE_SLOT: &str = "XXXX";

/// A rendered phone prompt that is longer than the limit.
#[derive(Clone, Debug, PartialEq)]
pub struct LongPrompt {
    /// `templates/<locale>/<file>.yaml:<line>` or `intents/<locale>/<id>.yaml` for a slot
    /// question.
    pub location: String,
    pub length: usize,
    pub limit: PromptLimit,
    pub text: String,
}

impl std::fmt::Display for LongPrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.limit {
            PromptLimit::Characters(_) => "characters",
            PromptLimit::Words(_) => "words",
        };
        write!(
            f,
            "{}: IVR prompt of {} {unit} is longer than {}: {}",
            self.location,
            self.length,
            self.limit.max(),
            self.text
        )
    }
}

impl Composer {
    /// Every template a phone reply of `content` can use, rendered with the intent's
    /// knowledge-base facts and sample slots, that is longer than the locale's prompt limit.
    pub fn long_ivr_prompts(&self, content: &LocaleContent) -> Vec<LongPrompt> {
        let locale = content.locale;
        let limit = content
            .templates
            .ivr
            .prompt_limit
            .unwrap_or_else(|| PromptLimit::default_for(locale));
        let mut long = Vec::new();
        let mut check = |location: String, text: String| {
            let length = limit.measure(&text);
            if length > limit.max() {
                long.push(LongPrompt {
                    location,
                    length,
                    limit,
                    text,
                });
            }
        };
        let sample_date = NaiveDate::from_ymd_opt(2026, 12, 31).expect("a valid date");
        let longest_title = content
            .intents
            .iter()
            .max_by_key(|i| limit.measure(i.spoken_title()));
        for (name, part) in &content.templates.system.parts {
            if *name == SystemPart::Synopsis {
                continue; // read by agents, never spoken
            }
            let mut data = data::base(content);
            if let Some(intent) = longest_title {
                data::with_intent(&mut data, content, intent);
            }
            data.insert("menu".into(), content.templates.ivr.menu.clone().into());
            let questions: Vec<(String, String)> = if *name == SystemPart::Ask {
                content
                    .intents
                    .iter()
                    .flat_map(|i| i.slots.iter().map(move |s| (i, s)))
                    .map(|(i, s)| {
                        (
                            format!("{}/{}", i.id, s.name),
                            self.sample_question(content, i, s),
                        )
                    })
                    .collect()
            } else {
                vec![(String::new(), String::new())]
            };
            for (asked, question) in questions {
                let mut data = data.clone();
                data.insert("question".into(), question.into());
                for (line, text) in
                    self.phone_renderings(content, Source::System(*name), part, &data)
                {
                    let location = at(&format!("templates/{locale}/_replies.yaml"), line);
                    let location = if asked.is_empty() {
                        location
                    } else {
                        format!("{location} (asking {asked})")
                    };
                    check(location, text);
                }
            }
        }
        for (id, templates) in &content.templates.intents {
            let Some(intent) = content.intent(id) else {
                continue;
            };
            let data = intent_data(content, intent, sample_date);
            let fixed = [
                (Source::Reassure(id.clone()), &templates.reassure),
                (Source::Restate(id.clone()), &templates.restate),
                (Source::Guidance(id.clone()), &templates.guidance),
                (Source::Commitment(id.clone()), &templates.commitment),
            ];
            let follow_ups = templates
                .follow_ups
                .iter()
                .map(|(worry, part)| (Source::FollowUp(id.clone(), worry.clone()), part));
            let parts = fixed.into_iter().chain(follow_ups);
            for (source, part) in parts {
                for (line, text) in self.phone_renderings(content, source, part, &data) {
                    check(at(&format!("templates/{locale}/{id}.yaml"), line), text);
                }
            }
        }
        long
    }

    /// Each variant of each rule of `part` that a phone call can reach, with its line.
    /// Rules are tried in order, so a rule is unreachable when an earlier one holds
    /// whenever it does (`{reason: x, channel: ivr}` hides `{reason: x}` on the phone).
    /// A slot's question as the caller hears it before anything is known of the case.
    fn sample_question(&self, content: &LocaleContent, intent: &Intent, slot: &Slot) -> String {
        let source = Source::Question(intent.id.clone(), slot.name.clone());
        self.render_compiled(content.locale, source, 0, 0, data::base(content))
            .unwrap_or_else(|| slot.question.clone())
    }

    fn phone_renderings(
        &self,
        content: &LocaleContent,
        source: Source,
        part: &Part,
        data: &Map<String, Value>,
    ) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (r, rule) in part.rules.iter().enumerate() {
            let on_the_phone = rule.when.channel.is_none_or(|c| c == Channel::Ivr);
            let hidden = part.rules[..r]
                .iter()
                .any(|earlier| holds_whenever(&earlier.when, &rule.when));
            if !on_the_phone || hidden {
                continue;
            }
            for (v, text) in rule.say.iter().enumerate() {
                let rendered = self
                    .names
                    .get(&(content.locale, source.clone(), r, v))
                    .and_then(|name| {
                        self.registry
                            .render(name, &Value::Object(data.clone()))
                            .ok()
                    });
                if let Some(rendered) = rendered {
                    out.push((text.line, rendered.trim().to_string()));
                }
            }
        }
        out
    }
}

/// Whether `earlier` holds on the phone whenever `later` does: each of its conditions is
/// absent or the same in `later` (the channel counts as `ivr` in both).
fn holds_whenever(earlier: &Conditions, later: &Conditions) -> bool {
    fn implied<T: PartialEq>(e: &Option<T>, l: &Option<T>) -> bool {
        e.is_none() || e == l
    }
    earlier.channel.is_none_or(|c| c == Channel::Ivr)
        && implied(&earlier.emotion, &later.emotion)
        && implied(&earlier.strength, &later.strength)
        && implied(&earlier.segment, &later.segment)
        && implied(&earlier.kind, &later.kind)
        && implied(&earlier.reason, &later.reason)
}

/// `path:line`, or the path alone where the parser could not tell the line.
fn at(path: &str, line: usize) -> String {
    if line == 0 {
        path.to_string()
    } else {
        format!("{path}:{line}")
    }
}

/// An intent's facts, a commitment deadline and sample slots.
fn intent_data(
    content: &LocaleContent,
    intent: &Intent,
    deadline: NaiveDate,
) -> Map<String, Value> {
    let mut data = data::base(content);
    data::with_intent(&mut data, content, intent);
    data::with_deadline(&mut data, deadline, content.locale);
    let slots: Map<String, Value> = intent
        .slots
        .iter()
        .map(|s| (s.name.to_string(), Value::String(SAMPLE_SLOT.into())))
        .collect();
    data.insert("slots".into(), Value::Object(slots.clone()));
    data.insert("values".into(), Value::Object(slots));
    data
}
