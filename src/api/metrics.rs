//! `GET /metrics` for Prometheus, and the middleware that counts and times every request
//! by route pattern (so `/v1/conversations/{id}` is one series, whatever the id).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use super::{ApiError, AppState};
use crate::analytics::{Period, live_chat};
use chrono::NaiveDate;

use crate::metrics::{CONTENT_TYPE, CommitmentGauge, LiveChatGauges, OutboxGauge};
use crate::store::{CommitmentStore, DayRange, Store, SurgeStore};

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
    let clock = state.conversations.clock();
    let week = Period::last_week(clock.bank_today()).range();
    let figures = live_chat(&state.store.analytics(week).await?);
    let ratings = |score: u8| {
        figures
            .ratings
            .distribution
            .get(&score.to_string())
            .copied()
            .unwrap_or(0)
    };
    let live = LiveChatGauges {
        claim_wait: (
            figures.claim_wait_seconds.p50,
            figures.claim_wait_seconds.p90,
        ),
        handling: (figures.handling_seconds.p50, figures.handling_seconds.p90),
        resolved: figures.resolved,
        back_to_bot: figures.back_to_bot,
        ratings: [ratings(1), ratings(2), ratings(3), ratings(4), ratings(5)],
        rating_average: figures.ratings.average,
    };
    // All time: the complaint manager's "promises kept", and what is owed past due now.
    // (Dates both stores compare alike: four-digit years.)
    let ever = DayRange {
        from: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default(),
        to: NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default(),
    };
    let commitments: Vec<CommitmentGauge> = state
        .store
        .commitment_counts(ever, clock.now())
        .await?
        .into_iter()
        .map(|c| CommitmentGauge {
            intent: c.intent.as_str().to_string(),
            made: c.made,
            fulfilled: c.fulfilled,
            fulfilled_on_time: c.fulfilled_on_time,
            overdue_now: c.overdue_now,
        })
        .collect();
    let surges = state.store.open_surges().await?;
    state.metrics.set_surges(
        surges
            .iter()
            .map(|s| (s.intent.as_str(), s.city.as_deref())),
    );
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(state.metrics.render(&outbox, &version, &live, &commitments)))
}
