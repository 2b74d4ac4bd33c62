//! The agent desks' view of handoffs: listed newest first, filtered by status and
//! priority, acknowledged once by the agent who takes the customer.

use chrono::{DateTime, Utc};

use super::StoredHandoff;
use crate::dialogue::ReleaseOutcome;
use crate::domain::{AgentRef, Priority};

/// Which handoffs a desk asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HandoffStatusFilter {
    /// Waiting for a human.
    #[default]
    Pending,
    /// Taken by an agent.
    Acked,
    /// Claimed by an agent who has not released it yet.
    Claimed,
    All,
}

/// A page of the handoff list.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoffQuery {
    pub status: HandoffStatusFilter,
    pub priority: Option<Priority>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// Who took a handoff, and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Acknowledgement {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The agent who claimed a handoff in the chat, and how they released it.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoffClaim {
    pub agent: AgentRef,
    pub at: DateTime<Utc>,
    pub released: Option<(DateTime<Utc>, ReleaseOutcome)>,
}

/// A handoff with its acknowledgement, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoffRecord {
    pub handoff: StoredHandoff,
    pub acked: Option<Acknowledgement>,
    pub claim: Option<HandoffClaim>,
    /// Its conversation's state now (API name: `handed_off`, `with_agent`, …).
    pub conversation_state: String,
}
