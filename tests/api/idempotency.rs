//! Messages sent more than once: a client that did not hear the answer (a timeout, a
//! dropped connection, a reload) sends the message again with the same `Idempotency-Key`
//! (or `message_id`) and gets the first answer back, with no second turn, transcript line,
//! handoff or webhook delivery. The same scenarios run on SQLite and, with two instances
//! sharing it, on PostgreSQL.

use std::sync::Arc;

use frontline::handoff::check_webhooks;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::deliveries::{fast_delivery, webhook};
use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_configured};
use crate::postgres::{TestDatabase, instance};
use crate::receiver::{Receiver, free_address};

/// `POST /v1/conversations/{conversation}/messages` with `body`, and the key as the
/// `Idempotency-Key` header when given. The answer as saved: the conversation token, which
/// only the answer that started the conversation carries (it is not saved), left out.
async fn send(app: &TestApp, conversation: &str, body: Value, key: Option<&str>) -> Reply {
    let mut headers = Vec::new();
    if let Some(key) = key {
        headers.push(("idempotency-key", key.as_bytes().to_vec()));
    }
    let mut reply = app
        .post_json_with_headers(
            &format!("/v1/conversations/{conversation}/messages"),
            &body,
            &headers,
        )
        .await;
    if let Some(answer) = reply.body.as_object_mut() {
        answer.remove("conversation_token");
    }
    reply
}

fn zh(text: &str) -> Value {
    json!({"text": text, "locale": "zh-CN"})
}

/// The stored transcript's lines (role and masked text).
async fn transcript(app: &TestApp, conversation: &str) -> Vec<(String, String)> {
    let view = app.get(&format!("/v1/conversations/{conversation}")).await;
    assert_eq!(view.status, 200, "{}", view.body);
    view.body["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["role"].as_str().unwrap().to_string(),
                line["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn customer_lines(lines: &[(String, String)]) -> Vec<&str> {
    lines
        .iter()
        .filter(|(role, _)| role == "customer")
        .map(|(_, text)| text.as_str())
        .collect()
}

async fn pending_handoffs(app: &TestApp) -> usize {
    let listed = app.get("/v1/handoffs?status=all&per_page=100").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.body["handoffs"].as_array().unwrap().len()
}

async fn outbox_rows(app: &TestApp) -> usize {
    let page = app.get("/admin/deliveries?status=all&per_page=100").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body["deliveries"].as_array().unwrap().len()
}

/// A handing-off message sent, then sent again (to `retry`, which may be another instance
/// of the same deployment): one turn, one customer line, one handoff, one outbox row, and
/// the very same answer.
async fn a_retry_gets_the_first_answer(first: &TestApp, retry: &TestApp, conversation: &str) {
    let opening = send(first, conversation, zh("ATM吞了我的钱"), Some("m-1")).await;
    assert_eq!(opening.status, 200, "{}", opening.body);
    let asked = send(first, conversation, zh("转人工"), Some("m-2")).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert_eq!(asked.body["turn"], 2, "{}", asked.body);
    assert!(asked.body["handoff"]["id"].is_string(), "{}", asked.body);

    for _ in 0..2 {
        let again = send(retry, conversation, zh("转人工"), Some("m-2")).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.body, asked.body, "the retry gets the first answer");
    }
    let lines = transcript(retry, conversation).await;
    assert_eq!(
        customer_lines(&lines),
        ["ATM吞了我的钱", "转人工"],
        "{lines:?}"
    );
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(pending_handoffs(retry).await, 1);
    assert_eq!(outbox_rows(retry).await, 1);

    // The earlier message's key still answers with its own (earlier) turn.
    let old = send(retry, conversation, zh("ATM吞了我的钱"), Some("m-1")).await;
    assert_eq!(old.status, 200, "{}", old.body);
    assert_eq!(old.body, opening.body);
    // A new key is a new message.
    let next = send(first, conversation, zh("怎么还没人理我"), Some("m-3")).await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(next.body["turn"], 3, "{}", next.body);
    assert!(next.body["handoff"].is_null(), "{}", next.body);
}

/// The same key with another text is a client's mistake: 409, and nothing changes.
async fn another_text_under_a_used_key_is_refused(
    first: &TestApp,
    retry: &TestApp,
    conversation: &str,
) {
    let said = send(first, conversation, zh("ATM吞了我的钱"), Some("k-1")).await;
    assert_eq!(said.status, 200, "{}", said.body);
    let before = retry
        .get(&format!("/v1/conversations/{conversation}"))
        .await;
    for body in [
        zh("我的信用卡丢了"),
        json!({"dtmf": "0"}),
        json!({"text": "我的信用卡丢了", "message_id": "k-1"}),
    ] {
        let key = body.get("message_id").is_none().then_some("k-1");
        let refused = send(retry, conversation, body.clone(), key).await;
        assert_eq!(refused.status, 409, "{body}: {}", refused.body);
        assert_eq!(refused.error_code(), "idempotency_key_reused", "{body}");
    }
    let after = retry
        .get(&format!("/v1/conversations/{conversation}"))
        .await;
    assert_eq!(after.body, before.body, "nothing changed");
    // The right text under that key still gets its answer.
    let again = send(retry, conversation, zh("ATM吞了我的钱"), Some("k-1")).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, said.body);
}

