//! Finding personal data. Digits may be ASCII or full-width and grouped with spaces or
//! dashes (`6222 0212 3456 7890`, `138-1234-5678`, `+86 138 1234 5678`).
//!
//! Cards are 13–19 digits passing the Luhn check, or 16–19 digits that fail it (customers
//! mistype their card numbers, and masking an order number by mistake costs nothing);
//! mainland ID numbers are 18 characters with a plausible region and birth date (the
//! last may be `X`; a wrong check digit is a typo, still an ID), or 15 digits with a
//! plausible birth date (the pre-1999 format); mobile numbers are `1[3-9]` and nine more
//! digits, with an optional `86` country code.

use super::secrets::find_secrets;
use super::span::{PiiKind, PiiSpan, digit_value};

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '\u{3000}' | '－' | '\u{00a0}')
}

/// Written numbers are grouped in at most 8 digits (`110105 19491231 002X`); longer
/// groups separated by a space are two numbers (`13812345678 2000`).
const MAX_GROUP: usize = 8;

/// A run of digit groups: groups are maximal digit sequences, separated by exactly one
/// separator character.
struct Group {
    /// Offsets of each digit character in the text.
    digits: Vec<usize>,
}

fn digit_runs(chars: &[char]) -> Vec<Vec<Group>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if digit_value(chars[i]).is_none() {
            i += 1;
            continue;
        }
        let mut run = Vec::new();
        loop {
            let mut group = Group { digits: Vec::new() };
            while i < chars.len() && digit_value(chars[i]).is_some() {
                group.digits.push(i);
                i += 1;
            }
            run.push(group);
            let continues = i + 1 < chars.len()
                && is_separator(chars[i])
                && digit_value(chars[i + 1]).is_some();
            if !continues {
                break;
            }
            i += 1;
        }
        runs.push(run);
    }
    runs
}

/// Whether digits pass the Luhn check that every bank card number passes.
pub fn luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

fn plausible_date(year: u32, month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && (1..=31).contains(&day) && (1900..=2100).contains(&year)
}

fn region_plausible(digits: &[u32]) -> bool {
    (1..=8).contains(&digits[0])
}

fn number_from(digits: &[u32]) -> u32 {
    digits.iter().fold(0, |acc, d| acc * 10 + d)
}

fn classify(digits: &[u32], trailing_x: bool) -> Option<PiiKind> {
    let n = digits.len();
    if trailing_x {
        return (n == 17
            && region_plausible(digits)
            && plausible_date(
                number_from(&digits[6..10]),
                number_from(&digits[10..12]),
                number_from(&digits[12..14]),
            ))
        .then_some(PiiKind::IdNumber);
    }
    if n == 18
        && region_plausible(digits)
        && plausible_date(
            number_from(&digits[6..10]),
            number_from(&digits[10..12]),
            number_from(&digits[12..14]),
        )
    {
        return Some(PiiKind::IdNumber);
    }
    let mobile = |d: &[u32]| d.len() == 11 && d[0] == 1 && (3..=9).contains(&d[1]);
    if mobile(digits) || (n == 13 && digits[0] == 8 && digits[1] == 6 && mobile(&digits[2..])) {
        return Some(PiiKind::Phone);
    }
    if ((13..=19).contains(&n) && luhn_valid(digits)) || (16..=19).contains(&n) {
        return Some(PiiKind::CardNumber);
    }
    if n == 15
        && region_plausible(digits)
        && plausible_date(
            1900 + number_from(&digits[6..8]),
            number_from(&digits[8..10]),
            number_from(&digits[10..12]),
        )
    {
        return Some(PiiKind::IdNumber);
    }
    None
}

/// A match that stands even when the digits are grouped oddly (`622202 1234567894`, an ID
/// split 10 + 8): an ID number with its date and region, or a card passing the Luhn check.
/// A mobile number does not: `13812345678 2000` is a phone and an amount.
fn strong(kind: PiiKind, digits: &[u32]) -> bool {
    match kind {
        PiiKind::IdNumber => digits.len() >= 17,
        PiiKind::CardNumber => digits.len() >= 16 && luhn_valid(digits),
        _ => false,
    }
}

