//! The situation a reply is chosen for, and matching template rules against it.

use crate::content::{Conditions, IntentKind, Part, Rule, Strength};
use crate::domain::{Channel, EmotionLabel, HandoffReason, Segment};

/// At or above this intensity a feeling is strong: the opening says more.
pub const STRONG_FEELING: f32 = 0.6;

/// What the template conditions are tested against.
#[derive(Clone, Debug, Default)]
pub struct Situation {
    pub emotion: EmotionLabel,
    pub intensity: f32,
    pub segment: Option<Segment>,
    pub channel: Channel,
    pub kind: Option<IntentKind>,
    pub reason: Option<HandoffReason>,
}

impl Situation {
    fn strength(&self) -> Strength {
        if self.intensity >= STRONG_FEELING {
            Strength::Strong
        } else {
            Strength::Mild
        }
    }

    pub fn matches(&self, when: &Conditions) -> bool {
        when.emotion.is_none_or(|e| e == self.emotion)
            && when.strength.is_none_or(|s| s == self.strength())
            && when
                .segment
                .as_ref()
                .is_none_or(|s| Some(s) == self.segment.as_ref())
            && when.channel.is_none_or(|c| c == self.channel)
            && when.kind.is_none_or(|k| Some(k) == self.kind)
            && when.reason.is_none_or(|r| Some(r) == self.reason)
    }

    /// The first rule of a part that applies.
    pub fn first_match<'p>(&self, part: &'p Part) -> Option<(usize, &'p Rule)> {
        part.rules
            .iter()
            .enumerate()
            .find(|(_, rule)| self.matches(&rule.when))
    }
}
