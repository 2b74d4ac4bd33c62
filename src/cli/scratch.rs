//! The conversation service on a throw-away SQLite store, for the commands that play
//! conversations locally (`chat`, `test`, `transcripts`). The store's folder is removed
//! when the value is dropped, on every path out.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::conversations::{Conversations, TurnLimits};
use crate::domain::Clock;
use crate::handoff::Outbox;
use crate::live::{LiveServices, Services};
use crate::store::{Database, SqliteStore, StoreError};

pub struct Scratch {
    conversations: Conversations,
    dir: PathBuf,
}

impl Scratch {
    /// `purpose` names the temporary folder (`frontline-<purpose>-<random>`).
    pub async fn open(
        services: Services,
        content: &Path,
        purpose: &str,
        clock: Clock,
    ) -> Result<Scratch, StoreError> {
        let dir = std::env::temp_dir().join(format!(
            "frontline-{purpose}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let store = Database::Sqlite(SqliteStore::open(&dir).await?);
        let live = LiveServices::new(services, content.to_path_buf());
        let limits = crate::access::Limits::default();
        Ok(Scratch {
            conversations: Conversations::new(
                Arc::new(live),
                Arc::new(store),
                Outbox::default(),
                TurnLimits {
                    max_turns_per_conversation: limits.max_turns_per_conversation,
                    max_concurrent_turns: limits.max_concurrent_turns,
                },
            )
            .with_clock(clock),
            dir,
        })
    }
}

impl Deref for Scratch {
    type Target = Conversations;

    fn deref(&self) -> &Conversations {
        &self.conversations
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
