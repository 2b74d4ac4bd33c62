//! Where conversations live between turns and across restarts: conversations, their
//! masked transcripts and their handoffs. [`Store`] is the boundary; SQLite (WAL, under
//! the data dir) is the embedded default, PostgreSQL the choice for several instances. Everything the store accepts is already masked:
//! texts are [`MaskedText`], which only the masking step can produce.

mod analytics;
pub(crate) mod audit;
mod audit_sql;
pub(crate) mod commitments;
mod commitments_sql;
mod database;
mod error;
mod events;
mod handoffs;
mod notices;
mod notices_sql;
mod notifier;
mod outbox;
mod postgres;
mod postgres_turn;
mod receipts;
mod rows;
mod sql;
mod sqlite;
pub(crate) mod surges;
mod surges_sql;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use analytics::{
    AnalyticsRows, ConversationDay, DayRange, EmotionCount, HandoffCount, HandoffTiming,
    IntentCount, NoticeCount, RatingRow, TurnFacts,
};
pub use audit::AuditStore;
pub use commitments::{
    CommitmentCount, CommitmentQuery, FollowUpDue, MADE_BY_BOT, Settled, Settlement,
    StoredCommitment,
};
pub use database::{Database, DatabaseUrl};
pub use error::StoreError;
pub use events::{Audience, EventBody, EventEmotion, EventIntent, EventRisk, StoredEvent};
pub use handoffs::{
    Acknowledgement, HandoffClaim, HandoffQuery, HandoffRecord, HandoffStatusFilter,
};
pub use notices::{NoticeAction, NoticeAuditEntry, NoticeStore, NoticeWrite};
pub use notifier::{EVENTS_CHANNEL, EventNotifier, EventWaker};
pub use outbox::{AfterFailure, Delivery, DeliveryQuery, DeliveryStatus, OutboxCount, OutboxEntry};
pub use postgres::PostgresStore;
pub use receipts::{Receipt, RequestDigest};

pub use sqlite::SqliteStore;
pub use surges::{SurgeRecord, SurgeStore, WindowCount};

use crate::dialogue::{Conversation, HandoffSummary, ReleaseOutcome};
pub use crate::domain::Role;
use crate::domain::{
    AgentRef, CommitmentId, ConversationId, HandoffId, HandoffReason, IdempotencyKey, IntentId,
    Priority, WebhookName,
};
use crate::privacy::MaskedText;

/// One line of a transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TranscriptLine {
    pub role: Role,
    pub text: MaskedText,
    pub at: DateTime<Utc>,
}

/// A handoff as stored, with the summary the agent desk reads.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredHandoff {
    pub id: HandoffId,
    pub conversation_id: ConversationId,
    pub reason: HandoffReason,
    pub priority: Priority,
    pub summary: HandoffSummary,
    pub created_at: DateTime<Utc>,
}

/// What one turn changes, written in one transaction: all of it or nothing.
pub struct TurnWrite<'a> {
    pub conversation: &'a Conversation,
    /// The turn count and state (API name) the conversation had when this turn loaded it;
    /// `None` if it is new. If the stored conversation has moved on since (another
    /// instance took a turn, an agent claimed or released it), the write is refused with
    /// [`StoreError::Conflict`] and nothing is saved.
    pub stored: Option<(u32, &'static str)>,
    /// The SHA-256 (hex) of the conversation token, for a conversation this turn starts.
    pub token_sha256: Option<&'a str>,
    /// What the widget and the desk see of this turn (from the handoff on).
    pub events: &'a [EventBody],
    /// What analytics keeps of the customer's turn.
    pub facts: &'a TurnFacts,
    /// The lines this turn added (the customer's message and the bot's reply).
    pub lines: &'a [TranscriptLine],
    /// The customer's previous message again, masked further: personal data it began
    /// was finished in this turn's message (`privacy::mask_across`).
    pub amend_last_customer_line: Option<&'a MaskedText>,
    pub handoff: Option<&'a StoredHandoff>,
    /// One delivery per webhook destination that wants this turn's handoff.
    pub outbox: &'a [OutboxEntry],
    /// The receipt of a message sent with an idempotency key. A receipt already saved
    /// under its key is refused with [`StoreError::Conflict`] (the turn service then finds
    /// it and answers with it).
    pub receipt: Option<&'a Receipt>,
    /// The promises this turn's reply made.
    pub commitments: &'a [StoredCommitment],
    /// Why the turn went as it did (`None` only in tests of the store itself).
    pub audit: Option<&'a crate::audit::AuditRecord>,
}

