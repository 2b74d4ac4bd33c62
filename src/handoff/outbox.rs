//! The push side of handoffs as a turn sees it: which destinations want a new handoff (one
//! outbox entry each, saved with the turn), and a nudge to their workers once the turn is
//! committed. Nothing is sent from the request path.

use std::sync::Arc;

use tokio::sync::Notify;

use super::document::HandoffDocument;
use super::webhooks::Webhook;
use crate::domain::{HandoffId, WebhookName};
use crate::store::{HandoffRecord, OutboxEntry, StoredHandoff};

/// A destination and the bell of its worker.
#[derive(Clone, Debug)]
pub struct Destination {
    pub webhook: Webhook,
    pub wake: Arc<Notify>,
}

/// The configured destinations; none configured: handoffs are only pulled.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    destinations: Arc<Vec<Destination>>,
}

/// The key a destination sees on every attempt of one handoff: receivers deduplicate by it.
pub fn idempotency_key(handoff: &HandoffId, destination: &WebhookName) -> String {
    format!("{}:{}", handoff.as_str(), destination.as_str())
}

impl Outbox {
    pub fn new(webhooks: Vec<Webhook>) -> Outbox {
        Outbox {
            destinations: Arc::new(
                webhooks
                    .into_iter()
                    .map(|webhook| Destination {
                        webhook,
                        wake: Arc::new(Notify::new()),
                    })
                    .collect(),
            ),
        }
    }

    pub fn destinations(&self) -> &[Destination] {
        &self.destinations
    }

    /// One entry per destination whose filter takes this handoff; the payload is the
    /// document desks pull, fixed now so that every attempt sends the same bytes.
    pub fn entries(&self, handoff: &StoredHandoff) -> Result<Vec<OutboxEntry>, serde_json::Error> {
        let document = HandoffDocument::from(HandoffRecord {
            handoff: handoff.clone(),
            acked: None,
            claim: None,
            conversation_state: "handed_off".into(),
        });
        let payload = serde_json::to_string(&document)?;
        Ok(self
            .destinations
            .iter()
            .filter(|d| {
                d.webhook.filter.accepts(
                    handoff.priority,
                    handoff.summary.demands.iter().map(|d| &d.intent),
                )
            })
            .map(|d| OutboxEntry {
                destination: d.webhook.name.clone(),
                idempotency_key: idempotency_key(&handoff.id, &d.webhook.name),
                payload: payload.clone(),
            })
            .collect())
    }

    /// Tells the workers of these entries' destinations that there is work (after commit).
    pub fn wake(&self, entries: &[OutboxEntry]) {
        for entry in entries {
            self.wake_destination(&entry.destination);
        }
    }

    /// Tells one destination's worker that there is work. A worker that is busy finds the
    /// bell rung when it next waits, so no wake-up is lost.
    pub fn wake_destination(&self, name: &WebhookName) {
        for destination in self.destinations.iter() {
            if &destination.webhook.name == name {
                destination.wake.notify_one();
            }
        }
    }
}
