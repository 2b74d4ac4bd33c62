//! The human agent who takes a conversation over from the bot: a desk's id for them and
//! the name the customer sees (`王经理 已接入`). Both are checked once at the edge, so a
//! conversation's state never holds an id a desk could not have sent or a name too long
//! for the widget.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// The longest agent id a desk may send.
pub const MAX_AGENT_ID_LEN: usize = 64;
/// The longest agent name shown to a customer, in characters.
pub const MAX_AGENT_NAME_CHARS: usize = 40;

/// Why an agent's id or name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    #[error("agent id: use 1 to {MAX_AGENT_ID_LEN} of A-Z a-z 0-9 _ . : -")]
    Id,
    #[error("agent name: 1 to {MAX_AGENT_NAME_CHARS} characters, no control characters")]
    Name,
}

/// A desk's id for an agent: 1–64 of `[A-Za-z0-9_.:-]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AgentId(String);

impl AgentId {
    pub fn parse(value: &str) -> Result<AgentId, AgentError> {
        let ok = !value.is_empty()
            && value.len() <= MAX_AGENT_ID_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
        ok.then(|| AgentId(value.to_string())).ok_or(AgentError::Id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AgentId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        AgentId::parse(&value).map_err(serde::de::Error::custom)
    }
}

/// The name the customer sees: 1–40 characters after trimming, no control characters
/// (the widget shows it as text; a newline or an escape has no business in it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AgentName(String);

impl AgentName {
    pub fn parse(value: &str) -> Result<AgentName, AgentError> {
        let value = value.trim();
        let count = value.chars().count();
        let ok =
            (1..=MAX_AGENT_NAME_CHARS).contains(&count) && !value.chars().any(char::is_control);
        ok.then(|| AgentName(value.to_string()))
            .ok_or(AgentError::Name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for AgentName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        AgentName::parse(&value).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for AgentId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AgentId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[A-Za-z0-9_.:-]{1,64}$"
        })
    }
}

impl schemars::JsonSchema for AgentName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AgentName".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_AGENT_NAME_CHARS
        })
    }
}

/// An agent as a conversation records them: who, and the name the customer saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AgentRef {
    pub id: AgentId,
    pub name: AgentName,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_checked_at_the_edge() {
        assert!(AgentId::parse("a-7").is_ok());
        assert!(AgentId::parse("desk:sh.01_x").is_ok());
        assert_eq!(AgentId::parse(""), Err(AgentError::Id));
        assert_eq!(AgentId::parse("a 7"), Err(AgentError::Id));
        assert_eq!(AgentId::parse(&"a".repeat(65)), Err(AgentError::Id));
        assert_eq!(AgentName::parse("  王经理 ").unwrap().as_str(), "王经理");
        assert_eq!(AgentName::parse(" "), Err(AgentError::Name));
        assert_eq!(AgentName::parse("王\n经理"), Err(AgentError::Name));
        assert!(AgentName::parse(&"王".repeat(40)).is_ok());
        assert_eq!(AgentName::parse(&"王".repeat(41)), Err(AgentError::Name));
        let parsed: Result<AgentRef, _> =
            serde_json::from_str(r#"{"id": "a 7", "name": "王经理"}"#);
        assert!(parsed.is_err());
    }
}
