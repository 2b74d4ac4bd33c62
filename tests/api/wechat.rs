//! The WeChat Official Account channel through the real server, with bodies built as
//! WeChat sends them: server verification accepted and refused, every push verified
//! (bad signature, stale timestamp: refused, nothing stored), a text complaint answered
//! in the four steps, a voice message's homophones understood, a retried `MsgId` one turn
//! with the same reply, a follower greeted, a menu button routed, numbered choices
//! answered by number, a handoff replied with `transfer_customer_service` and delivered
//! to the desks, safe mode end to end, and a desk agent's messages sent through a local
//! stand-in for WeChat's customer-service message API (token cached, refreshed when
//! WeChat says it expired).

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{DateTime, TimeZone, Utc};
use frontline::wechat::{AesKey, HandoffRoute, WechatConfig};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use crate::helpers::{TimedApp, spawn_app_at};

const TOKEN: &str = "frontline2026";
const ACCOUNT_ID: &str = "gh_bank00001";
/// The EncodingAESKey and AppID of Tencent's published safe-mode sample.
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APP_ID: &str = "wxb11529c136998cb6";
const OPENID: &str = "oDF3iY9ffA-hqb2vVvbr7qxf6A0Q";

/// 10:00 in Beijing on 1 December 2026.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
}

/// The conversation of `openid` at `account` on the test's bank day.
fn conversation(account: &str, openid: &str) -> String {
    format!("wechat:{account}:{openid}:20261201")
}

/// WeChat's signature: SHA-1 (hex) of the sorted strings, concatenated.
fn sign(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    Sha1::digest(sorted.concat().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn account(name: &str, handoff: HandoffRoute, api_base: Option<String>) -> WechatConfig {
    WechatConfig {
        account: name.into(),
        token: TOKEN.into(),
        app_id: APP_ID.into(),
        encoding_aes_key: Some(AES_KEY.into()),
        app_secret: Some("secret-of-the-app".into()),
        handoff,
        api_base,
        ..WechatConfig::default()
    }
}

async fn wechat_app(dir: &std::path::Path, api_base: Option<String>) -> TimedApp {
    spawn_app_at(dir, now(), |settings| {
        settings.wechat = vec![
            account("bank", HandoffRoute::Wechat, None).check().unwrap(),
            account("desks", HandoffRoute::Desks, api_base)
                .check()
                .unwrap(),
        ];
    })
    .await
}

fn text(msg_id: u64, content: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>",
        now().timestamp()
    )
}

fn voice(msg_id: u64, recognition: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[{recognition}]]></Recognition><MsgId>{msg_id}</MsgId></xml>",
        now().timestamp()
    )
}

fn event(kind: &str, key: &str, at: i64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{at}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{kind}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
    )
}

/// What came back: the status and the body.
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    /// A field of the XML reply (CDATA or not).
    fn field(&self, name: &str) -> String {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let Some(start) = self.body.find(&open) else {
            return String::new();
        };
        let rest = &self.body[start + open.len()..];
        let value = &rest[..rest.find(&close).unwrap_or(rest.len())];
        value
            .trim_start_matches("<![CDATA[")
            .trim_end_matches("]]>")
            .replace("]]]]><![CDATA[>", "]]>")
    }
}

async fn push_at(
    timed: &TimedApp,
    account: &str,
    body: &str,
    at: i64,
    signature: Option<&str>,
) -> Answer {
    let timestamp = at.to_string();
    let nonce = "nonce42";
    let signature = signature.map_or_else(|| sign(&[TOKEN, &timestamp, nonce]), str::to_string);
    let response = timed
        .app
        .client
        .post(format!(
            "{}/v1/channels/wechat/{account}?signature={signature}&timestamp={timestamp}&nonce={nonce}&openid={OPENID}",
            timed.app.address
        ))
        .header("content-type", "text/xml")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    Answer {
        status: response.status().as_u16(),
        body: response.text().await.unwrap(),
    }
}

async fn push(timed: &TimedApp, body: &str) -> Answer {
    push_at(timed, "bank", body, now().timestamp(), None).await
}

/// Pushes a text and returns the reply's content, asserting a text reply to the sender.
async fn say(timed: &TimedApp, msg_id: u64, content: &str) -> String {
    let answer = push(timed, &text(msg_id, content)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.field("MsgType"), "text", "{}", answer.body);
    assert_eq!(answer.field("ToUserName"), OPENID);
    assert_eq!(answer.field("FromUserName"), ACCOUNT_ID);
    answer.field("Content")
}

