//! The bank's calendar (`knowledge-base/calendar/cn.yaml`): which days are working days.
//! China moves working days around its public holidays every year (调休: a Saturday or
//! Sunday becomes a working day), as the State Council's notice for the year says, so
//! the calendar is content staff's file, updated each November, not a rule in code. A
//! year the file does not cover (or marks `published: false`) falls back to Monday to
//! Friday.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{ContentError, ContentErrors};

/// The calendar file, under the content root.
pub const CALENDAR_FILE: &str = "knowledge-base/calendar/cn.yaml";

/// Working days: the weekdays, less public holidays, plus make-up working days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BankCalendar {
    /// Public holidays, with the holiday's name.
    holidays: BTreeMap<NaiveDate, String>,
    /// Saturdays and Sundays that are working days (调休).
    workdays: BTreeSet<NaiveDate>,
    /// The last day of the last year whose notice is in the file; `None`: weekends only.
    ends: Option<NaiveDate>,
}

impl BankCalendar {
    /// No holidays known: Monday to Friday are working days.
    pub fn weekends_only() -> BankCalendar {
        BankCalendar::default()
    }

    /// Whether the bank works on `date` (a bank date, in the bank's time zone).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.workdays.contains(&date) {
            return true;
        }
        if self.holidays.contains_key(&date) {
            return false;
        }
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The public holiday `date` falls in, by name.
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    /// The last day the published notices cover; after it, weekends only.
    pub fn ends(&self) -> Option<NaiveDate> {
        self.ends
    }

    /// The `n`th working day after `date` (`n` = 0: `date` itself).
    pub fn working_days_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day + Days::new(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Parses and checks the calendar file; `path` is for messages.
    pub fn parse(path: &Path, source: &str) -> Result<BankCalendar, ContentErrors> {
        let file: CalendarFile = serde_saphyr::from_str(source)
            .map_err(|e| ContentErrors(vec![ContentError::from_yaml(path, 0, &e)]))?;
        let mut errors = ContentErrors::default();
        let mut calendar = BankCalendar::default();
        for (year, entry) in &file.years {
            let at = entry.referenced.line() as usize;
            let entry = &entry.value;
            if !entry.published {
                if !entry.holidays.is_empty() || !entry.workdays.is_empty() {
                    errors.push(ContentError::new(
                        path,
                        at,
                        format!("{year} is marked `published: false` but lists dates"),
                    ));
                }
                continue;
            }
            if entry.source.as_deref().is_none_or(str::is_empty) {
                errors.push(ContentError::new(
                    path,
                    at,
                    format!("{year}: say which notice the dates come from (`source`)"),
                ));
            }
            let in_year = |text: &Spanned<String>, errors: &mut ContentErrors| {
                let line = text.referenced.line() as usize;
                match NaiveDate::parse_from_str(&text.value, "%Y-%m-%d") {
                    Ok(date) if date.year() == i32::from(*year) => Some(date),
                    Ok(date) => {
                        errors.push(ContentError::new(
                            path,
                            line,
                            format!("{date} is not in {year}"),
                        ));
                        None
                    }
                    Err(_) => {
                        errors.push(ContentError::new(
                            path,
                            line,
                            format!("`{}` is not a date (YYYY-MM-DD)", text.value),
                        ));
                        None
                    }
                }
            };
            for holiday in &entry.holidays {
                let line = holiday.referenced.line() as usize;
                let h = &holiday.value;
                let (Some(from), Some(to)) =
                    (in_year(&h.from, &mut errors), in_year(&h.to, &mut errors))
                else {
                    continue;
                };
                if to < from {
                    errors.push(ContentError::new(
                        path,
                        line,
                        format!("{}: `to` ({to}) is before `from` ({from})", h.name),
                    ));
                    continue;
                }
                for day in from.iter_days().take_while(|d| *d <= to) {
                    if calendar.holidays.insert(day, h.name.clone()).is_some() {
                        errors.push(ContentError::new(
                            path,
                            line,
                            format!("{day} is in two holidays"),
                        ));
                    }
                }
            }
            for text in &entry.workdays {
                let Some(day) = in_year(text, &mut errors) else {
                    continue;
                };
                let line = text.referenced.line() as usize;
                if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                    errors.push(ContentError::new(
                        path,
                        line,
                        format!(
                            "{day} is a {}: only a weekend day can be made a working day",
                            day.weekday()
                        ),
                    ));
                } else if calendar.holidays.contains_key(&day) {
                    errors.push(ContentError::new(
                        path,
                        line,
                        format!("{day} is both a holiday and a working day"),
                    ));
                } else {
                    calendar.workdays.insert(day);
                }
            }
            let last = NaiveDate::from_ymd_opt(i32::from(*year), 12, 31);
            calendar.ends = calendar.ends.max(last);
        }
        // A gap would silently count a published-looking year as weekends only.
        let published: Vec<u16> = file
            .years
            .iter()
            .filter(|(_, y)| y.value.published)
            .map(|(year, _)| *year)
            .collect();
        if let Some(pair) = published.windows(2).find(|w| w[1] != w[0] + 1) {
            errors.push(ContentError::new(
                path,
                1,
                format!("the published years skip from {} to {}", pair[0], pair[1]),
            ));
        }
        errors.into_result(calendar)
    }
}

