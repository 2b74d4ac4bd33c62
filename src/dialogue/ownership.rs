//! Who owns a conversation once the bot has handed it off: an agent claims it, writes to
//! the customer while they own it, and releases it, either resolved (the conversation
//! closes and the customer is asked for a rating) or back to the bot (the demands the
//! agent was handed are open again, and the bot says so). Like every change of state,
//! these live in `dialogue`; the turn service saves what they return.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::conversation::{Conversation, ConversationState, HandoffRef, Phase, Returned};
use super::plan::{Step, TurnPlan};
use crate::domain::{AgentId, AgentRef};

/// How an agent ends their part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseOutcome {
    /// Every demand handed over is dealt with: the conversation closes.
    Resolved,
    /// The bot carries on with the demands still open.
    BackToBot,
}

impl ReleaseOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseOutcome::Resolved => "resolved",
            ReleaseOutcome::BackToBot => "back_to_bot",
        }
    }
}

/// Why an agent's action was refused. Nothing changes in any of these cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OwnershipError {
    /// Another agent has it.
    #[error("{} 已接入该会话", .0.name.as_str())]
    Claimed(AgentRef),
    /// Nobody is waiting for an agent: the bot has it, or it is over.
    #[error("the conversation is not waiting for an agent (it is {0})")]
    NotWaiting(&'static str),
    /// The agent does not own the conversation.
    #[error("agent `{0}` does not own this conversation")]
    NotOwner(AgentId),
}

/// What a claim did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// The agent took the conversation now.
    Now,
    /// The agent already had it: nothing changed.
    Already,
}

/// An agent claims a conversation that waits for one. Claiming again is harmless; another
/// agent's claim is refused with who has it.
pub fn claim(
    conversation: &mut Conversation,
    agent: AgentRef,
    now: DateTime<Utc>,
) -> Result<Claimed, OwnershipError> {
    match &conversation.state {
        ConversationState::HandedOff { handoff } => {
            conversation.state = ConversationState::WithAgent {
                handoff: handoff.clone(),
                agent,
                since: now,
            };
            Ok(Claimed::Now)
        }
        ConversationState::WithAgent { agent: owner, .. } if owner.id == agent.id => {
            Ok(Claimed::Already)
        }
        ConversationState::WithAgent { agent: owner, .. } => {
            Err(OwnershipError::Claimed(owner.clone()))
        }
        state => Err(OwnershipError::NotWaiting(state.as_str())),
    }
}

/// The agent who owns the conversation, if it is `agent`.
pub fn owner<'c>(
    conversation: &'c Conversation,
    agent: &AgentId,
) -> Result<&'c AgentRef, OwnershipError> {
    match conversation.agent() {
        Some(owner) if &owner.id == agent => Ok(owner),
        _ => Err(OwnershipError::NotOwner(agent.clone())),
    }
}

/// What a release did.
#[derive(Debug, Clone, PartialEq)]
pub struct Released {
    pub agent: AgentRef,
    pub handoff: HandoffRef,
    /// When the agent claimed it.
    pub since: DateTime<Utc>,
    /// What the bot says on taking the conversation back (`back_to_bot` only).
    pub plan: Option<TurnPlan>,
}

/// The owner releases the conversation. `Resolved` settles the demands they were handed
/// and closes it, asking for a rating; `BackToBot` opens them again and lets the bot
/// carry on, without handing straight back for what this handoff dealt with.
pub fn release(
    conversation: &mut Conversation,
    agent: &AgentId,
    outcome: ReleaseOutcome,
) -> Result<Released, OwnershipError> {
    let ConversationState::WithAgent {
        handoff,
        agent: owner,
        since,
    } = conversation.state.clone()
    else {
        return Err(OwnershipError::NotOwner(agent.clone()));
    };
    if &owner.id != agent {
        return Err(OwnershipError::NotOwner(agent.clone()));
    }
    let plan = match outcome {
        ReleaseOutcome::Resolved => {
            conversation.ledger.settle_handed_off();
            conversation.state = ConversationState::Closed {
                resolved_by: Some(owner.clone()),
            };
            None
        }
        ReleaseOutcome::BackToBot => {
            conversation.ledger.reopen_handed_off();
            conversation.state = ConversationState::Active {
                phase: Phase::Listening,
            };
            conversation.fallbacks_in_a_row = 0;
            conversation.silences_in_a_row = 0;
            conversation.returned = Some(Returned {
                reason: handoff.reason,
                risk: conversation.risk,
                emotions_seen: conversation.emotions.len(),
            });
            let intents = conversation
                .ledger
                .open()
                .map(|(_, d)| d.intent.clone())
                .collect();
            Some(TurnPlan {
                steps: vec![Step::BackToBot { intents }],
                handoff: None,
            })
        }
    };
    Ok(Released {
        agent: owner,
        handoff,
        since,
        plan,
    })
}
