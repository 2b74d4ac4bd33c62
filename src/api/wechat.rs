//! `GET/POST /v1/channels/wechat/{account}`: a WeChat Official Account's server URL.
//! `GET` is WeChat's server verification (answer `echostr` when the signature is right);
//! every `POST` is a pushed message, verified (signature, and a fresh timestamp against
//! replays) before anything is parsed or stored, decrypted in safe mode, answered with a
//! passive XML reply within WeChat's 5 seconds. A message WeChat retries (same `MsgId`,
//! or sender and time for events) is one turn with one reply: its dedupe key is the
//! turn's idempotency key. WeChat shows plain text: offered choices are numbered, and the
//! customer answers with the number.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::query::parse_query;
use super::{ApiError, AppState};
use crate::content::MAX_REPLY_BYTES;
use crate::conversations::{NextAction, TurnOutcome};
use crate::dialogue::TurnRequest;
use crate::domain::{Channel, ConversationId, Customer, IdempotencyKey, MessageText};
use crate::wechat::{
    Account, Event, HandoffRoute, Incoming, IncomingKind, MAX_BODY, Timestamp, conversation_id,
    dedupe_key, parse_envelope, parse_incoming, seal_reply, text_reply,
    transfer_customer_service_reply, verify, verify_msg,
};

/// How long a turn may take before the answer is `success` (no reply) instead: WeChat
/// gives up after 5 s and retries, and the retry finds the turn's saved answer.
const REPLY_WITHIN: Duration = Duration::from_millis(4500);

/// The query WeChat signs: verification (`echostr`) and pushes (`openid`, and in safe
/// mode `encrypt_type=aes` with `msg_signature`). Unknown parameters are ignored: WeChat
/// may add some.
#[derive(Deserialize)]
struct SignedQuery {
    signature: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    echostr: Option<String>,
    encrypt_type: Option<String>,
    msg_signature: Option<String>,
}

fn account<'a>(state: &'a AppState, name: &str) -> Result<&'a Account, ApiError> {
    state
        .wechat
        .get(name)
        .ok_or_else(|| ApiError::NotFound(format!("no WeChat account `{name}` is configured")))
}

/// The request's signature over the account's token, its timestamp and nonce, checked;
/// a timestamp outside the account's window is a replay. The timestamp and nonce, for
/// the reply.
fn verified(
    state: &AppState,
    account: &Account,
    query: &SignedQuery,
) -> Result<(Timestamp, String), ApiError> {
    let refused = |why: &str| ApiError::Forbidden(format!("WeChat request refused: {why}"));
    let (Some(claimed), Some(timestamp), Some(nonce)) =
        (&query.signature, &query.timestamp, &query.nonce)
    else {
        return Err(refused("signature, timestamp and nonce are required"));
    };
    let timestamp = Timestamp::parse(timestamp).map_err(|_| refused("bad timestamp"))?;
    if !verify(account.token(), timestamp.as_str(), nonce, claimed) {
        return Err(refused("bad signature"));
    }
    let now = state.conversations.clock().now().timestamp();
    if !timestamp.is_fresh(now, account.max_age_secs) {
        return Err(refused("stale timestamp (a replay?)"));
    }
    Ok((timestamp, nonce.clone()))
}

/// `GET`: WeChat's server verification.
pub async fn verify_server(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let account = account(&state, &path)?;
    let query: SignedQuery = parse_query(&request)?;
    verified(&state, account, &query)?;
    let echostr = query
        .echostr
        .ok_or_else(|| ApiError::InvalidField("echostr is required".into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(echostr))
}

/// `POST`: a pushed message, answered with a passive reply (`success`: none).
pub async fn receive(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let account = account(&state, &path)?;
    let query: SignedQuery = parse_query(&request)?;
    let (timestamp, nonce) = verified(&state, account, &query)?;
    if body.len() > MAX_BODY {
        return Err(ApiError::PayloadTooLarge);
    }
    let encrypted = query.encrypt_type.as_deref() == Some("aes");
    let incoming = if encrypted {
        decrypted(account, &query, &timestamp, &nonce, &body)?
    } else {
        parse_incoming(&body)
    }
    .map_err(|e| ApiError::InvalidField(format!("WeChat message: {e}")))?;
    let reply = match answer(&state, account, &incoming).await? {
        Some(xml) if encrypted => {
            let key = account.key().ok_or_else(no_key)?;
            let mut random = [0u8; 16];
            getrandom::fill(&mut random).map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
            let now = state.conversations.clock().now().timestamp();
            seal_reply(
                key,
                account.token(),
                &account.app_id,
                &xml,
                now,
                &nonce,
                random,
            )
        }
        Some(xml) => xml,
        None => "success".to_string(),
    };
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(reply))
}

fn no_key() -> ApiError {
    ApiError::Forbidden(
        "WeChat request refused: safe mode, but the account has no encoding_aes_key".into(),
    )
}

/// The message inside a safe-mode push: its `msg_signature` checked, then decrypted
/// with the account's key and AppID.
fn decrypted(
    account: &Account,
    query: &SignedQuery,
    timestamp: &Timestamp,
    nonce: &str,
    body: &[u8],
) -> Result<Result<Incoming, crate::wechat::ParseError>, ApiError> {
    let key = account.key().ok_or_else(no_key)?;
    let envelope =
        parse_envelope(body).map_err(|e| ApiError::InvalidField(format!("WeChat message: {e}")))?;
    let claimed = query.msg_signature.as_deref().unwrap_or_default();
    if !verify_msg(
        account.token(),
        timestamp.as_str(),
        nonce,
        &envelope.encrypt,
        claimed,
    ) {
        return Err(ApiError::Forbidden(
            "WeChat request refused: bad msg_signature".into(),
        ));
    }
    let xml = key
        .decrypt(&envelope.encrypt, &account.app_id)
        .map_err(|e| ApiError::Forbidden(format!("WeChat request refused: {e}")))?;
    Ok(parse_incoming(xml.as_bytes()))
}

