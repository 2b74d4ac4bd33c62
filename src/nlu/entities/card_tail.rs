//! The last four digits of a card: `尾号1234`, `后四位是1234`, `ending in 1234`.

use super::Found;
use super::text::{Initials, longest_at, skip_spaces, word_starts_at};
use crate::domain::EntityKind;
use crate::privacy::digit_value_of;

const CUES: &[&str] = &[
    "尾号",
    "后四位",
    "后4位",
    "末四位",
    "末4位",
    "最后四位",
    "最后4位",
    "尾数",
    "ending in",
    "ending with",
    "ends in",
    "ends with",
    "last four digits",
    "last 4 digits",
    "last four",
    "last 4",
];
static CUE_INITIALS: std::sync::LazyLock<Initials> =
    std::sync::LazyLock::new(|| Initials::of(CUES.iter().copied()));

/// Words allowed between the cue and the digits (`尾号是`, `后四位为:`, `last four are`).
const FILLERS: &[&str] = &[
    "是",
    "为",
    ":",
    "的",
    "卡号",
    "are",
    "is",
    "of my card",
    "of the card",
];

pub fn find(chars: &[char]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !CUE_INITIALS.may_start(chars[i]) {
            i += 1;
            continue;
        }
        let Some((cue, len)) = longest_at(chars, i, CUES.iter().copied()) else {
            i += 1;
            continue;
        };
        if cue.is_ascii() && !word_starts_at(chars, i) {
            i += 1;
            continue;
        }
        let mut at = i + len;
        for _ in 0..3 {
            at = skip_spaces(chars, at);
            match longest_at(chars, at, FILLERS.iter().copied()) {
                Some((_, n)) => at += n,
                None => break,
            }
        }
        at = skip_spaces(chars, at);
        let digits: Vec<u32> = chars[at.min(chars.len())..]
            .iter()
            .map_while(|&c| digit_value_of(c))
            .collect();
        if digits.len() == 4 {
            let value: String = digits
                .iter()
                .filter_map(|&d| char::from_digit(d, 10))
                .collect();
            found.push(Found::new(EntityKind::CardTail, value, i, at + 4));
            i = at + 4;
        } else {
            i += len;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tails(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        find(&chars).into_iter().map(|f| f.value).collect()
    }

    #[test]
    fn card_tails_are_read_after_their_cue() {
        assert_eq!(tails("卡号后四位是1234"), vec!["1234"]);
        assert_eq!(tails("尾号 ５６７８ 的卡"), vec!["5678"]);
        assert_eq!(tails("my card ending in 4321"), vec!["4321"]);
        assert_eq!(tails("the last four digits are 9876"), vec!["9876"]);
    }

    #[test]
    fn longer_numbers_are_not_tails() {
        assert!(tails("尾号123456").is_empty());
    }
}
