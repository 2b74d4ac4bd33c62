//! Surge alerts: a round in every instance compares each intent's last hour (everywhere,
//! and in each city the customers named) with the same hour of the days before, and
//! raises an alert when it jumps past the rule: once per surge (the store keeps one open
//! per intent and city), told to the bank's systems through the outbox (signed webhooks,
//! `surge.raised`, then `surge.cleared` when the hour falls back), counted on `/metrics`
//! and shown on the analytics page. Seed 002 asks for rising complaints to be spotted
//! while they rise, not in the next day's report.

mod rule;

pub use rule::{Level, SurgeRule};

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{Clock, IntentId};
use crate::handoff::Outbox;
use crate::live::LiveServices;
use crate::store::{OutboxEntry, StoreError, SurgeRecord, SurgeStore};

/// The window compared: the last hour.
pub const WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// Conversation ids an alert names (the latest of its hour).
pub const SAMPLE: u32 = 20;

/// What a surge is about: an intent, everywhere (`None`) or in one city.
type Key = (IntentId, Option<String>);

/// A surge alert as the bank's systems and the analytics page read it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct SurgeDocument {
    pub id: String,
    pub intent: String,
    /// The city; `null`: the intent everywhere.
    pub city: Option<String>,
    /// The hour that surged: `[window_start, window_end)`.
    pub window_start: String,
    pub window_end: String,
    /// Conversations in that hour.
    pub conversations: u64,
    /// The same hour's average over the days before.
    pub baseline: f64,
    pub raised_at: String,
    /// `null` while the surge lasts.
    pub cleared_at: Option<String>,
    /// The latest conversations of the hour (ids only; their transcripts are masked).
    pub conversation_ids: Vec<String>,
}

impl SurgeDocument {
    pub fn new(surge: &SurgeRecord, conversation_ids: Vec<String>) -> SurgeDocument {
        SurgeDocument {
            id: surge.id.clone(),
            intent: surge.intent.as_str().to_string(),
            city: surge.city.clone(),
            window_start: (surge.window_end - WINDOW).to_rfc3339(),
            window_end: surge.window_end.to_rfc3339(),
            conversations: surge.count,
            baseline: (surge.baseline * 100.0).round() / 100.0,
            raised_at: surge.raised_at.to_rfc3339(),
            cleared_at: surge.cleared_at.map(|t| t.to_rfc3339()),
            conversation_ids,
        }
    }
}

/// The body of a surge webhook.
#[derive(Serialize)]
struct EventDocument<'a> {
    /// `surge.raised` or `surge.cleared`.
    event: &'static str,
    surge: &'a SurgeDocument,
}

/// One entry per destination that wants the intent's events (a destination filtered by
/// intents gets its intents' surges; the priority filter is for handoffs only).
fn entries(
    outbox: &Outbox,
    event: &'static str,
    surge: &SurgeDocument,
    intent: &IntentId,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let payload = serde_json::to_string(&EventDocument { event, surge })
        .map_err(|e| StoreError::Unserialisable(format!("surge event: {e}")))?;
    Ok(outbox
        .destinations()
        .iter()
        .filter(|d| {
            d.webhook.filter.intents.is_empty() || d.webhook.filter.intents.contains(intent)
        })
        .map(|d| OutboxEntry {
            destination: d.webhook.name.clone(),
            idempotency_key: format!("{}:{event}:{}", surge.id, d.webhook.name.as_str()),
            payload: payload.clone(),
        })
        .collect())
}

/// What a round did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SurgeRound {
    pub raised: Vec<SurgeRecord>,
    pub cleared: Vec<SurgeRecord>,
}

/// The surge watch of one instance.
pub struct SurgeWatch<S> {
    store: Arc<S>,
    outbox: Outbox,
    clock: Clock,
    rule: SurgeRule,
    /// The content in service: which intents are customers' problems and requests.
    live: Arc<LiveServices>,
}

impl<S> Clone for SurgeWatch<S> {
    fn clone(&self) -> Self {
        SurgeWatch {
            store: self.store.clone(),
            outbox: self.outbox.clone(),
            clock: self.clock.clone(),
            rule: self.rule,
            live: self.live.clone(),
        }
    }
}

