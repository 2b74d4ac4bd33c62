//! Entity extraction on its own (amounts, dates, card tails, locations, personal data):
//! spans stay inside the text, and personal data comes out masked. (Values and texts are
//! `MaskedText`; a derived number like `3333333333338w`, an amount of
//! 33,333,333,333,380,000 yuan, reads as a card number and comes out masked like one.)
#![no_main]

use frontline::nlu::{EntityExtractor, normalize};
use frontline::privacy::screen;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let extractor = EntityExtractor::new(&["路".to_string(), "支行".to_string()]);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let normalized = normalize(text);
    let length = text.chars().count();
    for entity in extractor.extract(&screen(text), &normalized, today) {
        let json = serde_json::to_value(&entity).unwrap();
        let start = json["start"].as_u64().unwrap() as usize;
        let end = json["end"].as_u64().unwrap() as usize;
        assert!(
            start <= end && end <= length,
            "span {start}..{end} of {length}: {json}"
        );
        if matches!(
            json["type"].as_str(),
            Some("card_number" | "phone" | "id_number")
        ) {
            let value = json["value"].as_str().unwrap();
            assert!(value.contains('*'), "personal data unmasked: {json}");
        }
    }
});
