//! `POST /v1/parse`: understanding one message, touching no conversation state.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState};
use crate::domain::{Channel, Expectation, FaqId, Locale, MessageText};
use crate::nlu::{Emotion, Entity, FaqReading, RiskFlags, ScoredFaq, ScoredIntent, Utterance};
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
    /// The knowledge base's FAQ entry that answers the message, when one does clearly
    /// (a conversation answers with it when no complaint or request claims the message).
    faq: Option<ScoredFaq>,
    /// When two or three entries are too close to tell apart: the ones a conversation
    /// would offer as choices (then `faq` is null).
    faq_choices: Vec<FaqId>,
    /// The nearest FAQ entries, best first (at most 3), whether or not they answer.
    faq_candidates: Vec<ScoredFaq>,
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
    let (faq, faq_choices) = match parsed.faq {
        FaqReading::Nothing => (None, Vec::new()),
        FaqReading::Answer(entry) => (Some(entry), Vec::new()),
        FaqReading::Choices(entries) => (None, entries.into_iter().map(|e| e.id).collect()),
    };
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
        faq,
        faq_choices,
        faq_candidates: parsed.faq_candidates,
    }))
}
