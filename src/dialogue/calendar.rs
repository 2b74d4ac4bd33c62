//! Deadlines of commitments. Working days skip Saturdays and Sundays; public holidays are
//! not known to Frontline, so a deadline over a holiday is earlier than the bank's own
//! (the reply promises the limit, and the bank's process meets it or better).

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::content::Commitment;

fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The last day a commitment made on `today` is due.
pub fn deadline(today: NaiveDate, commitment: Commitment) -> NaiveDate {
    match commitment {
        Commitment::WorkingDays(days) => {
            let mut date = today;
            let mut left = days;
            while left > 0 {
                date = date + Days::new(1);
                if is_working_day(date) {
                    left -= 1;
                }
            }
            date
        }
        Commitment::Hours(hours) => today + Days::new(u64::from(hours.div_ceil(24))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_skip_the_weekend() {
        let friday = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(
            deadline(friday, Commitment::WorkingDays(3)),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        );
        let tuesday = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(
            deadline(tuesday, Commitment::WorkingDays(3)),
            NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
        );
        assert_eq!(
            deadline(tuesday, Commitment::Hours(24)),
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
        );
    }
}
