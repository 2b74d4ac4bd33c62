//! A conversation turn end to end: load the conversation, understand the message, let the
//! dialogue plan the reply, word it, build the handoff summary if the customer goes to a
//! human, and save it all in one transaction. Handlers call this; it holds no HTTP.

mod locks;

use std::sync::Arc;

use chrono::Utc;

use crate::dialogue::{CommitmentMade, Conversation, HandoffRef, Speech, TurnInput, take_turn};
use crate::domain::{Channel, ConversationId, Customer, Locale, MessageText};
use crate::handoff::{HandoffSummary, Outbox, summarize};
use crate::live::{LiveServices, Services};
use crate::metrics::Metrics;
use crate::nlu::{Emotion, MessageUnderstanding, ScoredIntent, Utterance, bank_today};
use crate::privacy::{MaskedText, mask, mask_across};
use crate::reply::Reply;
use crate::store::{
    Database, Delivery, DeliveryQuery, Role, Store, StoreError, StoredHandoff, TranscriptLine,
    TurnFacts, TurnWrite,
};

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
}

/// How often a turn is taken again when another instance saved a turn of the same
/// conversation first. Each retry starts from the newer state, so it only fails if the
/// conversation is hammered from several instances at once.
const CONFLICT_RETRIES: u32 = 8;

/// How long a turn may wait for one of the in-progress places before it is refused.
const TURN_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Bounds on turns: per conversation and in progress at once.
#[derive(Clone, Copy, Debug)]
pub struct TurnLimits {
    pub max_turns_per_conversation: u32,
    pub max_concurrent_turns: u32,
}

impl Default for TurnLimits {
    fn default() -> Self {
        let limits = crate::access::Limits::default();
        TurnLimits {
            max_turns_per_conversation: limits.max_turns_per_conversation,
            max_concurrent_turns: limits.max_concurrent_turns,
        }
    }
}

/// What a phone platform reports instead of words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IvrEvent {
    /// The caller said nothing.
    NoInput,
    /// The recogniser heard something it could not use.
    NoMatch,
}

/// A customer's message, already checked.
pub struct TurnRequest {
    pub text: Option<MessageText>,
    /// How sure the phone platform's speech recogniser is of `text` (0–1).
    pub asr_confidence: Option<f32>,
    pub dtmf: Option<String>,
    pub event: Option<IvrEvent>,
    pub channel: Channel,
    pub locale: Locale,
    pub customer: Customer,
}

/// What a turn produced.
pub struct TurnOutcome {
    pub conversation: Conversation,
    pub reply: Reply,
    pub intent: Option<ScoredIntent>,
    pub emotion: Emotion,
    /// Set on the turn that handed the customer off.
    pub handoff: Option<(HandoffRef, HandoffSummary)>,
}

/// A conversation as the API shows it.
pub struct ConversationView {
    pub conversation: Conversation,
    pub transcript: Vec<TranscriptLine>,
    pub handoff: Option<StoredHandoff>,
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
}

impl Conversations {
    pub fn new(live: Arc<LiveServices>, store: Arc<Database>, outbox: Outbox) -> Conversations {
        Conversations {
            live,
            store,
            outbox,
            locks: ConversationLocks::default(),
            max_turns: TurnLimits::default().max_turns_per_conversation,
            in_progress: tokio::sync::Semaphore::new(
                TurnLimits::default().max_concurrent_turns as usize,
            ),
            metrics: Arc::default(),
        }
    }

