//! What the bot will say this turn, as steps in the order of the four steps (soothe →
//! restate and confirm → guide → commit), before any wording is chosen. The dialogue
//! decides what to say; `reply` decides how to say it from the templates.

use chrono::NaiveDate;

use super::ledger::DemandIndex;
use crate::content::{IntentKind, Notice};
use crate::domain::{FaqId, FollowUpId, HandoffReason, IntentId, Priority, SlotName};
use crate::nlu::Emotion;

/// One thing to say.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A returning customer's earlier case and what was promised for it, recalled before
    /// anything else (the case is in the ledger, its promise in the commitments).
    Recall {
        demand: DemandIndex,
        /// The bank day the case was raised.
        made: NaiveDate,
    },
    /// Step one: acknowledge the feeling, proportionate to it.
    Soothe {
        emotion: Emotion,
        kind: IntentKind,
    },
    /// An intent's reassurance, right after soothing (`资金不会丢失`).
    Reassure {
        intent: IntentId,
    },
    /// An extra demand of the same message, noted for later.
    Noted {
        intent: IntentId,
    },
    /// Turning to the next open demand.
    NextDemand {
        intent: IntentId,
    },
    /// Step two: saying back what was understood of a demand.
    Restate {
        demand: DemandIndex,
    },
    /// Asking for one missing slot.
    Ask {
        intent: IntentId,
        slot: SlotName,
    },
    /// A detail the customer added to a case after its restatement, kept for the agent.
    DetailNoted,
    /// Asking the customer to confirm a restatement.
    Confirm,
    /// Asking what was wrong with a restatement.
    Correction,
    /// Step three: the rule-based solution.
    Guidance {
        demand: DemandIndex,
    },
    /// A conversational intent's own answer (a greeting back, "you're welcome"): not a
    /// demand, so it is never in the ledger.
    Answer {
        intent: IntentId,
    },
    /// A crisis notice's approved statement, once per conversation, right after soothing.
    Notice {
        notice: Box<Notice>,
    },
    /// A plain question no intent claims, answered from the knowledge base's FAQ with its
    /// source cited: not a demand, so it is never in the ledger.
    KnowledgeAnswer {
        entry: FaqId,
    },
    /// Two or three FAQ entries too close to tell apart: which one was meant, as quick
    /// replies (each entry's canonical question, which a tap sends back).
    KnowledgeChoices {
        entries: Vec<FaqId>,
    },
    /// The answer to a worry about an open or settled case (how long, the credit record),
    /// in the case's own context.
    FollowUp {
        demand: DemandIndex,
        worry: FollowUpId,
        /// The deadline of the case: the one promised, or the one the process gives.
        by: Option<NaiveDate>,
    },
    /// Step four: what happens next, by when.
    Commitment {
        demand: DemandIndex,
        by: NaiveDate,
    },
    /// Asking whether the guidance solved it.
    ResolvedCheck,
    AnythingElse,
    /// Not understood.
    Fallback,
    /// A silent caller: reprompt, with the keypad menu when `menu`.
    Silence {
        menu: bool,
    },
    /// Unsure speech recognition: "did you say …?"
    CheckHeard,
    /// What was heard was wrong: "please say it again".
    SayAgain,
    /// Handing over to a human.
    Handoff {
        reason: HandoffReason,
    },
    /// Waiting for the human.
    Holding,
    /// Taking the conversation back from an agent, naming the demands still open.
    BackToBot {
        intents: Vec<IntentId>,
    },
    /// A goodbye while demands are open: names them, asks.
    OpenDemands {
        intents: Vec<IntentId>,
    },
    Goodbye,
}

/// The decision to hand the customer to a human.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandoffDecision {
    pub reason: HandoffReason,
    pub priority: Priority,
}

/// Everything the bot does this turn.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TurnPlan {
    pub steps: Vec<Step>,
    pub handoff: Option<HandoffDecision>,
}

impl TurnPlan {
    pub fn say(&mut self, step: Step) {
        self.steps.push(step);
    }
}
