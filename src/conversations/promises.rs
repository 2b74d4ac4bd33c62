//! Commitments as the turn service keeps them: the record of a promise (the bot's, made
//! in a turn, or an agent's, `POST /v1/commitments`), the bank's word that one was kept or
//! withdrawn (`fulfil`, `cancel`), and a returning customer's promise still owed. Deadlines
//! come from the same calendar and clock as the bot's.

use std::collections::BTreeMap;

use super::Conversations;
use crate::content::Commitment;
use crate::dialogue::{
    BankTime, Conversation, Due, EarlierPromise, SlotValue, working_hours_before,
};
use crate::domain::{CommitmentId, CommitmentStatus, ConversationId, IntentId, SlotName};
use crate::privacy::MaskedText;
use crate::store::{
    CommitmentQuery, CommitmentStore, Settled, Settlement, Store, StoreError, StoredCommitment,
};

/// How many of a returning customer's promises are looked at (the latest owed is recalled).
const EARLIER_PROMISES: u32 = 20;

/// What a promise is counted on: the bank's clock and calendar, and how long before it
/// falls due the follow-up speaks up.
pub(super) struct Promising<'a> {
    pub(super) time: BankTime<'a>,
    /// Working hours.
    pub(super) due_soon_lead: u32,
}

impl Promising<'_> {
    /// The record of a promise made now in `conversation`, open and due as `due` says.
    pub(super) fn record(
        &self,
        conversation: &Conversation,
        intent: &IntentId,
        template: String,
        text: MaskedText,
        made_by: String,
        due: Due,
    ) -> StoredCommitment {
        let time = self.time;
        StoredCommitment {
            id: CommitmentId::new(),
            conversation_id: conversation.id.clone(),
            customer_id: conversation.customer.id.clone(),
            intent: intent.clone(),
            template,
            text,
            made_by,
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
        }
    }
}

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
        let promising = Promising {
            time: self.bank_time(services.catalog.calendar()),
            due_soon_lead: self.due_soon_lead,
        };
        let due = promising.time.due(promise.within);
        let commitment = promising.record(
            &conversation,
            &promise.intent,
            "agent".to_string(),
            promise.text,
            promise.agent,
            due,
        );
        self.store.add_commitment(&commitment).await?;
        Ok(commitment)
    }

    /// The latest promise still owed to a customer (by the bank's id, masked as stored),
    /// with the slots of its case as the customer gave them then.
    pub(super) async fn earlier_promise(
        &self,
        customer: &str,
    ) -> Result<Option<(EarlierPromise, BTreeMap<SlotName, SlotValue>)>, StoreError> {
        let owed = self
            .store
            .commitments(&CommitmentQuery {
                customer: Some(customer.to_string()),
                page: 1,
                per_page: EARLIER_PROMISES,
                ..CommitmentQuery::default()
            })
            .await?;
        let Some(latest) = owed
            .into_iter()
            .filter(|c| c.status.is_owed())
            .max_by_key(|c| c.made_at)
        else {
            return Ok(None);
        };
        let slots = self
            .store
            .conversation(&latest.conversation_id)
            .await?
            .and_then(|earlier| {
                earlier
                    .ledger
                    .all()
                    .iter()
                    .rev()
                    .find(|d| d.intent == latest.intent)
                    .map(|d| d.slots.clone())
            })
            .unwrap_or_default();
        Ok(Some((
            EarlierPromise {
                id: latest.id,
                intent: latest.intent,
                what: latest.text,
                made_on: latest.day,
                by: latest.due_by,
            },
            slots,
        )))
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