/// Finds personal data in `text`. Spans are sorted and never overlap.
pub fn find_pii(text: &str) -> Vec<PiiSpan> {
    let chars: Vec<char> = text.chars().collect();
    let mut spans = Vec::new();
    for run in digit_runs(&chars) {
        // Try the longest combination of consecutive groups first, from each start group.
        let mut start = 0;
        while start < run.len() {
            let mut matched = None;
            for end in (start..run.len()).rev() {
                // Groups as people write them (`6222 0212 3456 7894`, a 13-digit card's
                // lone last digit); anything else must be a structurally strong match.
                let usual_groups = end == start
                    || run[start..=end].iter().enumerate().all(|(i, g)| {
                        let smallest = if start + i == end { 1 } else { 2 };
                        (smallest..=MAX_GROUP).contains(&g.digits.len())
                    });
                let offsets: Vec<usize> = run[start..=end]
                    .iter()
                    .flat_map(|g| g.digits.iter().copied())
                    .collect();
                let digits: Vec<u32> = offsets
                    .iter()
                    .filter_map(|&o| digit_value(chars[o]))
                    .collect();
                let last = *offsets.last().unwrap_or(&0);
                let trailing_x = end == run.len() - 1
                    && matches!(chars.get(last + 1), Some('X' | 'x' | 'Ｘ' | 'ｘ'));
                let kind = classify(&digits, trailing_x)
                    .or_else(|| trailing_x.then(|| classify(&digits, false)).flatten())
                    .filter(|kind| usual_groups || strong(*kind, &digits));
                if let Some(kind) = kind {
                    let with_x = trailing_x && kind == PiiKind::IdNumber && digits.len() == 17;
                    let end_offset = last + 1 + usize::from(with_x);
                    matched = Some((
                        end,
                        PiiSpan {
                            kind,
                            start: offsets[0],
                            end: end_offset,
                        },
                    ));
                    break;
                }
            }
            match matched {
                Some((end_group, span)) => {
                    spans.push(span);
                    start = end_group + 1;
                }
                None => start += 1,
            }
        }
    }
    spans.extend(find_emails(&chars));
    spans.extend(find_secrets(&chars));
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    // Overlapping finds (a code that is also a phone number, a card number inside what
    // looks like an e-mail domain) are masked once, over both, the stricter way.
    let mut kept: Vec<PiiSpan> = Vec::with_capacity(spans.len());
    for span in spans {
        match kept.last_mut() {
            Some(last) if span.start < last.end => {
                last.end = last.end.max(span.end);
                if strictness(span.kind) > strictness(last.kind) {
                    last.kind = span.kind;
                }
            }
            _ => kept.push(span),
        }
    }
    kept
}

/// How much of a span its masking hides: e-mail addresses keep most, secrets nothing.
fn strictness(kind: PiiKind) -> u8 {
    match kind {
        PiiKind::Email => 0,
        PiiKind::Phone => 1,
        PiiKind::CardNumber => 2,
        PiiKind::IdNumber => 3,
        PiiKind::Secret => 4,
    }
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

fn find_emails(chars: &[char]) -> Vec<PiiSpan> {
    let mut spans = Vec::new();
    for (at, &c) in chars.iter().enumerate() {
        if c != '@' {
            continue;
        }
        let mut start = at;
        while start > 0 && is_email_local(chars[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < chars.len() && is_email_domain(chars[end]) {
            end += 1;
        }
        while end > at + 1 && chars[end - 1] == '.' {
            end -= 1;
        }
        let domain: String = chars[at + 1..end].iter().collect();
        let has_tld = domain.rsplit_once('.').is_some_and(|(host, tld)| {
            !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
        });
        if start < at && has_tld {
            spans.push(PiiSpan {
                kind: PiiKind::Email,
                start,
                end,
            });
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(PiiKind, String)> {
        let chars: Vec<char> = text.chars().collect();
        find_pii(text)
            .into_iter()
            .map(|s| (s.kind, chars[s.start..s.end].iter().collect()))
            .collect()
    }

    #[test]
    fn a_card_number_with_spaces_is_one_card() {
        assert_eq!(
            kinds("卡号6222 0212 3456 7894,取了2000"),
            vec![(PiiKind::CardNumber, "6222 0212 3456 7894".into())]
        );
    }

    #[test]
    fn a_short_number_failing_luhn_is_not_a_card_but_a_long_one_is_masked_anyway() {
        assert!(kinds("订单号622202123456789").is_empty());
        assert_eq!(
            kinds("卡号6222020200112233445"),
            vec![(PiiKind::CardNumber, "6222020200112233445".into())]
        );
    }

    #[test]
    fn id_numbers_with_check_digit_x_are_found() {
        assert_eq!(
            kinds("身份证11010519491231002x"),
            vec![(PiiKind::IdNumber, "11010519491231002x".into())]
        );
        assert_eq!(
            kinds("440301199003071230"),
            vec![(PiiKind::IdNumber, "440301199003071230".into())]
        );
    }

    #[test]
    fn phones_with_country_code_and_dashes_are_found() {
        assert_eq!(
            kinds("电话+86 138-1234-5678"),
            vec![(PiiKind::Phone, "86 138-1234-5678".into())]
        );
        assert_eq!(
            kinds("１３８１２３４５６７８"),
            vec![(PiiKind::Phone, "１３８１２３４５６７８".into())]
        );
    }

    #[test]
    fn a_phone_followed_by_an_amount_is_only_the_phone() {
        assert_eq!(
            kinds("13812345678 2000"),
            vec![(PiiKind::Phone, "13812345678".into())]
        );
    }

    #[test]
    fn ordinary_numbers_and_amounts_are_left_alone() {
        assert!(kinds("取了2000块,尾号1234,昨天下午3点").is_empty());
    }

    #[test]
    fn email_addresses_are_found() {
        assert_eq!(
            kinds("mail me: li.wei@example.com."),
            vec![(PiiKind::Email, "li.wei@example.com".into())]
        );
        assert!(kinds("@ someone").is_empty());
    }
}
