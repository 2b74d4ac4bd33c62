//! `POST /v1/parse` through the real server: the seed scenarios, out-of-scope text,
//! personal data, and bad requests.

use chrono::Days;
use frontline::nlu::bank_today;
use serde_json::{Value, json};

use crate::helpers::{entity, spawn_app};

fn intent(parse: &Value) -> Option<&str> {
    parse["intent"]["id"].as_str()
}

#[tokio::test]
async fn an_atm_that_swallowed_cash_is_recognised_with_time_place_amount_and_anger() {
    let app = spawn_app().await;
    let parse = app
        .parse(
            "昨天下午三点在人民路支行的ATM取两千块,钱没出来卡里却扣了,气死我了!",
            "zh-CN",
        )
        .await;
    assert_eq!(intent(&parse), Some("atm_cash_retention"), "{parse}");
    assert!(
        parse["intent"]["confidence"].as_f64() > Some(0.5),
        "{parse}"
    );
    let yesterday = bank_today() - Days::new(1);
    assert_eq!(
        entity(&parse, "datetime").unwrap()["value"],
        format!("{}T15:00", yesterday.format("%Y-%m-%d"))
    );
    assert_eq!(entity(&parse, "location").unwrap()["value"], "人民路支行");
    let amount = entity(&parse, "amount").unwrap();
    assert_eq!(amount["value"], "2000");
    assert_eq!(amount["text"], "两千块");
    // Character offsets (not bytes): `两千块` starts at character 17 of the message.
    assert_eq!(
        (amount["start"].as_u64(), amount["end"].as_u64()),
        (Some(17), Some(20))
    );
    assert_eq!(parse["emotion"]["label"], "angry");
    assert!(
        parse["emotion"]["intensity"].as_f64() > Some(0.5),
        "{parse}"
    );
}

#[tokio::test]
async fn a_wealth_product_that_lost_money_is_recognised_with_the_amount() {
    let app = spawn_app().await;
    let parse = app
        .parse(
            "我在你们网点买的理财产品亏了3万,理财经理当初说很稳的,怎么会亏本呢?",
            "zh-CN",
        )
        .await;
    assert_eq!(intent(&parse), Some("product_loss_risk"), "{parse}");
    assert_eq!(entity(&parse, "amount").unwrap()["value"], "30000");
    assert_ne!(parse["emotion"]["label"], "satisfied");
}

#[tokio::test]
async fn a_request_for_someone_elses_account_details_is_recognised() {
    let app = spawn_app().await;
    let parse = app
        .parse(
            "帮我查一下我朋友那个账户的开户行和行号,我要给他转钱",
            "zh-CN",
        )
        .await;
    assert_eq!(intent(&parse), Some("account_info_privacy"), "{parse}");
}

#[tokio::test]
async fn the_seed_scenarios_are_recognised_in_english_too() {
    let app = spawn_app().await;
    let cases = [
        (
            "The ATM kept my 500 dollars and didn't give me any cash!",
            "atm_cash_retention",
        ),
        (
            "My wealth management product lost money, how is that possible?",
            "product_loss_risk",
        ),
        (
            "Can you tell me which branch my friend's account was opened at?",
            "account_info_privacy",
        ),
    ];
    for (text, expected) in cases {
        let parse = app.parse(text, "en").await;
        assert_eq!(intent(&parse), Some(expected), "{text}: {parse}");
    }
}

#[tokio::test]
async fn traditional_characters_and_full_width_digits_are_understood() {
    let app = spawn_app().await;
    let parse = app.parse("提款機吞了我２０００元", "zh-CN").await;
    assert_eq!(intent(&parse), Some("atm_cash_retention"), "{parse}");
    assert_eq!(entity(&parse, "amount").unwrap()["value"], "2000");
}

