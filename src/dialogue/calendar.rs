//! Deadlines of commitments, on the bank's calendar (`content::BankCalendar`: weekends,
//! public holidays and make-up working days) and in the bank's time zone. A promise in
//! working days is due at the end of its last working day, bank time; a promise in hours
//! counts hours from the moment it is made, whatever the day.

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveTime, Utc};

use crate::content::{BankCalendar, Commitment};
use crate::domain::BankZone;

/// How many working hours before a promise falls due the bank is told (`commitment.due_soon`)
/// unless configured otherwise: half a working day to act before the customer chases.
pub const DEFAULT_DUE_SOON_WORKING_HOURS: u32 = 4;

/// When a promise falls due: the bank date the customer is told, and the instant after
/// which it is overdue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// The last bank day of the promise ("12月1日 前").
    pub by: NaiveDate,
    /// The end of it: a working-days promise at midnight after `by`, bank time; an hours
    /// promise exactly that many hours after it was made.
    pub at: DateTime<Utc>,
}

/// The bank's clock and calendar as one turn (or one follow-up round) sees them.
#[derive(Clone, Copy, Debug)]
pub struct BankTime<'a> {
    pub calendar: &'a BankCalendar,
    pub zone: BankZone,
    pub now: DateTime<Utc>,
}

impl BankTime<'_> {
    /// Today, on the bank's clock.
    pub fn today(&self) -> NaiveDate {
        self.zone.day(self.now)
    }

    /// When a commitment made now falls due.
    pub fn due(&self, commitment: Commitment) -> Due {
        match commitment {
            Commitment::WorkingDays(days) => {
                let by = self.calendar.working_days_after(self.today(), days);
                Due {
                    by,
                    at: end_of_day(self.zone, by),
                }
            }
            Commitment::Hours(hours) => {
                let at = self.now + Duration::hours(i64::from(hours));
                Due {
                    by: self.zone.day(at),
                    at,
                }
            }
        }
    }

    /// The bank date a commitment made now falls due on.
    pub fn deadline(&self, commitment: Commitment) -> NaiveDate {
        self.due(commitment).by
    }
}

