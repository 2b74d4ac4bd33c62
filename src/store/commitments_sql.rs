//! The commitments' SQL, shared by SQLite and PostgreSQL like [`sql_store!`]'s:
//! [`commitment_store!`] writes [`CommitmentStore`] once for both drivers; only the row
//! lock of the follow-up's claim differs (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
//!
//! [`sql_store!`]: super::sql::sql_store
//! [`CommitmentStore`]: super::CommitmentStore

/// Writes `impl CommitmentStore for $store` over `self.pool` (a pool of `$db`), and the
/// insert the turn's transaction calls; `$lock` ends the follow-up's claim query.
macro_rules! commitment_store {
    ($store:ty, $db:ty, $lock:expr) => {
        impl $store {
            /// Inserts commitments in the caller's transaction (a turn's, usually).
            async fn insert_commitments(
                connection: &mut <$db as sqlx::Database>::Connection,
                commitments: &[$crate::store::StoredCommitment],
            ) -> Result<(), $crate::store::StoreError> {
                for c in commitments {
                    sqlx::query(
                        "INSERT INTO commitments (id, conversation_id, customer_id, intent, \
                         template, text, made_by, made_at, day, due_by, due_at, due_ms, \
                         due_soon_ms, status, due_soon_sent, overdue_sent) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                         $15, $16)",
                    )
                    .bind(c.id.as_str())
                    .bind(c.conversation_id.as_str())
                    .bind(c.customer_id.as_deref())
                    .bind(c.intent.as_str())
                    .bind(&c.template)
                    .bind(c.text.as_str())
                    .bind(&c.made_by)
                    .bind(c.made_at)
                    .bind(c.day)
                    .bind(c.due_by)
                    .bind(c.due_at)
                    .bind(c.due_at.timestamp_millis())
                    .bind(c.due_soon_at.timestamp_millis())
                    .bind(c.status.as_str())
                    .bind(c.due_soon_sent)
                    .bind(c.overdue_sent)
                    .execute(&mut *connection)
                    .await?;
                }
                Ok(())
            }

            /// A commitment read in a transaction or from the pool.
            async fn read_commitment<'e, E>(
                executor: E,
                id: &$crate::domain::CommitmentId,
            ) -> Result<Option<$crate::store::StoredCommitment>, $crate::store::StoreError>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM commitments WHERE id = $1",
                    $crate::store::commitments::COMMITMENT_COLUMNS
                )))
                .bind(id.as_str())
                .fetch_optional(executor)
                .await?;
                row.as_ref()
                    .map($crate::store::commitments::commitment)
                    .transpose()
            }
        }

        impl $crate::store::CommitmentStore for $store {
            async fn commitments(
                &self,
                query: &$crate::store::CommitmentQuery,
            ) -> Result<Vec<$crate::store::StoredCommitment>, $crate::store::StoreError> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM commitments \
                     WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) \
                     AND (CAST($2 AS BIGINT) IS NULL OR due_ms >= $2) \
                     AND (CAST($3 AS BIGINT) IS NULL OR due_ms < $3) \
                     AND (CAST($4 AS TEXT) IS NULL OR conversation_id = $4) \
                     AND (CAST($5 AS TEXT) IS NULL OR customer_id = $5) \
                     ORDER BY due_ms, id LIMIT $6 OFFSET $7",
                    $crate::store::commitments::COMMITMENT_COLUMNS
                )))
                .bind(query.status.map($crate::domain::CommitmentStatus::as_str))
                .bind(query.due_from.map(|t| t.timestamp_millis()))
                .bind(query.due_to.map(|t| t.timestamp_millis()))
                .bind(query.conversation.as_ref().map(|c| c.as_str()))
                .bind(query.customer.as_deref())
                .bind(i64::from(query.per_page) + 1)
                .bind(i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map($crate::store::commitments::commitment)
                    .collect()
            }

            async fn commitment(
                &self,
                id: &$crate::domain::CommitmentId,
            ) -> Result<Option<$crate::store::StoredCommitment>, $crate::store::StoreError> {
                Self::read_commitment(&self.pool, id).await
            }

            async fn add_commitment(
                &self,
                commitment: &$crate::store::StoredCommitment,
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                Self::insert_commitments(&mut *tx, std::slice::from_ref(commitment)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn settle_commitment(
                &self,
                id: &$crate::domain::CommitmentId,
                settlement: &$crate::store::Settlement,
            ) -> Result<Option<$crate::store::Settled>, $crate::store::StoreError> {
                use $crate::domain::CommitmentStatus;
                let mut tx = self.begin_write().await?;
                let (changed, wanted) = match settlement {
                    $crate::store::Settlement::Fulfil { by, at } => (
                        sqlx::query(
                            "UPDATE commitments SET status = 'fulfilled', fulfilled_by = $1, \
                             on_time = (due_ms >= $2), closed_at = $3 \
                             WHERE id = $4 AND status IN ('open', 'overdue')",
                        )
                        .bind(by)
                        .bind(at.timestamp_millis())
                        .bind(*at)
                        .bind(id.as_str())
                        .execute(&mut *tx)
                        .await?,
                        CommitmentStatus::Fulfilled,
                    ),
                    $crate::store::Settlement::Cancel { reason, at } => (
                        sqlx::query(
                            "UPDATE commitments SET status = 'cancelled', cancel_reason = $1, \
                             closed_at = $2 WHERE id = $3 AND status IN ('open', 'overdue')",
                        )
                        .bind(reason.as_str())
                        .bind(*at)
                        .bind(id.as_str())
                        .execute(&mut *tx)
                        .await?,
                        CommitmentStatus::Cancelled,
                    ),
                };
                let Some(now) = Self::read_commitment(&mut *tx, id).await? else {
                    return Ok(None);
                };
                tx.commit().await?;
                // A retry of the same settlement finds it done: the same answer.
                Ok(Some(if changed.rows_affected() > 0 || now.status == wanted {
                    $crate::store::Settled::Done(now)
                } else {
                    $crate::store::Settled::Refused(now)
                }))
            }

            async fn follow_up(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                limit: u32,
                outbox: &(dyn Fn(
                    &$crate::store::FollowUpDue,
                ) -> Result<Vec<$crate::store::OutboxEntry>, $crate::store::StoreError>
                      + Sync),
            ) -> Result<Vec<$crate::store::OutboxEntry>, $crate::store::StoreError> {
                use $crate::domain::FollowUpEvent;
                let ms = now.timestamp_millis();
                let mut tx = self.begin_write().await?;
                // Writes first, so that SQLite takes its write lock before reading (a read
                // that later writes could find its snapshot stale); on PostgreSQL it
                // touches no row.
                sqlx::query("UPDATE commitments SET status = status WHERE id = ''")
                    .execute(&mut *tx)
                    .await?;
                let lock: &str = $lock;
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM commitments WHERE status IN ('open', 'overdue') \
                     AND ((due_soon_sent = FALSE AND due_soon_ms <= $1) \
                          OR (overdue_sent = FALSE AND due_ms <= $1)) \
                     ORDER BY due_soon_ms, id LIMIT $2{lock}",
                    $crate::store::commitments::COMMITMENT_COLUMNS
                )))
                .bind(ms)
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?;
                let mut entries = Vec::new();
                for row in &rows {
                    let commitment = $crate::store::commitments::commitment(row)?;
                    let overdue = commitment.due_at <= now;
                    // Past due already (the service was down, or the promise was short):
                    // only the overdue event is worth sending.
                    let event = if overdue {
                        FollowUpEvent::Overdue
                    } else {
                        FollowUpEvent::DueSoon
                    };
                    sqlx::query(
                        "UPDATE commitments SET due_soon_sent = TRUE, overdue_sent = $1, \
                         status = CASE WHEN $1 THEN 'overdue' ELSE status END WHERE id = $2",
                    )
                    .bind(overdue)
                    .bind(commitment.id.as_str())
                    .execute(&mut *tx)
                    .await?;
                    let due = $crate::store::FollowUpDue { commitment, event };
                    for entry in outbox(&due)? {
                        sqlx::query(
                            "INSERT INTO outbox (commitment_id, destination, idempotency_key, \
                             payload, next_attempt_ms, window_start_ms, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $5, $6) \
                             ON CONFLICT (idempotency_key) DO NOTHING",
                        )
                        .bind(due.commitment.id.as_str())
                        .bind(entry.destination.as_str())
                        .bind(&entry.idempotency_key)
                        .bind(&entry.payload)
                        .bind(ms)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        entries.push(entry);
                    }
                }
                tx.commit().await?;
                Ok(entries)
            }

            async fn commitment_counts(
                &self,
                range: $crate::store::DayRange,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<$crate::store::CommitmentCount>, $crate::store::StoreError> {
                use $crate::store::rows::StoreRow;
                let rows = sqlx::query(
                    "SELECT intent, COUNT(*) AS made, \
                     SUM(CASE WHEN status = 'fulfilled' THEN 1 ELSE 0 END) AS fulfilled, \
                     SUM(CASE WHEN status = 'fulfilled' AND on_time THEN 1 ELSE 0 END) \
                       AS on_time, \
                     SUM(CASE WHEN status IN ('open', 'overdue') AND due_ms <= $3 \
                         THEN 1 ELSE 0 END) AS overdue_now \
                     FROM commitments WHERE day >= $1 AND day <= $2 \
                     GROUP BY intent ORDER BY intent",
                )
                .bind(range.from)
                .bind(range.to)
                .bind(now.timestamp_millis())
                .fetch_all(&self.pool)
                .await?;
                let count = |n: i64| u64::try_from(n).unwrap_or(0);
                rows.iter()
                    .map(|row| {
                        let intent = row.text("intent")?;
                        Ok($crate::store::CommitmentCount {
                            intent: $crate::domain::IntentId::parse(&intent)
                                .map_err(|e| $crate::store::StoreError::Corrupt(e.to_string()))?,
                            made: count(row.int("made")?),
                            fulfilled: count(row.int("fulfilled")?),
                            fulfilled_on_time: count(row.int("on_time")?),
                            overdue_now: count(row.int("overdue_now")?),
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(super) use commitment_store;
