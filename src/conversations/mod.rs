//! The turn service: the application service every channel calls to take a turn. It owns
//! the limits (turns per conversation, turns in progress), the per-conversation lock, the
//! retry when another instance saved first, and messages taken at most once (a message
//! with an idempotency key is answered from its receipt when it comes again); the turn
//! itself is a pipeline of named steps in [`turn`], and the reads a desk or operator needs
//! are in [`desk`]. It holds no HTTP: handlers call it.

mod audit;
mod desk;
mod live_chat;
mod locks;
mod promises;
mod turn;

use std::future::Future;
use std::sync::Arc;

use crate::access::ConversationToken;
use crate::dialogue::{Conversation, HandoffRef, TurnRequest};
use crate::domain::{Clock, ConversationId, HandoffId, IdempotencyKey};
use crate::handoff::{HandoffSummary, Outbox};
use crate::live::LiveServices;
use crate::metrics::Metrics;
use crate::nlu::{Emotion, ScoredIntent};
use crate::notices::NoticeBoard;
use crate::reply::Reply;
use crate::store::{Database, EventNotifier, Receipt, RequestDigest, Store, StoreError};

pub use desk::ConversationView;
pub use live_chat::{
    AgentMessage, ClaimView, EventStream, LiveChatError, Next, Rating, ReleaseView, Suggestion,
};
use locks::ConversationLocks;
pub use promises::{AgentPromise, PromiseError, Settle};

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
    /// The message's idempotency key was used in this conversation for another message.
    #[error("the idempotency key `{0}` was already used for another message in this conversation")]
    KeyReused(IdempotencyKey),
    /// The operating system gave no random bytes for the conversation token.
    #[error("no conversation token could be made: {0}")]
    Token(std::io::Error),
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

/// How a channel writes a turn's answer (the body it sends back). For a message sent with
/// an idempotency key the answer is saved with the turn, and a retry gets it as it is. It
/// must be made of masked text only, as everything the store keeps.
pub type Answer = fn(&TurnOutcome) -> Result<String, serde_json::Error>;

/// What a turn produced.
pub struct TurnOutcome {
    pub conversation: Conversation,
    /// `None` while an agent has the customer: the bot does not answer.
    pub reply: Option<Reply>,
    pub intent: Option<ScoredIntent>,
    pub emotion: Emotion,
    /// Set on the turn that handed the customer off.
    pub handoff: Option<(HandoffRef, HandoffSummary)>,
    pub next: NextAction,
    /// The token of a conversation this turn started: handed to the client once, never
    /// part of a saved answer (the store keeps only its hash).
    pub conversation_token: Option<ConversationToken>,
}

