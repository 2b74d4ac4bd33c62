//! Several instances on one PostgreSQL database, as behind a load balancer: migrations
//! at start, conversations that move between instances, turns that race, and outbox rows
//! that each instance's worker claims without taking another's. Against the real server
//! on 127.0.0.1:5432 (or `FRONTLINE_TEST_POSTGRES`): if it is not there, these tests fail.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use frontline::dialogue::{Conversation, EmotionSummary, HandoffSummary, RiskSummary};
use frontline::domain::{
    Channel, ConversationId, Customer, EmotionLabel, HandoffId, HandoffReason, Locale, Priority,
    WebhookName,
};
use frontline::handoff::check_webhooks;
use frontline::store::{
    DatabaseUrl, OutboxEntry, PostgresStore, Store, StoredHandoff, TurnFacts, TurnWrite,
};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};
use tokio::task::JoinSet;

use crate::deliveries::webhook;
use crate::helpers::{TestApp, spawn_app_configured};
use crate::receiver::Receiver;

/// The server's maintenance database, where test databases are created.
fn admin_url() -> String {
    std::env::var("FRONTLINE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database of its own for one test, dropped afterwards.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    name: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let admin = admin_url();
        let mut connection = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!(
                "no PostgreSQL at {admin}: {e}. scripts/test finds or starts one; \
                 FRONTLINE_TEST_POSTGRES names another"
            )
        });
        let name = format!("frontline_test_{}", uuid::Uuid::new_v4().simple());
        connection
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("the test database is created");
        let (server, _) = admin.rsplit_once('/').expect("a URL with a database");
        TestDatabase {
            url: DatabaseUrl::parse(&format!("{server}/{name}")).unwrap(),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime: the clean-up gets a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut connection) = PgConnection::connect(&admin_url()).await {
                    let _ = connection
                        .execute(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .await;
                }
            });
        })
        .join();
    }
}

/// An instance of the service on `database`, pushing handoffs to `receiver` if given.
pub async fn instance(database: &TestDatabase, receiver: Option<&Receiver>) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let url = database.url.clone();
    let delivery = crate::deliveries::fast_delivery();
    let hooks: Vec<_> = receiver
        .map(|r| webhook("desk", r, &[Priority::Normal, Priority::High]))
        .into_iter()
        .collect();
    spawn_app_configured(data_dir.path(), move |settings| {
        settings.database_url = Some(url);
        settings.webhooks = check_webhooks(&hooks, &delivery, |_| None).unwrap();
        settings.delivery = delivery.check().unwrap();
    })
    .await
    .keeping(data_dir)
}

