//! The time a turn happens at, injectable so that tests can set it: deadlines, bank days
//! and stored times all come from one clock, never from sleeping in a test.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// The bank's time zone: China Standard Time, UTC+8 (no daylight saving).
pub const BANK_UTC_OFFSET_SECONDS: i32 = 8 * 3600;

/// Where "now" comes from.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    /// A clock stopped at `at` (tests, replays).
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock(Arc::new(move || at))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }

    /// Today's date on the bank's clock.
    pub fn bank_today(&self) -> NaiveDate {
        bank_day(self.now())
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// The bank day of an instant.
pub fn bank_day(at: DateTime<Utc>) -> NaiveDate {
    let offset = FixedOffset::east_opt(BANK_UTC_OFFSET_SECONDS).expect("UTC+8 is a valid offset");
    at.with_timezone(&offset).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bank_day_turns_at_midnight_in_beijing_not_in_london() {
        let evening_utc = "2026-11-30T15:59:59Z".parse().unwrap();
        let after_midnight_beijing = "2026-11-30T16:00:00Z".parse().unwrap();
        assert_eq!(
            Clock::fixed(evening_utc).bank_today().to_string(),
            "2026-11-30"
        );
        assert_eq!(
            Clock::fixed(after_midnight_beijing)
                .bank_today()
                .to_string(),
            "2026-12-01"
        );
    }
}
