//! Entities: the facts in a message that slots need (amount, date/time, card tail,
//! location) and the personal data that must be masked (card, ID and phone numbers).
//!
//! Finders run on the normalised text (so `２０００` and `兩千` read as numbers); spans
//! are character offsets, valid in the original text because normalisation keeps
//! offsets. Where finders overlap, the more specific one wins: personal data, then card
//! tails, dates, amounts and places.
//!
//! Personal data comes from the message's one scan for it ([`privacy::screen`]), done by
//! the caller, which keeps the masked message too. An entity's text and value are
//! [`MaskedText`], so whatever keeps one (a slot, an API answer) need not mask it again:
//! texts and place names are pieces of the masked message, masked in context (which
//! finds a code even when the piece cuts off the `密码` before it); values derived from
//! the normalised text (amounts, dates, card tails) are masked as values, because a
//! derived number can read as personal data (a 17-digit amount as a card number).

mod amount;
mod card_tail;
mod datetime;
mod location;
mod numbers;
mod text;

/// The value of a message that is nothing but a number (`500`, `两千`, `3.5万`), as a
/// plain decimal: the answer to "how much?" when the customer gives no unit. Only the
/// dialogue, which knows the question, may read it as money.
pub fn bare_number(text: &str) -> Option<String> {
    let trimmed = text.trim().trim_end_matches(|c: char| !c.is_alphanumeric());
    let chars: Vec<char> = trimmed.chars().collect();
    let number = numbers::number_at(&chars, 0)?;
    (number.len == chars.len() && number.value > 0.0).then(|| numbers::format_value(number.value))
}

use chrono::NaiveDate;
use serde::Serialize;

use super::normalize::Normalized;
use crate::domain::EntityKind;
use crate::privacy::{self, MaskedText, PiiKind, Screened};

/// An entity found in a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Entity {
    #[serde(rename = "type")]
    pub kind: EntityKind,
    /// The normalised value (`2000`, `2026-11-23T15:00`, `1234`), personal data masked.
    pub value: MaskedText,
    /// The text as written, personal data masked.
    pub text: MaskedText,
    /// Character offsets in the message.
    pub start: usize,
    pub end: usize,
}

/// What a finder reports before overlaps are resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Found {
    kind: EntityKind,
    value: String,
    start: usize,
    end: usize,
}

impl Found {
    fn new(kind: EntityKind, value: String, start: usize, end: usize) -> Found {
        Found {
            kind,
            value,
            start,
            end,
        }
    }
}

fn rank(kind: EntityKind) -> u8 {
    match kind {
        EntityKind::CardNumber | EntityKind::IdNumber | EntityKind::Phone => 0,
        EntityKind::CardTail => 1,
        EntityKind::Datetime => 2,
        EntityKind::Amount => 3,
        EntityKind::Location => 4,
        EntityKind::Text => 5,
    }
}

/// Extracts entities for one locale.
pub struct EntityExtractor {
    location_suffixes: location::Suffixes,
}

impl EntityExtractor {
    pub fn new(location_suffixes: &[String]) -> EntityExtractor {
        let mut location_suffixes: Vec<String> = location_suffixes
            .iter()
            .map(|s| super::normalize::normalize(s).to_text())
            .collect();
        // Longest first, so `营业网点` wins over `网点`.
        location_suffixes.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        EntityExtractor {
            location_suffixes: location::Suffixes::new(location_suffixes),
        }
    }

