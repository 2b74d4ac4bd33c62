//! Whole turns, up to four messages, through dialogue and template rendering (slot values
//! from fuzzed text end up in handlebars templates and SSML): no panic, and every reply is
//! masked text that masking leaves alone.
#![no_main]

use std::sync::OnceLock;

use frontline::dialogue::{BankTime, Conversation, Speech, TurnInput, take_turn};
use frontline::domain::{BankZone, Channel, ConversationId, Customer, Locale};
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
    let services = services();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let locale = if text.is_ascii() {
        Locale::En
    } else {
        Locale::ZhCn
    };
    let channel = if text.len() % 2 == 0 {
        Channel::Web
    } else {
        Channel::Ivr
    };
    let content = services.catalog.locale(locale);
    let mut conversation = Conversation::new(
        ConversationId::parse("fuzz").unwrap(),
        channel,
        locale,
        Customer::default(),
        chrono::Utc::now(),
    );
    for message in text.split('\n').filter(|m| !m.trim().is_empty()).take(4) {
        let understanding = services
            .understanding
            .understand(&Utterance::new(message, locale).via(channel).on(today));
        let plan = take_turn(
            &mut conversation,
            &TurnInput {
                text: Some(message),
                understanding,
                time: BankTime {
                    calendar: services.catalog.calendar(),
                    zone: BankZone::china(),
                    now: today.and_hms_opt(2, 0, 0).unwrap().and_utc(),
                },
                speech: Speech::Understood,
                notices: &content.notices,
            },
            content,
        );
        let reply = services.composer.compose(&plan, &conversation, content);
        assert!(!reply.text.is_empty(), "an empty reply to {message:?}");
        assert_eq!(
            frontline::privacy::mask(&reply.text).as_str(),
            reply.text,
            "a reply echoed personal data"
        );
    }
});
