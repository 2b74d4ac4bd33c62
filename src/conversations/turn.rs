//! One turn as a pipeline of named steps, each the one owner of what it changes:
//!
//! 1. [`load`](Conversations::load): the stored conversation, or a new one (which knows
//!    a returning customer's promise still owed);
//! 2. `hear` (`dialogue::hear`): what was said, and how sure we are of it;
//! 3. `plan` (`dialogue::take_turn`): the dialogue's decision, in the four steps;
//! 4. [`word`]: the plan in the content's words, and the promises it makes recorded (in
//!    the conversation, and as commitment records saved with the turn);
//! 5. [`record`](Conversations::record): the transcript lines of this turn, masked;
//! 6. [`hand_off`](Conversations::hand_off): on a handoff, the summary and the outbox;
//! 7. [`save`](Conversations::save): everything in one transaction (with the message's
//!    receipt when it came with an idempotency key), then the workers woken, metrics
//!    counted and the turn logged.
//!
//! The content snapshot is taken once, before hearing, and the whole turn runs on it; the
//! transcript is read at most once (`Transcript`), by whichever step needs it first.

use chrono::{DateTime, NaiveDate, Utc};

use super::audit::{self, Stopwatch};
use super::promises::Promising;
use super::{Conversations, NextAction, TurnError, TurnOutcome};
use crate::access::ConversationToken;
use crate::audit::AuditRecord;
use crate::content::{IntentKind, IvrSettings, LocaleContent};
use crate::dialogue::end_of_day;
use crate::dialogue::{
    BankTime, Conversation, ConversationState, Due, HandoffRef, Heard, IvrEvent, TurnInput,
    TurnPlan, TurnRequest, hear, take_turn,
};
use crate::domain::{ConversationId, Customer};
use crate::handoff::{HandoffSummary, summarize};
use crate::privacy::{MaskedText, digit_value_of, mask, mask_across};
use crate::reply::{Composer, Reply};
use crate::store::{
    EventBody, MADE_BY_BOT, OutboxEntry, Receipt, Role, Store, StoreError, StoredCommitment,
    StoredHandoff, TranscriptLine, TurnFacts, TurnWrite,
};

/// The conversation as loaded, with the version the save checks against.
struct Loaded {
    conversation: Conversation,
    /// The turn count and state in the store; `None` for a conversation this turn starts.
    stored: Option<(u32, &'static str)>,
}

/// This turn's lines of the transcript.
struct Recorded {
    /// The customer's message and the bot's reply (none while an agent has the customer).
    lines: Vec<TranscriptLine>,
    /// The customer's previous message masked further: personal data it began was
    /// finished in this one.
    amended: Option<MaskedText>,
}

/// A handoff this turn made: what the channel answers, and what is saved.
struct HandingOff {
    reference: HandoffRef,
    summary: HandoffSummary,
    saved: SavedHandoff,
}

/// A handoff as saved: the handoff and its deliveries.
struct SavedHandoff {
    stored: StoredHandoff,
    outbox: Vec<OutboxEntry>,
}

/// A turn taken on the stored state, not saved yet.
pub(super) struct Unsaved {
    pub(super) outcome: TurnOutcome,
    /// The turn count and state the conversation had when it was loaded (the save checks
    /// them).
    stored: Option<(u32, &'static str)>,
    facts: TurnFacts,
    /// What the widget and the desk see of this turn.
    events: Vec<EventBody>,
    recorded: Recorded,
    handoff: Option<SavedHandoff>,
    /// The promises the reply made, as records.
    commitments: Vec<StoredCommitment>,
    /// Why the turn went as it did, saved with it.
    audit: AuditRecord,
}

/// The stored transcript, read at most once per turn.
struct Transcript<'s> {
    store: &'s crate::store::Database,
    id: &'s ConversationId,
    lines: Option<Vec<TranscriptLine>>,
}

impl<'s> Transcript<'s> {
    fn unread(store: &'s crate::store::Database, id: &'s ConversationId) -> Transcript<'s> {
        Transcript {
            store,
            id,
            lines: None,
        }
    }

    async fn lines(&mut self) -> Result<&[TranscriptLine], StoreError> {
        if self.lines.is_none() {
            self.lines = Some(self.store.transcript(self.id).await?);
        }
        Ok(self.lines.as_deref().unwrap_or_default())
    }
}

