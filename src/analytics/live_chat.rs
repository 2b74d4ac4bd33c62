//! The live chat's figures: how long customers waited for an agent to claim them, how long
//! agents handled them, how agents released them (resolved, or back to the bot), and how
//! customers rated them, overall and per intent. From the stored handoffs and ratings.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::dialogue::ReleaseOutcome;
use crate::store::AnalyticsRows;

/// The median and the 90th percentile of some durations, in seconds; `null` without any.
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Quantiles {
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

impl Quantiles {
    /// Nearest-rank percentiles of `seconds`.
    fn of(mut seconds: Vec<f64>) -> Quantiles {
        seconds.sort_by(f64::total_cmp);
        let at = |p: f64| {
            let rank = (p * seconds.len() as f64).ceil() as usize;
            seconds.get(rank.saturating_sub(1)).copied()
        };
        Quantiles {
            p50: at(0.5),
            p90: at(0.9),
        }
    }
}

/// Ratings of one intent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IntentRating {
    pub count: u64,
    pub average: Option<f64>,
}

/// The customers' ratings of agents.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Ratings {
    pub count: u64,
    /// 1–5; `null` without ratings.
    pub average: Option<f64>,
    /// Ratings per score, `"1"` to `"5"`, every score present.
    pub distribution: BTreeMap<String, u64>,
    /// Per the handoff's primary intent.
    pub by_intent: BTreeMap<String, IntentRating>,
}

/// Agents in the chat over a period.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LiveChat {
    /// From the handoff to an agent's claim.
    pub claim_wait_seconds: Quantiles,
    /// From the claim to the release.
    pub handling_seconds: Quantiles,
    /// Released as resolved.
    pub resolved: u64,
    /// Given back to the bot.
    pub back_to_bot: u64,
    pub ratings: Ratings,
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds().max(0) as f64 / 1000.0
}

fn average(sum: u64, count: u64) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / count as f64 * 100.0).round() / 100.0)
}

/// The figures from a period's rows.
pub fn live_chat(rows: &AnalyticsRows) -> LiveChat {
    let waits = rows
        .timings
        .iter()
        .filter_map(|t| t.claimed_at.map(|c| seconds(t.created_at, c)))
        .collect();
    let handling = rows
        .timings
        .iter()
        .filter_map(|t| Some(seconds(t.claimed_at?, t.released?.0)))
        .collect();
    let released = |outcome: ReleaseOutcome| {
        rows.timings
            .iter()
            .filter(|t| t.released.is_some_and(|(_, o)| o == outcome))
            .count() as u64
    };
    let mut distribution: BTreeMap<String, u64> =
        (1..=5).map(|score: u8| (score.to_string(), 0)).collect();
    let mut by_intent: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut sum = 0;
    for rating in &rows.ratings {
        *distribution.entry(rating.score.to_string()).or_default() += 1;
        sum += u64::from(rating.score);
        if let Some(intent) = &rating.intent {
            let entry = by_intent.entry(intent.as_str().to_string()).or_default();
            entry.0 += 1;
            entry.1 += u64::from(rating.score);
        }
    }
    let count = rows.ratings.len() as u64;
    LiveChat {
        claim_wait_seconds: Quantiles::of(waits),
        handling_seconds: Quantiles::of(handling),
        resolved: released(ReleaseOutcome::Resolved),
        back_to_bot: released(ReleaseOutcome::BackToBot),
        ratings: Ratings {
            count,
            average: average(sum, count),
            distribution,
            by_intent: by_intent
                .into_iter()
                .map(|(intent, (count, sum))| {
                    (
                        intent,
                        IntentRating {
                            count,
                            average: average(sum, count),
                        },
                    )
                })
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IntentId;
    use crate::store::{HandoffTiming, RatingRow};

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn waits_handling_outcomes_and_ratings_are_summed_up() {
        let rows = AnalyticsRows {
            timings: vec![
                HandoffTiming {
                    created_at: at(0),
                    claimed_at: Some(at(10)),
                    released: Some((at(70), ReleaseOutcome::Resolved)),
                },
                HandoffTiming {
                    created_at: at(0),
                    claimed_at: Some(at(30)),
                    released: Some((at(330), ReleaseOutcome::BackToBot)),
                },
                HandoffTiming {
                    created_at: at(0),
                    claimed_at: None,
                    released: None,
                },
            ],
            ratings: vec![
                RatingRow {
                    intent: Some(IntentId::parse("atm_cash_retention").unwrap()),
                    score: 5,
                },
                RatingRow {
                    intent: Some(IntentId::parse("atm_cash_retention").unwrap()),
                    score: 4,
                },
                RatingRow {
                    intent: None,
                    score: 1,
                },
            ],
            ..AnalyticsRows::default()
        };
        let figures = live_chat(&rows);
        assert_eq!(figures.claim_wait_seconds.p50, Some(10.0));
        assert_eq!(figures.claim_wait_seconds.p90, Some(30.0));
        assert_eq!(figures.handling_seconds.p50, Some(60.0));
        assert_eq!((figures.resolved, figures.back_to_bot), (1, 1));
        assert_eq!(figures.ratings.count, 3);
        assert_eq!(figures.ratings.average, Some(3.33));
        assert_eq!(figures.ratings.distribution["5"], 1);
        assert_eq!(figures.ratings.distribution["2"], 0);
        let atm = &figures.ratings.by_intent["atm_cash_retention"];
        assert_eq!((atm.count, atm.average), (2, Some(4.5)));
    }
}
