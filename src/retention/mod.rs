//! How long the turns' audit records are kept: a round in every instance deletes those
//! older than the retention period (default 180 days) and counts them on `/metrics`
//! (`frontline_audit_records_purged_total`). Running it from several instances at once is
//! safe: a record is deleted once, by whichever round gets there first.

use std::sync::Arc;
use std::time::Duration;

use crate::domain::Clock;
use crate::metrics::Metrics;
use crate::store::{AuditStore, StoreError};

/// The default retention period, in days.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;

/// The retention of one instance.
pub struct AuditRetention<S> {
    store: Arc<S>,
    clock: Clock,
    metrics: Arc<Metrics>,
    days: u32,
}

impl<S> Clone for AuditRetention<S> {
    fn clone(&self) -> Self {
        AuditRetention {
            store: self.store.clone(),
            clock: self.clock.clone(),
            metrics: self.metrics.clone(),
            days: self.days,
        }
    }
}

impl<S: AuditStore + 'static> AuditRetention<S> {
    pub fn new(store: Arc<S>, clock: Clock, metrics: Arc<Metrics>, days: u32) -> AuditRetention<S> {
        AuditRetention {
            store,
            clock,
            metrics,
            days,
        }
    }

    /// One round at the clock's "now": deletes the records older than the period; how
    /// many. Tests call it with a moved clock.
    pub async fn tick(&self) -> Result<u64, StoreError> {
        let cutoff = self.clock.now() - chrono::TimeDelta::days(i64::from(self.days));
        let purged = self.store.purge_audit(cutoff.timestamp_millis()).await?;
        self.metrics.audit_purged(purged);
        if purged > 0 {
            tracing::info!(
                purged,
                days = self.days,
                "audit records past retention deleted"
            );
        }
        Ok(purged)
    }

    /// Runs a round every `every` until the process ends (the first at once).
    pub fn spawn(self, every: Duration) {
        crate::rounds::spawn_every(every, "audit retention", move || {
            let this = self.clone();
            async move { this.tick().await }
        });
    }
}
