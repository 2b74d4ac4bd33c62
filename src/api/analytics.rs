//! `GET /v1/analytics?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv]`: the managers' figures
//! for a period of bank days (default: the last seven), as JSON or CSV.

use actix_web::http::header::{CONTENT_DISPOSITION, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;

use super::query::parse_query;
use super::{ApiError, AppState};
use crate::analytics::{Period, report, to_csv};
use crate::domain::Role;
use crate::store::{CommitmentStore, Store, SurgeStore};
use crate::surges::{SAMPLE, SurgeDocument, WINDOW};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AnalyticsParams {
    /// First bank day (the bank's time zone), `YYYY-MM-DD` [default: six days before `to`].
    from: Option<NaiveDate>,
    /// Last bank day, included [default: today].
    to: Option<NaiveDate>,
    /// `json` (default) or `csv`.
    #[schemars(extend("enum" = ["json", "csv"]))]
    format: Option<String>,
}

pub async fn analytics(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params: AnalyticsParams = parse_query(&request)?;
    let csv = match params.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::InvalidField(format!(
                "format `{other}`: expected json or csv"
            )));
        }
    };
    let clock = state.conversations.clock();
    let to = params.to.unwrap_or_else(|| clock.bank_today());
    let period = match params.from {
        Some(from) => Period::new(from, to),
        None => Ok(Period::last_week(to)),
    }
    .map_err(|e| ApiError::InvalidField(e.to_string()))?;
    let store = &state.store;
    let current = store.analytics(period.range()).await?;
    let previous = store.analytics(period.previous()).await?;
    let kept = store.commitment_counts(period.range(), clock.now()).await?;
    let report = report(period, &current, &previous, &kept);
    if !csv {
        return Ok(HttpResponse::Ok().json(report));
    }
    let filename = format!(
        "attachment; filename=\"frontline-analytics-{}-{}.csv\"",
        report.from, report.to
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            CONTENT_DISPOSITION,
            HeaderValue::from_str(&filename).unwrap_or(HeaderValue::from_static("attachment")),
        ))
        .body(to_csv(&report)))
}

/// A conversation of a surge as the analytics page lists it: its id and the customer's
/// first message (masked).
#[derive(serde::Serialize, schemars::JsonSchema)]
pub(super) struct SurgeExcerpt {
    conversation_id: String,
    text: String,
}

/// An open surge alert with the conversations behind it.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub(super) struct SurgeView {
    #[serde(flatten)]
    surge: SurgeDocument,
    /// The latest conversations of the intent (in the city) since the surging hour began.
    excerpts: Vec<SurgeExcerpt>,
}

/// `GET /v1/analytics/surges`'s body.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub(super) struct SurgesBody {
    /// The surge alerts open now, oldest first.
    surges: Vec<SurgeView>,
}

/// `GET /v1/analytics/surges`: the surge alerts open now (every instance's), each with the
/// conversations behind it, for the analytics page's banner.
pub async fn surges(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = &state.store;
    let now = state.conversations.clock().now();
    let mut surges = Vec::new();
    for surge in store.open_surges().await? {
        let window = (
            (surge.window_end - WINDOW).timestamp_millis(),
            now.timestamp_millis() + 1,
        );
        let ids = store
            .surge_conversations(&surge.intent, surge.city.as_deref(), window, SAMPLE)
            .await?;
        let mut excerpts = Vec::with_capacity(ids.len());
        for id in &ids {
            let first = store
                .transcript(id)
                .await?
                .into_iter()
                .find(|line| line.role == Role::Customer);
            excerpts.push(SurgeExcerpt {
                conversation_id: id.as_str().to_string(),
                text: first
                    .map(|l| l.text.as_str().to_string())
                    .unwrap_or_default(),
            });
        }
        let ids = ids.iter().map(|id| id.as_str().to_string()).collect();
        surges.push(SurgeView {
            surge: SurgeDocument::new(&surge, ids),
            excerpts,
        });
    }
    Ok(HttpResponse::Ok().json(SurgesBody { surges }))
}
