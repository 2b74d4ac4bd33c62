//! The live chat: an agent claims a handed-off conversation, writes to the customer,
//! shows that they are typing and releases it; the customer rates the agent; both sides
//! read the conversation's events. Each change is decided by `dialogue` (the only writer
//! of conversation state) on the stored conversation, under the conversation's lock, and
//! saved with its events in one transaction that refuses a conversation that moved on
//! meanwhile (another instance's turn or claim); the change is then taken again.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Conversations;
use crate::access::token_matches;
use crate::dialogue::{
    self, Claimed, Conversation, ConversationState, OwnershipError, ReleaseOutcome,
};
use crate::domain::{AgentId, AgentRef, ConversationId, HandoffId, IdempotencyKey, MessageText};
use crate::privacy::{MaskedText, mask};
use crate::reply::SuggestionStep;
use crate::store::{
    Audience, ChangeWrite, EventBody, EventWaker, HandoffChange, RatingWrite, ReceiptWrite,
    RequestDigest, Role, Store, StoreError, StoredEvent, TranscriptLine,
};

/// How often a live-chat change is taken again when the conversation moved on while it
/// was decided.
const CONFLICT_RETRIES: u32 = 8;

/// Events read from the store at a time by a stream.
const EVENTS_PER_READ: u32 = 100;

/// Why a live-chat request was refused. Nothing is saved in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum LiveChatError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ownership(#[from] OwnershipError),
    #[error("no handoff {0}")]
    UnknownHandoff(String),
    #[error("no conversation `{0}`")]
    UnknownConversation(String),
    #[error("no rating was asked for in this conversation")]
    NoRatingRequested,
    #[error("this conversation has been rated already")]
    AlreadyRated,
    /// The idempotency key was used in this conversation for another message.
    #[error("the idempotency key `{0}` was already used for another message in this conversation")]
    KeyReused(IdempotencyKey),
    #[error("the answer could not be serialised: {0}")]
    Unserialisable(#[from] serde_json::Error),
}

/// A claim as the desk reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimView {
    pub handoff_id: HandoffId,
    pub conversation_id: ConversationId,
    pub agent: AgentRef,
    pub since: DateTime<Utc>,
}

/// An agent's message as saved (the answer to a retry under the same key, too).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AgentMessage {
    pub event_id: i64,
    pub text: MaskedText,
    pub at: DateTime<Utc>,
}

/// Where a release left the conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseView {
    pub conversation_id: ConversationId,
    pub state: &'static str,
}

/// A customer's rating as saved.
#[derive(Clone, Debug, PartialEq)]
pub struct Rating {
    pub score: u8,
    pub comment: Option<MaskedText>,
}

/// A suggested reply for the agent, one step of the four.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub step: SuggestionStep,
    pub text: MaskedText,
}

impl Conversations {
    /// `agent` claims the handoff `handoff`: the conversation becomes theirs and both
    /// streams hear it. Claiming again is harmless; another agent's claim is refused.
    pub async fn claim(
        &self,
        handoff: &HandoffId,
        agent: AgentRef,
    ) -> Result<ClaimView, LiveChatError> {
        let id = &self.conversation_of(handoff).await?;
        let agent = &agent;
        let _lock = self.locks.lock(id).await;
        self.changing(move || async move {
            let (mut conversation, stored) = self.load_existing(id).await?;
            if conversation.handoff().is_some_and(|h| &h.id != handoff) {
                return Err(OwnershipError::NotWaiting("waiting on another handoff").into());
            }
            let now = self.clock.now();
            let claimed = dialogue::claim(&mut conversation, agent.clone(), now)?;
            let ConversationState::WithAgent {
                handoff: current,
                agent: owner,
                since,
            } = &conversation.state
            else {
                return Err(OwnershipError::NotWaiting(conversation.state.as_str()).into());
            };
            if &current.id != handoff {
                return Err(OwnershipError::Claimed(owner.clone()).into());
            }
            if claimed == Claimed::Now {
                let events = [
                    EventBody::AgentJoined {
                        agent: owner.clone(),
                        at: now,
                    },
                    state_event(&conversation, now),
                ];
                self.store
                    .save_change(ChangeWrite {
                        conversation: &conversation,
                        stored,
                        lines: &[],
                        events: &events,
                        handoff: Some(HandoffChange::Claimed {
                            id: handoff,
                            agent: owner,
                            at: now,
                        }),
                        rating: None,
                        receipt: None,
                    })
                    .await?;
                self.notifier.wake(id.as_str());
                tracing::info!(conversation = %id.as_str(), handoff = %handoff.as_str(), agent = %owner.id, "claimed");
            }
            Ok(ClaimView {
                handoff_id: handoff.clone(),
                conversation_id: id.clone(),
                agent: owner.clone(),
                since: *since,
            })
        })
        .await
    }

