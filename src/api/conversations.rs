//! `POST /v1/conversations/{id}/messages` and `GET /v1/conversations/{id}`: a turn of a
//! conversation (at most once per `Idempotency-Key`), and the conversation as stored
//! (masked).

use std::collections::BTreeMap;

use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::guard::Caller;
use super::{ApiError, AppState};
use crate::conversations::{NextAction, TurnOutcome};
use crate::dialogue::{Conversation, DemandStatus, HandoffSummary, IvrEvent, TurnRequest};
use crate::domain::{
    Channel, ConversationId, Customer, Dtmf, IdempotencyKey, IdempotencyKeyError, IntentId, Locale,
    MessageText, dtmf_pattern,
};
use crate::nlu::{Emotion, ScoredIntent};
use crate::privacy::MaskedText;
use crate::reply::Reply;
use crate::store::{Store, TranscriptLine};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    text: Option<MessageText>,
    #[serde(default)]
    channel: Channel,
    #[serde(default)]
    locale: Locale,
    #[serde(default)]
    customer: Customer,
    #[schemars(range(min = 0.0, max = 1.0))]
    asr_confidence: Option<f32>,
    #[schemars(regex(pattern = dtmf_pattern()))]
    dtmf: Option<String>,
    event: Option<EventField>,
    /// The message's idempotency key, as an alternative to the `Idempotency-Key` header.
    #[schemars(with = "Option<IdempotencyKey>")]
    message_id: Option<String>,
}

/// The header a client names a message with, so that sending it again is safe.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Why a message's idempotency key was refused.
#[derive(Debug, thiserror::Error)]
pub enum MessageKeyError {
    #[error("{IDEMPOTENCY_KEY} header: {0}")]
    Header(IdempotencyKeyError),
    #[error("message_id: {0}")]
    Body(IdempotencyKeyError),
    #[error("more than one {IDEMPOTENCY_KEY} header")]
    SeveralHeaders,
    #[error(
        "the {IDEMPOTENCY_KEY} header and message_id differ; send the key once, or the same in both"
    )]
    Differ,
}

/// A message as the turn service takes it: the turn, and the client's key for it.
pub(super) struct Message {
    turn: TurnRequest,
    key: Option<IdempotencyKey>,
}

/// The header (or, for `EventSource`, the `token` query parameter) a public caller shows
/// its conversation's token in.
pub const CONVERSATION_TOKEN: &str = "X-Conversation-Token";

/// The conversation token the request shows, if any.
pub(super) fn presented_token(request: &HttpRequest) -> Option<String> {
    if let Some(value) = request.headers().get(CONVERSATION_TOKEN) {
        return value.to_str().ok().map(str::to_string);
    }
    serde_urlencoded::from_str::<Vec<(String, String)>>(request.query_string())
        .ok()?
        .into_iter()
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value)
}

/// The refusal of a public caller without the right token: the same whether or not the
/// conversation exists, so it tells nothing.
fn token_refused() -> ApiError {
    ApiError::Forbidden(format!(
        "this conversation needs its conversation token ({CONVERSATION_TOKEN})"
    ))
}

/// A public caller must show the conversation's token; server-side keys need none.
pub(super) async fn check_token(
    state: &AppState,
    request: &HttpRequest,
    id: &ConversationId,
) -> Result<(), ApiError> {
    if Caller::of(request) == Caller::Trusted {
        return Ok(());
    }
    let token = presented_token(request);
    if state
        .conversations
        .token_matches(id, token.as_deref())
        .await?
    {
        Ok(())
    } else {
        Err(token_refused())
    }
}

/// The `Idempotency-Key` header, if the request has one.
pub(super) fn idempotency_header(
    request: &HttpRequest,
) -> Result<Option<IdempotencyKey>, MessageKeyError> {
    let mut values = request.headers().get_all(IDEMPOTENCY_KEY);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(MessageKeyError::SeveralHeaders);
    }
    let value = value
        .to_str()
        .map_err(|_| MessageKeyError::Header(IdempotencyKeyError::NotPrintable))?;
    IdempotencyKey::parse(value)
        .map(Some)
        .map_err(MessageKeyError::Header)
}

