//! The id a client gives a conversation: 1–128 characters of `[A-Za-z0-9_.:-]` (API
//! contract), so it is safe in URLs, logs and file names.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

pub const MAX_CONVERSATION_ID_LEN: usize = 128;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ConversationId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conversation id must be 1–{MAX_CONVERSATION_ID_LEN} characters of A-Z, a-z, 0-9, _ . : -")]
pub struct ConversationIdError;

impl ConversationId {
    pub fn parse(value: &str) -> Result<ConversationId, ConversationIdError> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-');
        if !value.is_empty()
            && value.len() <= MAX_CONVERSATION_ID_LEN
            && value.chars().all(valid_char)
        {
            Ok(ConversationId(value.to_string()))
        } else {
            Err(ConversationIdError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ConversationId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ConversationId::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_contract() {
        assert!(ConversationId::parse("call:CA1234.5-x_y").is_ok());
        assert!(ConversationId::parse("").is_err());
        assert!(ConversationId::parse("has space").is_err());
        assert!(ConversationId::parse("中文").is_err());
        assert!(ConversationId::parse(&"a".repeat(129)).is_err());
        assert!(ConversationId::parse(&"a".repeat(128)).is_ok());
    }
}