#[tokio::test]
async fn text_that_is_not_banking_gets_no_intent() {
    let app = spawn_app().await;
    for (text, locale) in [
        ("明天北京天气怎么样", "zh-CN"),
        ("给我讲个笑话吧", "zh-CN"),
        ("推荐一只明天能涨停的股票", "zh-CN"),
        ("what's the weather like in Paris tomorrow", "en"),
    ] {
        let parse = app.parse(text, locale).await;
        assert_eq!(parse["intent"], Value::Null, "{text}: {parse}");
        assert!(
            parse["candidates"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
        );
    }
}

#[tokio::test]
async fn candidates_are_at_most_five_and_best_first() {
    let app = spawn_app().await;
    let parse = app.parse("卡被吞了", "zh-CN").await;
    let candidates = parse["candidates"].as_array().unwrap();
    assert!(!candidates.is_empty() && candidates.len() <= 5);
    let confidences: Vec<f64> = candidates
        .iter()
        .map(|c| c["confidence"].as_f64().unwrap())
        .collect();
    assert!(
        confidences.windows(2).all(|w| w[0] >= w[1]),
        "{confidences:?}"
    );
    assert_eq!(candidates[0]["id"], parse["intent"]["id"]);
}

#[tokio::test]
async fn regulator_and_media_threats_are_flagged() {
    let app = spawn_app().await;
    let parse = app
        .parse("你们再不处理我就打12378投诉,还要找记者曝光你们", "zh-CN")
        .await;
    assert_eq!(parse["risk"]["regulator"], true, "{parse}");
    assert_eq!(parse["risk"]["media"], true, "{parse}");
    assert_eq!(parse["risk"]["legal"], false, "{parse}");
}

#[tokio::test]
async fn card_and_phone_numbers_never_come_back_unmasked() {
    let app = spawn_app().await;
    let parse = app
        .parse("我的卡6222 0212 3456 7894被吞了,手机13812345678", "zh-CN")
        .await;
    let body = parse.to_string();
    assert!(
        !body.contains("0212 3456") && !body.contains("13812345678"),
        "{body}"
    );
    assert_eq!(
        entity(&parse, "card_number").unwrap()["value"],
        "************7894"
    );
    assert_eq!(entity(&parse, "phone").unwrap()["value"], "*******5678");
    assert_eq!(
        parse["text"],
        "我的卡**** **** **** 7894被吞了,手机*******5678"
    );
}

#[tokio::test]
async fn a_code_run_into_a_branch_name_stays_masked_in_the_place_too() {
    let app = spawn_app().await;
    // The place name keeps ten characters before `支行`, which cuts `密` off the code.
    let parse = app.parse("密码123456789支行", "zh-CN").await;
    assert_eq!(parse["text"], "密码*********支行");
    let place = entity(&parse, "location").expect("a place");
    assert_eq!(place["value"], "码*********支行", "{parse}");
    assert!(!parse.to_string().contains("123456789"), "{parse}");
}

#[tokio::test]
async fn locale_defaults_to_chinese_and_channel_to_web() {
    let app = spawn_app().await;
    let reply = app
        .post_json("/v1/parse", &json!({"text": "我的卡丢了"}))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["locale"], "zh-CN");
    assert_eq!(reply.body["channel"], "web");
}

#[tokio::test]
async fn malformed_json_gets_a_400_with_the_error_shape() {
    let app = spawn_app().await;
    let reply = app
        .post_raw("/v1/parse", "application/json", "{\"text\": ")
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "malformed_json");
}

#[tokio::test]
async fn bad_fields_get_a_400_that_names_the_problem() {
    let app = spawn_app().await;
    let cases = [
        (json!({}), "text"),
        (json!({"text": ""}), "empty"),
        (json!({"text": "   "}), "empty"),
        (json!({"text": 42}), "string"),
        (json!({"text": "你好", "locale": "fr"}), "locale"),
        (json!({"text": "你好", "channel": "fax"}), "channel"),
        (json!({"text": "长".repeat(1001)}), "1000"),
    ];
    for (body, hint) in cases {
        let reply = app.post_json("/v1/parse", &body).await;
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(reply.error_code(), "invalid_field", "{body}");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(hint), "{body}: {message}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_a_415() {
    let app = spawn_app().await;
    let reply = app
        .post_raw("/v1/parse", "text/plain", "ATM吞了我的钱")
        .await;
    assert_eq!(reply.status, 415);
    assert_eq!(reply.error_code(), "unsupported_media_type");
}

#[tokio::test]
async fn a_body_over_the_limit_gets_a_413() {
    let app = spawn_app().await;
    let huge = json!({"text": "钱".repeat(20_000)}).to_string();
    let reply = app.post_raw("/v1/parse", "application/json", huge).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error_code(), "payload_too_large");
}

#[tokio::test]
async fn the_wrong_method_gets_a_405() {
    let app = spawn_app().await;
    let reply = app.get("/v1/parse").await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.error_code(), "method_not_allowed");
}
