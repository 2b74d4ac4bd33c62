//! Crisis notices through the real server: published by the on-duty manager's key, given
//! to the matching conversations right after the soothing sentence and once only, never
//! to the others; listed, withdrawn, audited by key name; gone after their end time (the
//! server's clock, moved by the test); refused when not valid, with nothing saved; and on
//! PostgreSQL, published on one instance and applied by another within seconds.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use frontline::access::{ApiKeyConfig, NewKey, Scope};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, TimedApp, spawn_app_at, spawn_app_configured};
use crate::postgres::TestDatabase;

const STATEMENT: &str = "杭州地区部分ATM正在系统维护,暂停服务。维护期间如遇未出钞或吞卡,款项和卡片都会在核实后按规定处理,请您放心。";
const ATM_IN_HANGZHOU: &str = "我在杭州文三路的ATM取两千块,钱没出来卡里却扣了";

fn notice(starts_at: &str, ends_at: &str) -> Value {
    json!({
        "id": "atm-outage-hangzhou",
        "locale": "zh-CN",
        "title": "杭州地区部分 ATM 暂停服务",
        "statement": {
            "chat": STATEMENT,
            "ivr": "杭州地区部分ATM正在维护,未出钞的款项核实后会按规定处理。"
        },
        "applies_to": {
            "intents": ["atm_cash_retention"],
            "keywords": ["ATM"],
            "channels": ["web", "app", "ivr"],
            "locations": ["杭州"]
        },
        "starts_at": starts_at,
        "ends_at": ends_at,
        "policy": {"handoff_priority": "urgent", "suppress_commitments": true}
    })
}

/// A request with the key's token.
async fn call(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    Reply::from(request.send().await.expect("request sent")).await
}

