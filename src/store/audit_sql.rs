//! The audit records' SQL, shared by SQLite and PostgreSQL like [`sql_store!`]'s:
//! [`audit_store!`] writes [`AuditStore`] once for both drivers.
//!
//! [`sql_store!`]: super::sql::sql_store
//! [`AuditStore`]: super::AuditStore

/// Writes `impl AuditStore for $store` over `self.pool`.
macro_rules! audit_store {
    ($store:ty) => {
        impl $crate::store::AuditStore for $store {
            async fn audit_of(
                &self,
                conversation: &$crate::domain::ConversationId,
            ) -> Result<Vec<$crate::audit::AuditRecord>, $crate::store::StoreError> {
                let rows: Vec<String> = sqlx::query_scalar(
                    "SELECT record FROM turn_audit WHERE conversation_id = $1 ORDER BY turn",
                )
                .bind(conversation.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|json| $crate::store::audit::parse(json))
                    .collect()
            }

            async fn audit_between(
                &self,
                (from_ms, to_ms): (i64, i64),
                after: Option<(i64, String, i64)>,
                limit: u32,
            ) -> Result<Vec<(i64, String, i64, String)>, $crate::store::StoreError> {
                let (at, conversation, turn) = after.unwrap_or((i64::MIN, String::new(), -1));
                Ok(sqlx::query_as(
                    "SELECT at_ms, conversation_id, turn, record FROM turn_audit \
                     WHERE at_ms >= $1 AND at_ms < $2 \
                     AND (at_ms > $3 OR (at_ms = $3 AND (conversation_id > $4 \
                          OR (conversation_id = $4 AND turn > $5)))) \
                     ORDER BY at_ms, conversation_id, turn LIMIT $6",
                )
                .bind(from_ms)
                .bind(to_ms)
                .bind(at)
                .bind(conversation)
                .bind(turn)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn purge_audit(&self, before_ms: i64) -> Result<u64, $crate::store::StoreError> {
                Ok(sqlx::query("DELETE FROM turn_audit WHERE at_ms < $1")
                    .bind(before_ms)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }
        }
    };
}

pub(super) use audit_store;