    /// The owner writes to the customer: the text is masked, saved as an event and pushed
    /// to both streams. With a key, a retry gets the first answer and no second message.
    pub async fn agent_message(
        &self,
        id: &ConversationId,
        agent: &AgentId,
        text: &MessageText,
        key: Option<&IdempotencyKey>,
    ) -> Result<AgentMessage, LiveChatError> {
        let text = &mask(text.as_str());
        let digest = &key.map(|k| RequestDigest::of_agent_message(id, k, agent, text));
        let _lock = self.locks.lock(id).await;
        self.changing(move || async move {
            if let (Some(key), Some(digest)) = (key, digest.as_ref())
                && let Some(receipt) = self.store.receipt(id, key).await?
            {
                if receipt.request != *digest {
                    return Err(LiveChatError::KeyReused(key.clone()));
                }
                return Ok(serde_json::from_str(&receipt.response)?);
            }
            let (conversation, stored) = self.load_existing(id).await?;
            let owner = dialogue::owner(&conversation, agent)?.clone();
            let now = self.clock.now();
            let events = [EventBody::AgentMessage {
                agent: owner,
                text: text.clone(),
                at: now,
            }];
            // The answer names the event, whose id is known only inside the transaction
            // that writes it, with the receipt.
            let answer = |ids: &[i64]| {
                serde_json::to_string(&AgentMessage {
                    event_id: ids.first().copied().unwrap_or_default(),
                    text: text.clone(),
                    at: now,
                })
                .unwrap_or_default()
            };
            let receipt = key.zip(digest.as_ref()).map(|(key, request)| ReceiptWrite {
                key,
                request,
                answer: &answer,
            });
            let ids = self
                .store
                .save_change(ChangeWrite {
                    conversation: &conversation,
                    stored,
                    lines: &[],
                    events: &events,
                    handoff: None,
                    rating: None,
                    receipt,
                })
                .await?;
            self.notifier.wake(id.as_str());
            let saved = AgentMessage {
                event_id: ids.first().copied().unwrap_or_default(),
                text: text.clone(),
                at: now,
            };
            Ok(saved)
        })
        .await
    }

    /// The owner is typing: both streams hear it (the widget shows it for a moment).
    pub async fn agent_typing(
        &self,
        id: &ConversationId,
        agent: &AgentId,
    ) -> Result<(), LiveChatError> {
        let _lock = self.locks.lock(id).await;
        self.changing(move || async move {
            let (conversation, stored) = self.load_existing(id).await?;
            let owner = dialogue::owner(&conversation, agent)?.clone();
            let events = [EventBody::AgentTyping {
                agent: owner,
                at: self.clock.now(),
            }];
            self.store
                .save_change(ChangeWrite {
                    conversation: &conversation,
                    stored,
                    lines: &[],
                    events: &events,
                    handoff: None,
                    rating: None,
                    receipt: None,
                })
                .await?;
            self.notifier.wake(id.as_str());
            Ok(())
        })
        .await
    }

