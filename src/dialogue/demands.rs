//! Finding the demands of one message and the entities that belong to each, and filling
//! slots from entities.

use std::collections::BTreeMap;

use super::ledger::SlotValue;
use crate::content::{HandoffWhen, Intent, LocaleContent};
use crate::domain::{EntityKind, IntentId, SlotName};
use crate::nlu::{Entity, MessageUnderstanding};
use crate::privacy;

/// A clause opens a demand of its own only when it names the problem in the intent's own
/// words (its keywords) and the matcher agrees at least this much; most clauses only
/// give a reason, a place or a time (`我要给他转账` as the reason for asking), and a phantom
/// demand is worse than one the customer has to repeat. Measured with
/// `frontline eval --demands tests/demands/*.yaml`.
pub const CLAUSE_DEMAND_CONFIDENCE: f32 = 0.5;

/// Without its problem phrases, a clause opens a demand only when the matcher is this
/// sure of the clause...
pub const CLAUSE_DEMAND_CERTAIN: f32 = 0.99;

/// ...and the message as a whole gives that intent at least this weight: a clause read
/// with certainty that the whole message all but rules out is background (`去存定期` in a
/// story about a wealth product sold as if it were a deposit), not a second problem.
pub const CLAUSE_DEMAND_WHOLE_SUPPORT: f32 = 0.003;

/// A demand mentioned in a message, with the entities said about it.
pub struct Mention<'c> {
    pub intent: &'c Intent,
    pub entities: Vec<Entity>,
}

/// The demands of a message, in the order the customer raised them.
pub fn mentions<'c>(
    message: &MessageUnderstanding,
    content: &'c LocaleContent,
) -> Vec<Mention<'c>> {
    let demand = |id| content.intent(id).filter(|i| i.is_demand());
    let whole_weight = |id: &IntentId| {
        message
            .whole
            .candidates
            .iter()
            .find(|c| &c.id == id)
            .map_or(0.0, |c| c.confidence)
    };
    // (intent, start, end) of each clause that raises a demand.
    let mut found: Vec<(&Intent, usize, usize)> = message
        .clauses
        .iter()
        .filter(|c| !c.settled)
        .filter_map(|c| {
            let scored = c.intent.as_ref().filter(|s| {
                let named = c.named.contains(&s.id);
                (named && s.confidence >= CLAUSE_DEMAND_CONFIDENCE)
                    || (s.confidence >= CLAUSE_DEMAND_CERTAIN
                        && whole_weight(&s.id) >= CLAUSE_DEMAND_WHOLE_SUPPORT)
            })?;
            Some((demand(&scored.id)?, c.start, c.end))
        })
        .collect();
    // A demand whose handoff cue the message names (`12378`, a lawyer) is raised wherever
    // the cue stands: naming the regulator is the escalation, whatever else is said.
    for id in &message.whole.cued {
        if let Some(intent) = demand(id).filter(|i| i.handoff.when == HandoffWhen::Immediately) {
            found.push((intent, 0, usize::MAX));
        }
    }
    let whole = message.whole.intent.as_ref().and_then(|s| demand(&s.id));
    if let Some(whole) = whole.filter(|w| !only_settled(message, &w.id)) {
        if !found.iter().any(|(i, _, _)| i.id == whole.id) {
            found.insert(0, (whole, 0, usize::MAX));
        }
    }
    let mut unique: Vec<(&Intent, usize, usize)> = Vec::new();
    for (intent, start, end) in found {
        if !unique.iter().any(|(i, _, _)| i.id == intent.id) {
            unique.push((intent, start, end));
        }
    }
    let mut out: Vec<Mention> = unique
        .iter()
        .map(|(intent, _, _)| Mention {
            intent,
            entities: Vec::new(),
        })
        .collect();
    if out.is_empty() {
        return out;
    }
    for entity in &message.whole.entities {
        // The clause that holds the entity; else the closest clause before it; else the first.
        let owner = unique
            .iter()
            .position(|(_, s, e)| *s <= entity.start && entity.start < *e && *e != usize::MAX)
            .or_else(|| {
                unique
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, s, e))| *e != usize::MAX && *s <= entity.start)
                    .max_by_key(|(_, (_, s, _))| *s)
                    .map(|(i, _)| i)
            })
            .unwrap_or(0);
        out[owner].entities.push(entity.clone());
    }
    out
}

/// Whether the message speaks of `intent` only to say it is settled or not a problem
/// (`我不是要挂失,就是问问春节几号开门`).
fn only_settled(message: &MessageUnderstanding, intent: &IntentId) -> bool {
    if message.clauses.is_empty() {
        return message.whole.settled;
    }
    let about: Vec<_> = message
        .clauses
        .iter()
        .filter(|c| c.intent.as_ref().is_some_and(|s| &s.id == intent))
        .collect();
    !about.is_empty() && about.iter().all(|c| c.settled)
}

/// The demands a first message opens, in order: what `frontline eval --demands`
/// measures.
pub fn opened_by(message: &MessageUnderstanding, content: &LocaleContent) -> Vec<IntentId> {
    mentions(message, content)
        .into_iter()
        .map(|m| m.intent.id.clone())
        .collect()
}

fn slot_value(entity: &Entity) -> SlotValue {
    SlotValue {
        value: entity.value.clone(),
        said: entity.text.clone(),
    }
}

/// Fills an intent's empty slots from entities of the matching kind, in slot order.
/// With `overwrite`, a slot already filled takes the new value (a correction). Returns
/// the names of the slots set.
pub fn fill_slots(
    intent: &Intent,
    slots: &mut BTreeMap<SlotName, SlotValue>,
    entities: &[Entity],
    overwrite: bool,
) -> Vec<SlotName> {
    let mut set = Vec::new();
    for entity in entities {
        let target = intent
            .slots
            .iter()
            .filter(|s| s.entity == entity.kind && !set.contains(&s.name))
            .find(|s| overwrite || !slots.contains_key(&s.name));
        if let Some(slot) = target {
            slots.insert(slot.name.clone(), slot_value(entity));
            set.push(slot.name.clone());
        }
    }
    set
}

/// A free-text slot takes the whole answer (masked).
pub fn fill_text_slot(slots: &mut BTreeMap<SlotName, SlotValue>, slot: &SlotName, text: &str) {
    let masked = privacy::mask(text.trim());
    slots.insert(
        slot.clone(),
        SlotValue {
            value: masked.clone(),
            said: masked,
        },
    );
}

/// Whether an intent's slot is free text.
pub fn is_text_slot(intent: &Intent, slot: &SlotName) -> bool {
    intent
        .slot(slot)
        .is_some_and(|s| s.entity == EntityKind::Text)
}
