//! The outbox in SQLite. Claiming is one `UPDATE … RETURNING`: SQLite serialises writers,
//! so two claims never take the same row, and the lease makes a crashed worker's rows due
//! again without anyone releasing them.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Row, Sqlite, Transaction};

use crate::domain::{HandoffId, WebhookName};
use crate::store::{
    AfterFailure, Delivery, DeliveryQuery, DeliveryStatus, OutboxEntry, StoreError,
};

const DELIVERY_COLUMNS: &str = "id, handoff_id, destination, idempotency_key, payload, status, \
     attempts, next_attempt_ms, window_start_ms, last_error, created_at, delivered_at";

/// Longest error text kept per delivery: enough to diagnose, never a whole response body.
const MAX_ERROR_CHARS: usize = 300;

/// Writes a handoff's deliveries inside the turn's transaction.
pub(super) async fn enqueue(
    tx: &mut Transaction<'_, Sqlite>,
    handoff: &HandoffId,
    entries: &[OutboxEntry],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for entry in entries {
        sqlx::query(
            "INSERT INTO outbox (handoff_id, destination, idempotency_key, payload, \
             next_attempt_ms, window_start_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(handoff.as_str())
        .bind(entry.destination.as_str())
        .bind(&entry.idempotency_key)
        .bind(&entry.payload)
        .bind(now.timestamp_millis())
        .bind(now.timestamp_millis())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(super) async fn claim(
    pool: &SqlitePool,
    destination: &WebhookName,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Delivery>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ? \
         WHERE id IN (SELECT id FROM outbox WHERE destination = ? AND status = 'pending' \
                      AND next_attempt_ms <= ? ORDER BY next_attempt_ms, id LIMIT ?) \
         RETURNING {DELIVERY_COLUMNS}"
    )))
    .bind(lease_until.timestamp_millis())
    .bind(destination.as_str())
    .bind(now.timestamp_millis())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(delivery_of).collect()
}

pub(super) async fn succeeded(
    pool: &SqlitePool,
    id: i64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox SET status = 'delivered', delivered_at = ?, last_error = NULL \
         WHERE id = ?",
    )
    .bind(at)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn failed(
    pool: &SqlitePool,
    id: i64,
    error: &str,
    after: AfterFailure,
) -> Result<(), StoreError> {
    let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
    // A row an operator or another attempt already settled stays as it is.
    let query = match after {
        AfterFailure::RetryAt(at) => sqlx::query(
            "UPDATE outbox SET last_error = ?, next_attempt_ms = ? \
             WHERE id = ? AND status = 'pending'",
        )
        .bind(error)
        .bind(at.timestamp_millis()),
        AfterFailure::GiveUp => sqlx::query(
            "UPDATE outbox SET last_error = ?, status = 'dead' WHERE id = ? AND status = 'pending'",
        )
        .bind(error),
    };
    query.bind(id).execute(pool).await?;
    Ok(())
}

pub(super) async fn list(
    pool: &SqlitePool,
    query: &DeliveryQuery,
) -> Result<Vec<Delivery>, StoreError> {
    let status = query.status.map(DeliveryStatus::as_str);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE (? IS NULL OR status = ?) \
         ORDER BY id DESC LIMIT ? OFFSET ?"
    )))
    .bind(status)
    .bind(status)
    .bind(i64::from(query.per_page) + 1)
    .bind(i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page))
    .fetch_all(pool)
    .await?;
    rows.iter().map(delivery_of).collect()
}

pub(super) async fn retry(
    pool: &SqlitePool,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Delivery>, StoreError> {
    let ms = now.timestamp_millis();
    sqlx::query(
        "UPDATE outbox SET status = 'pending', next_attempt_ms = ?, window_start_ms = ? \
         WHERE id = ? AND status != 'delivered'",
    )
    .bind(ms)
    .bind(ms)
    .bind(id)
    .execute(pool)
    .await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(delivery_of).transpose()
}

fn millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| StoreError::Corrupt(format!("outbox time {ms}")))
}

/// A row read with [`DELIVERY_COLUMNS`].
fn delivery_of(row: &SqliteRow) -> Result<Delivery, StoreError> {
    let handoff_id: String = row.try_get("handoff_id")?;
    let destination: String = row.try_get("destination")?;
    let status: String = row.try_get("status")?;
    let attempts: i64 = row.try_get("attempts")?;
    Ok(Delivery {
        id: row.try_get("id")?,
        handoff_id: HandoffId::parse(&handoff_id)
            .ok_or_else(|| StoreError::Corrupt(format!("handoff id {handoff_id}")))?,
        destination: WebhookName::parse(&destination)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        idempotency_key: row.try_get("idempotency_key")?,
        payload: row.try_get("payload")?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("delivery status {status}")))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_attempt_at: millis(row.try_get("next_attempt_ms")?)?,
        window_started_at: millis(row.try_get("window_start_ms")?)?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}
