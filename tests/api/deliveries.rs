//! Handoffs pushed to webhooks through the outbox, against a real receiver that is down,
//! fails, or is slow: every handoff arrives, signed, and every repeat carries the same
//! `Idempotency-Key`. Retries here are milliseconds apart instead of seconds; the logic is
//! the same as in production.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use frontline::domain::Priority;
use frontline::handoff::{DeliveryConfig, WebhookConfig, check_webhooks};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::helpers::{TestApp, spawn_app_configured};
use crate::receiver::{Receiver, SECRET, free_address};

/// How long a test waits for deliveries before it declares them lost.
const PATIENCE: Duration = Duration::from_secs(60);

/// Retries within milliseconds, a short timeout, a breaker that opens after three failures.
pub fn fast_delivery() -> DeliveryConfig {
    DeliveryConfig {
        first_retry_ms: 50,
        max_retry_ms: 400,
        timeout_ms: 500,
        breaker_failures: 3,
        breaker_cooldown_ms: 300,
        poll_ms: 50,
        ..DeliveryConfig::default()
    }
}

pub fn webhook(name: &str, receiver: &Receiver, priorities: &[Priority]) -> WebhookConfig {
    WebhookConfig {
        name: name.into(),
        url: receiver.url(),
        secret: Some(SECRET.into()),
        priorities: priorities.to_vec(),
        ..WebhookConfig::default()
    }
}

struct Pushing {
    app: TestApp,
    _data_dir: tempfile::TempDir,
}

async fn app_pushing_to(hooks: Vec<WebhookConfig>, delivery: DeliveryConfig) -> Pushing {
    let data_dir = tempfile::tempdir().unwrap();
    let app = spawn_app_configured(data_dir.path(), |settings| {
        settings.webhooks = check_webhooks(&hooks, &delivery, |_| None).unwrap();
        settings.delivery = delivery.check().unwrap();
    })
    .await;
    Pushing {
        app,
        _data_dir: data_dir,
    }
}

/// A new conversation that asks for a person; returns its handoff id.
async fn hand_off(app: &TestApp, conversation: &str, text: &str) -> String {
    let turn = app.say_zh(conversation, text).await;
    turn["handoff"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("`{text}` hands off: {turn}"))
        .to_string()
}