/// The passive reply to a message (`None`: nothing to say).
async fn answer(
    state: &AppState,
    account: &Account,
    incoming: &Incoming,
) -> Result<Option<String>, ApiError> {
    let content = state.live.current();
    let settings = &content.catalog.locale(account.locale).templates.wechat;
    let reply = |text: &str| {
        Some(text_reply(
            &incoming.from_user,
            &incoming.to_user,
            incoming.create_time,
            text,
        ))
    };
    let (text, chosen, spoken) = match &incoming.kind {
        IncomingKind::Text { content, .. } => (Some(content.clone()), None, false),
        IncomingKind::Voice {
            recognition: Some(heard),
            ..
        } => (Some(heard.clone()), None, true),
        IncomingKind::Voice { .. } | IncomingKind::Other { .. } => {
            return Ok(reply(&settings.unsupported));
        }
        IncomingKind::Event(Event::Subscribe { .. }) => return Ok(reply(&settings.greeting)),
        IncomingKind::Event(Event::Click { event_key }) => match settings.menu.get(event_key) {
            Some(intent) => (None, Some(intent.clone()), false),
            None => return Ok(None),
        },
        IncomingKind::Event(_) => return Ok(None),
    };
    let text = text
        .map(MessageText::parse)
        .transpose()
        .map_err(|e| ApiError::InvalidField(e.to_string()))?;
    let day = state.conversations.clock().bank_today();
    let id = ConversationId::parse(&conversation_id(&account.name, &incoming.from_user, day))
        .map_err(|e| ApiError::InvalidField(format!("FromUserName: {e}")))?;
    let key = IdempotencyKey::parse(&dedupe_key(incoming))
        .map_err(|e| ApiError::InvalidField(e.to_string()))?;
    let request = TurnRequest {
        text,
        asr_confidence: None,
        dtmf: None,
        event: None,
        channel: Channel::Wechat,
        locale: account.locale,
        customer: Customer {
            id: Some(incoming.from_user.as_str().to_string()),
            segment: None,
        },
        chosen,
        spoken,
    };
    let conversations = state.conversations.clone();
    let turn =
        tokio::spawn(async move { conversations.take_turn_once(id, request, key, saved).await });
    let saved = match tokio::time::timeout(REPLY_WITHIN, turn).await {
        Ok(joined) => joined.map_err(|e| ApiError::Internal(e.into()))??.0,
        Err(_) => {
            tracing::warn!(
                account = account.name.as_str(),
                "WeChat turn slower than 4.5 s: answered `success`; WeChat's retry gets the reply"
            );
            return Ok(None);
        }
    };
    let saved: SavedAnswer =
        serde_json::from_str(&saved).map_err(|e| ApiError::Internal(e.into()))?;
    if saved.transfer && account.handoff == HandoffRoute::Wechat {
        return Ok(Some(transfer_customer_service_reply(
            &incoming.from_user,
            &incoming.to_user,
            incoming.create_time,
        )));
    }
    if saved.text.is_empty() {
        // With an agent at the desks: the agent answers through the message API.
        return Ok(None);
    }
    Ok(reply(&plain_text(&saved, &settings.choices_lead)))
}

/// A turn's answer as saved with it (a retry gets it again): the reply's words, the
/// choices offered, and whether the customer was handed off.
#[derive(Serialize, Deserialize)]
struct SavedAnswer {
    text: String,
    choices: Vec<String>,
    transfer: bool,
}

fn saved(outcome: &TurnOutcome) -> Result<String, serde_json::Error> {
    let reply = outcome.reply.as_ref();
    serde_json::to_string(&SavedAnswer {
        text: reply.map(|r| r.text.clone()).unwrap_or_default(),
        choices: reply.map(|r| r.quick_replies.clone()).unwrap_or_default(),
        transfer: matches!(outcome.next, NextAction::Transfer { .. }),
    })
}

/// The reply as WeChat shows it: plain text, the choices numbered after the content's
/// lead-in, within WeChat's 2048 bytes (cut at the last sentence that fits).
fn plain_text(answer: &SavedAnswer, choices_lead: &str) -> String {
    let mut text = answer.text.replace("**", "").replace('`', "");
    if !answer.choices.is_empty() {
        text.push_str("\n\n");
        text.push_str(choices_lead);
        for (n, choice) in answer.choices.iter().enumerate() {
            text.push_str(&format!("\n{}. {choice}", n + 1));
        }
    }
    shortened(text, MAX_REPLY_BYTES)
}

fn shortened(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let cut = head
        .rfind(['。', '!', '?', '\n', '.', '!', '?'])
        .map(|i| i + head[i..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(end);
    format!("{}…", &head[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_numbered_after_the_lead_in() {
        let answer = SavedAnswer {
            text: "请问您想了解哪一项?".into(),
            choices: vec!["信用卡激活".into(), "信用卡还款".into()],
            transfer: false,
        };
        assert_eq!(
            plain_text(&answer, "回复数字即可选择:"),
            "请问您想了解哪一项?\n\n回复数字即可选择:\n1. 信用卡激活\n2. 信用卡还款"
        );
    }

    #[test]
    fn a_long_reply_is_cut_at_a_sentence_within_the_limit() {
        let long = "第一句话说完了。".repeat(200);
        let short = shortened(long, 100);
        assert!(short.len() <= 100, "{}", short.len());
        assert!(short.ends_with("。…"), "{short}");
    }
}
