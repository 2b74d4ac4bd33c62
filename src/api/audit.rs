//! `GET /v1/conversations/{id}/audit`: the audit record of each customer turn of a
//! conversation (scope `audit`): what was understood with which scores, which template,
//! notice or knowledge-base entry said each sentence, which rule handed the customer over.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::conversations::conversation_id;
use super::{ApiError, AppState};
use crate::audit::AuditRecord;
use crate::store::AuditStore;

/// The body: one entry per customer turn, in order.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct AuditBody {
    conversation_id: String,
    entries: Vec<AuditRecord>,
}

pub async fn audit(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    let entries = state.store.audit_of(&id).await?;
    if entries.is_empty() {
        return Err(ApiError::NotFound(format!(
            "no audit records for conversation `{}`",
            id.as_str()
        )));
    }
    Ok(HttpResponse::Ok().json(AuditBody {
        conversation_id: id.as_str().to_string(),
        entries,
    }))
}
