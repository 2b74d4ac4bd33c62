//! The follow-up of commitments: a round in every instance finds the promises whose
//! due-soon or due time has come and tells the bank's systems through the outbox (signed
//! webhooks, retries, dead letters), so that someone acts before the customer has to
//! chase. Due times live in the store, so a restart loses nothing; the store claims rows
//! (`SKIP LOCKED` on PostgreSQL) and marks each event in the transaction that enqueues it,
//! so each event goes out once however many instances run.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::outbox::Outbox;
use crate::domain::{Clock, CommitmentId, FollowUpEvent};
use crate::store::{CommitmentStore, FollowUpDue, OutboxEntry, StoreError, StoredCommitment};

/// Commitments claimed per round: a backlog (after downtime) drains over a few rounds.
const ROUND_LIMIT: u32 = 200;

/// A commitment as desks and the bank's systems read it: the API's view and the body of
/// the follow-up events. Everything in it is masked.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct CommitmentDocument {
    pub id: String,
    pub conversation_id: String,
    /// The bank's customer id (masked); `null` when the conversation had none.
    pub customer_id: Option<String>,
    pub intent: String,
    /// The template the promise was worded from, or `agent`.
    pub template: String,
    /// The promise as the customer read it (masked).
    pub text: String,
    /// `bot`, or the agent who made it.
    pub made_by: String,
    pub made_at: String,
    /// The bank date the customer was told (`YYYY-MM-DD`).
    pub due_by: String,
    /// The instant it becomes overdue.
    pub due_at: String,
    /// When `commitment.due_soon` goes out.
    pub due_soon_at: String,
    /// `open`, `fulfilled`, `overdue` or `cancelled`.
    pub status: &'static str,
    pub fulfilled_by: Option<String>,
    /// Fulfilled by its due time; `null` unless fulfilled.
    pub on_time: Option<bool>,
    pub cancel_reason: Option<String>,
    pub closed_at: Option<String>,
}

impl From<&StoredCommitment> for CommitmentDocument {
    fn from(c: &StoredCommitment) -> Self {
        CommitmentDocument {
            id: c.id.as_str().to_string(),
            conversation_id: c.conversation_id.as_str().to_string(),
            customer_id: c.customer_id.clone(),
            intent: c.intent.as_str().to_string(),
            template: c.template.clone(),
            text: c.text.as_str().to_string(),
            made_by: c.made_by.clone(),
            made_at: c.made_at.to_rfc3339(),
            due_by: c.due_by.to_string(),
            due_at: c.due_at.to_rfc3339(),
            due_soon_at: c.due_soon_at.to_rfc3339(),
            status: c.status.as_str(),
            fulfilled_by: c.fulfilled_by.clone(),
            on_time: c.on_time,
            cancel_reason: c.cancel_reason.as_ref().map(|r| r.as_str().to_string()),
            closed_at: c.closed_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// The body of a follow-up webhook.
#[derive(Serialize)]
struct EventDocument<'a> {
    /// `commitment.due_soon` or `commitment.overdue`.
    event: &'static str,
    commitment: &'a CommitmentDocument,
}

/// The key a destination sees on every attempt of one event of one commitment.
pub fn event_key(commitment: &CommitmentId, event: FollowUpEvent, destination: &str) -> String {
    format!("{}:{}:{destination}", commitment.as_str(), event.as_str())
}

impl Outbox {
    /// One entry per destination that wants this commitment's event: destinations
    /// filtered by intent get the events of their intents; the priority filter is for
    /// handoffs only.
    pub fn follow_up_entries(
        &self,
        due: &FollowUpDue,
    ) -> Result<Vec<OutboxEntry>, serde_json::Error> {
        let mut document = CommitmentDocument::from(&due.commitment);
        if due.event == FollowUpEvent::Overdue {
            // The store marks it overdue in the same transaction.
            document.status = crate::domain::CommitmentStatus::Overdue.as_str();
        }
        let payload = serde_json::to_string(&EventDocument {
            event: due.event.as_str(),
            commitment: &document,
        })?;
        Ok(self
            .destinations()
            .iter()
            .filter(|d| {
                let filter = &d.webhook.filter;
                filter.intents.is_empty() || filter.intents.contains(&due.commitment.intent)
            })
            .map(|d| OutboxEntry {
                destination: d.webhook.name.clone(),
                idempotency_key: event_key(&due.commitment.id, due.event, d.webhook.name.as_str()),
                payload: payload.clone(),
            })
            .collect())
    }
}

/// The follow-up of one instance.
pub struct FollowUp<S> {
    store: Arc<S>,
    outbox: Outbox,
    clock: Clock,
}

impl<S> Clone for FollowUp<S> {
    fn clone(&self) -> Self {
        FollowUp {
            store: self.store.clone(),
            outbox: self.outbox.clone(),
            clock: self.clock.clone(),
        }
    }
}

impl<S: CommitmentStore + 'static> FollowUp<S> {
    pub fn new(store: Arc<S>, outbox: Outbox, clock: Clock) -> FollowUp<S> {
        FollowUp {
            store,
            outbox,
            clock,
        }
    }

    /// One round at the clock's "now": enqueues the events that are due and wakes their
    /// workers; the number of deliveries enqueued. Tests call it with a moved clock.
    pub async fn tick(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let outbox = &self.outbox;
        let entries = self
            .store
            .follow_up(now, ROUND_LIMIT, &|due| {
                outbox
                    .follow_up_entries(due)
                    .map_err(|e| StoreError::Unserialisable(format!("commitment event: {e}")))
            })
            .await?;
        self.outbox.wake(&entries);
        if !entries.is_empty() {
            tracing::info!(deliveries = entries.len(), "commitment follow-up enqueued");
        }
        Ok(entries.len())
    }

    /// Runs a round every `every` until the process ends (the first at once: whatever
    /// fell due while no instance ran goes out on start).
    pub fn spawn(self, every: Duration) {
        crate::rounds::spawn_every(every, "commitment follow-up", move || {
            let this = self.clone();
            async move { this.tick().await }
        });
    }
}