    /// Finds the entities of a message: `message` is the message screened for personal
    /// data, `normalized` the message normalised; `today` resolves relative dates.
    pub fn extract(
        &self,
        message: &Screened,
        normalized: &Normalized,
        today: NaiveDate,
    ) -> Vec<Entity> {
        let chars = normalized.chars();
        let masked = message.masked();
        let masked_chars: Vec<char> = masked.as_str().chars().collect();

        let mut candidates: Vec<Found> = message
            .spans()
            .iter()
            .filter_map(|span| {
                let kind = match span.kind {
                    PiiKind::CardNumber => EntityKind::CardNumber,
                    PiiKind::IdNumber => EntityKind::IdNumber,
                    PiiKind::Phone => EntityKind::Phone,
                    PiiKind::Email | PiiKind::Secret => return None,
                };
                let value = masked_chars[span.start..span.end]
                    .iter()
                    .filter(|c| !matches!(c, ' ' | '-'))
                    .collect();
                Some(Found::new(kind, value, span.start, span.end))
            })
            .collect();
        candidates.extend(card_tail::find(chars));
        candidates.extend(datetime::find(chars, today));
        candidates.extend(amount::find(chars));
        candidates.extend(location::find(chars, &self.location_suffixes));

        candidates.sort_by_key(|f| (rank(f.kind), std::cmp::Reverse(f.end - f.start), f.start));
        let mut kept: Vec<Found> = Vec::new();
        for candidate in candidates {
            if !kept
                .iter()
                .any(|k| candidate.start < k.end && k.start < candidate.end)
            {
                kept.push(candidate);
            }
        }
        kept.sort_by_key(|f| f.start);
        kept.into_iter()
            .map(|f| {
                let text = masked.slice(f.start, f.end);
                // A place is named as written, not normalised.
                let value = match f.kind {
                    EntityKind::Location => text.clone(),
                    _ => privacy::mask(&f.value),
                };
                Entity {
                    kind: f.kind,
                    value,
                    text,
                    start: f.start,
                    end: f.end,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_message_of_only_a_number_is_a_bare_number() {
        assert_eq!(super::bare_number("500").as_deref(), Some("500"));
        assert_eq!(super::bare_number(" 两千 ").as_deref(), Some("2000"));
        assert_eq!(super::bare_number("500。").as_deref(), Some("500"));
        assert_eq!(
            super::bare_number("500块"),
            None,
            "a unit makes it an amount entity"
        );
        assert_eq!(super::bare_number("昨天500"), None);
    }

    use super::*;
    use crate::nlu::normalize::normalize;

    fn extract(text: &str) -> Vec<(EntityKind, String, String)> {
        let extractor = EntityExtractor::new(&["支行".to_string()]);
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        extractor
            .extract(&privacy::screen(text), &normalize(text), today)
            .into_iter()
            .map(|e| (e.kind, e.value.into_string(), e.text.into_string()))
            .collect()
    }

    #[test]
    fn the_atm_complaint_yields_time_place_and_amount() {
        let found = extract("昨天下午三点在人民路支行的ATM取了兩千塊,没出钞");
        assert_eq!(
            found,
            vec![
                (
                    EntityKind::Datetime,
                    "2026-11-23T15:00".into(),
                    "昨天下午三点".into()
                ),
                (
                    EntityKind::Location,
                    "人民路支行".into(),
                    "人民路支行".into()
                ),
                (EntityKind::Amount, "2000".into(), "兩千塊".into()),
            ]
        );
    }

    #[test]
    fn personal_data_is_reported_masked_and_wins_over_amounts() {
        let found = extract("我的卡号6222021234567894,手机13812345678");
        assert_eq!(
            found,
            vec![
                (
                    EntityKind::CardNumber,
                    "************7894".into(),
                    "************7894".into()
                ),
                (
                    EntityKind::Phone,
                    "*******5678".into(),
                    "*******5678".into()
                ),
            ]
        );
    }

    #[test]
    fn a_code_typed_into_a_place_name_stays_masked() {
        // `name_start` keeps at most ten characters before `支行`, which cuts the keyword
        // `密码` off the code: only the masked message still knows it was a code.
        let found = extract("密码123456789支行");
        let place = found
            .iter()
            .find(|(kind, _, _)| *kind == EntityKind::Location)
            .expect("a place");
        assert!(!place.1.contains("123456789"), "{found:?}");
        assert!(!place.2.contains("123456789"), "{found:?}");
    }

    #[test]
    fn an_amount_that_reads_as_a_card_number_is_masked_like_one() {
        // 33,333,333,333,380,000 yuan: seventeen digits, which masking takes for a card.
        let found = extract("3333333333338w");
        assert_eq!(
            found,
            vec![(
                EntityKind::Amount,
                "*************0000".into(),
                "3333333333338w".into()
            )]
        );
    }
}
