//! A conversation's state: what the bot has understood so far and what it waits for. It
//! is saved after every turn, so a conversation survives a restart of the server.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ledger::{DemandIndex, DemandLedger, SlotValue};
use crate::content::NoticeId;
use crate::domain::{
    AgentRef, Channel, CommitmentId, ConversationId, Customer, Expectation, HandoffId,
    HandoffReason, IntentId, Locale, Priority, SlotName,
};
use crate::nlu::{Emotion, RiskFlags};
use crate::privacy::MaskedText;

/// What the bot is waiting for from the customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "waiting_for", rename_all = "snake_case")]
pub enum Phase {
    /// Nothing in particular: the customer may raise anything.
    #[default]
    Listening,
    /// The answer to a slot question.
    Slot { demand: DemandIndex, slot: SlotName },
    /// A yes or no to a restatement.
    Confirmation { demand: DemandIndex },
    /// What was wrong with a restatement.
    Correction { demand: DemandIndex },
    /// Whether the guidance solved the problem.
    Resolution { demand: DemandIndex },
    /// Whether to deal with the open demands named at a goodbye.
    GoodbyeCheck,
    /// Whether there is anything else, once every demand is settled: "no" (or the
    /// quick reply 没有了) ends the conversation.
    AnythingElse,
}

/// The handoff a conversation went to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffRef {
    pub id: HandoffId,
    pub reason: HandoffReason,
    pub priority: Priority,
}

/// Where a conversation stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConversationState {
    Active {
        phase: Phase,
    },
    /// Waiting for a human; the bot only holds the line.
    HandedOff {
        handoff: HandoffRef,
    },
    /// A human agent owns it: the bot understands the customer's messages for the agent
    /// but never answers them.
    WithAgent {
        handoff: HandoffRef,
        agent: AgentRef,
        since: DateTime<Utc>,
    },
    /// Over. `resolved_by` is the agent who resolved it; the customer is then asked for a
    /// rating (a conversation the bot closed asks for none).
    Closed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolved_by: Option<AgentRef>,
    },
}

impl ConversationState {
    /// The API's name of the state.
    pub fn as_str(&self) -> &'static str {
        match self {
            ConversationState::Active { .. } => "active",
            ConversationState::HandedOff { .. } => "handed_off",
            ConversationState::WithAgent { .. } => "with_agent",
            ConversationState::Closed { .. } => "closed",
        }
    }
}

/// A promise the bot made: what, by when. A human taking over must know them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentMade {
    /// Its record in the store; absent for a promise made before commitments were
    /// recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<CommitmentId>,
    pub intent: IntentId,
    /// The promise as the customer heard it (masked).
    pub what: MaskedText,
    /// The last day it is due.
    pub by: NaiveDate,
}

/// A promise made to this customer in an earlier conversation, still owed when this one
/// began (found by the bank's customer id, never by personal data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierPromise {
    pub id: CommitmentId,
    pub intent: IntentId,
    /// The promise as the customer read it then (masked).
    pub what: MaskedText,
    /// The bank day it was made.
    pub made_on: NaiveDate,
    /// The last day it is due.
    pub by: NaiveDate,
}

/// A conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub channel: Channel,
    pub locale: Locale,
    pub customer: Customer,
    /// Customer turns so far.
    pub turn: u32,
    pub state: ConversationState,
    pub ledger: DemandLedger,
    /// Messages not understood in a row; two send the customer to a human.
    pub fallbacks_in_a_row: u32,
    /// Silences of a caller in a row (IVR `no_input` / `no_match`).
    #[serde(default)]
    pub silences_in_a_row: u32,
    /// Speech the recogniser was unsure of, said back and waiting for a yes.
    #[serde(default)]
    pub unconfirmed_speech: Option<MaskedText>,
    /// The emotion of each customer turn.
    pub emotions: Vec<Emotion>,
    /// Threats raised at any point.
    pub risk: RiskFlags,
    pub expectations: BTreeSet<Expectation>,
    pub commitments: Vec<CommitmentMade>,
    /// The earlier promise the bot recalls in its first reply to a returning customer,
    /// until it has said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recall: Option<EarlierPromise>,
    /// Set when an agent gave the conversation back to the bot: what that handoff had
    /// already dealt with, so the bot does not hand straight back for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<Returned>,
    /// The crisis notices whose statement this conversation was given (each once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<ToldNotice>,
    /// The choices the last reply offered (its quick replies): in plain-text channels
    /// (WeChat) they are numbered, and the customer answers with the number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offered: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A crisis notice a conversation was told: the agent's summary names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ToldNotice {
    pub id: NoticeId,
    pub title: String,
}