    /// The owner releases the conversation: resolved (closed, a rating asked for) or back
    /// to the bot (which says so, naming the demands still open, in the content's words).
    pub async fn release(
        &self,
        handoff: &HandoffId,
        agent: &AgentId,
        outcome: ReleaseOutcome,
        note: Option<&str>,
    ) -> Result<ReleaseView, LiveChatError> {
        let id = &self.conversation_of(handoff).await?;
        let note = &note.map(mask);
        let _lock = self.locks.lock(id).await;
        self.changing(move || async move {
            let (mut conversation, stored) = self.load_existing(id).await?;
            let owned_here = matches!(
                &conversation.state,
                ConversationState::WithAgent { handoff: h, .. } if &h.id == handoff
            );
            if !owned_here {
                return Err(OwnershipError::NotOwner(agent.clone()).into());
            }
            let now = self.clock.now();
            let released = dialogue::release(&mut conversation, agent, outcome)?;
            let mut events = vec![EventBody::AgentLeft {
                agent: released.agent.clone(),
                outcome,
                at: now,
            }];
            let mut lines = Vec::new();
            if let Some(plan) = &released.plan {
                let services = self.live.current();
                let content = services.catalog.locale(conversation.locale);
                let reply = services.composer.compose(plan, &conversation, content);
                let text = mask(&reply.text);
                lines.push(TranscriptLine {
                    role: Role::Bot,
                    text: text.clone(),
                    at: now,
                });
                events.push(EventBody::BotReply {
                    turn: conversation.turn,
                    text,
                    quick_replies: reply.quick_replies,
                    at: now,
                });
            }
            events.push(state_event(&conversation, now));
            self.store
                .save_change(ChangeWrite {
                    conversation: &conversation,
                    stored,
                    lines: &lines,
                    events: &events,
                    handoff: Some(HandoffChange::Released {
                        id: handoff,
                        outcome,
                        note: note.as_ref(),
                        at: now,
                    }),
                    rating: None,
                    receipt: None,
                })
                .await?;
            self.notifier.wake(id.as_str());
            tracing::info!(conversation = %id.as_str(), handoff = %handoff.as_str(), outcome = outcome.as_str(), "released");
            Ok(ReleaseView {
                conversation_id: id.clone(),
                state: conversation.state.as_str(),
            })
        })
        .await
    }

    /// The customer rates the agent who resolved their conversation: once, and only then.
    /// `comment` is masked before it is kept.
    pub async fn rate(
        &self,
        id: &ConversationId,
        score: u8,
        comment: Option<&str>,
    ) -> Result<Rating, LiveChatError> {
        let comment = &comment.map(mask);
        let _lock = self.locks.lock(id).await;
        self.changing(move || async move {
            let (conversation, stored) = self.load_existing(id).await?;
            if !conversation.asks_rating() {
                return Err(LiveChatError::NoRatingRequested);
            }
            let handoff = self
                .store
                .handoff_of(id)
                .await?
                .ok_or(LiveChatError::NoRatingRequested)?;
            let now = self.clock.now();
            let events = [EventBody::Rating {
                score,
                comment: comment.clone(),
                at: now,
            }];
            let saved = self
                .store
                .save_change(ChangeWrite {
                    conversation: &conversation,
                    stored,
                    lines: &[],
                    events: &events,
                    handoff: None,
                    rating: Some(RatingWrite {
                        handoff: &handoff.id,
                        intent: handoff.summary.primary_intent.as_ref(),
                        score,
                        comment: comment.as_ref(),
                        day: self.clock.bank_day(now),
                        at: now,
                    }),
                    receipt: None,
                })
                .await;
            match saved {
                Err(StoreError::Duplicate(_)) => return Err(LiveChatError::AlreadyRated),
                saved => saved?,
            };
            self.notifier.wake(id.as_str());
            Ok(Rating {
                score,
                comment: comment.clone(),
            })
        })
        .await
    }

    /// Replies the agent of `handoff` may start from: the four steps for the handoff's
    /// primary intent, from its own templates with the conversation's slots filled in.
    pub async fn suggestions(&self, handoff: &HandoffId) -> Result<Vec<Suggestion>, LiveChatError> {
        let record = self
            .store
            .handoff(handoff)
            .await?
            .ok_or_else(|| LiveChatError::UnknownHandoff(handoff.as_str().to_string()))?;
        let id = record.handoff.conversation_id;
        let (conversation, _) = self.load_existing(&id).await?;
        let Some(intent) = record.handoff.summary.primary_intent else {
            return Ok(Vec::new());
        };
        let Some(demand) = conversation
            .ledger
            .all()
            .iter()
            .rposition(|d| d.intent == intent)
        else {
            return Ok(Vec::new());
        };
        let services = self.live.current();
        let content = services.catalog.locale(conversation.locale);
        let by = content
            .intent(&intent)
            .and_then(|i| i.commitment)
            .map(|c| self.bank_time(services.catalog.calendar()).deadline(c));
        Ok(services
            .composer
            .suggestions(&conversation, content, demand, by)
            .into_iter()
            .map(|(step, text)| Suggestion {
                step,
                text: mask(&text),
            })
            .collect())
    }

