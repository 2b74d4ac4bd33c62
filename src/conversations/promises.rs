//! Commitments outside a turn: an agent's own promise (`POST /v1/commitments`), and the
//! bank's word that one was kept or withdrawn (`fulfil`, `cancel`). Deadlines come from
//! the same calendar and clock as the bot's.

use super::Conversations;
use crate::content::Commitment;
use crate::dialogue::working_hours_before;
use crate::domain::{CommitmentId, CommitmentStatus, ConversationId, IntentId};
use crate::privacy::MaskedText;
use crate::store::{CommitmentStore, Settled, Settlement, Store, StoreError, StoredCommitment};

/// What an agent promised, checked.
pub struct AgentPromise {
    pub conversation: ConversationId,
    pub intent: IntentId,
    /// The words the customer was given (masked).
    pub text: MaskedText,
    pub within: Commitment,
    /// The agent's id.
    pub agent: String,
}

/// Why a commitment could not be made or settled. Nothing changed in any case.
#[derive(Debug, thiserror::Error)]
pub enum PromiseError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no conversation {0}")]
    NoConversation(String),
    #[error("no commitment {0}")]
    NoCommitment(String),
    /// The promise names an intent the content does not have.
    #[error("intent: no intent `{0}` in the content")]
    UnknownIntent(String),
    /// Fulfilling a cancelled commitment, or cancelling a fulfilled one.
    #[error("commitment {id} is already {status}")]
    AlreadySettled {
        id: String,
        status: CommitmentStatus,
    },
}

impl Conversations {
    /// Records an agent's promise to the customer of a conversation, due on the bank's
    /// calendar from now.
    pub async fn make_commitment(
        &self,
        promise: AgentPromise,
    ) -> Result<StoredCommitment, PromiseError> {
        let conversation = self
            .store
            .conversation(&promise.conversation)
            .await?
            .ok_or_else(|| PromiseError::NoConversation(promise.conversation.to_string()))?;
        let services = self.live.current();
        if services
            .catalog
            .locale(conversation.locale)
            .intent(&promise.intent)
            .is_none()
        {
            return Err(PromiseError::UnknownIntent(promise.intent.to_string()));
        }
        let time = self.bank_time(services.catalog.calendar());
        let due = time.due(promise.within);
        let commitment = StoredCommitment {
            id: CommitmentId::new(),
            conversation_id: conversation.id.clone(),
            customer_id: conversation.customer.id.clone(),
            intent: promise.intent,
            template: "agent".to_string(),
            text: promise.text,
            made_by: promise.agent,
            made_at: time.now,
            day: time.today(),
            due_by: due.by,
            due_at: due.at,
            due_soon_at: working_hours_before(time.calendar, time.zone, due.at, self.due_soon_lead),
            status: CommitmentStatus::Open,
            due_soon_sent: false,
            overdue_sent: false,
            fulfilled_by: None,
            on_time: None,
            cancel_reason: None,
            closed_at: None,
        };
        self.store.add_commitment(&commitment).await?;
        Ok(commitment)
    }

    /// Fulfils (`Some(by)`) or cancels (`reason`) a commitment now. The same settlement
    /// again answers as the first did (a retry); the other one is refused.
    pub async fn settle_commitment(
        &self,
        id: &CommitmentId,
        settle: Settle,
    ) -> Result<StoredCommitment, PromiseError> {
        let at = self.clock.now();
        let settlement = match settle {
            Settle::Fulfil { by } => Settlement::Fulfil { by, at },
            Settle::Cancel { reason } => Settlement::Cancel { reason, at },
        };
        match self.store.settle_commitment(id, &settlement).await? {
            None => Err(PromiseError::NoCommitment(id.to_string())),
            Some(Settled::Done(commitment)) => Ok(commitment),
            Some(Settled::Refused(commitment)) => Err(PromiseError::AlreadySettled {
                id: id.to_string(),
                status: commitment.status,
            }),
        }
    }
}

/// A settlement as asked.
pub enum Settle {
    Fulfil { by: String },
    Cancel { reason: MaskedText },
}
