//! A handoff as desks receive it, pulled (`GET /v1/handoffs`) or pushed (webhooks): the
//! same document both ways, so a desk can switch from one to the other.

use serde::Serialize;

use crate::dialogue::HandoffSummary;
use crate::domain::AgentRef;
use crate::store::HandoffRecord;

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct HandoffDocument {
    pub id: String,
    pub conversation_id: String,
    pub reason: &'static str,
    pub priority: &'static str,
    /// `pending` until an agent acknowledges it, then `acked`.
    pub status: &'static str,
    pub created_at: String,
    pub acked_by: Option<String>,
    pub acked_at: Option<String>,
    /// Its conversation's state now: `handed_off` (waiting), `with_agent`, `active` (back
    /// with the bot) or `closed`.
    pub state: String,
    /// The agent who claimed it in the chat; `null` while unclaimed.
    pub agent: Option<AgentRef>,
    /// The summary an agent reads first (masked).
    #[schemars(with = "serde_json::Value")]
    pub summary: HandoffSummary,
}

impl From<HandoffRecord> for HandoffDocument {
    fn from(record: HandoffRecord) -> Self {
        let h = record.handoff;
        HandoffDocument {
            id: h.id.as_str().to_string(),
            conversation_id: h.conversation_id.as_str().to_string(),
            reason: h.reason.as_str(),
            priority: h.priority.as_str(),
            status: if record.acked.is_some() {
                "acked"
            } else {
                "pending"
            },
            created_at: h.created_at.to_rfc3339(),
            acked_by: record.acked.as_ref().map(|a| a.by.clone()),
            acked_at: record.acked.map(|a| a.at.to_rfc3339()),
            state: record.conversation_state,
            agent: record.claim.map(|c| c.agent),
            summary: h.summary,
        }
    }
}
