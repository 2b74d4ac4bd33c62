//! What the two voice webhooks (Twilio, VoiceXML) share: the form body the platform posts,
//! the call's conversation id, the `?locale=` of the webhook URL, and the phone turn they
//! hand to the conversation service.

use actix_web::{HttpRequest, web};

use super::ApiError;
use crate::dialogue::{IvrEvent, TurnRequest};
use crate::domain::{Channel, ConversationId, Customer, Dtmf, Locale, MessageText};

/// A form-encoded webhook body, fields in the order posted.
pub struct VoiceForm {
    params: Vec<(String, String)>,
}

impl VoiceForm {
    pub fn parse(body: &[u8]) -> Result<VoiceForm, ApiError> {
        serde_urlencoded::from_bytes(body)
            .map(|params| VoiceForm { params })
            .map_err(|e| ApiError::InvalidField(format!("form body: {e}")))
    }

    /// Every field, for signing.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// A field's value; an empty value counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The conversation of a call: `prefix` and the platform's call id in field `field`.
    pub fn conversation_id(&self, field: &str, prefix: &str) -> Result<ConversationId, ApiError> {
        let call = self
            .get(field)
            .ok_or_else(|| ApiError::InvalidField(format!("{field} is required")))?;
        ConversationId::parse(&format!("{prefix}-{call}"))
            .map_err(|e| ApiError::InvalidConversationId(e.to_string()))
    }

    /// Keys pressed, in field `field`, checked like the JSON API's `dtmf`.
    pub fn keys(&self, field: &str) -> Result<Option<Dtmf>, ApiError> {
        self.get(field)
            .map(Dtmf::parse)
            .transpose()
            .map_err(|e| ApiError::InvalidField(format!("{field}: {e}")))
    }

    /// Speech in field `field`, checked like any message text.
    pub fn speech(&self, field: &str) -> Result<Option<MessageText>, ApiError> {
        self.get(field)
            .map(|t| MessageText::parse(t.to_string()))
            .transpose()
            .map_err(|e| ApiError::InvalidField(format!("{field}: {e}")))
    }
}

/// The locale the webhook URL names (`?locale=zh-CN`), else the default.
pub fn locale_of(request: &HttpRequest) -> Locale {
    web::Query::<Vec<(String, String)>>::from_query(request.query_string())
        .ok()
        .and_then(|q| {
            q.iter()
                .find(|(k, _)| k == "locale")
                .and_then(|(_, v)| v.parse().ok())
        })
        .unwrap_or_default()
}

/// A phone turn: nothing said and no key pressed is a silence.
pub fn phone_turn(
    text: Option<MessageText>,
    dtmf: Option<Dtmf>,
    event: Option<IvrEvent>,
    asr_confidence: Option<f32>,
    locale: Locale,
) -> TurnRequest {
    let event = event.or_else(|| (text.is_none() && dtmf.is_none()).then_some(IvrEvent::NoInput));
    TurnRequest {
        text,
        asr_confidence,
        dtmf,
        event,
        channel: Channel::Ivr,
        locale,
        customer: Customer::default(),
        chosen: None,
        spoken: false,
    }
}
