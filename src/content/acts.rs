//! The conversational acts the dialogue itself relies on: yes, no, thanks, goodbye and
//! "a person, please". They are ordinary intents in content (examples, replies), but the
//! dialogue's rules name them, so every locale must have them: [`Catalog::load`] refuses a
//! locale that lacks one, and each intent knows its act from the moment it is loaded.
//!
//! [`Catalog::load`]: super::Catalog::load

use crate::domain::IntentId;

/// An act the dialogue's rules answer in their own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConversationAct {
    /// "Yes": confirms a restatement or held speech, says the guidance helped.
    Affirm,
    /// "No": corrects a restatement, rejects held speech, says the guidance did not help.
    Deny,
    Thanks,
    /// Ends the conversation once nothing is open.
    Goodbye,
    /// The customer asks for a person.
    HumanAgent,
}

impl ConversationAct {
    pub const ALL: [ConversationAct; 5] = [
        ConversationAct::Affirm,
        ConversationAct::Deny,
        ConversationAct::Thanks,
        ConversationAct::Goodbye,
        ConversationAct::HumanAgent,
    ];

    /// The id of the intent that carries this act in every locale.
    pub fn intent_id(self) -> &'static str {
        match self {
            ConversationAct::Affirm => "affirm",
            ConversationAct::Deny => "deny",
            ConversationAct::Thanks => "thanks",
            ConversationAct::Goodbye => "goodbye",
            ConversationAct::HumanAgent => "human_agent",
        }
    }

    /// The act an intent stands for, if any.
    pub fn of(intent: &IntentId) -> Option<ConversationAct> {
        ConversationAct::ALL
            .into_iter()
            .find(|act| act.intent_id() == intent.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_act_is_found_by_its_intent_id_and_other_intents_are_none() {
        for act in ConversationAct::ALL {
            let id = IntentId::parse(act.intent_id()).unwrap();
            assert_eq!(ConversationAct::of(&id), Some(act));
        }
        let other = IntentId::parse("atm_cash_retention").unwrap();
        assert_eq!(ConversationAct::of(&other), None);
    }
}