/// `event` as IVR platforms send it.
#[derive(Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum EventField {
    NoInput,
    NoMatch,
}

impl MessageRequest {
    /// The request as the turn service takes it, with the key from `header` (the
    /// `Idempotency-Key` header) or `message_id`.
    pub(super) fn check(self, header: Option<IdempotencyKey>) -> Result<Message, ApiError> {
        let body = self
            .message_id
            .as_deref()
            .map(IdempotencyKey::parse)
            .transpose()
            .map_err(MessageKeyError::Body)?;
        let key = match (header, body) {
            (Some(header), Some(body)) if header != body => Err(MessageKeyError::Differ)?,
            (header, body) => header.or(body),
        };
        if let Some(c) = self.asr_confidence
            && !(0.0..=1.0).contains(&c)
        {
            return Err(ApiError::InvalidField(format!(
                "asr_confidence must be between 0 and 1, got {c}"
            )));
        }
        let dtmf = self
            .dtmf
            .as_deref()
            .map(Dtmf::parse)
            .transpose()
            .map_err(|e| ApiError::InvalidField(e.to_string()))?;
        if self.text.is_none() && dtmf.is_none() && self.event.is_none() {
            return Err(ApiError::InvalidField(
                "text is required unless dtmf or event is given".into(),
            ));
        }
        let turn = TurnRequest {
            text: self.text,
            dtmf,
            asr_confidence: self.asr_confidence,
            event: self.event.map(|e| match e {
                EventField::NoInput => IvrEvent::NoInput,
                EventField::NoMatch => IvrEvent::NoMatch,
            }),
            channel: self.channel,
            locale: self.locale,
            customer: self.customer,
            chosen: None,
            spoken: false,
        };
        Ok(Message { turn, key })
    }
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct DemandView<'a> {
    intent: &'a IntentId,
    status: DemandStatus,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct HandoffView {
    id: String,
    reason: String,
    priority: String,
    #[schemars(with = "Value")]
    summary: HandoffSummary,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct TurnResponse<'a> {
    conversation_id: &'a str,
    turn: u32,
    /// `null` while an agent has the customer: the agent answers, on the event stream.
    reply: Option<&'a Reply>,
    intent: Option<ScoredIntent>,
    emotion: Emotion,
    slots: BTreeMap<String, MaskedText>,
    demands: Vec<DemandView<'a>>,
    handoff: Option<HandoffView>,
    /// `active`, `handed_off`, `with_agent` or `closed`.
    state: &'static str,
    /// What an IVR platform should do after playing the reply (phone channel only).
    #[serde(skip_serializing_if = "Option::is_none")]
    actions: Option<Vec<Action>>,
}

/// An instruction to an IVR platform.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum Action {
    /// Transfer the call to the agents' queue, passing the handoff id.
    Transfer { queue: String, handoff_id: String },
    /// The conversation is over.
    Hangup,
}

impl Action {
    /// The turn's next action as IVR platforms read it: listening needs no instruction.
    fn of(next: &NextAction) -> Option<Action> {
        match next {
            NextAction::Transfer { queue, handoff, .. } => Some(Action::Transfer {
                queue: queue.clone(),
                handoff_id: handoff.as_str().to_string(),
            }),
            NextAction::Hangup => Some(Action::Hangup),
            NextAction::Listen => None,
        }
    }
}

fn slots_of(conversation: &Conversation) -> BTreeMap<String, MaskedText> {
    conversation
        .ledger
        .all_slots()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.value))
        .collect()
}

fn demands_of(conversation: &Conversation) -> Vec<DemandView<'_>> {
    conversation
        .ledger
        .all()
        .iter()
        .map(|d| DemandView {
            intent: &d.intent,
            status: d.status,
        })
        .collect()
}

pub(super) fn conversation_id(raw: &str) -> Result<ConversationId, ApiError> {
    ConversationId::parse(raw).map_err(|e| ApiError::InvalidConversationId(e.to_string()))
}

