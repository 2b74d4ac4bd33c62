//! `POST /v1/ivr/vxml`: VoiceXML 2.1 for IVR platforms that run VoiceXML. Each document
//! plays the reply, collects the caller's next utterance or keypress, and submits it back
//! here (`call_id`, `utterance`, `utterance$.confidence`, `utterance$.inputmode`, `event`);
//! on a handoff it `<transfer>`s the call to the content's destination, passing the
//! handoff id as `aai`; after goodbye it `<disconnect/>`s. The documents validate against
//! the W3C VoiceXML 2.1 schema (tests run `xmllint --schema`).

use actix_web::{HttpRequest, HttpResponse, web};

use super::voice_form::{VoiceForm, locale_of, phone_turn};
use super::{ApiError, AppState};
use crate::conversations::NextAction;
use crate::dialogue::IvrEvent;
use crate::reply::ssml::escape;

/// Where the documents submit to.
const PATH: &str = "/v1/ivr/vxml";

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
    let form = VoiceForm::parse(&body)?;
    let id = form.conversation_id("call_id", "vxml")?;
    let event = match form.get("event") {
        Some("no_input") => Some(IvrEvent::NoInput),
        Some("no_match") => Some(IvrEvent::NoMatch),
        Some(other) => {
            return Err(ApiError::InvalidField(format!(
                "event `{other}`: use no_input or no_match"
            )));
        }
        None => None,
    };
    let (text, dtmf) = if form.get("utterance$.inputmode") == Some("dtmf") {
        (None, form.keys("utterance")?)
    } else {
        (form.speech("utterance")?, None)
    };
    let turn = phone_turn(
        text,
        dtmf,
        event,
        form.get("utterance$.confidence")
            .and_then(|c| c.parse().ok()),
        locale_of(&request),
    );
    let outcome = state.conversations.take_turn(id, turn).await?;
    let conversation = &outcome.conversation;
    let lang = conversation.locale.as_str();
    let barge_in = outcome.said().barge_in.unwrap_or(true);
    let spoken = prompt(&outcome.said().text, barge_in);
    let here = escape(&format!("{PATH}?locale={lang}"));
    let call_var = format!(
        "<var name=\"call_id\" expr=\"'{}'\"/>",
        escape(form.get("call_id").unwrap_or_default()).replace('\'', "")
    );
    let form = match &outcome.next {
        NextAction::Transfer {
            destination,
            handoff,
            ..
        } => format!(
            "<form id=\"transfer\"><transfer name=\"agent\" dest=\"{}\" bridge=\"false\" aai=\"{}\">{spoken}</transfer></form>",
            escape(destination),
            handoff.as_str()
        ),
        NextAction::Hangup => {
            format!("<form id=\"goodbye\"><block>{spoken}<disconnect/></block></form>")
        }
        NextAction::Listen => {
            let submit = |names: &str| {
                format!("<submit next=\"{here}\" method=\"post\" namelist=\"{names}\"/>")
            };
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
        }
    };
    Ok(HttpResponse::Ok().content_type("application/voicexml+xml; charset=utf-8").body(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><vxml version=\"2.1\" xmlns=\"http://www.w3.org/2001/vxml\" xml:lang=\"{lang}\">{form}</vxml>"
    )))
}
