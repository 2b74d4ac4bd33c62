//! The "promises kept" figures a complaint manager reports: commitments made in the
//! period, how many were fulfilled and how many by their due time, and how many are owed
//! past due now, overall and per intent.

use serde::Serialize;

use crate::domain::IntentId;
use crate::store::CommitmentCount;

/// The promises of one intent (or of all).
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PromiseFigures {
    pub made: u64,
    pub fulfilled: u64,
    pub fulfilled_on_time: u64,
    /// Fulfilled on time, of those made; `null` when none were made.
    pub on_time_rate: Option<f64>,
    /// Made in the period, still owed and past due now.
    pub overdue_now: u64,
}

impl PromiseFigures {
    fn add(&mut self, count: &CommitmentCount) {
        self.made += count.made;
        self.fulfilled += count.fulfilled;
        self.fulfilled_on_time += count.fulfilled_on_time;
        self.overdue_now += count.overdue_now;
        self.on_time_rate =
            (self.made > 0).then(|| self.fulfilled_on_time as f64 / self.made as f64);
    }
}

/// The figures of one intent.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IntentPromises {
    pub intent: IntentId,
    #[serde(flatten)]
    pub figures: PromiseFigures,
}

/// Promises made in a period: totals, and per intent (most made first).
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PromisesKept {
    #[serde(flatten)]
    pub totals: PromiseFigures,
    pub by_intent: Vec<IntentPromises>,
}

/// The figures from the store's counts per intent.
pub fn promises_kept(counts: &[CommitmentCount]) -> PromisesKept {
    let mut kept = PromisesKept::default();
    for count in counts {
        kept.totals.add(count);
        let mut figures = PromiseFigures::default();
        figures.add(count);
        kept.by_intent.push(IntentPromises {
            intent: count.intent.clone(),
            figures,
        });
    }
    kept.by_intent.sort_by(|a, b| {
        b.figures
            .made
            .cmp(&a.figures.made)
            .then_with(|| a.intent.cmp(&b.intent))
    });
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_on_time_rate_is_of_the_promises_made() {
        let count = |intent: &str, made, on_time| CommitmentCount {
            intent: IntentId::parse(intent).unwrap(),
            made,
            fulfilled: on_time,
            fulfilled_on_time: on_time,
            overdue_now: 0,
        };
        let kept = promises_kept(&[count("card_lost", 1, 0), count("atm_cash_retention", 3, 3)]);
        assert_eq!(kept.totals.made, 4);
        assert_eq!(kept.totals.on_time_rate, Some(0.75));
        assert_eq!(kept.by_intent[0].intent.as_str(), "atm_cash_retention");
        assert_eq!(kept.by_intent[1].figures.on_time_rate, Some(0.0));
    }
}
