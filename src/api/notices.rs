//! Crisis notices for the on-duty manager: `POST /admin/notices` publishes (or changes) a
//! notice, `GET /admin/notices` lists those in force and scheduled, `DELETE
//! /admin/notices/{id}` withdraws one at once, and `GET /admin/notices/audit` says who did
//! what, and when, by API key name. Validation is the content's (`NoticeDraft::validate`):
//! a notice refused here is refused by `frontline check` as a file, and the other way round.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::guard::KeyUsed;
use super::query::parse_query;
use super::{ApiError, AppState};
use crate::content::{Notice, NoticeDraft};
use crate::notices::ListedNotice;
use crate::store::{NoticeAction, NoticeAuditEntry};

/// The notices in force and scheduled.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct NoticeList {
    notices: Vec<ListedNotice>,
}

/// A notice as published.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct Published {
    /// `published` (new) or `changed` (it was in force or scheduled).
    action: NoticeAction,
    notice: Notice,
    /// `active` or `scheduled`, at the time of publishing.
    status: &'static str,
}

/// A withdrawn notice.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct Withdrawn {
    id: String,
    withdrawn: bool,
}

/// The audit trail, newest first.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct NoticeAudit {
    entries: Vec<NoticeAuditEntry>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AuditParams {
    /// At most this many lines (1–1000, default 100).
    limit: Option<u32>,
}

fn board(state: &AppState) -> Result<&crate::notices::NoticeBoard, ApiError> {
    state
        .notices
        .as_deref()
        .ok_or_else(|| ApiError::NotReady("notices are not available".into()))
}

pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(NoticeList {
        notices: board(&state)?.list(),
    }))
}

pub async fn publish(
    state: web::Data<AppState>,
    request: HttpRequest,
    draft: web::Json<NoticeDraft>,
) -> Result<HttpResponse, ApiError> {
    let by = KeyUsed::of(&request);
    let board = board(&state)?;
    let (action, notice) = board.publish(draft.into_inner(), &by).await?;
    let status = if notice.active_at(state.conversations.clock().now()) {
        "active"
    } else {
        "scheduled"
    };
    let code = match action {
        NoticeAction::Published => actix_web::http::StatusCode::CREATED,
        _ => actix_web::http::StatusCode::OK,
    };
    Ok(HttpResponse::build(code).json(Published {
        action,
        notice,
        status,
    }))
}

pub async fn withdraw(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    board(&state)?.withdraw(&id, &KeyUsed::of(&request)).await?;
    Ok(HttpResponse::Ok().json(Withdrawn {
        id,
        withdrawn: true,
    }))
}

pub async fn audit(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params: AuditParams = parse_query(&request)?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::InvalidField("limit: 1 to 1000".into()));
    }
    Ok(HttpResponse::Ok().json(NoticeAudit {
        entries: board(&state)?.audit(limit).await?,
    }))
}
