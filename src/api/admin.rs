//! Content operations: `POST /admin/reload` loads, checks and swaps in the content on disk
//! (what the directory watcher also does), `GET /admin/content` says which version is in
//! service. Admin endpoints: authentication comes with the security issue; until then the
//! service binds to loopback by default.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::{ApiError, AppState};

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ContentView {
    version: String,
    loaded_at: String,
    directory: String,
    intents: BTreeMap<&'static str, usize>,
    last_reload: Option<LastReload>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct LastReload {
    at: String,
    succeeded: bool,
    changed: bool,
    problems: Vec<String>,
}

pub async fn content(state: web::Data<AppState>) -> HttpResponse {
    let live = &state.live;
    let services = live.current();
    HttpResponse::Ok().json(ContentView {
        version: services.catalog.version().as_str().to_string(),
        loaded_at: live.loaded_at().to_rfc3339(),
        directory: live.content_dir().display().to_string(),
        intents: services
            .catalog
            .locales()
            .map(|l| (l.locale.as_str(), l.intents.len()))
            .collect(),
        last_reload: live.last_reload().map(|r| LastReload {
            at: r.at.to_rfc3339(),
            succeeded: r.succeeded(),
            changed: r.changed,
            problems: r.errors.iter().map(ToString::to_string).collect(),
        }),
    })
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct Reloaded {
    version: String,
    changed: bool,
}

pub async fn reload(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let outcome = state.live.reload().await;
    if !outcome.succeeded() {
        return Err(ApiError::ContentRejected(
            outcome.errors.iter().map(ToString::to_string).collect(),
        ));
    }
    Ok(HttpResponse::Ok().json(Reloaded {
        version: outcome.version,
        changed: outcome.changed,
    }))
}