    /// The same service counting its turns in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Conversations {
        self.metrics = metrics;
        self
    }

    /// The same service with other turn limits.
    pub fn with_limits(mut self, limits: TurnLimits) -> Conversations {
        self.max_turns = limits.max_turns_per_conversation;
        self.in_progress = tokio::sync::Semaphore::new(limits.max_concurrent_turns as usize);
        self
    }

    pub fn store(&self) -> &Database {
        &self.store
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

    /// One try at a turn, from the stored state.
    async fn attempt(
        &self,
        id: &ConversationId,
        request: &TurnRequest,
    ) -> Result<TurnOutcome, TurnError> {
        let id = id.clone();
        let now = Utc::now();
        let stored = self.store.conversation(&id).await?;
        let stored_turn = stored.as_ref().map(|c| c.turn);
        let mut conversation = match stored {
            Some(conversation) if conversation.turn >= self.max_turns => {
                return Err(TurnError::TooLong(self.max_turns));
            }
            Some(conversation) => conversation,
            None => {
                // The customer id is the bank's, but a client may well send a phone number.
                let customer = Customer {
                    id: request
                        .customer
                        .id
                        .as_deref()
                        .map(|c| mask(c).into_string()),
                    segment: request.customer.segment.clone(),
                };
                Conversation::new(id.clone(), request.channel, request.locale, customer, now)
            }
        };
        // One snapshot of the content for the whole turn, whatever a reload does meanwhile.
        let services = self.live.current();
        let content = services.catalog.locale(conversation.locale);
        let today = bank_today();
        let (understanding, speech, said) = hear(&services, request, &mut conversation, today);
        let intent = understanding.whole.intent.clone();
        let emotion = understanding.whole.emotion;
        let facts = TurnFacts {
            day: today,
            channel: conversation.channel,
            intent: intent.as_ref().map(|i| i.id.clone()),
            complaint: intent
                .as_ref()
                .and_then(|i| content.intent(&i.id))
                .is_some_and(|i| i.kind == crate::content::IntentKind::Complaint),
            emotion: emotion.label,
        };
        let plan = take_turn(
            &mut conversation,
            &TurnInput {
                text: said.as_deref(),
                understanding,
                today,
                speech,
            },
            content,
        );
        let reply = services.composer.compose(&plan, &conversation, content);
        for promise in &reply.commitments {
            conversation.commitments.push(CommitmentMade {
                intent: promise.intent.clone(),
                what: mask(&promise.text),
                by: promise.by,
            });
        }
        let mut amended_line = None;
        let customer_line = match (&request.event, &request.text, &request.dtmf) {
            (Some(IvrEvent::NoInput), _, _) => mask("[no input]"),
            (Some(IvrEvent::NoMatch), _, _) => mask("[no match]"),
            (None, Some(text), _) => match self.split_pii(&id, text.as_str()).await? {
                Some((previous, current)) => {
                    amended_line = Some(previous);
                    current
                }
                None => mask(text.as_str()),
            },
            (None, None, Some(keys)) => mask(&format!("[DTMF {keys}]")),
            (None, None, None) => mask(""),
        };
        let lines = [
            TranscriptLine {
                role: Role::Customer,
                text: customer_line,
                at: now,
            },
            TranscriptLine {
                role: Role::Bot,
                text: mask(&reply.text),
                at: now,
            },
        ];
        let handoff = match (plan.handoff, conversation.handoff().cloned()) {
            (Some(_), Some(handoff)) => {
                let mut transcript = self.store.transcript(&id).await?;
                transcript.extend(lines.iter().cloned());
                let synopsis = mask(&services.composer.synopsis(
                    &conversation,
                    content,
                    handoff.reason,
                ));
                let summary =
                    summarize(&conversation, &handoff, &transcript, content, synopsis, now);
                Some((handoff, summary))
            }
            _ => None,
        };
        let stored = handoff.as_ref().map(|(handoff, summary)| StoredHandoff {
            id: handoff.id.clone(),
            conversation_id: id.clone(),
            reason: handoff.reason,
            priority: handoff.priority,
            summary: serde_json::to_value(summary).unwrap_or_default(),
            created_at: now,
        });
        let outbox = match (&stored, &handoff) {
            (Some(stored), Some((_, summary))) => self.outbox.entries(stored, summary),
            _ => Vec::new(),
        };
        self.store
            .save_turn(TurnWrite {
                conversation: &conversation,
                stored_turn,
                facts: &facts,
                lines: &lines,
                amend_last_customer_line: amended_line.as_ref(),
                handoff: stored.as_ref(),
                outbox: &outbox,
            })
            .await?;
        self.outbox.wake(&outbox);
        self.metrics
            .turn(conversation.channel, facts.intent.as_ref());
        if let Some(handoff) = &stored {
            self.metrics.handoff(handoff.reason, handoff.priority);
        }
        tracing::info!(
            conversation = %id.as_str(),
            turn = conversation.turn,
            intent = intent.as_ref().map(|i| i.id.as_str()),
            state = conversation.state.as_str(),
            "turn"
        );
        Ok(TurnOutcome {
            conversation,
            reply,
            intent,
            emotion,
            handoff,
        })
    }

    /// The phone settings of a locale (keypad, transfer queue).
    pub fn ivr(&self, locale: Locale) -> crate::content::IvrSettings {
        self.live
            .current()
            .catalog
            .locale(locale)
            .templates
            .ivr
            .clone()
    }

    /// The webhook outbox, for operators.
    /// Personal data begun in the customer's previous message and finished in this one:
    /// both parts masked, the previous to be rewritten with this turn.
    async fn split_pii(
        &self,
        id: &ConversationId,
        text: &str,
    ) -> Result<Option<(MaskedText, MaskedText)>, StoreError> {
        let starts_with_digit = text
            .trim_start()
            .chars()
            .next()
            .is_some_and(|c| c == '+' || crate::privacy::digit_value_of(c).is_some());
        if !starts_with_digit {
            return Ok(None);
        }
        let transcript = self.store.transcript(id).await?;
        let previous = transcript.iter().rev().find(|l| l.role == Role::Customer);
        Ok(previous.and_then(|line| mask_across(line.text.as_str(), text)))
    }

    pub async fn deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        self.store.deliveries(query).await
    }

    /// An operator's retry of a delivery (a dead letter, usually): due now, with a fresh
    /// retry window, and its destination's worker woken.
    pub async fn retry_delivery(&self, id: i64) -> Result<Option<Delivery>, StoreError> {
        let delivery = self.store.retry_delivery(id, Utc::now()).await?;
        if let Some(delivery) = &delivery {
            self.outbox.wake_destination(&delivery.destination);
        }
        Ok(delivery)
    }

    /// A conversation with its transcript and handoff, or `None`.
    pub async fn view(&self, id: &ConversationId) -> Result<Option<ConversationView>, StoreError> {
        let Some(conversation) = self.store.conversation(id).await? else {
            return Ok(None);
        };
        Ok(Some(ConversationView {
            transcript: self.store.transcript(id).await?,
            handoff: self.store.handoff_of(id).await?,
            conversation,
        }))
    }
}

