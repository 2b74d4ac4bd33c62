//! Dates and times: `昨天下午三点`, `上周五`, `3月5号`, `2024-03-05`, `下午3点半`,
//! `yesterday at 3pm`, `last night`. Relative dates are resolved against `today`; the value
//! is `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::Found;
use super::numbers::{may_start_number, number_at};
use super::text::{Initials, longest_at, matches_at, skip_spaces, word_at, word_starts_at};
use crate::domain::EntityKind;

/// A part of the day, which decides whether `3点` is 03:00 or 15:00.
#[derive(Clone, Copy, Debug, PartialEq)]
enum PartOfDay {
    EarlyMorning,
    Morning,
    Noon,
    Afternoon,
    Evening,
}

const DAY_OFFSETS: &[(&str, i64)] = &[
    ("大前天", -3),
    ("前天", -2),
    ("昨天", -1),
    ("昨日", -1),
    ("昨儿", -1),
    ("昨晚", -1),
    ("今天", 0),
    ("今日", 0),
    ("今儿", 0),
    ("今早", 0),
    ("今晚", 0),
    ("刚才", 0),
    ("刚刚", 0),
    ("明天", 1),
    ("后天", 2),
    ("the day before yesterday", -2),
    ("yesterday", -1),
    ("last night", -1),
    ("today", 0),
    ("tonight", 0),
    ("this morning", 0),
    ("this afternoon", 0),
    ("this evening", 0),
    ("just now", 0),
    ("tomorrow", 1),
];

const PARTS: &[(&str, PartOfDay)] = &[
    ("凌晨", PartOfDay::EarlyMorning),
    ("半夜", PartOfDay::EarlyMorning),
    ("早上", PartOfDay::Morning),
    ("早晨", PartOfDay::Morning),
    ("上午", PartOfDay::Morning),
    ("今早", PartOfDay::Morning),
    ("中午", PartOfDay::Noon),
    ("下午", PartOfDay::Afternoon),
    ("傍晚", PartOfDay::Evening),
    ("晚上", PartOfDay::Evening),
    ("夜里", PartOfDay::Evening),
    ("昨晚", PartOfDay::Evening),
    ("今晚", PartOfDay::Evening),
    ("this morning", PartOfDay::Morning),
    ("this afternoon", PartOfDay::Afternoon),
    ("this evening", PartOfDay::Evening),
    ("last night", PartOfDay::Evening),
    ("tonight", PartOfDay::Evening),
];

const WEEK_PREFIXES: &[&str] = &[
    "上个星期",
    "上星期",
    "上礼拜",
    "上周",
    "这周",
    "本周",
    "星期",
    "礼拜",
    "周",
];
const EN_WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];
const EN_MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn zh_weekday(c: char) -> Option<Weekday> {
    Some(match c {
        '一' | '1' => Weekday::Mon,
        '二' | '2' => Weekday::Tue,
        '三' | '3' => Weekday::Wed,
        '四' | '4' => Weekday::Thu,
        '五' | '5' => Weekday::Fri,
        '六' | '6' => Weekday::Sat,
        '日' | '天' | '7' => Weekday::Sun,
        _ => return None,
    })
}

/// The most recent `weekday` on or before `today`, `weeks_back` weeks earlier.
fn past_weekday(today: NaiveDate, weekday: Weekday, last_week: bool) -> NaiveDate {
    if last_week {
        let monday_this_week = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
        let monday_last_week = monday_this_week - Days::new(7);
        return monday_last_week + Days::new(u64::from(weekday.num_days_from_monday()));
    }
    let back = (7 + today.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
    today - Days::new(u64::from(back))
}

fn shift(today: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        today + Days::new(days as u64)
    } else {
        today - Days::new(days.unsigned_abs())
    }
}

/// How far back each unit of an `ago` expression goes, in days (minutes and hours ago are
/// today: the day is what the bank's records need).
const AGO_UNITS: &[(&str, i64)] = &[
    ("minutes", 0),
    ("minute", 0),
    ("mins", 0),
    ("hours", 0),
    ("hour", 0),
    ("days", 1),
    ("day", 1),
    ("weeks", 7),
    ("week", 7),
    ("分钟", 0),
    ("个小时", 0),
    ("小时", 0),
    ("个钟头", 0),
    ("钟头", 0),
    ("天", 1),
    ("个星期", 7),
    ("星期", 7),
    ("个礼拜", 7),
    ("礼拜", 7),
    ("周", 7),
];

