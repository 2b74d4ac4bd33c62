//! PostgreSQL, for several instances behind a load balancer sharing conversations and
//! handoffs. The queries are shared with SQLite (`super::sql`); what differs is that many
//! workers claim outbox rows at once, so claiming skips rows another worker has locked.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::StoreError;
use super::audit_sql::audit_store;
use super::commitments_sql::commitment_store;
use super::notices_sql::notice_store;
use super::sql::sql_store;
use super::surges_sql::surge_store;

/// Schema versions, applied in order; `frontline_migrations` records which ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_schema.sql"),
    include_str!("../../migrations/postgres/0002_message_receipts.sql"),
    include_str!("../../migrations/postgres/0003_live_chat.sql"),
    include_str!("../../migrations/postgres/0004_commitments.sql"),
    include_str!("../../migrations/postgres/0005_notices.sql"),
    include_str!("../../migrations/postgres/0006_surges.sql"),
    include_str!("../../migrations/postgres/0007_turn_audit.sql"),
];

/// Connections per instance: turns are short transactions; more instances share the
/// server's `max_connections` (100 by default).
const MAX_CONNECTIONS: u32 = 16;

/// Any number (the same in every instance): migrations run under this advisory lock, so
/// instances starting together migrate once.
const MIGRATION_LOCK: i64 = 0x4652_4f4e_544c_494e; // "FRONTLIN"