    /// Whether `presented` is the conversation's token. `false` for a conversation that
    /// does not exist, so a caller cannot tell the two apart.
    pub async fn token_matches(
        &self,
        id: &ConversationId,
        presented: Option<&str>,
    ) -> Result<bool, StoreError> {
        let stored = self.store.token_sha256(id).await?;
        Ok(token_matches(presented, stored.as_deref()))
    }

    /// The conversation a handoff belongs to.
    pub async fn handoff_conversation(
        &self,
        handoff: &HandoffId,
    ) -> Result<ConversationId, LiveChatError> {
        self.conversation_of(handoff).await
    }

    /// A stream of the conversation's events after `after`, for `audience`.
    pub fn event_stream(&self, id: ConversationId, audience: Audience, after: i64) -> EventStream {
        EventStream {
            waker: self.notifier.subscribe(&id),
            store: self.store.clone(),
            id,
            audience,
            last: after,
        }
    }

    async fn conversation_of(&self, handoff: &HandoffId) -> Result<ConversationId, LiveChatError> {
        Ok(self
            .store
            .handoff(handoff)
            .await?
            .ok_or_else(|| LiveChatError::UnknownHandoff(handoff.as_str().to_string()))?
            .handoff
            .conversation_id)
    }

    /// The stored conversation with the version a change checks against.
    async fn load_existing(
        &self,
        id: &ConversationId,
    ) -> Result<(Conversation, (u32, &'static str)), LiveChatError> {
        let conversation = self
            .store
            .conversation(id)
            .await?
            .ok_or_else(|| LiveChatError::UnknownConversation(id.as_str().to_string()))?;
        let stored = (conversation.turn, conversation.state.as_str());
        Ok((conversation, stored))
    }

    /// Runs `change` until it is not refused for a conflict (the conversation moved on
    /// at another instance), at most [`CONFLICT_RETRIES`] times more.
    async fn changing<T, F, Fut>(&self, mut change: F) -> Result<T, LiveChatError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, LiveChatError>>,
    {
        let mut conflicts = 0;
        loop {
            match change().await {
                Err(LiveChatError::Store(StoreError::Conflict(_)))
                    if conflicts < CONFLICT_RETRIES =>
                {
                    conflicts += 1;
                    let jitter = fastrand::u64(1..=10 * u64::from(conflicts));
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                }
                outcome => return outcome,
            }
        }
    }
}

/// The state event of a conversation as it is now.
fn state_event(conversation: &Conversation, at: DateTime<Utc>) -> EventBody {
    EventBody::State {
        state: conversation.state.as_str().to_string(),
        ask_rating: conversation.asks_rating(),
        at,
    }
}

/// What a stream does next.
pub enum Next {
    /// Events to send, oldest first.
    Events(Vec<StoredEvent>),
    /// Nothing happened for a while: a keep-alive comment.
    KeepAlive,
}

/// A conversation's events for one reader: the history after the last id sent, then
/// whatever comes, each once. It holds no database connection while it waits; a wake-up
/// (from this instance or, with PostgreSQL, another) makes it read the store again from
/// the last id it sent.
pub struct EventStream {
    waker: EventWaker,
    store: std::sync::Arc<crate::store::Database>,
    id: ConversationId,
    audience: Audience,
    last: i64,
}

impl EventStream {
    /// The next events, or a keep-alive after `keep_alive` without any.
    pub async fn next(&mut self, keep_alive: Duration) -> Result<Next, StoreError> {
        loop {
            // Marked seen before reading: a write after the read wakes the wait below.
            self.waker.borrow_and_update();
            let events = self
                .store
                .events(&self.id, self.last, self.audience, EVENTS_PER_READ)
                .await?;
            if let Some(last) = events.last() {
                self.last = last.id;
                return Ok(Next::Events(events));
            }
            match tokio::time::timeout(keep_alive, self.waker.changed()).await {
                Ok(Ok(())) => continue,
                // The notifier is gone (the service is stopping): nothing more will come.
                Ok(Err(_)) => return Ok(Next::KeepAlive),
                Err(_) => return Ok(Next::KeepAlive),
            }
        }
    }
}
