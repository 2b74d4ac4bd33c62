//! Group commit of turns: one thread owns a SQLite connection and saves every turn that
//! is waiting when it gets to them in one transaction, each turn inside its own
//! savepoint, and answers each turn only after that transaction committed.
//!
//! Why: SQLite runs one writer at a time, and through sqlx every statement of a turn was
//! a hop to the driver's thread and back to a busy async worker (about eight per turn),
//! all while holding the write lock; turns queued behind those waits, not behind work
//! (README, load: about 1,000 turns/s whatever the cores did). Here a turn's statements
//! run back to back on prepared statements, and a busy moment costs one commit for many
//! turns instead of one each. Durability is unchanged: a turn is answered after the
//! commit that holds it (`tests/api/turn_crash.rs` kills the server to prove it), and one
//! turn's failure (a conflict) rolls back its savepoint only, never its neighbours.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use tokio::sync::oneshot;

use super::turn_rows::TurnRows;
use crate::store::StoreError;

/// How many turns one transaction takes at most: enough to empty the queue of a busy
/// moment, few enough that the first of them is not kept waiting long.
const MAX_BATCH: usize = 256;

/// How long the writer waits for another writer's lock (the sqlx connection's changes
/// outside turns, another process) before the batch fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

struct Job {
    rows: TurnRows,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The handle turns are sent through; the thread ends when the store is dropped.
pub(super) struct TurnWriter {
    jobs: mpsc::Sender<Job>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        StoreError::Writer(error.to_string())
    }
}

impl TurnWriter {
    /// Opens the writer's own connection to the database file (already migrated) and
    /// starts its thread.
    pub fn start(file: &Path) -> Result<TurnWriter, StoreError> {
        let connection = Connection::open(file)?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // The same settings as the sqlx connections (`SqliteStore::open`).
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.pragma_update(None, "secure_delete", "ON")?;
        connection.set_prepared_statement_cache_capacity(32);
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-turns".into())
            .spawn(move || run(connection, queue))
            .map_err(|source| StoreError::DataDir {
                path: file.display().to_string(),
                source,
            })?;
        Ok(TurnWriter { jobs })
    }

    /// Saves one turn; answers once the transaction that holds it has committed.
    pub async fn save(&self, rows: TurnRows) -> Result<(), StoreError> {
        let (done, answer) = oneshot::channel();
        self.jobs
            .send(Job { rows, done })
            .map_err(|_| StoreError::Writer("the turn writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Writer("the turn writer has stopped".into()))?
    }
}

/// The writer thread: waits for a turn, takes every other one waiting with it, saves
/// them in one transaction and answers them all.
fn run(mut connection: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = save_batch(&mut connection, &batch);
        match results {
            Ok(results) => {
                for (job, result) in batch.into_iter().zip(results) {
                    let _ = job.done.send(result);
                }
            }
            Err(error) => {
                tracing::warn!(error = %error, turns = batch.len(), "saving turns failed");
                let message = error.to_string();
                for job in batch {
                    let _ = job.done.send(Err(StoreError::Writer(message.clone())));
                }
            }
        }
    }
}

/// One transaction for the batch; each turn's result (a turn refused by a conflict is
/// rolled back alone). `Err`: the transaction itself failed and nothing was saved.
fn save_batch(
    connection: &mut Connection,
    batch: &[Job],
) -> Result<Vec<Result<(), StoreError>>, rusqlite::Error> {
    let mut tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        let savepoint = tx.savepoint()?;
        let result = save_turn(&savepoint, &job.rows);
        match result {
            Ok(()) => savepoint.commit()?,
            // Rolls this turn back to its savepoint and releases it (the default drop
            // behaviour, with its error reported).
            Err(_) => savepoint.finish()?,
        }
        results.push(result);
    }
    tx.commit()?;
    Ok(results)
}