impl Conversations {
    /// One try at a turn, from the stored state; [`save`](Conversations::save) keeps it.
    pub(super) async fn attempt(
        &self,
        id: &ConversationId,
        request: &TurnRequest,
    ) -> Result<Unsaved, TurnError> {
        let now = self.clock.now();
        let today = self.clock.bank_day(now);
        let mut stopwatch = Stopwatch::start();
        let Loaded {
            mut conversation,
            stored,
        } = self.load(id, request, now).await?;
        stopwatch.timings.load = stopwatch.lap();
        let state_before = audit::state_name(&conversation.state);
        let slots_before = audit::slots_of(&conversation);
        let token = match stored {
            Some(_) => None,
            None => Some(ConversationToken::generate().map_err(TurnError::Token)?),
        };
        // Waiting for an agent, or with one: the desk sees the customer's messages; with
        // an agent the bot stays silent.
        let before = conversation.state.clone();
        let to_desk = matches!(
            before,
            ConversationState::HandedOff { .. } | ConversationState::WithAgent { .. }
        );
        let silent = matches!(before, ConversationState::WithAgent { .. });
        // One snapshot of the content for the whole turn, whatever a reload does meanwhile.
        let services = self.live.current();
        let content = services.catalog.locale(conversation.locale);
        let mut transcript = Transcript::unread(&self.store, id);

        let heard = hear(
            &services.understanding,
            content,
            request,
            &mut conversation,
            today,
        );
        let facts = facts_of(&heard, &conversation, content, (now, today));
        let understood =
            audit::understood(&heard.understanding, request, conversation.channel, content);
        stopwatch.timings.understand = stopwatch.lap();
        let intent = heard.understanding.whole.intent.clone();
        let emotion = heard.understanding.whole.emotion;
        let risk = heard.understanding.whole.risk;
        // The message as `nlu` masked it, when the words understood are the request's own
        // (not held speech): recorded as is, without a second scan.
        let masked = (heard.said.as_deref() == request.text.as_ref().map(|t| t.as_str()))
            .then(|| heard.understanding.text.clone());
        // Every deadline of the turn is counted on the content's calendar, bank time.
        let time = BankTime {
            calendar: services.catalog.calendar(),
            zone: self.clock.zone(),
            now,
        };
        let notices = match &self.notices {
            Some(board) => board.in_force(&services.catalog, conversation.locale, now),
            None => Vec::new(),
        };
        let told_before = conversation.notices.len();
        let plan = take_turn(
            &mut conversation,
            &TurnInput {
                text: heard.said.as_deref(),
                understanding: heard.understanding,
                time,
                speech: heard.speech,
                notices: &notices,
            },
            content,
        );
        let mut facts = facts;
        facts.notice = conversation.notices.get(told_before).map(|t| t.id.clone());
        stopwatch.timings.dialogue = stopwatch.lap();
        let (reply, commitments) = if silent {
            (None, Vec::new())
        } else {
            let promising = Promising {
                time,
                due_soon_lead: self.due_soon_lead,
            };
            let (reply, made) = word(
                &services.composer,
                &plan,
                &mut conversation,
                content,
                &promising,
            );
            conversation.offer(&reply.quick_replies);
            (Some(reply), made)
        };
        stopwatch.timings.reply = stopwatch.lap();
        let recorded = self
            .record(&mut transcript, request, masked, reply.as_ref(), now)
            .await?;
        let handoff = self
            .hand_off(
                &mut transcript,
                &plan,
                &conversation,
                content,
                &services.composer,
                &recorded,
                now,
            )
            .await?;
        stopwatch.timings.record = stopwatch.lap();
        let audit = audit::record(
            &conversation,
            audit::Traces {
                understood,
                before: state_before,
                slots_before,
                plan: &plan,
                reply: reply.as_ref(),
                reply_masked: recorded
                    .lines
                    .iter()
                    .find(|l| l.role == Role::Bot)
                    .map(|l| &l.text),
                message_masked: recorded
                    .lines
                    .iter()
                    .find(|l| l.role == Role::Customer)
                    .map(|l| &l.text),
                commitments: &commitments,
                content_version: services.catalog.version().as_str(),
                timings: stopwatch.timings,
            },
            now,
        );
        let next = next_action(
            &conversation,
            handoff.as_ref().map(|h| &h.reference),
            &content.templates.ivr,
        );
        let mut events = Vec::new();
        if to_desk {
            events.push(EventBody::CustomerMessage {
                turn: conversation.turn,
                text: recorded.lines[0].text.clone(),
                intent: intent.as_ref().map(Into::into),
                emotion: emotion.into(),
                risk: risk.into(),
                at: now,
            });
        }
        // Bot replies are events from the handoff on: the customer's stream is open by
        // then, and the desk reads what the customer was told.
        if let Some(reply) = reply.as_ref().filter(|_| to_desk || handoff.is_some()) {
            events.push(EventBody::BotReply {
                turn: conversation.turn,
                text: mask(&reply.text),
                quick_replies: reply.quick_replies.clone(),
                at: now,
            });
        }
        if handoff.is_some() {
            events.push(EventBody::State {
                state: conversation.state.as_str().to_string(),
                ask_rating: false,
                at: now,
            });
        }
        let (handoff, saved_handoff) = handoff.map(|h| ((h.reference, h.summary), h.saved)).unzip();
        Ok(Unsaved {
            outcome: TurnOutcome {
                conversation,
                reply,
                intent,
                emotion,
                handoff,
                next,
                conversation_token: token,
            },
            stored,
            facts,
            events,
            recorded,
            handoff: saved_handoff,
            commitments,
            audit,
        })
    }

