//! The notices' SQL, shared by SQLite and PostgreSQL like [`sql_store!`]'s:
//! [`notice_store!`] writes [`NoticeStore`] once for both drivers.
//!
//! [`sql_store!`]: super::sql::sql_store
//! [`NoticeStore`]: super::NoticeStore

/// Writes `impl NoticeStore for $store` over `self.pool` (a pool of `$db`).
macro_rules! notice_store {
    ($store:ty, $db:ty) => {
        impl $crate::store::NoticeStore for $store {
            async fn save_notice(
                &self,
                write: $crate::store::NoticeWrite<'_>,
            ) -> Result<$crate::store::NoticeAction, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let existing: Option<Option<String>> = sqlx::query_scalar(
                    "SELECT CAST(withdrawn_at AS TEXT) FROM notices WHERE id = $1",
                )
                .bind(write.id)
                .fetch_optional(&mut *tx)
                .await?;
                // A notice in force is changed; a new one, or one withdrawn before, is
                // published.
                let action = match existing {
                    Some(None) => $crate::store::NoticeAction::Changed,
                    _ => $crate::store::NoticeAction::Published,
                };
                sqlx::query(
                    "INSERT INTO notices (id, locale, body, ends_ms, withdrawn_at, updated_at, \
                     updated_by) VALUES ($1, $2, $3, $4, NULL, $5, $6) \
                     ON CONFLICT (id) DO UPDATE SET locale = excluded.locale, \
                     body = excluded.body, ends_ms = excluded.ends_ms, withdrawn_at = NULL, \
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                )
                .bind(write.id)
                .bind(write.locale)
                .bind(write.body)
                .bind(write.ends_ms)
                .bind(write.at)
                .bind(write.by)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO notice_audit (notice_id, action, key_name, at, body) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(write.id)
                .bind(action.as_str())
                .bind(write.by)
                .bind(write.at)
                .bind(write.body)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(action)
            }

            async fn withdraw_notice(
                &self,
                id: &str,
                by: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let withdrawn = sqlx::query(
                    "UPDATE notices SET withdrawn_at = $1, updated_at = $1, updated_by = $2 \
                     WHERE id = $3 AND withdrawn_at IS NULL",
                )
                .bind(at)
                .bind(by)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    > 0;
                if withdrawn {
                    sqlx::query(
                        "INSERT INTO notice_audit (notice_id, action, key_name, at, body) \
                         VALUES ($1, $2, $3, $4, NULL)",
                    )
                    .bind(id)
                    .bind($crate::store::NoticeAction::Withdrawn.as_str())
                    .bind(by)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(withdrawn)
            }

            async fn live_notices(
                &self,
                now_ms: i64,
            ) -> Result<Vec<String>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT body FROM notices WHERE withdrawn_at IS NULL AND ends_ms > $1 \
                     ORDER BY id",
                )
                .bind(now_ms)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn notice_audit(
                &self,
                limit: u32,
            ) -> Result<Vec<$crate::store::NoticeAuditEntry>, $crate::store::StoreError> {
                let rows: Vec<(i64, String, String, String, chrono::DateTime<chrono::Utc>, Option<String>)> =
                    sqlx::query_as(
                        "SELECT seq, notice_id, action, key_name, at, body FROM notice_audit \
                         ORDER BY seq DESC LIMIT $1",
                    )
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|(seq, notice_id, action, by, at, body)| {
                        Ok($crate::store::NoticeAuditEntry {
                            seq,
                            notice_id,
                            action: action.parse().map_err(|e: $crate::domain::UnknownWord| {
                                $crate::store::StoreError::Corrupt(e.to_string())
                            })?,
                            by,
                            at,
                            notice: body
                                .map(|b| serde_json::from_str(&b))
                                .transpose()
                                .map_err(|e| $crate::store::StoreError::Corrupt(e.to_string()))?,
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(super) use notice_store;
