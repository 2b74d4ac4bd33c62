//! The live chat over HTTP: desks claim a handoff, write and type to the customer, release
//! the conversation and read suggested replies; the customer rates the agent. Requests
//! become checked domain types here (agent ids and names, message text, outcome, score);
//! the turn service decides and saves.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::conversations::{check_token, conversation_id, idempotency_header};
use super::{ApiError, AppState};
use crate::conversations::AgentMessage;
use crate::dialogue::ReleaseOutcome;
use crate::domain::{AgentId, AgentRef, HandoffId, MessageText};
use crate::privacy::MaskedText;
use crate::reply::SuggestionStep;

/// The longest note an agent leaves at a release, and the longest rating comment, in
/// characters.
pub const MAX_NOTE_CHARS: usize = 500;

fn handoff_id(raw: &str) -> Result<HandoffId, ApiError> {
    HandoffId::parse(raw).ok_or_else(|| ApiError::NotFound(format!("no handoff {raw}")))
}

/// At most [`MAX_NOTE_CHARS`] characters; blank is none.
fn note(field: &str, text: Option<String>) -> Result<Option<String>, ApiError> {
    let text = text.filter(|t| !t.trim().is_empty());
    if let Some(t) = &text
        && t.chars().count() > MAX_NOTE_CHARS
    {
        return Err(ApiError::InvalidField(format!(
            "{field}: at most {MAX_NOTE_CHARS} characters"
        )));
    }
    Ok(text)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The agent who takes the customer: a desk id and the name the customer sees.
    agent: AgentRef,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ClaimResponse {
    handoff_id: String,
    conversation_id: String,
    /// Always `with_agent`.
    state: &'static str,
    agent: AgentRef,
    since: DateTime<Utc>,
}

/// `POST /v1/handoffs/{id}/claim`.
pub async fn claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: web::Json<ClaimRequest>,
) -> Result<HttpResponse, ApiError> {
    let handoff = handoff_id(&path)?;
    let agent = request.into_inner().agent;
    let claim = state.conversations.claim(&handoff, agent).await?;
    Ok(HttpResponse::Ok().json(ClaimResponse {
        handoff_id: claim.handoff_id.as_str().to_string(),
        conversation_id: claim.conversation_id.as_str().to_string(),
        state: "with_agent",
        agent: claim.agent,
        since: claim.since,
    }))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentMessageRequest {
    /// What the agent writes (masked before it is stored or sent).
    text: MessageText,
    agent_id: AgentId,
}

/// `POST /v1/conversations/{id}/agent-messages` (at most once per `Idempotency-Key`).
pub async fn agent_message(
    state: web::Data<AppState>,
    path: web::Path<String>,
    http: HttpRequest,
    request: web::Json<AgentMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    let key = idempotency_header(&http)?;
    let request = request.into_inner();
    let saved: AgentMessage = state
        .conversations
        .agent_message(&id, &request.agent_id, &request.text, key.as_ref())
        .await?;
    to_wechat(&state, &id, &saved).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// A desk agent's message to a customer who came through a WeChat Official Account whose
/// handoffs go to the desks: sent through WeChat's customer-service message API (masked,
/// like everything shown).
async fn to_wechat(
    state: &AppState,
    id: &crate::domain::ConversationId,
    saved: &AgentMessage,
) -> Result<(), ApiError> {
    let Some((name, openid)) = crate::wechat::follower_of(id.as_str()) else {
        return Ok(());
    };
    let Some(account) = state
        .wechat
        .get(name)
        .filter(|a| a.handoff == crate::wechat::HandoffRoute::Desks)
    else {
        return Ok(());
    };
    state
        .wechat
        .service
        .send_text(account, openid, saved.text.as_str())
        .await
        .map_err(|e| {
            tracing::error!(account = name, error = %e, "agent message not delivered to WeChat");
            ApiError::WechatUndelivered(format!(
                "the message is saved in the conversation, but WeChat did not take it: {e}"
            ))
        })
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TypingRequest {
    agent_id: AgentId,
}

/// `POST /v1/conversations/{id}/agent-typing`.
pub async fn agent_typing(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: web::Json<TypingRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    state
        .conversations
        .agent_typing(&id, &request.agent_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    outcome: ReleaseOutcome,
    /// The agent's note for the record (masked), at most 500 characters.
    #[schemars(length(max = 500))]
    note: Option<String>,
    agent_id: AgentId,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ReleaseResponse {
    conversation_id: String,
    /// `closed` (resolved) or `active` (back with the bot).
    state: &'static str,
}

/// `POST /v1/handoffs/{id}/release`.
pub async fn release(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: web::Json<ReleaseRequest>,
) -> Result<HttpResponse, ApiError> {
    let handoff = handoff_id(&path)?;
    let request = request.into_inner();
    let note = note("note", request.note)?;
    let released = state
        .conversations
        .release(
            &handoff,
            &request.agent_id,
            request.outcome,
            note.as_deref(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(ReleaseResponse {
        conversation_id: released.conversation_id.as_str().to_string(),
        state: released.state,
    }))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    #[schemars(range(min = 1, max = 5))]
    score: i64,
    /// At most 500 characters, masked before it is kept.
    #[schemars(length(max = 500))]
    comment: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct RatingResponse {
    score: u8,
    comment: Option<MaskedText>,
}

/// `POST /v1/conversations/{id}/rating`.
pub async fn rate(
    state: web::Data<AppState>,
    path: web::Path<String>,
    http: HttpRequest,
    request: web::Json<RatingRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    let request = request.into_inner();
    let score = u8::try_from(request.score)
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| ApiError::InvalidField("score: 1 to 5".into()))?;
    let comment = note("comment", request.comment)?;
    check_token(&state, &http, &id).await?;
    let rating = state
        .conversations
        .rate(&id, score, comment.as_deref())
        .await?;
    Ok(HttpResponse::Created().json(RatingResponse {
        score: rating.score,
        comment: rating.comment,
    }))
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct SuggestionView {
    step: SuggestionStep,
    text: MaskedText,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct SuggestionsResponse {
    /// soothe, restate, guide, commit (a step the intent has no words for is left out).
    suggestions: Vec<SuggestionView>,
}

/// `GET /v1/handoffs/{id}/suggestions`.
pub async fn suggestions(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let handoff = handoff_id(&path)?;
    let suggestions = state.conversations.suggestions(&handoff).await?;
    Ok(HttpResponse::Ok().json(SuggestionsResponse {
        suggestions: suggestions
            .into_iter()
            .map(|s| SuggestionView {
                step: s.step,
                text: s.text,
            })
            .collect(),
    }))
}
