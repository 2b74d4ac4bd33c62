//! Personal data split over two messages: a customer sends `6222 0212` and then
//! `3456 7890 1234 5`. Each half alone is no card number, together they are; masking each
//! message on its own would leave the whole number readable in the transcript.

use super::detect::find_pii;
use super::{MaskedText, mask};

/// If the end of `previous` (a stored, already masked message) and the start of `current`
/// form personal data together, both masked as the whole would be; `None` otherwise.
pub fn mask_across(previous: &str, current: &str) -> Option<(MaskedText, MaskedText)> {
    let ends_in_digit = previous.trim_end().chars().last().is_some_and(is_digit);
    let starts_with_digit = current
        .trim_start()
        .chars()
        .next()
        .is_some_and(|c| is_digit(c) || c == '+');
    if !ends_in_digit || !starts_with_digit {
        return None;
    }
    let head = previous.trim_end();
    let tail = current.trim_start();
    // One space: the grouping separator the detector accepts between digit groups.
    let joined = format!("{head} {tail}");
    let boundary = head.chars().count();
    let crosses = find_pii(&joined)
        .iter()
        .any(|span| span.start < boundary && span.end > boundary + 1);
    if !crosses {
        return None;
    }
    let masked: Vec<char> = mask(&joined).into_string().chars().collect();
    let head_masked: String = masked[..boundary].iter().collect();
    let tail_masked: String = masked[boundary + 1..].iter().collect();
    // Keep what surrounded the trimmed parts (trailing spaces, leading spaces).
    let previous_rest = &previous[head.len()..];
    let current_lead = &current[..current.len() - tail.len()];
    Some((
        mask(&format!("{head_masked}{previous_rest}")),
        mask(&format!("{current_lead}{tail_masked}")),
    ))
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_number_over_two_messages_is_masked_in_both() {
        let (before, after) = mask_across("我的卡号是6222 0212", "3456 7890 123").unwrap();
        assert_eq!(before.as_str(), "我的卡号是**** ****");
        assert_eq!(after.as_str(), "**** ***0 123", "the last four stay");
    }

    #[test]
    fn unrelated_numbers_stay() {
        assert!(mask_across("取了2000", "3点左右").is_none());
        assert!(mask_across("你好", "13812345678").is_none());
    }
}
