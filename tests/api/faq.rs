//! Answers from the knowledge base's FAQ, through the real server and the bundled content:
//! a plain question answered with its source cited, a vague one offered as choices, an
//! angry one soothed first, one outside banking not answered, the phone given the short
//! answer as valid SSML, and an FAQ file changed while the service runs.

use serde_json::{Value, json};

use crate::helpers::{TestApp, copy_content, spawn_app, spawn_app_configured};

fn text(turn: &Value) -> &str {
    turn["reply"]["text"].as_str().unwrap_or_default()
}

/// The activation entry's answer, its citation, and a way of asking it that none of its
/// variants uses.
const ACTIVATION_ANSWER: &str = "一般无需另行激活";
const ACTIVATION_CITATION: &str = "以上信息来自《示例银行借记卡服务指南》,更新于2026年11月20日";
const ACTIVATION_QUESTION: &str = "新办的借记卡用之前还要激活吗";

async fn ask(app: &TestApp, conversation: &str, text: &str, locale: &str) -> Value {
    app.say(conversation, json!({"text": text, "locale": locale}))
        .await
}

#[tokio::test]
async fn a_plain_question_is_answered_with_its_source_cited() {
    let app = spawn_app().await;
    let turn = ask(&app, "faq-plain", ACTIVATION_QUESTION, "zh-CN").await;
    let said = text(&turn);
    assert!(said.contains(ACTIVATION_ANSWER), "{turn}");
    assert!(said.contains(ACTIVATION_CITATION), "{turn}");
    assert!(
        said.find(ACTIVATION_ANSWER) < said.find(ACTIVATION_CITATION),
        "the answer, then where it comes from: {said}"
    );
    assert_eq!(turn["state"], "active", "{turn}");
    assert!(turn["handoff"].is_null(), "{turn}");

    let parse = app.parse(ACTIVATION_QUESTION, "zh-CN").await;
    assert_eq!(parse["faq"]["id"], "debit_card_activation", "{parse}");
    let score = parse["faq"]["score"].as_f64().unwrap();
    assert!(score > 0.0 && score <= 1.0, "{parse}");
    assert!(
        parse.get("intent").is_some(),
        "the intent is reported beside it: {parse}"
    );

    let english = ask(
        &app,
        "faq-plain-en",
        "is there anything I must do before using a newly issued debit card, like activating it",
        "en",
    )
    .await;
    assert!(
        text(&english)
            .contains("This information comes from Example Bank Debit Card Service Guide"),
        "{english}"
    );
}

#[tokio::test]
async fn a_question_close_to_several_entries_is_offered_as_choices() {
    let app = spawn_app().await;
    let parse = app.parse(AMBIGUOUS, "zh-CN").await;
    let choices = parse["faq_choices"].as_array().unwrap().clone();
    assert!((2..=3).contains(&choices.len()), "{parse}");
    assert!(parse["faq"].is_null(), "{parse}");

    let turn = ask(&app, "faq-choices", AMBIGUOUS, "zh-CN").await;
    let offered: Vec<String> = turn["reply"]["quick_replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q.as_str().unwrap().to_string())
        .collect();
    assert_eq!(offered.len(), choices.len(), "{turn}");
    assert!(text(&turn).contains("哪一个"), "{turn}");
    assert!(
        !text(&turn).contains("以上信息来自"),
        "nothing answered yet: {turn}"
    );

    // Tapping a choice sends its question: that entry is answered.
    let chosen = ask(&app, "faq-choices", &offered[0], "zh-CN").await;
    assert!(text(&chosen).contains("以上信息来自"), "{chosen}");
    let parse = app.parse(&offered[0], "zh-CN").await;
    assert_eq!(parse["faq"]["id"], choices[0], "{parse}");
}

/// Short and vague: the quota entries share it.
const AMBIGUOUS: &str = "外汇额度";

#[tokio::test]
async fn an_angry_question_is_soothed_before_it_is_answered() {
    let app = spawn_app().await;
    let angry = "气死我了!新办的借记卡用之前到底还要不要激活啊";
    let turn = ask(&app, "faq-angry", angry, "zh-CN").await;
    let said = text(&turn);
    let answer_at = said
        .find(ACTIVATION_ANSWER)
        .unwrap_or_else(|| panic!("{turn}"));
    let first_paragraph = said.lines().next().unwrap();
    assert!(
        !first_paragraph.contains(ACTIVATION_ANSWER) && answer_at > 0,
        "soothed first, then answered: {said}"
    );
    assert_eq!(turn["emotion"]["label"], "angry", "{turn}");
}

#[tokio::test]
async fn a_question_outside_banking_is_not_answered() {
    let app = spawn_app().await;
    for (conversation, message) in [
        ("faq-oos-1", "明天天气怎么样"),
        ("faq-oos-2", "红烧肉怎么做"),
    ] {
        let turn = ask(&app, conversation, message, "zh-CN").await;
        assert!(!text(&turn).contains("以上信息来自"), "{turn}");
        let parse = app.parse(message, "zh-CN").await;
        assert!(
            parse["faq"].is_null() && parse["faq_choices"] == json!([]),
            "{parse}"
        );
    }
}

#[tokio::test]
async fn the_phone_gets_the_short_answer_as_valid_ssml() {
    let app = spawn_app().await;
    let turn = app
        .say(
            "faq-ivr",
            json!({"text": ACTIVATION_QUESTION, "locale": "zh-CN", "channel": "ivr", "asr_confidence": 0.95}),
        )
        .await;
    let ssml = turn["reply"]["ssml"].as_str().unwrap();
    crate::vxml::assert_valid(ssml, "synthesis.xsd");
    assert!(ssml.contains("无需另行激活"), "{ssml}");
    assert!(
        !ssml.contains("以上信息来自"),
        "no citation read out: {ssml}"
    );
    assert!(
        !text(&turn).contains("按照实名制"),
        "the chat answer is not read out: {turn}"
    );
}

#[tokio::test]
async fn an_faq_file_changed_while_running_answers_the_new_way() {
    let content = tempfile::tempdir().unwrap();
    copy_content(content.path());
    let data = tempfile::tempdir().unwrap();
    let app = spawn_app_configured(data.path(), |settings| {
        settings.content_dir = content.path().to_path_buf();
    })
    .await;
    let cards = content.path().join("knowledge-base/zh-CN/faq/cards.yaml");
    let before = std::fs::read_to_string(&cards).unwrap();
    std::fs::write(
        &cards,
        before.replace("一般无需另行激活", "【已更新】无需激活"),
    )
    .unwrap();
    let reloaded = app.post_json("/admin/reload", &json!({})).await;
    assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    let turn = ask(&app, "faq-reload-1", ACTIVATION_QUESTION, "zh-CN").await;
    assert!(text(&turn).contains("【已更新】无需激活"), "{turn}");

    // A broken FAQ file is refused with its line, and the last good answer keeps serving.
    std::fs::write(
        &cards,
        before.replace("{{card_renewal_fee}}", "{{no_such_fact}}"),
    )
    .unwrap();
    let refused = app.post_json("/admin/reload", &json!({})).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.to_string().contains("no_such_fact"),
        "{}",
        refused.body
    );
    let turn = ask(&app, "faq-reload-2", ACTIVATION_QUESTION, "zh-CN").await;
    assert!(text(&turn).contains("【已更新】无需激活"), "{turn}");
}
