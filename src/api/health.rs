//! `GET /healthz` (the process answers) and `GET /readyz` (content loaded and trained; a
//! load balancer sends traffic only when this says ready).

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::{ApiError, AppState};
use crate::store::Store;

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct Alive {
    status: &'static str,
}

pub async fn alive() -> HttpResponse {
    HttpResponse::Ok().json(Alive { status: "ok" })
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct Ready<'a> {
    status: &'static str,
    content_version: &'a str,
    intents: BTreeMap<&'static str, usize>,
}

pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let services = state.live.current();
    let catalog = &services.catalog;
    let intents: BTreeMap<_, _> = catalog
        .locales()
        .map(|l| (l.locale.as_str(), l.intents.len()))
        .collect();
    if intents.values().any(|&n| n == 0) {
        return Err(ApiError::NotReady("no intents loaded".into()));
    }
    state.store.ping().await?;
    Ok(HttpResponse::Ok().json(Ready {
        status: "ready",
        content_version: catalog.version().as_str(),
        intents,
    }))
}
