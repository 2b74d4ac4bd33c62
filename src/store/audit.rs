//! The turns' audit records: read per conversation (the API, the console's "why" view),
//! by time (the compliance export), and purged after the retention period. They are
//! written with their turn (`TurnWrite::audit`), in its transaction.

use std::future::Future;

use super::StoreError;
use crate::audit::AuditRecord;
use crate::domain::ConversationId;

/// The audit records' store, for SQLite and PostgreSQL (`audit_sql.rs`).
pub trait AuditStore: Send + Sync {
    /// A conversation's records, turn by turn.
    fn audit_of(
        &self,
        conversation: &ConversationId,
    ) -> impl Future<Output = Result<Vec<AuditRecord>, StoreError>> + Send;
    /// The records (JSON, as stored) of turns taken in `[from_ms, to_ms)`, oldest first,
    /// at most `limit` after the `(at_ms, conversation, turn)` position `after`.
    fn audit_between(
        &self,
        window_ms: (i64, i64),
        after: Option<(i64, String, i64)>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(i64, String, i64, String)>, StoreError>> + Send;
    /// Deletes the records of turns taken before `before_ms`; how many. Safe to run from
    /// every instance at once: a record is deleted once, whoever gets there first.
    fn purge_audit(&self, before_ms: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// A stored record read back (its texts masked again on the way, as `MaskedText` does).
pub(super) fn parse(json: &str) -> Result<AuditRecord, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("audit record: {e}")))
}
