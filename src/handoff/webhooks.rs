//! Where handoffs are pushed: webhook destinations and the delivery policy, as written in
//! the config file (`[[webhooks]]`, `[delivery]`) and as checked at start-up. A bad entry
//! stops the start with the reason: a handoff destination that silently does nothing is
//! the failure this feature exists to prevent.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use super::retry::RetrySchedule;
use crate::domain::{IntentId, Priority, WebhookName};

/// A `[[webhooks]]` entry of the config file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Unique name; part of the idempotency key, so renaming one re-sends nothing old.
    pub name: String,
    /// `https://…` (or `http://` on a private network).
    pub url: String,
    /// The shared secret that signs every request…
    pub secret: Option<String>,
    /// …or the environment variable that holds it, to keep it out of the file.
    pub secret_env: Option<String>,
    /// Only handoffs of these priorities (`normal`, `high`, `urgent`); empty: all.
    #[serde(default)]
    pub priorities: Vec<Priority>,
    /// Only handoffs with a demand for one of these intents; empty: all.
    #[serde(default)]
    pub intents: Vec<String>,
    /// Per-request timeout [default: `[delivery] timeout_ms`].
    pub timeout_ms: Option<u64>,
}

/// The `[delivery]` table of the config file: how hard to try.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Wait after the first failure; doubles per failure, with jitter.
    pub first_retry_ms: u64,
    /// Longest wait between two attempts.
    pub max_retry_ms: u64,
    /// How long a delivery is retried before it becomes a dead letter.
    pub give_up_after_secs: u64,
    /// Default per-request timeout.
    pub timeout_ms: u64,
    /// Failures in a row that open a destination's circuit breaker.
    pub breaker_failures: u32,
    /// How long an open breaker waits before one probe.
    pub breaker_cooldown_ms: u64,
    /// Requests in flight per destination.
    pub concurrency: u32,
    /// How often an idle worker looks for due retries.
    pub poll_ms: u64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            first_retry_ms: 2_000,
            max_retry_ms: 10 * 60 * 1_000,
            give_up_after_secs: 24 * 60 * 60,
            timeout_ms: 10_000,
            breaker_failures: 5,
            breaker_cooldown_ms: 30_000,
            concurrency: 8,
            poll_ms: 1_000,
        }
    }
}

/// The checked delivery policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeliveryPolicy {
    pub retry: RetrySchedule,
    pub give_up_after: Duration,
    pub breaker_failures: u32,
    pub breaker_cooldown: Duration,
    pub concurrency: u32,
    pub poll: Duration,
}

/// A shared secret; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Which handoffs a destination wants.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebhookFilter {
    pub priorities: BTreeSet<Priority>,
    pub intents: BTreeSet<IntentId>,
}

impl WebhookFilter {
    /// Whether a handoff of `priority` with demands for `intents` goes to this destination.
    pub fn accepts<'a>(
        &self,
        priority: Priority,
        mut intents: impl Iterator<Item = &'a IntentId>,
    ) -> bool {
        (self.priorities.is_empty() || self.priorities.contains(&priority))
            && (self.intents.is_empty() || intents.any(|i| self.intents.contains(i)))
    }
}

/// A checked webhook destination.
#[derive(Clone, Debug, PartialEq)]
pub struct Webhook {
    pub name: WebhookName,
    pub url: Url,
    pub secret: Secret,
    pub filter: WebhookFilter,
    pub timeout: Duration,
}

