//! What contact-centre managers read (`GET /v1/analytics`, the `/analytics` page, CSV):
//! how many conversations, how many the bot kept (containment), why customers went to a
//! human, what they asked and complained about each day, how they felt, and which intents
//! suddenly grew: the high-frequency complaint hotspots the seeds ask banks to analyse.
//! Computed from the store's counts; no text, no customer.

mod commitments;
mod csv;
mod live_chat;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

pub use self::commitments::{IntentPromises, PromiseFigures, PromisesKept, promises_kept};
pub use self::csv::to_csv;
pub use self::live_chat::{IntentRating, LiveChat, Quantiles, Ratings, live_chat};
use crate::domain::{EmotionLabel, HandoffReason, IntentId};
use crate::store::{AnalyticsRows, CommitmentCount, DayRange};

/// How many intents a "top" list shows.
const TOP: usize = 5;

/// When an intent counts as a hotspot: at least this many conversations in the period…
pub const HOTSPOT_MIN_CONVERSATIONS: u64 = 5;
/// …and at least this many times as many as in the period before (or new).
pub const HOTSPOT_MIN_RATIO: f64 = 1.5;

/// Days asked for, both ends included, at most a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period(DayRange);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PeriodError {
    #[error("`from` ({from}) is after `to` ({to})")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("at most {max} days at once; asked for {days}")]
    TooLong { days: i64, max: i64 },
}

impl Period {
    pub const MAX_DAYS: i64 = 366;

    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if from > to {
            return Err(PeriodError::Reversed { from, to });
        }
        let days = (to - from).num_days() + 1;
        if days > Period::MAX_DAYS {
            return Err(PeriodError::TooLong {
                days,
                max: Period::MAX_DAYS,
            });
        }
        Ok(Period(DayRange { from, to }))
    }

    /// The seven days ending `today`.
    pub fn last_week(today: NaiveDate) -> Period {
        Period(DayRange {
            from: today - chrono::Days::new(6),
            to: today,
        })
    }

    pub fn range(self) -> DayRange {
        self.0
    }

    /// The period of the same length just before this one, for hotspots.
    pub fn previous(self) -> DayRange {
        let days = (self.0.to - self.0.from).num_days() + 1;
        DayRange {
            from: self.0.from - chrono::Days::new(days as u64),
            to: self.0.from - chrono::Days::new(1),
        }
    }
}

/// Conversations and what became of them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Volume {
    pub conversations: u64,
    /// Went to a human.
    pub handed_off: u64,
    /// Ended by the bot with the customer's goodbye.
    pub closed: u64,
    /// Share of conversations the bot kept (not handed off), 0–1; `null` without any.
    pub containment_rate: Option<f64>,
    /// Share handed off, 0–1.
    pub handoff_rate: Option<f64>,
}

impl Volume {
    fn new(conversations: u64, handed_off: u64, closed: u64) -> Volume {
        let share = |n: u64| (conversations > 0).then(|| n as f64 / conversations as f64);
        Volume {
            conversations,
            handed_off,
            closed,
            containment_rate: share(conversations.saturating_sub(handed_off)),
            handoff_rate: share(handed_off),
        }
    }
}

/// An intent and how often it came up.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IntentVolume {
    pub intent: IntentId,
    pub complaint: bool,
    /// Conversations in which it came up.
    pub conversations: u64,
}

/// Handoffs for one reason.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ReasonVolume {
    pub reason: HandoffReason,
    pub handoffs: u64,
    /// Of all conversations in the period, 0–1.
    pub rate: Option<f64>,
}

/// Customer turns showing one emotion.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EmotionShare {
    pub emotion: EmotionLabel,
    pub turns: u64,
    pub share: f64,
}

/// An intent whose volume jumped against the previous period.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Hotspot {
    pub intent: IntentId,
    pub complaint: bool,
    pub conversations: u64,
    pub previous_conversations: u64,
    /// `conversations / previous_conversations`; `null` when it is new.
    pub growth: Option<f64>,
}

/// One bank day.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Day {
    pub day: NaiveDate,
    #[serde(flatten)]
    pub volume: Volume,
    /// Customer turns in which nothing was recognised.
    pub fallbacks: u64,
    pub handoffs_by_reason: BTreeMap<HandoffReason, u64>,
    pub top_intents: Vec<IntentVolume>,
    pub top_complaints: Vec<IntentVolume>,
    pub emotions: BTreeMap<EmotionLabel, u64>,
}

/// The figures of a period.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: Volume,
    pub fallbacks: u64,
    pub handoff_reasons: Vec<ReasonVolume>,
    pub top_intents: Vec<IntentVolume>,
    pub top_complaints: Vec<IntentVolume>,
    pub emotions: Vec<EmotionShare>,
    pub hotspots: Vec<Hotspot>,
    /// Every day of the period, days without traffic included (charts need the gaps).
    pub days: Vec<Day>,
    /// Agents in the chat: claim waits, handling times, outcomes, ratings.
    pub live_chat: LiveChat,
    /// Promises made in the period and how they were kept.
    pub commitments: PromisesKept,
    /// Conversations each crisis notice was given to in the period.
    pub notices: Vec<crate::store::NoticeCount>,
}