/// What a handoff's agent did, saved with the change.
pub enum HandoffChange<'a> {
    Claimed {
        id: &'a HandoffId,
        agent: &'a AgentRef,
        at: DateTime<Utc>,
    },
    Released {
        id: &'a HandoffId,
        outcome: ReleaseOutcome,
        note: Option<&'a MaskedText>,
        at: DateTime<Utc>,
    },
}

/// A customer's rating of the agent who resolved their conversation.
pub struct RatingWrite<'a> {
    pub handoff: &'a HandoffId,
    /// The handoff's primary intent (ratings per intent).
    pub intent: Option<&'a IntentId>,
    pub score: u8,
    pub comment: Option<&'a MaskedText>,
    pub day: chrono::NaiveDate,
    pub at: DateTime<Utc>,
}

/// A change of a conversation outside a customer's turn (an agent claims, writes, types,
/// releases; the customer rates), written in one transaction: all of it or nothing.
pub struct ChangeWrite<'a> {
    /// The conversation as it is after the change.
    pub conversation: &'a Conversation,
    /// The turn count and state (API name) it had when loaded: a conversation that moved
    /// on since is refused with [`StoreError::Conflict`].
    pub stored: (u32, &'static str),
    /// Lines added to the transcript (the bot's words on taking the conversation back).
    pub lines: &'a [TranscriptLine],
    pub events: &'a [EventBody],
    pub handoff: Option<HandoffChange<'a>>,
    /// Refused with [`StoreError::Duplicate`] if the conversation was rated before.
    pub rating: Option<RatingWrite<'a>>,
    /// The receipt of an agent's message sent with an idempotency key.
    pub receipt: Option<ReceiptWrite<'a>>,
}

/// A receipt whose answer names the events the change writes (their ids are known only
/// inside the transaction).
pub struct ReceiptWrite<'a> {
    pub key: &'a IdempotencyKey,
    pub request: &'a RequestDigest,
    /// The answer, from the ids of the change's events.
    pub answer: &'a (dyn Fn(&[i64]) -> String + Sync),
}