/// Words before a count back (`about an hour ago`, `大概两天前`).
const AGO_LEADS: &[&str] = &[
    "about ",
    "around ",
    "roughly ",
    "maybe ",
    "大概",
    "大约",
    "差不多",
];

/// Counts an English `ago` may start with, beside digits; longer phrases first.
const EN_COUNTS: &[(&str, i64)] = &[
    ("a couple of", 2),
    ("a few", 3),
    ("an", 1),
    ("a", 1),
    ("one", 1),
    ("two", 2),
    ("few", 3),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("ten", 10),
];

/// `about an hour ago`, `10 minutes ago`, `3 days ago`, `两天前`, `一个小时之前`: a day counted
/// back from today.
fn ago_at(chars: &[char], at: usize, today: NaiveDate) -> Option<(NaiveDate, usize)> {
    let mut i = at;
    for lead in AGO_LEADS {
        if matches_at(chars, i, lead) && (!lead.is_ascii() || word_at(chars, i, lead.trim())) {
            i += lead.chars().count();
            break;
        }
    }
    let count = if let Some(n) = number_at(chars, i).filter(|n| n.value >= 1.0) {
        i += n.len;
        n.value as i64
    } else {
        let (word, n) = EN_COUNTS
            .iter()
            .find(|(w, _)| word_at(chars, i, w))
            .copied()?;
        i += word.chars().count();
        n
    };
    i = skip_spaces(chars, i);
    let (unit, len) = longest_at(chars, i, AGO_UNITS.iter().map(|u| u.0))?;
    i += len;
    let days = AGO_UNITS.iter().find(|u| u.0 == unit).map_or(0, |u| u.1) * count;
    let tail = if unit.is_ascii() {
        let at_ago = skip_spaces(chars, i);
        word_at(chars, at_ago, "ago").then(|| at_ago + 3 - i)?
    } else {
        longest_at(chars, i, ["以前", "之前", "前"])?.1
    };
    if unit.is_ascii() && !word_at(chars, i - len, unit) {
        return None;
    }
    Some((shift(today, -days), i + tail - at))
}

/// A day at `at`: relative words, weekdays, `3月5号`, `2024年3月5日`, `2024-03-05`, `5号`,
/// `an hour ago`, `两天前`.
fn day_at(chars: &[char], at: usize, today: NaiveDate) -> Option<(NaiveDate, usize)> {
    if let Some(found) = ago_at(chars, at, today) {
        return Some(found);
    }
    if let Some((word, len)) = longest_at(chars, at, DAY_OFFSETS.iter().map(|d| d.0)) {
        if word.is_ascii() && !word_at(chars, at, word) {
            return None;
        }
        let offset = DAY_OFFSETS.iter().find(|d| d.0 == word).map_or(0, |d| d.1);
        return Some((shift(today, offset), len));
    }
    if let Some((prefix, len)) = longest_at(chars, at, WEEK_PREFIXES.iter().copied()) {
        let weekday = chars.get(at + len).copied().and_then(zh_weekday)?;
        let last_week = prefix.starts_with('上');
        return Some((past_weekday(today, weekday, last_week), len + 1));
    }
    if chars.get(at).is_some_and(char::is_ascii_alphabetic) && word_starts_at(chars, at) {
        for &(name, weekday) in EN_WEEKDAYS {
            for (lead, last_week) in [("last ", true), ("on ", false), ("", false)] {
                if matches_at(chars, at, lead) && word_at(chars, at + lead.len(), name) {
                    return Some((
                        past_weekday(today, weekday, last_week),
                        lead.len() + name.len(),
                    ));
                }
            }
        }
    }
    iso_date_at(chars, at)
        .or_else(|| zh_date_at(chars, at, today))
        .or_else(|| en_date_at(chars, at, today))
}

fn digits_at(chars: &[char], at: usize, n: usize) -> Option<u32> {
    let slice = chars.get(at..at + n)?;
    slice
        .iter()
        .try_fold(0, |acc, c| c.to_digit(10).map(|d| acc * 10 + d))
}

