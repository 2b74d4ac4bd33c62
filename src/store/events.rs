//! What happens in a conversation once people are involved, as the customer's widget and
//! the agent's desk see it: bot replies from the handoff on, the customer's messages with
//! their understanding, the agent joining, writing, typing and leaving, state changes and
//! the rating. Each event is a row of `conversation_events`, written in the transaction
//! of the change that causes it; its global, increasing `id` is the SSE event id, so a
//! client resuming from an id gets every later event once. Every text is masked.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dialogue::ReleaseOutcome;
use crate::domain::{AgentRef, ConversationId, EmotionLabel, IntentId};
use crate::nlu::{Emotion, RiskFlags, ScoredIntent};
use crate::privacy::MaskedText;

/// Who reads a stream: the customer sees what is said to them; the desk sees everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Customer,
    Desk,
}

/// The kinds the customer's stream carries (the desk's carries every kind).
pub(super) const CUSTOMER_KINDS: &str =
    "'bot_reply', 'agent_joined', 'agent_message', 'agent_typing', 'agent_left', 'state'";

/// The intent a customer's message was understood as.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventIntent {
    pub id: IntentId,
    pub confidence: f32,
}

impl From<&ScoredIntent> for EventIntent {
    fn from(intent: &ScoredIntent) -> Self {
        EventIntent {
            id: intent.id.clone(),
            confidence: intent.confidence,
        }
    }
}

/// The emotion of a customer's message.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventEmotion {
    pub label: EmotionLabel,
    pub intensity: f32,
}

impl From<Emotion> for EventEmotion {
    fn from(emotion: Emotion) -> Self {
        EventEmotion {
            label: emotion.label,
            intensity: emotion.intensity,
        }
    }
}

/// The risks a customer's message raised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRisk {
    pub escalation_threat: bool,
    pub regulator_mentioned: bool,
    pub media_mentioned: bool,
}

impl From<RiskFlags> for EventRisk {
    fn from(risk: RiskFlags) -> Self {
        EventRisk {
            escalation_threat: risk.any(),
            regulator_mentioned: risk.regulator,
            media_mentioned: risk.media,
        }
    }
}

/// One event: its kind (the SSE `event:` name) and its data. Serialised as
/// `{"kind": …, "data": {…}}`; the store keeps `kind` and `data` in columns of their own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum EventBody {
    BotReply {
        turn: u32,
        text: MaskedText,
        quick_replies: Vec<String>,
        at: DateTime<Utc>,
    },
    CustomerMessage {
        turn: u32,
        text: MaskedText,
        intent: Option<EventIntent>,
        emotion: EventEmotion,
        risk: EventRisk,
        at: DateTime<Utc>,
    },
    AgentJoined {
        agent: AgentRef,
        at: DateTime<Utc>,
    },
    AgentMessage {
        agent: AgentRef,
        text: MaskedText,
        at: DateTime<Utc>,
    },
    AgentTyping {
        agent: AgentRef,
        at: DateTime<Utc>,
    },
    AgentLeft {
        agent: AgentRef,
        outcome: ReleaseOutcome,
        at: DateTime<Utc>,
    },
    State {
        state: String,
        ask_rating: bool,
        at: DateTime<Utc>,
    },
    Rating {
        score: u8,
        comment: Option<MaskedText>,
        at: DateTime<Utc>,
    },
}

impl EventBody {
    /// The SSE event name.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::BotReply { .. } => "bot_reply",
            EventBody::CustomerMessage { .. } => "customer_message",
            EventBody::AgentJoined { .. } => "agent_joined",
            EventBody::AgentMessage { .. } => "agent_message",
            EventBody::AgentTyping { .. } => "agent_typing",
            EventBody::AgentLeft { .. } => "agent_left",
            EventBody::State { .. } => "state",
            EventBody::Rating { .. } => "rating",
        }
    }

    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            EventBody::BotReply { at, .. }
            | EventBody::CustomerMessage { at, .. }
            | EventBody::AgentJoined { at, .. }
            | EventBody::AgentMessage { at, .. }
            | EventBody::AgentTyping { at, .. }
            | EventBody::AgentLeft { at, .. }
            | EventBody::State { at, .. }
            | EventBody::Rating { at, .. } => *at,
        }
    }

    /// The data as JSON (the SSE `data:` line, and the stored column).
    pub fn data(&self) -> Result<serde_json::Value, serde_json::Error> {
        let mut whole = serde_json::to_value(self)?;
        Ok(whole
            .get_mut("data")
            .map(serde_json::Value::take)
            .unwrap_or_default())
    }

    /// An event read back from its kind and data columns.
    pub(super) fn read(kind: &str, data: &str) -> Result<EventBody, serde_json::Error> {
        let data: serde_json::Value = serde_json::from_str(data)?;
        serde_json::from_value(serde_json::json!({"kind": kind, "data": data}))
    }
}

/// An event as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub body: EventBody,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AgentId, AgentName};
    use crate::privacy::mask;

    #[test]
    fn an_event_reads_back_as_written_with_its_text_masked() {
        let at = "2026-11-30T12:00:00Z".parse().unwrap();
        let body = EventBody::AgentMessage {
            agent: AgentRef {
                id: AgentId::parse("a-7").unwrap(),
                name: AgentName::parse("王经理").unwrap(),
            },
            text: mask("您好,我是王经理"),
            at,
        };
        let data = body.data().unwrap();
        assert_eq!(data["agent"]["name"], "王经理");
        assert_eq!(data["at"], "2026-11-30T12:00:00Z");
        let back = EventBody::read(body.kind(), &data.to_string()).unwrap();
        assert_eq!(back, body);
    }
}
