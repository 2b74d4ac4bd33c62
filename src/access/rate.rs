//! Rate limiting: a token bucket per client (an API key or an address). A bucket holds a
//! minute's allowance, so short bursts pass and a steady flood is cut to the rate; a
//! refused request learns when the next token comes (`Retry-After`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many buckets, full ones (clients idle for a minute) are dropped.
const SWEEP_ABOVE: usize = 10_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// What the limiter says about one request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    Allowed,
    /// Refused; the client may try again after this long.
    Limited(Duration),
}

/// Buckets of one kind of client, all with the same rate.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `per_minute` 0: everything is allowed.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client` at `now`.
    pub fn check(&self, client: &str, now: Instant) -> Verdict {
        if self.per_minute == 0 {
            return Verdict::Allowed;
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(client.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refilled =
            bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = refilled.min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Verdict::Allowed
        } else {
            Verdict::Limited(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_up_to_the_minute_allowance_then_waits_for_the_refill() {
        let limiter = RateLimiter::new(60);
        let start = Instant::now();
        for _ in 0..60 {
            assert_eq!(limiter.check("k", start), Verdict::Allowed);
        }
        let Verdict::Limited(wait) = limiter.check("k", start) else {
            panic!("the 61st request in the same instant is refused");
        };
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        assert_eq!(
            limiter.check("other", start),
            Verdict::Allowed,
            "per client"
        );
        assert_eq!(
            limiter.check("k", start + Duration::from_secs(1)),
            Verdict::Allowed,
            "one token a second comes back"
        );
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = RateLimiter::new(0);
        let now = Instant::now();
        assert!((0..10_000).all(|_| limiter.check("k", now) == Verdict::Allowed));
    }
}
