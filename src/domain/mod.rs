//! The product's shared vocabulary: the small, checked types that cross module boundaries
//! (ids, locales, channels, emotion labels, entity kinds). Parsing them is the only way to
//! make one, so a value of these types is always valid. Enums whose values are words are
//! declared with `vocab_enum!` (`vocab.rs`).

mod agent;
mod channel;
mod clock;
mod commitment;
mod conversation_id;
mod customer;
mod dtmf;
mod emotion;
mod entity_kind;
mod handoff;
mod idempotency_key;
mod ids;
mod locale;
mod message_text;
mod role;
mod vocab;

pub use agent::{AgentError, AgentId, AgentName, AgentRef, MAX_AGENT_ID_LEN, MAX_AGENT_NAME_CHARS};
pub use channel::Channel;
pub use clock::{BANK_UTC_OFFSET_SECONDS, BankZone, BankZoneError, Clock, ClockHand, bank_day};
pub use commitment::{CommitmentId, CommitmentStatus, FollowUpEvent};
pub use conversation_id::{ConversationId, ConversationIdError, MAX_CONVERSATION_ID_LEN};
pub use customer::{Customer, MAX_CUSTOMER_ID_LEN, Segment};
pub use dtmf::{Dtmf, DtmfError, MAX_DTMF_KEYS, dtmf_pattern};
pub use emotion::{EmotionLabel, Expectation};
pub use entity_kind::EntityKind;
pub use handoff::{HandoffId, HandoffReason, Priority};
pub use idempotency_key::{
    IdempotencyKey, IdempotencyKeyError, MAX_IDEMPOTENCY_KEY_LEN, idempotency_key_pattern,
};
pub use ids::{
    FaqId, FollowUpId, IdError, IntentId, KnowledgeId, SlotName, TraitName, WebhookName,
};
pub use locale::{Locale, LocaleError};
pub use message_text::{MAX_MESSAGE_CHARS, MessageText, MessageTextError};
pub use role::Role;
pub use vocab::UnknownWord;
pub(crate) use vocab::vocab_enum;