    /// Step 1: the stored conversation, or a new one for its first message. A conversation
    /// at its turn limit goes no further.
    async fn load(
        &self,
        id: &ConversationId,
        request: &TurnRequest,
        now: DateTime<Utc>,
    ) -> Result<Loaded, TurnError> {
        match self.store.conversation(id).await? {
            Some(conversation) if conversation.turn >= self.max_turns => {
                Err(TurnError::TooLong(self.max_turns))
            }
            Some(conversation) => Ok(Loaded {
                stored: Some((conversation.turn, conversation.state.as_str())),
                conversation,
            }),
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
                let mut conversation =
                    Conversation::new(id.clone(), request.channel, request.locale, customer, now);
                // A returning customer: the bank's id links what we promised them before.
                if let Some(customer) = conversation.customer.id.clone()
                    && let Some((promise, slots)) = self.earlier_promise(&customer).await?
                {
                    conversation.remember(promise, slots);
                }
                Ok(Loaded {
                    conversation,
                    stored: None,
                })
            }
        }
    }

    /// Step 5: the customer's line and the bot's, masked (the customer's from `nlu`'s
    /// scan when it read the same words). A number split over two
    /// messages is masked across them: the previous line is amended with this turn.
    async fn record(
        &self,
        transcript: &mut Transcript<'_>,
        request: &TurnRequest,
        masked: Option<MaskedText>,
        reply: Option<&Reply>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let mut amended = None;
        let customer = match (&request.event, &request.text, &request.dtmf) {
            (Some(IvrEvent::NoInput), _, _) => mask("[no input]"),
            (Some(IvrEvent::NoMatch), _, _) => mask("[no match]"),
            (None, Some(text), _) => {
                let text = text.as_str();
                let split = if continues_a_number(text) {
                    let previous = transcript
                        .lines()
                        .await?
                        .iter()
                        .rev()
                        .find(|l| l.role == Role::Customer);
                    previous.and_then(|line| mask_across(line.text.as_str(), text))
                } else {
                    None
                };
                match split {
                    Some((previous, current)) => {
                        amended = Some(previous);
                        current
                    }
                    None => masked.unwrap_or_else(|| mask(text)),
                }
            }
            (None, None, Some(keys)) => mask(&format!("[DTMF {}]", keys.as_str())),
            (None, None, None) => match &request.chosen {
                Some(intent) => mask(&format!("[menu {}]", intent.as_str())),
                None => mask(""),
            },
        };
        let mut lines = vec![TranscriptLine {
            role: Role::Customer,
            text: customer,
            at: now,
        }];
        if let Some(reply) = reply {
            lines.push(TranscriptLine {
                role: Role::Bot,
                text: mask(&reply.text),
                at: now,
            });
        }
        Ok(Recorded { lines, amended })
    }

    /// Step 6: when the plan hands off, the summary an agent reads first (over the whole
    /// transcript, this turn included), the stored handoff and one outbox entry per
    /// destination that wants it.
    #[allow(clippy::too_many_arguments)]
    async fn hand_off(
        &self,
        transcript: &mut Transcript<'_>,
        plan: &TurnPlan,
        conversation: &Conversation,
        content: &LocaleContent,
        composer: &Composer,
        recorded: &Recorded,
        now: DateTime<Utc>,
    ) -> Result<Option<HandingOff>, TurnError> {
        let (Some(_), Some(reference)) = (plan.handoff, conversation.handoff()) else {
            return Ok(None);
        };
        let mut lines = transcript.lines().await?.to_vec();
        lines.extend(recorded.lines.iter().cloned());
        let synopsis = mask(&composer.synopsis(conversation, content, reference.reason));
        let summary = summarize(conversation, reference, &lines, content, synopsis, now);
        let stored = StoredHandoff {
            id: reference.id.clone(),
            conversation_id: conversation.id.clone(),
            reason: reference.reason,
            priority: reference.priority,
            summary,
            created_at: now,
        };
        let outbox = self.outbox.entries(&stored)?;
        Ok(Some(HandingOff {
            reference: reference.clone(),
            summary: stored.summary.clone(),
            saved: SavedHandoff { stored, outbox },
        }))
    }

    /// Step 7: the turn in one transaction with the message's receipt, if it has one
    /// (refused if another instance saved first), then the webhook workers woken, the
    /// turn counted and logged.
    pub(super) async fn save(
        &self,
        turn: &Unsaved,
        receipt: Option<&Receipt>,
    ) -> Result<(), StoreError> {
        let conversation = &turn.outcome.conversation;
        let facts = &turn.facts;
        let handoff = turn.handoff.as_ref();
        let outbox = handoff.map_or(&[][..], |h| &h.outbox);
        let token_sha256 = turn
            .outcome
            .conversation_token
            .as_ref()
            .map(ConversationToken::sha256);
        self.store
            .save_turn(TurnWrite {
                conversation,
                stored: turn.stored,
                token_sha256: token_sha256.as_deref(),
                events: &turn.events,
                facts,
                lines: &turn.recorded.lines,
                amend_last_customer_line: turn.recorded.amended.as_ref(),
                handoff: handoff.map(|h| &h.stored),
                outbox,
                receipt,
                commitments: &turn.commitments,
                audit: Some(&turn.audit),
            })
            .await?;
        if !turn.events.is_empty() {
            self.notifier.wake(conversation.id.as_str());
        }
        self.outbox.wake(outbox);
        self.metrics
            .turn(conversation.channel, facts.intent.as_ref());
        if let Some(handoff) = handoff {
            self.metrics
                .handoff(handoff.stored.reason, handoff.stored.priority);
        }
        tracing::info!(
            conversation = %conversation.id.as_str(),
            turn = conversation.turn,
            intent = facts.intent.as_ref().map(|i| i.as_str()),
            state = conversation.state.as_str(),
            "turn"
        );
        Ok(())
    }
}

