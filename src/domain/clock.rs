//! The time a turn happens at, injectable so that tests can set it: deadlines, bank days
//! and stored times all come from one clock, never from sleeping in a test. The clock also
//! knows the bank's time zone, because a bank day is a date on the bank's wall clock.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// The default bank time zone: China Standard Time, UTC+8 (no daylight saving).
pub const BANK_UTC_OFFSET_SECONDS: i32 = 8 * 3600;

/// The bank's time zone, as a fixed offset from UTC. Chinese banks keep China Standard
/// Time, which has had no daylight saving since 1991, so a fixed offset is exact; the
/// names `Asia/Shanghai` and `Asia/Hong_Kong` are accepted for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BankZone(FixedOffset);

/// A time zone setting that is neither `±HH:MM` nor a known name.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a time zone: write `Asia/Shanghai` or an offset such as `+08:00`")]
pub struct BankZoneError(String);

impl BankZone {
    /// China Standard Time.
    pub fn china() -> BankZone {
        BankZone(FixedOffset::east_opt(BANK_UTC_OFFSET_SECONDS).expect("UTC+8 is a valid offset"))
    }

    /// `Asia/Shanghai` (and the other UTC+8 names), `UTC`, or `±HH:MM`.
    pub fn parse(text: &str) -> Result<BankZone, BankZoneError> {
        let text = text.trim();
        match text {
            "Asia/Shanghai" | "Asia/Hong_Kong" | "Asia/Macau" | "Asia/Taipei" | "PRC" => {
                return Ok(BankZone::china());
            }
            "UTC" | "Z" => return Ok(BankZone(FixedOffset::east_opt(0).expect("UTC"))),
            _ => {}
        }
        let error = || BankZoneError(text.to_string());
        let (sign, rest) = match text.as_bytes().first() {
            Some(b'+') => (1, &text[1..]),
            Some(b'-') => (-1, &text[1..]),
            _ => return Err(error()),
        };
        let (hours, minutes) = rest.split_once(':').ok_or_else(error)?;
        let hours: i32 = hours.parse().map_err(|_| error())?;
        let minutes: i32 = minutes.parse().map_err(|_| error())?;
        if hours > 14 || minutes > 59 {
            return Err(error());
        }
        FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
            .map(BankZone)
            .ok_or_else(error)
    }

    pub fn offset(self) -> FixedOffset {
        self.0
    }

    /// The bank day of an instant.
    pub fn day(self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }
}

impl Default for BankZone {
    fn default() -> BankZone {
        BankZone::china()
    }
}

/// Where "now" comes from, and the bank's time zone.
#[derive(Clone)]
pub struct Clock {
    now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    zone: BankZone,
}

/// The hand of an adjustable clock: tests move time with it instead of sleeping.
#[derive(Clone, Debug)]
pub struct ClockHand(Arc<Mutex<DateTime<Utc>>>);

impl ClockHand {
    /// Sets the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock {
            now: Arc::new(Utc::now),
            zone: BankZone::default(),
        }
    }

    /// A clock stopped at `at` (tests, replays).
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock {
            now: Arc::new(move || at),
            zone: BankZone::default(),
        }
    }

    /// A clock stopped at `at` that its hand moves (tests of what happens later).
    pub fn adjustable(at: DateTime<Utc>) -> (Clock, ClockHand) {
        let hand = ClockHand(Arc::new(Mutex::new(at)));
        let read = hand.clone();
        let clock = Clock {
            now: Arc::new(move || *read.0.lock().unwrap_or_else(|e| e.into_inner())),
            zone: BankZone::default(),
        };
        (clock, hand)
    }

    /// The same clock in another bank time zone.
    pub fn in_zone(mut self, zone: BankZone) -> Clock {
        self.zone = zone;
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    pub fn zone(&self) -> BankZone {
        self.zone
    }

    /// Today's date on the bank's clock.
    pub fn bank_today(&self) -> NaiveDate {
        self.zone.day(self.now())
    }

    /// The bank day of an instant, in this clock's zone.
    pub fn bank_day(&self, at: DateTime<Utc>) -> NaiveDate {
        self.zone.day(at)
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({}, {})", self.now(), self.zone.0)
    }
}

/// The bank day of an instant in the default zone (China Standard Time), for the reads
/// that have no clock of their own (operators' figures).
pub fn bank_day(at: DateTime<Utc>) -> NaiveDate {
    BankZone::default().day(at)
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

    #[test]
    fn a_bank_zone_is_a_name_or_an_offset() {
        assert_eq!(BankZone::parse("Asia/Shanghai").unwrap(), BankZone::china());
        assert_eq!(BankZone::parse("+08:00").unwrap(), BankZone::china());
        assert_eq!(
            BankZone::parse("-05:30")
                .unwrap()
                .offset()
                .local_minus_utc(),
            -(5 * 3600 + 30 * 60)
        );
        assert!(BankZone::parse("Europe/Paris").is_err());
        assert!(BankZone::parse("+8").is_err());
    }
}