/// The commitments' records, implemented for SQLite and PostgreSQL
/// (`commitments_sql.rs`). A turn's promises are written by [`Store::save_turn`].
pub trait CommitmentStore: Send + Sync {
    /// A page of commitments, soonest due first; one row more than a page tells whether
    /// there is a next page.
    fn commitments(
        &self,
        query: &CommitmentQuery,
    ) -> impl Future<Output = Result<Vec<StoredCommitment>, StoreError>> + Send;
    /// A commitment by id.
    fn commitment(
        &self,
        id: &CommitmentId,
    ) -> impl Future<Output = Result<Option<StoredCommitment>, StoreError>> + Send;
    /// Saves a commitment an agent made (outside a turn).
    fn add_commitment(
        &self,
        commitment: &StoredCommitment,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Fulfils or cancels an owed commitment. Idempotent: the same settlement again is
    /// `Done` and changes nothing; the other one is `Refused`. `None`: no such commitment.
    fn settle_commitment(
        &self,
        id: &CommitmentId,
        settlement: &Settlement,
    ) -> impl Future<Output = Result<Option<Settled>, StoreError>> + Send;
    /// One follow-up round: claims up to `limit` owed commitments whose due-soon or due
    /// time has come (rows another instance holds are skipped), marks each event sent and
    /// enqueues `outbox`'s deliveries for it, all in one transaction: each event is
    /// enqueued once, whatever the instances do. Returns the entries enqueued.
    fn follow_up(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        outbox: &(dyn Fn(&FollowUpDue) -> Result<Vec<OutboxEntry>, StoreError> + Sync),
    ) -> impl Future<Output = Result<Vec<OutboxEntry>, StoreError>> + Send;
    /// Commitments made on the days of `range`, per intent: made, fulfilled (on time), and
    /// owed past due at `now`.
    fn commitment_counts(
        &self,
        range: DayRange,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<CommitmentCount>, StoreError>> + Send;
}

/// The storage boundary, implemented for SQLite and PostgreSQL.
pub trait Store: Send + Sync {
    /// The conversation, or `None` if it was never started.
    fn conversation(
        &self,
        id: &ConversationId,
    ) -> impl Future<Output = Result<Option<Conversation>, StoreError>> + Send;
    /// Its transcript, oldest first.
    fn transcript(
        &self,
        id: &ConversationId,
    ) -> impl Future<Output = Result<Vec<TranscriptLine>, StoreError>> + Send;
    /// The latest handoff of a conversation, if it was handed off.
    fn handoff_of(
        &self,
        id: &ConversationId,
    ) -> impl Future<Output = Result<Option<StoredHandoff>, StoreError>> + Send;
    /// Handoffs for agent desks, newest first; one page more than asked tells whether
    /// there is a next page.
    fn handoffs(
        &self,
        query: &HandoffQuery,
    ) -> impl Future<Output = Result<Vec<HandoffRecord>, StoreError>> + Send;
    /// Acknowledges a handoff for `by`. Idempotent: acknowledging again changes nothing and
    /// the first agent stays recorded. `None` if there is no such handoff.
    fn acknowledge(
        &self,
        id: &HandoffId,
        by: &str,
    ) -> impl Future<Output = Result<Option<HandoffRecord>, StoreError>> + Send;
    /// The receipt of the message sent with `key` in the conversation, if one was saved.
    fn receipt(
        &self,
        id: &ConversationId,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<Receipt>, StoreError>> + Send;
    /// Saves a turn atomically.
    fn save_turn(
        &self,
        write: TurnWrite<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Saves a change outside a turn atomically; the ids of its events, in order.
    fn save_change(
        &self,
        write: ChangeWrite<'_>,
    ) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send;
    /// Events of a conversation after `after`, oldest first, at most `limit`, those the
    /// audience sees.
    fn events(
        &self,
        id: &ConversationId,
        after: i64,
        audience: Audience,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, StoreError>> + Send;
    /// The SHA-256 (hex) of the conversation's token; `None` if there is no such
    /// conversation or it has none (it began before tokens).
    fn token_sha256(
        &self,
        id: &ConversationId,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// A handoff by id.
    fn handoff(
        &self,
        id: &HandoffId,
    ) -> impl Future<Output = Result<Option<HandoffRecord>, StoreError>> + Send;
    /// Claims up to `limit` due deliveries of one destination, oldest due first: each
    /// counts an attempt and is leased until `lease_until`, after which a delivery whose
    /// worker died comes due again.
    fn claim_deliveries(
        &self,
        destination: &WebhookName,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Delivery>, StoreError>> + Send;
    /// The destination accepted the delivery.
    fn delivery_succeeded(
        &self,
        id: i64,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// An attempt failed with `error`; retried later or given up.
    fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        after: AfterFailure,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The outbox for operators, newest first; one row more than a page tells whether
    /// there is a next page.
    fn deliveries(
        &self,
        query: &DeliveryQuery,
    ) -> impl Future<Output = Result<Vec<Delivery>, StoreError>> + Send;
    /// An operator's retry: a dead (or pending) delivery is due now with a fresh retry
    /// window; a delivered one stays delivered. `None` if there is no such delivery.
    fn retry_delivery(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Delivery>, StoreError>> + Send;
    /// Outbox rows per destination and status (the delivery backlog).
    fn outbox_counts(&self) -> impl Future<Output = Result<Vec<OutboxCount>, StoreError>> + Send;
    /// Counts per bank day for analytics.
    fn analytics(
        &self,
        range: DayRange,
    ) -> impl Future<Output = Result<AnalyticsRows, StoreError>> + Send;
    /// Whether the store answers (readiness).
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}
