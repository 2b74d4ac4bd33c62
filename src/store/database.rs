//! Which store a deployment uses: the embedded SQLite file under the data dir (one
//! instance), or a PostgreSQL server shared by several instances.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{
    AfterFailure, AnalyticsRows, Audience, AuditStore, ChangeWrite, CommitmentCount,
    CommitmentQuery, CommitmentStore, DayRange, Delivery, DeliveryQuery, EventNotifier,
    FollowUpDue, HandoffQuery, HandoffRecord, NoticeAction, NoticeAuditEntry, NoticeStore,
    NoticeWrite, OutboxCount, OutboxEntry, PostgresStore, Receipt, Settled, Settlement,
    SqliteStore, Store, StoreError, StoredCommitment, StoredEvent, StoredHandoff, SurgeRecord,
    SurgeStore, TranscriptLine, TurnWrite, WindowCount,
};
use crate::audit::AuditRecord;
use crate::dialogue::Conversation;
use crate::domain::{
    CommitmentId, ConversationId, HandoffId, IdempotencyKey, IntentId, WebhookName,
};

/// A database URL as configured: only PostgreSQL is reached by URL (SQLite is the data
/// dir's file). Parsed at start-up, so a typo stops the service with a clear message.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl(url.to_string()))
        } else {
            Err(StoreError::Url(
                "expected postgres://user@host:port/database (leave it out for the embedded \
                 SQLite store under the data dir)"
                    .into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never print the password a URL may carry.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = self.0.split_once("://").and_then(|(scheme, rest)| {
            let (userinfo, host) = rest.split_once('@')?;
            let (user, _password) = userinfo.split_once(':')?;
            Some(format!("{scheme}://{user}:***@{host}"))
        });
        f.write_str(hidden.as_deref().unwrap_or(&self.0))
    }
}

/// The store the service runs on.
pub enum Database {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Database {
    /// PostgreSQL at `url` if one is given, else SQLite under `data_dir`.
    pub async fn open(url: Option<&DatabaseUrl>, data_dir: &Path) -> Result<Database, StoreError> {
        Ok(match url {
            Some(url) => Database::Postgres(PostgresStore::open(url.as_str()).await?),
            None => Database::Sqlite(SqliteStore::open(data_dir).await?),
        })
    }

    /// Wakes `notifier`'s streams when another instance announces events (PostgreSQL);
    /// with SQLite the one process wakes its own streams.
    pub fn listen(&self, notifier: &std::sync::Arc<EventNotifier>) {
        if let Database::Postgres(store) = self {
            notifier.listen(store.pool().clone());
        }
    }

    /// `sqlite` or `postgres`, for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }
}

/// Forwards a call to whichever store this is.
macro_rules! either {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Database::Sqlite(store) => store.$method($($arg),*).await,
            Database::Postgres(store) => store.$method($($arg),*).await,
        }
    };
}

impl Store for Database {
    async fn conversation(&self, id: &ConversationId) -> Result<Option<Conversation>, StoreError> {
        either!(self.conversation(id))
    }
    async fn transcript(&self, id: &ConversationId) -> Result<Vec<TranscriptLine>, StoreError> {
        either!(self.transcript(id))
    }
    async fn handoff_of(&self, id: &ConversationId) -> Result<Option<StoredHandoff>, StoreError> {
        either!(self.handoff_of(id))
    }
    async fn handoffs(&self, query: &HandoffQuery) -> Result<Vec<HandoffRecord>, StoreError> {
        either!(self.handoffs(query))
    }
    async fn acknowledge(
        &self,
        id: &HandoffId,
        by: &str,
    ) -> Result<Option<HandoffRecord>, StoreError> {
        either!(self.acknowledge(id, by))
    }
    async fn receipt(
        &self,
        id: &ConversationId,
        key: &IdempotencyKey,
    ) -> Result<Option<Receipt>, StoreError> {
        either!(self.receipt(id, key))
    }
    async fn save_turn(&self, write: TurnWrite<'_>) -> Result<(), StoreError> {
        either!(self.save_turn(write))
    }
    async fn save_change(&self, write: ChangeWrite<'_>) -> Result<Vec<i64>, StoreError> {
        either!(self.save_change(write))
    }
    async fn events(
        &self,
        id: &ConversationId,
        after: i64,
        audience: Audience,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        either!(self.events(id, after, audience, limit))
    }
    async fn token_sha256(&self, id: &ConversationId) -> Result<Option<String>, StoreError> {
        either!(self.token_sha256(id))
    }
    async fn handoff(&self, id: &HandoffId) -> Result<Option<HandoffRecord>, StoreError> {
        either!(self.handoff(id))
    }
    async fn claim_deliveries(
        &self,
        destination: &WebhookName,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        either!(self.claim_deliveries(destination, now, lease_until, limit))
    }
    async fn delivery_succeeded(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        either!(self.delivery_succeeded(id, at))
    }
    async fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        after: AfterFailure,
    ) -> Result<(), StoreError> {
        either!(self.delivery_failed(id, error, after))
    }
    async fn deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        either!(self.deliveries(query))
    }
    async fn retry_delivery(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Delivery>, StoreError> {
        either!(self.retry_delivery(id, now))
    }
    async fn outbox_counts(&self) -> Result<Vec<OutboxCount>, StoreError> {
        either!(self.outbox_counts())
    }
    async fn analytics(&self, range: DayRange) -> Result<AnalyticsRows, StoreError> {
        either!(self.analytics(range))
    }
    async fn ping(&self) -> Result<(), StoreError> {
        either!(self.ping())
    }
}

