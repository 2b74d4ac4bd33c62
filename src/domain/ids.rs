//! Identifiers that content files and the API share. All are `lower_snake_case` so that
//! they read the same in YAML, JSON, file names and metrics labels.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {what}: use 1–{max} characters of a-z, 0-9 and _, starting with a letter", max = MAX_ID_LEN)]
pub struct IdError {
    pub what: &'static str,
    pub value: String,
}

/// The longest identifier accepted.
pub const MAX_ID_LEN: usize = 64;

fn parse_snake(value: &str, what: &'static str) -> Result<String, IdError> {
    let mut chars = value.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if starts_with_letter && rest_ok && value.len() <= MAX_ID_LEN {
        Ok(value.to_string())
    } else {
        Err(IdError {
            what,
            value: value.to_string(),
        })
    }
}

macro_rules! snake_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks the spelling and wraps it.
            pub fn parse(value: &str) -> Result<Self, IdError> {
                parse_snake(value, $what).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Self::parse(&value).map_err(serde::de::Error::custom)
            }
        }
    };
}

snake_id!(
    /// An intent of the catalogue (`atm_cash_retention`): a contract with clients and tests.
    IntentId,
    "intent id"
);
snake_id!(
    /// A slot of an intent (`amount`, `atm_location`).
    SlotName,
    "slot name"
);
snake_id!(
    /// A worry customers raise once their case is registered (`how_long`,
    /// `credit_record`), declared per intent with what they say and what the bot answers.
    FollowUpId,
    "follow-up id"
);

snake_id!(
    /// A trait of a case shown by the customer's words, and its values (`operation`:
    /// `withdrawal` or `deposit`).
    TraitName,
    "trait name"
);

snake_id!(
    /// A webhook destination of handoffs (`crm`, `desk_beijing`), named in the config file;
    /// part of every idempotency key sent to it.
    WebhookName,
    "webhook name"
);
snake_id!(
    /// A knowledge-base article (`atm_cash_retention`, `bank_profile`).
    KnowledgeId,
    "knowledge-base id"
);

snake_id!(
    /// A question-and-answer entry of the knowledge base's FAQ (`card_activation`), unique
    /// within a locale: `/v1/parse` reports it and the audit names it.
    FaqId,
    "FAQ entry id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lower_snake_case() {
        assert!(IntentId::parse("atm_cash_retention").is_ok());
        assert!(IntentId::parse("ATM").is_err());
        assert!(IntentId::parse("1st").is_err());
        assert!(IntentId::parse("").is_err());
        assert!(IntentId::parse("has space").is_err());
        assert!(SlotName::parse(&"a".repeat(MAX_ID_LEN + 1)).is_err());
    }
}
