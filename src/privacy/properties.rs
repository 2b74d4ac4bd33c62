//! Properties of masking over generated text (proptest): no card number survives, masking
//! twice changes nothing more, and text without personal data is left exactly as it was.

use proptest::prelude::*;

use super::detect::luhn_valid;
use super::mask;
use super::span::digit_value;

/// A Luhn-valid card number of 13 to 19 digits.
fn card() -> impl Strategy<Value = Vec<u32>> {
    (12usize..=18)
        .prop_flat_map(|len| proptest::collection::vec(0u32..10, len))
        .prop_map(|mut body| {
            let check = (0..10)
                .find(|&d| luhn_valid(&[body.as_slice(), &[d]].concat()))
                .expect("one check digit in ten passes");
            body.push(check);
            body
        })
}

/// A card written as customers write it: ASCII or full-width digits, grouped by fours
/// with spaces or dashes, or not grouped.
fn written_card() -> impl Strategy<Value = String> {
    (
        card(),
        any::<bool>(),
        prop_oneof![Just(""), Just(" "), Just("-")],
    )
        .prop_map(|(digits, full_width, separator)| {
            let mut out = String::new();
            for (i, d) in digits.iter().enumerate() {
                if i > 0 && i % 4 == 0 {
                    out.push_str(separator);
                }
                let base = if full_width { '０' } else { '0' };
                out.push(char::from_u32(base as u32 + d).unwrap());
            }
            out
        })
}

/// Words around the numbers: Chinese, English, punctuation; no digits.
fn words() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[我的卡号是在取钱了块元路上午下ATMcard no.,,。! ]{0,12}")
        .unwrap()
}

/// Every maximal run of digits (joined over single spaces or dashes), as digit values.
fn digit_runs(text: &str) -> Vec<Vec<u32>> {
    let chars: Vec<char> = text.chars().collect();
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if let Some(d) = digit_value(c) {
            current.push(d);
        } else {
            let joins = matches!(c, ' ' | '-' | '\u{3000}')
                && !current.is_empty()
                && chars.get(i + 1).and_then(|&n| digit_value(n)).is_some();
            if !joins && !current.is_empty() {
                runs.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

proptest! {
    #[test]
    fn no_luhn_valid_card_number_survives(
        before in words(),
        card in written_card(),
        after in words(),
    ) {
        let masked = mask(&format!("{before}{card}{after}"));
        for run in digit_runs(masked.as_str()) {
            prop_assert!(
                !((13..=19).contains(&run.len()) && luhn_valid(&run)),
                "{:?} still holds a card number: {:?}", masked.as_str(), run
            );
        }
    }

    #[test]
    fn masking_is_idempotent(text in any::<String>()) {
        let once = mask(&text);
        prop_assert_eq!(mask(once.as_str()), once);
    }

    #[test]
    fn masking_twice_is_masking_once_on_banking_text(
        before in words(),
        card in written_card(),
        amount in 1u32..1_000_000,
        after in words(),
    ) {
        let once = mask(&format!("{before}{card}{after}取了{amount}元"));
        prop_assert_eq!(mask(once.as_str()), once);
    }

    #[test]
    fn text_without_personal_data_is_unchanged(
        parts in proptest::collection::vec((words(), 0u32..1_000_000), 0..6),
        tail in words(),
    ) {
        // Amounts, dates and short numbers between words: nothing personal.
        let mut text = String::new();
        for (word, number) in &parts {
            text.push_str(word);
            text.push('的');
            text.push_str(&number.to_string());
        }
        text.push_str(&tail);
        let masked = mask(&text);
        prop_assert_eq!(masked.as_str(), text.as_str());
    }
}
