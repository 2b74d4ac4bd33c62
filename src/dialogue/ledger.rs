//! The demand ledger: every demand the customer raises, with its slots and status, until
//! it is addressed or handed to a human. Closing while a demand is still open is the
//! pitfall it exists to prevent (seed 001: "客户的问题,仅处理了80%就结案了").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{IntentId, SlotName, TraitName};
use crate::privacy::MaskedText;

/// Where a demand stands (API contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DemandStatus {
    Open,
    Addressed,
    HandedOff,
}

/// A slot's value: normalised (`2000`, `2026-11-23T15:00`) and as the customer said it
/// (masked), which is what a restatement says back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotValue {
    pub value: MaskedText,
    pub said: MaskedText,
}

/// One demand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Demand {
    pub intent: IntentId,
    pub status: DemandStatus,
    pub slots: BTreeMap<SlotName, SlotValue>,
    /// The turn in which the customer raised it.
    pub raised_at_turn: u32,
    /// Details the customer added that fill no slot (masked), for the agent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<MaskedText>,
    /// Whether the bot has given this demand's guidance (the rules) already.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub guided: bool,
    /// What the customer's words showed about the case (`operation: deposit`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub traits: BTreeMap<TraitName, TraitName>,
}

/// The position of a demand in the ledger.
pub type DemandIndex = usize;

/// Every demand of a conversation, in the order raised.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DemandLedger {
    demands: Vec<Demand>,
}

impl DemandLedger {
    /// Records a demand unless the same intent is already open; returns its index and
    /// whether it is new. A demand that was addressed and is raised again is reopened:
    /// the customer is telling us it is not settled.
    pub fn raise(&mut self, intent: &IntentId, turn: u32) -> (DemandIndex, bool) {
        if let Some(at) = self
            .demands
            .iter()
            .position(|d| &d.intent == intent && d.status != DemandStatus::HandedOff)
        {
            let reopened = self.demands[at].status == DemandStatus::Addressed;
            if reopened {
                self.demands[at].status = DemandStatus::Open;
            }
            return (at, false);
        }
        self.demands.push(Demand {
            intent: intent.clone(),
            status: DemandStatus::Open,
            slots: BTreeMap::new(),
            raised_at_turn: turn,
            notes: Vec::new(),
            guided: false,
            traits: BTreeMap::new(),
        });
        (self.demands.len() - 1, true)
    }

    pub fn get(&self, at: DemandIndex) -> Option<&Demand> {
        self.demands.get(at)
    }

    pub fn get_mut(&mut self, at: DemandIndex) -> Option<&mut Demand> {
        self.demands.get_mut(at)
    }

    pub fn all(&self) -> &[Demand] {
        &self.demands
    }

    /// Open demands, oldest first.
    pub fn open(&self) -> impl Iterator<Item = (DemandIndex, &Demand)> {
        self.demands
            .iter()
            .enumerate()
            .filter(|(_, d)| d.status == DemandStatus::Open)
    }

    /// The oldest open demand.
    pub fn first_open(&self) -> Option<DemandIndex> {
        self.open().next().map(|(at, _)| at)
    }

    pub fn has_open(&self) -> bool {
        self.open().next().is_some()
    }

    pub fn mark_addressed(&mut self, at: DemandIndex) {
        if let Some(demand) = self.demands.get_mut(at) {
            demand.status = DemandStatus::Addressed;
        }
    }

    /// At a handoff every open demand goes to the human with the conversation.
    pub fn hand_off_open(&mut self) {
        for demand in &mut self.demands {
            if demand.status == DemandStatus::Open {
                demand.status = DemandStatus::HandedOff;
            }
        }
    }

    /// An agent resolved the conversation: what they were handed is settled.
    pub fn settle_handed_off(&mut self) {
        self.set_handed_off(DemandStatus::Addressed);
    }

    /// An agent gave the conversation back to the bot: what they were handed is open
    /// again, for the bot to carry on with.
    pub fn reopen_handed_off(&mut self) {
        self.set_handed_off(DemandStatus::Open);
    }

    fn set_handed_off(&mut self, status: DemandStatus) {
        for demand in &mut self.demands {
            if demand.status == DemandStatus::HandedOff {
                demand.status = status;
            }
        }
    }

    /// Every slot of every demand, later demands winning on a name clash (for the API's
    /// flat `slots` object).
    pub fn all_slots(&self) -> BTreeMap<SlotName, SlotValue> {
        self.demands.iter().flat_map(|d| d.slots.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> IntentId {
        IntentId::parse(s).unwrap()
    }

    #[test]
    fn raising_an_open_demand_again_does_not_duplicate_it() {
        let mut ledger = DemandLedger::default();
        assert_eq!(ledger.raise(&id("atm_cash_retention"), 1), (0, true));
        assert_eq!(ledger.raise(&id("fee_dispute"), 1), (1, true));
        assert_eq!(ledger.raise(&id("atm_cash_retention"), 2), (0, false));
        assert_eq!(ledger.open().count(), 2);
    }

    #[test]
    fn an_addressed_demand_raised_again_is_reopened() {
        let mut ledger = DemandLedger::default();
        ledger.raise(&id("transfer_delay"), 1);
        ledger.mark_addressed(0);
        assert!(!ledger.has_open());
        ledger.raise(&id("transfer_delay"), 3);
        assert!(ledger.has_open());
    }

    #[test]
    fn a_handoff_takes_every_open_demand_but_not_addressed_ones() {
        let mut ledger = DemandLedger::default();
        ledger.raise(&id("a"), 1);
        ledger.raise(&id("b"), 1);
        ledger.mark_addressed(0);
        ledger.hand_off_open();
        assert_eq!(ledger.all()[0].status, DemandStatus::Addressed);
        assert_eq!(ledger.all()[1].status, DemandStatus::HandedOff);
    }
}
