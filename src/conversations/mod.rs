//! The turn service: the application service every channel calls to take a turn. It owns
//! the limits (turns per conversation, turns in progress), the per-conversation lock and
//! the retry when another instance saved first; the turn itself is a pipeline of named
//! steps in [`turn`], and the reads a desk or operator needs are in [`desk`]. It holds no
//! HTTP: handlers call it.

mod desk;
mod locks;
mod turn;

use std::sync::Arc;

use crate::dialogue::{Conversation, HandoffRef, TurnRequest};
use crate::domain::{Clock, ConversationId, HandoffId};
use crate::handoff::{HandoffSummary, Outbox};
use crate::live::LiveServices;
use crate::metrics::Metrics;
use crate::nlu::{Emotion, ScoredIntent};
use crate::reply::Reply;
use crate::store::{Database, StoreError};

pub use desk::ConversationView;
use locks::ConversationLocks;

/// Why a turn was not taken. Nothing is saved in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The conversation reached its turn limit: a loop, a script, or a conversation that
    /// should long have gone to a human.
    #[error("this conversation has reached its limit of {0} turns; please start a new one")]
    TooLong(u32),
    /// As many turns as the service holds in memory are in progress.
    #[error("too many conversations at once")]
    Busy,
    /// What the turn produced could not be written down (a bug, not bad input).
    #[error("the turn could not be serialised: {0}")]
    Unserialisable(#[from] serde_json::Error),
}

/// How often a turn is taken again when another instance saved a turn of the same
/// conversation first. Each retry starts from the newer state, so it only fails if the
/// conversation is hammered from several instances at once.
const CONFLICT_RETRIES: u32 = 8;

/// How long a turn may wait for one of the in-progress places before it is refused.
const TURN_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Bounds on turns: per conversation and in progress at once. The values come from the
/// settings (`[limits]`), so the caller always says them.
#[derive(Clone, Copy, Debug)]
pub struct TurnLimits {
    pub max_turns_per_conversation: u32,
    pub max_concurrent_turns: u32,
}

/// What the channel does once the reply is said, decided once per turn on the turn's own
/// content snapshot. The JSON API, VoiceXML and TwiML each write it in their own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextAction {
    /// Put the customer through to the agents: the phone queue and transfer destination
    /// from the content, with the handoff the agent will read.
    Transfer {
        queue: String,
        destination: String,
        handoff: HandoffId,
    },
    /// The conversation is over.
    Hangup,
    /// Wait for the customer's next message.
    Listen,
}

/// What a turn produced.
pub struct TurnOutcome {
    pub conversation: Conversation,
    pub reply: Reply,
    pub intent: Option<ScoredIntent>,
    pub emotion: Emotion,
    /// Set on the turn that handed the customer off.
    pub handoff: Option<(HandoffRef, HandoffSummary)>,
    pub next: NextAction,
}

/// Conversations: the turn service.
pub struct Conversations {
    live: Arc<LiveServices>,
    store: Arc<Database>,
    outbox: Outbox,
    locks: ConversationLocks,
    max_turns: u32,
    /// One permit per turn in progress.
    in_progress: tokio::sync::Semaphore,
    metrics: Arc<Metrics>,
    clock: Clock,
}

impl Conversations {
    pub fn new(
        live: Arc<LiveServices>,
        store: Arc<Database>,
        outbox: Outbox,
        limits: TurnLimits,
    ) -> Conversations {
        Conversations {
            live,
            store,
            outbox,
            locks: ConversationLocks::default(),
            max_turns: limits.max_turns_per_conversation,
            in_progress: tokio::sync::Semaphore::new(limits.max_concurrent_turns as usize),
            metrics: Arc::default(),
            clock: Clock::system(),
        }
    }

    /// The same service counting its turns in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Conversations {
        self.metrics = metrics;
        self
    }

    /// The same service telling time by `clock` (tests, replays).
    pub fn with_clock(mut self, clock: Clock) -> Conversations {
        self.clock = clock;
        self
    }

    /// Takes one turn. Nothing is saved unless the whole turn succeeds.
    pub async fn take_turn(
        &self,
        id: ConversationId,
        request: TurnRequest,
    ) -> Result<TurnOutcome, TurnError> {
        // Past the cap a turn waits its turn (a burst is absorbed); only a turn that cannot
        // start within the wait is refused.
        let _in_progress = tokio::time::timeout(TURN_QUEUE_WAIT, self.in_progress.acquire())
            .await
            .map_err(|_| TurnError::Busy)?
            .map_err(|_| TurnError::Busy)?;
        // Turns of one conversation in this instance wait for each other here; against
        // other instances the store's version check decides, and the loser takes its turn
        // again on the state the winner saved.
        let _turn = self.locks.lock(&id).await;
        let mut conflicts = 0;
        loop {
            match self.attempt(&id, &request).await {
                Err(TurnError::Store(StoreError::Conflict(_))) if conflicts < CONFLICT_RETRIES => {
                    conflicts += 1;
                    tracing::debug!(conversation = %id.as_str(), conflicts, "turn retried");
                    let jitter = fastrand::u64(1..=10 * u64::from(conflicts));
                    tokio::time::sleep(std::time::Duration::from_millis(jitter)).await;
                }
                outcome => return outcome,
            }
        }
    }
}
