//! The handoff summary: every demand with its slots, the feeling now and at its peak,
//! what the customer expects, the threats, a synopsis, the masked transcript, the promises
//! already made and what the agent should do first.

use chrono::{DateTime, Utc};

use crate::content::LocaleContent;
use crate::dialogue::{
    CommitmentSummary, Conversation, DemandSummary, EmotionSummary, HandoffRef, HandoffSummary,
    RiskSummary, SummaryLine,
};
use crate::privacy::MaskedText;
use crate::store::TranscriptLine;

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
            notes: d.notes.clone(),
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
                id: c.id.clone(),
                intent: c.intent.clone(),
                what: c.what.clone(),
                by: c.by,
            })
            .collect(),
        notices: conversation.notices.clone(),
        suggested_next_steps: next_steps,
        created_at: now,
    }
}
