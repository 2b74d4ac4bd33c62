//! Conversations through the real server: the seed scenarios end to end, several demands
//! in one message, every handoff reason, holding replies, goodbye with an open demand,
//! masking, and a restart.

use chrono::Datelike;
use frontline::content::Commitment;
use frontline::dialogue::BankTime;
use frontline::domain::BankZone;
use serde_json::{Value, json};

use crate::helpers::{bundled_services, spawn_app, spawn_app_in};

fn text(turn: &Value) -> &str {
    turn["reply"]["text"].as_str().unwrap()
}

fn demand_status<'a>(turn: &'a Value, intent: &str) -> Option<&'a str> {
    turn["demands"]
        .as_array()?
        .iter()
        .find(|d| d["intent"] == intent)?["status"]
        .as_str()
}

#[tokio::test]
async fn atm_swallowed_cash_is_soothed_asked_one_thing_at_a_time_restated_and_committed_in_working_days()
 {
    let app = spawn_app().await;
    let first = app.say_zh("atm-1", "ATM吞了我的钱,气死我了!").await;
    assert_eq!(first["intent"]["id"], "atm_cash_retention", "{first}");
    let reply = text(&first);
    // Soothe before anything else, reassure that the money is not lost, then one question.
    assert!(
        reply.find("理解").unwrap() < reply.find("资金不会丢失").unwrap(),
        "{reply}"
    );
    assert!(reply.contains("什么时间"), "{reply}");
    assert_eq!(
        reply.matches('?').count(),
        1,
        "one question at a time: {reply}"
    );

    let second = app.say_zh("atm-1", "昨天下午三点").await;
    assert!(text(&second).contains("网点"), "asks where next: {second}");
    let third = app.say_zh("atm-1", "人民路支行").await;
    assert_eq!(third["slots"]["atm_location"], "人民路支行", "{third}");
    assert!(text(&third).contains("金额"), "{third}");
    let fourth = app.say_zh("atm-1", "两千块").await;
    let restated = text(&fourth);
    for said in ["昨天下午三点", "人民路支行", "两千块"] {
        assert!(restated.contains(said), "restates {said}: {restated}");
    }
    assert_eq!(fourth["reply"]["quick_replies"], json!(["是的", "不对"]));

    let fifth = app.say_zh("atm-1", "是的").await;
    let services = bundled_services();
    let by = BankTime {
        calendar: services.catalog.calendar(),
        zone: BankZone::china(),
        now: chrono::Utc::now(),
    }
    .deadline(Commitment::WorkingDays(3));
    let promised = format!("{}月{}日", by.month(), by.day());
    assert!(
        text(&fifth).contains(&promised),
        "commits to {promised}: {fifth}"
    );
    assert!(text(&fifth).contains("3 个工作日"), "{fifth}");
    assert_eq!(
        demand_status(&fifth, "atm_cash_retention"),
        Some("addressed")
    );
    assert_eq!(fifth["state"], "active");
    // Never asked again for what the customer already said.
    assert!(!text(&fifth).contains("什么时间"), "{fifth}");
}

#[tokio::test]
async fn a_wrong_restatement_is_corrected_and_restated_again() {
    let app = spawn_app().await;
    app.say_zh("atm-fix", "昨天下午三点在人民路支行的ATM取两千块,钱没出来")
        .await;
    let wrong = app.say_zh("atm-fix", "不对,是三千块").await;
    assert_eq!(wrong["slots"]["amount"], "3000", "{wrong}");
    assert!(text(&wrong).contains("三千块"), "{wrong}");
}

#[tokio::test]
async fn a_wealth_product_loss_gets_the_risk_disclosure_and_no_guarantee_or_fault() {
    let app = spawn_app().await;
    let first = app.say_zh("loss-1", "我买的理财亏了3万,怎么会亏本?").await;
    assert_eq!(first["intent"]["id"], "product_loss_risk");
    app.say_zh("loss-1", "稳健增利一号").await;
    let confirmed = app.say_zh("loss-1", "是的").await;
    let reply = text(&confirmed);
    assert!(
        reply.contains("理财非存款") && reply.contains("产品有风险"),
        "{reply}"
    );
    for forbidden in ["是我们的错", "保本", "全额赔偿", "稳赚"] {
        assert!(!reply.contains(forbidden), "{forbidden} in {reply}");
    }
    // The principal is mentioned only to say that it is not guaranteed.
    assert_eq!(
        reply.matches("保证本金").count(),
        reply.matches("不保证本金").count(),
        "{reply}"
    );
    assert!(reply.contains("不保证本金"), "{reply}");
}

