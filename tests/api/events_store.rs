//! The `conversation_events` table through the `Store` boundary, on SQLite and on
//! PostgreSQL: events saved with a turn or a change, read back after an id, in order, by
//! audience; a change refused when the conversation moved on saves no event.

use chrono::Utc;
use frontline::dialogue::{Conversation, ConversationState, HandoffRef};
use frontline::domain::{
    AgentId, AgentName, AgentRef, Channel, ConversationId, Customer, EmotionLabel, HandoffId,
    HandoffReason, Locale, Priority,
};
use frontline::privacy::mask;
use frontline::store::{
    Audience, ChangeWrite, EventBody, PostgresStore, SqliteStore, Store, StoreError, TurnFacts,
    TurnWrite,
};

use crate::postgres::TestDatabase;

fn agent() -> AgentRef {
    AgentRef {
        id: AgentId::parse("a-7").unwrap(),
        name: AgentName::parse("王经理").unwrap(),
    }
}

async fn events_are_kept_in_order_and_read_after_an_id(store: &impl Store) {
    let now = Utc::now();
    let id = ConversationId::parse("ev-1").unwrap();
    let mut conversation = Conversation::new(
        id.clone(),
        Channel::Web,
        Locale::ZhCn,
        Customer::default(),
        now,
    );
    conversation.turn = 1;
    conversation.state = ConversationState::HandedOff {
        handoff: HandoffRef {
            id: HandoffId::new(),
            reason: HandoffReason::CustomerRequest,
            priority: Priority::Normal,
        },
    };
    let turn_events = [
        EventBody::BotReply {
            turn: 1,
            text: mask("马上为您转接人工客服"),
            quick_replies: Vec::new(),
            at: now,
        },
        EventBody::State {
            state: "handed_off".into(),
            ask_rating: false,
            at: now,
        },
    ];
    store
        .save_turn(TurnWrite {
            conversation: &conversation,
            stored: None,
            token_sha256: Some("ab"),
            events: &turn_events,
            facts: &TurnFacts {
                day: now.date_naive(),
                channel: Channel::Web,
                intent: None,
                complaint: false,
                emotion: EmotionLabel::Neutral,
                notice: None,
                at: chrono::Utc::now(),
                city: None,
            },
            lines: &[],
            amend_last_customer_line: None,
            handoff: None,
            outbox: &[],
            receipt: None,
            commitments: &[],
            audit: None,
        })
        .await
        .unwrap();
    assert_eq!(
        store.token_sha256(&id).await.unwrap().as_deref(),
        Some("ab")
    );

    // A change checked against a state the conversation no longer has saves nothing.
    let message = [EventBody::AgentMessage {
        agent: agent(),
        text: mask("您好,卡号6222021234567890123"),
        at: now,
    }];
    let stale = store
        .save_change(ChangeWrite {
            conversation: &conversation,
            stored: (1, "with_agent"),
            lines: &[],
            events: &message,
            handoff: None,
            rating: None,
            receipt: None,
        })
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let ids = store
        .save_change(ChangeWrite {
            conversation: &conversation,
            stored: (1, "handed_off"),
            lines: &[],
            events: &[
                message[0].clone(),
                EventBody::Rating {
                    score: 5,
                    comment: None,
                    at: now,
                },
            ],
            handoff: None,
            rating: None,
            receipt: None,
        })
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1]);

    let desk = store.events(&id, 0, Audience::Desk, 100).await.unwrap();
    let kinds: Vec<&str> = desk.iter().map(|e| e.body.kind()).collect();
    assert_eq!(kinds, ["bot_reply", "state", "agent_message", "rating"]);
    assert!(desk.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(desk[2].body, message[0]);
    let EventBody::AgentMessage { text, .. } = &desk[2].body else {
        unreachable!()
    };
    assert!(!text.as_str().contains("6222021234567890123"));
    let customer = store.events(&id, 0, Audience::Customer, 100).await.unwrap();
    assert_eq!(customer.len(), 3, "the rating is the desk's");
    let after = store
        .events(&id, desk[1].id, Audience::Desk, 1)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, desk[2].id);
    let other = ConversationId::parse("ev-2").unwrap();
    assert!(
        store
            .events(&other, 0, Audience::Desk, 100)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn sqlite_keeps_conversation_events() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    events_are_kept_in_order_and_read_after_an_id(&store).await;
}

#[tokio::test]
async fn postgres_keeps_conversation_events() {
    let database = TestDatabase::create().await;
    let store = PostgresStore::open(database.url.as_str()).await.unwrap();
    events_are_kept_in_order_and_read_after_an_id(&store).await;
}
