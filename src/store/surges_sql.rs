//! The surge alerts' SQL, shared by SQLite and PostgreSQL like [`sql_store!`]'s:
//! [`surge_store!`] writes [`SurgeStore`] once for both drivers.
//!
//! [`sql_store!`]: super::sql::sql_store
//! [`SurgeStore`]: super::SurgeStore

/// Writes `impl SurgeStore for $store` over `self.pool` (a pool of `$db`).
macro_rules! surge_store {
    ($store:ty, $db:ty) => {
        impl $crate::store::SurgeStore for $store {
            async fn window_counts(
                &self,
                from_ms: i64,
                to_ms: i64,
            ) -> Result<Vec<$crate::store::WindowCount>, $crate::store::StoreError> {
                let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
                    "SELECT intent, CAST(NULL AS TEXT) AS city, \
                     COUNT(DISTINCT conversation_id) AS n FROM turn_facts \
                     WHERE at_ms >= $1 AND at_ms < $2 AND intent IS NOT NULL GROUP BY intent \
                     UNION ALL \
                     SELECT intent, city, COUNT(DISTINCT conversation_id) AS n FROM turn_facts \
                     WHERE at_ms >= $1 AND at_ms < $2 AND intent IS NOT NULL \
                     AND city IS NOT NULL GROUP BY intent, city",
                )
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(intent, city, n)| {
                        Ok($crate::store::WindowCount {
                            intent: $crate::domain::IntentId::parse(&intent)
                                .map_err(|e| $crate::store::StoreError::Corrupt(e.to_string()))?,
                            city,
                            conversations: u64::try_from(n).unwrap_or_default(),
                        })
                    })
                    .collect()
            }

            async fn open_surges(
                &self,
            ) -> Result<Vec<$crate::store::SurgeRecord>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::surges::SurgeRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {} FROM surges WHERE cleared_at IS NULL ORDER BY raised_at, id",
                        $crate::store::surges::SURGE_COLUMNS
                    )))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map($crate::store::surges::surge).collect()
            }

            async fn raise_surge(
                &self,
                surge: &$crate::store::SurgeRecord,
                outbox: &[$crate::store::OutboxEntry],
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let raised = sqlx::query(
                    "INSERT INTO surges (id, intent, city, raised_at, window_ms, count, baseline) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (intent, city) WHERE cleared_at IS NULL DO NOTHING",
                )
                .bind(&surge.id)
                .bind(surge.intent.as_str())
                .bind(surge.city.as_deref().unwrap_or_default())
                .bind(surge.raised_at)
                .bind(surge.window_end.timestamp_millis())
                .bind(i64::try_from(surge.count).unwrap_or(i64::MAX))
                .bind(surge.baseline)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    > 0;
                if raised {
                    Self::enqueue_surge_events(&mut tx, &surge.id, surge.raised_at, outbox).await?;
                }
                tx.commit().await?;
                Ok(raised)
            }

            async fn clear_surge(
                &self,
                surge: &$crate::store::SurgeRecord,
                outbox: &[$crate::store::OutboxEntry],
            ) -> Result<bool, $crate::store::StoreError> {
                let at = surge.cleared_at.unwrap_or_else(chrono::Utc::now);
                let mut tx = self.begin_write().await?;
                let cleared = sqlx::query(
                    "UPDATE surges SET cleared_at = $1 WHERE id = $2 AND cleared_at IS NULL",
                )
                .bind(at)
                .bind(&surge.id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    > 0;
                if cleared {
                    Self::enqueue_surge_events(&mut tx, &surge.id, at, outbox).await?;
                }
                tx.commit().await?;
                Ok(cleared)
            }

            async fn surge_conversations(
                &self,
                intent: &$crate::domain::IntentId,
                city: Option<&str>,
                (from_ms, to_ms): (i64, i64),
                limit: u32,
            ) -> Result<Vec<$crate::domain::ConversationId>, $crate::store::StoreError> {
                let ids: Vec<String> = sqlx::query_scalar(
                    "SELECT conversation_id FROM turn_facts \
                     WHERE intent = $1 AND ($2 = '' OR city = $2) AND at_ms >= $3 AND at_ms < $4 \
                     GROUP BY conversation_id ORDER BY MAX(at_ms) DESC, conversation_id LIMIT $5",
                )
                .bind(intent.as_str())
                .bind(city.unwrap_or_default())
                .bind(from_ms)
                .bind(to_ms)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                ids.iter()
                    .map(|id| {
                        $crate::domain::ConversationId::parse(id)
                            .map_err(|e| $crate::store::StoreError::Corrupt(e.to_string()))
                    })
                    .collect()
            }
        }

        impl $store {
            /// The outbox rows of a surge event, in the transaction that raised or
            /// cleared it.
            async fn enqueue_surge_events(
                tx: &mut sqlx::Transaction<'static, $db>,
                surge_id: &str,
                at: chrono::DateTime<chrono::Utc>,
                outbox: &[$crate::store::OutboxEntry],
            ) -> Result<(), $crate::store::StoreError> {
                let ms = at.timestamp_millis();
                for entry in outbox {
                    sqlx::query(
                        "INSERT INTO outbox (surge_id, destination, idempotency_key, payload, \
                         next_attempt_ms, window_start_ms, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $5, $6) \
                         ON CONFLICT (idempotency_key) DO NOTHING",
                    )
                    .bind(surge_id)
                    .bind(entry.destination.as_str())
                    .bind(&entry.idempotency_key)
                    .bind(&entry.payload)
                    .bind(ms)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }
        }
    };
}

pub(super) use surge_store;
