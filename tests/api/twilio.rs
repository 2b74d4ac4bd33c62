//! The Twilio-compatible voice webhook through the real server: closed without a token,
//! refusing bad signatures without changing anything, and answering signed calls in TwiML
//! that uses only TwiML verbs.

use frontline::api::twilio_signature;
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::helpers::{TestApp, spawn_app_with};

const TOKEN: &str = "test-auth-token";
const TWIML_VERBS: [&str; 7] = [
    "Response", "Say", "Gather", "Redirect", "Enqueue", "Hangup", "Pause",
];

async fn post(app: &TestApp, params: &[(&str, &str)], signature: Option<String>) -> (u16, String) {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let url = format!("{}/v1/ivr/twilio", app.address);
    let signature = signature.unwrap_or_else(|| twilio_signature(&url, &owned, TOKEN));
    let response = app
        .client
        .post(&url)
        .header("X-Twilio-Signature", signature)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&owned).unwrap())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The element names of a TwiML document; panics if it is not well-formed XML.
fn elements(twiml: &str) -> Vec<String> {
    let mut reader = Reader::from_str(twiml);
    let mut names = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                names.push(String::from_utf8(e.name().as_ref().to_vec()).unwrap())
            }
            Event::Eof => break,
            _ => {}
        }
    }
    names
}

fn assert_twiml(twiml: &str) -> Vec<String> {
    let names = elements(twiml);
    assert_eq!(
        names.first().map(String::as_str),
        Some("Response"),
        "{twiml}"
    );
    for name in &names {
        assert!(
            TWIML_VERBS.contains(&name.as_str()),
            "not a TwiML verb: {name} in {twiml}"
        );
    }
    names
}

#[tokio::test]
async fn without_an_auth_token_every_request_is_refused() {
    let data_dir = tempfile::tempdir().unwrap();
    let app = spawn_app_with(data_dir.path(), None).await;
    let (status, _) = post(
        &app,
        &[("CallSid", "CA0001"), ("SpeechResult", "转人工")],
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(app.get("/v1/conversations/twilio-CA0001").await.status, 404);
}

#[tokio::test]
async fn a_bad_signature_is_refused_and_changes_nothing() {
    let data_dir = tempfile::tempdir().unwrap();
    let app = spawn_app_with(data_dir.path(), Some(TOKEN)).await;
    let forged = Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ=".to_string());
    let (status, _) = post(
        &app,
        &[("CallSid", "CA0002"), ("SpeechResult", "取款机吞了我的钱")],
        forged,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(app.get("/v1/conversations/twilio-CA0002").await.status, 404);
}

#[tokio::test]
async fn a_signed_call_gathers_speech_transfers_on_zero_and_hangs_up_after_goodbye() {
    let data_dir = tempfile::tempdir().unwrap();
    let app = spawn_app_with(data_dir.path(), Some(TOKEN)).await;
    let (status, twiml) = post(
        &app,
        &[
            ("CallSid", "CA0003"),
            ("SpeechResult", "取款机吞了我的钱"),
            ("Confidence", "0.92"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{twiml}");
    let names = assert_twiml(&twiml);
    assert!(
        names.contains(&"Gather".to_string()) && twiml.contains("资金不会丢失"),
        "{twiml}"
    );
    let stored = app.get("/v1/conversations/twilio-CA0003").await;
    assert_eq!(stored.body["channel"], "ivr");

    let (_, silent) = post(&app, &[("CallSid", "CA0003")], None).await;
    assert!(
        silent.contains("还在吗"),
        "no speech and no keys is a silence: {silent}"
    );

    let (_, transfer) = post(&app, &[("CallSid", "CA0003"), ("Digits", "0")], None).await;
    assert!(
        assert_twiml(&transfer).contains(&"Enqueue".to_string()),
        "{transfer}"
    );

    let (_, hello) = post(
        &app,
        &[("CallSid", "CA0004"), ("SpeechResult", "你好")],
        None,
    )
    .await;
    assert_twiml(&hello);
    let (_, bye) = post(
        &app,
        &[("CallSid", "CA0004"), ("SpeechResult", "没事了,再见")],
        None,
    )
    .await;
    assert!(assert_twiml(&bye).contains(&"Hangup".to_string()), "{bye}");
}
