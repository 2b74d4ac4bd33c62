//! The embedded store: one SQLite file under the data dir, in WAL mode so that readers
//! never wait for the writer.

mod outbox;

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{
    Acknowledgement, AfterFailure, Delivery, DeliveryQuery, HandoffQuery, HandoffRecord,
    HandoffStatusFilter, Role, Store, StoreError, StoredHandoff, TranscriptLine, TurnWrite,
};
use crate::dialogue::Conversation;
use crate::domain::{ConversationId, HandoffId, Priority, WebhookName};
use crate::privacy::MaskedText;

/// The database file inside the data dir.
pub const DATABASE_FILE: &str = "frontline.sqlite3";

/// Schema versions, applied in order; `PRAGMA user_version` records how far a file is.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_conversations.sql"),
    include_str!("../../../migrations/sqlite/0002_handoff_acks.sql"),
    include_str!("../../../migrations/sqlite/0003_outbox.sql"),
];

/// The columns [`record_of`] reads.
const HANDOFF_COLUMNS: &str =
    "id, conversation_id, reason, priority, summary, created_at, acked_by, acked_at";

/// Connections: SQLite serialises writers anyway; a few readers keep GETs fast.
const MAX_CONNECTIONS: u32 = 4;

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database under `data_dir` and brings its schema up to
    /// date.
    pub async fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(data_dir.join(DATABASE_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Text rewritten by a later turn (personal data split over two messages) is
            // zeroed on disk, not left in a free page.
            .pragma("secure_delete", "ON")
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await?;
        migrate(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut *tx)
        .await?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        sqlx::raw_sql(*sql).execute(&mut *tx).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "PRAGMA user_version = {}",
            index + 1
        )))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising our own types to JSON cannot fail: no maps with non-string keys.
    serde_json::to_string(value).unwrap_or_default()
}

