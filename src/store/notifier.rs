//! Waking the event streams of a conversation when something was written to it. The
//! stored events are the truth: a wake-up only tells a stream to read the store again from
//! the last id it sent, so a lost or doubled wake-up loses or repeats nothing.
//!
//! In one process the writer wakes the streams itself after its commit. With PostgreSQL
//! the writer also sends `NOTIFY frontline_events, '<conversation id>'` in its
//! transaction, and each instance listens (one connection per instance, not per stream)
//! and wakes its own streams: a customer on one instance sees what an agent on another
//! wrote.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::watch;

use crate::domain::ConversationId;

/// The PostgreSQL channel events are announced on; the payload is the conversation id.
pub const EVENTS_CHANNEL: &str = "frontline_events";

/// How long the listener waits before connecting again after losing its connection.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// Wake-ups of event streams, per conversation.
#[derive(Default)]
pub struct EventNotifier {
    channels: Mutex<HashMap<String, watch::Sender<u64>>>,
}

/// A stream's side: `changed()` returns when the conversation may have new events.
pub type EventWaker = watch::Receiver<u64>;

impl EventNotifier {
    /// Subscribes to wake-ups of one conversation.
    pub fn subscribe(&self, id: &ConversationId) -> EventWaker {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        // Channels nobody listens to any more are dropped as others come.
        channels.retain(|_, sender| sender.receiver_count() > 0);
        channels
            .entry(id.as_str().to_string())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Something was written to the conversation `id`.
    pub fn wake(&self, id: &str) {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = channels.get(id) {
            sender.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Every stream reads again (after the listener lost its connection and may have
    /// missed announcements).
    pub fn wake_all(&self) {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        for sender in channels.values() {
            sender.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Listens to PostgreSQL's announcements for as long as the process runs.
    pub fn listen(self: &Arc<Self>, pool: PgPool) {
        let notifier = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                match notifier.listen_once(&pool).await {
                    Ok(()) => {}
                    Err(error) => {
                        tracing::warn!(%error, "event listener lost its connection");
                    }
                }
                notifier.wake_all();
                tokio::time::sleep(RECONNECT_PAUSE).await;
            }
        });
    }

    async fn listen_once(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(EVENTS_CHANNEL).await?;
        // Anything written while we were not listening is read now.
        self.wake_all();
        loop {
            match listener.try_recv().await? {
                Some(notification) => self.wake(notification.payload()),
                // The connection was lost and re-made: announcements may be missing.
                None => self.wake_all(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wake_reaches_the_streams_of_its_conversation_only() {
        let notifier = EventNotifier::default();
        let one = ConversationId::parse("one").unwrap();
        let two = ConversationId::parse("two").unwrap();
        let mut a = notifier.subscribe(&one);
        let mut b = notifier.subscribe(&two);
        a.borrow_and_update();
        b.borrow_and_update();
        notifier.wake("one");
        assert!(a.has_changed().unwrap());
        assert!(!b.has_changed().unwrap());
        drop(a);
        // A channel nobody listens to goes with the next subscription.
        let _c = notifier.subscribe(&two);
        assert_eq!(notifier.channels.lock().unwrap().len(), 1);
    }
}
