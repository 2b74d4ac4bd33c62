//! The HTTP API (`../shared/spec/api.md`): request parsing into domain types, the calls
//! into understanding, and responses. Handlers hold no logic of their own.

mod admin;
mod analytics;
mod conversations;
mod deliveries;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod guard;
mod handoffs;
mod health;
mod metrics;
mod openapi;
mod pages;
mod paging;
mod parse;
mod twilio;
mod voice_form;
mod vxml;

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::conversations::Conversations;
use crate::live::LiveServices;

pub use error::{ApiError, MAX_BODY_BYTES};
pub use guard::{Gate, guard};
pub use metrics::record as record_metrics;
pub use openapi::document as openapi_document;
pub use twilio::twilio_signature;

/// What every handler can reach.
pub struct AppState {
    /// The content in service (swapped by reloads).
    pub live: Arc<LiveServices>,
    pub conversations: Arc<Conversations>,
    /// Set: the Twilio webhook checks signatures with it; unset: the webhook is closed.
    pub twilio_auth_token: Option<String>,
    /// The public base URL that webhooks are signed for, when a proxy rewrites it.
    pub public_url: Option<String>,
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// JSON bodies: limited in size, `application/json` required, errors in our shape.
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .content_type_required(true)
        .error_handler(|error, _request| ApiError::from(error).into())
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

async fn not_found(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no such endpoint: {}",
        request.path()
    )))
}

/// Registers every route.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .app_data(json_config())
        .service(
            web::resource("/v1/parse")
                .route(web::post().to(parse::parse))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/v1/conversations/{id}/messages")
                .route(web::post().to(conversations::post_message))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/v1/conversations/{id}")
                .route(web::get().to(conversations::get_conversation))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/v1/handoffs")
                .route(web::get().to(handoffs::list))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/v1/handoffs/{id}/ack")
                .route(web::post().to(handoffs::ack))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/admin/reload")
                .route(web::post().to(admin::reload))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/admin/content")
                .route(web::get().to(admin::content))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/admin/deliveries")
                .route(web::get().to(deliveries::list))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/admin/deliveries/{id}/retry")
                .route(web::post().to(deliveries::retry))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/v1/ivr/vxml")
                .route(web::post().to(vxml::webhook))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/v1/ivr/twilio")
                .route(web::post().to(twilio::webhook))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/v1/analytics")
                .route(web::get().to(analytics::analytics))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/analytics")
                .route(web::get().to(pages::analytics_page))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/analytics/analytics.css").route(web::get().to(pages::analytics_css)),
        )
        .service(web::resource("/analytics/analytics.js").route(web::get().to(pages::analytics_js)))
        .service(
            web::resource("/metrics")
                .route(web::get().to(metrics::metrics))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/openapi.json")
                .route(web::get().to(openapi::openapi_json))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/agent")
                .route(web::get().to(pages::agent_console))
                .default_service(web::to(method_not_allowed)),
        )
        .service(web::resource("/console/common.css").route(web::get().to(pages::console_css)))
        .service(web::resource("/console/common.js").route(web::get().to(pages::console_js)))
        .service(web::resource("/agent/agent.css").route(web::get().to(pages::agent_css)))
        .service(web::resource("/agent/agent.js").route(web::get().to(pages::agent_js)))
        .service(web::resource("/").route(web::get().to(pages::demo_page)))
        .service(web::resource("/demo.css").route(web::get().to(pages::demo_css)))
        .service(web::resource("/widget.js").route(web::get().to(pages::widget_js)))
        .service(web::resource("/widget.css").route(web::get().to(pages::widget_css)))
        .service(
            web::resource("/healthz")
                .route(web::get().to(health::alive))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/readyz")
                .route(web::get().to(health::ready))
                .default_service(web::to(method_not_allowed)),
        )
        .default_service(web::to(not_found));
}
