//! Reading rows back into the store's types, the same for every database: the column
//! lists and decoders are written once, generic over the driver's row type.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::de::DeserializeOwned;
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::{
    Acknowledgement, Delivery, DeliveryStatus, HandoffClaim, HandoffRecord, StoreError,
    StoredHandoff,
};
use crate::domain::{
    AgentId, AgentName, AgentRef, CommitmentId, ConversationId, HandoffId, WebhookName,
};

/// The columns [`handoff_record`] reads.
pub(super) const HANDOFF_COLUMNS: &str = "id, conversation_id, reason, priority, summary, created_at, acked_by, acked_at, \
     agent_id, agent_name, claimed_at, released_at, outcome, \
     (SELECT c.status FROM conversations c WHERE c.id = handoffs.conversation_id) \
     AS conversation_state";

/// The columns [`delivery`] reads.
pub(super) const DELIVERY_COLUMNS: &str = "id, handoff_id, commitment_id, surge_id, destination, idempotency_key, \
     payload, status, attempts, next_attempt_ms, window_start_ms, last_error, created_at, \
     delivered_at";

/// Longest error text kept per delivery: enough to diagnose, never a whole response body.
pub(super) const MAX_ERROR_CHARS: usize = 300;

/// A row of a driver whose columns decode into the types the store reads.
pub(super) trait StoreRow: Row
where
    for<'c> &'c str: ColumnIndex<Self>,
{
    fn text(&self, column: &str) -> Result<String, StoreError>;
    fn optional_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    fn time(&self, column: &str) -> Result<DateTime<Utc>, StoreError>;
    fn optional_time(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    fn day(&self, column: &str) -> Result<NaiveDate, StoreError>;
    fn flag(&self, column: &str) -> Result<bool, StoreError>;
}

impl<R> StoreRow for R
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> NaiveDate: Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&self, column: &str) -> Result<String, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn optional_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn int(&self, column: &str) -> Result<i64, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn time(&self, column: &str) -> Result<DateTime<Utc>, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn optional_time(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn day(&self, column: &str) -> Result<NaiveDate, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        Ok(self.try_get(column)?)
    }
}

pub(super) fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(super) fn to_json<T: serde::Serialize>(value: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Unserialisable(format!("{what}: {e}")))
}

/// A unit enum stored as its snake_case name (reasons, priorities, emotions).
pub(super) fn from_name<T: DeserializeOwned>(name: &str, what: &str) -> Result<T, StoreError> {
    from_json(&to_json(&name, what)?, what)
}

/// A handoff row read with [`HANDOFF_COLUMNS`].
pub(super) fn handoff_record<R: StoreRow>(row: &R) -> Result<HandoffRecord, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    let handoff_id = row.text("id")?;
    let conversation_id = row.text("conversation_id")?;
    let acked_by = row.optional_text("acked_by")?;
    let acked_at = row.optional_time("acked_at")?;
    Ok(HandoffRecord {
        handoff: StoredHandoff {
            id: HandoffId::parse(&handoff_id)
                .ok_or_else(|| StoreError::Corrupt(format!("handoff id {handoff_id}")))?,
            conversation_id: ConversationId::parse(&conversation_id)
                .map_err(|_| StoreError::Corrupt(format!("conversation id {conversation_id}")))?,
            reason: from_name(&row.text("reason")?, "handoff reason")?,
            priority: from_name(&row.text("priority")?, "handoff priority")?,
            summary: from_json(&row.text("summary")?, "handoff summary")?,
            created_at: row.time("created_at")?,
        },
        acked: acked_by
            .zip(acked_at)
            .map(|(by, at)| Acknowledgement { by, at }),
        claim: claim(row)?,
        conversation_state: row
            .optional_text("conversation_state")?
            .unwrap_or_else(|| "handed_off".into()),
    })
}

/// The claim columns of a handoff row, if it was claimed.
fn claim<R: StoreRow>(row: &R) -> Result<Option<HandoffClaim>, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    let (Some(id), Some(name), Some(at)) = (
        row.optional_text("agent_id")?,
        row.optional_text("agent_name")?,
        row.optional_time("claimed_at")?,
    ) else {
        return Ok(None);
    };
    let corrupt = |what: &str| StoreError::Corrupt(format!("handoff agent {what}"));
    let agent = AgentRef {
        id: AgentId::parse(&id).map_err(|_| corrupt(&id))?,
        name: AgentName::parse(&name).map_err(|_| corrupt(&name))?,
    };
    let released = match (
        row.optional_time("released_at")?,
        row.optional_text("outcome")?,
    ) {
        (Some(at), Some(outcome)) => Some((at, from_name(&outcome, "release outcome")?)),
        _ => None,
    };
    Ok(Some(HandoffClaim {
        agent,
        at,
        released,
    }))
}

pub(super) fn millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| StoreError::Corrupt(format!("outbox time {ms}")))
}

/// An outbox row read with [`DELIVERY_COLUMNS`].
pub(super) fn delivery<R: StoreRow>(row: &R) -> Result<Delivery, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    let handoff_id = row.optional_text("handoff_id")?;
    let commitment_id = row.optional_text("commitment_id")?;
    let surge_id = row.optional_text("surge_id")?;
    let destination = row.text("destination")?;
    let status = row.text("status")?;
    Ok(Delivery {
        id: row.int("id")?,
        handoff_id: handoff_id
            .map(|h| {
                HandoffId::parse(&h).ok_or_else(|| StoreError::Corrupt(format!("handoff id {h}")))
            })
            .transpose()?,
        commitment_id: commitment_id
            .map(|c| {
                CommitmentId::parse(&c)
                    .ok_or_else(|| StoreError::Corrupt(format!("commitment id {c}")))
            })
            .transpose()?,
        surge_id,
        destination: WebhookName::parse(&destination)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        idempotency_key: row.text("idempotency_key")?,
        payload: row.text("payload")?,
        status: status
            .parse::<DeliveryStatus>()
            .map_err(|_| StoreError::Corrupt(format!("delivery status {status}")))?,
        attempts: u32::try_from(row.int("attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: millis(row.int("next_attempt_ms")?)?,
        window_started_at: millis(row.int("window_start_ms")?)?,
        last_error: row.optional_text("last_error")?,
        created_at: row.time("created_at")?,
        delivered_at: row.optional_time("delivered_at")?,
    })
}