/// `2024-03-05` or `2024/3/5`.
fn iso_date_at(chars: &[char], at: usize) -> Option<(NaiveDate, usize)> {
    let year = digits_at(chars, at, 4)?;
    let sep = *chars.get(at + 4)?;
    if sep != '-' && sep != '/' {
        return None;
    }
    let mut i = at + 5;
    let month_len = if digits_at(chars, i, 2).is_some() {
        2
    } else {
        1
    };
    let month = digits_at(chars, i, month_len)?;
    i += month_len;
    if chars.get(i) != Some(&sep) {
        return None;
    }
    i += 1;
    let day_len = if digits_at(chars, i, 2).is_some() {
        2
    } else {
        1
    };
    let day = digits_at(chars, i, day_len)?;
    i += day_len;
    NaiveDate::from_ymd_opt(year as i32, month, day).map(|d| (d, i - at))
}

/// `[2024年]3月5日`, `3月5号`, or `5号` (this month, or last month if still to come).
fn zh_date_at(chars: &[char], at: usize, today: NaiveDate) -> Option<(NaiveDate, usize)> {
    let mut i = at;
    let mut year = None;
    if let Some(y) = digits_at(chars, i, 4).filter(|_| chars.get(i + 4) == Some(&'年')) {
        year = Some(y as i32);
        i += 5;
    }
    let first = number_at(chars, i)?;
    let after_first = i + first.len;
    let (month, day, end) = match chars.get(after_first) {
        Some('月') => {
            let day = number_at(chars, after_first + 1)?;
            let end = after_first + 1 + day.len;
            if !matches!(chars.get(end), Some('日' | '号')) {
                return None;
            }
            (first.value as u32, day.value as u32, end + 1)
        }
        Some('号') if year.is_none() && first.value >= 1.0 && first.value <= 31.0 => {
            (today.month(), first.value as u32, after_first + 1)
        }
        _ => return None,
    };
    let mut date = NaiveDate::from_ymd_opt(year.unwrap_or(today.year()), month, day)?;
    if year.is_none() && date > today {
        date = if chars[at..end].contains(&'月') {
            NaiveDate::from_ymd_opt(today.year() - 1, month, day)?
        } else {
            let previous = today.with_day(1)? - Days::new(1);
            NaiveDate::from_ymd_opt(previous.year(), previous.month(), day)?
        };
    }
    Some((date, end - at))
}

/// `march 5`, `march 5th`, `5 march`.
fn en_date_at(chars: &[char], at: usize, today: NaiveDate) -> Option<(NaiveDate, usize)> {
    for (index, name) in EN_MONTHS.iter().enumerate() {
        let short = &name[..3];
        for word in [*name, short] {
            if !word_at(chars, at, word) {
                continue;
            }
            let i = skip_spaces(chars, at + word.len());
            let day = number_at(chars, i).filter(|n| n.plain_digits)?;
            let mut end = i + day.len;
            for suffix in ["st", "nd", "rd", "th"] {
                if matches_at(chars, end, suffix) {
                    end += 2;
                }
            }
            let mut date =
                NaiveDate::from_ymd_opt(today.year(), index as u32 + 1, day.value as u32)?;
            if date > today {
                date =
                    NaiveDate::from_ymd_opt(today.year() - 1, index as u32 + 1, day.value as u32)?;
            }
            return Some((date, end - at));
        }
    }
    None
}

fn part_at(chars: &[char], at: usize) -> Option<(PartOfDay, usize)> {
    let (word, len) = longest_at(chars, at, PARTS.iter().map(|p| p.0))?;
    if word.is_ascii() && !word_at(chars, at, word) {
        return None;
    }
    PARTS.iter().find(|p| p.0 == word).map(|p| (p.1, len))
}

