//! PostgreSQL, for several instances behind a load balancer sharing conversations and
//! handoffs. The queries are shared with SQLite (`super::sql`); what differs is that many
//! workers claim outbox rows at once, so claiming skips rows another worker has locked.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::StoreError;
use super::commitments_sql::commitment_store;
use super::sql::sql_store;

/// Schema versions, applied in order; `frontline_migrations` records which ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_schema.sql"),
    include_str!("../../migrations/postgres/0002_message_receipts.sql"),
    include_str!("../../migrations/postgres/0003_live_chat.sql"),
    include_str!("../../migrations/postgres/0004_commitments.sql"),
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

sql_store!(PostgresStore, sqlx::Postgres, CLAIM, NOTIFY);
commitment_store!(PostgresStore, sqlx::Postgres, LOCK_DUE);