/// Conversations per intent (fallbacks left out), largest first, then by id.
fn ranked<'a>(
    counts: impl Iterator<Item = &'a crate::store::IntentCount>,
    complaints_only: bool,
) -> Vec<IntentVolume> {
    let mut by_intent: BTreeMap<&IntentId, (bool, u64)> = BTreeMap::new();
    for count in counts.filter(|c| !complaints_only || c.complaint) {
        if let Some(intent) = &count.intent {
            let entry = by_intent.entry(intent).or_default();
            entry.0 |= count.complaint;
            entry.1 += count.conversations;
        }
    }
    let mut ranked: Vec<IntentVolume> = by_intent
        .into_iter()
        .map(|(intent, (complaint, conversations))| IntentVolume {
            intent: intent.clone(),
            complaint,
            conversations,
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.conversations
            .cmp(&a.conversations)
            .then_with(|| a.intent.cmp(&b.intent))
    });
    ranked
}

fn top(mut list: Vec<IntentVolume>) -> Vec<IntentVolume> {
    list.truncate(TOP);
    list
}

/// Intents that grew to at least [`HOTSPOT_MIN_CONVERSATIONS`] and by at least
/// [`HOTSPOT_MIN_RATIO`], fastest growing first (new ones before all).
fn hotspots(current: &AnalyticsRows, previous: &AnalyticsRows) -> Vec<Hotspot> {
    let before: BTreeMap<IntentId, u64> = ranked(previous.intents.iter(), false)
        .into_iter()
        .map(|v| (v.intent, v.conversations))
        .collect();
    let mut found: Vec<Hotspot> = ranked(current.intents.iter(), false)
        .into_iter()
        .filter(|v| v.conversations >= HOTSPOT_MIN_CONVERSATIONS)
        .filter_map(|v| {
            let previous = before.get(&v.intent).copied().unwrap_or(0);
            let growth = (previous > 0).then(|| v.conversations as f64 / previous as f64);
            let jumped = growth.is_none_or(|g| g >= HOTSPOT_MIN_RATIO);
            jumped.then_some(Hotspot {
                intent: v.intent,
                complaint: v.complaint,
                conversations: v.conversations,
                previous_conversations: previous,
                growth,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        let key = |h: &Hotspot| h.growth.unwrap_or(f64::INFINITY);
        key(b)
            .total_cmp(&key(a))
            .then_with(|| b.conversations.cmp(&a.conversations))
    });
    found
}

/// The report of `period` from its rows and those of the period before.
pub fn report(
    period: Period,
    current: &AnalyticsRows,
    previous: &AnalyticsRows,
    commitments: &[CommitmentCount],
) -> Report {
    let range = period.range();
    let totals = current
        .conversations
        .iter()
        .fold((0, 0, 0), |(c, h, x), d| {
            (c + d.started, h + d.handed_off, x + d.closed)
        });
    let totals = Volume::new(totals.0, totals.1, totals.2);
    let mut reasons: BTreeMap<HandoffReason, u64> = BTreeMap::new();
    for h in &current.handoffs {
        *reasons.entry(h.reason).or_default() += h.count;
    }
    let handoff_reasons = reasons
        .into_iter()
        .map(|(reason, handoffs)| ReasonVolume {
            reason,
            handoffs,
            rate: (totals.conversations > 0).then(|| handoffs as f64 / totals.conversations as f64),
        })
        .collect();
    let mut emotions: BTreeMap<EmotionLabel, u64> = BTreeMap::new();
    for e in &current.emotions {
        *emotions.entry(e.emotion).or_default() += e.turns;
    }
    let turns: u64 = emotions.values().sum();
    let emotions = emotions
        .into_iter()
        .map(|(emotion, n)| EmotionShare {
            emotion,
            turns: n,
            share: if turns > 0 {
                n as f64 / turns as f64
            } else {
                0.0
            },
        })
        .collect();
    let fallbacks = |day: Option<NaiveDate>| -> u64 {
        current
            .intents
            .iter()
            .filter(|c| c.intent.is_none() && day.is_none_or(|d| c.day == d))
            .map(|c| c.turns)
            .sum()
    };
    let days = range
        .from
        .iter_days()
        .take_while(|d| *d <= range.to)
        .map(|day| {
            let volume = current
                .conversations
                .iter()
                .find(|c| c.day == day)
                .map(|c| Volume::new(c.started, c.handed_off, c.closed))
                .unwrap_or_else(|| Volume::new(0, 0, 0));
            let mut handoffs_by_reason = BTreeMap::new();
            for h in current.handoffs.iter().filter(|h| h.day == day) {
                *handoffs_by_reason.entry(h.reason).or_default() += h.count;
            }
            let mut emotions = BTreeMap::new();
            for e in current.emotions.iter().filter(|e| e.day == day) {
                *emotions.entry(e.emotion).or_default() += e.turns;
            }
            let of_day = || current.intents.iter().filter(move |c| c.day == day);
            Day {
                day,
                volume,
                fallbacks: fallbacks(Some(day)),
                handoffs_by_reason,
                top_intents: top(ranked(of_day(), false)),
                top_complaints: top(ranked(of_day(), true)),
                emotions,
            }
        })
        .collect();
    Report {
        from: range.from,
        to: range.to,
        totals,
        fallbacks: fallbacks(None),
        handoff_reasons,
        top_intents: top(ranked(current.intents.iter(), false)),
        top_complaints: top(ranked(current.intents.iter(), true)),
        emotions,
        hotspots: hotspots(current, previous),
        days,
        live_chat: live_chat(current),
        commitments: promises_kept(commitments),
        notices: current.notices.clone(),
    }
}