/// Why the webhook configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("webhooks: {0}")]
    Name(#[from] crate::domain::IdError),
    #[error("webhook `{name}`: the name is used twice")]
    DuplicateName { name: String },
    #[error("webhook `{name}`: url `{url}` is not an http(s) URL")]
    Url { name: String, url: String },
    #[error("webhook `{name}`: set `secret` or `secret_env` (every request is signed)")]
    NoSecret { name: String },
    #[error("webhook `{name}`: environment variable {variable} is not set or empty")]
    SecretEnvUnset { name: String, variable: String },
    #[error("webhook `{name}`: {error}")]
    Intent {
        name: String,
        error: crate::domain::IdError,
    },
    #[error("delivery: {0}")]
    Policy(&'static str),
}

impl DeliveryConfig {
    pub fn check(&self) -> Result<DeliveryPolicy, WebhookError> {
        if self.first_retry_ms == 0 || self.max_retry_ms < self.first_retry_ms {
            return Err(WebhookError::Policy(
                "first_retry_ms must be positive and at most max_retry_ms",
            ));
        }
        if self.concurrency == 0 || self.poll_ms == 0 || self.timeout_ms == 0 {
            return Err(WebhookError::Policy(
                "concurrency, poll_ms and timeout_ms must be positive",
            ));
        }
        Ok(DeliveryPolicy {
            retry: RetrySchedule {
                first: Duration::from_millis(self.first_retry_ms),
                max: Duration::from_millis(self.max_retry_ms),
            },
            give_up_after: Duration::from_secs(self.give_up_after_secs),
            breaker_failures: self.breaker_failures,
            breaker_cooldown: Duration::from_millis(self.breaker_cooldown_ms),
            concurrency: self.concurrency,
            poll: Duration::from_millis(self.poll_ms),
        })
    }
}

/// Checks every `[[webhooks]]` entry; `env` reads environment variables.
pub fn check_webhooks(
    configs: &[WebhookConfig],
    delivery: &DeliveryConfig,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Webhook>, WebhookError> {
    let mut webhooks: Vec<Webhook> = Vec::new();
    for config in configs {
        let name = WebhookName::parse(&config.name)?;
        if webhooks.iter().any(|w| w.name == name) {
            return Err(WebhookError::DuplicateName {
                name: config.name.clone(),
            });
        }
        let url = Url::parse(&config.url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| WebhookError::Url {
                name: config.name.clone(),
                url: config.url.clone(),
            })?;
        let secret = match (&config.secret, &config.secret_env) {
            (Some(secret), _) if !secret.is_empty() => secret.clone(),
            (_, Some(variable)) => env(variable).filter(|s| !s.is_empty()).ok_or_else(|| {
                WebhookError::SecretEnvUnset {
                    name: config.name.clone(),
                    variable: variable.clone(),
                }
            })?,
            _ => {
                return Err(WebhookError::NoSecret {
                    name: config.name.clone(),
                });
            }
        };
        let intents = config
            .intents
            .iter()
            .map(|i| IntentId::parse(i))
            .collect::<Result<BTreeSet<_>, _>>()
            .map_err(|error| WebhookError::Intent {
                name: config.name.clone(),
                error,
            })?;
        webhooks.push(Webhook {
            name,
            url,
            secret: Secret(secret),
            filter: WebhookFilter {
                priorities: config.priorities.iter().copied().collect(),
                intents,
            },
            timeout: Duration::from_millis(config.timeout_ms.unwrap_or(delivery.timeout_ms)),
        });
    }
    Ok(webhooks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str) -> WebhookConfig {
        WebhookConfig {
            name: name.into(),
            url: "https://desk.example-bank.cn/hooks/handoffs".into(),
            secret: Some("s3cret".into()),
            ..WebhookConfig::default()
        }
    }

    #[test]
    fn a_destination_filters_by_priority_and_intent() {
        let mut crm = config("crm");
        crm.priorities = vec![Priority::Urgent, Priority::High];
        crm.intents = vec!["card_fraud".into()];
        let hooks = check_webhooks(&[crm], &DeliveryConfig::default(), |_| None).unwrap();
        let filter = &hooks[0].filter;
        let fraud = IntentId::parse("card_fraud").unwrap();
        let atm = IntentId::parse("atm_cash_retention").unwrap();
        assert!(filter.accepts(Priority::Urgent, [&atm, &fraud].into_iter()));
        assert!(!filter.accepts(Priority::Normal, [&fraud].into_iter()));
        assert!(!filter.accepts(Priority::Urgent, [&atm].into_iter()));
        assert!(WebhookFilter::default().accepts(Priority::Normal, std::iter::empty()));
    }

    #[test]
    fn bad_destinations_are_refused_with_the_reason() {
        let defaults = DeliveryConfig::default();
        let refuse = |c: WebhookConfig| {
            check_webhooks(&[c], &defaults, |_| None)
                .unwrap_err()
                .to_string()
        };
        let mut ftp = config("crm");
        ftp.url = "ftp://desk.example-bank.cn/".into();
        assert!(refuse(ftp).contains("not an http(s) URL"));
        let mut open = config("crm");
        open.secret = None;
        assert!(refuse(open).contains("set `secret` or `secret_env`"));
        let mut from_env = config("crm");
        from_env.secret = None;
        from_env.secret_env = Some("CRM_SECRET".into());
        assert!(refuse(from_env.clone()).contains("CRM_SECRET is not set"));
        let hooks = check_webhooks(&[from_env], &defaults, |v| {
            (v == "CRM_SECRET").then(|| "from-env".to_string())
        })
        .unwrap();
        assert_eq!(hooks[0].secret.as_bytes(), b"from-env");
        assert!(
            check_webhooks(&[config("crm"), config("crm")], &defaults, |_| None)
                .unwrap_err()
                .to_string()
                .contains("used twice")
        );
        assert!(refuse(config("CRM")).contains("not a valid webhook name"));
    }
}
