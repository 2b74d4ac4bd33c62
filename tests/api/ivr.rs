//! The phone channel through the JSON API: speech with a confidence, keypresses from the
//! content's menu, silences, SSML, barge-in and the actions an IVR platform executes.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn call(app: &TestApp, id: &str, mut body: Value) -> Value {
    body["channel"] = json!("ivr");
    body["locale"] = json!("zh-CN");
    let turn = app.say(id, body).await;
    let ssml = turn["reply"]["ssml"].as_str().unwrap_or_default();
    assert!(
        ssml.starts_with("<speak version=\"1.0\"") && ssml.ends_with("</speak>"),
        "{turn}"
    );
    assert_eq!(
        turn["reply"]["quick_replies"],
        json!([]),
        "no buttons on the phone"
    );
    turn
}

fn text(turn: &Value) -> &str {
    turn["reply"]["text"].as_str().unwrap()
}

#[tokio::test]
async fn a_whole_call_about_swallowed_cash_with_unsure_speech_and_keypad_answers() {
    let app = spawn_app().await;
    let id = "CA-atm-1";
    let first = call(
        &app,
        id,
        json!({"text": "取款机吞了我的钱", "asr_confidence": 0.91}),
    )
    .await;
    assert_eq!(first["intent"]["id"], "atm_cash_retention");
    assert_eq!(first["actions"], json!([]));

    // The recogniser is unsure: the bot says back what it heard and does not act on it.
    let unsure = call(
        &app,
        id,
        json!({"text": "昨天下午三点", "asr_confidence": 0.31}),
    )
    .await;
    assert!(
        text(&unsure).contains("昨天下午三点") && text(&unsure).contains("按1"),
        "{unsure}"
    );
    assert!(
        unsure["slots"].get("time").is_none(),
        "not acted on yet: {unsure}"
    );
    let confirmed = call(&app, id, json!({"dtmf": "1"})).await;
    assert!(
        confirmed["slots"]["time"]
            .as_str()
            .unwrap()
            .ends_with("T15:00"),
        "{confirmed}"
    );
    assert!(
        text(&confirmed).contains("网点"),
        "asks where next: {confirmed}"
    );

    call(
        &app,
        id,
        json!({"text": "人民路支行", "asr_confidence": 0.88}),
    )
    .await;
    let restated = call(&app, id, json!({"text": "两千块", "asr_confidence": 0.9})).await;
    assert!(text(&restated).contains("两千块"), "{restated}");
    // Pressing 2 corrects the restatement.
    let correcting = call(&app, id, json!({"dtmf": "2"})).await;
    assert!(text(&correcting).contains("哪里不对"), "{correcting}");
    let corrected = call(&app, id, json!({"text": "是三千块", "asr_confidence": 0.9})).await;
    assert_eq!(corrected["slots"]["amount"], "3000", "{corrected}");
    let committed = call(&app, id, json!({"dtmf": "1"})).await;
    assert!(text(&committed).contains("3 个工作日"), "{committed}");
    let spoken = committed["reply"]["ssml"].as_str().unwrap();
    assert!(
        spoken.contains("<say-as interpret-as=\"date\" format=\"md\">"),
        "the deadline is read as a date: {spoken}"
    );
    crate::vxml::assert_valid(spoken, "synthesis.xsd");
    assert_eq!(
        committed["reply"]["barge_in"], false,
        "a promise is heard to the end"
    );

    let bye = call(
        &app,
        id,
        json!({"text": "没有了,再见", "asr_confidence": 0.95}),
    )
    .await;
    assert_eq!(bye["state"], "closed", "{bye}");
    assert_eq!(bye["actions"], json!([{"type": "hangup"}]));
}

#[tokio::test]
async fn a_silent_caller_is_reprompted_gently_then_with_the_menu_then_handed_over() {
    let app = spawn_app().await;
    let id = "CA-silent-1";
    call(
        &app,
        id,
        json!({"text": "我的卡被取款机吞了", "asr_confidence": 0.9}),
    )
    .await;
    let first = call(&app, id, json!({"event": "no_input"})).await;
    assert!(text(&first).contains("还在吗"), "{first}");
    assert!(
        text(&first).contains("网点"),
        "the question is asked again: {first}"
    );
    let second = call(&app, id, json!({"event": "no_match"})).await;
    assert!(text(&second).contains("按0"), "the keypad menu: {second}");
    let third = call(&app, id, json!({"event": "no_input"})).await;
    assert_eq!(third["handoff"]["reason"], "low_confidence", "{third}");
    let handoff_id = third["handoff"]["id"].as_str().unwrap();
    assert_eq!(
        third["actions"],
        json!([{"type": "transfer", "queue": "zh-CN-agents", "handoff_id": handoff_id}])
    );
    assert_eq!(third["handoff"]["summary"]["channel"], "ivr");
}

#[tokio::test]
async fn pressing_0_at_any_prompt_transfers_with_a_summary() {
    let app = spawn_app().await;
    let id = "CA-zero-1";
    call(
        &app,
        id,
        json!({"text": "我的理财亏了两万", "asr_confidence": 0.9}),
    )
    .await;
    let transfer = call(&app, id, json!({"dtmf": "0"})).await;
    assert_eq!(
        transfer["handoff"]["reason"], "customer_request",
        "{transfer}"
    );
    assert_eq!(transfer["actions"][0]["type"], "transfer");
    let summary = &transfer["handoff"]["summary"];
    assert_eq!(summary["demands"][0]["intent"], "product_loss_risk");
    assert_eq!(summary["slots"]["amount"], "20000");
}

#[tokio::test]
async fn homophone_garbled_speech_is_recognised_on_the_phone_channel() {
    let app = spawn_app().await;
    let csv =
        std::fs::read_to_string(crate::helpers::repo_root().join("tests/data/ivr_homophones.csv"))
            .unwrap();
    let rows: Vec<(&str, &str)> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit_once(','))
        .collect();
    assert!(rows.len() >= 60, "{} utterances", rows.len());
    let mut right = 0;
    for (text, intent) in &rows {
        let reply = app
            .post_json(
                "/v1/parse",
                &json!({"text": text, "locale": "zh-CN", "channel": "ivr"}),
            )
            .await;
        if reply.body["intent"]["id"] == *intent {
            right += 1;
        }
    }
    let accuracy = right as f64 / rows.len() as f64;
    assert!(
        accuracy >= 0.85,
        "top-1 {accuracy:.3} on {} homophone utterances",
        rows.len()
    );
}
