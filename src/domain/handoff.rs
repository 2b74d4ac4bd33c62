//! Why and how urgently a conversation goes to a human (API contract).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::vocab_enum;

vocab_enum! {
    /// A handoff reason, as the API lists them.
    #[derive(Serialize, Deserialize)]
    pub enum HandoffReason ("handoff reason") {
        /// The customer asked for a human.
        CustomerRequest = "customer_request",
        /// The bot did not understand twice in a row.
        LowConfidence = "low_confidence",
        /// The customer stayed very angry.
        HighEmotion = "high_emotion",
        /// The customer threatened the regulator, the media or a court.
        EscalationThreat = "escalation_threat",
        /// An intent that must reach a human at once (a card being stolen from).
        UrgentIntent = "urgent_intent",
        /// The intent's own policy in the content.
        Policy = "policy",
        /// A returning customer's promise was not kept by its due date.
        CommitmentMissed = "commitment_missed",
    }
}

vocab_enum! {
    /// How soon a human must pick a handoff up.
    #[derive(Default, Serialize, Deserialize)]
    pub enum Priority ("priority") {
        #[default]
        Normal = "normal",
        High = "high",
        Urgent = "urgent",
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
