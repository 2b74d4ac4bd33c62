//! Commitments for desks and the bank's systems: `GET /v1/commitments` (by status, due
//! window, conversation or customer; paged, soonest due first), `GET /v1/commitments/{id}`,
//! `POST /v1/commitments` (an agent's own promise), and `POST /v1/commitments/{id}/fulfil`
//! or `/cancel`. Settling is idempotent: the same call again answers the same.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::paging::{Paging, status_filter};
use super::query::parse_query;
use super::{ApiError, AppState};
use crate::content::Commitment;
use crate::conversations::{AgentPromise, Settle};
use crate::domain::{CommitmentId, CommitmentStatus, ConversationId, IntentId};
use crate::handoff::CommitmentDocument;
use crate::privacy::mask;
use crate::store::{CommitmentQuery, CommitmentStore};

/// Longest agent or system name recorded as who made or fulfilled a promise.
const MAX_ACTOR_CHARS: usize = 100;
/// Longest promise text or cancellation reason.
const MAX_TEXT_CHARS: usize = 500;
/// Longest promise an agent may make through the API, in working days or hours.
const MAX_WORKING_DAYS: u32 = 60;
const MAX_HOURS: u32 = 24 * 30;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ListParams {
    /// `open`, `fulfilled`, `overdue`, `cancelled` or `all` (default).
    #[schemars(extend("enum" = ["open", "fulfilled", "overdue", "cancelled", "all"]))]
    status: Option<String>,
    /// Due at or after: an RFC 3339 time or a bank date (`YYYY-MM-DD`, its start).
    due_after: Option<String>,
    /// Due before: an RFC 3339 time or a bank date (`YYYY-MM-DD`, its start).
    due_before: Option<String>,
    conversation_id: Option<String>,
    /// The bank's customer id.
    customer_id: Option<String>,
    #[schemars(range(min = 1))]
    page: Option<u32>,
    #[schemars(range(min = 1, max = 200))]
    per_page: Option<u32>,
}

/// A time or a bank date (its midnight, bank time) from a query.
fn instant(state: &AppState, name: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        ApiError::InvalidField(format!(
            "{name} `{text}`: expected an RFC 3339 time or a date (YYYY-MM-DD)"
        ))
    })?;
    let zone = state.conversations.clock().zone();
    Ok(crate::dialogue::end_of_day(
        zone,
        day.pred_opt().unwrap_or(day),
    ))
}

impl ListParams {
    fn check(self, state: &AppState) -> Result<CommitmentQuery, ApiError> {
        let status = status_filter::<CommitmentStatus>(
            self.status.as_deref(),
            "open, fulfilled, overdue, cancelled",
        )?;
        let paging = Paging::check(self.page, self.per_page)?;
        let conversation = self
            .conversation_id
            .as_deref()
            .map(ConversationId::parse)
            .transpose()
            .map_err(|e| ApiError::InvalidConversationId(e.to_string()))?;
        Ok(CommitmentQuery {
            status,
            due_from: self
                .due_after
                .as_deref()
                .map(|t| instant(state, "due_after", t))
                .transpose()?,
            due_to: self
                .due_before
                .as_deref()
                .map(|t| instant(state, "due_before", t))
                .transpose()?,
            conversation,
            // Stored masked, like every customer id.
            customer: self.customer_id.map(|c| mask(&c).into_string()),
            page: paging.page,
            per_page: paging.per_page,
        })
    }
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct CommitmentPage {
    commitments: Vec<CommitmentDocument>,
    page: u32,
    per_page: u32,
    next_page: Option<u32>,
}

pub async fn list(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = parse_query::<ListParams>(&request)?.check(&state)?;
    let mut rows = state.store.commitments(&query).await?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    };
    let next_page = paging.finish(&mut rows);
    Ok(HttpResponse::Ok().json(CommitmentPage {
        commitments: rows.iter().map(CommitmentDocument::from).collect(),
        page: query.page,
        per_page: query.per_page,
        next_page,
    }))
}

fn commitment_id(raw: &str) -> Result<CommitmentId, ApiError> {
    CommitmentId::parse(raw).ok_or_else(|| ApiError::NotFound(format!("no commitment {raw}")))
}

pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = commitment_id(&path)?;
    let commitment = state
        .store
        .commitment(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no commitment {id}")))?;
    Ok(HttpResponse::Ok().json(CommitmentDocument::from(&commitment)))
}

/// A checked actor name (who made or fulfilled a promise).
fn actor(name: &str, value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_ACTOR_CHARS {
        return Err(ApiError::InvalidField(format!(
            "{name}: 1 to {MAX_ACTOR_CHARS} characters"
        )));
    }
    Ok(mask(value).into_string())
}

/// A checked free text (masked).
fn text(name: &str, value: &str) -> Result<crate::privacy::MaskedText, ApiError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::InvalidField(format!(
            "{name}: 1 to {MAX_TEXT_CHARS} characters"
        )));
    }
    Ok(mask(value))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilRequest {
    /// Who says it was done: the bank's system or an agent [default: `api`].
    #[schemars(length(min = 1, max = 100))]
    by: Option<String>,
}

/// The body is optional: the bank's system may post nothing at all.
pub async fn fulfil(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request: FulfilRequest = if body.iter().all(u8::is_ascii_whitespace) {
        FulfilRequest { by: None }
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::MalformedJson(e.to_string()))?
    };
    let by = match request.by.as_deref() {
        Some(by) => actor("by", by)?,
        None => "api".to_string(),
    };
    let id = commitment_id(&path)?;
    let commitment = state
        .conversations
        .settle_commitment(&id, Settle::Fulfil { by })
        .await?;
    Ok(HttpResponse::Ok().json(CommitmentDocument::from(&commitment)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why the promise is withdrawn (masked before it is stored).
    #[schemars(length(min = 1, max = 500))]
    reason: String,
}

pub async fn cancel(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: web::Json<CancelRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = text("reason", &request.reason)?;
    let id = commitment_id(&path)?;
    let commitment = state
        .conversations
        .settle_commitment(&id, Settle::Cancel { reason })
        .await?;
    Ok(HttpResponse::Ok().json(CommitmentDocument::from(&commitment)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// The conversation the customer was promised in.
    conversation_id: String,
    /// What the promise is about (an intent id).
    intent: String,
    /// The words the customer was given (masked before it is stored).
    #[schemars(length(min = 1, max = 500))]
    text: String,
    /// Due in this many working days (the bank calendar)…
    #[schemars(range(min = 1, max = 60))]
    working_days: Option<u32>,
    /// …or in this many hours.
    #[schemars(range(min = 1, max = 720))]
    hours: Option<u32>,
    /// The agent who made the promise.
    #[schemars(length(min = 1, max = 100))]
    agent: String,
}

impl CreateRequest {
    fn check(self) -> Result<AgentPromise, ApiError> {
        let within = match (self.working_days, self.hours) {
            (Some(days), None) if (1..=MAX_WORKING_DAYS).contains(&days) => {
                Commitment::WorkingDays(days)
            }
            (None, Some(hours)) if (1..=MAX_HOURS).contains(&hours) => Commitment::Hours(hours),
            _ => {
                return Err(ApiError::InvalidField(format!(
                    "exactly one of working_days (1 to {MAX_WORKING_DAYS}) or hours (1 to {MAX_HOURS})"
                )));
            }
        };
        Ok(AgentPromise {
            conversation: ConversationId::parse(&self.conversation_id)
                .map_err(|e| ApiError::InvalidConversationId(e.to_string()))?,
            intent: IntentId::parse(&self.intent)
                .map_err(|e| ApiError::InvalidField(format!("intent: {e}")))?,
            text: text("text", &self.text)?,
            within,
            agent: actor("agent", &self.agent)?,
        })
    }
}

pub async fn create(
    state: web::Data<AppState>,
    request: web::Json<CreateRequest>,
) -> Result<HttpResponse, ApiError> {
    let promise = request.into_inner().check()?;
    let commitment = state.conversations.make_commitment(promise).await?;
    Ok(HttpResponse::Created().json(CommitmentDocument::from(&commitment)))
}
