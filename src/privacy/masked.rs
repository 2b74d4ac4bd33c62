//! Masking. The mask keeps the text's length in characters, so offsets computed on the
//! original text (entity spans) stay valid on the masked one.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::detect::find_pii;
use super::span::{PiiKind, digit_value};

/// Text that has been through [`mask`]. Its field is private: no other code can make one,
/// so a function that takes `MaskedText` cannot be handed raw customer text.
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
    let mut current = text.to_string();
    // Text without personal data (most messages) is scanned once.
    while let Some(next) = mask_once(&current)
        && next != current
    {
        current = next;
    }
    MaskedText(current)
}

/// One round of masking; `None` when there is nothing to mask.
fn mask_once(text: &str) -> Option<String> {
    let spans = find_pii(text);
    if spans.is_empty() {
        return None;
    }
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
    Some(chars.into_iter().collect())
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
    fn text_without_personal_data_is_unchanged() {
        assert_eq!(mask("ATM吞了我两千块").as_str(), "ATM吞了我两千块");
    }
}
