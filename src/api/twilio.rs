//! `POST /v1/ivr/twilio`: a Twilio-compatible voice webhook. Form fields in (`CallSid`,
//! `SpeechResult`, `Confidence`, `Digits`), TwiML out (`<Gather>` with `<Say>`,
//! `<Enqueue>` on a handoff, `<Hangup/>` after goodbye). Every request must carry a valid
//! `X-Twilio-Signature`; without a configured auth token every request is refused.

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::voice_form::{VoiceForm, locale_of, phone_turn};
use super::{ApiError, AppState};
use crate::conversations::NextAction;
use crate::reply::ssml::escape;

/// The signature of a request, as Twilio computes it: HMAC-SHA1 with the auth token over
/// the full URL followed by every POST parameter's name and value, sorted by name;
/// Base64-encoded.
pub fn twilio_signature(url: &str, params: &[(String, String)], auth_token: &str) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac =
        Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Constant-time comparison of the expected and the received signature.
fn signature_matches(expected: &str, received: &str) -> bool {
    let (a, b) = (expected.as_bytes(), received.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The URL Twilio signed: the configured public base URL with the request's path, or the
/// request as it arrived.
fn signed_url(request: &HttpRequest, public_url: Option<&str>) -> String {
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    match public_url {
        Some(base) => format!("{base}{path}"),
        None => {
            let info = request.connection_info();
            format!("{}://{}{path}", info.scheme(), info.host())
        }
    }
}

pub async fn webhook(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = state.twilio_auth_token.as_deref() else {
        return Err(ApiError::Forbidden(
            "the Twilio webhook is disabled: no auth token is configured".into(),
        ));
    };
    let form = VoiceForm::parse(&body)?;
    let received = request
        .headers()
        .get("X-Twilio-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let expected = twilio_signature(
        &signed_url(&request, state.public_url.as_deref()),
        form.params(),
        token,
    );
    if !signature_matches(&expected, received) {
        return Err(ApiError::Forbidden(
            "bad or missing X-Twilio-Signature".into(),
        ));
    }
    let id = form.conversation_id("CallSid", "twilio")?;
    let turn = phone_turn(
        form.speech("SpeechResult")?,
        form.keys("Digits")?,
        None,
        form.get("Confidence").and_then(|c| c.parse().ok()),
        locale_of(&request),
    );
    let outcome = state.conversations.take_turn(id, turn).await?;
    let conversation = &outcome.conversation;
    let lang = conversation.locale.as_str();
    let say = format!(
        "<Say language=\"{lang}\">{}</Say>",
        escape(&outcome.said().text)
    );
    let here = escape(request.uri().path_and_query().map_or("/", |p| p.as_str()));
    let verbs = match &outcome.next {
        NextAction::Transfer { queue, handoff, .. } => format!(
            "{say}<Enqueue>{}</Enqueue><!-- handoff {} -->",
            escape(queue),
            handoff.as_str()
        ),
        NextAction::Hangup => format!("{say}<Hangup/>"),
        NextAction::Listen => format!(
            "<Gather input=\"speech dtmf\" language=\"{lang}\" action=\"{here}\" method=\"POST\" speechTimeout=\"auto\">{say}</Gather><Redirect method=\"POST\">{here}</Redirect>"
        ),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>{verbs}</Response>"
        )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_twilios_published_example() {
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            twilio_signature(
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &params,
                "12345"
            ),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }

    #[test]
    fn signatures_of_different_lengths_or_bytes_do_not_match() {
        assert!(signature_matches("abc=", "abc="));
        assert!(!signature_matches("abc=", "abd="));
        assert!(!signature_matches("abc=", "abc"));
    }
}
