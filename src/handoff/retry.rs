//! When to try a failed delivery again, and when to stop trying a destination for a while.
//! Pure state, the clock passed in, so the rules are tested without waiting.

use std::time::{Duration, Instant};

/// Exponential backoff with jitter: attempt n waits between half and all of
/// `first · 2^(n-1)`, capped at `max`. The jitter spreads the retries of a burst that
/// failed together, so a recovering receiver is not hit by all of them at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetrySchedule {
    pub first: Duration,
    pub max: Duration,
}

impl RetrySchedule {
    /// The wait after the `attempt`-th failure (1-based); `jitter` is uniform in [0, 1).
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let doublings = attempt.saturating_sub(1).min(32);
        let full = self
            .first
            .saturating_mul(1u32 << doublings.min(31))
            .min(self.max);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// What the breaker allows now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permit {
    /// Closed: send as much as is due.
    All,
    /// Half-open after a cool-down: one probe decides.
    Probe,
    /// Open: wait this long before probing.
    Wait(Duration),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BreakerState {
    Closed,
    Open { until: Instant },
    HalfOpen,
}

/// A per-destination circuit breaker: after `threshold` failures in a row the destination
/// gets no requests for `cooldown`, then one probe; success closes it, failure reopens it.
/// A receiver that is down is not hammered, and deliveries wait in the outbox meanwhile.
#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cooldown: Duration,
    failures: u32,
    state: BreakerState,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, cooldown: Duration) -> CircuitBreaker {
        CircuitBreaker {
            threshold: threshold.max(1),
            cooldown,
            failures: 0,
            state: BreakerState::Closed,
        }
    }

    pub fn permit(&mut self, now: Instant) -> Permit {
        match self.state {
            BreakerState::Closed => Permit::All,
            BreakerState::HalfOpen => Permit::Probe,
            BreakerState::Open { until } if now < until => Permit::Wait(until - now),
            BreakerState::Open { .. } => {
                self.state = BreakerState::HalfOpen;
                Permit::Probe
            }
        }
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
        self.state = BreakerState::Closed;
    }

    /// Records a failure; true if this one opened the breaker.
    pub fn failed(&mut self, now: Instant) -> bool {
        self.failures = self.failures.saturating_add(1);
        let opens = match self.state {
            BreakerState::HalfOpen => true,
            BreakerState::Closed => self.failures >= self.threshold,
            BreakerState::Open { .. } => false,
        };
        if opens {
            self.state = BreakerState::Open {
                until: now + self.cooldown,
            };
        }
        opens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_cap() {
        let schedule = RetrySchedule {
            first: Duration::from_secs(2),
            max: Duration::from_secs(600),
        };
        assert_eq!(schedule.delay(1, 1.0), Duration::from_secs(2));
        assert_eq!(schedule.delay(1, 0.0), Duration::from_secs(1));
        assert_eq!(schedule.delay(3, 1.0), Duration::from_secs(8));
        assert_eq!(schedule.delay(20, 1.0), Duration::from_secs(600));
        assert_eq!(schedule.delay(u32::MAX, 0.0), Duration::from_secs(300));
        assert!(schedule.delay(4, 0.3) < schedule.delay(4, 0.9));
    }

    #[test]
    fn the_breaker_opens_after_failures_in_a_row_and_closes_after_a_good_probe() {
        let start = Instant::now();
        let cooldown = Duration::from_secs(30);
        let mut breaker = CircuitBreaker::new(3, cooldown);
        assert!(!breaker.failed(start));
        breaker.succeeded();
        assert!(!breaker.failed(start));
        assert!(!breaker.failed(start));
        assert_eq!(breaker.permit(start), Permit::All, "two in a row: closed");
        assert!(breaker.failed(start), "the third in a row opens it");
        assert_eq!(breaker.permit(start), Permit::Wait(cooldown));
        let later = start + cooldown;
        assert_eq!(breaker.permit(later), Permit::Probe);
        assert!(breaker.failed(later), "a failed probe reopens it");
        assert_eq!(breaker.permit(later), Permit::Wait(cooldown));
        assert_eq!(breaker.permit(later + cooldown), Permit::Probe);
        breaker.succeeded();
        assert_eq!(breaker.permit(later + cooldown), Permit::All);
    }
}
