//! What desks and operators read or redo through the service: a conversation with its
//! transcript and handoff, and the webhook outbox (a retry wakes the destination's worker,
//! which only the service can reach). Plain lists (handoffs, analytics) read the store
//! directly.

use crate::dialogue::Conversation;
use crate::domain::ConversationId;
use crate::store::{Delivery, DeliveryQuery, Store, StoreError, StoredHandoff, TranscriptLine};

use super::Conversations;

/// A conversation as the API shows it.
pub struct ConversationView {
    pub conversation: Conversation,
    pub transcript: Vec<TranscriptLine>,
    pub handoff: Option<StoredHandoff>,
}

impl Conversations {
    /// A conversation with its transcript and handoff, or `None`.
    pub async fn view(&self, id: &ConversationId) -> Result<Option<ConversationView>, StoreError> {
        let Some(conversation) = self.store.conversation(id).await? else {
            return Ok(None);
        };
        Ok(Some(ConversationView {
            transcript: self.store.transcript(id).await?,
            handoff: self.store.handoff_of(id).await?,
            conversation,
        }))
    }

    /// The webhook outbox, for operators.
    pub async fn deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        self.store.deliveries(query).await
    }

    /// An operator's retry of a delivery (a dead letter, usually): due now, with a fresh
    /// retry window, and its destination's worker woken.
    pub async fn retry_delivery(&self, id: i64) -> Result<Option<Delivery>, StoreError> {
        let delivery = self.store.retry_delivery(id, self.clock.now()).await?;
        if let Some(delivery) = &delivery {
            self.outbox.wake_destination(&delivery.destination);
        }
        Ok(delivery)
    }
}