impl Store for SqliteStore {
    async fn conversation(&self, id: &ConversationId) -> Result<Option<Conversation>, StoreError> {
        let row: Option<String> =
            sqlx::query_scalar("SELECT state FROM conversations WHERE id = ?")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|state| from_json(&state, "conversation"))
            .transpose()
    }

    async fn transcript(&self, id: &ConversationId) -> Result<Vec<TranscriptLine>, StoreError> {
        let rows =
            sqlx::query("SELECT role, text, at FROM turns WHERE conversation_id = ? ORDER BY seq")
                .bind(id.as_str())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|row| {
                let role = match row.try_get::<String, _>("role")?.as_str() {
                    "customer" => Role::Customer,
                    _ => Role::Bot,
                };
                let text: String = row.try_get("text")?;
                let at: DateTime<Utc> = row.try_get("at")?;
                Ok(TranscriptLine {
                    role,
                    // Stored text was masked on the way in; masking again is a no-op.
                    text: crate::privacy::mask(&text),
                    at,
                })
            })
            .collect()
    }

    async fn handoff_of(&self, id: &ConversationId) -> Result<Option<StoredHandoff>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE conversation_id = ?"
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| record_of(&r)).transpose()?.map(|r| r.handoff))
    }

    async fn handoffs(&self, query: &HandoffQuery) -> Result<Vec<HandoffRecord>, StoreError> {
        let status = match query.status {
            HandoffStatusFilter::Pending => "AND acked_at IS NULL",
            HandoffStatusFilter::Acked => "AND acked_at IS NOT NULL",
            HandoffStatusFilter::All => "",
        };
        let priority = query.priority.map(Priority::as_str);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE (? IS NULL OR priority = ?) {status} \
             ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        )))
        .bind(priority)
        .bind(priority)
        .bind(i64::from(query.per_page) + 1)
        .bind(i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_of).collect()
    }

    async fn acknowledge(
        &self,
        id: &HandoffId,
        by: &str,
    ) -> Result<Option<HandoffRecord>, StoreError> {
        sqlx::query(
            "UPDATE handoffs SET acked_by = ?, acked_at = ?, status = 'acknowledged' \
             WHERE id = ? AND acked_at IS NULL",
        )
        .bind(by)
        .bind(Utc::now())
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE id = ?"
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| record_of(&r)).transpose()
    }

    async fn save_turn(&self, write: TurnWrite<'_>) -> Result<(), StoreError> {
        let conversation = write.conversation;
        let now = Utc::now();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO conversations (id, state, created_at, updated_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        )
        .bind(conversation.id.as_str())
        .bind(to_json(conversation))
        .bind(conversation.created_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let next: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM turns WHERE conversation_id = ?")
                .bind(conversation.id.as_str())
                .fetch_one(&mut *tx)
                .await?;
        if let Some(text) = write.amend_last_customer_line {
            sqlx::query(
                "UPDATE turns SET text = ? WHERE conversation_id = ? AND seq = \
                 (SELECT MAX(seq) FROM turns WHERE conversation_id = ? AND role = 'customer')",
            )
            .bind(text.as_str())
            .bind(conversation.id.as_str())
            .bind(conversation.id.as_str())
            .execute(&mut *tx)
            .await?;
        }
        for (offset, line) in write.lines.iter().enumerate() {
            let text: &MaskedText = &line.text;
            sqlx::query(
                "INSERT INTO turns (conversation_id, seq, role, text, at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(conversation.id.as_str())
            .bind(next + 1 + offset as i64)
            .bind(line.role.as_str())
            .bind(text.as_str())
            .bind(line.at)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(handoff) = write.handoff {
            sqlx::query(
                "INSERT INTO handoffs (id, conversation_id, reason, priority, summary, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(handoff.id.as_str())
            .bind(handoff.conversation_id.as_str())
            .bind(handoff.reason.as_str())
            .bind(handoff.priority.as_str())
            .bind(handoff.summary.to_string())
            .bind(handoff.created_at)
            .execute(&mut *tx)
            .await?;
            outbox::enqueue(&mut tx, &handoff.id, write.outbox, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_deliveries(
        &self,
        destination: &WebhookName,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        outbox::claim(&self.pool, destination, now, lease_until, limit).await
    }

    async fn delivery_succeeded(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        outbox::succeeded(&self.pool, id, at).await
    }

    async fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        after: AfterFailure,
    ) -> Result<(), StoreError> {
        outbox::failed(&self.pool, id, error, after).await
    }

    async fn deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        outbox::list(&self.pool, query).await
    }

    async fn retry_delivery(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Delivery>, StoreError> {
        outbox::retry(&self.pool, id, now).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// A handoff row read with [`HANDOFF_COLUMNS`].
fn record_of(row: &sqlx::sqlite::SqliteRow) -> Result<HandoffRecord, StoreError> {
    let handoff_id: String = row.try_get("id")?;
    let conversation_id: String = row.try_get("conversation_id")?;
    let reason: String = row.try_get("reason")?;
    let priority: String = row.try_get("priority")?;
    let summary: String = row.try_get("summary")?;
    let acked_by: Option<String> = row.try_get("acked_by")?;
    let acked_at: Option<DateTime<Utc>> = row.try_get("acked_at")?;
    Ok(HandoffRecord {
        handoff: StoredHandoff {
            id: HandoffId::parse(&handoff_id)
                .ok_or_else(|| StoreError::Corrupt(format!("handoff id {handoff_id}")))?,
            conversation_id: ConversationId::parse(&conversation_id)
                .map_err(|_| StoreError::Corrupt(format!("conversation id {conversation_id}")))?,
            reason: from_json(&format!("\"{reason}\""), "handoff reason")?,
            priority: from_json(&format!("\"{priority}\""), "handoff priority")?,
            summary: from_json(&summary, "handoff summary")?,
            created_at: row.try_get("created_at")?,
        },
        acked: acked_by
            .zip(acked_at)
            .map(|(by, at)| Acknowledgement { by, at }),
    })
}
