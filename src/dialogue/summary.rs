//! The handoff summary's shape: what a human agent reads first (every demand with its
//! slots, the feeling now and at its peak, expectations, threats, a synopsis, the masked
//! transcript, the promises already made). It lives here, below `store`, so the store keeps
//! it typed; `handoff::summarize` builds it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::conversation::ToldNotice;
use super::ledger::DemandStatus;
use crate::domain::{
    Channel, CommitmentId, ConversationId, Customer, EmotionLabel, Expectation, HandoffReason,
    IntentId, Locale, Priority, Role,
};
use crate::privacy::MaskedText;

/// A demand as the agent sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemandSummary {
    pub intent: IntentId,
    /// The intent's title in the conversation's locale, from the content: what desks show.
    #[serde(default)]
    pub title: String,
    pub status: DemandStatus,
    pub slots: BTreeMap<String, MaskedText>,
    /// What the customer added that fills no slot (masked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<MaskedText>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmotionSummary {
    pub current: EmotionLabel,
    pub peak: EmotionLabel,
    pub peak_intensity: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskSummary {
    pub escalation_threat: bool,
    pub regulator_mentioned: bool,
    pub media_mentioned: bool,
    pub legal_mentioned: bool,
}

/// A line of the transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryLine {
    pub role: Role,
    pub text: MaskedText,
    pub at: DateTime<Utc>,
}

/// A promise the bot made before the handoff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommitmentSummary {
    /// The commitment's record (`GET /v1/commitments`, fulfil, cancel); absent for a
    /// promise made before commitments were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<CommitmentId>,
    pub intent: IntentId,
    pub what: MaskedText,
    pub by: NaiveDate,
}

/// What a human agent reads first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandoffSummary {
    pub conversation_id: ConversationId,
    pub channel: Channel,
    pub locale: Locale,
    pub customer: Customer,
    pub primary_intent: Option<IntentId>,
    pub demands: Vec<DemandSummary>,
    pub slots: BTreeMap<String, MaskedText>,
    pub emotion: EmotionSummary,
    pub expectations: Vec<Expectation>,
    pub risk: RiskSummary,
    pub reason: HandoffReason,
    pub priority: Priority,
    pub synopsis: MaskedText,
    pub transcript: Vec<SummaryLine>,
    pub commitments: Vec<CommitmentSummary>,
    /// The crisis notices in force that this conversation was given (`/admin/notices`):
    /// the agent answers in line with them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<ToldNotice>,
    pub suggested_next_steps: Vec<String>,
    pub created_at: DateTime<Utc>,
}
