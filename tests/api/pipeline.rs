//! The turn pipeline step by step (`conversations/turn.rs`): each test shows what one step
//! contributes to a turn, through the turn service on a real SQLite store, the bundled
//! content and a stopped clock. Remove a step and its test fails.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use frontline::conversations::{
    ConversationView, Conversations, NextAction, TurnError, TurnLimits, TurnOutcome,
};
use frontline::dialogue::{ConversationState, IvrEvent, TurnRequest};
use frontline::domain::{Channel, Clock, ConversationId, Customer, Dtmf, Locale, MessageText};
use frontline::handoff::Outbox;
use frontline::live::LiveServices;
use frontline::store::{Database, Role, SqliteStore};

use crate::helpers::{bundled_services, repo_root};

/// A Monday morning in Beijing.
fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
}

struct Service {
    conversations: Conversations,
    _dir: tempfile::TempDir,
}

async fn service_with(max_turns: u32) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let store = Database::Sqlite(SqliteStore::open(dir.path()).await.unwrap());
    let live = LiveServices::new(bundled_services(), repo_root());
    let conversations = Conversations::new(
        Arc::new(live),
        Arc::new(store),
        Outbox::default(),
        TurnLimits {
            max_turns_per_conversation: max_turns,
            max_concurrent_turns: 8,
        },
    )
    .with_clock(Clock::fixed(monday()));
    Service {
        conversations,
        _dir: dir,
    }
}

async fn service() -> Service {
    service_with(50).await
}

fn typed(text: &str) -> TurnRequest {
    TurnRequest {
        text: Some(MessageText::parse(text.to_string()).unwrap()),
        asr_confidence: None,
        dtmf: None,
        event: None,
        channel: Channel::Web,
        locale: Locale::ZhCn,
        customer: Customer::default(),
        chosen: None,
        spoken: false,
    }
}

fn spoken(text: &str, confidence: f32) -> TurnRequest {
    TurnRequest {
        channel: Channel::Ivr,
        asr_confidence: Some(confidence),
        ..typed(text)
    }
}

impl Service {
    async fn view(&self, id: &str) -> ConversationView {
        self.conversations
            .view(&ConversationId::parse(id).unwrap())
            .await
            .unwrap()
            .expect("the conversation is stored")
    }

    async fn say(&self, id: &str, request: TurnRequest) -> TurnOutcome {
        self.conversations
            .take_turn(ConversationId::parse(id).unwrap(), request)
            .await
            .expect("the turn is taken")
    }
}

#[tokio::test]
async fn load_continues_the_stored_conversation_and_stops_at_the_turn_limit() {
    let service = service_with(2).await;
    service.say("load-1", typed("ATM吞了我的钱")).await;
    let second = service.say("load-1", typed("昨天下午三点")).await;
    assert_eq!(
        second.conversation.turn, 2,
        "the stored conversation goes on"
    );
    let refused = service
        .conversations
        .take_turn(ConversationId::parse("load-1").unwrap(), typed("还有"))
        .await;
    assert!(matches!(refused, Err(TurnError::TooLong(2))));
    let view = service.view("load-1").await;
    assert_eq!(view.transcript.len(), 4, "a refused turn saves nothing");
}

#[tokio::test]
async fn hear_holds_unsure_speech_and_acts_on_it_after_a_yes() {
    let service = service().await;
    let unsure = service.say("hear-1", spoken("我的银行卡丢了", 0.3)).await;
    assert!(
        unsure.conversation.unconfirmed_speech.is_some(),
        "unsure speech is held"
    );
    assert!(unsure.intent.is_none(), "and not acted on");
    let confirmed = service.say("hear-1", spoken("是的", 0.95)).await;
    assert!(confirmed.conversation.unconfirmed_speech.is_none());
    assert_eq!(
        confirmed.intent.map(|i| i.id.to_string()).as_deref(),
        Some("card_lost"),
        "the held speech is understood once confirmed"
    );
}