pub fn customer_lines(view: &Value) -> Vec<String> {
    view["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|line| line["role"] == "customer")
        .map(|line| line["text"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_conversation_started_on_one_instance_continues_on_the_other() {
    let database = TestDatabase::create().await;
    // Both start at once on an empty database: the migrations run once, under a lock.
    let (a, b) = tokio::join!(instance(&database, None), instance(&database, None));

    let first = a.say_zh("pg-atm", "ATM吞了我的钱,气死我了!").await;
    assert_eq!(first["intent"]["id"], "atm_cash_retention", "{first}");
    let second = b.say_zh("pg-atm", "昨天下午三点").await;
    assert_eq!(
        second["turn"], 2,
        "instance b knows the first turn: {second}"
    );
    assert!(
        second["slots"]["time"]
            .as_str()
            .is_some_and(|t| t.ends_with("T15:00")),
        "{second}"
    );
    let third = a.say_zh("pg-atm", "人民路支行").await;
    assert_eq!(third["turn"], 3, "{third}");
    assert_eq!(third["slots"]["atm_location"], "人民路支行", "{third}");

    let seen_from_b = b.get("/v1/conversations/pg-atm").await;
    assert_eq!(seen_from_b.status, 200, "{}", seen_from_b.body);
    assert_eq!(
        customer_lines(&seen_from_b.body),
        ["ATM吞了我的钱,气死我了!", "昨天下午三点", "人民路支行"]
    );
}

#[tokio::test]
async fn turns_of_one_conversation_at_both_instances_at_once_are_serialised() {
    let database = TestDatabase::create().await;
    let (a, b) = tokio::join!(instance(&database, None), instance(&database, None));
    let (a, b) = (Arc::new(a), Arc::new(b));
    a.say_zh("pg-race", "我想咨询一下贷款").await;

    let said: Vec<String> = (0..12)
        .map(|n| format!("第{n}个问题,贷款利率是多少"))
        .collect();
    let mut turns = JoinSet::new();
    for (n, text) in said.iter().enumerate() {
        let app = if n % 2 == 0 { &a } else { &b }.clone();
        let text = text.clone();
        turns.spawn(async move {
            app.post_json(
                "/v1/conversations/pg-race/messages",
                &json!({"text": text, "locale": "zh-CN"}),
            )
            .await
        });
    }
    let mut numbers = BTreeSet::new();
    while let Some(reply) = turns.join_next().await {
        let reply = reply.unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        numbers.insert(reply.body["turn"].as_u64().unwrap());
    }
    // Each turn saw the one before it: numbers 2..=13, none taken twice, none lost.
    assert_eq!(numbers, (2..=13).collect::<BTreeSet<u64>>());
    let view = b.get("/v1/conversations/pg-race").await;
    let lines = customer_lines(&view.body);
    assert_eq!(lines.len(), 13, "{}", view.body);
    let mut racing: Vec<String> = lines[1..].to_vec();
    racing.sort();
    let mut expected = said.clone();
    expected.sort();
    assert_eq!(racing, expected, "every message kept once");
    assert_eq!(view.body["transcript"].as_array().unwrap().len(), 26);
}

#[tokio::test]
async fn handoffs_made_on_two_instances_are_each_delivered_by_one_worker() {
    let database = TestDatabase::create().await;
    let receiver = Receiver::start();
    let (a, b) = tokio::join!(
        instance(&database, Some(&receiver)),
        instance(&database, Some(&receiver))
    );
    let (a, b) = (Arc::new(a), Arc::new(b));
    let mut made = JoinSet::new();
    for n in 0..60 {
        let app = if n % 2 == 0 { &a } else { &b }.clone();
        made.spawn(async move {
            let turn = app.say_zh(&format!("pg-handoff-{n}"), "转人工").await;
            turn["handoff"]["id"].as_str().unwrap().to_string()
        });
    }
    let mut handoffs = BTreeSet::new();
    while let Some(id) = made.join_next().await {
        handoffs.insert(id.unwrap());
    }
    assert_eq!(handoffs.len(), 60);
    receiver.wait_for(&handoffs, Duration::from_secs(60)).await;
    receiver.assert_signed_and_consistent();
    // Both workers poll the same outbox; SKIP LOCKED and the lease keep them apart.
    let mut requests: BTreeMap<String, usize> = BTreeMap::new();
    for request in receiver.received() {
        *requests.entry(request.idempotency_key).or_default() += 1;
    }
    let repeated: Vec<_> = requests.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "sent more than once: {repeated:?}");
    // Either instance's desk view shows all of them.
    let listed = a.get("/v1/handoffs?status=pending&per_page=100").await;
    assert_eq!(listed.body["handoffs"].as_array().unwrap().len(), 60);
    let acked = b
        .post_json(
            &format!("/v1/handoffs/{}/ack", handoffs.first().unwrap()),
            &json!({"agent": "agent-7"}),
        )
        .await;
    assert_eq!(acked.status, 200, "{}", acked.body);
    let listed = a.get("/v1/handoffs?status=acked").await;
    assert_eq!(listed.body["handoffs"].as_array().unwrap().len(), 1);
    // Managers' figures cover both instances.
    let figures = b.get("/v1/analytics").await;
    assert_eq!(figures.status, 200, "{}", figures.body);
    assert_eq!(figures.body["totals"]["conversations"], 60);
    assert_eq!(figures.body["totals"]["handed_off"], 60);
    assert_eq!(figures.body["handoff_reasons"][0]["handoffs"], 60);
    assert_eq!(figures.body["top_intents"][0]["intent"], "human_agent");
    receiver.stop().await;
}

/// A conversation handed off with one outbox row for `desk`, written as a turn would be.
async fn handed_off(store: &PostgresStore, n: usize) -> String {
    let now = Utc::now();
    let id = ConversationId::parse(&format!("pg-lease-{n}")).unwrap();
    let mut conversation = Conversation::new(
        id.clone(),
        Channel::Web,
        Locale::ZhCn,
        Customer::default(),
        now,
    );
    conversation.turn = 1;
    let summary = HandoffSummary {
        conversation_id: id.clone(),
        channel: Channel::Web,
        locale: Locale::ZhCn,
        customer: Customer::default(),
        primary_intent: None,
        demands: Vec::new(),
        slots: Default::default(),
        emotion: EmotionSummary {
            current: EmotionLabel::Neutral,
            peak: EmotionLabel::Neutral,
            peak_intensity: 0.0,
        },
        expectations: Vec::new(),
        risk: RiskSummary {
            escalation_threat: false,
            regulator_mentioned: false,
            media_mentioned: false,
            legal_mentioned: false,
        },
        reason: HandoffReason::CustomerRequest,
        priority: Priority::Normal,
        synopsis: frontline::privacy::mask(""),
        transcript: Vec::new(),
        commitments: Vec::new(),
        notices: Vec::new(),
        suggested_next_steps: Vec::new(),
        created_at: now,
    };
    let handoff = StoredHandoff {
        id: HandoffId::new(),
        conversation_id: id,
        reason: HandoffReason::CustomerRequest,
        priority: Priority::Normal,
        summary,
        created_at: now,
    };
    let payload = json!({"id": handoff.id.as_str(), "priority": "normal"}).to_string();
    store
        .save_turn(TurnWrite {
            conversation: &conversation,
            stored: None,
            token_sha256: None,
            events: &[],
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
            handoff: Some(&handoff),
            outbox: &[OutboxEntry {
                destination: WebhookName::parse("desk").unwrap(),
                idempotency_key: format!("{}:desk", handoff.id.as_str()),
                payload,
            }],
            receipt: None,
            commitments: &[],
            audit: None,
        })
        .await
        .unwrap();
    handoff.id.as_str().to_string()
}

#[tokio::test]
async fn outbox_rows_locked_by_one_worker_are_skipped_by_another_and_released_by_lease_expiry() {
    let database = TestDatabase::create().await;
    let store = PostgresStore::open(database.url.as_str()).await.unwrap();
    let mut handoffs = BTreeSet::new();
    for n in 0..5 {
        handoffs.insert(handed_off(&store, n).await);
    }
    let desk = WebhookName::parse("desk").unwrap();
    // Another worker is in the middle of claiming the two oldest rows (its transaction
    // holds their locks): this one takes the other three at once instead of waiting.
    let mut other = PgConnection::connect(database.url.as_str()).await.unwrap();
    let mut other_tx = other.begin().await.unwrap();
    let locked: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM outbox ORDER BY id LIMIT 2 FOR UPDATE")
            .fetch_all(&mut *other_tx)
            .await
            .unwrap();
    let now = Utc::now();
    let lease = now + chrono::Duration::milliseconds(700);
    let claimed = tokio::time::timeout(
        Duration::from_secs(5),
        store.claim_deliveries(&desk, now, lease, 10),
    )
    .await
    .expect("claiming does not wait for another worker's locks")
    .unwrap();
    let ids: BTreeSet<i64> = claimed.iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), 3);
    assert!(
        locked.iter().all(|id| !ids.contains(id)),
        "took a locked row"
    );
    other_tx.rollback().await.unwrap();

    // That worker died without claiming; its rows are free, the claimed ones are leased.
    let rest = store.claim_deliveries(&desk, now, lease, 10).await.unwrap();
    let rest: BTreeSet<i64> = rest.iter().map(|d| d.id).collect();
    assert_eq!(rest, locked.iter().copied().collect());
    assert!(
        store
            .claim_deliveries(&desk, Utc::now(), lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased rows are nobody else's"
    );

    // This worker dies too. Once the lease runs out, a worker of another instance takes
    // over and delivers everything.
    drop(store);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let receiver = Receiver::start();
    let _successor = instance(&database, Some(&receiver)).await;
    receiver.wait_for(&handoffs, Duration::from_secs(30)).await;
    receiver.assert_signed_and_consistent();
    receiver.stop().await;
}
