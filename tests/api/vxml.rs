//! VoiceXML through the real server: every document validates against the W3C VoiceXML
//! 2.1 schema (`xmllint --schema`, schemas copied under tests/schemas/w3c as the W3C
//! notice allows), and every SSML reply of the JSON API against the W3C SSML schema.

use std::process::Command;

use serde_json::json;

use crate::helpers::{TestApp, repo_root, spawn_app};

/// Validates an XML document with xmllint against a schema of tests/schemas/w3c.
pub fn assert_valid(document: &str, schema: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("document.xml");
    std::fs::write(&file, document).unwrap();
    let schema = repo_root().join("tests/schemas/w3c").join(schema);
    let output = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("xmllint runs (scripts/test installs libxml2-utils)");
    assert!(
        output.status.success(),
        "{} against {}:\n{}\n{document}",
        file.display(),
        schema.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn submit(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let response = app
        .client
        .post(format!("{}/v1/ivr/vxml?locale=zh-CN", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let document = response.text().await.unwrap();
    assert_valid(&document, "vxml.xsd");
    document
}

#[tokio::test]
async fn a_voicexml_call_plays_collects_and_transfers_with_valid_documents() {
    let app = spawn_app().await;
    let first = submit(
        &app,
        &[
            ("call_id", "v-1"),
            ("utterance", "取款机吞了我的钱"),
            ("utterance$.confidence", "0.9"),
        ],
    )
    .await;
    assert!(
        first.contains("资金不会丢失") && first.contains("<field name=\"utterance\">"),
        "{first}"
    );
    let silent = submit(&app, &[("call_id", "v-1"), ("event", "no_input")]).await;
    assert!(silent.contains("还在吗"), "{silent}");
    let transfer = submit(
        &app,
        &[
            ("call_id", "v-1"),
            ("utterance", "0"),
            ("utterance$.inputmode", "dtmf"),
        ],
    )
    .await;
    assert!(
        transfer.contains("<transfer") && transfer.contains("aai=\"h-"),
        "{transfer}"
    );
    let stored = app.get("/v1/conversations/vxml-v-1").await;
    assert_eq!(stored.body["state"], "handed_off");
    assert_eq!(stored.body["handoff"]["summary"]["channel"], "ivr");

    submit(&app, &[("call_id", "v-2"), ("utterance", "你好")]).await;
    let bye = submit(&app, &[("call_id", "v-2"), ("utterance", "没事了,再见")]).await;
    assert!(bye.contains("<disconnect/>"), "{bye}");
}

#[tokio::test]
async fn every_ssml_reply_validates_against_the_w3c_schema() {
    let app = spawn_app().await;
    for (id, body) in [
        (
            "ssml-1",
            json!({"text": "ATM吞了我两千块 & 还扣了年费 <急>", "channel": "ivr"}),
        ),
        (
            "ssml-2",
            json!({"text": "我的卡丢了", "channel": "ivr", "customer": {"segment": "elderly"}}),
        ),
        (
            "ssml-3",
            json!({"text": "The ATM kept my card", "channel": "ivr", "locale": "en"}),
        ),
        (
            "ssml-3",
            json!({"event": "no_input", "channel": "ivr", "locale": "en"}),
        ),
    ] {
        let turn = app.say(id, body).await;
        assert_valid(turn["reply"]["ssml"].as_str().unwrap(), "synthesis.xsd");
    }
}
