//! Reading numbers as customers write them: `2000`, `2,000`, `3.5万`, `两千`, `两千五`,
//! `一万二千五百`, `五k`. Returns the value and how many characters it spans.

use crate::privacy::digit_value_of as ascii_or_wide_digit;

/// A number found at a position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number {
    pub value: f64,
    /// Characters consumed.
    pub len: usize,
    /// Whether it was written with Arabic digits only (no Chinese numerals or magnitude).
    pub plain_digits: bool,
}

fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

fn small_unit(c: char) -> Option<f64> {
    Some(match c {
        '十' | '拾' => 10.0,
        '百' | '佰' => 100.0,
        '千' | '仟' => 1_000.0,
        _ => return None,
    })
}

fn large_unit(c: char) -> Option<f64> {
    Some(match c {
        '万' | 'w' => 10_000.0,
        '亿' => 100_000_000.0,
        _ => return None,
    })
}

fn is_digit_at(chars: &[char], i: usize) -> bool {
    chars
        .get(i)
        .is_some_and(|&c| ascii_or_wide_digit(c).is_some())
}

/// `,` followed by exactly three digits separates thousands (`2,000`), any other `,` is
/// punctuation (`2000,3000`).
fn thousands_group_follows(chars: &[char], comma: usize) -> bool {
    (1..=3).all(|k| is_digit_at(chars, comma + k)) && !is_digit_at(chars, comma + 4)
}

/// Reads Arabic digits (with `,` thousands separators and a decimal point) at `at`.
fn arabic(chars: &[char], at: usize) -> Option<(f64, usize)> {
    let mut text = String::new();
    let mut i = at;
    let mut seen_point = false;
    while i < chars.len() {
        let c = chars[i];
        if let Some(d) = ascii_or_wide_digit(c) {
            text.push(char::from_digit(d, 10).unwrap_or('0'));
        } else if c == ',' && !seen_point && !text.is_empty() && thousands_group_follows(chars, i) {
            // `2,000`: a thousands separator, skipped.
        } else if c == '.' && !seen_point && !text.is_empty() && is_digit_at(chars, i + 1) {
            seen_point = true;
            text.push('.');
        } else {
            break;
        }
        i += 1;
    }
    if text.is_empty() {
        return None;
    }
    text.parse().ok().map(|v| (v, i - at))
}

/// Reads a Chinese numeral (`一万二千五百`, `两千五`, `十五`) at `at`.
fn chinese(chars: &[char], at: usize) -> Option<(f64, usize)> {
    let mut total = 0.0;
    let mut section = 0.0;
    let mut digit: Option<f64> = None;
    let mut last_unit = 1.0;
    let mut saw_zero = false;
    let mut i = at;
    while i < chars.len() {
        let c = chars[i];
        if let Some(d) = chinese_digit(c) {
            // `一千零五`: 零 only holds a place; two digits in a row end the number.
            if digit.is_some_and(|d| d != 0.0) {
                break;
            }
            saw_zero |= d == 0;
            digit = Some(f64::from(d));
        } else if let Some(unit) = small_unit(c) {
            section += digit.unwrap_or(1.0) * unit;
            digit = None;
            last_unit = unit;
        } else if let Some(unit) = large_unit(c).filter(|_| c != 'w') {
            total += (section + digit.unwrap_or(0.0)) * unit;
            if section == 0.0 && digit.is_none() {
                break;
            }
            section = 0.0;
            digit = None;
            last_unit = unit;
        } else {
            break;
        }
        i += 1;
    }
    if i == at {
        return None;
    }
    // `两千五` is 2500 and `三万五` is 35000: after a hundred or more, a trailing digit
    // counts in the unit below (but `二十五` is 25 and `一千零五` is 1005).
    let colloquial = last_unit >= 100.0 && !saw_zero;
    let trailing = digit.map_or(0.0, |d| if colloquial { d * last_unit / 10.0 } else { d });
    Some((total + section + trailing, i - at))
}

/// Reads a number at `at`, with an optional magnitude after Arabic digits (`3.5万`, `5k`,
/// `2千`, `1万2`).
pub fn number_at(chars: &[char], at: usize) -> Option<Number> {
    if let Some((value, len)) = arabic(chars, at) {
        let next = chars.get(at + len).copied();
        let magnitude = next.and_then(|c| match c {
            'k' => Some(1_000.0),
            c => small_unit(c)
                .filter(|&u| u >= 100.0)
                .or_else(|| large_unit(c)),
        });
        if let Some(m) = magnitude {
            // `1万2` = 12000: one more digit in the unit below.
            let after = at + len + 1;
            let extra = chars
                .get(after)
                .and_then(|&c| ascii_or_wide_digit(c))
                .filter(|_| {
                    chars
                        .get(after + 1)
                        .is_none_or(|&c| ascii_or_wide_digit(c).is_none())
                });
            let (extra_value, extra_len) = extra.map_or((0.0, 0), |d| (f64::from(d) * m / 10.0, 1));
            return Some(Number {
                value: value * m + extra_value,
                len: len + 1 + extra_len,
                plain_digits: false,
            });
        }
        return Some(Number {
            value,
            len,
            plain_digits: true,
        });
    }
    chinese(chars, at).map(|(value, len)| Number {
        value,
        len,
        plain_digits: false,
    })
}

/// Whether a number can start here (a digit or a Chinese numeral).
pub fn starts_number(c: char) -> bool {
    ascii_or_wide_digit(c).is_some() || chinese_digit(c).is_some() || small_unit(c) == Some(10.0)
}

/// Whether [`number_at`] may find a number starting with `c` (it may still not): a
/// digit, a Chinese numeral or a unit (`百`, `万`). A cheap test before the parse.
pub fn may_start_number(c: char) -> bool {
    ascii_or_wide_digit(c).is_some()
        || chinese_digit(c).is_some()
        || small_unit(c).is_some()
        || large_unit(c).is_some()
}

/// A value as an API string: `2000`, `2000.5`.
pub fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        let s = format!("{value:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Option<(f64, usize)> {
        let chars: Vec<char> = text.chars().collect();
        number_at(&chars, 0).map(|n| (n.value, n.len))
    }

    #[test]
    fn chinese_numerals_are_read_as_customers_mean_them() {
        assert_eq!(read("两千块"), Some((2000.0, 2)));
        assert_eq!(read("两千五"), Some((2500.0, 3)));
        assert_eq!(read("三万五"), Some((35000.0, 3)));
        assert_eq!(read("一万二千五百元"), Some((12500.0, 6)));
        assert_eq!(read("十五"), Some((15.0, 2)));
        assert_eq!(read("二十五"), Some((25.0, 3)));
        assert_eq!(read("一千零五"), Some((1005.0, 4)));
        assert_eq!(read("五千元"), Some((5000.0, 2)));
        assert_eq!(read("三点"), Some((3.0, 1)));
    }

    #[test]
    fn arabic_numbers_take_magnitudes_and_separators() {
        assert_eq!(read("3.5万"), Some((35000.0, 4)));
        assert_eq!(read("2,000元"), Some((2000.0, 5)));
        assert_eq!(read("5k"), Some((5000.0, 2)));
        assert_eq!(read("1万2"), Some((12000.0, 3)));
        assert_eq!(read("２０００"), Some((2000.0, 4)));
    }

    #[test]
    fn values_print_without_needless_decimals() {
        assert_eq!(format_value(2000.0), "2000");
        assert_eq!(format_value(2000.5), "2000.5");
    }
}
