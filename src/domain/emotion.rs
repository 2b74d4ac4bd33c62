//! How the customer feels, and what a complaining customer wants (seed 001's five
//! expectations). Both are detected from content lexicons, never from Rust word lists.

use serde::{Deserialize, Serialize};

/// The emotion labels of the API contract.
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
#[serde(rename_all = "lowercase")]
pub enum EmotionLabel {
    #[default]
    Neutral,
    Anxious,
    Angry,
    Sad,
    Satisfied,
}

impl EmotionLabel {
    /// The labels a lexicon can list words for (`neutral` is the absence of cues).
    pub const CUED: [EmotionLabel; 4] = [
        EmotionLabel::Anxious,
        EmotionLabel::Angry,
        EmotionLabel::Sad,
        EmotionLabel::Satisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EmotionLabel::Neutral => "neutral",
            EmotionLabel::Anxious => "anxious",
            EmotionLabel::Angry => "angry",
            EmotionLabel::Sad => "sad",
            EmotionLabel::Satisfied => "satisfied",
        }
    }
}

/// What a complaining customer expects (seed 001): carried into the handoff summary.
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
#[serde(rename_all = "lowercase")]
pub enum Expectation {
    /// To be taken seriously.
    Psychological,
    /// To have the feelings acknowledged.
    Emotional,
    /// To have the loss made good.
    Compensation,
    /// To see someone held responsible.
    Accountability,
    /// To see the bank do better.
    Improvement,
}
