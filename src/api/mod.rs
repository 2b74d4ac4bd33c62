//! The HTTP API (`../shared/spec/api.md`): request parsing into domain types, the calls
//! into understanding, and responses. Handlers hold no logic of their own.

mod admin;
mod analytics;
mod audit;
mod commitments;
mod conversations;
mod deliveries;
mod error;
mod events;
#[doc(hidden)]
pub mod fuzzing;
mod guard;
mod handoffs;
mod health;
mod live_chat;
mod metrics;
mod notices;
mod openapi;
mod pages;
mod paging;
mod parse;
mod query;
mod routes;
mod twilio;
mod voice_form;
mod vxml;
mod wechat;

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
    /// The store, for the endpoints that only read it (handoff lists, analytics, health,
    /// metrics); turns go through `conversations`.
    pub store: Arc<crate::store::Database>,
    /// Set: the Twilio webhook checks signatures with it; unset: the webhook is closed.
    pub twilio_auth_token: Option<String>,
    /// The public base URL that webhooks are signed for, when a proxy rewrites it.
    pub public_url: Option<String>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The crisis notices (`/admin/notices`).
    pub notices: Option<Arc<crate::notices::NoticeBoard>>,
    /// The WeChat Official Accounts served (`/v1/channels/wechat/{account}`).
    pub wechat: Arc<crate::wechat::Accounts>,
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

/// Registers every route of the table; any other method on a known path is 405, any
/// other path 404.
pub fn configure(config: &mut web::ServiceConfig) {
    config.app_data(json_config());
    let mut paths: Vec<&str> = Vec::new();
    for endpoint in routes::ENDPOINTS.iter() {
        if !paths.contains(&endpoint.path) {
            paths.push(endpoint.path);
        }
    }
    for path in paths {
        let resource = routes::ENDPOINTS.iter().filter(|e| e.path == path).fold(
            web::resource(path),
            |resource, endpoint| {
                resource.route((endpoint.handler)().method(endpoint.method.clone()))
            },
        );
        config.service(resource.default_service(web::to(method_not_allowed)));
    }
    config.default_service(web::to(not_found));
}
