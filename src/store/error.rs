//! Storage failures. The API maps an unreachable database to 503 (the customer can
//! retry) and unreadable stored data to 500 (a retry would not help); a conflict is
//! retried by the turn service before anyone sees it.

/// Why the store could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The SQLite turn writer (group commit) failed: the batch it was in was not saved.
    #[error("database (turn writer): {0}")]
    Writer(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// A value of ours could not be written as JSON: a bug, never a reason to store a
    /// default in its place.
    #[error("cannot serialise {0}")]
    Unserialisable(String),
    #[error("creating the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    /// Another instance saved a turn of this conversation since it was loaded: the turn
    /// must be taken again on the newer state (nothing of it was saved).
    #[error("conversation {0} changed while this turn was taken")]
    Conflict(String),
    /// A row that may exist once exists already (a second rating).
    #[error("{0} exists already")]
    Duplicate(&'static str),
    #[error("database URL: {0}")]
    Url(String),
}