async fn outbox(app: &TestApp, status: &str) -> Vec<Value> {
    let page = app
        .get(&format!("/admin/deliveries?status={status}&per_page=200"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body["deliveries"].as_array().unwrap().clone()
}

/// Waits until the outbox has no pending delivery left (the bot's own view).
async fn wait_until_settled(app: &TestApp) {
    let started = std::time::Instant::now();
    while !outbox(app, "pending").await.is_empty() {
        assert!(started.elapsed() < PATIENCE, "deliveries still pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_receiver_that_is_down_at_first_gets_every_handoff_once_it_is_up() {
    let receiver = Receiver::reserve(free_address());
    let pushing = app_pushing_to(vec![webhook("desk", &receiver, &[])], fast_delivery()).await;
    let app = &pushing.app;
    let mut handoffs = BTreeSet::new();
    for n in 0..5 {
        handoffs.insert(hand_off(app, &format!("down-{n}"), "转人工").await);
    }
    // The receiver is down: deliveries fail and wait in the outbox.
    let started = std::time::Instant::now();
    loop {
        let pending = outbox(app, "pending").await;
        if pending.len() == 5 && pending.iter().all(|d| d["attempts"].as_u64() >= Some(2)) {
            assert!(
                pending.iter().all(|d| d["last_error"] == "cannot connect"),
                "{pending:?}"
            );
            break;
        }
        assert!(started.elapsed() < PATIENCE, "no retries seen: {pending:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    receiver.listen();
    receiver.wait_for(&handoffs, PATIENCE).await;
    receiver.assert_signed_and_consistent();
    wait_until_settled(app).await;
    assert_eq!(outbox(app, "delivered").await.len(), 5);
    receiver.stop().await;
}

#[tokio::test]
async fn a_receiver_answering_500_three_times_gets_the_handoff_on_the_fourth_attempt() {
    let receiver = Receiver::start();
    receiver.fail_next(3);
    let pushing = app_pushing_to(vec![webhook("desk", &receiver, &[])], fast_delivery()).await;
    let app = &pushing.app;
    let handoff = hand_off(app, "flaky-1", "我要找人工客服").await;

    receiver.wait_for(&[handoff.clone()].into(), PATIENCE).await;
    receiver.assert_signed_and_consistent();
    let received = receiver.received();
    let answers: Vec<u16> = received.iter().map(|r| r.answered).collect();
    assert_eq!(answers, [500, 500, 500, 200]);
    let keys: BTreeSet<&str> = received
        .iter()
        .map(|r| r.idempotency_key.as_str())
        .collect();
    assert_eq!(keys.len(), 1, "every attempt carries the same key");
    assert!(received.iter().all(|r| r.handoff_id == handoff));

    wait_until_settled(app).await;
    let delivered = outbox(app, "delivered").await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["attempts"], 4);
    assert_eq!(delivered[0]["handoff_id"], handoff.as_str());
    receiver.stop().await;
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_is_sent_the_same_key_again() {
    let receiver = Receiver::start();
    // The first two answers come after the bot has stopped waiting (timeout 500 ms).
    receiver.slow_next(2, Duration::from_millis(1_500));
    let pushing = app_pushing_to(vec![webhook("desk", &receiver, &[])], fast_delivery()).await;
    let app = &pushing.app;
    let handoff = hand_off(app, "slow-1", "转人工").await;

    wait_until_settled(app).await;
    let delivered = outbox(app, "delivered").await;
    assert_eq!(delivered.len(), 1, "the bot saw the delivery through");
    assert!(
        delivered[0]["attempts"].as_u64() >= Some(3),
        "two timed-out attempts, then one answered in time: {delivered:?}"
    );
    receiver.assert_signed_and_consistent();
    let received = receiver.received();
    assert!(received.len() >= 3, "{received:?}");
    assert!(
        received
            .iter()
            .all(|r| r.handoff_id == handoff && r.idempotency_key == received[0].idempotency_key),
        "duplicates carry one key: the receiver deduplicates by it"
    );
    receiver.stop().await;
}

#[tokio::test]
async fn a_destination_only_gets_the_priorities_it_filters_for() {
    let everything = Receiver::start();
    let urgent_only = Receiver::start();
    let pushing = app_pushing_to(
        vec![
            webhook("desk", &everything, &[]),
            webhook("fraud_team", &urgent_only, &[Priority::Urgent]),
        ],
        fast_delivery(),
    )
    .await;
    let app = &pushing.app;
    let normal = hand_off(app, "filter-1", "转人工").await;
    let urgent = hand_off(app, "filter-2", "我的卡被盗刷了,不是我本人消费的").await;

    everything
        .wait_for(&[normal.clone(), urgent.clone()].into(), PATIENCE)
        .await;
    urgent_only
        .wait_for(&[urgent.clone()].into(), PATIENCE)
        .await;
    wait_until_settled(app).await;
    let urgent_received = urgent_only.received();
    assert!(
        urgent_received
            .iter()
            .all(|r| r.handoff_id == urgent && r.priority == "urgent"),
        "{urgent_received:?}"
    );
    assert_eq!(outbox(app, "all").await.len(), 3, "one row per destination");
    everything.stop().await;
    urgent_only.stop().await;
}

#[tokio::test]
async fn a_dead_letter_is_listed_and_delivered_once_an_operator_retries_it() {
    let receiver = Receiver::reserve(free_address());
    let delivery = DeliveryConfig {
        // Give up at the first failure: the retry window is over at once.
        give_up_after_secs: 0,
        ..fast_delivery()
    };
    let pushing = app_pushing_to(vec![webhook("desk", &receiver, &[])], delivery).await;
    let app = &pushing.app;
    let handoff = hand_off(app, "dead-1", "转人工").await;

    let started = std::time::Instant::now();
    let dead = loop {
        let dead = outbox(app, "dead").await;
        if !dead.is_empty() {
            break dead;
        }
        assert!(started.elapsed() < PATIENCE, "never given up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(dead[0]["handoff_id"], handoff.as_str());
    assert_eq!(dead[0]["last_error"], "cannot connect");
    let id = dead[0]["id"].as_i64().unwrap();

    receiver.listen();
    let retried = app
        .post_json(&format!("/admin/deliveries/{id}/retry"), &json!({}))
        .await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.body["status"], "pending");
    receiver.wait_for(&[handoff].into(), PATIENCE).await;
    wait_until_settled(app).await;
    assert!(outbox(app, "dead").await.is_empty());

    let unknown = app
        .post_json("/admin/deliveries/999999/retry", &json!({}))
        .await;
    assert_eq!(unknown.status, 404);
    let bad = app.get("/admin/deliveries?status=lost").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("lost")
    );
    receiver.stop().await;
}

#[tokio::test]
async fn a_burst_of_1000_handoffs_is_delivered_exactly_once_per_key() {
    let receiver = Receiver::start();
    let pushing = app_pushing_to(vec![webhook("desk", &receiver, &[])], fast_delivery()).await;
    let app = Arc::new(pushing.app);
    let mut requests = JoinSet::new();
    for n in 0..1_000 {
        let app = app.clone();
        requests.spawn(async move { hand_off(&app, &format!("burst-{n}"), "转人工").await });
    }
    let mut handoffs = BTreeSet::new();
    while let Some(handoff) = requests.join_next().await {
        handoffs.insert(handoff.expect("the request task finishes"));
    }
    assert_eq!(handoffs.len(), 1_000);

    receiver.wait_for(&handoffs, PATIENCE).await;
    receiver.assert_signed_and_consistent();
    let delivered = receiver.delivered();
    assert_eq!(delivered.len(), 1_000, "one key per handoff");
    let carried: BTreeSet<String> = delivered.into_values().collect();
    assert_eq!(carried, handoffs);
    receiver.stop().await;
}
