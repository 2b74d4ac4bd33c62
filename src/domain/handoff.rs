//! Why and how urgently a conversation goes to a human (API contract).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A handoff reason, as the API lists them.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The customer asked for a human.
    CustomerRequest,
    /// The bot did not understand twice in a row.
    LowConfidence,
    /// The customer stayed very angry.
    HighEmotion,
    /// The customer threatened the regulator, the media or a court.
    EscalationThreat,
    /// An intent that must reach a human at once (a card being stolen from).
    UrgentIntent,
    /// The intent's own policy in the content.
    Policy,
}

impl HandoffReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffReason::CustomerRequest => "customer_request",
            HandoffReason::LowConfidence => "low_confidence",
            HandoffReason::HighEmotion => "high_emotion",
            HandoffReason::EscalationThreat => "escalation_threat",
            HandoffReason::UrgentIntent => "urgent_intent",
            HandoffReason::Policy => "policy",
        }
    }
}

/// How soon a human must pick a handoff up.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

/// A handoff's id: `h-` and a random UUID, unguessable so that it can travel in URLs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HandoffId(String);

impl HandoffId {
    pub fn new() -> HandoffId {
        HandoffId(format!("h-{}", uuid::Uuid::new_v4().simple()))
    }

    /// Accepts an id as stored or sent by a client: `h-` and 32 hex digits.
    pub fn parse(value: &str) -> Option<HandoffId> {
        let hex = value.strip_prefix("h-")?;
        (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| HandoffId(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for HandoffId {
    fn default() -> Self {
        HandoffId::new()
    }
}

impl fmt::Display for HandoffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
