//! Masking. The mask keeps the text's length in characters, so offsets computed on the
//! original text (entity spans) stay valid on the masked one.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::detect::find_pii;
use super::span::{PiiKind, PiiSpan, digit_value};

/// Text that has been through [`mask`] (or [`screen`]). Its field is private: no other
/// code can make one, so a function that takes `MaskedText` cannot be handed raw
/// customer text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct MaskedText(String);

impl MaskedText {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The characters `start..end` (character offsets; out-of-range ends are clamped).
    /// Masking keeps every character's place, so offsets found on the original text cut
    /// the same piece here. A piece of masked text stays masked: it was masked with its
    /// context, which finds more than the piece alone would (a code cut off from the
    /// `密码` before it).
    pub fn slice(&self, start: usize, end: usize) -> MaskedText {
        MaskedText(
            self.0
                .chars()
                .skip(start)
                .take(end.saturating_sub(start))
                .collect(),
        )
    }
}

/// Reading masked text back (from the store) masks it again: masking is idempotent, so
/// stored text is unchanged, and raw text can never slip in through deserialisation.
impl<'de> Deserialize<'de> for MaskedText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(mask(&String::deserialize(deserializer)?))
    }
}

impl fmt::Display for MaskedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The mask character.
pub const MASK: char = '*';

/// How many trailing digits of a card or phone number stay readable: enough for an agent
/// to identify the card with the customer, not enough to use it.
pub const KEPT_DIGITS: usize = 4;

/// Masks every card, ID and phone number and e-mail address in `text`.
///
/// Cards and phones keep their last four digits and their separators; ID numbers are
/// masked entirely; e-mail addresses keep their first character and their domain.
/// Masking is idempotent: masked text has nothing left to mask. The digits a card keeps
/// can, with the numbers around them, look like personal data again
/// (`42692722 17 242 44 2 14 242 44 …`), so masking repeats until nothing changes; each
/// round hides at least one digit, so it ends.
pub fn mask(text: &str) -> MaskedText {
    screen(text).masked
}

/// A message read once for personal data: where it sits, and the message masked. Whoever
/// needs both (entity extraction reports personal data as entities, and the masked
/// message is what `/v1/parse` shows and the dialogue keeps) scans the message once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Screened {
    spans: Vec<PiiSpan>,
    masked: MaskedText,
}

impl Screened {
    /// The personal data found in the text as written, sorted and never overlapping.
    pub fn spans(&self) -> &[PiiSpan] {
        &self.spans
    }

    /// The text with every span masked, as [`mask`] would.
    pub fn masked(&self) -> &MaskedText {
        &self.masked
    }

    pub fn into_masked(self) -> MaskedText {
        self.masked
    }
}

/// Finds the personal data in `text` and masks it, with one scan of the text. Text
/// without personal data (most messages) is scanned once in all; with some, masking
/// scans what it masked again until nothing changes (see [`mask`]).
pub fn screen(text: &str) -> Screened {
    let spans = find_pii(text);
    let mut current = text.to_string();
    let mut found = spans.clone();
    while !found.is_empty() {
        let next = mask_spans(&current, &found);
        if next == current {
            break;
        }
        current = next;
        found = find_pii(&current);
    }
    Screened {
        spans,
        masked: MaskedText(current),
    }
}

/// One round of masking: the characters of `spans` hidden as their kind requires.
fn mask_spans(text: &str, spans: &[PiiSpan]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for span in spans {
        let region = &mut chars[span.start..span.end];
        match span.kind {
            PiiKind::CardNumber | PiiKind::Phone => {
                let digit_positions: Vec<usize> = (0..region.len())
                    .filter(|&i| digit_value(region[i]).is_some())
                    .collect();
                let hide = digit_positions.len().saturating_sub(KEPT_DIGITS);
                for &i in &digit_positions[..hide] {
                    region[i] = MASK;
                }
            }
            PiiKind::IdNumber | PiiKind::Secret => region.iter_mut().for_each(|c| *c = MASK),
            PiiKind::Email => {
                let at = region.iter().position(|&c| c == '@').unwrap_or(0);
                region[1.min(at)..at].iter_mut().for_each(|c| *c = MASK);
            }
        }
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_a_card_keeps_that_form_another_number_are_masked_too() {
        // Found by the `mask` fuzz target.
        let text = "@12 4 42692722 17 242 44 2 14 242 44 246 4";
        let once = mask(text);
        assert_eq!(mask(once.as_str()), once);
    }

    #[test]
    fn a_card_number_inside_an_email_domain_is_masked_as_a_card() {
        // Found by the `mask` fuzz target.
        let masked = mask("4 4@8055555605555E91119.tT");
        assert!(!masked.as_str().contains("8055555605555"), "{masked}");
    }

    #[test]
    fn cards_keep_their_last_four_and_their_spacing() {
        assert_eq!(
            mask("卡号6222 0212 3456 7894").as_str(),
            "卡号**** **** **** 7894"
        );
    }

    #[test]
    fn phones_keep_their_last_four_and_ids_vanish() {
        assert_eq!(mask("13812345678").as_str(), "*******5678");
        assert_eq!(mask("11010519491231002X").as_str(), "******************");
    }

    #[test]
    fn masking_twice_changes_nothing_more() {
        let once = mask("卡6222021234567894 电话13812345678 li@example.com");
        assert_eq!(mask(once.as_str()), once);
        assert_eq!(
            once.as_str(),
            "卡************7894 电话*******5678 l*@example.com"
        );
    }

    #[test]
    fn screening_finds_what_it_masks_in_the_text_as_written() {
        let text = "卡6222 0212 3456 7894,验证码385920";
        let screened = screen(text);
        assert_eq!(screened.masked(), &mask(text));
        let kinds: Vec<PiiKind> = screened.spans().iter().map(|s| s.kind).collect();
        assert_eq!(kinds, vec![PiiKind::CardNumber, PiiKind::Secret]);
        assert_eq!(
            screened.masked().as_str(),
            "卡**** **** **** 7894,验证码******"
        );
    }

    #[test]
    fn a_slice_of_masked_text_is_cut_by_character_offsets() {
        let masked = mask("手机13812345678,取了两千块");
        assert_eq!(masked.slice(2, 13).as_str(), "*******5678");
        assert_eq!(masked.slice(16, 19).as_str(), "两千块");
        assert_eq!(masked.slice(16, 99).as_str(), "两千块");
    }

    #[test]
    fn text_without_personal_data_is_unchanged() {
        assert_eq!(mask("ATM吞了我两千块").as_str(), "ATM吞了我两千块");
    }
}
