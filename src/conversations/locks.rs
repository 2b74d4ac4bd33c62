//! One turn at a time per conversation: two messages of the same conversation arriving
//! together must not both read the old state and overwrite each other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::{Mutex as TurnLock, OwnedMutexGuard};

use crate::domain::ConversationId;

/// Above this many entries, locks nobody holds are swept out.
const SWEEP_ABOVE: usize = 1024;

/// A conversation held for one turn, until it drops.
pub type TurnGuard = OwnedMutexGuard<()>;

#[derive(Default)]
pub struct ConversationLocks {
    locks: Mutex<HashMap<ConversationId, Weak<TurnLock<()>>>>,
}

impl ConversationLocks {
    /// Waits until this conversation is free, and holds it until the guard drops.
    pub async fn lock(&self, id: &ConversationId) -> TurnGuard {
        let lock = {
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if locks.len() > SWEEP_ABOVE {
                locks.retain(|_, weak| weak.strong_count() > 0);
            }
            match locks.get(id).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(TurnLock::new(()));
                    locks.insert(id.clone(), Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}
