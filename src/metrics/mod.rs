//! Operational metrics for Prometheus (`GET /metrics`, text exposition format): what the
//! service does (requests, turns, intents, fallbacks, handoffs, deliveries) and how it
//! keeps up (latency per endpoint, outbox backlog). Counts and labels only: a customer's
//! words never become a label; endpoints are route patterns, not paths with ids.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::domain::{Channel, HandoffReason, IntentId, Priority, WebhookName, vocab_enum};

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    endpoint: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    endpoint: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabels {
    channel: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IntentLabels {
    intent: String,
    channel: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HandoffLabels {
    reason: &'static str,
    priority: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    destination: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutboxLabels {
    destination: String,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ContentLabels {
    version: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QuantileLabels {
    quantile: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ScoreLabels {
    score: u8,
}

type FloatGauge = Gauge<f64, std::sync::atomic::AtomicU64>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommitmentLabels {
    intent: String,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SurgeLabels {
    intent: String,
    /// `""`: the intent everywhere.
    city: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PromiseIntentLabels {
    intent: String,
}

/// The promises of one intent at scrape time, from the store (all time, every instance).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommitmentGauge {
    pub intent: String,
    pub made: u64,
    pub fulfilled: u64,
    pub fulfilled_on_time: u64,
    pub overdue_now: u64,
}

/// The live chat's figures at scrape time, from the store (every instance's agents):
/// claim waits and handling times (p50, p90, seconds), releases by outcome, ratings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveChatGauges {
    pub claim_wait: (Option<f64>, Option<f64>),
    pub handling: (Option<f64>, Option<f64>),
    pub resolved: u64,
    pub back_to_bot: u64,
    /// Ratings per score, 1 to 5.
    pub ratings: [u64; 5],
    pub rating_average: Option<f64>,
}

/// Latency buckets from 0.25 ms to about 4 s, doubling: parse answers in well under a
/// millisecond, a turn with a database write in a few.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

vocab_enum! {
    /// What a delivery attempt came to; the word is the `outcome` label.
    pub enum DeliveryOutcome ("delivery outcome") {
        Delivered = "delivered",
        /// Failed; retried later.
        Failed = "failed",
        /// Failed for the last time: a dead letter.
        Dead = "dead",
    }
}

/// Outbox rows of one destination in one status, at scrape time.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxGauge {
    pub destination: WebhookName,
    pub status: &'static str,
    pub count: u64,
}

/// The service's metrics; cheap to update from any thread.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<EndpointLabels, Histogram, fn() -> Histogram>,
    turns: Family<ChannelLabels, Counter>,
    intents: Family<IntentLabels, Counter>,
    fallbacks: Family<ChannelLabels, Counter>,
    handoffs: Family<HandoffLabels, Counter>,
    deliveries: Family<DeliveryLabels, Counter>,
    outbox: Family<OutboxLabels, Gauge>,
    content: Family<ContentLabels, Gauge>,
    claim_wait: Family<QuantileLabels, FloatGauge>,
    handling: Family<QuantileLabels, FloatGauge>,
    releases: Family<OutcomeLabels, Gauge>,
    ratings: Family<ScoreLabels, Gauge>,
    rating_average: FloatGauge,
    commitments: Family<CommitmentLabels, Gauge>,
    commitments_on_time: Family<PromiseIntentLabels, FloatGauge>,
    surges: Family<SurgeLabels, Gauge>,
    surges_open: Gauge,
    audit_purged: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("frontline");
        let metrics = Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            turns: Family::default(),
            intents: Family::default(),
            fallbacks: Family::default(),
            handoffs: Family::default(),
            deliveries: Family::default(),
            outbox: Family::default(),
            content: Family::default(),
            claim_wait: Family::default(),
            handling: Family::default(),
            releases: Family::default(),
            ratings: Family::default(),
            rating_average: FloatGauge::default(),
            commitments: Family::default(),
            commitments_on_time: Family::default(),
            surges: Family::default(),
            surges_open: Gauge::default(),
            audit_purged: Counter::default(),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            metrics.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route",
            metrics.latency.clone(),
        );
        registry.register(
            "turns",
            "Conversation turns taken, by channel",
            metrics.turns.clone(),
        );
        registry.register(
            "intents",
            "Intents recognised in customer turns",
            metrics.intents.clone(),
        );
        registry.register(
            "fallbacks",
            "Customer turns in which nothing was recognised",
            metrics.fallbacks.clone(),
        );
        registry.register(
            "handoffs",
            "Handoffs to a human, by reason and priority",
            metrics.handoffs.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "Handoff delivery attempts, by destination and outcome",
            metrics.deliveries.clone(),
        );
        registry.register(
            "outbox_deliveries",
            "Outbox rows by destination and status (pending is the backlog)",
            metrics.outbox.clone(),
        );
        registry.register(
            "content_info",
            "The content version being served (value 1)",
            metrics.content.clone(),
        );
        registry.register(
            "live_chat_claim_wait_seconds",
            "Seconds from a handoff to an agent's claim, by quantile (last 7 bank days)",
            metrics.claim_wait.clone(),
        );
        registry.register(
            "live_chat_handling_seconds",
            "Seconds from an agent's claim to the release, by quantile (last 7 bank days)",
            metrics.handling.clone(),
        );
        registry.register(
            "live_chat_releases",
            "Conversations agents released, by outcome (last 7 bank days)",
            metrics.releases.clone(),
        );
        registry.register(
            "live_chat_ratings",
            "Customers' ratings of agents, by score (last 7 bank days)",
            metrics.ratings.clone(),
        );
        registry.register(
            "live_chat_rating_average",
            "The average rating of agents, 1 to 5 (last 7 bank days; 0 without ratings)",
            metrics.rating_average.clone(),
        );
        registry.register(
            "commitments",
            "Promises made to customers, by intent and state: made, fulfilled, fulfilled_on_time, overdue_now (owed past due)",
            metrics.commitments.clone(),
        );
        registry.register(
            "commitments_on_time_ratio",
            "Promises fulfilled by their due time, of those made, by intent",
            metrics.commitments_on_time.clone(),
        );
        registry.register(
            "surge_alerts",
            "Surge alerts open now (1 each), by intent and city (empty: the intent everywhere)",
            metrics.surges.clone(),
        );
        registry.register(
            "audit_records_purged",
            "Turn audit records deleted by this instance after the retention period",
            metrics.audit_purged.clone(),
        );
        registry.register(
            "surge_alerts_open",
            "Surge alerts open now, in all",
            metrics.surges_open.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }

    /// A request answered: `endpoint` is the route pattern (`/v1/conversations/{id}`).
    pub fn request(&self, endpoint: &str, method: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                endpoint: endpoint.to_string(),
                method: method.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&EndpointLabels {
                endpoint: endpoint.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// A conversation turn, with the intent it heard (`None`: a fallback).
    pub fn turn(&self, channel: Channel, intent: Option<&IntentId>) {
        let channel = channel.as_str();
        self.turns.get_or_create(&ChannelLabels { channel }).inc();
        match intent {
            Some(intent) => self.intent(intent, channel),
            None => {
                self.fallbacks
                    .get_or_create(&ChannelLabels { channel })
                    .inc();
            }
        }
    }

    /// An intent recognised by `/v1/parse` or in a turn.
    pub fn intent(&self, intent: &IntentId, channel: &'static str) {
        self.intents
            .get_or_create(&IntentLabels {
                intent: intent.as_str().to_string(),
                channel,
            })
            .inc();
    }

    pub fn handoff(&self, reason: HandoffReason, priority: Priority) {
        self.handoffs
            .get_or_create(&HandoffLabels {
                reason: reason.as_str(),
                priority: priority.as_str(),
            })
            .inc();
    }

    pub fn delivery(&self, destination: &WebhookName, outcome: DeliveryOutcome) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                destination: destination.as_str().to_string(),
                outcome: outcome.as_str(),
            })
            .inc();
    }

    /// The exposition, with the gauges read at scrape time: the outbox as the store sees
    /// it (shared by every instance) and the content version this instance serves.
    /// Audit records a retention round deleted.
    pub fn audit_purged(&self, count: u64) {
        self.audit_purged.inc_by(count);
    }

    /// The surge alerts open at scrape time (every instance's): `(intent, city)`.
    pub fn set_surges<'a>(&self, open: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) {
        self.surges.clear();
        let mut total = 0;
        for (intent, city) in open {
            self.surges
                .get_or_create(&SurgeLabels {
                    intent: intent.to_string(),
                    city: city.unwrap_or_default().to_string(),
                })
                .set(1);
            total += 1;
        }
        self.surges_open.set(total);
    }

    pub fn render(
        &self,
        outbox: &[OutboxGauge],
        content_version: &str,
        live: &LiveChatGauges,
        commitments: &[CommitmentGauge],
    ) -> String {
        self.commitments.clear();
        self.commitments_on_time.clear();
        for c in commitments {
            for (state, count) in [
                ("made", c.made),
                ("fulfilled", c.fulfilled),
                ("fulfilled_on_time", c.fulfilled_on_time),
                ("overdue_now", c.overdue_now),
            ] {
                self.commitments
                    .get_or_create(&CommitmentLabels {
                        intent: c.intent.clone(),
                        state,
                    })
                    .set(i64::try_from(count).unwrap_or(i64::MAX));
            }
            if c.made > 0 {
                self.commitments_on_time
                    .get_or_create(&PromiseIntentLabels {
                        intent: c.intent.clone(),
                    })
                    .set(c.fulfilled_on_time as f64 / c.made as f64);
            }
        }
        for (family, (p50, p90)) in [
            (&self.claim_wait, live.claim_wait),
            (&self.handling, live.handling),
        ] {
            family.clear();
            for (quantile, value) in [("0.5", p50), ("0.9", p90)] {
                if let Some(value) = value {
                    family
                        .get_or_create(&QuantileLabels { quantile })
                        .set(value);
                }
            }
        }
        for (outcome, count) in [
            ("resolved", live.resolved),
            ("back_to_bot", live.back_to_bot),
        ] {
            self.releases
                .get_or_create(&OutcomeLabels { outcome })
                .set(i64::try_from(count).unwrap_or(i64::MAX));
        }
        for (score, count) in (1u8..).zip(live.ratings) {
            self.ratings
                .get_or_create(&ScoreLabels { score })
                .set(i64::try_from(count).unwrap_or(i64::MAX));
        }
        self.rating_average.set(live.rating_average.unwrap_or(0.0));
        self.outbox.clear();
        for row in outbox {
            self.outbox
                .get_or_create(&OutboxLabels {
                    destination: row.destination.as_str().to_string(),
                    status: row.status,
                })
                .set(i64::try_from(row.count).unwrap_or(i64::MAX));
        }
        self.content.clear();
        self.content
            .get_or_create(&ContentLabels {
                version: content_version.to_string(),
            })
            .set(1);
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