/// Claims due deliveries: `FOR UPDATE SKIP LOCKED` lets the workers of every instance
/// claim at once without taking the same row or waiting for each other, and the lease
/// (`next_attempt_ms` pushed ahead) makes a dead worker's rows due again.
const CLAIM: &str = "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = $1 \
     WHERE id IN (SELECT id FROM outbox WHERE destination = $2 AND status = 'pending' \
                  AND next_attempt_ms <= $3 ORDER BY next_attempt_ms, id LIMIT $4 \
                  FOR UPDATE SKIP LOCKED)";

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        migrate(&pool).await?;
        Ok(PostgresStore { pool })
    }

    /// A write transaction: PostgreSQL's row locks let writers run side by side.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS frontline_migrations \
         (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .execute(&mut *tx)
    .await?;
    let applied: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM frontline_migrations")
            .fetch_one(&mut *tx)
            .await?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied.max(0) as usize) {
        sqlx::raw_sql(*sql).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO frontline_migrations (version) VALUES ($1)")
            .bind(index as i64 + 1)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Announces new events of a conversation to every instance, at commit (`$1`: its id).
const NOTIFY: Option<&str> = Some("SELECT pg_notify('frontline_events', $1)");

impl PostgresStore {
    /// The pool, for the instance's event listener.
    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The follow-up of every instance claims due commitments at once: each takes the rows no
/// other holds, and a row one instance is sending is skipped by the others, never sent
/// twice (its flags are set in the same transaction).
const LOCK_DUE: &str = " FOR UPDATE SKIP LOCKED";

impl PostgresStore {
    /// Saves a turn in its own transaction (PostgreSQL runs many writers at once).
    async fn save_turn_in_transaction(
        &self,
        write: crate::store::TurnWrite<'_>,
    ) -> Result<(), crate::store::StoreError> {
        if super::postgres_turn::is_plain(&write) {
            return self.save_plain_turn(write).await;
        }
        let conversation = write.conversation;
        let id = conversation.id.as_str();
        let now = chrono::Utc::now();
        let mut tx = self.begin_write().await?;
        let saved = match write.stored {
            None => {
                sqlx::query(
                    "INSERT INTO conversations \
                         (id, state, turn, status, channel, day, created_at, updated_at, \
                          token_sha256) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
                )
                .bind(id)
                .bind(crate::store::rows::to_json(conversation, "conversation")?)
                .bind(i64::from(conversation.turn))
                .bind(conversation.state.as_str())
                .bind(conversation.channel.as_str())
                .bind(write.facts.day)
                .bind(conversation.created_at)
                .bind(now)
                .bind(write.token_sha256)
                .execute(&mut *tx)
                .await?
            }
            Some((stored_turn, stored_status)) => {
                sqlx::query(
                    "UPDATE conversations SET state = $1, turn = $2, status = $3, \
                         updated_at = $4 WHERE id = $5 AND turn = $6 AND status = $7",
                )
                .bind(crate::store::rows::to_json(conversation, "conversation")?)
                .bind(i64::from(conversation.turn))
                .bind(conversation.state.as_str())
                .bind(now)
                .bind(id)
                .bind(i64::from(stored_turn))
                .bind(stored_status)
                .execute(&mut *tx)
                .await?
            }
        };
        if saved.rows_affected() == 0 {
            // Another instance (or an agent) got there first; dropping `tx` rolls
            // back.
            return Err(crate::store::StoreError::Conflict(id.to_string()));
        }
        if let Some(receipt) = write.receipt {
            Self::insert_receipt(&mut tx, id, conversation.turn, receipt, now).await?;
        }
        if let Some(text) = write.amend_last_customer_line {
            sqlx::query(
                "UPDATE turns SET text = $1 WHERE conversation_id = $2 AND seq = \
                         (SELECT MAX(seq) FROM turns WHERE conversation_id = $2 \
                          AND role = 'customer')",
            )
            .bind(text.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        Self::append_lines(&mut tx, id, write.lines).await?;
        Self::insert_commitments(&mut tx, write.commitments).await?;
        let facts = write.facts;
        sqlx::query(
            "INSERT INTO turn_facts \
                     (conversation_id, turn, day, channel, intent, complaint, emotion, notice, \
                      at_ms, city) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(i64::from(conversation.turn))
        .bind(facts.day)
        .bind(facts.channel.as_str())
        .bind(facts.intent.as_ref().map(|i| i.as_str()))
        .bind(facts.complaint)
        .bind(facts.emotion.as_str())
        .bind(facts.notice.as_ref().map(|n| n.as_str()))
        .bind(facts.at.timestamp_millis())
        .bind(facts.city.as_deref())
        .execute(&mut *tx)
        .await?;
        if let Some(audit) = write.audit {
            sqlx::query(
                "INSERT INTO turn_audit (conversation_id, turn, at_ms, record) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(i64::from(conversation.turn))
            .bind(audit.at.timestamp_millis())
            .bind(crate::store::rows::to_json(audit, "audit record")?)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(handoff) = write.handoff {
            sqlx::query(
                "INSERT INTO handoffs \
                         (id, conversation_id, reason, priority, summary, day, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(handoff.id.as_str())
            .bind(handoff.conversation_id.as_str())
            .bind(handoff.reason.as_str())
            .bind(handoff.priority.as_str())
            .bind(crate::store::rows::to_json(
                &handoff.summary,
                "handoff summary",
            )?)
            .bind(facts.day)
            .bind(handoff.created_at)
            .execute(&mut *tx)
            .await?;
            for entry in write.outbox {
                sqlx::query(
                    "INSERT INTO outbox (handoff_id, destination, idempotency_key, \
                             payload, next_attempt_ms, window_start_ms, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $5, $6)",
                )
                .bind(handoff.id.as_str())
                .bind(entry.destination.as_str())
                .bind(&entry.idempotency_key)
                .bind(&entry.payload)
                .bind(now.timestamp_millis())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        Self::insert_events(&mut tx, id, write.events).await?;
        tx.commit().await?;
        Ok(())
    }
}

sql_store!(
    PostgresStore,
    sqlx::Postgres,
    CLAIM,
    NOTIFY,
    save_turn_in_transaction
);
commitment_store!(PostgresStore, sqlx::Postgres, LOCK_DUE);
notice_store!(PostgresStore, sqlx::Postgres);
audit_store!(PostgresStore);
surge_store!(PostgresStore, sqlx::Postgres);