async fn transcript_len(timed: &TimedApp, id: &str) -> Option<usize> {
    let view = timed.app.get(&format!("/v1/conversations/{id}")).await;
    (view.status == 200).then(|| view.body["transcript"].as_array().unwrap().len())
}

#[tokio::test]
async fn the_server_url_is_verified_only_with_the_right_signature() {
    let dir = tempfile::tempdir().unwrap();
    let timed = wechat_app(dir.path(), None).await;
    let timestamp = now().timestamp().to_string();
    let url = |signature: &str, timestamp: &str, account: &str| {
        format!(
            "/v1/channels/wechat/{account}?signature={signature}&timestamp={timestamp}&nonce=1514&echostr=5837397520665436492"
        )
    };
    let good = sign(&[TOKEN, &timestamp, "1514"]);
    let response = timed
        .app
        .client
        .get(format!(
            "{}{}",
            timed.app.address,
            url(&good, &timestamp, "bank")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "5837397520665436492");

    let bad = sign(&["another-token", &timestamp, "1514"]);
    let refused = timed.app.get(&url(&bad, &timestamp, "bank")).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let old = (now().timestamp() - 3600).to_string();
    let stale = timed
        .app
        .get(&url(&sign(&[TOKEN, &old, "1514"]), &old, "bank"))
        .await;
    assert_eq!(stale.status, 403, "a replayed verification: {}", stale.body);
    let unknown = timed.app.get(&url(&good, &timestamp, "nobody")).await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn a_push_with_a_bad_signature_or_a_stale_timestamp_is_refused_and_nothing_stored() {
    let dir = tempfile::tempdir().unwrap();
    let timed = wechat_app(dir.path(), None).await;
    let id = conversation("bank", OPENID);
    let forged = push_at(
        &timed,
        "bank",
        &text(1, "ATM吞了我的钱"),
        now().timestamp(),
        Some(&"0".repeat(40)),
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    let replayed = push_at(
        &timed,
        "bank",
        &text(2, "ATM吞了我的钱"),
        now().timestamp() - 600,
        None,
    )
    .await;
    assert_eq!(replayed.status, 403, "{}", replayed.body);
    assert_eq!(
        transcript_len(&timed, &id).await,
        None,
        "nothing was stored"
    );
    // Garbage that is signed is parsed and refused, not answered.
    let garbage = push(&timed, "<xml><MsgType>text</MsgType>").await;
    assert_eq!(garbage.status, 400, "{}", garbage.body);
}

#[tokio::test]
async fn a_text_complaint_is_answered_in_the_four_steps_and_a_retry_is_one_turn() {
    let dir = tempfile::tempdir().unwrap();
    let timed = wechat_app(dir.path(), None).await;
    let id = conversation("bank", OPENID);
    let first = say(&timed, 1001, "ATM吞了我的钱,气死我了!").await;
    assert!(
        !first.contains("工作日"),
        "no promise before the facts: {first}"
    );
    // WeChat got no answer in time and sends the same message again: one turn, same reply.
    let again = say(&timed, 1001, "ATM吞了我的钱,气死我了!").await;
    assert_eq!(again, first);
    assert_eq!(
        transcript_len(&timed, &id).await,
        Some(2),
        "one customer line, one reply"
    );

    say(&timed, 1002, "昨天下午三点").await;
    say(&timed, 1003, "人民路支行").await;
    let restated = say(&timed, 1004, "两千块").await;
    assert!(
        restated.contains("人民路支行") && restated.contains("两千"),
        "restated to confirm: {restated}"
    );
    let committed = say(&timed, 1005, "是的").await;
    assert!(
        committed.contains("3 个工作日"),
        "a time committed to: {committed}"
    );
    let view = timed.app.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(view.body["channel"], "wechat");
    assert_eq!(
        view.body["customer"]["id"], OPENID,
        "the OpenID is the customer id, unmasked"
    );
}

#[tokio::test]
async fn a_voice_message_is_heard_by_its_sound() {
    let dir = tempfile::tempdir().unwrap();
    let timed = wechat_app(dir.path(), None).await;
    // WeChat's recogniser wrote 挂师 for 挂失: heard by its sound it is a lost card (read
    // as typed text, the same characters were a complaint, on 2026-12-01's model).
    let answer = push(&timed, &voice(2001, "我要挂师")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let view = timed
        .app
        .get(&format!(
            "/v1/conversations/{}",
            conversation("bank", OPENID)
        ))
        .await;
    assert_eq!(
        view.body["demands"][0]["intent"], "card_lost",
        "{}",
        view.body
    );
}

#[tokio::test]
async fn a_follower_is_greeted_a_menu_button_routed_and_a_picture_asked_for_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let timed = wechat_app(dir.path(), None).await;
    let greeted = push(&timed, &event("subscribe", "", now().timestamp())).await;
    assert!(
        greeted.field("Content").contains("欢迎关注示例银行"),
        "{}",
        greeted.body
    );

    let clicked = push(&timed, &event("CLICK", "CARD_LOST", now().timestamp() + 1)).await;
    assert_eq!(clicked.field("MsgType"), "text", "{}", clicked.body);
    let view = timed
        .app
        .get(&format!(
            "/v1/conversations/{}",
            conversation("bank", OPENID)
        ))
        .await;
    assert_eq!(
        view.body["demands"][0]["intent"], "card_lost",
        "{}",
        view.body
    );

    let picture = format!(
        "<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://example.com/a.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId><MsgId>3001</MsgId></xml>",
        now().timestamp()
    );
    let asked = push(&timed, &picture).await;
    assert!(
        asked.field("Content").contains("请用文字描述您的问题"),
        "{}",
        asked.body
    );
}

#[tokio::test]
async fn offered_choices_are_numbered_and_answered_by_number() {
    let dir = tempfile::tempdir().unwrap();
    let timed = wechat_app(dir.path(), None).await;
    let offered = say(&timed, 4001, "外汇额度").await;
    assert!(offered.contains("回复数字即可选择:\n1. "), "{offered}");
    let first_choice = offered
        .lines()
        .find_map(|l| l.strip_prefix("1. "))
        .unwrap()
        .to_string();
    let answered = say(&timed, 4002, "1").await;
    assert!(
        answered.contains("以上信息来自"),
        "the first choice answered, with its source: {answered}"
    );
    let view = timed
        .app
        .get(&format!(
            "/v1/conversations/{}",
            conversation("bank", OPENID)
        ))
        .await;
    assert!(!first_choice.is_empty());
    assert_eq!(
        view.body["transcript"][2]["text"], "1",
        "the customer's words are kept as typed"
    );
}

#[tokio::test]
async fn a_handoff_is_passed_to_wechat_customer_service_and_recorded_for_the_desks() {
    let dir = tempfile::tempdir().unwrap();
    let timed = wechat_app(dir.path(), None).await;
    let answer = push(&timed, &text(5001, "转人工")).await;
    assert_eq!(
        answer.field("MsgType"),
        "transfer_customer_service",
        "{}",
        answer.body
    );
    assert_eq!(answer.field("ToUserName"), OPENID);
    let handoffs = timed.app.get("/v1/handoffs?status=all").await;
    let listed = handoffs.body["handoffs"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{}", handoffs.body);
    assert_eq!(listed[0]["conversation_id"], conversation("bank", OPENID));
}

#[tokio::test]
async fn safe_mode_decrypts_the_push_and_encrypts_the_reply() {
    let dir = tempfile::tempdir().unwrap();
    let timed = wechat_app(dir.path(), None).await;
    let key: AesKey = AES_KEY.parse().unwrap();
    let encrypt = key.encrypt(&text(6001, "信用卡怎么激活"), APP_ID, *b"0123456789abcdef");
    let timestamp = now().timestamp().to_string();
    let nonce = "safe-nonce";
    let envelope = format!(
        "<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    );
    let post = |msg_signature: String| {
        let url = format!(
            "{}/v1/channels/wechat/bank?signature={}&timestamp={timestamp}&nonce={nonce}&openid={OPENID}&encrypt_type=aes&msg_signature={msg_signature}",
            timed.app.address,
            sign(&[TOKEN, &timestamp, nonce])
        );
        timed.app.client.post(url).body(envelope.clone()).send()
    };
    let forged = post("0".repeat(40)).await.unwrap();
    assert_eq!(forged.status(), 403);

    let response = post(sign(&[TOKEN, &timestamp, nonce, &encrypt]))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sealed = Answer {
        status: 200,
        body: response.text().await.unwrap(),
    };
    let reply_encrypt = sealed.field("Encrypt");
    let reply_time = sealed.field("TimeStamp");
    let reply_nonce = sealed.field("Nonce");
    assert_eq!(
        sealed.field("MsgSignature"),
        sign(&[TOKEN, &reply_time, &reply_nonce, &reply_encrypt]),
        "the reply is signed: {}",
        sealed.body
    );
    let reply = Answer {
        status: sealed.status,
        body: key.decrypt(&reply_encrypt, APP_ID).unwrap(),
    };
    assert_eq!(reply.field("MsgType"), "text");
    assert_eq!(reply.field("ToUserName"), OPENID);
    assert!(reply.field("Content").contains("激活"), "{}", reply.body);
}

/// A stand-in for WeChat's API: hands out access tokens, takes customer-service messages,
/// and says a token expired when the test revokes it.
#[derive(Default)]
struct FakeWechat {
    tokens_issued: Mutex<u32>,
    revoked: Mutex<Vec<String>>,
    sent: Mutex<Vec<Value>>,
}

async fn token(state: web::Data<Arc<FakeWechat>>, request: HttpRequest) -> HttpResponse {
    assert!(request.query_string().contains("appid=wxb11529c136998cb6"));
    assert!(request.query_string().contains("secret=secret-of-the-app"));
    let mut issued = state.tokens_issued.lock().unwrap();
    *issued += 1;
    HttpResponse::Ok().json(json!({"access_token": format!("TOKEN-{issued}"), "expires_in": 7200}))
}

async fn send(
    state: web::Data<Arc<FakeWechat>>,
    request: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let token = request
        .query_string()
        .strip_prefix("access_token=")
        .unwrap_or_default()
        .to_string();
    if state.revoked.lock().unwrap().contains(&token) {
        return HttpResponse::Ok()
            .json(json!({"errcode": 42001, "errmsg": "access_token expired"}));
    }
    state
        .sent
        .lock()
        .unwrap()
        .push(json!({"token": token, "body": body.into_inner()}));
    HttpResponse::Ok().json(json!({"errcode": 0, "errmsg": "ok"}))
}

#[tokio::test]
async fn desk_agents_write_to_the_customer_through_the_message_api() {
    let fake = Arc::new(FakeWechat::default());
    let data = web::Data::new(fake.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/cgi-bin/token", web::get().to(token))
            .route("/cgi-bin/message/custom/send", web::post().to(send))
    })
    .bind("127.0.0.1:0")
    .unwrap();
    let base = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());

    let dir = tempfile::tempdir().unwrap();
    let timed = wechat_app(dir.path(), Some(base)).await;
    let handed = push_at(
        &timed,
        "desks",
        &text(7001, "转人工"),
        now().timestamp(),
        None,
    )
    .await;
    assert_eq!(
        handed.field("MsgType"),
        "text",
        "desks: the bot says it is handing over: {}",
        handed.body
    );
    let id = conversation("desks", OPENID);
    let view = timed.app.get(&format!("/v1/conversations/{id}")).await;
    let handoff = view.body["handoff"]["id"].as_str().unwrap().to_string();
    crate::live_chat::claim(&timed.app, &handoff, "a-7", "王经理").await;

    crate::live_chat::agent_says(
        &timed.app,
        &id,
        "您好,我是王经理,卡号6222021234567890123的情况我来处理。",
    )
    .await;
    crate::live_chat::agent_says(&timed.app, &id, "请问还有什么可以帮您?").await;
    {
        let sent = fake.sent.lock().unwrap();
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert_eq!(sent[0]["body"]["touser"], OPENID);
        assert_eq!(sent[0]["body"]["msgtype"], "text");
        let content = sent[0]["body"]["text"]["content"].as_str().unwrap();
        assert!(
            content.contains("王经理") && !content.contains("6222021234567890123"),
            "masked: {content}"
        );
    }
    assert_eq!(
        *fake.tokens_issued.lock().unwrap(),
        1,
        "the token is cached"
    );

    // WeChat expires the token: fetched again, the message still goes out.
    fake.revoked.lock().unwrap().push("TOKEN-1".into());
    crate::live_chat::agent_says(&timed.app, &id, "已经为您登记,稍后回电。").await;
    assert_eq!(*fake.tokens_issued.lock().unwrap(), 2);
    let sent = fake.sent.lock().unwrap();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[2]["token"], "TOKEN-2");
}
