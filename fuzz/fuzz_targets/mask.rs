//! Masking: never panics, is idempotent, and leaves no run of 13 to 19 digits that passes
//! the Luhn check; numbers split over two messages are masked too.
#![no_main]

use frontline::privacy::{digit_value_of, luhn_valid, mask, mask_across};
use libfuzzer_sys::fuzz_target;

fn assert_no_card(text: &str) {
    let digits: Vec<Vec<u32>> = text
        .split(|c: char| digit_value_of(c).is_none())
        .map(|run| run.chars().filter_map(digit_value_of).collect())
        .collect();
    for run in digits {
        assert!(
            !((13..=19).contains(&run.len()) && luhn_valid(&run)),
            "a card number survived in {text:?}"
        );
    }
}

fuzz_target!(|text: &str| {
    let once = mask(text);
    assert_eq!(mask(once.as_str()), once, "masking twice changed {text:?}");
    assert_no_card(once.as_str());
    if let Some((at, _)) = text.char_indices().nth(text.chars().count() / 2) {
        let (first, second) = text.split_at(at);
        let (a, b) = mask_across(mask(first).as_str(), second)
            .unwrap_or_else(|| (mask(first), mask(second)));
        assert_eq!(mask(a.as_str()), a);
        assert_eq!(mask(b.as_str()), b);
    }
});
