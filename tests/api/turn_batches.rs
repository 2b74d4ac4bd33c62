//! Many turns saved at once through the `Store` boundary, on SQLite (where one writer
//! saves the waiting turns in one transaction) and on PostgreSQL: every turn is saved
//! whole or not at all, and a turn refused because its conversation moved on is refused
//! alone, without its neighbours in the same transaction.

use chrono::Utc;
use frontline::dialogue::Conversation;
use frontline::domain::{Channel, ConversationId, Customer, EmotionLabel, Locale};
use frontline::privacy::mask;
use frontline::store::{
    EventBody, PostgresStore, Role, SqliteStore, Store, StoreError, TranscriptLine, TurnFacts,
    TurnWrite,
};
use futures_util::future::join_all;

use crate::postgres::TestDatabase;

const CONVERSATIONS: usize = 48;

fn facts() -> TurnFacts {
    TurnFacts {
        day: Utc::now().date_naive(),
        channel: Channel::Web,
        intent: None,
        complaint: false,
        emotion: EmotionLabel::Neutral,
        notice: None,
        at: chrono::Utc::now(),
        city: None,
    }
}

/// Turn `turn` of `conversation`: the customer's line and the bot's, and the reply event.
async fn save(
    store: &impl Store,
    conversation: &Conversation,
    stored: Option<(u32, &'static str)>,
    words: &str,
) -> Result<(), StoreError> {
    let now = Utc::now();
    let lines = [
        TranscriptLine {
            role: Role::Customer,
            text: mask(words),
            at: now,
        },
        TranscriptLine {
            role: Role::Bot,
            text: mask("好的"),
            at: now,
        },
    ];
    let events = [EventBody::BotReply {
        turn: conversation.turn,
        text: mask("好的"),
        quick_replies: Vec::new(),
        at: now,
    }];
    store
        .save_turn(TurnWrite {
            conversation,
            stored,
            token_sha256: None,
            events: &events,
            facts: &facts(),
            lines: &lines,
            amend_last_customer_line: None,
            handoff: None,
            outbox: &[],
            receipt: None,
            commitments: &[],
            audit: None,
        })
        .await
}

async fn concurrent_turns_are_saved_whole_and_refused_alone(store: &impl Store) {
    let first: Vec<Conversation> = (0..CONVERSATIONS)
        .map(|i| {
            let mut conversation = Conversation::new(
                ConversationId::parse(&format!("batch-{i}")).unwrap(),
                Channel::Web,
                Locale::ZhCn,
                Customer::default(),
                Utc::now(),
            );
            conversation.turn = 1;
            conversation
        })
        .collect();
    let saved = join_all(first.iter().map(|c| save(store, c, None, "第一句"))).await;
    assert!(saved.iter().all(Result::is_ok), "{saved:?}");

    // Two second turns of every conversation at once, both taken on turn 1: one wins,
    // the other is refused, whatever transaction they share with others.
    let second: Vec<Conversation> = first
        .iter()
        .map(|c| {
            let mut next = c.clone();
            next.turn = 2;
            next
        })
        .collect();
    let stored = Some((1, first[0].state.as_str()));
    let racing = second.iter().flat_map(|c| {
        [
            save(store, c, stored, "第二句"),
            save(store, c, stored, "另一个第二句"),
        ]
    });
    let results = join_all(racing).await;
    for (conversation, pair) in second.iter().zip(results.chunks(2)) {
        let won = pair.iter().filter(|r| r.is_ok()).count();
        let refused = pair
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict(_))))
            .count();
        assert_eq!(
            (won, refused),
            (1, 1),
            "{}: {pair:?}",
            conversation.id.as_str()
        );
        let transcript = store.transcript(&conversation.id).await.unwrap();
        let customer: Vec<&str> = transcript
            .iter()
            .filter(|line| line.role == Role::Customer)
            .map(|line| line.text.as_str())
            .collect();
        let expected_second = if pair[0].is_ok() {
            "第二句"
        } else {
            "另一个第二句"
        };
        assert_eq!(customer, ["第一句", expected_second]);
        assert_eq!(transcript.len(), 4, "the refused turn left no line");
        let loaded = store.conversation(&conversation.id).await.unwrap().unwrap();
        assert_eq!(loaded.turn, 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_saves_concurrent_turns_whole_and_refuses_a_stale_one_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    concurrent_turns_are_saved_whole_and_refused_alone(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_saves_concurrent_turns_whole_and_refuses_a_stale_one_alone() {
    let database = TestDatabase::create().await;
    let store = PostgresStore::open(database.url.as_str()).await.unwrap();
    concurrent_turns_are_saved_whole_and_refused_alone(&store).await;
}
