//! Commitments as records: what the bank promised a customer, by when, and where the
//! promise stands. Written with the turn that makes the promise; read by the API, the
//! handoff summary and the returning-customer check; claimed by the follow-up when due.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::ColumnIndex;

use super::StoreError;
use super::rows::{StoreRow, millis};
use crate::domain::{CommitmentId, CommitmentStatus, ConversationId, FollowUpEvent, IntentId};
use crate::privacy::MaskedText;

/// Who made a commitment when no agent did.
pub const MADE_BY_BOT: &str = "bot";

/// A commitment as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredCommitment {
    pub id: CommitmentId,
    pub conversation_id: ConversationId,
    /// The bank's customer id, masked; `None` when the client sent none.
    pub customer_id: Option<String>,
    pub intent: IntentId,
    /// The template the promise was worded from (`atm_cash_retention.commitment`), or
    /// `agent` for an agent's own words.
    pub template: String,
    /// The promise as the customer read it (masked).
    pub text: MaskedText,
    /// `bot`, or the id of the agent who made it.
    pub made_by: String,
    pub made_at: DateTime<Utc>,
    /// The bank day it was made.
    pub day: NaiveDate,
    /// The bank date the customer was told.
    pub due_by: NaiveDate,
    /// The instant after which it is overdue.
    pub due_at: DateTime<Utc>,
    /// When `commitment.due_soon` goes out.
    pub due_soon_at: DateTime<Utc>,
    pub status: CommitmentStatus,
    pub due_soon_sent: bool,
    pub overdue_sent: bool,
    /// Who said it was done (the bank's system or an agent).
    pub fulfilled_by: Option<String>,
    /// Whether it was fulfilled by its due time; `None` unless fulfilled.
    pub on_time: Option<bool>,
    pub cancel_reason: Option<MaskedText>,
    /// When it was fulfilled or cancelled.
    pub closed_at: Option<DateTime<Utc>>,
}

/// A page of commitments, due first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommitmentQuery {
    /// `None`: every status.
    pub status: Option<CommitmentStatus>,
    /// Due at or after.
    pub due_from: Option<DateTime<Utc>>,
    /// Due before.
    pub due_to: Option<DateTime<Utc>>,
    pub conversation: Option<ConversationId>,
    /// The masked customer id.
    pub customer: Option<String>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// What the bank's system or an agent says about a commitment.
#[derive(Clone, Debug, PartialEq)]
pub enum Settlement {
    /// Done (the refund was credited), by whom.
    Fulfil { by: String, at: DateTime<Utc> },
    /// Withdrawn, with a reason (masked).
    Cancel {
        reason: MaskedText,
        at: DateTime<Utc>,
    },
}

/// What a settlement did.
#[derive(Clone, Debug, PartialEq)]
pub enum Settled {
    /// The commitment changed (or was already settled the same way: a retry).
    Done(StoredCommitment),
    /// It was already settled the other way (fulfilled, now cancelled, or the reverse):
    /// nothing changed.
    Refused(StoredCommitment),
}

/// One follow-up event for one commitment, claimed in one transaction with its outbox rows.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowUpDue {
    pub commitment: StoredCommitment,
    pub event: FollowUpEvent,
}

/// How many commitments of one intent were made, kept and missed, over days.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitmentCount {
    pub intent: IntentId,
    pub made: u64,
    pub fulfilled: u64,
    pub fulfilled_on_time: u64,
    /// Owed and past due now.
    pub overdue_now: u64,
}

pub(super) const COMMITMENT_COLUMNS: &str = "id, conversation_id, customer_id, intent, \
     template, text, made_by, made_at, day, due_by, due_at, due_ms, due_soon_ms, status, \
     due_soon_sent, overdue_sent, fulfilled_by, on_time, cancel_reason, closed_at";

/// A row read with [`COMMITMENT_COLUMNS`].
pub(super) fn commitment<R: StoreRow>(row: &R) -> Result<StoredCommitment, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    let id = row.text("id")?;
    let conversation = row.text("conversation_id")?;
    let intent = row.text("intent")?;
    let status = row.text("status")?;
    let on_time = if row.optional_text("fulfilled_by")?.is_some() {
        Some(row.flag("on_time")?)
    } else {
        None
    };
    Ok(StoredCommitment {
        id: CommitmentId::parse(&id)
            .ok_or_else(|| StoreError::Corrupt(format!("commitment id {id}")))?,
        conversation_id: ConversationId::parse(&conversation)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        customer_id: row.optional_text("customer_id")?,
        intent: IntentId::parse(&intent).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        template: row.text("template")?,
        // Stored text was masked on the way in; masking again is a no-op.
        text: crate::privacy::mask(&row.text("text")?),
        made_by: row.text("made_by")?,
        made_at: row.time("made_at")?,
        day: row.day("day")?,
        due_by: row.day("due_by")?,
        due_at: row.time("due_at")?,
        due_soon_at: millis(row.int("due_soon_ms")?)?,
        status: status
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("commitment status {status}")))?,
        due_soon_sent: row.flag("due_soon_sent")?,
        overdue_sent: row.flag("overdue_sent")?,
        fulfilled_by: row.optional_text("fulfilled_by")?,
        on_time,
        cancel_reason: row
            .optional_text("cancel_reason")?
            .map(|r| crate::privacy::mask(&r)),
        closed_at: row.optional_time("closed_at")?,
    })
}
