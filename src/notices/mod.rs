//! The notice board: every crisis notice in force or scheduled, from the content files
//! and from the API, as one list the turn pipeline reads without waiting.
//!
//! Notices published through the API are kept in the store; every instance reads them
//! again every few seconds (`[notices] poll_ms`, 2 s by default), so a notice published or
//! withdrawn on one instance applies on every instance sharing the PostgreSQL database
//! within seconds, and at once on the instance that took the request. Time decides the
//! rest: a notice applies from its start to its end, read on the service's clock.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::content::{Catalog, Notice, NoticeDraft, NoticeProblem};
use crate::domain::{Clock, Locale};
use crate::live::LiveServices;
use crate::store::{
    Database, NoticeAction, NoticeAuditEntry, NoticeStore, NoticeWrite, StoreError,
};

/// How often each instance reads the published notices by default.
pub const DEFAULT_POLL: Duration = Duration::from_secs(2);

/// Where a notice comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeSource {
    /// A content file (`knowledge-base/<locale>/notices/`): changed by content staff.
    File,
    /// Published through `POST /admin/notices`.
    Api,
}

/// A notice in force or to come, for `GET /admin/notices`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ListedNotice {
    #[serde(flatten)]
    pub notice: Notice,
    /// `active` or `scheduled`.
    pub status: &'static str,
    pub source: NoticeSource,
}

/// Why a notice could not be published or withdrawn.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error("the notice is not valid")]
    Invalid(Vec<NoticeProblem>),
    #[error("notice `{0}` is a content file: change or remove the file")]
    FromFile(String),
    #[error("no notice `{0}` is in force or scheduled")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The notices every turn consults.
pub struct NoticeBoard {
    store: Arc<Database>,
    live: Arc<LiveServices>,
    clock: Clock,
    /// The published notices neither withdrawn nor ended, as last read from the store.
    published: ArcSwap<Vec<Notice>>,
}

impl NoticeBoard {
    pub fn new(store: Arc<Database>, live: Arc<LiveServices>, clock: Clock) -> NoticeBoard {
        NoticeBoard {
            store,
            live,
            clock,
            published: ArcSwap::from_pointee(Vec::new()),
        }
    }

    /// Reads the published notices again. A stored notice the content in service no
    /// longer accepts (its intent was removed) is left out and logged, never half-used.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let now = self.clock.now();
        let bodies = self.store.live_notices(now.timestamp_millis()).await?;
        let services = self.live.current();
        let notices = bodies
            .iter()
            .filter_map(|body| match read(body, &services.catalog) {
                Ok(notice) => Some(notice),
                Err(problem) => {
                    tracing::warn!(%problem, "published notice not used");
                    None
                }
            })
            .collect();
        self.published.store(Arc::new(notices));
        Ok(())
    }

    /// Reads the published notices every `every`, for as long as the service runs.
    pub fn spawn_refresh(self: Arc<Self>, every: Duration) {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(error) = self.refresh().await {
                    tracing::warn!(%error, "reading the published notices failed");
                }
            }
        });
    }

    /// Every notice of `locale`, files' and published, that applies at `now`.
    pub fn in_force(&self, catalog: &Catalog, locale: Locale, now: DateTime<Utc>) -> Vec<Notice> {
        self.all(catalog)
            .into_iter()
            .filter(|(notice, _)| notice.locale == locale && notice.active_at(now))
            .map(|(notice, _)| notice)
            .collect()
    }

    /// The notices in force or scheduled now, soonest start first.
    pub fn list(&self) -> Vec<ListedNotice> {
        let now = self.clock.now();
        let services = self.live.current();
        let mut listed: Vec<ListedNotice> = self
            .all(&services.catalog)
            .into_iter()
            .filter(|(notice, _)| notice.active_at(now) || notice.scheduled_at(now))
            .map(|(notice, source)| ListedNotice {
                status: if notice.active_at(now) {
                    "active"
                } else {
                    "scheduled"
                },
                notice,
                source,
            })
            .collect();
        listed.sort_by(|a, b| {
            (a.notice.starts_at, a.notice.id.as_str())
                .cmp(&(b.notice.starts_at, b.notice.id.as_str()))
        });
        listed
    }

    /// Validates and publishes (or changes) a notice; `by` is the API key's name.
    pub async fn publish(
        &self,
        draft: NoticeDraft,
        by: &str,
    ) -> Result<(NoticeAction, Notice), NoticeError> {
        let services = self.live.current();
        let catalog = &services.catalog;
        let notice = draft
            .validate(|locale| content_of(catalog, locale))
            .map_err(NoticeError::Invalid)?;
        if self.files(catalog).any(|n| n.id == notice.id) {
            return Err(NoticeError::FromFile(notice.id.as_str().to_string()));
        }
        let conflicts: Vec<NoticeProblem> = self
            .all(catalog)
            .iter()
            .filter_map(|(other, _)| notice.conflict_with(other))
            .collect();
        if !conflicts.is_empty() {
            return Err(NoticeError::Invalid(conflicts));
        }
        let body = serde_json::to_string(&notice)
            .map_err(|e| StoreError::Unserialisable(format!("notice: {e}")))?;
        let action = self
            .store
            .save_notice(NoticeWrite {
                id: notice.id.as_str(),
                locale: notice.locale.as_str(),
                body: &body,
                ends_ms: notice.ends_at.timestamp_millis(),
                by,
                at: self.clock.now(),
            })
            .await?;
        self.refresh().await?;
        tracing::info!(
            notice = notice.id.as_str(),
            action = action.as_str(),
            by,
            "notice"
        );
        Ok((action, notice))
    }

    /// Withdraws a published notice at once.
    pub async fn withdraw(&self, id: &str, by: &str) -> Result<(), NoticeError> {
        let services = self.live.current();
        if self.files(&services.catalog).any(|n| n.id.as_str() == id) {
            return Err(NoticeError::FromFile(id.to_string()));
        }
        if !self.store.withdraw_notice(id, by, self.clock.now()).await? {
            return Err(NoticeError::NotFound(id.to_string()));
        }
        self.refresh().await?;
        tracing::info!(notice = id, by, "notice withdrawn");
        Ok(())
    }

    /// The audit trail, newest first.
    pub async fn audit(&self, limit: u32) -> Result<Vec<NoticeAuditEntry>, StoreError> {
        self.store.notice_audit(limit).await
    }

    fn files<'c>(&self, catalog: &'c Catalog) -> impl Iterator<Item = &'c Notice> {
        catalog.locales().flat_map(|content| content.notices.iter())
    }

    /// The files' notices and the published ones (a few: copied).
    fn all(&self, catalog: &Catalog) -> Vec<(Notice, NoticeSource)> {
        let published = self.published.load();
        self.files(catalog)
            .map(|n| (n.clone(), NoticeSource::File))
            .chain(published.iter().map(|n| (n.clone(), NoticeSource::Api)))
            .collect()
    }
}

/// The content of `locale`, if it is served.
fn content_of(catalog: &Catalog, locale: Locale) -> Option<&crate::content::LocaleContent> {
    catalog.locales().find(|content| content.locale == locale)
}

/// A stored notice, validated against the content in service.
fn read(body: &str, catalog: &Catalog) -> Result<Notice, String> {
    let draft: NoticeDraft = serde_json::from_str(body).map_err(|e| e.to_string())?;
    draft
        .validate(|locale| content_of(catalog, locale))
        .map_err(|problems| {
            problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; ")
        })
}
