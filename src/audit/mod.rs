//! Why the bot said what it said: one record per customer turn, written in the turn's
//! transaction, for compliance reviews months later and for content staff today. It keeps
//! the content version in service, what was understood (the candidates and their scores,
//! the threshold, the out-of-scope decision, entities, feeling and cues), how the
//! conversation moved (state before and after, slots taken, notices told), which template,
//! notice or knowledge-base entry produced each sentence, the handoff and the rule behind
//! it, the promises made, and how long each stage took. Every text in it is
//! [`MaskedText`]: the type keeps personal data out, as it does for the transcript.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Channel, EmotionLabel, EntityKind, IntentId, Locale};
use crate::privacy::MaskedText;

/// The record's shape; readers (exports, archives) check it before trusting the fields.
pub const AUDIT_SCHEMA_VERSION: u32 = 1;

/// One customer turn, explained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditRecord {
    pub schema_version: u32,
    pub conversation_id: String,
    /// The turn's number in its conversation (1 is the first).
    pub turn: u32,
    pub at: DateTime<Utc>,
    /// The content in service (`GET /admin/content`'s version).
    pub content_version: String,
    pub channel: Channel,
    pub locale: Locale,
    /// What the customer wrote or said, masked as the transcript keeps it; `null` for a
    /// turn with no words (keys, events). Added after the first records: older ones lack
    /// it, and read as `null`.
    #[serde(default)]
    pub message: Option<MaskedText>,
    pub understanding: Understood,
    pub dialogue: DialogueTrace,
    /// Each paragraph of the reply with what produced it.
    pub reply: Vec<Sentence>,
    /// `null`: no handoff this turn.
    pub handoff: Option<HandoffTrace>,
    pub commitments: Vec<CommitmentTrace>,
    pub timings_us: Timings,
}

/// What was heard and understood.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Understood {
    /// `text`, `speech`, `keys`, `menu`, `event` or `nothing`.
    pub heard: String,
    /// The intent taken; `null`: nothing was confident enough (out of scope).
    pub intent: Option<Candidate>,
    /// The best intents, best first, with their scores.
    pub candidates: Vec<Candidate>,
    /// The confidence below which the best intent is not trusted (the locale's).
    pub threshold: f32,
    /// Nothing passed the threshold: the bot fell back (or answered from the FAQ).
    pub out_of_scope: bool,
    /// The knowledge base's nearest entries, with their scores.
    pub faq: Vec<FaqCandidate>,
    pub entities: Vec<EntityTrace>,
    pub emotion: EmotionLabel,
    pub emotion_intensity: f32,
    /// `regulator`, `media`, `legal`.
    pub risk: Vec<String>,
    pub expectations: Vec<String>,
    /// Intents whose handoff cue phrases the message contains.
    pub cues: Vec<IntentId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Candidate {
    pub intent: IntentId,
    pub score: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FaqCandidate {
    pub entry: String,
    pub score: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EntityTrace {
    pub kind: EntityKind,
    /// The normalised value, masked.
    pub value: MaskedText,
}

/// How the conversation moved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DialogueTrace {
    /// `active/listening`, `active/confirmation`, `handed_off`, …
    pub before: String,
    pub after: String,
    /// Slots whose value this turn set or changed (masked).
    pub slots: Vec<SlotChange>,
    /// Crisis notices whose statement this turn gave.
    pub notices: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SlotChange {
    pub intent: IntentId,
    pub slot: String,
    pub value: MaskedText,
}

/// A paragraph of the reply and where its words come from: template keys
/// (`atm_cash_retention.guidance#0.1`: intent file, part, rule, variant;
/// `_replies.opening#2.0`), `notice:<id>` or `faq:<id>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Sentence {
    pub text: MaskedText,
    pub sources: Vec<String>,
}

/// A handoff this turn made, and the rule that made it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HandoffTrace {
    pub reason: String,
    pub priority: String,
    /// In words: which rule fired (`the customer asked for a person`, …).
    pub rule: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CommitmentTrace {
    pub id: String,
    pub intent: IntentId,
    pub template: String,
    /// The bank date promised.
    pub due_by: String,
}

/// Microseconds per stage of the turn (the save is after the record is written).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Timings {
    pub load: u64,
    pub understand: u64,
    pub dialogue: u64,
    pub reply: u64,
    pub record: u64,
}
