//! Reading the message against what the bot was waiting for: read-only questions the
//! turn asks before it decides anything (is this a yes? does it answer the question? does
//! it raise something else?). Nothing here changes the conversation.

use std::collections::BTreeMap;

use super::{CLEAR_NEW_DEMAND, Turn};
use crate::content::{ConversationAct as Act, Intent};
use crate::dialogue::demands;
use crate::dialogue::ledger::DemandIndex;
use crate::domain::{FollowUpId, SlotName};

impl<'c> Turn<'_, 'c> {
    /// Whether the whole message is the conversational act `act`.
    pub(super) fn is(&self, act: Act) -> bool {
        self.intent.is_some_and(|i| i.act == Some(act))
    }

    /// A goodbye, also at the end of a longer message (`没有了,谢谢,再见`).
    pub(super) fn says_goodbye(&self) -> bool {
        self.is(Act::Goodbye)
            || self
                .input
                .understanding
                .clauses
                .last()
                .and_then(|c| c.intent.as_ref())
                .and_then(|s| self.content.intent(&s.id))
                .is_some_and(|i| i.act == Some(Act::Goodbye))
    }

    /// The intent of a demand in the ledger.
    pub(super) fn intent_of(&self, at: DemandIndex) -> Option<&'c Intent> {
        let id = &self.conversation.ledger.get(at)?.intent;
        self.content.intent(id)
    }

    /// Whether the message raises a demand other than `demand`.
    pub(super) fn raises_other_than(&self, demand: DemandIndex) -> bool {
        let current = self.conversation.ledger.get(demand).map(|d| &d.intent);
        self.mentions.iter().any(|m| Some(&m.intent.id) != current)
    }

    /// Whether the message holds a value for `slot` of `demand` (`人民路支行` when asked
    /// where): then it answers the question, whatever else the matcher thinks it is.
    pub(super) fn answers(&self, demand: DemandIndex, slot: &SlotName) -> bool {
        let Some(intent) = self.intent_of(demand) else {
            return false;
        };
        if demands::is_text_slot(intent, slot) {
            // Anything said in answer to "which product?" is the product's name, unless
            // it is plainly something else: a yes or no, a goodbye, or a clear new demand.
            let plainly_else = self
                .input
                .understanding
                .whole
                .intent
                .as_ref()
                .is_some_and(|s| {
                    s.id != intent.id
                        && (s.confidence >= CLEAR_NEW_DEMAND
                            || self.content.intent(&s.id).is_some_and(|i| !i.is_demand()))
                });
            return !plainly_else && self.input.text.is_some();
        }
        if self.bare_amount_for(intent, slot).is_some() {
            return true;
        }
        let mut probe = BTreeMap::new();
        demands::fill_slots(
            intent,
            &mut probe,
            &self.input.understanding.whole.entities,
            false,
        );
        probe.contains_key(slot)
    }

    /// A message that is only a number (`500`), when the question was "how much?": the
    /// amount, though no unit was said.
    pub(super) fn bare_amount_for(&self, intent: &Intent, slot: &SlotName) -> Option<String> {
        let asks_amount = intent
            .slot(slot)
            .is_some_and(|s| s.entity == crate::domain::EntityKind::Amount);
        asks_amount
            .then(|| self.input.text.and_then(crate::nlu::bare_number))
            .flatten()
    }

    /// The follow-up worry the message raises about one of the customer's cases (the
    /// latest first), unless it clearly raises a new demand instead.
    pub(super) fn follow_up(&self) -> Option<(DemandIndex, FollowUpId)> {
        let raised = &self.input.understanding.whole.follow_ups;
        if raised.is_empty() {
            return None;
        }
        let ledger = self.conversation.ledger.all();
        let new_demand = self
            .mentions
            .iter()
            .any(|m| !ledger.iter().any(|d| d.intent == m.intent.id));
        let sure = self
            .input
            .understanding
            .whole
            .intent
            .as_ref()
            .is_some_and(|s| s.confidence >= CLEAR_NEW_DEMAND);
        // A short question right after a case (`会影响征信吗` after a fee dispute) is about
        // that case, whatever intent it would have on its own; a longer message that
        // clearly raises something new is something new.
        let several_clauses = !self.input.understanding.clauses.is_empty();
        if new_demand && sure && several_clauses {
            return None;
        }
        ledger.iter().enumerate().rev().find_map(|(at, d)| {
            raised
                .iter()
                .find(|(intent, _)| *intent == d.intent)
                .map(|(_, worry)| (at, worry.clone()))
        })
    }

    /// Whether the message only says more about `demand`: words that are no other
    /// intent (or this demand's own), with no act in them.
    pub(super) fn adds_detail_to(&self, demand: DemandIndex) -> bool {
        let current = self.conversation.ledger.get(demand).map(|d| &d.intent);
        let about_it = match self.intent {
            None => true,
            Some(intent) => Some(&intent.id) == current,
        };
        about_it && self.input.text.is_some_and(|t| !t.trim().is_empty())
    }

    /// Whether the message gives a slot of `demand` a value other than the one held
    /// (`是三千块` after "两千块, right?" is a correction, however it starts).
    pub(super) fn changes_slots(&self, demand: DemandIndex) -> bool {
        let (Some(intent), Some(held)) =
            (self.intent_of(demand), self.conversation.ledger.get(demand))
        else {
            return false;
        };
        let mut probe = held.slots.clone();
        demands::fill_slots(
            intent,
            &mut probe,
            &self.input.understanding.whole.entities,
            true,
        );
        probe != held.slots
    }
}