/// What analytics keeps of the turn: no text, only what was understood, when, and the
/// city the message or the details given so far named.
fn facts_of(
    heard: &Heard,
    conversation: &Conversation,
    content: &LocaleContent,
    (now, today): (DateTime<Utc>, NaiveDate),
) -> TurnFacts {
    let intent = heard.understanding.whole.intent.as_ref();
    let details = conversation
        .ledger
        .all()
        .iter()
        .flat_map(|d| d.slots.values().map(|v| v.value.as_str()));
    let city = content
        .lexicon
        .city_in(heard.said.as_deref().into_iter().chain(details))
        .map(str::to_string);
    TurnFacts {
        day: today,
        at: now,
        city,
        channel: conversation.channel,
        intent: intent.map(|i| i.id.clone()),
        complaint: intent
            .and_then(|i| content.intent(&i.id))
            .is_some_and(|i| i.kind == IntentKind::Complaint),
        emotion: heard.understanding.whole.emotion.label,
        notice: None,
    }
}

/// Step 4: the plan in the content's words. The promises the reply makes are recorded in
/// the conversation, so that an agent taking over knows them, and as commitment records
/// saved with the turn, so that the follow-up keeps them.
fn word(
    composer: &Composer,
    plan: &TurnPlan,
    conversation: &mut Conversation,
    content: &LocaleContent,
    promising: &Promising<'_>,
) -> (Reply, Vec<StoredCommitment>) {
    let reply = composer.compose(plan, conversation, content);
    let mut made = Vec::new();
    for promise in &reply.commitments {
        let text = mask(&promise.text);
        let time = promising.time;
        // The date said is the one the calendar gives; an hours promise is due to the hour.
        let due = content
            .intent(&promise.intent)
            .and_then(|i| i.commitment)
            .map(|c| time.due(c))
            .filter(|d| d.by == promise.by)
            .unwrap_or(Due {
                by: promise.by,
                at: end_of_day(time.zone, promise.by),
            });
        let record = promising.record(
            conversation,
            &promise.intent,
            format!("{}.commitment", promise.intent.as_str()),
            text,
            MADE_BY_BOT.to_string(),
            due,
        );
        conversation.promise(
            record.id.clone(),
            promise.intent.clone(),
            record.text.clone(),
            promise.by,
        );
        made.push(record);
    }
    (reply, made)
}

/// What the channel does after the reply: through to the agents after a handoff, hang up
/// after a goodbye, else listen.
fn next_action(
    conversation: &Conversation,
    handoff: Option<&HandoffRef>,
    ivr: &IvrSettings,
) -> NextAction {
    match handoff {
        Some(handoff) => NextAction::Transfer {
            queue: ivr.transfer_queue.clone(),
            destination: ivr.transfer_destination.clone(),
            handoff: handoff.id.clone(),
        },
        None if conversation.is_closed() => NextAction::Hangup,
        None => NextAction::Listen,
    }
}

/// Whether a message may finish a number begun in the previous one (it starts with a
/// digit or a `+`).
fn continues_a_number(text: &str) -> bool {
    text.trim_start()
        .chars()
        .next()
        .is_some_and(|c| c == '+' || digit_value_of(c).is_some())
}
