//! Keypad input from a phone platform: 1 to [`MAX_DTMF_KEYS`] keys of `0-9`, `*` and `#`.
//! Every way in (the JSON API, VoiceXML, Twilio) parses keys into this type, so a keypress
//! the dialogue sees is always one a phone can send.

/// The longest keypress sequence an IVR platform sends at once.
pub const MAX_DTMF_KEYS: usize = 32;

/// Keys pressed on a phone's keypad.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dtmf(String);

/// Why keys are not valid keypad input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dtmf must be 1 to {MAX_DTMF_KEYS} keys of 0-9, * and #")]
pub struct DtmfError;

impl Dtmf {
    pub fn parse(keys: &str) -> Result<Dtmf, DtmfError> {
        let valid = !keys.is_empty()
            && keys.len() <= MAX_DTMF_KEYS
            && keys
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
        if valid {
            Ok(Dtmf(keys.to_string()))
        } else {
            Err(DtmfError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key of a one-key press (a menu choice); `None` for several keys.
    pub fn single_key(&self) -> Option<char> {
        let mut keys = self.0.chars();
        match (keys.next(), keys.next()) {
            (Some(key), None) => Some(key),
            _ => None,
        }
    }
}

/// The pattern of valid keys, for API descriptions.
pub fn dtmf_pattern() -> String {
    format!("^[0-9*#]{{1,{MAX_DTMF_KEYS}}}$")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keypad_keys_parse_and_anything_else_is_refused() {
        assert_eq!(Dtmf::parse("0").unwrap().single_key(), Some('0'));
        assert_eq!(Dtmf::parse("12*#").unwrap().single_key(), None);
        assert!(Dtmf::parse(&"1".repeat(MAX_DTMF_KEYS)).is_ok());
        for bad in ["", "12a", "1 2", "１", &"1".repeat(MAX_DTMF_KEYS + 1)] {
            assert_eq!(Dtmf::parse(bad), Err(DtmfError), "{bad:?}");
        }
    }

    #[test]
    fn the_pattern_states_the_same_limit() {
        assert_eq!(dtmf_pattern(), "^[0-9*#]{1,32}$");
    }
}
