//! How the customer feels, and what a complaining customer wants (seed 001's five
//! expectations). Both are detected from content lexicons, never from Rust word lists.

use serde::{Deserialize, Serialize};

use super::vocab_enum;

vocab_enum! {
    /// The emotion labels of the API contract.
    #[derive(Default, Serialize, Deserialize)]
    pub enum EmotionLabel ("emotion") {
        #[default]
        Neutral = "neutral",
        Anxious = "anxious",
        Angry = "angry",
        Sad = "sad",
        Satisfied = "satisfied",
    }
}

impl EmotionLabel {
    /// The labels a lexicon can list words for (`neutral` is the absence of cues).
    pub const CUED: [EmotionLabel; 4] = [
        EmotionLabel::Anxious,
        EmotionLabel::Angry,
        EmotionLabel::Sad,
        EmotionLabel::Satisfied,
    ];
}

vocab_enum! {
    /// What a complaining customer expects (seed 001): carried into the handoff summary.
    #[derive(Serialize, Deserialize)]
    pub enum Expectation ("expectation") {
        /// To be taken seriously.
        Psychological = "psychological",
        /// To have the feelings acknowledged.
        Emotional = "emotional",
        /// To have the loss made good.
        Compensation = "compensation",
        /// To see someone held responsible.
        Accountability = "accountability",
        /// To see the bank do better.
        Improvement = "improvement",
    }
}