async fn reply_to(app: &TestApp, token: &str, conversation: &str, text: &str) -> String {
    let reply = call(
        app,
        reqwest::Method::POST,
        token,
        &format!("/v1/conversations/{conversation}/messages"),
        Some(&json!({"text": text, "locale": "zh-CN"})),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["reply"]["text"].as_str().unwrap().to_string()
}

/// The on-duty manager's key and a key without the admin scope.
fn keys() -> (String, String, Vec<ApiKeyConfig>) {
    let manager = NewKey::generate().unwrap();
    let widget = NewKey::generate().unwrap();
    let configs = vec![
        ApiKeyConfig {
            name: "duty-manager-wang".into(),
            sha256: manager.sha256,
            scopes: Scope::ALL.to_vec(),
            origins: Vec::new(),
        },
        ApiKeyConfig {
            name: "app".into(),
            sha256: widget.sha256,
            scopes: vec![Scope::Conversations],
            origins: Vec::new(),
        },
    ];
    (manager.token, widget.token, configs)
}

/// A server at 2026-12-01 10:00 Beijing time (inside the notices' window) on its own
/// clock, with `keys` (none: no authentication).
async fn spawn_at_ten(data_dir: &std::path::Path, keys: Vec<ApiKeyConfig>) -> TimedApp {
    spawn_app_at(
        data_dir,
        Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap(),
        move |settings| settings.api_keys = keys,
    )
    .await
}

#[tokio::test]
async fn a_published_notice_follows_the_soothing_once_in_matching_conversations_until_it_ends() {
    let data_dir = tempfile::tempdir().unwrap();
    let (manager, app_key, configs) = keys();
    let timed = spawn_at_ten(data_dir.path(), configs).await;
    let app = &timed.app;
    let before = reply_to(app, &manager, "before-notice", ATM_IN_HANGZHOU).await;
    assert!(!before.contains(STATEMENT));

    let body = notice("2026-12-01T08:00:00+08:00", "2026-12-01T20:00:00+08:00");
    let refused = call(
        app,
        reqwest::Method::POST,
        &app_key,
        "/admin/notices",
        Some(&body),
    )
    .await;
    assert_eq!(refused.status, 403, "only an admin key publishes");
    let published = call(
        app,
        reqwest::Method::POST,
        &manager,
        "/admin/notices",
        Some(&body),
    )
    .await;
    assert_eq!(published.status, 201, "{}", published.body);
    assert_eq!(published.body["action"], "published");
    assert_eq!(published.body["status"], "active");

    // The statement comes right after the soothing (and the intent's reassurance) the
    // same message got without the notice, and the rest follows as before. (The soothing
    // sentence itself varies between the template's wordings.)
    let first = reply_to(app, &app_key, "with-notice", ATM_IN_HANGZHOU).await;
    let lines: Vec<&str> = first.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(STATEMENT))
        .unwrap_or_else(|| panic!("no statement in {first}"));
    assert!(
        at > 0,
        "the statement never comes before the soothing: {first}"
    );
    let without: Vec<&str> = before.lines().collect();
    assert_eq!(lines.len(), without.len() + 1, "{first}\n---\n{before}");
    assert_eq!(lines[at + 1..], without[at..], "{first}\n---\n{before}");
    assert_eq!(lines[1..at], without[1..at], "{first}\n---\n{before}");
    let second = reply_to(app, &app_key, "with-notice", "是2000元,在杭州文三路那台ATM").await;
    assert!(!second.contains(STATEMENT), "never twice: {second}");
    // The agent's summary names the notice; its policy makes the handoff urgent.
    let handed = call(
        app,
        reqwest::Method::POST,
        &app_key,
        "/v1/conversations/with-notice/messages",
        Some(&json!({"text": "我要转人工客服", "locale": "zh-CN"})),
    )
    .await;
    assert_eq!(handed.status, 200, "{}", handed.body);
    let handoff = &handed.body["handoff"];
    assert_eq!(handoff["priority"], "urgent", "{}", handed.body);
    assert_eq!(
        handoff["summary"]["notices"],
        json!([{"id": "atm-outage-hangzhou", "title": "杭州地区部分 ATM 暂停服务"}])
    );

    // Other conversations are untouched: another city, another subject.
    let shanghai = reply_to(
        app,
        &app_key,
        "shanghai",
        "我在上海的ATM取两千块,钱没出来卡里却扣了",
    )
    .await;
    assert!(!shanghai.contains(STATEMENT));
    let card = reply_to(app, &app_key, "card", "信用卡怎么激活").await;
    assert!(!card.contains(STATEMENT));

    let listed = call(app, reqwest::Method::GET, &manager, "/admin/notices", None).await;
    assert_eq!(listed.status, 200);
    let notices = listed.body["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["id"], "atm-outage-hangzhou");
    assert_eq!(notices[0]["status"], "active");
    assert_eq!(notices[0]["source"], "api");

    // Analytics counts the conversation the notice touched.
    let analytics = call(
        app,
        reqwest::Method::GET,
        &manager,
        "/v1/analytics?from=2026-12-01&to=2026-12-01",
        None,
    )
    .await;
    assert_eq!(analytics.status, 200, "{}", analytics.body);
    assert_eq!(
        analytics.body["notices"],
        json!([{"notice": "atm-outage-hangzhou", "conversations": 1}])
    );

    // After its end time it is gone by itself.
    timed
        .hand
        .set(Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 1).unwrap());
    let later = reply_to(app, &app_key, "after-notice", ATM_IN_HANGZHOU).await;
    assert!(!later.contains(STATEMENT), "{later}");
    let listed = call(app, reqwest::Method::GET, &manager, "/admin/notices", None).await;
    assert_eq!(listed.body["notices"], json!([]));
}

