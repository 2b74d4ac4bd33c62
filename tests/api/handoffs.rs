//! Agent desks that poll: handoffs listed newest first by status and priority, paged, and
//! acknowledged once by the agent who takes the customer.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// Hands a new conversation to a person and returns the handoff id.
async fn hand_off(app: &TestApp, conversation: &str, text: &str) -> String {
    let turn = app.say_zh(conversation, text).await;
    turn["handoff"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{text} hands off: {turn}"))
        .to_string()
}

fn ids(page: &Value) -> Vec<&str> {
    page["handoffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_desk_lists_pending_handoffs_newest_first_and_acknowledges_one() {
    let app = spawn_app().await;
    let first = hand_off(&app, "desk-1", "转人工").await;
    let second = hand_off(&app, "desk-2", "你们乱扣我年费,我要找人工客服").await;

    let pending = app.get("/v1/handoffs?status=pending").await;
    assert_eq!(pending.status, 200, "{}", pending.body);
    assert_eq!(ids(&pending.body), [second.as_str(), first.as_str()]);
    let newest = &pending.body["handoffs"][0];
    assert_eq!(newest["conversation_id"], "desk-2");
    assert_eq!(newest["status"], "pending");
    assert_eq!(newest["reason"], "customer_request");
    assert!(newest["summary"]["synopsis"].is_string(), "{newest}");
    assert_eq!(
        newest["summary"]["demands"][0]["title"],
        "费用争议(年费 / 短信费 / 小额账户管理费 / 手续费)",
        "desks show the intent's title from the content"
    );
    let first_summary = &pending.body["handoffs"][1]["summary"];
    assert_eq!(
        first_summary["demands"],
        serde_json::json!([]),
        "asking for a person is not a demand of its own: {first_summary}"
    );

    let acked = app
        .post_json(
            &format!("/v1/handoffs/{first}/ack"),
            &json!({"agent": "王芳"}),
        )
        .await;
    assert_eq!(acked.status, 200, "{}", acked.body);
    assert_eq!(acked.body["status"], "acked");
    assert_eq!(acked.body["acked_by"], "王芳");

    let again = app
        .post_json(
            &format!("/v1/handoffs/{first}/ack"),
            &json!({"agent": "李雷"}),
        )
        .await;
    assert_eq!(again.status, 200, "acknowledging twice is harmless");
    assert_eq!(
        again.body["acked_by"], "王芳",
        "the first agent stays recorded"
    );
    assert_eq!(again.body["acked_at"], acked.body["acked_at"]);

    let pending = app.get("/v1/handoffs").await;
    assert_eq!(
        ids(&pending.body),
        [second.as_str()],
        "pending is the default"
    );
    let taken = app.get("/v1/handoffs?status=acked").await;
    assert_eq!(ids(&taken.body), [first.as_str()]);
    let all = app.get("/v1/handoffs?status=all").await;
    assert_eq!(ids(&all.body), [second.as_str(), first.as_str()]);
}

#[tokio::test]
async fn handoffs_are_paged_and_filtered_by_priority() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for n in 0..3 {
        created.push(hand_off(&app, &format!("page-{n}"), "转人工").await);
    }
    let urgent = app
        .say_zh("page-urgent", "我的卡被盗刷了两万块,快帮我冻结")
        .await;
    let urgent_priority = urgent["handoff"]["priority"].as_str().map(str::to_string);

    let first = app.get("/v1/handoffs?status=all&per_page=2").await;
    assert_eq!(first.body["handoffs"].as_array().unwrap().len(), 2);
    assert_eq!(first.body["next_page"], 2);
    let second = app.get("/v1/handoffs?status=all&per_page=2&page=2").await;
    let seen: Vec<&str> = ids(&first.body)
        .into_iter()
        .chain(ids(&second.body))
        .collect();
    for id in &created {
        assert!(seen.contains(&id.as_str()), "{id} is on a page: {seen:?}");
    }

    let normal = app.get("/v1/handoffs?priority=normal").await;
    assert!(
        normal.body["handoffs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["priority"] == "normal"),
        "{}",
        normal.body
    );
    if let Some(priority) = urgent_priority.filter(|p| p != "normal") {
        let filtered = app.get(&format!("/v1/handoffs?priority={priority}")).await;
        assert_eq!(
            filtered.body["handoffs"][0]["conversation_id"], "page-urgent",
            "{}",
            filtered.body
        );
    }
}

#[tokio::test]
async fn bad_desk_requests_get_clear_errors_and_change_nothing() {
    let app = spawn_app().await;
    let id = hand_off(&app, "bad-desk", "转人工").await;

    for query in [
        "status=done",
        "page=0",
        "per_page=1000",
        "priority=whenever",
        "colour=red",
    ] {
        let reply = app.get(&format!("/v1/handoffs?{query}")).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert!(reply.body["error"]["message"].is_string(), "{}", reply.body);
    }
    let nobody = app
        .post_json(&format!("/v1/handoffs/{id}/ack"), &json!({"agent": "  "}))
        .await;
    assert_eq!(nobody.status, 400, "{}", nobody.body);
    let unknown = app
        .post_json(
            "/v1/handoffs/h-00000000000000000000000000000000/ack",
            &json!({"agent": "王芳"}),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    let pending = app.get("/v1/handoffs").await;
    assert_eq!(
        ids(&pending.body),
        [id.as_str()],
        "still waiting for a person"
    );
}
