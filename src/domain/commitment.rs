//! A promise the bank made to a customer, as a record: its id and where it stands. The
//! dialogue says the promise; these words let the store, the follow-up and the API keep
//! it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::vocab_enum;

/// A commitment's id: `cm-` and a random UUID, unguessable so that it can travel in URLs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CommitmentId(String);

impl CommitmentId {
    pub fn new() -> CommitmentId {
        CommitmentId(format!("cm-{}", uuid::Uuid::new_v4().simple()))
    }

    /// Accepts an id as stored or sent by a client: `cm-` and 32 hex digits.
    pub fn parse(value: &str) -> Option<CommitmentId> {
        let hex = value.strip_prefix("cm-")?;
        (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| CommitmentId(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for CommitmentId {
    fn default() -> Self {
        CommitmentId::new()
    }
}

impl fmt::Display for CommitmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

vocab_enum! {
    /// Where a commitment stands; the word is what the store and the API write.
    #[derive(Serialize, Deserialize)]
    pub enum CommitmentStatus ("commitment status") {
        /// Promised, not yet due (or due and not yet noticed by the follow-up).
        Open = "open",
        /// The bank's system or an agent said it was done.
        Fulfilled = "fulfilled",
        /// Its due time passed before anyone said it was done.
        Overdue = "overdue",
        /// Withdrawn, with a reason (the customer cancelled, a duplicate).
        Cancelled = "cancelled",
    }
}

impl CommitmentStatus {
    /// Whether the promise is still to be kept (open, or overdue and still owed).
    pub fn is_owed(self) -> bool {
        matches!(self, CommitmentStatus::Open | CommitmentStatus::Overdue)
    }
}

vocab_enum! {
    /// What the follow-up tells the bank's systems about a commitment.
    #[derive(Serialize, Deserialize)]
    pub enum FollowUpEvent ("follow-up event") {
        /// It falls due within the configured working hours.
        DueSoon = "commitment.due_soon",
        /// Its due time passed and it is not fulfilled.
        Overdue = "commitment.overdue",
    }
}