/// Several copies of one message at once (a client that retried too eagerly): one turn.
async fn copies_at_once_take_one_turn(apps: &[Arc<TestApp>], conversation: &str) {
    let mut sent = JoinSet::new();
    for n in 0..8 {
        let app = apps[n % apps.len()].clone();
        let conversation = conversation.to_string();
        sent.spawn(async move {
            send(&app, &conversation, zh("我的卡被吞了"), Some("burst-1")).await
        });
    }
    let mut answers = Vec::new();
    while let Some(reply) = sent.join_next().await {
        let reply = reply.unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        answers.push(reply.body);
    }
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "one answer for all copies: {answers:?}"
    );
    assert_eq!(answers[0]["turn"], 1);
    let lines = transcript(&apps[0], conversation).await;
    assert_eq!(customer_lines(&lines), ["我的卡被吞了"], "{lines:?}");
}

/// A server that queues handoffs for a webhook (nobody listens: the rows stay pending).
async fn app_with_a_webhook() -> TestApp {
    let receiver = Receiver::reserve(free_address());
    let hooks = vec![webhook("desk", &receiver, &[])];
    let delivery = fast_delivery();
    let data_dir = tempfile::tempdir().unwrap();
    spawn_app_configured(data_dir.path(), move |settings| {
        settings.webhooks = check_webhooks(&hooks, &delivery, |_| None).unwrap();
        settings.delivery = delivery.check().unwrap();
    })
    .await
    .keeping(data_dir)
}

#[tokio::test]
async fn a_retried_message_gets_the_first_answer_and_takes_no_second_turn() {
    let app = app_with_a_webhook().await;
    a_retry_gets_the_first_answer(&app, &app, "idem-retry").await;
}

#[tokio::test]
async fn the_same_key_with_another_text_is_409_and_changes_nothing() {
    let app = spawn_app().await;
    another_text_under_a_used_key_is_refused(&app, &app, "idem-reuse").await;
}

#[tokio::test]
async fn copies_of_one_message_sent_at_once_take_one_turn() {
    let app = Arc::new(spawn_app().await);
    copies_at_once_take_one_turn(&[app], "idem-burst").await;
}

