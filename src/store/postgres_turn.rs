//! A plain turn saved on PostgreSQL in one statement: one round trip to the server
//! instead of eight (begin, the conversation, the last line number, two lines, the
//! analytics facts, the audit record, commit).
//!
//! Why: on PostgreSQL a turn's cost was round trips, not work. Each statement is a hop
//! from a busy async worker to the server and back, and the server's side of a hop
//! (wake-up, bind, execute, reply) costs about as much as the statement; at eight hops a
//! turn, PostgreSQL turns were slower than SQLite's (README, load). Data-modifying CTEs
//! run every part in one statement, which PostgreSQL runs as one transaction: all of it
//! is saved or none, and it commits before the answer comes back, as before.
//!
//! The version check is the same: the conversation's `UPDATE … WHERE turn = … AND status
//! = …` (or the new conversation's `INSERT … ON CONFLICT DO NOTHING`) returns its row
//! only if this turn may be saved, and every other part inserts only when it did. A
//! receipt saved twice under one key fails the whole statement on its primary key, which
//! is answered as a conflict, as the transaction did.
//!
//! Turns with more to save (events, a handoff and its deliveries, commitments, a masked
//! earlier line) are rare and take the transaction in `postgres.rs`.

use super::StoreError;
use super::postgres::PostgresStore;
use crate::store::TurnWrite;

/// The parts every plain turn saves, once the conversation's CTE (`saved`) said it may.
/// `$1` id, `$2` turn, `$3` now, `$4..$6` the lines (roles, texts, instants), `$7..$14`
/// the analytics facts, `$15, $16` the audit record (none when `$16` is null), `$17..$19`
/// the receipt (none when `$17` is null).
const PARTS: &str = "\
lines AS (INSERT INTO turns (conversation_id, seq, role, text, at) \
    SELECT $1, (SELECT COALESCE(MAX(seq), 0) FROM turns WHERE conversation_id = $1) + l.n, \
           l.line_role, l.line_text, l.line_at \
    FROM unnest($4::text[], $5::text[], $6::timestamptz[]) \
         WITH ORDINALITY AS l(line_role, line_text, line_at, n) \
    WHERE EXISTS (SELECT 1 FROM saved)), \
facts AS (INSERT INTO turn_facts (conversation_id, turn, day, channel, intent, complaint, \
    emotion, notice, at_ms, city) \
    SELECT $1, $2, $7, $8, $9, $10, $11, $12, $13, $14 WHERE EXISTS (SELECT 1 FROM saved)), \
audit AS (INSERT INTO turn_audit (conversation_id, turn, at_ms, record) \
    SELECT $1, $2, $15, $16 WHERE $16::text IS NOT NULL AND EXISTS (SELECT 1 FROM saved)), \
receipt AS (INSERT INTO message_receipts (conversation_id, idempotency_key, request_digest, \
    turn, response, created_at) \
    SELECT $1, $17, $18, $2, $19, $3 WHERE $17::text IS NOT NULL AND EXISTS (SELECT 1 FROM saved)) \
SELECT COUNT(*) FROM saved";

/// A conversation's next turn: `$20` state, `$21` status, `$22, $23` the turn and status
/// it had when this turn loaded it.
const NEXT_TURN: &str = "WITH saved AS (UPDATE conversations SET state = $20, turn = $2, \
    status = $21, updated_at = $3 WHERE id = $1 AND turn = $22 AND status = $23 RETURNING id), ";

/// A new conversation's first turn: `$20` state, `$21` status, `$22` channel, `$23` day,
/// `$24` created at, `$25` the token's digest.
const FIRST_TURN: &str = "WITH saved AS (INSERT INTO conversations (id, state, turn, status, \
    channel, day, created_at, updated_at, token_sha256) \
    VALUES ($1, $20, $2, $21, $22, $23, $24, $3, $25) ON CONFLICT (id) DO NOTHING RETURNING id), ";

/// The receipts' primary key: a second save under one key is a conflict.
const RECEIPT_KEY: &str = "message_receipts_pkey";

/// Whether `write` has only what [`PostgresStore::save_plain_turn`] saves.
pub(super) fn is_plain(write: &TurnWrite<'_>) -> bool {
    write.events.is_empty()
        && write.handoff.is_none()
        && write.outbox.is_empty()
        && write.commitments.is_empty()
        && write.amend_last_customer_line.is_none()
}

impl PostgresStore {
    /// Saves a plain turn ([`is_plain`]) in one statement.
    pub(super) async fn save_plain_turn(&self, write: TurnWrite<'_>) -> Result<(), StoreError> {
        let conversation = write.conversation;
        let id = conversation.id.as_str();
        let now = chrono::Utc::now();
        let facts = write.facts;
        let sql = match write.stored {
            None => format!("{FIRST_TURN}{PARTS}"),
            Some(_) => format!("{NEXT_TURN}{PARTS}"),
        };
        let audit = write
            .audit
            .map(|audit| super::rows::to_json(audit, "audit record"))
            .transpose()?;
        let roles: Vec<&str> = write.lines.iter().map(|l| l.role.as_str()).collect();
        let texts: Vec<&str> = write.lines.iter().map(|l| l.text.as_str()).collect();
        let ats: Vec<chrono::DateTime<chrono::Utc>> = write.lines.iter().map(|l| l.at).collect();
        let query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(i64::from(conversation.turn))
            .bind(now)
            .bind(roles)
            .bind(texts)
            .bind(ats)
            .bind(facts.day)
            .bind(facts.channel.as_str())
            .bind(facts.intent.as_ref().map(|i| i.as_str()))
            .bind(facts.complaint)
            .bind(facts.emotion.as_str())
            .bind(facts.notice.as_ref().map(|n| n.as_str()))
            .bind(facts.at.timestamp_millis())
            .bind(facts.city.as_deref())
            .bind(write.audit.map(|a| a.at.timestamp_millis()))
            .bind(audit)
            .bind(write.receipt.map(|r| r.key.as_str()))
            .bind(write.receipt.map(|r| r.request.as_str()))
            .bind(write.receipt.map(|r| r.response.as_str()))
            .bind(super::rows::to_json(conversation, "conversation")?)
            .bind(conversation.state.as_str());
        let query = match write.stored {
            None => query
                .bind(conversation.channel.as_str())
                .bind(facts.day)
                .bind(conversation.created_at)
                .bind(write.token_sha256),
            Some((stored_turn, stored_status)) => {
                query.bind(i64::from(stored_turn)).bind(stored_status)
            }
        };
        match query.fetch_one(self.pool()).await {
            Ok(1) => Ok(()),
            // Another instance (or an agent) got there first: nothing was saved.
            Ok(_) => Err(StoreError::Conflict(id.to_string())),
            Err(sqlx::Error::Database(e)) if e.constraint() == Some(RECEIPT_KEY) => {
                Err(StoreError::Conflict(id.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }
}
