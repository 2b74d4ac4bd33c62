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
use crate::nlu::{Emotion, MessageUnderstanding, ScoredIntent, bank_today};
use crate::privacy::mask;
use crate::reply::Reply;
use crate::store::{
    Delivery, DeliveryQuery, Role, SqliteStore, Store, StoreError, StoredHandoff, TranscriptLine,
    TurnWrite,
};

use locks::ConversationLocks;

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
    store: Arc<SqliteStore>,
    outbox: Outbox,
    locks: ConversationLocks,
}

impl Conversations {
    pub fn new(live: Arc<LiveServices>, store: Arc<SqliteStore>, outbox: Outbox) -> Conversations {
        Conversations {
            live,
            store,
            outbox,
            locks: ConversationLocks::default(),
        }
    }

    pub fn store(&self) -> &SqliteStore {
        &self.store
    }

    /// Takes one turn. Nothing is saved unless the whole turn succeeds.
    pub async fn take_turn(
        &self,
        id: ConversationId,
        request: TurnRequest,
    ) -> Result<TurnOutcome, StoreError> {
        let _turn = self.locks.lock(&id).await;
        let now = Utc::now();
        let mut conversation = match self.store.conversation(&id).await? {
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
        let (understanding, speech, said) = hear(&services, &request, &mut conversation, today);
        let intent = understanding.whole.intent.clone();
        let emotion = understanding.whole.emotion;
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
        let customer_line = match (&request.event, &request.text, &request.dtmf) {
            (Some(IvrEvent::NoInput), _, _) => mask("[no input]"),
            (Some(IvrEvent::NoMatch), _, _) => mask("[no match]"),
            (None, Some(text), _) => mask(text.as_str()),
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
                lines: &lines,
                handoff: stored.as_ref(),
                outbox: &outbox,
            })
            .await?;
        self.outbox.wake(&outbox);
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
            .understand(text, locale, channel, today),
        (None, Some(keys)) => match single_key(keys).and_then(|k| ivr.keys.get(&k)) {
            Some(intent) => MessageUnderstanding::chosen(intent.clone()),
            // Several digits (a card's last four) are read like words.
            None => services
                .understanding
                .understand(keys, locale, channel, today),
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
                    .understand(&heard, locale, channel, today);
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