/// A clock time at `at`: `3点`, `三点半`, `3点20分`, `15:30`, `3pm`, `3:30 pm`, `at 3`.
/// Returns (hour, minute, length, whether it is certainly a time on its own, pm).
fn clock_at(chars: &[char], at: usize) -> Option<Clock> {
    let mut i = at;
    if matches_at(chars, i, "at ") && super::text::word_starts_at(chars, i) {
        i += 3;
    }
    let hour = number_at(chars, i)?;
    if hour.value.fract() != 0.0 || hour.value > 24.0 {
        return None;
    }
    let arabic = hour.plain_digits;
    let mut end = i + hour.len;
    let mut minute = 0;
    let mut certain = false;
    let mut pm = None;
    match chars.get(end) {
        Some('点' | '时') => {
            end += 1;
            if chars.get(end) == Some(&'半') {
                minute = 30;
                end += 1;
                certain = true;
            } else if let Some(m) = number_at(chars, end).filter(|m| m.value < 60.0) {
                if chars.get(end + m.len) == Some(&'分') {
                    minute = m.value as u32;
                    end += m.len + 1;
                    certain = true;
                }
            } else if matches_at(chars, end, "一刻") {
                minute = 15;
                end += 2;
            }
            if matches_at(chars, end, "钟") {
                end += 1;
                certain = true;
            }
            certain |= arabic || matches_at(chars, end, "左右") || matches_at(chars, end, "多");
        }
        Some(':') if arabic => {
            let m = digits_at(chars, end + 1, 2)?;
            if m >= 60 {
                return None;
            }
            minute = m;
            end += 3;
            certain = true;
        }
        _ if arabic => {}
        _ => return None,
    }
    let after = skip_spaces(chars, end);
    for (marker, is_pm) in [("am", false), ("pm", true), ("a.m.", false), ("p.m.", true)] {
        if matches_at(chars, after, marker)
            && super::text::word_ends_at(chars, after + marker.len())
        {
            pm = Some(is_pm);
            end = after + marker.len();
            certain = true;
        }
    }
    if end == i + hour.len {
        // A bare number is a time only with am/pm.
        return None;
    }
    Some((hour.value as u32, minute, end - at, certain, pm))
}

/// (hour, minute, length, certainly a time on its own, am/pm if said).
type Clock = (u32, u32, usize, bool, Option<bool>);

fn to_24h(hour: u32, part: Option<PartOfDay>, pm: Option<bool>) -> u32 {
    match (pm, part) {
        (Some(true), _) if hour < 12 => hour + 12,
        (Some(false), _) if hour == 12 => 0,
        (None, Some(PartOfDay::Afternoon | PartOfDay::Evening)) if hour < 12 => hour + 12,
        (None, Some(PartOfDay::Noon)) if hour < 6 => hour + 12,
        (None, Some(PartOfDay::EarlyMorning)) if hour == 12 => 0,
        _ => hour % 24,
    }
}

/// Whether a date or a time may start with `c`: a number, or the first character of one
/// of the words above. [`find`] looks at every character of every message; most of them
/// are ruled out here at the cost of one lookup.
fn may_start(c: char) -> bool {
    static INITIALS: std::sync::LazyLock<Initials> = std::sync::LazyLock::new(|| {
        Initials::of(
            DAY_OFFSETS
                .iter()
                .map(|d| d.0)
                .chain(PARTS.iter().map(|p| p.0))
                .chain(WEEK_PREFIXES.iter().copied())
                .chain(EN_WEEKDAYS.iter().map(|d| d.0))
                .chain(EN_MONTHS.iter().copied())
                .chain(EN_COUNTS.iter().map(|c| c.0))
                .chain(AGO_LEADS.iter().copied())
                .chain(["last ", "on ", "at "]),
        )
    });
    may_start_number(c) || INITIALS.may_start(c)
}

pub fn find(chars: &[char], today: NaiveDate) -> Vec<Found> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !may_start(chars[i])
            || (i > 0 && chars[i - 1].is_ascii_alphanumeric() && chars[i].is_ascii_alphanumeric())
        {
            i += 1;
            continue;
        }
        let mut end = i;
        let day = day_at(chars, i, today);
        // Some day words carry their part of the day (`昨晚`, `last night`).
        let own_part = day.and_then(|(_, len)| part_at(chars, i).filter(|p| p.1 == len));
        if let Some((_, len)) = day {
            end = skip_spaces(chars, end + len);
            if chars.get(end) == Some(&'的') {
                end += 1;
            }
        }
        let next_part = part_at(chars, end);
        if let Some((_, len)) = next_part {
            end = skip_spaces(chars, end + len);
        }
        let part = next_part.or(own_part);
        let clock = clock_at(chars, end).filter(|c| c.3 || day.is_some() || part.is_some());
        if day.is_none() && part.is_none() && clock.is_none() {
            i += 1;
            continue;
        }
        let date = day.map_or(today, |d| d.0);
        let (value, span_end) = match clock {
            Some((hour, minute, len, _, pm)) => {
                let hour = to_24h(hour, part.map(|p| p.0), pm);
                (
                    format!("{}T{:02}:{:02}", date.format("%Y-%m-%d"), hour, minute),
                    end + len,
                )
            }
            None => (date.format("%Y-%m-%d").to_string(), end),
        };
        let span_end = trim_end(chars, i, span_end);
        if span_end > i && plan_follows(chars, span_end) {
            // `我下午还要用`: when the customer will need something, not when it happened.
            i = span_end;
            continue;
        }
        if span_end > i {
            found.push(Found::new(EntityKind::Datetime, value, i, span_end));
            i = span_end;
        } else {
            i += 1;
        }
    }
    found
}