/// What a handoff an agent gave back had dealt with: its reason, the risks and the
/// feelings up to then. Only a new request for a person, a new risk or new anger hands
/// the customer over again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Returned {
    pub reason: HandoffReason,
    pub risk: RiskFlags,
    /// How many customer turns' emotions had been seen.
    pub emotions_seen: usize,
}

impl Conversation {
    pub fn new(
        id: ConversationId,
        channel: Channel,
        locale: Locale,
        customer: Customer,
        now: DateTime<Utc>,
    ) -> Conversation {
        Conversation {
            id,
            channel,
            locale,
            customer,
            turn: 0,
            state: ConversationState::Active {
                phase: Phase::Listening,
            },
            ledger: DemandLedger::default(),
            fallbacks_in_a_row: 0,
            silences_in_a_row: 0,
            unconfirmed_speech: None,
            emotions: Vec::new(),
            risk: RiskFlags::default(),
            expectations: BTreeSet::new(),
            commitments: Vec::new(),
            recall: None,
            returned: None,
            notices: Vec::new(),
            offered: Vec::new(),
            created_at: now,
        }
    }

    /// The emotion of the latest customer turn.
    pub fn current_emotion(&self) -> Emotion {
        self.emotions.last().copied().unwrap_or_default()
    }

    /// The strongest emotion so far (neutral ones never count as a peak).
    pub fn peak_emotion(&self) -> Emotion {
        self.emotions
            .iter()
            .copied()
            .filter(|e| e.label != crate::domain::EmotionLabel::Neutral)
            .max_by(|a, b| a.intensity.total_cmp(&b.intensity))
            .unwrap_or_default()
    }

    /// Whether the conversation is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, ConversationState::Closed { .. })
    }

    /// Remembers the choices a reply offered, until the next reply.
    pub fn offer(&mut self, choices: &[String]) {
        self.offered = choices.to_vec();
    }

    /// The choice a plain-text channel's numbered answer (`2`) picks, if the last reply
    /// offered that many.
    pub fn numbered_choice(&self, answer: &str) -> Option<&str> {
        let n: usize = answer.trim().parse().ok()?;
        self.offered.get(n.checked_sub(1)?).map(String::as_str)
    }

    /// Records a promise the reply made (`what` as the customer read or heard it), under
    /// the id of its record.
    pub fn promise(&mut self, id: CommitmentId, intent: IntentId, what: MaskedText, by: NaiveDate) {
        self.commitments.push(CommitmentMade {
            id: Some(id),
            intent,
            what,
            by,
        });
    }

    /// Knows a returning customer's earlier promise: its case joins the ledger as
    /// addressed (with the slots the customer gave then), the promise joins this
    /// conversation's, and the first reply recalls it.
    pub fn remember(&mut self, promise: EarlierPromise, slots: BTreeMap<SlotName, SlotValue>) {
        let (at, _) = self.ledger.raise(&promise.intent, 0);
        if let Some(demand) = self.ledger.get_mut(at) {
            demand.slots = slots;
            demand.guided = true;
        }
        self.ledger.mark_addressed(at);
        self.commitments.push(CommitmentMade {
            id: Some(promise.id.clone()),
            intent: promise.intent.clone(),
            what: promise.what.clone(),
            by: promise.by,
        });
        self.recall = Some(promise);
    }

    /// The case of the earlier promise still to be recalled, once: its place in the
    /// ledger and the day it was made.
    pub fn take_recall(&mut self) -> Option<(DemandIndex, NaiveDate)> {
        let promise = self.recall.take()?;
        // Said once; the promise itself stays in `commitments`.
        self.ledger
            .all()
            .iter()
            .position(|d| d.intent == promise.intent)
            .map(|at| (at, promise.made_on))
    }

    /// Whether the promise made for an intent was due before `today`.
    pub fn promise_missed(&self, intent: &IntentId, today: NaiveDate) -> bool {
        self.commitments
            .iter()
            .rev()
            .find(|c| &c.intent == intent)
            .is_some_and(|c| c.by < today)
    }

    /// The handoff the conversation is waiting on.
    pub fn handoff(&self) -> Option<&HandoffRef> {
        match &self.state {
            ConversationState::HandedOff { handoff } => Some(handoff),
            _ => None,
        }
    }

    /// The agent who owns the conversation now, if one does.
    pub fn agent(&self) -> Option<&AgentRef> {
        match &self.state {
            ConversationState::WithAgent { agent, .. } => Some(agent),
            _ => None,
        }
    }

    /// Whether the customer is to be asked for a rating: an agent resolved it.
    pub fn asks_rating(&self) -> bool {
        matches!(
            self.state,
            ConversationState::Closed {
                resolved_by: Some(_)
            }
        )
    }
}
