//! Finding the demands of one message and the entities that belong to each, and filling
//! slots from entities.

use std::collections::BTreeMap;

use super::ledger::SlotValue;
use crate::content::{Intent, LocaleContent};
use crate::domain::{EntityKind, SlotName};
use crate::nlu::{Entity, MessageUnderstanding};
use crate::privacy;

/// A clause's intent must be at least this confident to count as a demand of its own:
/// a half-understood fragment must not open a phantom demand.
pub const CLAUSE_DEMAND_CONFIDENCE: f32 = 0.5;

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
    // (intent, start, end) of each clause that raises a demand.
    let mut found: Vec<(&Intent, usize, usize)> = message
        .clauses
        .iter()
        .filter_map(|c| {
            let scored = c
                .intent
                .as_ref()
                .filter(|s| s.confidence >= CLAUSE_DEMAND_CONFIDENCE)
                // A clause is short and easily misread (`我要转账` alone looks like a late
                // transfer); the whole message must agree that the demand is in it.
                .filter(|s| message.whole.candidates.iter().any(|w| w.id == s.id))?;
            Some((demand(&scored.id)?, c.start, c.end))
        })
        .collect();
    if let Some(whole) = message.whole.intent.as_ref().and_then(|s| demand(&s.id)) {
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