/// `POST /v1/conversations/{id}/messages`. A message with an idempotency key is taken at
/// most once: a retry gets the first answer, byte for byte.
pub async fn post_message(
    state: web::Data<AppState>,
    path: web::Path<String>,
    http: HttpRequest,
    request: web::Json<MessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    let header = idempotency_header(&http)?;
    let Message { turn, key } = request.into_inner().check(header)?;
    // A public caller starts a conversation freely, but continues only its own.
    if Caller::of(&http) == Caller::Public
        && !state
            .conversations
            .token_matches(&id, presented_token(&http).as_deref())
            .await?
        && state.store.conversation(&id).await?.is_some()
    {
        return Err(token_refused());
    }
    let (body, token) = match key {
        Some(key) => {
            state
                .conversations
                .take_turn_once(id, turn, key, answer)
                .await?
        }
        None => {
            let outcome = state.conversations.take_turn(id, turn).await?;
            let body = answer(&outcome).map_err(|e| ApiError::Internal(e.into()))?;
            (body, outcome.conversation_token)
        }
    };
    let body = match token {
        Some(token) => with_token(&body, token.as_str())?,
        None => body,
    };
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
}

/// The answer of the turn that started the conversation, with its token: the only time
/// the client sees it (it is not part of the saved answer a retry gets).
fn with_token(body: &str, token: &str) -> Result<String, ApiError> {
    let mut value: Value = serde_json::from_str(body).map_err(|e| ApiError::Internal(e.into()))?;
    if let Some(object) = value.as_object_mut() {
        object.insert("conversation_token".into(), Value::String(token.into()));
    }
    serde_json::to_string(&value).map_err(|e| ApiError::Internal(e.into()))
}

/// A turn's answer: the `TurnResponse` as JSON. Every text in it is masked (reply, slots,
/// handoff summary), so it may be kept as the message's receipt.
fn answer(outcome: &TurnOutcome) -> Result<String, serde_json::Error> {
    let TurnOutcome {
        conversation,
        reply,
        intent,
        emotion,
        handoff,
        next,
        conversation_token: _,
    } = outcome;
    let actions =
        (conversation.channel == Channel::Ivr).then(|| Action::of(next).into_iter().collect());
    let handoff = handoff.as_ref().map(|(handoff, summary)| HandoffView {
        id: handoff.id.as_str().to_string(),
        reason: handoff.reason.as_str().to_string(),
        priority: handoff.priority.as_str().to_string(),
        summary: summary.clone(),
    });
    serde_json::to_string(&TurnResponse {
        conversation_id: conversation.id.as_str(),
        turn: conversation.turn,
        reply: reply.as_ref(),
        intent: intent.clone(),
        emotion: *emotion,
        slots: slots_of(conversation),
        demands: demands_of(conversation),
        handoff,
        state: conversation.state.as_str(),
        actions,
    })
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ConversationResponse<'a> {
    conversation_id: &'a str,
    channel: Channel,
    locale: Locale,
    customer: &'a Customer,
    turn: u32,
    state: &'static str,
    transcript: &'a [TranscriptLine],
    slots: BTreeMap<String, MaskedText>,
    demands: Vec<DemandView<'a>>,
    handoff: Option<HandoffView>,
}

pub async fn get_conversation(
    state: web::Data<AppState>,
    path: web::Path<String>,
    http: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    check_token(&state, &http, &id).await?;
    let Some(view) = state.conversations.view(&id).await? else {
        return Err(ApiError::NotFound(format!(
            "no conversation `{}`",
            id.as_str()
        )));
    };
    let conversation = &view.conversation;
    Ok(HttpResponse::Ok().json(ConversationResponse {
        conversation_id: conversation.id.as_str(),
        channel: conversation.channel,
        locale: conversation.locale,
        customer: &conversation.customer,
        turn: conversation.turn,
        state: conversation.state.as_str(),
        transcript: &view.transcript,
        slots: slots_of(conversation),
        demands: demands_of(conversation),
        handoff: view.handoff.map(|h| HandoffView {
            id: h.id.as_str().to_string(),
            reason: h.reason.as_str().to_string(),
            priority: h.priority.as_str().to_string(),
            summary: h.summary,
        }),
    }))
}