/// What the customer said, and how sure we are of it: a keypress stands for its menu
/// intent; on the phone, speech the recogniser is unsure of is held back and said
/// back, and acted on only after a yes. Returns the understanding, how it was heard,
/// and the text the dialogue works with.
fn hear(
    services: &Services,
    request: &TurnRequest,
    conversation: &mut Conversation,
    today: chrono::NaiveDate,
) -> (MessageUnderstanding, Speech, Option<String>) {
    if request.event.is_some() {
        return (MessageUnderstanding::nothing(), Speech::Silence, None);
    }
    let locale = conversation.locale;
    let channel = conversation.channel;
    let ivr = &services.catalog.locale(locale).templates.ivr;
    let said = request.text.as_ref().map(|t| t.as_str().to_string());
    let mut understanding = match (&said, &request.dtmf) {
        (Some(text), _) => services
            .understanding
            .understand(&Utterance::new(text, locale).via(channel).on(today)),
        (None, Some(keys)) => match single_key(keys).and_then(|k| ivr.keys.get(&k)) {
            Some(intent) => MessageUnderstanding::chosen(intent.clone()),
            // Several digits (a card's last four) are read like words.
            None => services
                .understanding
                .understand(&Utterance::new(keys, locale).via(channel).on(today)),
        },
        (None, None) => MessageUnderstanding::nothing(),
    };
    let answer = understanding
        .whole
        .intent
        .as_ref()
        .map(|s| s.id.as_str().to_string());
    if let Some(heard) = conversation.unconfirmed_speech.take() {
        match answer.as_deref() {
            Some("affirm") => {
                let heard = heard.into_string();
                understanding = services
                    .understanding
                    .understand(&Utterance::new(&heard, locale).via(channel).on(today));
                return (understanding, Speech::Understood, Some(heard));
            }
            Some("deny") => return (understanding, Speech::Misheard, said),
            // Anything else is a new utterance that replaces what was heard.
            _ => {}
        }
    }
    let unsure = conversation.channel == Channel::Ivr
        && request
            .asr_confidence
            .is_some_and(|c| c < ivr.asr_confidence_threshold);
    if unsure && let Some(text) = said {
        conversation.unconfirmed_speech = Some(mask(&text));
        return (MessageUnderstanding::nothing(), Speech::Unsure, None);
    }
    (understanding, Speech::Understood, said)
}

/// The key of a one-key press.
fn single_key(keys: &str) -> Option<char> {
    let mut chars = keys.chars();
    match (chars.next(), chars.next()) {
        (Some(key), None) => Some(key),
        _ => None,
    }
}
