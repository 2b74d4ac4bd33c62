//! The key a client gives one message so that sending it again is safe: 1 to
//! [`MAX_IDEMPOTENCY_KEY_LEN`] printable ASCII characters (space to `~`), chosen by the
//! client (the widget uses a random id per message). Keys are scoped to their
//! conversation: the same key in another conversation is another message.

use std::fmt;

/// The longest key accepted, in characters.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;

/// A message's idempotency key, as the `Idempotency-Key` header or `message_id` carry it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// Why a key is not a valid idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdempotencyKeyError {
    #[error("an idempotency key must not be empty")]
    Empty,
    #[error("an idempotency key is at most {MAX_IDEMPOTENCY_KEY_LEN} characters; this one has {0}")]
    TooLong(usize),
    #[error("an idempotency key is printable ASCII only (space to ~)")]
    NotPrintable,
}

impl IdempotencyKey {
    pub fn parse(value: &str) -> Result<IdempotencyKey, IdempotencyKeyError> {
        if value.is_empty() {
            return Err(IdempotencyKeyError::Empty);
        }
        if !value.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            return Err(IdempotencyKeyError::NotPrintable);
        }
        // ASCII only from here: bytes are characters.
        if value.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(IdempotencyKeyError::TooLong(value.len()));
        }
        Ok(IdempotencyKey(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The pattern of valid keys, for API descriptions.
pub fn idempotency_key_pattern() -> String {
    format!("^[ -~]{{1,{MAX_IDEMPOTENCY_KEY_LEN}}}$")
}

/// A string of 1 to [`MAX_IDEMPOTENCY_KEY_LEN`] printable ASCII characters.
impl schemars::JsonSchema for IdempotencyKey {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IdempotencyKey".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_IDEMPOTENCY_KEY_LEN,
            "pattern": idempotency_key_pattern(),
            "description": "The client's id for this message (printable ASCII): sending the message again with the same key returns the first answer and takes no second turn. Scoped to the conversation.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_128_printable_ascii_characters() {
        for good in [
            "a",
            "w-0f3a:7",
            "with space",
            "~!\"#$%&'()*+,-./",
            &"k".repeat(128),
        ] {
            assert_eq!(IdempotencyKey::parse(good).unwrap().as_str(), good);
        }
        assert_eq!(IdempotencyKey::parse(""), Err(IdempotencyKeyError::Empty));
        assert_eq!(
            IdempotencyKey::parse(&"k".repeat(129)),
            Err(IdempotencyKeyError::TooLong(129))
        );
        for bad in ["键", "a\tb", "a\nb", "\u{7f}", "ｋｅｙ"] {
            assert_eq!(
                IdempotencyKey::parse(bad),
                Err(IdempotencyKeyError::NotPrintable),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_pattern_states_the_same_limit() {
        assert_eq!(idempotency_key_pattern(), "^[ -~]{1,128}$");
    }
}
