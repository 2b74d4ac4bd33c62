//! API keys. A key is a random token the client sends as `Authorization: Bearer …`; the
//! service keeps only its SHA-256, so a leaked config file or backup opens nothing. Tokens
//! carry 256 random bits, so a fast hash is enough (no password stretching needed).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::vocab_enum;

vocab_enum! {
    /// A set of endpoints a key may call.
    #[derive(Deserialize, Serialize)]
    pub enum Scope ("scope") {
        /// `POST /v1/parse`.
        Parse = "parse",
        /// `POST /v1/conversations/{id}/messages`, `GET /v1/conversations/{id}`, its
        /// event stream (`GET /v1/conversations/{id}/events`) and rating
        /// (`POST /v1/conversations/{id}/rating`): the customer's side. A public key
        /// (with `origins`) also needs the conversation's token.
        Conversations = "conversations",
        /// `POST /v1/ivr/vxml` (Twilio has its own signature).
        Ivr = "ivr",
        /// `GET /v1/handoffs`, `POST /v1/handoffs/{id}/ack`, and the live chat: claim,
        /// release, events and suggestions of a handoff, agent messages and typing in a
        /// conversation: the desks.
        Handoffs = "handoffs",
        /// `GET /v1/commitments`, `POST /v1/commitments`, and fulfilling or cancelling
        /// one: the bank's systems that keep promises. A `handoffs` key (the desks) may
        /// too.
        Commitments = "commitments",
        /// `GET /v1/analytics`: contact-centre managers' figures (counts, no text).
        Analytics = "analytics",
        /// `GET /metrics`: the Prometheus scraper.
        Metrics = "metrics",
        /// `/admin/*`: reload, content version, deliveries.
        Admin = "admin",
        /// `GET /v1/conversations/{id}/audit`: why each turn's reply was what it was
        /// (compliance officers, content staff, desk supervisors' consoles).
        Audit = "audit",
    }
}

/// A key as the config file holds it (`[[api_keys]]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    /// Who holds the key: `widget`, `app`, `ivr-genesys`, `desk-shanghai` …
    pub name: String,
    /// Lower-case hex SHA-256 of the token (`frontline keys new` prints it).
    pub sha256: String,
    pub scopes: Vec<Scope>,
    /// For a public key (the widget's, visible in the bank's page): the only origins it
    /// may be used from. Empty: any caller holding the token.
    #[serde(default)]
    pub origins: Vec<String>,
}

/// A configured key.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKey {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub origins: Vec<String>,
}

impl ApiKey {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
            || (scope == Scope::Commitments && self.scopes.contains(&Scope::Handoffs))
    }

    /// Whether a request from `origin` (its `Origin` header) may use this key.
    pub fn allows_origin(&self, origin: Option<&str>) -> bool {
        self.origins.is_empty() || origin.is_some_and(|o| self.origins.iter().any(|a| a == o))
    }
}

/// A mistake in `[[api_keys]]`.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeyError {
    #[error(
        "api key `{0}`: sha256 must be 64 lower-case hex digits (`frontline keys new` prints it)"
    )]
    BadHash(String),
    #[error("api key `{0}`: give it at least one scope")]
    NoScopes(String),
    #[error("api key `{0}`: the name is used twice")]
    DuplicateName(String),
    #[error("api key `{0}`: the same secret as api key `{1}`")]
    DuplicateSecret(String, String),
}

/// The configured keys, found by the hash of a presented token.
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    by_hash: HashMap<[u8; 32], ApiKey>,
}

fn sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl KeyRing {
    /// Checks the configured keys; `origins` must already be parsed origins.
    pub fn new(configs: &[ApiKeyConfig]) -> Result<KeyRing, KeyError> {
        let mut by_hash: HashMap<[u8; 32], ApiKey> = HashMap::new();
        let mut names = std::collections::HashSet::new();
        for config in configs {
            let hash =
                unhex(&config.sha256).ok_or_else(|| KeyError::BadHash(config.name.clone()))?;
            if config.scopes.is_empty() {
                return Err(KeyError::NoScopes(config.name.clone()));
            }
            if !names.insert(config.name.clone()) {
                return Err(KeyError::DuplicateName(config.name.clone()));
            }
            let key = ApiKey {
                name: config.name.clone(),
                scopes: config.scopes.clone(),
                origins: config.origins.clone(),
            };
            if let Some(other) = by_hash.insert(hash, key) {
                return Err(KeyError::DuplicateSecret(config.name.clone(), other.name));
            }
        }
        Ok(KeyRing { by_hash })
    }

    /// No keys: the service is for this machine only.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// The key a bearer token belongs to.
    pub fn authenticate(&self, token: &str) -> Option<&ApiKey> {
        self.by_hash.get(&sha256(token))
    }
}

/// A freshly made key: the token to hand to the client once, and the line for the config.
pub struct NewKey {
    pub token: String,
    pub sha256: String,
}

impl NewKey {
    /// 32 random bytes from the operating system's generator, as URL-safe base64 after a
    /// `fl_` prefix (so secret scanners recognise leaked tokens).
    pub fn generate() -> std::io::Result<NewKey> {
        use base64::Engine;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
        let token = format!(
            "fl_{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        let sha256 = hex(&sha256(&token));
        Ok(NewKey { token, sha256 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str, token: &str, scopes: &[Scope]) -> ApiKeyConfig {
        ApiKeyConfig {
            name: name.into(),
            sha256: hex(&sha256(token)),
            scopes: scopes.to_vec(),
            origins: Vec::new(),
        }
    }

    #[test]
    fn a_token_finds_its_key_and_nothing_else_does() {
        let ring = KeyRing::new(&[
            config("widget", "fl_widget", &[Scope::Conversations]),
            config("ops", "fl_ops", &[Scope::Admin]),
        ])
        .unwrap();
        assert_eq!(ring.authenticate("fl_widget").unwrap().name, "widget");
        assert!(ring.authenticate("fl_widget ").is_none());
        assert!(ring.authenticate("").is_none());
        assert!(!ring.authenticate("fl_widget").unwrap().allows(Scope::Admin));
    }

    #[test]
    fn mistakes_in_the_key_list_are_refused() {
        let mut bad = config("a", "x", &[Scope::Parse]);
        bad.sha256 = "ABC".into();
        assert_eq!(
            KeyRing::new(&[bad]).unwrap_err(),
            KeyError::BadHash("a".into())
        );
        assert_eq!(
            KeyRing::new(&[config("a", "x", &[])]).unwrap_err(),
            KeyError::NoScopes("a".into())
        );
        assert!(matches!(
            KeyRing::new(&[
                config("a", "x", &[Scope::Parse]),
                config("b", "x", &[Scope::Parse])
            ]),
            Err(KeyError::DuplicateSecret(..))
        ));
    }

    #[test]
    fn generated_keys_are_distinct_and_hash_to_their_config_line() {
        let one = NewKey::generate().unwrap();
        let two = NewKey::generate().unwrap();
        assert_ne!(one.token, two.token);
        assert!(one.token.starts_with("fl_") && one.token.len() > 40);
        assert_eq!(hex(&sha256(&one.token)), one.sha256);
    }
}
