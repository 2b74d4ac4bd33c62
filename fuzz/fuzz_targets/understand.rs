//! Normalisation, segmentation, entity extraction and intent scoring of any text, in both
//! locales and on both channels, with the bundled content's models.
#![no_main]

use std::sync::OnceLock;

use frontline::domain::{Channel, Locale};
use frontline::nlu::Utterance;
use frontline::startup::Services;
use libfuzzer_sys::fuzz_target;

fn services() -> &'static Services {
    static SERVICES: OnceLock<Services> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Services::load(&root).expect("the bundled content loads")
    })
}

fuzz_target!(|text: &str| {
    let understanding = &services().understanding;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    for locale in [Locale::ZhCn, Locale::En] {
        for channel in [Channel::Web, Channel::Ivr] {
            let utterance = Utterance::new(text, locale).via(channel).on(today);
            let understood = understanding.understand(&utterance);
            if let Some(intent) = understood.whole.intent {
                assert!((0.0..=1.0).contains(&intent.confidence));
            }
        }
    }
});
