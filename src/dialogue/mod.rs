//! Conversations: per-conversation state, the demand ledger, slot filling, restating and
//! confirming, the handoff decision, and the plan of each reply in the four steps
//! (soothe → restate and confirm → guide → commit). Wording is `reply`'s concern.

mod calendar;
mod conversation;
mod demands;
mod engine;
mod escalation;
mod hearing;
mod ledger;
mod ownership;
mod plan;
mod summary;

pub use calendar::{
    BankTime, DEFAULT_DUE_SOON_WORKING_HOURS, Due, end_of_day, working_hours_before,
};
pub use conversation::{
    CommitmentMade, Conversation, ConversationState, EarlierPromise, HandoffRef, Phase, Returned,
    ToldNotice,
};
pub use demands::opened_by;
pub use engine::{SILENCES_BEFORE_HANDOFF, Speech, TurnInput, take_turn};
pub use escalation::{FALLBACKS_BEFORE_HANDOFF, HIGH_ANGER};
pub use hearing::{Heard, IvrEvent, TurnRequest, hear};
pub use ledger::{Demand, DemandIndex, DemandLedger, DemandStatus, SlotValue};
pub use ownership::{Claimed, OwnershipError, ReleaseOutcome, Released, claim, owner, release};
pub use plan::{HandoffDecision, Step, TurnPlan};
pub use summary::{
    CommitmentSummary, DemandSummary, EmotionSummary, HandoffSummary, RiskSummary, SummaryLine,
};
