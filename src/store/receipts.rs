//! Receipts of messages sent with an idempotency key: what the message was (as a digest,
//! never its text) and what it was answered, saved with the turn it took. A retry finds
//! the receipt and gets the same answer instead of a second turn.

use sha2::{Digest, Sha256};

use crate::dialogue::{IvrEvent, TurnRequest};
use crate::domain::{ConversationId, IdempotencyKey};
use crate::privacy::mask;

/// What the store keeps of a request to recognise it again: SHA-256 (hex) over the
/// conversation, the key and the message *as masked*. Hashing the raw text would let
/// anyone holding the database try the few possible digits of a masked one-time code
/// against it; the masked text is in the transcript already, so its digest tells nothing
/// new. Two messages that differ only inside masked personal data count as the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestDigest(String);

impl RequestDigest {
    /// The digest of what the customer sent in `request` (text, keys or event) with
    /// `key` in conversation `id`. Channel, locale and customer are left out: after the
    /// first message they are the conversation's, whatever a retry says.
    pub fn of(id: &ConversationId, key: &IdempotencyKey, request: &TurnRequest) -> RequestDigest {
        let mut hash = Sha256::new();
        let mut field = |name: &str, value: &str| {
            // Length-prefixed, so no two different requests write the same bytes.
            for part in [name, value] {
                hash.update((part.len() as u64).to_be_bytes());
                hash.update(part.as_bytes());
            }
        };
        field("frontline.message", "1");
        field("conversation", id.as_str());
        field("key", key.as_str());
        if let Some(text) = &request.text {
            field("text", mask(text.as_str()).as_str());
        }
        if let Some(keys) = &request.dtmf {
            field("dtmf", keys.as_str());
        }
        if let Some(intent) = &request.chosen {
            field("chosen", intent.as_str());
        }
        if request.spoken {
            field("spoken", "1");
        }
        match request.event {
            Some(IvrEvent::NoInput) => field("event", "no_input"),
            Some(IvrEvent::NoMatch) => field("event", "no_match"),
            None => {}
        }
        RequestDigest(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The digest of an agent's message: `text` as masked, from `agent`, with `key` in
    /// conversation `id` (agents' keys share the conversation's key space with the
    /// customer's, so the two kinds are told apart here).
    pub fn of_agent_message(
        id: &ConversationId,
        key: &IdempotencyKey,
        agent: &crate::domain::AgentId,
        text: &crate::privacy::MaskedText,
    ) -> RequestDigest {
        let mut hash = Sha256::new();
        for (name, value) in [
            ("frontline.agent_message", "1"),
            ("conversation", id.as_str()),
            ("key", key.as_str()),
            ("agent", agent.as_str()),
            ("text", text.as_str()),
        ] {
            for part in [name, value] {
                hash.update((part.len() as u64).to_be_bytes());
                hash.update(part.as_bytes());
            }
        }
        RequestDigest(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A digest as the store wrote it.
    pub(super) fn stored(hex: String) -> RequestDigest {
        RequestDigest(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A message's receipt: its key, its digest and the answer it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub key: IdempotencyKey,
    pub request: RequestDigest,
    /// The answer as first sent (the channel's response body). It is built from masked
    /// text only (the reply, slots and handoff summary are masked when they are made).
    pub response: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, Customer, Dtmf, Locale, MessageText};

    fn request(text: Option<&str>, dtmf: Option<&str>) -> TurnRequest {
        TurnRequest {
            text: text.map(|t| MessageText::parse(t.into()).unwrap()),
            asr_confidence: None,
            dtmf: dtmf.map(|d| Dtmf::parse(d).unwrap()),
            event: None,
            channel: Channel::Web,
            locale: Locale::ZhCn,
            customer: Customer::default(),
            chosen: None,
            spoken: false,
        }
    }

    fn digest(conversation: &str, key: &str, request: &TurnRequest) -> RequestDigest {
        RequestDigest::of(
            &ConversationId::parse(conversation).unwrap(),
            &IdempotencyKey::parse(key).unwrap(),
            request,
        )
    }

    #[test]
    fn the_same_message_has_the_same_digest_and_anything_else_another() {
        let atm = request(Some("ATM吞了我的钱"), None);
        let first = digest("c-1", "k-1", &atm);
        assert_eq!(first, digest("c-1", "k-1", &atm));
        assert_eq!(first.as_str().len(), 64);
        for other in [
            digest("c-2", "k-1", &atm),
            digest("c-1", "k-2", &atm),
            digest("c-1", "k-1", &request(Some("ATM吞了我的卡"), None)),
            digest("c-1", "k-1", &request(None, Some("1"))),
            digest("c-1", "k-1", &request(Some("ATM吞了我的钱"), Some("1"))),
        ] {
            assert_ne!(first, other);
        }
    }

    #[test]
    fn the_digest_is_of_the_masked_message() {
        let code = |c: &str| digest("c-1", "k-1", &request(Some(&format!("验证码是{c}")), None));
        // Guessing the code from the digest is no better than guessing it from the
        // masked transcript.
        assert_eq!(code("123456"), code("654321"));
        assert_ne!(code("123456"), code("没收到"));
    }
}
