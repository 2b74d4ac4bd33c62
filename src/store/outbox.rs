//! The outbox of webhook deliveries (handoffs, and the follow-up of commitments): what the
//! delivery worker claims, and what operators see and retry when a destination stayed down
//! past the retry window (the dead letters).

use chrono::{DateTime, Utc};

use crate::domain::{CommitmentId, HandoffId, WebhookName, vocab_enum};

/// A delivery to enqueue with the turn that created its handoff (or with the follow-up
/// round that found a commitment due).
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEntry {
    pub destination: WebhookName,
    /// Stable per handoff (or commitment event) and destination: receivers deduplicate by
    /// it, and the store enqueues a key once.
    pub idempotency_key: String,
    /// The JSON body sent, fixed when the handoff is created so every attempt is identical.
    pub payload: String,
}

vocab_enum! {
    /// Where a delivery stands; the word is what the store and the API write.
    pub enum DeliveryStatus ("delivery status") {
        /// Not yet accepted by the destination; retried until the window closes.
        Pending = "pending",
        /// The destination answered 2xx.
        Delivered = "delivered",
        /// The retry window closed without success: waits for an operator.
        Dead = "dead",
    }
}

/// A row of the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: i64,
    /// The handoff delivered, for a handoff.
    pub handoff_id: Option<HandoffId>,
    /// The commitment followed up, for a commitment event.
    pub commitment_id: Option<CommitmentId>,
    /// The surge alert, for a surge event.
    pub surge_id: Option<String>,
    pub destination: WebhookName,
    pub idempotency_key: String,
    pub payload: String,
    pub status: DeliveryStatus,
    /// Attempts started so far, including one in flight.
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    /// When the current retry window opened (creation, or an operator's retry).
    pub window_started_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl Delivery {
    /// The handoff, commitment or surge id the delivery is about (for logs).
    pub fn subject(&self) -> &str {
        match (&self.handoff_id, &self.commitment_id, &self.surge_id) {
            (Some(handoff), _, _) => handoff.as_str(),
            (None, Some(commitment), _) => commitment.as_str(),
            (None, None, Some(surge)) => surge,
            (None, None, None) => "",
        }
    }
}

/// A page of the outbox for operators, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryQuery {
    /// `None`: every status.
    pub status: Option<DeliveryStatus>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// What a failed attempt leads to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AfterFailure {
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// The retry window is over: dead letter.
    GiveUp,
}

/// How many rows of one destination are in one status: the backlog, for metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxCount {
    pub destination: WebhookName,
    pub status: DeliveryStatus,
    pub count: u64,
}
