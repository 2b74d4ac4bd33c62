//! Watching the content directories: a cheap fingerprint (every file's path, size and
//! modification time) taken every poll; when it changes and then holds still for one more
//! poll (editors and `git pull` write files one by one), the content is reloaded. Polling,
//! not file-system events: it works the same on network mounts and in containers, and a
//! few hundred `stat` calls a second cost nothing.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::LiveServices;
use crate::content::{INTENTS_DIR, KNOWLEDGE_DIR, TEMPLATES_DIR};

/// Reloads `live` whenever its content directories change; runs as long as the runtime.
pub fn spawn_watcher(live: Arc<LiveServices>, every: Duration) {
    tokio::spawn(async move {
        let dir = live.content_dir().to_path_buf();
        let mut served = fingerprint(&dir);
        let mut seen = served;
        loop {
            tokio::time::sleep(every).await;
            let now = fingerprint(&dir);
            if now != seen {
                // Still changing: wait until it holds still.
                seen = now;
                continue;
            }
            if now != served {
                served = now;
                let outcome = live.reload().await;
                tracing::info!(
                    changed = outcome.changed,
                    errors = outcome.errors.len(),
                    version = %outcome.version,
                    "content directories changed"
                );
            }
        }
    });
}

/// A hash of every content file's path, length and modification time.
fn fingerprint(root: &Path) -> u64 {
    let mut hasher = DefaultHasher::new();
    for sub in [INTENTS_DIR, TEMPLATES_DIR, KNOWLEDGE_DIR] {
        visit(&root.join(sub), &mut hasher);
    }
    hasher.finish()
}

fn visit(dir: &Path, hasher: &mut DefaultHasher) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if meta.is_dir() {
            visit(&path, hasher);
        } else {
            path.hash(hasher);
            meta.len().hash(hasher);
            meta.modified().ok().hash(hasher);
        }
    }
}