#[tokio::test]
async fn alleged_mis_selling_of_a_product_goes_to_a_human_with_high_priority() {
    let app = spawn_app().await;
    let turn = app
        .say_zh("loss-2", "理财亏了两万,当初经理说是保本的,没告诉我有风险")
        .await;
    assert_eq!(turn["handoff"]["reason"], "policy", "{turn}");
    assert_eq!(turn["handoff"]["priority"], "high");
}

#[tokio::test]
async fn someone_elses_account_details_are_refused_kindly_with_the_head_office_workaround() {
    let app = spawn_app().await;
    let turn = app
        .say_zh("privacy-1", "帮我查一下我朋友这个账号的开户行和余额")
        .await;
    assert_eq!(turn["intent"]["id"], "account_info_privacy");
    let reply = text(&turn);
    assert!(
        reply.contains("总行") && reply.contains("任意网点"),
        "{reply}"
    );
    assert_eq!(
        demand_status(&turn, "account_info_privacy"),
        Some("addressed")
    );
}

#[tokio::test]
async fn two_demands_in_one_message_both_reach_the_handoff_summary() {
    let app = spawn_app().await;
    let turn = app
        .say_zh(
            "two-1",
            "ATM吞了我两千块,而且还乱扣我年费,我要打12378投诉你们!",
        )
        .await;
    let handoff = &turn["handoff"];
    assert_eq!(handoff["reason"], "escalation_threat", "{turn}");
    assert_eq!(handoff["priority"], "high");
    let summary = &handoff["summary"];
    let intents: Vec<&str> = summary["demands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["intent"].as_str().unwrap())
        .collect();
    assert!(
        intents.contains(&"atm_cash_retention") && intents.contains(&"fee_dispute"),
        "{intents:?}"
    );
    assert_eq!(summary["slots"]["amount"], "2000");
    assert_eq!(summary["risk"]["regulator_mentioned"], true);
    assert!(
        summary["synopsis"]
            .as_str()
            .is_some_and(|s| s.contains("ATM")),
        "{summary}"
    );
    assert!(
        !summary["suggested_next_steps"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(summary["transcript"].as_array().unwrap().len(), 2);
}

async fn handoff_after(messages: &[&str]) -> Value {
    let app = spawn_app().await;
    let id = format!("h-{}", fastrand::u64(..));
    let mut last = Value::Null;
    for message in messages {
        last = app.say_zh(&id, message).await;
        if !last["handoff"].is_null() {
            return last["handoff"].clone();
        }
    }
    panic!("no handoff after {messages:?}: {last}");
}

#[tokio::test]
async fn each_handoff_reason_is_given_when_it_applies() {
    let cases: [(&[&str], &str, &str); 6] = [
        (&["转人工"], "customer_request", "normal"),
        (
            &["阿巴阿巴咕噜", "嘀嘀嗒嗒哔哔"],
            "low_confidence",
            "normal",
        ),
        (
            &[
                "你们这个破银行气死我了!!!垃圾!",
                "气死了!!!太过分了!!!垃圾银行!!!",
            ],
            "high_emotion",
            "high",
        ),
        (
            &["我要去监管局投诉你们,还要找记者曝光"],
            "escalation_threat",
            "high",
        ),
        (
            &["我的卡被盗刷了五千块,不是我本人消费的"],
            "urgent_intent",
            "urgent",
        ),
        (&["催收公司天天打电话骚扰我家人"], "policy", "high"),
    ];
    for (messages, reason, priority) in cases {
        let handoff = handoff_after(messages).await;
        assert_eq!(handoff["reason"], reason, "{messages:?}: {handoff}");
        assert_eq!(handoff["priority"], priority, "{messages:?}: {handoff}");
        assert!(
            handoff["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("h-"))
        );
    }
}

#[tokio::test]
async fn after_a_handoff_the_customer_gets_holding_replies_and_no_second_handoff() {
    let app = spawn_app().await;
    let first = app.say_zh("hold-1", "转人工").await;
    assert_eq!(first["state"], "handed_off");
    let next = app.say_zh("hold-1", "我要投诉,找监管!").await;
    assert_eq!(next["state"], "handed_off");
    assert!(next["handoff"].is_null(), "{next}");
    assert!(text(&next).contains("稍"), "{next}");
}

#[tokio::test]
async fn goodbye_with_an_open_demand_names_it_instead_of_closing() {
    let app = spawn_app().await;
    app.say_zh("bye-1", "ATM吞了我的钱").await;
    let bye = app.say_zh("bye-1", "算了,再见").await;
    assert_eq!(bye["state"], "active", "{bye}");
    assert!(text(&bye).contains("“ATM 吞钱”"), "{bye}");
    assert_eq!(demand_status(&bye, "atm_cash_retention"), Some("open"));
}

#[tokio::test]
async fn card_phone_and_id_numbers_never_reach_the_stored_transcript_or_summary() {
    let app = spawn_app().await;
    let card = "6222020200112233445";
    let phone = "13812345678";
    let id_number = "110101199003071234";
    let message = format!("我的卡{card}被盗刷了,手机{phone},身份证{id_number}");
    let turn = app.say_zh("pii-1", &message).await;
    let summary = turn["handoff"]["summary"].to_string();
    let stored = app.get("/v1/conversations/pii-1").await;
    assert_eq!(stored.status, 200);
    for secret in [card, phone, id_number] {
        assert!(!summary.contains(secret), "{secret} in summary {summary}");
        assert!(
            !stored.body.to_string().contains(secret),
            "{secret} in {}",
            stored.body
        );
    }
    assert!(
        stored.body["transcript"][0]["text"]
            .as_str()
            .unwrap()
            .contains("3445"),
        "the card's last four stay"
    );
}

#[tokio::test]
async fn a_conversation_continues_after_a_server_restart() {
    let data_dir = tempfile::tempdir().unwrap();
    {
        let app = spawn_app_in(data_dir.path()).await;
        app.say_zh("restart-1", "ATM吞了我的钱").await;
        app.say_zh("restart-1", "昨天下午三点").await;
    }
    let app = spawn_app_in(data_dir.path()).await;
    let turn = app.say_zh("restart-1", "人民路支行").await;
    assert_eq!(turn["turn"], 3, "{turn}");
    assert_eq!(
        turn["slots"]["time"]
            .as_str()
            .map(|t| t.ends_with("T15:00")),
        Some(true)
    );
    let stored = app.get("/v1/conversations/restart-1").await;
    assert_eq!(stored.body["transcript"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn a_rejected_request_writes_nothing() {
    let app = spawn_app().await;
    for body in [
        json!({}),
        json!({"text": ""}),
        json!({"text": "你好", "channel": "fax"}),
        json!({"dtmf": "12a"}),
    ] {
        let reply = app
            .post_json("/v1/conversations/bad-1/messages", &body)
            .await;
        assert_eq!(reply.status, 400, "{body}");
        reply.error_code();
    }
    let bad_id = app
        .post_json(
            "/v1/conversations/has%20space/messages",
            &json!({"text": "你好"}),
        )
        .await;
    assert_eq!(bad_id.status, 400);
    assert_eq!(bad_id.error_code(), "invalid_conversation_id");
    let stored = app.get("/v1/conversations/bad-1").await;
    assert_eq!(stored.status, 404);
    assert_eq!(stored.error_code(), "not_found");
}

#[tokio::test]
async fn an_ivr_turn_carries_well_formed_ssml_and_no_buttons() {
    let app = spawn_app().await;
    let turn = app
        .say("ivr-1", json!({"text": "取款机吞了我的钱", "channel": "ivr", "customer": {"segment": "elderly"}}))
        .await;
    let ssml = turn["reply"]["ssml"].as_str().unwrap();
    assert!(
        ssml.starts_with("<speak") && ssml.ends_with("</speak>"),
        "{ssml}"
    );
    assert!(
        ssml.contains("prosody rate=\"slow\""),
        "elderly callers hear it slower: {ssml}"
    );
    assert_eq!(turn["reply"]["quick_replies"], json!([]));
    assert!(text(&turn).contains("老人家"), "{turn}");
}

#[tokio::test]
async fn an_interest_rate_question_gets_a_plain_answer_without_an_apology() {
    let app = spawn_app().await;
    let turn = app.say_zh("rate-1", "请问现在三年定期存款利率是多少").await;
    assert_eq!(turn["intent"]["id"], "interest_rate_inquiry");
    let reply = text(&turn);
    assert!(
        !reply.contains("抱歉") && !reply.contains("不便"),
        "{reply}"
    );
    assert!(reply.contains("挂牌利率"), "{reply}");
}
