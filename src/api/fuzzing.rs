//! Entry points for the fuzz targets (`fuzz/`): the request decoding the handlers do,
//! without a server around it. Not part of the API.

use super::conversations::MessageRequest;
use super::handoffs::AckRequest;
use super::parse::ParseRequest;
use super::voice_form::VoiceForm;

/// Decodes `body` as every request body the API accepts, with the same checks as the
/// handlers; errors are expected, panics are bugs.
pub fn decode_request_bodies(body: &[u8]) {
    if let Ok(request) = serde_json::from_slice::<MessageRequest>(body) {
        let _ = request.check(None);
    }
    let _ = serde_json::from_slice::<ParseRequest>(body);
    let _ = serde_json::from_slice::<AckRequest>(body);
    if let Ok(form) = VoiceForm::parse(body) {
        let _ = form.conversation_id("call_id", "vxml");
        let _ = form.speech("utterance");
        let _ = form.keys("Digits");
    }
}
