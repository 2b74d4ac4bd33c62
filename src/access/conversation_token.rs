//! The conversation token: what lets a browser holding a public widget key read and post
//! to its own conversation, and no one else's. It is made with the conversation, handed to
//! the client once (in the response that creates it) and kept only as its SHA-256, like
//! API keys: 32 random bytes need no password stretching.

use sha2::{Digest, Sha256};

/// A freshly made token, as the client gets it.
#[derive(Clone, PartialEq, Eq)]
pub struct ConversationToken(String);

/// Never printed in logs.
impl std::fmt::Debug for ConversationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConversationToken(***)")
    }
}

impl ConversationToken {
    /// 32 bytes from the operating system's generator, URL-safe base64 without padding.
    pub fn generate() -> std::io::Result<ConversationToken> {
        use base64::Engine;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
        Ok(ConversationToken(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the store keeps: the SHA-256 as lower-case hex.
    pub fn sha256(&self) -> String {
        token_sha256(&self.0)
    }
}

/// The SHA-256 (lower-case hex) of a presented token.
pub fn token_sha256(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `presented` is the token whose hash the store kept. Hashes are compared, so
/// the comparison's timing says nothing about the token.
pub fn token_matches(presented: Option<&str>, stored_sha256: Option<&str>) -> bool {
    match (presented, stored_sha256) {
        (Some(presented), Some(stored)) => token_sha256(presented) == stored,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_its_own_hash_only() {
        let token = ConversationToken::generate().unwrap();
        let other = ConversationToken::generate().unwrap();
        assert_ne!(token, other);
        assert_eq!(token.as_str().len(), 43);
        let stored = token.sha256();
        assert!(token_matches(Some(token.as_str()), Some(&stored)));
        assert!(!token_matches(Some(other.as_str()), Some(&stored)));
        assert!(!token_matches(None, Some(&stored)));
        assert!(!token_matches(Some(token.as_str()), None));
        assert_eq!(format!("{token:?}"), "ConversationToken(***)");
    }
}
