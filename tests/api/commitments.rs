//! Promises that are kept, through the real server on a clock the test moves: deadlines on
//! the bank calendar (National Day 2026 and its make-up Saturday), the commitment recorded
//! by the turn that makes it, its follow-up events delivered to a real webhook receiver
//! exactly once each, and fulfilling or cancelling it through the API.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use frontline::handoff::{DeliveryConfig, check_webhooks};
use serde_json::{Value, json};

use crate::deliveries::{fast_delivery, webhook};
use crate::helpers::{TestApp, TimedApp, spawn_app_at};
use crate::receiver::Receiver;

/// 10:00 in Beijing on a day of 2026.
fn beijing_morning(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 2, 0, 0).unwrap()
}

fn text(turn: &Value) -> &str {
    turn["reply"]["text"].as_str().unwrap()
}

/// An ATM that kept the customer's cash, told one thing at a time and confirmed: the
/// reply of the turn that commits to a date.
async fn atm_case_committed(app: &TestApp, conversation: &str, customer: Option<&str>) -> Value {
    let say = |text: &str| {
        let mut body = json!({"text": text, "locale": "zh-CN"});
        if let Some(id) = customer {
            body["customer"] = json!({"id": id});
        }
        body
    };
    app.say(conversation, say("ATM吞了我的钱,气死我了!")).await;
    app.say(conversation, say("昨天下午三点")).await;
    app.say(conversation, say("人民路支行")).await;
    app.say(conversation, say("两千块")).await;
    let committed = app.say(conversation, say("是的")).await;
    assert!(text(&committed).contains("3 个工作日"), "{committed}");
    committed
}