#[tokio::test]
async fn a_withdrawn_notice_stops_at_once_and_the_audit_names_the_key() {
    let data_dir = tempfile::tempdir().unwrap();
    let (manager, _, configs) = keys();
    let timed = spawn_at_ten(data_dir.path(), configs).await;
    let app = &timed.app;
    let body = notice("2026-12-01T08:00:00+08:00", "2026-12-01T20:00:00+08:00");
    let published = call(
        app,
        reqwest::Method::POST,
        &manager,
        "/admin/notices",
        Some(&body),
    )
    .await;
    assert_eq!(published.status, 201, "{}", published.body);
    let withdrawn = call(
        app,
        reqwest::Method::DELETE,
        &manager,
        "/admin/notices/atm-outage-hangzhou",
        None,
    )
    .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    let reply = reply_to(app, &manager, "after-withdrawal", ATM_IN_HANGZHOU).await;
    assert!(!reply.contains(STATEMENT));
    let again = call(
        app,
        reqwest::Method::DELETE,
        &manager,
        "/admin/notices/atm-outage-hangzhou",
        None,
    )
    .await;
    assert_eq!(again.status, 404);

    let audit = call(
        app,
        reqwest::Method::GET,
        &manager,
        "/admin/notices/audit",
        None,
    )
    .await;
    assert_eq!(audit.status, 200);
    let entries: Vec<(String, String, String)> = audit.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["notice_id"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
                e["by"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = |action: &str| {
        (
            "atm-outage-hangzhou".to_string(),
            action.to_string(),
            "duty-manager-wang".to_string(),
        )
    };
    assert_eq!(entries, [expected("withdrawn"), expected("published")]);
}

#[tokio::test]
async fn a_notice_that_admits_fault_or_lacks_its_phone_version_is_refused_and_nothing_is_saved() {
    let data_dir = tempfile::tempdir().unwrap();
    let timed = spawn_at_ten(data_dir.path(), Vec::new()).await;
    let app = &timed.app;
    let mut body = notice("2026-12-01T08:00:00+08:00", "2026-12-01T20:00:00+08:00");
    body["statement"] = json!({"chat": "这次ATM故障是我们的责任,银行全额赔偿。"});
    let refused = app.post_json("/admin/notices", &body).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.error_code(), "notice_rejected");
    let problems = refused.body["error"]["problems"].to_string();
    assert!(problems.contains("是我们的责任"), "{problems}");
    assert!(problems.contains("statement.ivr"), "{problems}");

    // Both in force at once for one intent with different policies: which would apply?
    let first = notice("2026-12-01T08:00:00+08:00", "2026-12-01T20:00:00+08:00");
    assert_eq!(app.post_json("/admin/notices", &first).await.status, 201);
    let mut other = notice("2026-12-01T12:00:00+08:00", "2026-12-01T22:00:00+08:00");
    other["id"] = json!("atm-outage-zhejiang");
    other["policy"] = json!({"handoff_priority": "high"});
    let overlapping = app.post_json("/admin/notices", &other).await;
    assert_eq!(overlapping.status, 422, "{}", overlapping.body);
    assert!(
        overlapping.body["error"]["problems"]
            .to_string()
            .contains("atm-outage-hangzhou")
    );

    let listed = app.get("/admin/notices").await;
    let ids: Vec<&str> = listed.body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["atm-outage-hangzhou"]);
    let audit = app.get("/admin/notices/audit").await;
    assert_eq!(
        audit.body["entries"].as_array().unwrap().len(),
        1,
        "{}",
        audit.body
    );
    assert_eq!(audit.body["entries"][0]["by"], "local");
}

#[tokio::test]
async fn a_notice_published_on_one_instance_applies_on_another_within_five_seconds() {
    let database = TestDatabase::create().await;
    let spawn = |url: frontline::store::DatabaseUrl| async move {
        let data_dir = tempfile::tempdir().unwrap();
        spawn_app_configured(data_dir.path(), move |settings| {
            settings.database_url = Some(url);
        })
        .await
        .keeping(data_dir)
    };
    let one = spawn(database.url.clone()).await;
    let other = spawn(database.url.clone()).await;
    let now = Utc::now();
    let body = notice(
        &(now - chrono::Duration::hours(1)).to_rfc3339(),
        &(now + chrono::Duration::hours(1)).to_rfc3339(),
    );
    let published = one.post_json("/admin/notices", &body).await;
    assert_eq!(published.status, 201, "{}", published.body);
    let started = Instant::now();
    let mut probe = 0;
    let seen = loop {
        probe += 1;
        let reply = other
            .say_zh(&format!("probe-{probe}"), ATM_IN_HANGZHOU)
            .await;
        let text = reply["reply"]["text"].as_str().unwrap().to_string();
        if text.contains(STATEMENT) {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the other instance did not apply the notice within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!("notice applied on the other instance after {seen:?}");
    let withdrawn = one
        .client
        .delete(format!("{}/admin/notices/atm-outage-hangzhou", one.address))
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), 200);
    let started = Instant::now();
    loop {
        let listed = other.get("/admin/notices").await;
        if listed.body["notices"] == json!([]) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still listed: {}",
            listed.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
