//! `POST /v1/ivr/vxml`: VoiceXML 2.1 for IVR platforms that run VoiceXML. Each document
//! plays the reply, collects the caller's next utterance or keypress, and submits it back
//! here (`call_id`, `utterance`, `utterance$.confidence`, `utterance$.inputmode`, `event`);
//! on a handoff it `<transfer>`s the call to the content's destination, passing the
//! handoff id as `aai`; after goodbye it `<disconnect/>`s. The documents validate against
//! the W3C VoiceXML 2.1 schema (tests run `xmllint --schema`).

use actix_web::{HttpRequest, HttpResponse, web};

use super::{ApiError, AppState};
use crate::conversations::{IvrEvent, TurnRequest};
use crate::dialogue::ConversationState;
use crate::domain::{Channel, ConversationId, Customer, Locale, MessageText};
use crate::reply::ssml::escape;

/// Where the documents submit to.
const PATH: &str = "/v1/ivr/vxml";

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The reply as a prompt: its paragraphs with a pause between them.
fn prompt(text: &str, barge_in: bool) -> String {
    let spoken: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(escape)
        .collect();
    format!(
        "<prompt bargein=\"{barge_in}\">{}</prompt>",
        spoken.join("<break time=\"400ms\"/>")
    )
}

pub async fn webhook(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| ApiError::InvalidField(format!("form body: {e}")))?;
    let call = param(&params, "call_id")
        .ok_or_else(|| ApiError::InvalidField("call_id is required".into()))?;
    let id = ConversationId::parse(&format!("vxml-{call}"))
        .map_err(|e| ApiError::InvalidConversationId(e.to_string()))?;
    let locale: Locale = web::Query::<Vec<(String, String)>>::from_query(request.query_string())
        .ok()
        .and_then(|q| {
            q.iter()
                .find(|(k, _)| k == "locale")
                .and_then(|(_, v)| v.parse().ok())
        })
        .unwrap_or_default();
    let event = match param(&params, "event") {
        Some("no_input") => Some(IvrEvent::NoInput),
        Some("no_match") => Some(IvrEvent::NoMatch),
        Some(other) => {
            return Err(ApiError::InvalidField(format!(
                "event `{other}`: use no_input or no_match"
            )));
        }
        None => None,
    };
    let utterance = param(&params, "utterance");
    let keyed = param(&params, "utterance$.inputmode") == Some("dtmf");
    let (text, dtmf) = match (utterance, keyed) {
        (Some(keys), true) => (None, Some(keys.to_string())),
        (Some(said), false) => (
            Some(
                MessageText::parse(said.to_string())
                    .map_err(|e| ApiError::InvalidField(format!("utterance: {e}")))?,
            ),
            None,
        ),
        (None, _) => (None, None),
    };
    let event = event.or_else(|| (text.is_none() && dtmf.is_none()).then_some(IvrEvent::NoInput));
    let outcome = state
        .conversations
        .take_turn(
            id,
            TurnRequest {
                text,
                asr_confidence: param(&params, "utterance$.confidence")
                    .and_then(|c| c.parse().ok()),
                dtmf,
                event,
                channel: Channel::Ivr,
                locale,
                customer: Customer::default(),
            },
        )
        .await?;
    let conversation = &outcome.conversation;
    let lang = conversation.locale.as_str();
    let barge_in = outcome.reply.barge_in.unwrap_or(true);
    let spoken = prompt(&outcome.reply.text, barge_in);
    let here = escape(&format!("{PATH}?locale={lang}"));
    let call_var = format!(
        "<var name=\"call_id\" expr=\"'{}'\"/>",
        escape(call).replace('\'', "")
    );
    let form = if let Some((handoff, _)) = &outcome.handoff {
        let destination = &state
            .conversations
            .ivr(conversation.locale)
            .transfer_destination;
        format!(
            "<form id=\"transfer\"><transfer name=\"agent\" dest=\"{}\" bridge=\"false\" aai=\"{}\">{spoken}</transfer></form>",
            escape(destination),
            handoff.id.as_str()
        )
    } else if conversation.state == ConversationState::Closed {
        format!("<form id=\"goodbye\"><block>{spoken}<disconnect/></block></form>")
    } else {
        let submit =
            |names: &str| format!("<submit next=\"{here}\" method=\"post\" namelist=\"{names}\"/>");
        format!(
            "<form id=\"turn\">{call_var}<var name=\"event\" expr=\"''\"/><field name=\"utterance\">\
             <grammar type=\"application/srgs+xml\" src=\"builtin:grammar/text\"/>\
             <grammar mode=\"dtmf\" type=\"application/srgs+xml\" src=\"builtin:dtmf/digits\"/>{spoken}\
             <noinput><assign name=\"event\" expr=\"'no_input'\"/>{}</noinput>\
             <nomatch><assign name=\"event\" expr=\"'no_match'\"/>{}</nomatch>\
             <filled>{}</filled></field></form>",
            submit("call_id event"),
            submit("call_id event"),
            submit("call_id utterance utterance$.confidence utterance$.inputmode"),
        )
    };
    Ok(HttpResponse::Ok().content_type("application/voicexml+xml; charset=utf-8").body(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><vxml version=\"2.1\" xmlns=\"http://www.w3.org/2001/vxml\" xml:lang=\"{lang}\">{form}</vxml>"
    )))
}
