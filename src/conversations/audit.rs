//! The turn's audit record (`crate::audit`), put together from what each stage left: the
//! understanding before the dialogue takes it, the conversation before and after, the
//! reply's parts and their sources, the handoff and the promises, and the stage times.

use std::time::Instant;

use crate::audit::{
    AUDIT_SCHEMA_VERSION, AuditRecord, Candidate, CommitmentTrace, DialogueTrace, EntityTrace,
    FaqCandidate, HandoffTrace, Sentence, SlotChange, Timings, Understood,
};
use crate::content::LocaleContent;
use crate::dialogue::{Conversation, ConversationState, TurnPlan, TurnRequest};
use crate::domain::{Channel, HandoffReason};
use crate::nlu::MessageUnderstanding;
use crate::privacy::{MaskedText, mask};
use crate::reply::Reply;
use crate::store::StoredCommitment;

/// The stage clock of one turn.
pub(super) struct Stopwatch {
    last: Instant,
    pub(super) timings: Timings,
}

impl Stopwatch {
    pub(super) fn start() -> Stopwatch {
        Stopwatch {
            last: Instant::now(),
            timings: Timings::default(),
        }
    }

    /// Microseconds since the last lap.
    pub(super) fn lap(&mut self) -> u64 {
        let now = Instant::now();
        let us = now.duration_since(self.last).as_micros();
        self.last = now;
        u64::try_from(us).unwrap_or(u64::MAX)
    }
}

/// The conversation's state as the record names it: `active/<waiting for>` or the state.
pub(super) fn state_name(state: &ConversationState) -> String {
    match state {
        ConversationState::Active { phase } => {
            let waiting = serde_json::to_value(phase)
                .ok()
                .and_then(|v| v["waiting_for"].as_str().map(str::to_string))
                .unwrap_or_default();
            format!("active/{waiting}")
        }
        other => other.as_str().to_string(),
    }
}

/// Every slot value of the conversation, as (intent, slot, value).
pub(super) fn slots_of(conversation: &Conversation) -> Vec<SlotChange> {
    conversation
        .ledger
        .all()
        .iter()
        .flat_map(|d| {
            d.slots.iter().map(|(name, value)| SlotChange {
                intent: d.intent.clone(),
                slot: name.as_str().to_string(),
                value: value.value.clone(),
            })
        })
        .collect()
}

/// How the message came.
fn heard_as(request: &TurnRequest, channel: Channel) -> &'static str {
    match (
        &request.event,
        &request.chosen,
        &request.text,
        &request.dtmf,
    ) {
        (Some(_), _, _, _) => "event",
        (None, Some(_), _, _) => "menu",
        (None, None, Some(_), _) if request.spoken || channel == Channel::Ivr => "speech",
        (None, None, Some(_), _) => "text",
        (None, None, None, Some(_)) => "keys",
        (None, None, None, None) => "nothing",
    }
}