impl<S: SurgeStore + 'static> SurgeWatch<S> {
    pub fn new(
        store: Arc<S>,
        outbox: Outbox,
        clock: Clock,
        rule: SurgeRule,
        live: Arc<LiveServices>,
    ) -> SurgeWatch<S> {
        SurgeWatch {
            store,
            outbox,
            clock,
            rule,
            live,
        }
    }

    /// Whether an intent's rises are worth an alert: a problem or a request, not a
    /// conversation act (`转人工`, `谢谢`, `是的`), which rises with any busy hour.
    fn watched(&self, intent: &IntentId) -> bool {
        let services = self.live.current();
        services
            .catalog
            .locales()
            .any(|content| content.intent(intent).is_some_and(|i| i.act.is_none()))
    }

    /// Conversations per key in the hour ending `end`.
    async fn counts(&self, end: DateTime<Utc>) -> Result<BTreeMap<Key, u64>, StoreError> {
        let rows = self
            .store
            .window_counts((end - WINDOW).timestamp_millis(), end.timestamp_millis())
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| ((row.intent, row.city), row.conversations))
            .collect())
    }

    /// The latest conversation ids of a key's hour ending `end`.
    pub async fn sample(
        &self,
        intent: &IntentId,
        city: Option<&str>,
        end: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let window = ((end - WINDOW).timestamp_millis(), end.timestamp_millis());
        Ok(self
            .store
            .surge_conversations(intent, city, window, SAMPLE)
            .await?
            .into_iter()
            .map(|id| id.as_str().to_string())
            .collect())
    }

    /// One round at the clock's "now": raises the surges not yet raised, clears those
    /// that fell back, and wakes the webhook workers. Tests call it with a moved clock.
    pub async fn tick(&self) -> Result<SurgeRound, StoreError> {
        let now = self.clock.now();
        let current = self.counts(now).await?;
        let mut before: BTreeMap<Key, u64> = BTreeMap::new();
        for days in 1..=self.rule.baseline_days {
            for (key, n) in self
                .counts(now - chrono::TimeDelta::days(days.into()))
                .await?
            {
                *before.entry(key).or_default() += n;
            }
        }
        let level = |key: &Key| {
            let count = current.get(key).copied().unwrap_or_default();
            let baseline = self
                .rule
                .baseline(before.get(key).copied().unwrap_or_default());
            (count, baseline, self.rule.level(count, baseline))
        };
        let open = self.store.open_surges().await?;
        let is_open = |key: &Key| open.iter().any(|s| s.intent == key.0 && s.city == key.1);
        let surging: Vec<&Key> = current
            .keys()
            .filter(|key| level(key).2 == Level::Surging && self.watched(&key.0))
            .collect();
        // An intent surging in a city is that city's surge: the intent-wide alert is
        // raised only when no city of the intent explains it.
        let in_cities: BTreeSet<&IntentId> = surging
            .iter()
            .filter(|key| key.1.is_some())
            .map(|key| &key.0)
            .chain(open.iter().filter(|s| s.city.is_some()).map(|s| &s.intent))
            .collect();
        let mut round = SurgeRound::default();
        for key in surging {
            if is_open(key) || (key.1.is_none() && in_cities.contains(&key.0)) {
                continue;
            }
            let (count, baseline, _) = level(key);
            let surge = SurgeRecord {
                id: format!("surge_{}", uuid::Uuid::new_v4().simple()),
                intent: key.0.clone(),
                city: key.1.clone(),
                raised_at: now,
                window_end: now,
                count,
                baseline,
                cleared_at: None,
            };
            let sample = self
                .sample(&surge.intent, surge.city.as_deref(), now)
                .await?;
            let document = SurgeDocument::new(&surge, sample);
            let entries = entries(&self.outbox, "surge.raised", &document, &surge.intent)?;
            if self.store.raise_surge(&surge, &entries).await? {
                tracing::warn!(
                    intent = surge.intent.as_str(),
                    city = surge.city.as_deref(),
                    conversations = count,
                    baseline,
                    "surge alert raised"
                );
                self.outbox.wake(&entries);
                round.raised.push(surge);
            }
        }
        for surge in open {
            let key = (surge.intent.clone(), surge.city.clone());
            if level(&key).2 != Level::Normal {
                continue;
            }
            let cleared = SurgeRecord {
                cleared_at: Some(now),
                ..surge
            };
            let document = SurgeDocument::new(&cleared, Vec::new());
            let entries = entries(&self.outbox, "surge.cleared", &document, &cleared.intent)?;
            if self.store.clear_surge(&cleared, &entries).await? {
                tracing::info!(
                    intent = cleared.intent.as_str(),
                    city = cleared.city.as_deref(),
                    "surge alert cleared"
                );
                self.outbox.wake(&entries);
                round.cleared.push(cleared);
            }
        }
        Ok(round)
    }

    /// Runs a round every `every` until the process ends.
    pub fn spawn(self, every: Duration) {
        crate::rounds::spawn_every(every, "surge", move || {
            let this = self.clone();
            async move { this.tick().await }
        });
    }
}
