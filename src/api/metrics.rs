//! `GET /metrics` for Prometheus, and the middleware that counts and times every request
//! by route pattern (so `/v1/conversations/{id}` is one series, whatever the id).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use super::{ApiError, AppState};
use crate::metrics::{CONTENT_TYPE, OutboxGauge};
use crate::store::Store;

/// The middleware function (`middleware::from_fn(record)`), outermost: refused and
/// timed-out requests are counted too.
pub async fn record(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(request).await;
    if let Some(state) = state {
        let (endpoint, status) = match &response {
            Ok(response) => (
                response
                    .request()
                    .match_pattern()
                    .map_or_else(|| "unmatched".into(), |p| endpoint_label(&p)),
                response.status().as_u16(),
            ),
            Err(error) => (
                "unmatched".into(),
                error.as_response_error().status_code().as_u16(),
            ),
        };
        state
            .metrics
            .request(&endpoint, &method, status, started.elapsed());
    }
    response
}

/// A route pattern as a label: `/v1/conversations/{id}` becomes `/v1/conversations/:id`,
/// since braces inside label values trip simple exposition-format parsers.
fn endpoint_label(pattern: &str) -> String {
    pattern.replace('{', ":").replace('}', "")
}

pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let outbox: Vec<OutboxGauge> = state
        .store
        .outbox_counts()
        .await?
        .into_iter()
        .map(|row| OutboxGauge {
            destination: row.destination,
            status: row.status.as_str(),
            count: row.count,
        })
        .collect();
    let version = state.live.current().catalog.version().as_str().to_string();
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(state.metrics.render(&outbox, &version)))
}