async fn commitments_of(app: &TestApp, conversation: &str) -> Vec<Value> {
    let page = app
        .get(&format!("/v1/commitments?conversation_id={conversation}"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body["commitments"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_deadline_over_national_day_lands_on_the_make_up_saturday_it_names() {
    let dir = tempfile::tempdir().unwrap();
    // Wednesday 30 September 2026: 1–7 October are the holiday; Thursday 8 and Friday 9
    // are working days, and so is Saturday 10 October (调休).
    let timed = spawn_app_at(dir.path(), beijing_morning(9, 30), |_| {}).await;
    let committed = atm_case_committed(&timed.app, "nd-1", None).await;
    assert!(
        text(&committed).contains("10月10日"),
        "three working days from 30 September are 8, 9 and 10 October: {committed}"
    );

    // The promise is a record, made by the turn that said it.
    let made = commitments_of(&timed.app, "nd-1").await;
    assert_eq!(made.len(), 1, "{made:?}");
    let c = &made[0];
    assert_eq!(c["intent"], "atm_cash_retention");
    assert_eq!(c["status"], "open");
    assert_eq!(c["due_by"], "2026-10-10");
    assert_eq!(
        c["due_at"], "2026-10-10T16:00:00+00:00",
        "midnight, Beijing time"
    );
    assert_eq!(c["template"], "atm_cash_retention.commitment");
    assert_eq!(c["made_by"], "bot");
    assert!(c["text"].as_str().unwrap().contains("10月10日"), "{c}");
}

#[tokio::test]
async fn a_deadline_before_spring_festival_skips_the_nine_days_off() {
    let dir = tempfile::tempdir().unwrap();
    // Thursday 12 February 2026: Friday 13, Saturday 14 (调休), then 15–23 off, Tuesday 24.
    let timed = spawn_app_at(dir.path(), beijing_morning(2, 12), |_| {}).await;
    let committed = atm_case_committed(&timed.app, "sf-1", None).await;
    assert!(text(&committed).contains("2月24日"), "{committed}");
}

/// Waits until the receiver accepted `count` requests.
pub async fn accepted(receiver: &Receiver, count: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let bodies: Vec<Value> = receiver
            .received()
            .into_iter()
            .filter(|r| r.answered == 200)
            .map(|r| serde_json::from_str(&r.body).unwrap())
            .collect();
        if bodies.len() >= count || started.elapsed() > Duration::from_secs(30) {
            return bodies;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn pushing_app(dir: &std::path::Path, at: DateTime<Utc>, receiver: &Receiver) -> TimedApp {
    let hooks = vec![webhook("desk", receiver, &[])];
    let delivery: DeliveryConfig = fast_delivery();
    spawn_app_at(dir, at, |settings| {
        settings.webhooks = check_webhooks(&hooks, &delivery, |_| None).unwrap();
        settings.delivery = delivery.check().unwrap();
    })
    .await
}

#[tokio::test]
async fn a_commitment_is_followed_up_due_soon_then_overdue_exactly_once_each() {
    let receiver = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let timed = pushing_app(dir.path(), beijing_morning(9, 30), &receiver).await;
    let app = &timed.app;
    atm_case_committed(app, "fu-1", Some("c-1001")).await;
    let id = commitments_of(app, "fu-1").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Not due yet: nothing goes out.
    assert_eq!(timed.follow_up.tick().await.unwrap(), 0);
    // 4 working hours before midnight on Saturday 10 October: 20:00 Beijing time.
    timed
        .hand
        .set(Utc.with_ymd_and_hms(2026, 10, 10, 11, 59, 0).unwrap());
    assert_eq!(timed.follow_up.tick().await.unwrap(), 0, "not due soon yet");
    timed
        .hand
        .set(Utc.with_ymd_and_hms(2026, 10, 10, 12, 0, 0).unwrap());
    assert_eq!(timed.follow_up.tick().await.unwrap(), 1, "due soon");
    assert_eq!(timed.follow_up.tick().await.unwrap(), 0, "sent once");
    let soon = accepted(&receiver, 1).await;
    assert_eq!(soon[0]["event"], "commitment.due_soon", "{soon:?}");
    assert_eq!(soon[0]["commitment"]["id"], id.as_str());
    assert_eq!(soon[0]["commitment"]["customer_id"], "c-1001");

    // Past midnight: overdue, once.
    timed
        .hand
        .set(Utc.with_ymd_and_hms(2026, 10, 10, 16, 0, 1).unwrap());
    assert_eq!(timed.follow_up.tick().await.unwrap(), 1, "overdue");
    assert_eq!(timed.follow_up.tick().await.unwrap(), 0, "sent once");
    let both = accepted(&receiver, 2).await;
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(both[1]["event"], "commitment.overdue");
    assert_eq!(both[1]["commitment"]["status"], "overdue");
    receiver.assert_signed_and_consistent();
    let keys: std::collections::BTreeSet<String> = receiver
        .received()
        .into_iter()
        .map(|r| r.idempotency_key)
        .collect();
    assert_eq!(keys.len(), 2, "one key per event: {keys:?}");

    // The overdue queue the console shows.
    let overdue = app.get("/v1/commitments?status=overdue").await;
    assert_eq!(
        overdue.body["commitments"][0]["id"],
        id.as_str(),
        "{}",
        overdue.body
    );

    // Fulfilled late: the follow-up has nothing more to say, and a retry is harmless.
    let path = format!("/v1/commitments/{id}/fulfil");
    let fulfilled = app.post_json(&path, &json!({"by": "core-banking"})).await;
    assert_eq!(fulfilled.status, 200, "{}", fulfilled.body);
    assert_eq!(fulfilled.body["status"], "fulfilled");
    assert_eq!(fulfilled.body["on_time"], false);
    assert_eq!(fulfilled.body["fulfilled_by"], "core-banking");
    let again = app.post_json(&path, &json!({"by": "core-banking"})).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, fulfilled.body);
    let cancel = app
        .post_json(
            &format!("/v1/commitments/{id}/cancel"),
            &json!({"reason": "duplicate"}),
        )
        .await;
    assert_eq!(cancel.status, 409, "{}", cancel.body);
    assert_eq!(cancel.error_code(), "commitment_settled");
}

#[tokio::test]
async fn fulfilling_in_time_stops_the_follow_up_and_counts_as_kept() {
    let receiver = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let timed = pushing_app(dir.path(), beijing_morning(9, 30), &receiver).await;
    let app = &timed.app;
    atm_case_committed(app, "ok-1", None).await;
    let id = commitments_of(app, "ok-1").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let fulfilled = app
        .post_json(&format!("/v1/commitments/{id}/fulfil"), &json!({}))
        .await;
    assert_eq!(fulfilled.status, 200, "{}", fulfilled.body);
    assert_eq!(fulfilled.body["on_time"], true);
    assert_eq!(fulfilled.body["fulfilled_by"], "api");

    timed
        .hand
        .set(Utc.with_ymd_and_hms(2026, 10, 20, 2, 0, 0).unwrap());
    assert_eq!(timed.follow_up.tick().await.unwrap(), 0, "nothing is owed");
    assert!(receiver.received().is_empty());

    let report = app.get("/v1/analytics?from=2026-09-01&to=2026-10-31").await;
    assert_eq!(report.status, 200, "{}", report.body);
    let kept = &report.body["commitments"];
    assert_eq!(kept["made"], 1, "{kept}");
    assert_eq!(kept["fulfilled_on_time"], 1, "{kept}");
    assert_eq!(kept["on_time_rate"], 1.0, "{kept}");
    assert_eq!(
        kept["by_intent"][0]["intent"], "atm_cash_retention",
        "{kept}"
    );

    let metrics = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"frontline_commitments{intent="atm_cash_retention",state="made"} 1"#,
        r#"frontline_commitments{intent="atm_cash_retention",state="fulfilled_on_time"} 1"#,
        r#"frontline_commitments{intent="atm_cash_retention",state="overdue_now"} 0"#,
        r#"frontline_commitments_on_time_ratio{intent="atm_cash_retention"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
}

#[tokio::test]
async fn bad_commitment_requests_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let timed = spawn_app_at(dir.path(), beijing_morning(9, 30), |_| {}).await;
    let app = &timed.app;
    atm_case_committed(app, "bad-1", None).await;
    let id = commitments_of(app, "bad-1").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let unknown = app
        .post_json(
            "/v1/commitments/cm-0123456789abcdef0123456789abcdef/fulfil",
            &json!({}),
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.error_code(), "not_found");
    let empty_reason = app
        .post_json(
            &format!("/v1/commitments/{id}/cancel"),
            &json!({"reason": " "}),
        )
        .await;
    assert_eq!(empty_reason.status, 400);
    let malformed = app
        .post_raw(
            &format!("/v1/commitments/{id}/fulfil"),
            "application/json",
            "{",
        )
        .await;
    assert_eq!(malformed.status, 400);
    let bad_status = app.get("/v1/commitments?status=late").await;
    assert_eq!(bad_status.status, 400);
    assert_eq!(bad_status.error_code(), "invalid_field");
    let both = app
        .post_json(
            "/v1/commitments",
            &json!({"conversation_id": "bad-1", "intent": "atm_cash_retention",
                    "text": "x", "working_days": 2, "hours": 4, "agent": "a-7"}),
        )
        .await;
    assert_eq!(both.status, 400, "{}", both.body);
    let unknown_intent = app
        .post_json(
            "/v1/commitments",
            &json!({"conversation_id": "bad-1", "intent": "no_such_intent",
                    "text": "x", "working_days": 2, "agent": "a-7"}),
        )
        .await;
    assert_eq!(unknown_intent.status, 400, "{}", unknown_intent.body);
    let no_conversation = app
        .post_json(
            "/v1/commitments",
            &json!({"conversation_id": "never-was", "intent": "atm_cash_retention",
                    "text": "x", "working_days": 2, "agent": "a-7"}),
        )
        .await;
    assert_eq!(no_conversation.status, 404, "{}", no_conversation.body);
    assert_eq!(commitments_of(app, "bad-1").await[0]["status"], "open");

    // An agent's own promise, on the same calendar: Friday 9 October is 2 working days.
    let made = app
        .post_json(
            "/v1/commitments",
            &json!({"conversation_id": "bad-1", "intent": "atm_cash_retention",
                    "text": "我们会在两个工作日内回电", "working_days": 2, "agent": "a-7"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["due_by"], "2026-10-09");
    assert_eq!(made.body["made_by"], "a-7");
    assert_eq!(commitments_of(app, "bad-1").await.len(), 2);
}

#[tokio::test]
async fn a_returning_customer_is_recalled_reassured_before_the_date_and_handed_off_after_it() {
    let dir = tempfile::tempdir().unwrap();
    // Thursday 26 November 2026: three working days are 27 and 30 November, 1 December.
    let timed = spawn_app_at(dir.path(), beijing_morning(11, 26), |_| {}).await;
    let app = &timed.app;
    let committed = atm_case_committed(app, "rc-1", Some("c-2002")).await;
    assert!(text(&committed).contains("12月1日"), "{committed}");

    // Back on Monday 30 November, before the date: recalled at once, then reassured.
    timed.hand.set(beijing_morning(11, 30));
    let back = app
        .say(
            "rc-2",
            json!({"text": "钱还没到账", "locale": "zh-CN", "customer": {"id": "c-2002"}}),
        )
        .await;
    let reply = text(&back);
    assert!(
        reply.contains("11月26日"),
        "names the day it was raised: {reply}"
    );
    assert!(
        reply.contains("12月1日"),
        "names the promised date: {reply}"
    );
    assert!(reply.contains("短信"), "says what happens next: {reply}");
    assert_eq!(back["state"], "active", "{back}");
    assert!(back["handoff"].is_null(), "{back}");

    // Another customer id sees nothing of it.
    let stranger = app
        .say(
            "rc-3",
            json!({"text": "你好", "locale": "zh-CN", "customer": {"id": "c-9999"}}),
        )
        .await;
    assert!(!text(&stranger).contains("11月26日"), "{stranger}");
    let anonymous = app.say_zh("rc-4", "你好").await;
    assert!(!text(&anonymous).contains("11月26日"), "{anonymous}");

    // Back on Wednesday 2 December, after the date: an apology and a person, with priority.
    timed.hand.set(beijing_morning(12, 2));
    let late = app
        .say(
            "rc-5",
            json!({"text": "钱还没到账", "locale": "zh-CN", "customer": {"id": "c-2002"}}),
        )
        .await;
    assert_eq!(late["state"], "handed_off", "{late}");
    assert_eq!(late["handoff"]["reason"], "commitment_missed", "{late}");
    assert_eq!(late["handoff"]["priority"], "high", "{late}");
    assert!(text(&late).contains("抱歉"), "{late}");
    let summary = &late["handoff"]["summary"];
    assert_eq!(
        summary["commitments"][0]["by"], "2026-12-01",
        "the agent sees the promise: {summary}"
    );
    assert!(
        summary["commitments"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("cm-")
    );
}

#[tokio::test]
async fn two_instances_on_postgres_send_each_follow_up_once_though_one_dies_mid_round() {
    use sqlx::{Connection, Executor, PgConnection};

    let db = crate::postgres::TestDatabase::create().await;
    let receiver = Receiver::start();
    let hooks = vec![webhook("desk", &receiver, &[])];
    let delivery = fast_delivery();
    let instance = |dir: std::path::PathBuf| {
        let url = db.url.clone();
        let hooks = hooks.clone();
        let delivery = delivery.clone();
        async move {
            spawn_app_at(&dir, beijing_morning(9, 30), move |settings| {
                settings.database_url = Some(url);
                settings.webhooks = check_webhooks(&hooks, &delivery, |_| None).unwrap();
                settings.delivery = delivery.check().unwrap();
            })
            .await
        }
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = instance(dir_a.path().to_path_buf()).await;
    let b = instance(dir_b.path().to_path_buf()).await;
    // Promises made on both instances.
    for (n, timed) in [&a, &b, &a, &b].iter().enumerate() {
        atm_case_committed(&timed.app, &format!("pg-{n}"), None).await;
    }
    let both = |at: DateTime<Utc>| {
        a.hand.set(at);
        b.hand.set(at);
    };

    // Due soon. Instance A has claimed two rows and dies before it commits: its round
    // holds their locks, then its connection goes, and the round is rolled back.
    both(Utc.with_ymd_and_hms(2026, 10, 10, 12, 30, 0).unwrap());
    let mut dying = PgConnection::connect(db.url.as_str()).await.unwrap();
    dying.execute("BEGIN").await.unwrap();
    dying
        .execute("SELECT id FROM commitments ORDER BY id LIMIT 2 FOR UPDATE")
        .await
        .unwrap();
    assert_eq!(
        b.follow_up.tick().await.unwrap(),
        2,
        "B skips the locked rows"
    );
    // What PostgreSQL does to the transaction of a connection that died.
    dying.execute("ROLLBACK").await.unwrap();
    drop(dying);
    let (from_a, from_b) = tokio::join!(a.follow_up.tick(), b.follow_up.tick());
    assert_eq!(from_a.unwrap() + from_b.unwrap(), 2, "the rest, once");

    // Overdue: both instances at once.
    both(Utc.with_ymd_and_hms(2026, 10, 10, 16, 30, 0).unwrap());
    let (from_a, from_b) = tokio::join!(a.follow_up.tick(), b.follow_up.tick());
    assert_eq!(from_a.unwrap() + from_b.unwrap(), 4);
    let (again_a, again_b) = tokio::join!(a.follow_up.tick(), b.follow_up.tick());
    assert_eq!(again_a.unwrap() + again_b.unwrap(), 0);

    let bodies = accepted(&receiver, 8).await;
    assert_eq!(bodies.len(), 8, "{bodies:?}");
    let events: std::collections::BTreeSet<(String, String)> = bodies
        .iter()
        .map(|b| {
            (
                b["commitment"]["id"].as_str().unwrap().to_string(),
                b["event"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        events.len(),
        8,
        "each event of each commitment once: {events:?}"
    );
    receiver.assert_signed_and_consistent();
}
