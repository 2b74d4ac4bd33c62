//! The pull API for agent desks: `GET /v1/handoffs` lists handoffs (newest first, by
//! status and priority, paged) and `POST /v1/handoffs/{id}/ack` records the agent who took
//! one. Acknowledging twice is harmless: the first agent stays recorded.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::paging::Paging;
use super::query::parse_query;
use super::{ApiError, AppState};
use crate::domain::{HandoffId, Priority};
use crate::handoff::HandoffDocument;
use crate::store::{HandoffQuery, HandoffStatusFilter, Store};

/// Longest agent name or id recorded with an acknowledgement.
const MAX_AGENT_CHARS: usize = 100;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ListParams {
    #[schemars(extend("enum" = ["pending", "acked", "claimed", "all"]))]
    status: Option<String>,
    priority: Option<Priority>,
    #[schemars(range(min = 1))]
    page: Option<u32>,
    #[schemars(range(min = 1, max = 200))]
    per_page: Option<u32>,
}

impl ListParams {
    fn check(self) -> Result<HandoffQuery, ApiError> {
        let status = match self.status.as_deref() {
            None | Some("pending") => HandoffStatusFilter::Pending,
            Some("acked") => HandoffStatusFilter::Acked,
            Some("claimed") => HandoffStatusFilter::Claimed,
            Some("all") => HandoffStatusFilter::All,
            Some(other) => {
                return Err(ApiError::InvalidField(format!(
                    "status `{other}`: expected pending, acked, claimed or all"
                )));
            }
        };
        let paging = Paging::check(self.page, self.per_page)?;
        Ok(HandoffQuery {
            status,
            priority: self.priority,
            page: paging.page,
            per_page: paging.per_page,
        })
    }
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct HandoffPage {
    handoffs: Vec<HandoffDocument>,
    page: u32,
    per_page: u32,
    next_page: Option<u32>,
}

pub async fn list(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = parse_query::<ListParams>(&request)?.check()?;
    let mut records = state.store.handoffs(&query).await?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    };
    let next_page = paging.finish(&mut records);
    Ok(HttpResponse::Ok().json(HandoffPage {
        handoffs: records.into_iter().map(HandoffDocument::from).collect(),
        page: query.page,
        per_page: query.per_page,
        next_page,
    }))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    /// The agent (name or desk id) who takes the customer.
    #[schemars(length(min = 1, max = 100))]
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
        .store
        .acknowledge(&id, &agent)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(HandoffDocument::from(record)))
}