/// Words that make the time before them a plan (`下午还要用`, `明天得去`), which no complaint
/// slot asks for: the slots ask when something happened.
const PLAN_MARKERS: &[&str] = &["还要", "还得", "要用", "得用", "就要", "要去", "得去"];

fn plan_follows(chars: &[char], end: usize) -> bool {
    let at = skip_spaces(chars, end);
    longest_at(chars, at, PLAN_MARKERS.iter().copied()).is_some()
}

/// Drops trailing spaces and a dangling `的` from a span.
fn trim_end(chars: &[char], start: usize, mut end: usize) -> usize {
    while end > start && matches!(chars[end - 1], ' ' | '的') {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(text: &str) -> Vec<(String, String)> {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(); // a Tuesday
        let chars: Vec<char> = text.chars().collect();
        find(&chars, today)
            .into_iter()
            .map(|f| (f.value, chars[f.start..f.end].iter().collect()))
            .collect()
    }

    #[test]
    fn relative_days_and_clock_times_resolve() {
        assert_eq!(
            dates("昨天下午三点在atm取钱"),
            vec![("2026-11-23T15:00".into(), "昨天下午三点".into())]
        );
        assert_eq!(
            dates("今天上午10点半"),
            vec![("2026-11-24T10:30".into(), "今天上午10点半".into())]
        );
        assert_eq!(dates("前天"), vec![("2026-11-22".into(), "前天".into())]);
        assert_eq!(
            dates("晚上8点"),
            vec![("2026-11-24T20:00".into(), "晚上8点".into())]
        );
    }

    #[test]
    fn weekdays_and_calendar_dates_resolve_to_the_past() {
        assert_eq!(
            dates("上周五"),
            vec![("2026-11-20".into(), "上周五".into())]
        );
        assert_eq!(dates("周日"), vec![("2026-11-22".into(), "周日".into())]);
        assert_eq!(
            dates("3月5号"),
            vec![("2026-03-05".into(), "3月5号".into())]
        );
        assert_eq!(
            dates("12月1日"),
            vec![("2025-12-01".into(), "12月1日".into())]
        );
        assert_eq!(
            dates("2024-03-05"),
            vec![("2024-03-05".into(), "2024-03-05".into())]
        );
    }

    #[test]
    fn english_dates_and_times_resolve() {
        assert_eq!(
            dates("yesterday at 3pm"),
            vec![("2026-11-23T15:00".into(), "yesterday at 3pm".into())]
        );
        assert_eq!(
            dates("last night"),
            vec![("2026-11-23".into(), "last night".into())]
        );
        assert_eq!(
            dates("on monday"),
            vec![("2026-11-23".into(), "on monday".into())]
        );
    }

    #[test]
    fn time_ago_counts_back_from_today() {
        assert_eq!(
            dates("about an hour ago"),
            vec![("2026-11-24".into(), "about an hour ago".into())]
        );
        assert_eq!(
            dates("10 minutes ago"),
            vec![("2026-11-24".into(), "10 minutes ago".into())]
        );
        assert_eq!(
            dates("three days ago at the riverside branch"),
            vec![("2026-11-21".into(), "three days ago".into())]
        );
        assert_eq!(
            dates("两天前"),
            vec![("2026-11-22".into(), "两天前".into())]
        );
        assert_eq!(
            dates("大概一个小时之前"),
            vec![("2026-11-24".into(), "大概一个小时之前".into())]
        );
        assert!(dates("两天内退回").is_empty());
        assert!(dates("an hour").is_empty());
    }

    #[test]
    fn a_time_for_a_plan_is_not_when_it_happened() {
        assert!(dates("我下午还要用这张卡").is_empty());
        assert!(dates("明天得去医院交钱").is_empty());
        assert_eq!(
            dates("下午吞的卡"),
            vec![("2026-11-24".into(), "下午".into())]
        );
    }

    #[test]
    fn a_little_is_not_one_o_clock() {
        assert!(dates("快一点好吗").is_empty());
        assert!(dates("我有一点担心").is_empty());
    }
}