impl TurnOutcome {
    /// The bot's reply, or an empty one while an agent has the customer: for channels
    /// that always answer something (the phone, the command line, stories).
    pub fn said(&self) -> std::borrow::Cow<'_, Reply> {
        match &self.reply {
            Some(reply) => std::borrow::Cow::Borrowed(reply),
            None => std::borrow::Cow::Owned(Reply::default()),
        }
    }
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
    /// Working hours before a promise falls due that its follow-up speaks up.
    due_soon_lead: u32,
    /// Wakes the event streams of a conversation after a commit.
    notifier: Arc<EventNotifier>,
    /// The crisis notices in force (none without a board: tests of other things).
    notices: Option<Arc<NoticeBoard>>,
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
            due_soon_lead: crate::dialogue::DEFAULT_DUE_SOON_WORKING_HOURS,
            notifier: Arc::default(),
            notices: None,
        }
    }

    /// The same service telling the crisis notices on `board`.
    pub fn with_notices(mut self, board: Arc<NoticeBoard>) -> Conversations {
        self.notices = Some(board);
        self
    }

    /// The same service waking event streams through `notifier` (the one the store's
    /// listener wakes too).
    pub fn with_notifier(mut self, notifier: Arc<EventNotifier>) -> Conversations {
        self.notifier = notifier;
        self
    }

    /// The same service counting its turns in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Conversations {
        self.metrics = metrics;
        self
    }

    /// The same service recording promises as due soon `working_hours` before they fall
    /// due.
    pub fn with_due_soon_lead(mut self, working_hours: u32) -> Conversations {
        self.due_soon_lead = working_hours;
        self
    }

    /// The same service telling time by `clock` (tests, replays).
    pub fn with_clock(mut self, clock: Clock) -> Conversations {
        self.clock = clock;
        self
    }

    /// The clock the service tells time by (and the bank's time zone).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The bank's clock and `calendar`, now.
    fn bank_time<'c>(
        &self,
        calendar: &'c crate::content::BankCalendar,
    ) -> crate::dialogue::BankTime<'c> {
        crate::dialogue::BankTime {
            calendar,
            zone: self.clock.zone(),
            now: self.clock.now(),
        }
    }

    /// Takes one turn. Nothing is saved unless the whole turn succeeds.
    pub async fn take_turn(
        &self,
        id: ConversationId,
        request: TurnRequest,
    ) -> Result<TurnOutcome, TurnError> {
        let _turn = self.wait_for_turn(&id).await?;
        let (id, request) = (&id, &request);
        self.retrying(id, move || async move {
            let turn = self.attempt(id, request).await?;
            self.save(&turn, None).await?;
            Ok(turn.outcome)
        })
        .await
    }

    /// Takes one turn for a message sent with an idempotency key, at most once: the turn is
    /// saved with the message's receipt (its `answer` included), and the same message sent
    /// again with the same key gets the saved answer, with no second turn. Another message
    /// under a key already used in this conversation is refused ([`TurnError::KeyReused`]).
    /// The conversation token comes with the answer of the turn that started the
    /// conversation, never with a repeat (it is not saved).
    pub async fn take_turn_once(
        &self,
        id: ConversationId,
        request: TurnRequest,
        key: IdempotencyKey,
        answer: Answer,
    ) -> Result<(String, Option<ConversationToken>), TurnError> {
        let digest = RequestDigest::of(&id, &key, &request);
        let _turn = self.wait_for_turn(&id).await?;
        let (id, request, key, digest) = (&id, &request, &key, &digest);
        self.retrying(id, move || async move {
            // Looked up under the conversation's lock, and again after a conflict: a copy
            // of this message may have been answered meanwhile, here or at another
            // instance. (The store refuses a second receipt for one key all the same.)
            if let Some(receipt) = self.store.receipt(id, key).await? {
                if receipt.request != *digest {
                    return Err(TurnError::KeyReused(key.clone()));
                }
                tracing::info!(conversation = %id.as_str(), "message answered again from its receipt");
                return Ok((receipt.response, None));
            }
            let turn = self.attempt(id, request).await?;
            let receipt = Receipt {
                key: key.clone(),
                request: digest.clone(),
                response: answer(&turn.outcome)?,
            };
            self.save(&turn, Some(&receipt)).await?;
            Ok((receipt.response, turn.outcome.conversation_token))
        })
        .await
    }

    /// Waits for one of the in-progress places and then for the conversation's lock; both
    /// are held until the guard drops.
    async fn wait_for_turn(
        &self,
        id: &ConversationId,
    ) -> Result<(tokio::sync::SemaphorePermit<'_>, locks::TurnGuard), TurnError> {
        // Past the cap a turn waits its turn (a burst is absorbed); only a turn that cannot
        // start within the wait is refused.
        let in_progress = tokio::time::timeout(TURN_QUEUE_WAIT, self.in_progress.acquire())
            .await
            .map_err(|_| TurnError::Busy)?
            .map_err(|_| TurnError::Busy)?;
        // Turns of one conversation in this instance wait for each other here; against
        // other instances the store's version check decides, and the loser takes its turn
        // again on the state the winner saved.
        Ok((in_progress, self.locks.lock(id).await))
    }

    /// Runs `attempt` until it is not refused for a conflict (another instance saved a turn
    /// of this conversation first), at most [`CONFLICT_RETRIES`] times more.
    async fn retrying<T, F, Fut>(&self, id: &ConversationId, mut attempt: F) -> Result<T, TurnError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, TurnError>>,
    {
        let mut conflicts = 0;
        loop {
            match attempt().await {
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
