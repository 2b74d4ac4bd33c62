//! `POST /v1/parse`: understanding one message, touching no conversation state.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState};
use crate::domain::{Channel, Expectation, Locale, MessageText};
use crate::nlu::{Emotion, Entity, RiskFlags, ScoredIntent, Utterance};
use crate::privacy::MaskedText;

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ParseRequest {
    text: MessageText,
    #[serde(default)]
    locale: Locale,
    /// `ivr` also hears how words sound (homophones from speech recognition).
    #[serde(default)]
    channel: Channel,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ParseResponse {
    /// The message as received, with personal data masked.
    text: MaskedText,
    locale: Locale,
    channel: Channel,
    intent: Option<ScoredIntent>,
    candidates: Vec<ScoredIntent>,
    entities: Vec<Entity>,
    emotion: Emotion,
    risk: RiskFlags,
    expectations: Vec<Expectation>,
}

pub async fn parse(
    state: web::Data<AppState>,
    request: web::Json<ParseRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = request.into_inner();
    let utterance = Utterance::new(request.text.as_str(), request.locale)
        .via(request.channel)
        .whole_only();
    let understood = state.live.current().understanding.understand(&utterance);
    let parsed = understood.whole;
    Ok(HttpResponse::Ok().json(ParseResponse {
        text: understood.text,
        locale: request.locale,
        channel: request.channel,
        intent: parsed.intent,
        candidates: parsed.candidates,
        entities: parsed.entities,
        emotion: parsed.emotion,
        risk: parsed.risk,
        expectations: parsed.expectations,
    }))
}
