//! What a customer typed or said: never empty, never longer than the limit.

use serde::{Deserialize, Deserializer};

/// The longest message accepted, in characters. Longer input is refused, not cut: a
/// silently truncated complaint loses what the customer said last.
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// A customer message (raw: it may hold personal data, so it is never stored or logged
/// as is; see `privacy`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageText(String);

/// Why a text is not a valid message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageTextError {
    #[error("text must not be empty")]
    Empty,
    #[error("text is {0} characters long; the limit is {MAX_MESSAGE_CHARS}")]
    TooLong(usize),
}

impl MessageText {
    pub fn parse(text: String) -> Result<MessageText, MessageTextError> {
        if text.trim().is_empty() {
            return Err(MessageTextError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_MESSAGE_CHARS {
            return Err(MessageTextError::TooLong(chars));
        }
        Ok(MessageText(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for MessageText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        MessageText::parse(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A string of 1 to [`MAX_MESSAGE_CHARS`] characters, not only white space.
impl schemars::JsonSchema for MessageText {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MessageText".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_MESSAGE_CHARS,
            "description": "What the customer typed or said; not only white space.",
        })
    }
}