/// Midnight after `day`, bank time.
pub fn end_of_day(zone: BankZone, day: NaiveDate) -> DateTime<Utc> {
    let next = day + Days::new(1);
    next.and_time(NaiveTime::MIN)
        .and_local_timezone(zone.offset())
        .single()
        .map_or_else(
            || next.and_time(NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// The instant `lead_hours` working hours before `due`: hours of non-working days are
/// not counted, so a promise due on Monday is "due soon" on Friday afternoon, when
/// someone is at work to act on it.
pub fn working_hours_before(
    calendar: &BankCalendar,
    zone: BankZone,
    due: DateTime<Utc>,
    lead_hours: u32,
) -> DateTime<Utc> {
    let mut at = due;
    let mut left = lead_hours;
    // Bounded: a year of non-working days cannot exist in the calendar.
    let mut steps = 0;
    while left > 0 && steps < 24 * 400 {
        at -= Duration::hours(1);
        steps += 1;
        if calendar.is_working_day(zone.day(at)) {
            left -= 1;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::TimeZone;

    use super::*;
    use crate::content::CALENDAR_FILE;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn bundled() -> BankCalendar {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(CALENDAR_FILE);
        BankCalendar::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    /// Noon in Beijing on `date`.
    fn noon(date: NaiveDate) -> DateTime<Utc> {
        Utc.from_utc_datetime(&date.and_hms_opt(4, 0, 0).unwrap())
    }

    fn by(calendar: &BankCalendar, made: NaiveDate, commitment: Commitment) -> NaiveDate {
        BankTime {
            calendar,
            zone: BankZone::china(),
            now: noon(made),
        }
        .deadline(commitment)
    }

    #[test]
    fn working_days_skip_the_weekend() {
        let weekends = BankCalendar::weekends_only();
        assert_eq!(
            by(&weekends, day(2026, 11, 27), Commitment::WorkingDays(3)),
            day(2026, 12, 2)
        );
        assert_eq!(
            by(&weekends, day(2026, 11, 24), Commitment::WorkingDays(3)),
            day(2026, 11, 27)
        );
    }

    #[test]
    fn national_day_week_2026_is_walked_with_its_make_up_days() {
        let calendar = bundled();
        // Friday 18 September: Sunday 20 (调休), Monday 21, Tuesday 22.
        assert_eq!(
            by(&calendar, day(2026, 9, 18), Commitment::WorkingDays(3)),
            day(2026, 9, 22)
        );
        // Saturday 19 September: Sunday 20 is a make-up working day (调休).
        assert_eq!(
            by(&calendar, day(2026, 9, 19), Commitment::WorkingDays(1)),
            day(2026, 9, 20)
        );
        // Tuesday 29 September: Wednesday 30, then 1–7 October are off, then Thursday 8,
        // Friday 9 and Saturday 10 (调休) are working days.
        assert_eq!(
            by(&calendar, day(2026, 9, 29), Commitment::WorkingDays(3)),
            day(2026, 10, 9)
        );
        assert_eq!(
            by(&calendar, day(2026, 9, 29), Commitment::WorkingDays(4)),
            day(2026, 10, 10)
        );
        // Made during the holiday: the first working day is Thursday 8 October.
        assert_eq!(
            by(&calendar, day(2026, 10, 3), Commitment::WorkingDays(1)),
            day(2026, 10, 8)
        );
        // Mid-Autumn (25–27 September) falls on Friday to Sunday.
        assert_eq!(
            by(&calendar, day(2026, 9, 24), Commitment::WorkingDays(1)),
            day(2026, 9, 28)
        );
    }

    #[test]
    fn spring_festival_week_2026_is_walked_with_its_make_up_saturdays() {
        let calendar = bundled();
        // Friday 13 February: Saturday 14 is a working day (调休), then 15–23 are off.
        assert_eq!(
            by(&calendar, day(2026, 2, 13), Commitment::WorkingDays(1)),
            day(2026, 2, 14)
        );
        assert_eq!(
            by(&calendar, day(2026, 2, 13), Commitment::WorkingDays(3)),
            day(2026, 2, 25)
        );
        // Thursday 26 February: Friday 27, Saturday 28 (调休), Monday 2 March.
        assert_eq!(
            by(&calendar, day(2026, 2, 26), Commitment::WorkingDays(3)),
            day(2026, 3, 2)
        );
    }

    #[test]
    fn hours_count_hours_over_holidays() {
        let calendar = bundled();
        let time = BankTime {
            calendar: &calendar,
            zone: BankZone::china(),
            now: noon(day(2026, 9, 30)),
        };
        let due = time.due(Commitment::Hours(24));
        assert_eq!(due.by, day(2026, 10, 1));
        assert_eq!(due.at, noon(day(2026, 10, 1)));
        // A day's promise in working days ends at midnight, Beijing time.
        let due = time.due(Commitment::WorkingDays(1));
        assert_eq!(due.by, day(2026, 10, 8));
        assert_eq!(due.at.to_rfc3339(), "2026-10-08T16:00:00+00:00");
    }

    #[test]
    fn due_soon_counts_working_hours_only() {
        let calendar = bundled();
        let zone = BankZone::china();
        // Due at the end of Thursday 8 October: 4 working hours before is 20:00 that day.
        let due = end_of_day(zone, day(2026, 10, 8));
        assert_eq!(
            working_hours_before(&calendar, zone, due, 4).to_rfc3339(),
            "2026-10-08T12:00:00+00:00"
        );
        // Due at 02:00 on Thursday 8 October: two hours that day, two on Wednesday 30
        // September (the holiday is skipped).
        let due = Utc.with_ymd_and_hms(2026, 10, 7, 18, 0, 0).unwrap();
        assert_eq!(
            working_hours_before(&calendar, zone, due, 4).to_rfc3339(),
            "2026-09-30T14:00:00+00:00"
        );
    }
}