#[tokio::test]
async fn hear_takes_a_menu_key_as_its_intent() {
    let service = service().await;
    let request = TurnRequest {
        text: None,
        dtmf: Some(Dtmf::parse("0").unwrap()),
        ..spoken("-", 1.0)
    };
    let outcome = service.say("hear-2", request).await;
    assert_eq!(
        outcome.intent.map(|i| i.id.to_string()).as_deref(),
        Some("human_agent")
    );
}

#[tokio::test]
async fn word_records_the_promise_the_reply_makes_with_the_clocks_deadline() {
    let service = service().await;
    service
        .say(
            "word-1",
            typed("昨天下午三点在人民路支行的ATM取两千块,钱没出来卡里却扣了"),
        )
        .await;
    let confirmed = service.say("word-1", typed("对的")).await;
    let promise = confirmed
        .conversation
        .commitments
        .first()
        .expect("the reply's promise is recorded");
    assert_eq!(promise.intent.as_str(), "atm_cash_retention");
    // Three working days from Monday 30 November.
    assert_eq!(promise.by.to_string(), "2026-12-03");
    assert!(
        confirmed.said().text.contains(promise.what.as_str()),
        "the recorded promise is what the customer read"
    );
}

#[tokio::test]
async fn record_masks_both_lines_and_a_number_split_over_two_messages() {
    let service = service().await;
    service.say("record-1", typed("我的卡号是6222 0212")).await;
    service.say("record-1", typed("3456 7890 123")).await;
    let view = service.view("record-1").await;
    let customer: Vec<&str> = view
        .transcript
        .iter()
        .filter(|l| l.role == Role::Customer)
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(customer.len(), 2);
    assert!(
        !customer.concat().contains("0212") && !customer.concat().contains("3456"),
        "neither half of the card number is kept: {customer:?}"
    );
    assert_eq!(
        view.transcript
            .iter()
            .filter(|l| l.role == Role::Bot)
            .count(),
        2
    );
    assert!(view.transcript.iter().all(|l| l.at == monday()));
}

#[tokio::test]
async fn hand_off_stores_the_summary_with_this_turns_lines_and_says_transfer() {
    let service = service().await;
    service
        .say("handoff-1", spoken("ATM吞了我的钱", 0.95))
        .await;
    let handed = service.say("handoff-1", spoken("转人工", 0.95)).await;
    let (reference, summary) = handed.handoff.expect("handed off");
    assert_eq!(
        summary.transcript.len(),
        4,
        "the summary's transcript includes this turn"
    );
    assert_eq!(
        handed.next,
        NextAction::Transfer {
            queue: "zh-CN-agents".into(),
            destination: "sip:zh-CN-agents@contact-centre.example".into(),
            handoff: reference.id.clone(),
        }
    );
    let view = service.view("handoff-1").await;
    let stored = view.handoff.expect("the handoff is saved with the turn");
    assert_eq!(stored.id, reference.id);
    assert!(matches!(
        view.conversation.state,
        ConversationState::HandedOff { .. }
    ));
}

#[tokio::test]
async fn save_keeps_the_turn_and_next_action_listens_or_hangs_up() {
    let service = service().await;
    let first = service.say("save-1", spoken("你好", 0.95)).await;
    assert_eq!(first.next, NextAction::Listen);
    let bye = service.say("save-1", spoken("再见", 0.95)).await;
    assert_eq!(bye.next, NextAction::Hangup);
    let view = service.view("save-1").await;
    assert_eq!(view.conversation.turn, 2);
    assert!(view.conversation.is_closed());
}

#[tokio::test]
async fn a_silence_is_recorded_as_no_input() {
    let service = service().await;
    let request = TurnRequest {
        text: None,
        event: Some(IvrEvent::NoInput),
        ..spoken("-", 1.0)
    };
    service.say("silence-1", request).await;
    let view = service.view("silence-1").await;
    assert_eq!(view.transcript[0].text.as_str(), "[no input]");
}
