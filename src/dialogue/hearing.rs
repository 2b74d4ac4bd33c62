//! Hearing: what the customer said this turn and how sure we are of it. A keypress stands
//! for its menu intent; on the phone, speech the recogniser is unsure of is held back,
//! said back, and acted on only after a yes. This is the one place outside the engine
//! that changes dialogue state (the held speech), so it lives in `dialogue`.

use chrono::NaiveDate;

use super::conversation::Conversation;
use super::engine::Speech;
use crate::content::{ConversationAct, LocaleContent};
use crate::domain::{Channel, Customer, Dtmf, IntentId, Locale, MessageText};
use crate::nlu::{MessageUnderstanding, Understanding, Utterance};
use crate::privacy::mask;

/// What a phone platform reports instead of words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IvrEvent {
    /// The caller said nothing.
    NoInput,
    /// The recogniser heard something it could not use.
    NoMatch,
}

/// A customer's message, already checked at the edge.
#[derive(Clone, Debug)]
pub struct TurnRequest {
    pub text: Option<MessageText>,
    /// How sure the phone platform's speech recogniser is of `text` (0–1).
    pub asr_confidence: Option<f32>,
    pub dtmf: Option<Dtmf>,
    pub event: Option<IvrEvent>,
    pub channel: Channel,
    pub locale: Locale,
    pub customer: Customer,
    /// An intent the customer chose from a menu (a WeChat menu button): heard as chosen,
    /// like a keypad key.
    pub chosen: Option<IntentId>,
    /// `text` is a speech recogniser's (a WeChat voice message's `Recognition`): heard by
    /// sound too, like the phone, whatever the conversation's channel.
    pub spoken: bool,
}

/// What was heard: the understanding, how it was heard, and the text the dialogue works
/// with (raw, in memory only).
pub struct Heard {
    pub understanding: MessageUnderstanding,
    pub speech: Speech,
    pub said: Option<String>,
}

impl Heard {
    fn nothing(speech: Speech) -> Heard {
        Heard {
            understanding: MessageUnderstanding::nothing(),
            speech,
            said: None,
        }
    }
}

/// Hears one message of `conversation`: understands it and settles held speech.
pub fn hear(
    understanding: &Understanding,
    content: &LocaleContent,
    request: &TurnRequest,
    conversation: &mut Conversation,
    today: NaiveDate,
) -> Heard {
    if request.event.is_some() {
        return Heard::nothing(Speech::Silence);
    }
    let locale = conversation.locale;
    let channel = conversation.channel;
    let ivr = &content.templates.ivr;
    // Speech is heard by its sound too (homophones), as on the phone.
    let heard_via = if request.spoken {
        Channel::Ivr
    } else {
        channel
    };
    let understand = |text: &str| {
        understanding.understand(&Utterance::new(text, locale).via(heard_via).on(today))
    };
    // On WeChat the choices offered are numbered: `2` means the second.
    let said = request.text.as_ref().map(|t| {
        let text = t.as_str();
        match conversation.numbered_choice(text) {
            Some(choice) if channel == Channel::Wechat => choice.to_string(),
            _ => text.to_string(),
        }
    });
    let heard = match &request.chosen {
        Some(intent) => MessageUnderstanding::chosen(intent.clone()),
        None => match (&said, &request.dtmf) {
            (Some(text), _) => match content.templates.system.quick_reply_means.get(text.trim()) {
                // A quick reply the bot offered means what it offered.
                Some(meaning) => MessageUnderstanding::chosen(meaning.intent.clone()).said(text),
                None => understand(text),
            },
            (None, Some(keys)) => match keys.single_key().and_then(|k| ivr.keys.get(&k)) {
                Some(intent) => MessageUnderstanding::chosen(intent.clone()),
                // Several digits (a card's last four) are read like words.
                None => understand(keys.as_str()),
            },
            (None, None) => MessageUnderstanding::nothing(),
        },
    };
    if let Some(held) = conversation.unconfirmed_speech.take() {
        let answer = heard
            .whole
            .intent
            .as_ref()
            .and_then(|s| ConversationAct::of(&s.id));
        match answer {
            Some(ConversationAct::Affirm) => {
                let held = held.into_string();
                return Heard {
                    understanding: understand(&held),
                    speech: Speech::Understood,
                    said: Some(held),
                };
            }
            Some(ConversationAct::Deny) => {
                return Heard {
                    understanding: heard,
                    speech: Speech::Misheard,
                    said,
                };
            }
            // Anything else is a new utterance that replaces what was heard.
            _ => {}
        }
    }
    let unsure = (channel == Channel::Ivr || request.spoken)
        && request
            .asr_confidence
            .is_some_and(|c| c < ivr.asr_confidence_threshold);
    if unsure && let Some(text) = said {
        conversation.unconfirmed_speech = Some(mask(&text));
        return Heard::nothing(Speech::Unsure);
    }
    Heard {
        understanding: heard,
        speech: Speech::Understood,
        said,
    }
}
