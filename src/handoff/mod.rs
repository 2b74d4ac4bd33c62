//! Handing a customer to a human agent: the structured summary an agent reads first
//! (`../shared/spec/api.md`, "Handoffs"), built from the conversation when the dialogue
//! decides to hand off, and its way to the agent desks: pulled from the store, or pushed
//! to webhooks through the transactional outbox. Everything in it is masked: it travels.

mod delivery;
mod document;
mod follow_up;
mod outbox;
mod retry;
mod signature;
mod summary;
mod webhooks;

pub use crate::dialogue::{
    CommitmentSummary, DemandSummary, EmotionSummary, HandoffSummary, RiskSummary, SummaryLine,
};
pub use delivery::spawn_workers;
pub use document::HandoffDocument;
pub use follow_up::{CommitmentDocument, FollowUp, event_key};
pub use outbox::{Destination, Outbox, idempotency_key};
pub use retry::{CircuitBreaker, Permit, RetrySchedule};
pub use signature::{SIGNATURE_HEADER, SignatureError, sign, verify};
pub use summary::summarize;
pub use webhooks::{
    DeliveryConfig, DeliveryPolicy, Secret, Webhook, WebhookConfig, WebhookError, WebhookFilter,
    check_webhooks,
};