#[tokio::test]
async fn message_id_in_the_body_works_like_the_header() {
    let app = spawn_app().await;
    let body = json!({"text": "ATM吞了我的钱", "message_id": "web-7f3a"});
    let first = send(&app, "idem-body", body.clone(), None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let again = send(&app, "idem-body", body.clone(), None).await;
    assert_eq!(again.body, first.body);
    // The same key in both places is one key; the header alone finds it too.
    let both = send(&app, "idem-body", body.clone(), Some("web-7f3a")).await;
    assert_eq!(both.status, 200, "{}", both.body);
    assert_eq!(both.body, first.body);
    let header = send(&app, "idem-body", zh("ATM吞了我的钱"), Some("web-7f3a")).await;
    assert_eq!(header.body, first.body);
    let lines = transcript(&app, "idem-body").await;
    assert_eq!(customer_lines(&lines), ["ATM吞了我的钱"]);
    // Two different keys for one message: which one did the client mean?
    let differ = send(&app, "idem-body", body, Some("web-other")).await;
    assert_eq!(differ.status, 400, "{}", differ.body);
    assert_eq!(differ.error_code(), "invalid_idempotency_key");
    assert_eq!(transcript(&app, "idem-body").await, lines);
}

#[tokio::test]
async fn an_invalid_key_is_400_and_writes_nothing() {
    let app = spawn_app().await;
    let too_long = "k".repeat(129);
    let refused_headers: [&[u8]; 4] = [b"", too_long.as_bytes(), "键".as_bytes(), b"a\tb"];
    for key in refused_headers {
        let reply = app
            .post_json_with_headers(
                "/v1/conversations/idem-bad/messages",
                &zh("ATM吞了我的钱"),
                &[("idempotency-key", key.to_vec())],
            )
            .await;
        assert_eq!(reply.status, 400, "{key:?}: {}", reply.body);
        assert_eq!(reply.error_code(), "invalid_idempotency_key", "{key:?}");
    }
    for key in ["", too_long.as_str(), "键", "a\u{7}b"] {
        let body = json!({"text": "ATM吞了我的钱", "message_id": key});
        let reply = send(&app, "idem-bad", body, None).await;
        assert_eq!(reply.status, 400, "{key:?}: {}", reply.body);
        assert_eq!(reply.error_code(), "invalid_idempotency_key", "{key:?}");
    }
    let stored = app.get("/v1/conversations/idem-bad").await;
    assert_eq!(stored.status, 404, "{}", stored.body);
    // The longest key is fine.
    let longest = send(&app, "idem-bad", zh("你好"), Some(&"k".repeat(128))).await;
    assert_eq!(longest.status, 200, "{}", longest.body);
}

#[tokio::test]
async fn a_key_used_in_one_conversation_means_nothing_in_another() {
    let app = spawn_app().await;
    let a = send(&app, "idem-a", zh("ATM吞了我的钱"), Some("same-key")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let b = send(&app, "idem-b", zh("我的信用卡丢了"), Some("same-key")).await;
    assert_eq!(b.status, 200, "{}", b.body);
    assert_eq!(b.body["conversation_id"], "idem-b");
    assert_eq!(b.body["turn"], 1);
    assert_ne!(
        b.body["intent"], a.body["intent"],
        "{} / {}",
        a.body, b.body
    );
    assert_eq!(
        customer_lines(&transcript(&app, "idem-a").await),
        ["ATM吞了我的钱"]
    );
    assert_eq!(
        customer_lines(&transcript(&app, "idem-b").await),
        ["我的信用卡丢了"]
    );
}

#[tokio::test]
async fn a_bank_page_embedding_the_widget_may_send_the_key() {
    let data_dir = tempfile::tempdir().unwrap();
    let app = spawn_app_configured(data_dir.path(), |settings| {
        settings.cors_origins = vec!["https://www.example-bank.cn".into()];
    })
    .await;
    let preflight = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/conversations/cors-idem/messages", app.address),
        )
        .header("Origin", "https://www.example-bank.cn")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,idempotency-key",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("idempotency-key"), "{allowed}");
}

#[tokio::test]
async fn the_key_is_documented_as_a_header_and_a_body_field() {
    let app = spawn_app().await;
    let document = app.get("/openapi.json").await.body;
    let operation = &document["paths"]["/v1/conversations/{id}/messages"]["post"];
    let header = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["in"] == "header" && p["name"] == "Idempotency-Key")
        .unwrap_or_else(|| panic!("no Idempotency-Key parameter: {operation}"));
    assert_eq!(header["required"], false);
    assert_eq!(header["schema"]["maxLength"], 128, "{header}");
    assert!(
        operation["responses"]["409"]["description"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key"),
        "{operation}"
    );
    let body = &document["components"]["schemas"]["MessageRequest"]["properties"];
    assert!(body["message_id"].is_object(), "{body}");
}

#[tokio::test]
async fn postgres_a_retry_at_another_instance_gets_the_first_answer() {
    let database = TestDatabase::create().await;
    let receiver = Receiver::reserve(free_address());
    let (a, b) = tokio::join!(
        instance(&database, Some(&receiver)),
        instance(&database, Some(&receiver))
    );
    a_retry_gets_the_first_answer(&a, &b, "pg-idem-retry").await;
    another_text_under_a_used_key_is_refused(&b, &a, "pg-idem-reuse").await;
    copies_at_once_take_one_turn(&[Arc::new(a), Arc::new(b)], "pg-idem-burst").await;
}
