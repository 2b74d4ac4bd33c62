//! When the bot hands the customer to a human. The reasons are the API's: an explicit
//! request, two misunderstandings in a row, sustained high anger, threats to go to a
//! regulator, the media or a court, urgent intents, and each intent's own policy.

use super::conversation::Conversation;
use super::plan::HandoffDecision;
use crate::content::{HandoffWhen, Intent, LocaleContent, Urgency};
use crate::domain::{EmotionLabel, HandoffReason, IntentId, Priority};

/// Anger at or above this intensity counts as high.
pub const HIGH_ANGER: f32 = 0.75;
/// High anger in this many customer turns in a row is "sustained".
pub const SUSTAINED_TURNS: usize = 2;
/// Misunderstood messages in a row before a human takes over.
pub const FALLBACKS_BEFORE_HANDOFF: u32 = 2;

/// What this turn brought that may call for a human.
pub struct Signals<'a> {
    /// The customer asked for a human (the intent's policy says `customer_request`).
    pub intents: Vec<&'a Intent>,
    /// The message contains one of an intent's `on_cue` cues.
    pub cued: Vec<&'a Intent>,
    /// The customer said the guidance did not solve it (`when_unresolved`).
    pub unresolved: Option<&'a Intent>,
}

/// The intents a handoff cue of the message calls for (`nlu` found the phrases,
/// normalised once at load): an `on_cue` intent when it is one of the message's own
/// (`说是保本` about a loss), an `immediately` intent anywhere in any message (`…,转人工`
/// after a complaint: asking for a person works the first time, in any position).
pub fn cued<'a>(
    intents: &[&'a Intent],
    found: &[IntentId],
    content: &'a LocaleContent,
) -> Vec<&'a Intent> {
    let on_cue = intents
        .iter()
        .copied()
        .filter(|i| i.handoff.when == HandoffWhen::OnCue && found.contains(&i.id));
    let immediately = found
        .iter()
        .filter_map(|id| content.intent(id))
        .filter(|i| i.handoff.when == HandoffWhen::Immediately);
    let mut cued: Vec<&Intent> = Vec::new();
    for intent in on_cue.chain(immediately) {
        if !cued.iter().any(|c| c.id == intent.id) {
            cued.push(intent);
        }
    }
    cued
}

fn intent_reason(intent: &Intent) -> HandoffReason {
    intent
        .handoff
        .reason
        .unwrap_or(if intent.urgency == Urgency::Urgent {
            HandoffReason::UrgentIntent
        } else {
            HandoffReason::Policy
        })
}

/// Decides whether to hand off, after the turn's message has been recorded in the
/// conversation. The most pressing reason wins; the priority is the highest of all.
///
/// After an agent gave the conversation back to the bot (`Conversation::returned`), what
/// that handoff dealt with does not count again: its reason (unless the customer asks for
/// a person again), the risks already raised and the anger already shown. A new risk, new
/// anger or a new request still hands the customer over.
pub fn decide(conversation: &Conversation, signals: &Signals<'_>) -> Option<HandoffDecision> {
    let returned = conversation.returned.as_ref();
    let handled = |reason: HandoffReason| {
        reason != HandoffReason::CustomerRequest && returned.is_some_and(|r| r.reason == reason)
    };
    let mut candidates: Vec<HandoffDecision> = Vec::new();
    for intent in &signals.intents {
        if intent.handoff.when == HandoffWhen::Immediately {
            candidates.push(HandoffDecision {
                reason: intent_reason(intent),
                priority: intent.handoff.priority,
            });
        }
    }
    for intent in signals.cued.iter().chain(signals.unresolved.iter()) {
        candidates.push(HandoffDecision {
            reason: intent_reason(intent),
            priority: intent.handoff.priority,
        });
    }
    // The risks, anger and misunderstandings have their own baselines below.
    candidates.retain(|c| !handled(c.reason));
    let known_risk = returned.map(|r| r.risk).unwrap_or_default();
    if conversation.risk.union(known_risk) != known_risk {
        candidates.push(HandoffDecision {
            reason: HandoffReason::EscalationThreat,
            priority: Priority::High,
        });
    }
    let seen = returned.map_or(0, |r| r.emotions_seen);
    let since = conversation.emotions.get(seen..).unwrap_or_default();
    let recent = since.iter().rev().take(SUSTAINED_TURNS);
    let angry_turns = recent
        .filter(|e| e.label == EmotionLabel::Angry && e.intensity >= HIGH_ANGER)
        .count();
    if angry_turns >= SUSTAINED_TURNS {
        candidates.push(HandoffDecision {
            reason: HandoffReason::HighEmotion,
            priority: Priority::High,
        });
    }
    if conversation.fallbacks_in_a_row >= FALLBACKS_BEFORE_HANDOFF {
        candidates.push(HandoffDecision {
            reason: HandoffReason::LowConfidence,
            priority: Priority::Normal,
        });
    }
    let priority = candidates.iter().map(|c| c.priority).max()?;
    let reason = candidates
        .iter()
        .max_by_key(|c| (c.priority, severity(c.reason)))
        .map(|c| c.reason)?;
    Some(HandoffDecision { reason, priority })
}

/// Among reasons of equal priority, the one an agent most needs to know.
fn severity(reason: HandoffReason) -> u8 {
    match reason {
        HandoffReason::UrgentIntent => 7,
        HandoffReason::EscalationThreat => 6,
        HandoffReason::CommitmentMissed => 5,
        HandoffReason::HighEmotion => 4,
        HandoffReason::Policy => 3,
        HandoffReason::CustomerRequest => 2,
        HandoffReason::LowConfidence => 1,
    }
}
