//! Surge alerts as records: how many conversations each intent (and each intent in a city)
//! had in a window of time, and the alerts raised on them. At most one alert is open per
//! intent and city (a unique index), so however many instances look at the same hour, a
//! surge is raised once; its outbox entries are written in the transaction that raises it.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::{OutboxEntry, StoreError};
use crate::domain::{ConversationId, IntentId};

/// Conversations that heard an intent within a window: everywhere (`city: None`) or in
/// one city.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowCount {
    pub intent: IntentId,
    pub city: Option<String>,
    pub conversations: u64,
}

/// A surge alert: raised when an intent's last hour (in a city, or everywhere) jumped
/// past its baseline; cleared when it fell back.
#[derive(Clone, Debug, PartialEq)]
pub struct SurgeRecord {
    pub id: String,
    pub intent: IntentId,
    /// `None`: the intent everywhere.
    pub city: Option<String>,
    pub raised_at: DateTime<Utc>,
    /// The end of the hour that surged.
    pub window_end: DateTime<Utc>,
    /// Conversations in that hour.
    pub count: u64,
    /// The same hour's average over the days before.
    pub baseline: f64,
    pub cleared_at: Option<DateTime<Utc>>,
}

/// Surge alerts' records, for SQLite and PostgreSQL (`surges_sql.rs`).
pub trait SurgeStore: Send + Sync {
    /// Conversations per intent, and per intent and city, whose turns fell in
    /// `[from, to)` (milliseconds since the epoch).
    fn window_counts(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> impl Future<Output = Result<Vec<WindowCount>, StoreError>> + Send;
    /// The alerts not cleared, oldest first.
    fn open_surges(&self) -> impl Future<Output = Result<Vec<SurgeRecord>, StoreError>> + Send;
    /// Raises `surge` with its outbox entries, in one transaction; `false` (and nothing
    /// written) when an alert for its intent and city is open already.
    fn raise_surge(
        &self,
        surge: &SurgeRecord,
        outbox: &[OutboxEntry],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Clears an open alert at `surge.cleared_at` with its outbox entries; `false` (and
    /// nothing written) when it was cleared already.
    fn clear_surge(
        &self,
        surge: &SurgeRecord,
        outbox: &[OutboxEntry],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The conversations of an intent (in a city, or anywhere) within `window_ms`
    /// (`[from, to)`, milliseconds since the epoch), the latest first, at most `limit`.
    fn surge_conversations(
        &self,
        intent: &IntentId,
        city: Option<&str>,
        window_ms: (i64, i64),
        limit: u32,
    ) -> impl Future<Output = Result<Vec<ConversationId>, StoreError>> + Send;
}

/// The columns [`surge`] reads.
pub(super) const SURGE_COLUMNS: &str =
    "id, intent, city, raised_at, window_ms, count, baseline, cleared_at";

/// A row of `surges` as a record.
pub(super) type SurgeRow = (
    String,
    String,
    String,
    DateTime<Utc>,
    i64,
    i64,
    f64,
    Option<DateTime<Utc>>,
);

pub(super) fn surge(row: SurgeRow) -> Result<SurgeRecord, StoreError> {
    let (id, intent, city, raised_at, window_ms, count, baseline, cleared_at) = row;
    Ok(SurgeRecord {
        id,
        intent: IntentId::parse(&intent).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        city: (!city.is_empty()).then_some(city),
        raised_at,
        window_end: DateTime::from_timestamp_millis(window_ms)
            .ok_or_else(|| StoreError::Corrupt(format!("surge window {window_ms}")))?,
        count: u64::try_from(count).unwrap_or_default(),
        baseline,
        cleared_at,
    })
}
