//! The delivery worker: one tokio task per webhook destination. It claims due outbox rows,
//! posts each signed handoff document, and records the outcome: delivered, retried later
//! (exponential backoff with jitter) or, once the retry window is over, a dead letter for
//! an operator. A per-destination circuit breaker stops hammering a receiver that is down.
//! Delivery is at least once: a row whose attempt was cut short (a crash, a timeout after
//! the receiver already acted) is sent again with the same `Idempotency-Key`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use tokio::task::JoinSet;

use super::outbox::{Destination, Outbox};
use super::retry::{CircuitBreaker, Permit};
use super::signature::{SIGNATURE_HEADER, sign};
use super::webhooks::{DeliveryPolicy, Webhook};
use crate::metrics::{DeliveryOutcome, Metrics};
use crate::store::{AfterFailure, Delivery, Store};

/// How long past its timeout an attempt keeps its rows: after that a row whose worker
/// died is due again.
const LEASE_MARGIN: Duration = Duration::from_secs(5);
/// Pause after a storage error before trying the store again.
const STORE_PAUSE: Duration = Duration::from_secs(1);

/// Starts one worker per destination of `outbox`. The tasks run as long as the runtime.
pub fn spawn_workers<S: Store + 'static>(
    store: Arc<S>,
    outbox: &Outbox,
    policy: DeliveryPolicy,
    metrics: Arc<Metrics>,
) -> Result<(), reqwest::Error> {
    let client = reqwest::Client::builder()
        .user_agent(concat!("frontline/", env!("CARGO_PKG_VERSION")))
        // A signed body goes where it was configured to go, nowhere else.
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    for destination in outbox.destinations() {
        let worker = Worker {
            store: store.clone(),
            destination: destination.clone(),
            policy,
            client: client.clone(),
            breaker: CircuitBreaker::new(policy.breaker_failures, policy.breaker_cooldown),
            metrics: metrics.clone(),
        };
        tokio::spawn(worker.run());
    }
    Ok(())
}

struct Worker<S> {
    store: Arc<S>,
    destination: Destination,
    policy: DeliveryPolicy,
    client: reqwest::Client,
    breaker: CircuitBreaker,
    metrics: Arc<Metrics>,
}

impl<S: Store + 'static> Worker<S> {
    async fn run(mut self) {
        let webhook = self.destination.webhook.clone();
        tracing::info!(destination = %webhook.name, url = %webhook.url, "handoff webhook worker started");
        loop {
            let limit = match self.breaker.permit(Instant::now()) {
                Permit::All => self.policy.concurrency,
                Permit::Probe => 1,
                Permit::Wait(wait) => {
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
            let now = Utc::now();
            let lease_until = now + webhook.timeout + LEASE_MARGIN;
            let batch = match self
                .store
                .claim_deliveries(&webhook.name, now, lease_until, limit)
                .await
            {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::error!(destination = %webhook.name, %error, "cannot read the outbox");
                    tokio::time::sleep(STORE_PAUSE).await;
                    continue;
                }
            };
            if batch.is_empty() {
                tokio::select! {
                    _ = self.destination.wake.notified() => {}
                    _ = tokio::time::sleep(self.policy.poll) => {}
                }
                continue;
            }
            let mut attempts = JoinSet::new();
            for delivery in batch {
                let client = self.client.clone();
                let webhook = webhook.clone();
                attempts.spawn(async move {
                    let outcome = attempt(&client, &webhook, &delivery).await;
                    (delivery, outcome)
                });
            }
            while let Some(joined) = attempts.join_next().await {
                // A panicked attempt leaves its row leased: it comes due again.
                if let Ok((delivery, outcome)) = joined {
                    self.settle(delivery, outcome).await;
                }
            }
        }
    }

    /// Records what one attempt came to.
    async fn settle(&mut self, delivery: Delivery, outcome: Result<(), String>) {
        let name = &self.destination.webhook.name;
        let saved = match outcome {
            Ok(()) => {
                self.breaker.succeeded();
                self.metrics.delivery(name, DeliveryOutcome::Delivered);
                tracing::info!(
                    destination = %name,
                    subject = delivery.subject(),
                    attempts = delivery.attempts,
                    "handoff delivered"
                );
                self.store.delivery_succeeded(delivery.id, Utc::now()).await
            }
            Err(error) => {
                if self.breaker.failed(Instant::now()) {
                    tracing::warn!(destination = %name, cooldown_ms = self.policy.breaker_cooldown.as_millis() as u64, "circuit breaker open");
                }
                let now = Utc::now();
                let waited = (now - delivery.window_started_at)
                    .to_std()
                    .unwrap_or_default();
                let after = if waited >= self.policy.give_up_after {
                    AfterFailure::GiveUp
                } else {
                    let delay = self.policy.retry.delay(delivery.attempts, fastrand::f64());
                    AfterFailure::RetryAt(now + delay)
                };
                self.metrics.delivery(
                    name,
                    match after {
                        AfterFailure::GiveUp => DeliveryOutcome::Dead,
                        AfterFailure::RetryAt(_) => DeliveryOutcome::Failed,
                    },
                );
                match after {
                    AfterFailure::GiveUp => tracing::error!(
                        destination = %name,
                        subject = delivery.subject(),
                        attempts = delivery.attempts,
                        %error,
                        "handoff delivery given up: dead letter"
                    ),
                    AfterFailure::RetryAt(at) => tracing::warn!(
                        destination = %name,
                        subject = delivery.subject(),
                        attempts = delivery.attempts,
                        %error,
                        retry_at = %at.to_rfc3339(),
                        "handoff delivery failed"
                    ),
                }
                self.store.delivery_failed(delivery.id, &error, after).await
            }
        };
        if let Err(error) = saved {
            // The lease brings the row back; at worst it is sent once more.
            tracing::error!(destination = %name, %error, "cannot record a delivery outcome");
        }
    }
}

/// One signed POST; `Err` says why it did not count as delivered.
async fn attempt(
    client: &reqwest::Client,
    webhook: &Webhook,
    delivery: &Delivery,
) -> Result<(), String> {
    let body = delivery.payload.clone().into_bytes();
    let signature = sign(webhook.secret.as_bytes(), Utc::now().timestamp(), &body);
    let response = client
        .post(webhook.url.clone())
        .timeout(webhook.timeout)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header("Idempotency-Key", &delivery.idempotency_key)
        .header(SIGNATURE_HEADER, signature)
        .header("X-Frontline-Attempt", delivery.attempts.to_string())
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} ms", webhook.timeout.as_millis())
            } else if e.is_connect() {
                "cannot connect".to_string()
            } else {
                format!("request failed: {}", e.without_url())
            }
        })?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", response.status()))
    }
}
