//! The limits that keep one client, or one runaway script, from starving the others.
//! Body size (16 KiB) and message length (1,000 characters) are fixed in the API types;
//! these are the ones operators tune.

use std::time::Duration;

use serde::Deserialize;

/// The `[limits]` table of the config file.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Requests per minute one API key may make (0: unlimited).
    pub requests_per_minute_per_key: u32,
    /// Requests per minute one client address may make (0: unlimited).
    pub requests_per_minute_per_address: u32,
    /// Whether loopback clients count per address. Off by default: behind a reverse proxy
    /// on the same host every client is 127.0.0.1, and only the per-key limit is meaningful.
    pub limit_loopback: bool,
    /// A request still unanswered after this long gets a 503.
    pub request_timeout_ms: u64,
    /// Turns one conversation may have; past it the customer is asked to start again.
    pub max_turns_per_conversation: u32,
    /// Turns being processed at once across all conversations (each holds a
    /// conversation's state in memory); past it, 503 with `Retry-After`.
    pub max_concurrent_turns: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            requests_per_minute_per_key: 6_000,
            requests_per_minute_per_address: 600,
            limit_loopback: false,
            request_timeout_ms: 15_000,
            max_turns_per_conversation: 200,
            max_concurrent_turns: 512,
        }
    }
}

/// The limits in force.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub per_key_per_minute: u32,
    pub per_address_per_minute: u32,
    pub limit_loopback: bool,
    pub request_timeout: Duration,
    pub max_turns_per_conversation: u32,
    pub max_concurrent_turns: u32,
}

impl From<LimitsConfig> for Limits {
    fn from(config: LimitsConfig) -> Limits {
        Limits {
            per_key_per_minute: config.requests_per_minute_per_key,
            per_address_per_minute: config.requests_per_minute_per_address,
            limit_loopback: config.limit_loopback,
            request_timeout: Duration::from_millis(config.request_timeout_ms.max(1)),
            max_turns_per_conversation: config.max_turns_per_conversation.max(1),
            max_concurrent_turns: config.max_concurrent_turns.max(1),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        LimitsConfig::default().into()
    }
}
