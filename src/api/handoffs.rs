//! The pull API for agent desks: `GET /v1/handoffs` lists handoffs (newest first, by
//! status and priority, paged) and `POST /v1/handoffs/{id}/ack` records the agent who took
//! one. Acknowledging twice is harmless: the first agent stays recorded.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState};
use crate::domain::{HandoffId, Priority};
use crate::store::{HandoffQuery, HandoffRecord, HandoffStatusFilter, Store};

/// Page size when the desk does not say, and the most it may ask for.
const DEFAULT_PER_PAGE: u32 = 50;
const MAX_PER_PAGE: u32 = 200;
/// Longest agent name or id recorded with an acknowledgement.
const MAX_AGENT_CHARS: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    status: Option<String>,
    priority: Option<Priority>,
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListParams {
    fn check(self) -> Result<HandoffQuery, ApiError> {
        let status = match self.status.as_deref() {
            None | Some("pending") => HandoffStatusFilter::Pending,
            Some("acked") => HandoffStatusFilter::Acked,
            Some("all") => HandoffStatusFilter::All,
            Some(other) => {
                return Err(ApiError::InvalidField(format!(
                    "status `{other}`: expected pending, acked or all"
                )));
            }
        };
        let page = self.page.unwrap_or(1);
        if page == 0 {
            return Err(ApiError::InvalidField("page starts at 1".into()));
        }
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::InvalidField(format!(
                "per_page must be between 1 and {MAX_PER_PAGE}"
            )));
        }
        Ok(HandoffQuery {
            status,
            priority: self.priority,
            page,
            per_page,
        })
    }
}

/// A handoff as desks read it.
#[derive(Serialize)]
struct HandoffView {
    id: String,
    conversation_id: String,
    reason: &'static str,
    priority: &'static str,
    status: &'static str,
    created_at: String,
    acked_by: Option<String>,
    acked_at: Option<String>,
    summary: serde_json::Value,
}

impl From<HandoffRecord> for HandoffView {
    fn from(record: HandoffRecord) -> Self {
        let h = record.handoff;
        HandoffView {
            id: h.id.as_str().to_string(),
            conversation_id: h.conversation_id.as_str().to_string(),
            reason: h.reason.as_str(),
            priority: h.priority.as_str(),
            status: if record.acked.is_some() {
                "acked"
            } else {
                "pending"
            },
            created_at: h.created_at.to_rfc3339(),
            acked_by: record.acked.as_ref().map(|a| a.by.clone()),
            acked_at: record.acked.map(|a| a.at.to_rfc3339()),
            summary: h.summary,
        }
    }
}

#[derive(Serialize)]
struct HandoffPage {
    handoffs: Vec<HandoffView>,
    page: u32,
    per_page: u32,
    next_page: Option<u32>,
}

pub async fn list(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = web::Query::<ListParams>::from_query(request.query_string())
        .map_err(|e| ApiError::InvalidField(e.to_string()))?;
    let query = params.into_inner().check()?;
    let mut records = state.conversations.store().handoffs(&query).await?;
    let more = records.len() > query.per_page as usize;
    records.truncate(query.per_page as usize);
    Ok(HttpResponse::Ok().json(HandoffPage {
        handoffs: records.into_iter().map(HandoffView::from).collect(),
        page: query.page,
        per_page: query.per_page,
        next_page: more.then_some(query.page + 1),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    /// The agent (name or desk id) who takes the customer.
    agent: String,
}

pub async fn ack(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: web::Json<AckRequest>,
) -> Result<HttpResponse, ApiError> {
    let agent = request.into_inner().agent.trim().to_string();
    if agent.is_empty() || agent.chars().count() > MAX_AGENT_CHARS {
        return Err(ApiError::InvalidField(format!(
            "agent: 1 to {MAX_AGENT_CHARS} characters"
        )));
    }
    let not_found = || ApiError::NotFound(format!("no handoff {}", path.as_str()));
    let id = HandoffId::parse(&path).ok_or_else(not_found)?;
    let record = state
        .conversations
        .store()
        .acknowledge(&id, &agent)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(HandoffView::from(record)))
}