/// `knowledge-base/calendar/cn.yaml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    years: BTreeMap<u16, Spanned<YearFile>>,
}

/// One year's notice.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    /// `false`: the notice is not out yet; the year counts weekends only.
    #[serde(default = "published")]
    published: bool,
    /// The notice the dates come from.
    source: Option<String>,
    #[serde(default)]
    holidays: Vec<Spanned<HolidayFile>>,
    /// Weekend days that are working days (调休).
    #[serde(default)]
    workdays: Vec<Spanned<String>>,
}

fn published() -> bool {
    true
}

/// A public holiday, first and last day off.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    name: String,
    from: Spanned<String>,
    to: Spanned<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn bundled() -> BankCalendar {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(CALENDAR_FILE);
        BankCalendar::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    #[test]
    fn the_bundled_calendar_knows_national_day_and_its_make_up_saturday() {
        let calendar = bundled();
        assert_eq!(calendar.holiday(day(2026, 10, 1)), Some("国庆节"));
        assert!(!calendar.is_working_day(day(2026, 10, 7)));
        assert!(calendar.is_working_day(day(2026, 10, 10)), "调休 Saturday");
        assert!(calendar.is_working_day(day(2026, 9, 20)), "调休 Sunday");
        assert!(
            !calendar.is_working_day(day(2026, 10, 11)),
            "an ordinary Sunday"
        );
        assert_eq!(calendar.ends(), Some(day(2026, 12, 31)));
        // 2027 is not published: weekends only.
        assert!(calendar.is_working_day(day(2027, 2, 8)));
    }

    #[test]
    fn a_weekday_listed_as_a_make_up_day_is_refused_with_its_line() {
        let source = "years:\n  2026:\n    source: test\n    workdays:\n      - 2026-10-09\n";
        let errors = BankCalendar::parse(Path::new("cn.yaml"), source).unwrap_err();
        let error = errors.iter().next().unwrap();
        assert_eq!(error.line, 5, "{errors}");
        assert!(error.message.contains("only a weekend day"), "{errors}");
    }

    #[test]
    fn a_date_outside_its_year_is_refused() {
        let source = "years:\n  2026:\n    source: test\n    holidays:\n      - { name: x, from: 2025-10-01, to: 2026-10-02 }\n";
        let errors = BankCalendar::parse(Path::new("cn.yaml"), source).unwrap_err();
        assert!(errors.to_string().contains("cn.yaml:5"), "{errors}");
    }
}
