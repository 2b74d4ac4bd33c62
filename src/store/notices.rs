//! The crisis notices published through the API, and their audit trail: who published,
//! changed or withdrew which notice, and when. The store keeps a notice as the API's JSON;
//! `notices::NoticeBoard` reads and validates it (content decides what a valid notice is).

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreError;
use crate::domain::vocab_enum;

vocab_enum! {
    /// What was done to a notice.
    #[derive(Serialize)]
    pub enum NoticeAction ("notice action") {
        Published = "published",
        Changed = "changed",
        Withdrawn = "withdrawn",
    }
}

/// A notice to save (published, or changed when its id exists).
pub struct NoticeWrite<'a> {
    pub id: &'a str,
    pub locale: &'a str,
    /// The notice as the API's JSON.
    pub body: &'a str,
    /// Its end (ms since the epoch): afterwards it is no longer read.
    pub ends_ms: i64,
    /// The API key's name.
    pub by: &'a str,
    pub at: DateTime<Utc>,
}

/// One line of the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NoticeAuditEntry {
    pub seq: i64,
    pub notice_id: String,
    pub action: NoticeAction,
    /// The name of the API key that did it.
    pub by: String,
    pub at: DateTime<Utc>,
    /// The notice as published or changed (JSON); none for a withdrawal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<serde_json::Value>,
}

/// The notices' records, for SQLite and PostgreSQL (`notices_sql.rs`).
pub trait NoticeStore: Send + Sync {
    /// Saves a notice and its audit line in one transaction; what was done.
    fn save_notice(
        &self,
        write: NoticeWrite<'_>,
    ) -> impl Future<Output = Result<NoticeAction, StoreError>> + Send;
    /// Withdraws a notice at once, with its audit line; `false` if there is no such notice
    /// in force (never published, withdrawn already).
    fn withdraw_notice(
        &self,
        id: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The bodies of the notices neither withdrawn nor ended at `now_ms`.
    fn live_notices(
        &self,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
    /// The audit trail, newest first, at most `limit` lines.
    fn notice_audit(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<NoticeAuditEntry>, StoreError>> + Send;
}
