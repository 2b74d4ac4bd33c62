//! Handing a customer to a human agent: the structured summary an agent reads first
//! (`../shared/spec/api.md`, "Handoffs"), built from the conversation when the dialogue
//! decides to hand off. Everything in it is masked: it travels to agent desks.

mod summary;

pub use summary::{
    DemandSummary, EmotionSummary, HandoffSummary, RiskSummary, SummaryLine, summarize,
};