/// One turn's rows, as the shared `save_turn` of `super::super::sql` writes them.
fn save_turn(tx: &Connection, rows: &TurnRows) -> Result<(), StoreError> {
    let id = rows.id.as_str();
    let saved = match rows.stored {
        None => tx
            .prepare_cached(
                "INSERT INTO conversations \
                 (id, state, turn, status, channel, day, created_at, updated_at, token_sha256) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![
                id,
                rows.state,
                rows.turn,
                rows.status,
                rows.channel,
                rows.facts.day,
                rows.created_at,
                rows.now,
                rows.token_sha256,
            ])?,
        Some((stored_turn, stored_status)) => tx
            .prepare_cached(
                "UPDATE conversations SET state = ?1, turn = ?2, status = ?3, updated_at = ?4 \
                 WHERE id = ?5 AND turn = ?6 AND status = ?7",
            )?
            .execute(params![
                rows.state,
                rows.turn,
                rows.status,
                rows.now,
                id,
                stored_turn,
                stored_status,
            ])?,
    };
    if saved == 0 {
        return Err(StoreError::Conflict(id.to_string()));
    }
    if let Some(receipt) = &rows.receipt {
        let inserted = tx
            .prepare_cached(
                "INSERT INTO message_receipts (conversation_id, idempotency_key, \
                 request_digest, turn, response, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                id,
                receipt.key,
                receipt.request,
                rows.turn,
                receipt.response,
                rows.now
            ]);
        match inserted {
            // As in the shared code: a second save of the key is a conflict, and the
            // service answers with the receipt saved first.
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::ConstraintViolation
                    && matches!(
                        e.extended_code,
                        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                            | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    ) =>
            {
                return Err(StoreError::Conflict(id.to_string()));
            }
            inserted => {
                inserted?;
            }
        }
    }
    if let Some(text) = &rows.amend_last_customer_line {
        tx.prepare_cached(
            "UPDATE turns SET text = ?1 WHERE conversation_id = ?2 AND seq = \
             (SELECT MAX(seq) FROM turns WHERE conversation_id = ?2 AND role = 'customer')",
        )?
        .execute(params![text, id])?;
    }
    if !rows.lines.is_empty() {
        let last: i64 = tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM turns WHERE conversation_id = ?1")?
            .query_row(params![id], |row| row.get(0))
            .optional()?
            .unwrap_or(0);
        let mut insert = tx.prepare_cached(
            "INSERT INTO turns (conversation_id, seq, role, text, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (seq, line) in (last + 1..).zip(&rows.lines) {
            insert.execute(params![id, seq, line.role, line.text, line.at])?;
        }
    }
    if !rows.commitments.is_empty() {
        let mut insert = tx.prepare_cached(
            "INSERT INTO commitments (id, conversation_id, customer_id, intent, template, text, \
             made_by, made_at, day, due_by, due_at, due_ms, due_soon_ms, status, due_soon_sent, \
             overdue_sent) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?;
        for c in &rows.commitments {
            insert.execute(params![
                c.id,
                id,
                c.customer_id,
                c.intent,
                c.template,
                c.text,
                c.made_by,
                c.made_at,
                c.day,
                c.due_by,
                c.due_at,
                c.due_ms,
                c.due_soon_ms,
                c.status,
                c.due_soon_sent,
                c.overdue_sent,
            ])?;
        }
    }
    let facts = &rows.facts;
    tx.prepare_cached(
        "INSERT INTO turn_facts (conversation_id, turn, day, channel, intent, complaint, emotion, \
         notice, at_ms, city) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        id,
        rows.turn,
        facts.day,
        facts.channel,
        facts.intent,
        facts.complaint,
        facts.emotion,
        facts.notice,
        facts.at_ms,
        facts.city,
    ])?;
    if let Some((record, at_ms)) = &rows.audit {
        tx.prepare_cached(
            "INSERT INTO turn_audit (conversation_id, turn, at_ms, record) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![id, rows.turn, at_ms, record])?;
    }
    if let Some(handoff) = &rows.handoff {
        tx.prepare_cached(
            "INSERT INTO handoffs (id, conversation_id, reason, priority, summary, day, \
             created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            handoff.id,
            id,
            handoff.reason,
            handoff.priority,
            handoff.summary,
            facts.day,
            handoff.created_at,
        ])?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO outbox (handoff_id, destination, idempotency_key, payload, \
             next_attempt_ms, window_start_ms, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
        )?;
        for entry in &handoff.outbox {
            insert.execute(params![
                handoff.id,
                entry.destination,
                entry.idempotency_key,
                entry.payload,
                rows.now_ms,
                rows.now,
            ])?;
        }
    }
    if !rows.events.is_empty() {
        let mut insert = tx.prepare_cached(
            "INSERT INTO conversation_events (conversation_id, kind, data, at) \
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for event in &rows.events {
            insert.execute(params![id, event.kind, event.data, event.at])?;
        }
    }
    Ok(())
}
