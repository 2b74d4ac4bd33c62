//! Operators' view of the webhook outbox: `GET /admin/deliveries` lists deliveries by
//! status (the dead letters first of all), `POST /admin/deliveries/{id}/retry` sends a dead
//! one again with a fresh retry window. Admin endpoints: authentication comes with the
//! security issue; until then the service binds to loopback by default.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::paging::{Paging, status_filter};
use super::query::parse_query;
use super::{ApiError, AppState};
use crate::store::{Delivery, DeliveryQuery, DeliveryStatus};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ListParams {
    #[schemars(extend("enum" = ["pending", "delivered", "dead", "all"]))]
    status: Option<String>,
    #[schemars(range(min = 1))]
    page: Option<u32>,
    #[schemars(range(min = 1, max = 200))]
    per_page: Option<u32>,
}

/// A delivery as operators read it (without the payload: that is the handoff itself).
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct DeliveryView {
    id: i64,
    /// The handoff delivered; `null` for a commitment's follow-up event or a surge alert.
    handoff_id: Option<String>,
    /// The commitment followed up; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    commitment_id: Option<String>,
    /// The surge alert raised or cleared; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    surge_id: Option<String>,
    destination: String,
    idempotency_key: String,
    status: &'static str,
    attempts: u32,
    next_attempt_at: Option<String>,
    last_error: Option<String>,
    created_at: String,
    delivered_at: Option<String>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            handoff_id: d.handoff_id.map(|h| h.as_str().to_string()),
            commitment_id: d.commitment_id.map(|c| c.as_str().to_string()),
            surge_id: d.surge_id,
            destination: d.destination.as_str().to_string(),
            idempotency_key: d.idempotency_key,
            status: d.status.as_str(),
            attempts: d.attempts,
            next_attempt_at: (d.status == DeliveryStatus::Pending)
                .then(|| d.next_attempt_at.to_rfc3339()),
            last_error: d.last_error,
            created_at: d.created_at.to_rfc3339(),
            delivered_at: d.delivered_at.map(|at| at.to_rfc3339()),
        }
    }
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct DeliveryPage {
    deliveries: Vec<DeliveryView>,
    page: u32,
    per_page: u32,
    next_page: Option<u32>,
}

pub async fn list(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params: ListParams = parse_query(&request)?;
    let status =
        status_filter::<DeliveryStatus>(params.status.as_deref(), "pending, delivered, dead")?;
    let paging = Paging::check(params.page, params.per_page)?;
    let mut rows = state
        .conversations
        .deliveries(&DeliveryQuery {
            status,
            page: paging.page,
            per_page: paging.per_page,
        })
        .await?;
    let next_page = paging.finish(&mut rows);
    Ok(HttpResponse::Ok().json(DeliveryPage {
        deliveries: rows.into_iter().map(DeliveryView::from).collect(),
        page: paging.page,
        per_page: paging.per_page,
        next_page,
    }))
}

pub async fn retry(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::NotFound(format!("no delivery {}", path.as_str()));
    let id: i64 = path.parse().map_err(|_| not_found())?;
    let delivery = state
        .conversations
        .retry_delivery(id)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(DeliveryView::from(delivery)))
}