/// What was understood, taken before the dialogue consumes the understanding.
pub(super) fn understood(
    understanding: &MessageUnderstanding,
    request: &TurnRequest,
    channel: Channel,
    content: &LocaleContent,
) -> Understood {
    let whole = &understanding.whole;
    let candidate = |i: &crate::nlu::ScoredIntent| Candidate {
        intent: i.id.clone(),
        score: i.confidence,
    };
    let risk = &whole.risk;
    Understood {
        heard: heard_as(request, channel).to_string(),
        intent: whole.intent.as_ref().map(candidate),
        candidates: whole.candidates.iter().map(candidate).collect(),
        threshold: content.out_of_scope.threshold,
        out_of_scope: whole.intent.is_none(),
        faq: whole
            .faq_candidates
            .iter()
            .map(|f| FaqCandidate {
                entry: f.id.as_str().to_string(),
                score: f.score,
            })
            .collect(),
        entities: whole
            .entities
            .iter()
            .map(|e| EntityTrace {
                kind: e.kind,
                value: e.value.clone(),
            })
            .collect(),
        emotion: whole.emotion.label,
        emotion_intensity: whole.emotion.intensity,
        risk: [
            (risk.regulator, "regulator"),
            (risk.media, "media"),
            (risk.legal, "legal"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name.to_string())
        .collect(),
        expectations: whole
            .expectations
            .iter()
            .map(|e| format!("{e:?}").to_lowercase())
            .collect(),
        cues: whole.cued.clone(),
    }
}

/// The reply's paragraphs with their sources, their text cut from the masked reply (the
/// paragraphs are joined by one line break, and masking keeps every character's place).
fn sentences(reply: Option<&Reply>, masked: Option<&MaskedText>) -> Vec<Sentence> {
    let Some(reply) = reply else {
        return Vec::new();
    };
    let mut start = 0;
    reply
        .parts
        .iter()
        .map(|part| {
            let length = part.text.chars().count();
            let text = match masked {
                Some(masked) => masked.slice(start, start + length),
                None => mask(&part.text),
            };
            start += length + 1;
            Sentence {
                text,
                sources: part.sources.clone(),
            }
        })
        .collect()
}

/// The rule behind a handoff, in words.
fn rule_of(reason: HandoffReason) -> &'static str {
    match reason {
        HandoffReason::CustomerRequest => "the customer asked for a person",
        HandoffReason::LowConfidence => {
            "the bot could not understand the customer several times in a row"
        }
        HandoffReason::HighEmotion => "the customer's anger or distress stayed high",
        HandoffReason::EscalationThreat => "the customer named a regulator, the media or a lawyer",
        HandoffReason::UrgentIntent => {
            "the intent is urgent (its content says a person handles it)"
        }
        HandoffReason::Policy => "the intent's handoff policy in the content",
        HandoffReason::CommitmentMissed => "a promise made to the customer earlier was missed",
    }
}

/// What the turn left behind, for [`record`].
pub(super) struct Traces<'a> {
    pub understood: Understood,
    pub before: String,
    pub slots_before: Vec<SlotChange>,
    pub plan: &'a TurnPlan,
    pub reply: Option<&'a Reply>,
    /// The reply as the transcript keeps it (masked once; its paragraphs are cut from it).
    pub reply_masked: Option<&'a MaskedText>,
    /// The customer's message as the transcript keeps it (masked).
    pub message_masked: Option<&'a MaskedText>,
    pub commitments: &'a [StoredCommitment],
    pub content_version: &'a str,
    pub timings: Timings,
}

/// The record of a turn of `conversation` (as it is after the turn).
pub(super) fn record(
    conversation: &Conversation,
    traces: Traces<'_>,
    at: chrono::DateTime<chrono::Utc>,
) -> AuditRecord {
    let slots = slots_of(conversation)
        .into_iter()
        .filter(|s| !traces.slots_before.contains(s))
        .collect();
    let told = traces
        .reply
        .iter()
        .flat_map(|r| &r.parts)
        .flat_map(|p| &p.sources)
        .filter_map(|s| s.strip_prefix("notice:"))
        .map(str::to_string)
        .collect();
    AuditRecord {
        schema_version: AUDIT_SCHEMA_VERSION,
        conversation_id: conversation.id.as_str().to_string(),
        turn: conversation.turn,
        at,
        content_version: traces.content_version.to_string(),
        channel: conversation.channel,
        locale: conversation.locale,
        message: traces.message_masked.cloned(),
        understanding: traces.understood,
        dialogue: DialogueTrace {
            before: traces.before,
            after: state_name(&conversation.state),
            slots,
            notices: told,
        },
        reply: sentences(traces.reply, traces.reply_masked),
        handoff: traces.plan.handoff.map(|h| HandoffTrace {
            reason: h.reason.as_str().to_string(),
            priority: h.priority.as_str().to_string(),
            rule: rule_of(h.reason).to_string(),
        }),
        commitments: traces
            .commitments
            .iter()
            .map(|c| CommitmentTrace {
                id: c.id.as_str().to_string(),
                intent: c.intent.clone(),
                template: c.template.clone(),
                due_by: c.due_by.to_string(),
            })
            .collect(),
        timings_us: traces.timings,
    }
}