impl CommitmentStore for Database {
    async fn commitments(
        &self,
        query: &CommitmentQuery,
    ) -> Result<Vec<StoredCommitment>, StoreError> {
        either!(self.commitments(query))
    }
    async fn commitment(&self, id: &CommitmentId) -> Result<Option<StoredCommitment>, StoreError> {
        either!(self.commitment(id))
    }
    async fn add_commitment(&self, commitment: &StoredCommitment) -> Result<(), StoreError> {
        either!(self.add_commitment(commitment))
    }
    async fn settle_commitment(
        &self,
        id: &CommitmentId,
        settlement: &Settlement,
    ) -> Result<Option<Settled>, StoreError> {
        either!(self.settle_commitment(id, settlement))
    }
    async fn follow_up(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        outbox: &(dyn Fn(&FollowUpDue) -> Result<Vec<OutboxEntry>, StoreError> + Sync),
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        either!(self.follow_up(now, limit, outbox))
    }
    async fn commitment_counts(
        &self,
        range: DayRange,
        now: DateTime<Utc>,
    ) -> Result<Vec<CommitmentCount>, StoreError> {
        either!(self.commitment_counts(range, now))
    }
}

impl NoticeStore for Database {
    async fn save_notice(&self, write: NoticeWrite<'_>) -> Result<NoticeAction, StoreError> {
        either!(self.save_notice(write))
    }
    async fn withdraw_notice(
        &self,
        id: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        either!(self.withdraw_notice(id, by, at))
    }
    async fn live_notices(&self, now_ms: i64) -> Result<Vec<String>, StoreError> {
        either!(self.live_notices(now_ms))
    }
    async fn notice_audit(&self, limit: u32) -> Result<Vec<NoticeAuditEntry>, StoreError> {
        either!(self.notice_audit(limit))
    }
}

impl AuditStore for Database {
    async fn audit_of(
        &self,
        conversation: &ConversationId,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        either!(self.audit_of(conversation))
    }
    async fn audit_between(
        &self,
        window_ms: (i64, i64),
        after: Option<(i64, String, i64)>,
        limit: u32,
    ) -> Result<Vec<(i64, String, i64, String)>, StoreError> {
        either!(self.audit_between(window_ms, after, limit))
    }
    async fn purge_audit(&self, before_ms: i64) -> Result<u64, StoreError> {
        either!(self.purge_audit(before_ms))
    }
}

impl SurgeStore for Database {
    async fn window_counts(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<WindowCount>, StoreError> {
        either!(self.window_counts(from_ms, to_ms))
    }
    async fn open_surges(&self) -> Result<Vec<SurgeRecord>, StoreError> {
        either!(self.open_surges())
    }
    async fn raise_surge(
        &self,
        surge: &SurgeRecord,
        outbox: &[OutboxEntry],
    ) -> Result<bool, StoreError> {
        either!(self.raise_surge(surge, outbox))
    }
    async fn clear_surge(
        &self,
        surge: &SurgeRecord,
        outbox: &[OutboxEntry],
    ) -> Result<bool, StoreError> {
        either!(self.clear_surge(surge, outbox))
    }
    async fn surge_conversations(
        &self,
        intent: &IntentId,
        city: Option<&str>,
        window: (i64, i64),
        limit: u32,
    ) -> Result<Vec<ConversationId>, StoreError> {
        either!(self.surge_conversations(intent, city, window, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_urls_are_taken_and_their_passwords_never_printed() {
        let url = DatabaseUrl::parse("postgres://frontline:s3cret@db:5432/frontline").unwrap();
        assert_eq!(
            format!("{url:?}"),
            "postgres://frontline:***@db:5432/frontline"
        );
        assert!(DatabaseUrl::parse("postgresql://db/frontline").is_ok());
        assert!(DatabaseUrl::parse("mysql://db/frontline").is_err());
        assert!(DatabaseUrl::parse("data/frontline.sqlite3").is_err());
    }
}
