//! The handoff summary: every demand with its slots, the feeling now and at its peak,
//! what the customer expects, the threats, a synopsis, the masked transcript, the promises
//! already made and what the agent should do first.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::content::LocaleContent;
use crate::dialogue::{Conversation, DemandStatus, HandoffRef};
use crate::domain::{
    Channel, ConversationId, Customer, EmotionLabel, Expectation, HandoffReason, IntentId, Locale,
    Priority,
};
use crate::privacy::MaskedText;
use crate::store::{Role, TranscriptLine};

/// A demand as the agent sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemandSummary {
    pub intent: IntentId,
    /// The intent's title in the conversation's locale, from the content: what desks show.
    #[serde(default)]
    pub title: String,
    pub status: DemandStatus,
    pub slots: BTreeMap<String, MaskedText>,
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
    pub suggested_next_steps: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Builds the summary of a conversation that was just handed off. `transcript` is the
/// whole conversation including this turn; `synopsis` is rendered by `reply`.
pub fn summarize(
    conversation: &Conversation,
    handoff: &HandoffRef,
    transcript: &[TranscriptLine],
    content: &LocaleContent,
    synopsis: MaskedText,
    now: DateTime<Utc>,
) -> HandoffSummary {
    let demands: Vec<DemandSummary> = conversation
        .ledger
        .all()
        .iter()
        .map(|d| DemandSummary {
            intent: d.intent.clone(),
            title: content
                .intent(&d.intent)
                .map(|i| i.title.clone())
                .unwrap_or_default(),
            status: d.status,
            slots: d
                .slots
                .iter()
                .map(|(k, v)| (k.to_string(), v.value.clone()))
                .collect(),
        })
        .collect();
    let slots = demands.iter().flat_map(|d| d.slots.clone()).collect();
    let peak = conversation.peak_emotion();
    let risk = conversation.risk;
    let mut next_steps: Vec<String> = Vec::new();
    for demand in conversation.ledger.all() {
        if let Some(intent) = content.intent(&demand.intent) {
            for step in &intent.next_steps {
                if !next_steps.contains(step) {
                    next_steps.push(step.clone());
                }
            }
        }
    }
    HandoffSummary {
        conversation_id: conversation.id.clone(),
        channel: conversation.channel,
        locale: conversation.locale,
        customer: conversation.customer.clone(),
        primary_intent: conversation.ledger.all().first().map(|d| d.intent.clone()),
        demands,
        slots,
        emotion: EmotionSummary {
            current: conversation.current_emotion().label,
            peak: peak.label,
            peak_intensity: (peak.intensity * 100.0).round() / 100.0,
        },
        expectations: conversation.expectations.iter().copied().collect(),
        risk: RiskSummary {
            escalation_threat: risk.any(),
            regulator_mentioned: risk.regulator,
            media_mentioned: risk.media,
            legal_mentioned: risk.legal,
        },
        reason: handoff.reason,
        priority: handoff.priority,
        synopsis,
        transcript: transcript
            .iter()
            .map(|l| SummaryLine {
                role: l.role,
                text: l.text.clone(),
                at: l.at,
            })
            .collect(),
        commitments: conversation
            .commitments
            .iter()
            .map(|c| CommitmentSummary {
                intent: c.intent.clone(),
                what: c.what.clone(),
                by: c.by,
            })
            .collect(),
        suggested_next_steps: next_steps,
        created_at: now,
    }
}
