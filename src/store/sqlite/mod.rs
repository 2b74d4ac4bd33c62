//! The embedded store: one SQLite file under the data dir, in WAL mode so that readers
//! never wait for the writer. The queries are shared with PostgreSQL (`super::sql`).

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::audit_sql::audit_store;
use super::commitments_sql::commitment_store;
use super::notices_sql::notice_store;
use super::sql::sql_store;
use super::surges_sql::surge_store;
use super::{StoreError, TurnWrite};
use turn_rows::TurnRows;
use turn_writer::TurnWriter;

mod turn_rows;
mod turn_writer;

/// The database file inside the data dir.
pub const DATABASE_FILE: &str = "frontline.sqlite3";

/// Schema versions, applied in order; `PRAGMA user_version` records how far a file is.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_conversations.sql"),
    include_str!("../../../migrations/sqlite/0002_handoff_acks.sql"),
    include_str!("../../../migrations/sqlite/0003_outbox.sql"),
    include_str!("../../../migrations/sqlite/0004_scale_and_analytics.sql"),
    include_str!("../../../migrations/sqlite/0005_message_receipts.sql"),
    include_str!("../../../migrations/sqlite/0006_live_chat.sql"),
    include_str!("../../../migrations/sqlite/0007_commitments.sql"),
    include_str!("../../../migrations/sqlite/0008_notices.sql"),
    include_str!("../../../migrations/sqlite/0009_surges.sql"),
    include_str!("../../../migrations/sqlite/0010_turn_audit.sql"),
];

/// Connections: SQLite serialises writers anyway; a few readers keep GETs fast.
const MAX_CONNECTIONS: u32 = 4;

/// Claims due deliveries in one `UPDATE`: SQLite serialises writers, so two claims never
/// take the same row, and the lease (`next_attempt_ms` pushed ahead) makes a crashed
/// worker's rows due again without anyone releasing them.
const CLAIM: &str = "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = $1 \
     WHERE id IN (SELECT id FROM outbox WHERE destination = $2 AND status = 'pending' \
                  AND next_attempt_ms <= $3 ORDER BY next_attempt_ms, id LIMIT $4)";

pub struct SqliteStore {
    /// Reads, and the few writes of one statement.
    pool: SqlitePool,
    /// Transactions outside turns (agents' changes, ratings, settlements): one
    /// connection, so writers queue here in turn instead of meeting SQLite's write lock
    /// and sleeping in its busy handler until it is free.
    writer: SqlitePool,
    /// Customers' turns, saved many to a transaction (`turn_writer`).
    turns: TurnWriter,
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
            .connect_with(options.clone())
            .await?;
        migrate(&pool).await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let turns = TurnWriter::start(&data_dir.join(DATABASE_FILE))?;
        Ok(SqliteStore {
            pool,
            writer,
            turns,
        })
    }

    /// Saves a turn through the group-committing writer.
    async fn save_turn_grouped(&self, write: TurnWrite<'_>) -> Result<(), StoreError> {
        let rows = TurnRows::new(&write, chrono::Utc::now())?;
        self.turns.save(rows).await
    }

    /// A write transaction, on the one writer connection.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.writer.begin().await
    }
}

async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    use sqlx::Connection;
    // A migration may rebuild a table others refer to, which SQLite only allows with
    // foreign keys off (they cannot be switched inside a transaction). The connection
    // that ran it leaves the pool afterwards, so no other query runs without them.
    let mut connection = pool.acquire().await?;
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *connection)
        .await?;
    let mut tx = connection.begin().await?;
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
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut *tx)
        .await?;
    if let Some((table,)) = broken.first() {
        return Err(StoreError::Corrupt(format!(
            "the migration left rows of `{table}` without the row they refer to"
        )));
    }
    tx.commit().await?;
    drop(connection.detach());
    Ok(())
}

/// SQLite serves one process: its streams are woken in-process, nothing is announced.
const NOTIFY: Option<&str> = None;

/// SQLite serialises writers: the follow-up's claim needs no row locks.
const LOCK_DUE: &str = "";

sql_store!(SqliteStore, sqlx::Sqlite, CLAIM, NOTIFY, save_turn_grouped);
commitment_store!(SqliteStore, sqlx::Sqlite, LOCK_DUE);
notice_store!(SqliteStore, sqlx::Sqlite);
audit_store!(SqliteStore);
surge_store!(SqliteStore, sqlx::Sqlite);

#[cfg(test)]
mod tests {
    use super::*;

    /// A database written before analytics existed gains the new columns with their
    /// values taken from the stored state, and its bank days in Beijing time.
    #[tokio::test]
    async fn an_older_database_is_migrated_with_its_conversations_kept() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::from_str("sqlite:")
            .unwrap()
            .filename(dir.path().join(DATABASE_FILE))
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .unwrap();
        for sql in &MIGRATIONS[..3] {
            sqlx::raw_sql(*sql).execute(&pool).await.unwrap();
        }
        sqlx::raw_sql(
            "PRAGMA user_version = 3; \
             INSERT INTO conversations VALUES ('old-1', \
               '{\"turn\":3,\"channel\":\"app\",\"state\":{\"state\":\"handed_off\"}}', \
               '2026-11-25T20:00:00Z', '2026-11-25T20:05:00Z'); \
             INSERT INTO handoffs (id, conversation_id, reason, priority, summary, created_at) \
               VALUES ('h-1', 'old-1', 'policy', 'high', '{}', '2026-11-25T20:05:00Z');",
        )
        .execute(&pool)
        .await
        .unwrap();
        migrate(&pool).await.unwrap();
        let (turn, status, channel, day): (i64, String, String, String) =
            sqlx::query_as("SELECT turn, status, channel, day FROM conversations")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            (turn, status.as_str(), channel.as_str(), day.as_str()),
            (3, "handed_off", "app", "2026-11-26")
        );
        let day: String = sqlx::query_scalar("SELECT day FROM handoffs")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(day, "2026-11-26");
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }
}
