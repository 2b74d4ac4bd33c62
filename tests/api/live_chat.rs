//! A person takes over in the same chat: an agent claims a handed-off conversation,
//! writes to the customer and releases it; both sides follow the conversation's event
//! streams, which resume without loss or repetition. Through the real server.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::sse::{Stream, kinds};

const AGENT: &str = "a-7";

pub fn agent(id: &str, name: &str) -> Value {
    json!({"agent": {"id": id, "name": name}})
}

/// A customer whose ATM kept their cash asks for a person; the handoff id.
pub async fn handed_off(app: &TestApp, conversation: &str) -> String {
    let first = app.say_zh(conversation, "ATM吞了我的钱,两千块").await;
    assert_eq!(first["state"], "active", "{first}");
    let turn = app.say_zh(conversation, "转人工").await;
    assert_eq!(turn["state"], "handed_off", "{turn}");
    turn["handoff"]["id"]
        .as_str()
        .expect("a handoff")
        .to_string()
}

/// `agent` claims the handoff; asserts a 200.
pub async fn claim(app: &TestApp, handoff: &str, id: &str, name: &str) -> Value {
    let reply = app
        .post_json(&format!("/v1/handoffs/{handoff}/claim"), &agent(id, name))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

pub async fn agent_says(app: &TestApp, conversation: &str, text: &str) -> Value {
    let reply = app
        .post_json(
            &format!("/v1/conversations/{conversation}/agent-messages"),
            &json!({"text": text, "agent_id": AGENT}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

pub async fn customer_stream(app: &TestApp, conversation: &str, after: Option<i64>) -> Stream {
    let url = match after {
        Some(after) => format!(
            "{}/v1/conversations/{conversation}/events?after={after}",
            app.address
        ),
        None => format!("{}/v1/conversations/{conversation}/events", app.address),
    };
    Stream::open(&app.client, &url, &[]).await
}

pub async fn desk_stream(app: &TestApp, handoff: &str, last: Option<i64>) -> Stream {
    let url = format!("{}/v1/handoffs/{handoff}/events", app.address);
    match last {
        Some(last) => {
            Stream::open(&app.client, &url, &[("Last-Event-ID", &last.to_string())]).await
        }
        None => Stream::open(&app.client, &url, &[]).await,
    }
}

#[tokio::test]
async fn an_agent_takes_over_writes_and_resolves_and_the_customer_rates_them() {
    let app = spawn_app().await;
    let handoff = handed_off(&app, "live-1").await;
    let mut customer = customer_stream(&app, "live-1", None).await;
    // From the handoff turn on, the bot's replies are events too.
    let handed = customer.until("state").await;
    assert_eq!(kinds(&handed), ["bot_reply", "state"]);
    assert_eq!(handed[1].data["state"], "handed_off");

    let claimed = claim(&app, &handoff, AGENT, "王经理").await;
    assert_eq!(claimed["state"], "with_agent");
    assert_eq!(claimed["conversation_id"], "live-1");
    assert_eq!(claimed["agent"], json!({"id": AGENT, "name": "王经理"}));
    let sent = agent_says(
        &app,
        "live-1",
        "您好,我是王经理。请问卡号6222021234567890123对吗?",
    )
    .await;
    let text = sent["text"].as_str().unwrap();
    assert!(!text.contains("6222021234567890123"), "masked: {text}");
    assert!(sent["event_id"].as_i64().unwrap() > 0);

    let joined = customer.until("agent_message").await;
    assert_eq!(kinds(&joined), ["agent_joined", "state", "agent_message"]);
    assert_eq!(joined[0].data["agent"]["name"], "王经理");
    assert_eq!(joined[1].data["state"], "with_agent");
    assert_eq!(joined[2].data["text"], sent["text"]);
    assert_eq!(joined[2].id, sent["event_id"].as_i64().unwrap());

    // The bot never answers while the agent owns the conversation.
    let answer = app.say_zh("live-1", "对的,我很着急,要投诉到银保监会").await;
    assert_eq!(answer["reply"], Value::Null, "{answer}");
    assert_eq!(answer["state"], "with_agent");
    let mut desk = desk_stream(&app, &handoff, None).await;
    let history = desk.until("customer_message").await;
    let message = history.last().unwrap();
    assert_eq!(message.data["text"], "对的,我很着急,要投诉到银保监会");
    assert_eq!(
        message.data["risk"]["regulator_mentioned"], true,
        "{}",
        message.data
    );
    assert!(message.data["emotion"]["label"].is_string());
    assert!(message.data.get("intent").is_some());
    assert!(
        customer
            .next_within(std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "the customer's own message is not on their stream"
    );
    let view = app.get("/v1/conversations/live-1").await;
    let lines = view.body["transcript"].as_array().unwrap();
    assert_eq!(
        lines.last().unwrap()["role"],
        "customer",
        "no bot line for a message the agent answers"
    );

    let released = app
        .post_json(
            &format!("/v1/handoffs/{handoff}/release"),
            &json!({"outcome": "resolved", "note": "已登记退款", "agent_id": AGENT}),
        )
        .await;
    assert_eq!(released.status, 200, "{}", released.body);
    assert_eq!(released.body["state"], "closed");
    let left = customer.until("state").await;
    assert_eq!(kinds(&left), ["agent_left", "state"]);
    assert_eq!(left[0].data["outcome"], "resolved");
    assert_eq!(
        left[1].data,
        json!({"state": "closed", "ask_rating": true, "at": left[1].data["at"]})
    );
    let view = app.get("/v1/conversations/live-1").await;
    assert_eq!(view.body["state"], "closed");
    assert!(
        view.body["demands"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "addressed"),
        "{}",
        view.body
    );

    let rated = app
        .post_json(
            "/v1/conversations/live-1/rating",
            &json!({"score": 5, "comment": "王经理很耐心,电话13812345678"}),
        )
        .await;
    assert_eq!(rated.status, 201, "{}", rated.body);
    assert_eq!(rated.body["score"], 5);
    assert!(
        !rated.body["comment"]
            .as_str()
            .unwrap()
            .contains("13812345678")
    );
    let again = app
        .post_json("/v1/conversations/live-1/rating", &json!({"score": 1}))
        .await;
    assert_eq!((again.status, again.error_code()), (409, "already_rated"));
    let rating = desk.until("rating").await;
    assert_eq!(rating.last().unwrap().data["score"], 5);

    let analytics = app.get("/v1/analytics").await;
    assert_eq!(analytics.status, 200, "{}", analytics.body);
    let live = &analytics.body["live_chat"];
    assert_eq!(live["ratings"]["count"], 1, "{live}");
    assert_eq!(live["ratings"]["average"], 5.0);
    assert_eq!(live["ratings"]["distribution"]["5"], 1);
    assert_eq!(
        live["ratings"]["by_intent"]["atm_cash_retention"]["count"],
        1
    );
    assert_eq!(live["resolved"], 1);
    assert!(live["claim_wait_seconds"]["p50"].is_number(), "{live}");
    assert!(live["handling_seconds"]["p90"].is_number(), "{live}");
    let metrics = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("frontline_live_chat_ratings{score=\"5\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("frontline_live_chat_releases{outcome=\"resolved\"} 1"));

    let list = app.get("/v1/handoffs?status=all").await;
    let item = &list.body["handoffs"][0];
    assert_eq!(item["state"], "closed", "{item}");
    assert_eq!(item["agent"]["id"], AGENT);
}

#[tokio::test]
async fn a_rating_is_taken_only_when_asked_for_and_within_its_range() {
    let app = spawn_app().await;
    app.say_zh("live-unrated", "你好").await;
    let early = app
        .post_json(
            "/v1/conversations/live-unrated/rating",
            &json!({"score": 4}),
        )
        .await;
    assert_eq!(
        (early.status, early.error_code()),
        (409, "no_rating_requested")
    );
    for score in [0, 6, -1] {
        let bad = app
            .post_json(
                "/v1/conversations/live-unrated/rating",
                &json!({"score": score}),
            )
            .await;
        assert_eq!(bad.status, 400, "{score}: {}", bad.body);
    }
}

#[tokio::test]
async fn another_agent_is_refused_with_who_has_it_and_a_retried_message_is_one_event() {
    let app = spawn_app().await;
    let handoff = handed_off(&app, "live-2").await;
    claim(&app, &handoff, AGENT, "王经理").await;
    // The same agent again is harmless.
    let again = claim(&app, &handoff, AGENT, "王经理").await;
    assert_eq!(again["agent"]["id"], AGENT);
    let other = app
        .post_json(
            &format!("/v1/handoffs/{handoff}/claim"),
            &agent("a-8", "李娜"),
        )
        .await;
    assert_eq!((other.status, other.error_code()), (409, "claimed"));
    assert_eq!(
        other.body["error"]["agent"],
        json!({"id": AGENT, "name": "王经理"})
    );
    assert_eq!(other.body["error"]["message"], "王经理 已接入该会话");

    let not_owner = app
        .post_json(
            "/v1/conversations/live-2/agent-messages",
            &json!({"text": "我来吧", "agent_id": "a-8"}),
        )
        .await;
    assert_eq!(
        (not_owner.status, not_owner.error_code()),
        (409, "not_owner")
    );
    let typing = app
        .post_json(
            "/v1/conversations/live-2/agent-typing",
            &json!({"agent_id": "a-8"}),
        )
        .await;
    assert_eq!((typing.status, typing.error_code()), (409, "not_owner"));
    let release = app
        .post_json(
            &format!("/v1/handoffs/{handoff}/release"),
            &json!({"outcome": "resolved", "agent_id": "a-8"}),
        )
        .await;
    assert_eq!((release.status, release.error_code()), (409, "not_owner"));
    let bad = app
        .post_json(
            &format!("/v1/handoffs/{handoff}/claim"),
            &agent("a 8", "李娜"),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let unknown = app
        .post_json(
            "/v1/handoffs/h-00000000000000000000000000000000/claim",
            &agent("a-8", "李娜"),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    let typed = app
        .client
        .post(format!(
            "{}/v1/conversations/live-2/agent-typing",
            app.address
        ))
        .json(&json!({"agent_id": AGENT}))
        .send()
        .await
        .unwrap();
    assert_eq!(typed.status(), 204);

    let path = "/v1/conversations/live-2/agent-messages";
    let body = json!({"text": "您的款项已登记", "agent_id": AGENT});
    let key = [("Idempotency-Key", b"msg-1".to_vec())];
    let first = app.post_json_with_headers(path, &body, &key).await;
    let retry = app.post_json_with_headers(path, &body, &key).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(first.body, retry.body, "a retry gets the same event");
    let reused = app
        .post_json_with_headers(path, &json!({"text": "另一句", "agent_id": AGENT}), &key)
        .await;
    assert_eq!(reused.status, 409, "{}", reused.body);

    let mut desk = desk_stream(&app, &handoff, None).await;
    let events = desk.until("agent_message").await;
    assert_eq!(
        events.last().unwrap().id,
        first.body["event_id"].as_i64().unwrap()
    );
    assert!(kinds(&events).contains(&"agent_typing"));
    assert!(
        desk.next_within(std::time::Duration::from_millis(500))
            .await
            .is_none(),
        "one message, one event"
    );
}

#[tokio::test]
async fn a_stream_cut_and_resumed_gets_every_event_exactly_once() {
    let app = spawn_app().await;
    let handoff = handed_off(&app, "live-3").await;
    claim(&app, &handoff, AGENT, "王经理").await;
    let mut desk = desk_stream(&app, &handoff, None).await;
    agent_says(&app, "live-3", "第一句").await;
    agent_says(&app, "live-3", "第二句").await;
    let mut seen = desk.until("agent_message").await;
    seen.extend(desk.until("agent_message").await);
    let last = seen.last().unwrap().id;
    drop(desk);

    // Cut: what happens meanwhile is stored, not lost.
    agent_says(&app, "live-3", "第三句").await;
    app.say_zh("live-3", "好的,谢谢").await;
    agent_says(&app, "live-3", "第四句").await;

    let mut resumed = desk_stream(&app, &handoff, Some(last)).await;
    let mut missed = resumed.until("agent_message").await;
    missed.extend(resumed.until("agent_message").await);
    assert!(missed.iter().all(|e| e.id > last));
    let missed: Vec<Value> = missed
        .iter()
        .map(|e| json!([e.kind, e.data["text"]]))
        .collect();
    assert_eq!(
        missed,
        [
            json!(["agent_message", "第三句"]),
            json!(["customer_message", "好的,谢谢"]),
            json!(["agent_message", "第四句"]),
        ]
    );
    // And then live.
    agent_says(&app, "live-3", "第五句").await;
    let live = resumed.next().await;
    assert_eq!(live.data["text"], "第五句");
    assert!(
        resumed
            .next_within(std::time::Duration::from_millis(300))
            .await
            .is_none()
    );

    // A page reload passes `?after=`: the customer's stream from there on, once.
    let mut customer = customer_stream(&app, "live-3", Some(last)).await;
    let texts: Vec<Value> = [
        customer.next().await,
        customer.next().await,
        customer.next().await,
    ]
    .into_iter()
    .map(|e| e.data["text"].clone())
    .collect();
    assert_eq!(texts, ["第三句", "第四句", "第五句"]);

    // Every id once, increasing, over the whole history.
    let mut whole = desk_stream(&app, &handoff, None).await;
    let mut ids = Vec::new();
    while let Some(event) = whole
        .next_within(std::time::Duration::from_millis(500))
        .await
    {
        ids.push(event.id);
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // The handoff (bot reply, state), the claim (joined, state), five messages of the
    // agent's and one of the customer's.
    assert_eq!(ids.len(), 2 + 2 + 5 + 1, "{ids:?}");
}

#[tokio::test]
async fn back_to_bot_lets_the_bot_carry_on_with_the_open_demands() {
    let app = spawn_app().await;
    let handoff = handed_off(&app, "live-4").await;
    claim(&app, &handoff, AGENT, "王经理").await;
    let silent = app.say_zh("live-4", "你好,在吗").await;
    assert_eq!(silent["reply"], Value::Null);
    let released = app
        .post_json(
            &format!("/v1/handoffs/{handoff}/release"),
            &json!({"outcome": "back_to_bot", "agent_id": AGENT}),
        )
        .await;
    assert_eq!(released.status, 200, "{}", released.body);
    assert_eq!(released.body["state"], "active");

    let mut customer = customer_stream(&app, "live-4", None).await;
    let events = customer.until("agent_left").await;
    assert_eq!(events.last().unwrap().data["outcome"], "back_to_bot");
    let bot = customer.next().await;
    assert_eq!(bot.kind, "bot_reply");
    let said = bot.data["text"].as_str().unwrap();
    assert!(said.contains("人工客服已结束接待"), "{said}");
    assert!(said.contains("ATM"), "names the open demand: {said}");
    let state = customer.next().await;
    assert_eq!(state.data["state"], "active");
    assert_eq!(state.data["ask_rating"], false);

    let next = app.say_zh("live-4", "好的,那我的钱什么时候能退回来").await;
    assert_eq!(next["state"], "active", "{next}");
    assert!(
        next["reply"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{next}"
    );
    assert!(
        next["handoff"].is_null(),
        "no straight handoff back: {next}"
    );
    let demands = next["demands"].as_array().unwrap();
    assert!(
        demands
            .iter()
            .any(|d| d["intent"] == "atm_cash_retention" && d["status"] != "handed_off"),
        "{next}"
    );

    // Asking for a person again hands off again.
    let again = app.say_zh("live-4", "还是转人工吧").await;
    assert_eq!(again["state"], "handed_off", "{again}");
    assert_ne!(again["handoff"]["id"], json!(handoff));
}

#[tokio::test]
async fn the_desk_gets_suggested_replies_in_the_four_steps_from_the_intents_templates() {
    let app = spawn_app().await;
    let handoff = handed_off(&app, "live-5").await;
    let reply = app
        .get(&format!("/v1/handoffs/{handoff}/suggestions"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let suggestions = reply.body["suggestions"].as_array().unwrap();
    let steps: Vec<&str> = suggestions
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps[..3], ["soothe", "restate", "guide"], "{}", reply.body);
    let restate = suggestions[1]["text"].as_str().unwrap();
    assert!(
        restate.contains("2000") || restate.contains("两千"),
        "slots filled in: {restate}"
    );
    assert!(
        suggestions
            .iter()
            .all(|s| !s["text"].as_str().unwrap().contains("{{"))
    );
    let unknown = app
        .get("/v1/handoffs/h-00000000000000000000000000000000/suggestions")
        .await;
    assert_eq!(unknown.status, 404);
}

/// Two instances on one PostgreSQL database: the customer on one, the agent on the other;
/// each side's stream hears the other within a second (LISTEN/NOTIFY wakes the streams;
/// the stored events are what they send).
#[tokio::test]
async fn postgres_a_customer_on_one_instance_and_the_agent_on_another_hear_each_other() {
    use crate::postgres::{TestDatabase, instance};
    let database = TestDatabase::create().await;
    let (a, b) = tokio::join!(instance(&database, None), instance(&database, None));
    let handoff = handed_off(&a, "pg-live").await;
    let mut customer = customer_stream(&a, "pg-live", None).await;
    customer.until("state").await;
    let mut desk = desk_stream(&b, &handoff, None).await;
    desk.until("state").await;

    claim(&b, &handoff, AGENT, "王经理").await;
    let sent = agent_says(&b, "pg-live", "您好,我是王经理").await;
    let started = std::time::Instant::now();
    let heard = customer.until("agent_message").await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "heard at the other instance within a second: {:?}",
        started.elapsed()
    );
    assert_eq!(kinds(&heard), ["agent_joined", "state", "agent_message"]);
    assert_eq!(heard.last().unwrap().id, sent["event_id"].as_i64().unwrap());

    let answer = a.say_zh("pg-live", "好的,我等您消息").await;
    assert_eq!(answer["reply"], Value::Null);
    let started = std::time::Instant::now();
    let got = desk.until("customer_message").await;
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(got.last().unwrap().data["text"], "好的,我等您消息");

    let released = a
        .post_json(
            &format!("/v1/handoffs/{handoff}/release"),
            &json!({"outcome": "resolved", "agent_id": AGENT}),
        )
        .await;
    assert_eq!(released.status, 200, "{}", released.body);
    let closed = customer.until("state").await;
    assert_eq!(closed.last().unwrap().data["ask_rating"], true);
}
