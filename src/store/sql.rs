//! The store's SQL, shared by SQLite and PostgreSQL: standard SQL with numbered
//! placeholders (`$1`), which both accept. [`sql_store!`] writes the [`Store`]
//! implementation once for both drivers; only opening, migrating and claiming differ.
//!
//! [`Store`]: super::Store

/// Writes `impl Store for $store` over `self.pool` (a pool of `$db`); `$claim` is the
/// driver's claim query (the outbox's due rows, leased), to which `RETURNING` is added;
/// `$notify` (an `Option<&str>`) is the query that announces a conversation's new events
/// to other instances at commit, with the conversation id as `$1`.
macro_rules! sql_store {
    ($store:ty, $db:ty, $claim:expr, $notify:expr, $save_turn:ident) => {
        impl $store {
            /// Inserts a conversation's events (its row is locked by the caller's
            /// transaction, so they commit in id order) and announces them; their ids.
            async fn insert_events(
                connection: &mut <$db as sqlx::Database>::Connection,
                id: &str,
                events: &[$crate::store::EventBody],
            ) -> Result<Vec<i64>, $crate::store::StoreError> {
                let mut ids = Vec::with_capacity(events.len());
                for event in events {
                    let data = event
                        .data()
                        .map_err(|e| $crate::store::StoreError::Unserialisable(e.to_string()))?;
                    let event_id: i64 = sqlx::query_scalar(
                        "INSERT INTO conversation_events (conversation_id, kind, data, at) \
                         VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(id)
                    .bind(event.kind())
                    .bind(data.to_string())
                    .bind(event.at())
                    .fetch_one(&mut *connection)
                    .await?;
                    ids.push(event_id);
                }
                let notify: Option<&str> = $notify;
                if let (Some(notify), false) = (notify, events.is_empty()) {
                    sqlx::query(sqlx::AssertSqlSafe(notify.to_string()))
                        .bind(id)
                        .execute(&mut *connection)
                        .await?;
                }
                Ok(ids)
            }

            /// Appends lines to a conversation's transcript.
            async fn append_lines(
                connection: &mut <$db as sqlx::Database>::Connection,
                id: &str,
                lines: &[$crate::store::TranscriptLine],
            ) -> Result<(), $crate::store::StoreError> {
                if lines.is_empty() {
                    return Ok(());
                }
                let last: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(seq), 0) FROM turns WHERE conversation_id = $1",
                )
                .bind(id)
                .fetch_one(&mut *connection)
                .await?;
                for (seq, line) in (last + 1..).zip(lines) {
                    sqlx::query(
                        "INSERT INTO turns (conversation_id, seq, role, text, at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(id)
                    .bind(seq)
                    .bind(line.role.as_str())
                    .bind(line.text.as_str())
                    .bind(line.at)
                    .execute(&mut *connection)
                    .await?;
                }
                Ok(())
            }

            /// Saves a message's receipt; a second one under its key is a conflict.
            async fn insert_receipt(
                connection: &mut <$db as sqlx::Database>::Connection,
                id: &str,
                turn: u32,
                receipt: &$crate::store::Receipt,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let saved = sqlx::query(
                    "INSERT INTO message_receipts (conversation_id, idempotency_key, \
                     request_digest, turn, response, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(receipt.key.as_str())
                .bind(receipt.request.as_str())
                .bind(i64::from(turn))
                .bind(&receipt.response)
                .bind(now)
                .execute(&mut *connection)
                .await;
                match saved {
                    // The version check keeps two writes of one conversation apart; should
                    // a second save of the key still get here, it is a conflict: the
                    // service finds the receipt and answers with it.
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        Err($crate::store::StoreError::Conflict(id.to_string()))
                    }
                    saved => {
                        saved?;
                        Ok(())
                    }
                }
            }
        }

        impl $crate::store::Store for $store {
            async fn conversation(
                &self,
                id: &$crate::domain::ConversationId,
            ) -> Result<Option<$crate::dialogue::Conversation>, $crate::store::StoreError> {
                let row: Option<String> =
                    sqlx::query_scalar("SELECT state FROM conversations WHERE id = $1")
                        .bind(id.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|state| $crate::store::rows::from_json(&state, "conversation"))
                    .transpose()
            }

            async fn transcript(
                &self,
                id: &$crate::domain::ConversationId,
            ) -> Result<Vec<$crate::store::TranscriptLine>, $crate::store::StoreError> {
                use $crate::store::rows::StoreRow;
                let rows = sqlx::query(
                    "SELECT role, text, at FROM turns WHERE conversation_id = $1 ORDER BY seq",
                )
                .bind(id.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        let role = row
                            .text("role")?
                            .parse()
                            .unwrap_or($crate::store::Role::Bot);
                        Ok($crate::store::TranscriptLine {
                            role,
                            // Stored text was masked on the way in; masking again is a no-op.
                            text: $crate::privacy::mask(&row.text("text")?),
                            at: row.time("at")?,
                        })
                    })
                    .collect()
            }

            async fn handoff_of(
                &self,
                id: &$crate::domain::ConversationId,
            ) -> Result<Option<$crate::store::StoredHandoff>, $crate::store::StoreError> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM handoffs WHERE conversation_id = $1 \
                     ORDER BY created_at DESC, id DESC LIMIT 1",
                    $crate::store::rows::HANDOFF_COLUMNS
                )))
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row
                    .map(|r| $crate::store::rows::handoff_record(&r))
                    .transpose()?
                    .map(|r| r.handoff))
            }

            async fn handoffs(
                &self,
                query: &$crate::store::HandoffQuery,
            ) -> Result<Vec<$crate::store::HandoffRecord>, $crate::store::StoreError> {
                let status = match query.status {
                    $crate::store::HandoffStatusFilter::Pending => "AND acked_at IS NULL",
                    $crate::store::HandoffStatusFilter::Acked => "AND acked_at IS NOT NULL",
                    $crate::store::HandoffStatusFilter::Claimed => {
                        "AND claimed_at IS NOT NULL AND released_at IS NULL"
                    }
                    $crate::store::HandoffStatusFilter::All => "",
                };
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM handoffs \
                     WHERE (CAST($1 AS TEXT) IS NULL OR priority = $1) {status} \
                     ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
                    $crate::store::rows::HANDOFF_COLUMNS
                )))
                .bind(query.priority.map($crate::domain::Priority::as_str))
                .bind(i64::from(query.per_page) + 1)
                .bind(i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map($crate::store::rows::handoff_record)
                    .collect()
            }

            async fn acknowledge(
                &self,
                id: &$crate::domain::HandoffId,
                by: &str,
            ) -> Result<Option<$crate::store::HandoffRecord>, $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE handoffs SET acked_by = $1, acked_at = $2, status = 'acknowledged' \
                     WHERE id = $3 AND acked_at IS NULL",
                )
                .bind(by)
                .bind(chrono::Utc::now())
                .bind(id.as_str())
                .execute(&self.pool)
                .await?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM handoffs WHERE id = $1",
                    $crate::store::rows::HANDOFF_COLUMNS
                )))
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| $crate::store::rows::handoff_record(&r))
                    .transpose()
            }

            async fn receipt(
                &self,
                id: &$crate::domain::ConversationId,
                key: &$crate::domain::IdempotencyKey,
            ) -> Result<Option<$crate::store::Receipt>, $crate::store::StoreError> {
                use $crate::store::rows::StoreRow;
                let row = sqlx::query(
                    "SELECT request_digest, response FROM message_receipts \
                     WHERE conversation_id = $1 AND idempotency_key = $2",
                )
                .bind(id.as_str())
                .bind(key.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    Ok($crate::store::Receipt {
                        key: key.clone(),
                        request: $crate::store::RequestDigest::stored(row.text("request_digest")?),
                        response: row.text("response")?,
                    })
                })
                .transpose()
            }

            async fn save_turn(
                &self,
                write: $crate::store::TurnWrite<'_>,
            ) -> Result<(), $crate::store::StoreError> {
                self.$save_turn(write).await
            }

            async fn save_change(
                &self,
                write: $crate::store::ChangeWrite<'_>,
            ) -> Result<Vec<i64>, $crate::store::StoreError> {
                let conversation = write.conversation;
                let id = conversation.id.as_str();
                let now = chrono::Utc::now();
                let mut tx = self.begin_write().await?;
                // Also the row lock that keeps this conversation's events in id order.
                let saved = sqlx::query(
                    "UPDATE conversations SET state = $1, status = $2, updated_at = $3 \
                     WHERE id = $4 AND turn = $5 AND status = $6",
                )
                .bind($crate::store::rows::to_json(conversation, "conversation")?)
                .bind(conversation.state.as_str())
                .bind(now)
                .bind(id)
                .bind(i64::from(write.stored.0))
                .bind(write.stored.1)
                .execute(&mut *tx)
                .await?;
                if saved.rows_affected() == 0 {
                    return Err($crate::store::StoreError::Conflict(id.to_string()));
                }
                Self::append_lines(&mut *tx, id, write.lines).await?;
                match write.handoff {
                    Some($crate::store::HandoffChange::Claimed {
                        id: handoff,
                        agent,
                        at,
                    }) => {
                        sqlx::query(
                            "UPDATE handoffs SET agent_id = $1, agent_name = $2, \
                             claimed_at = $3, acked_by = COALESCE(acked_by, $1), \
                             acked_at = COALESCE(acked_at, $3), status = 'acknowledged' \
                             WHERE id = $4",
                        )
                        .bind(agent.id.as_str())
                        .bind(agent.name.as_str())
                        .bind(at)
                        .bind(handoff.as_str())
                        .execute(&mut *tx)
                        .await?;
                    }
                    Some($crate::store::HandoffChange::Released {
                        id: handoff,
                        outcome,
                        note,
                        at,
                    }) => {
                        sqlx::query(
                            "UPDATE handoffs SET released_at = $1, outcome = $2, note = $3 \
                             WHERE id = $4",
                        )
                        .bind(at)
                        .bind(outcome.as_str())
                        .bind(note.map(|n| n.as_str()))
                        .bind(handoff.as_str())
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {}
                }
                if let Some(rating) = &write.rating {
                    let saved = sqlx::query(
                        "INSERT INTO ratings (conversation_id, handoff_id, intent, score, \
                         comment, day, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id)
                    .bind(rating.handoff.as_str())
                    .bind(rating.intent.map(|i| i.as_str()))
                    .bind(i64::from(rating.score))
                    .bind(rating.comment.map(|c| c.as_str()))
                    .bind(rating.day)
                    .bind(rating.at)
                    .execute(&mut *tx)
                    .await;
                    match saved {
                        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                            return Err($crate::store::StoreError::Duplicate("rating"));
                        }
                        saved => {
                            saved?;
                        }
                    }
                }
                let ids = Self::insert_events(&mut *tx, id, write.events).await?;
                if let Some(receipt) = write.receipt {
                    let receipt = $crate::store::Receipt {
                        key: receipt.key.clone(),
                        request: receipt.request.clone(),
                        response: (receipt.answer)(&ids),
                    };
                    Self::insert_receipt(&mut *tx, id, conversation.turn, &receipt, now).await?;
                }
                tx.commit().await?;
                Ok(ids)
            }

            async fn events(
                &self,
                id: &$crate::domain::ConversationId,
                after: i64,
                audience: $crate::store::Audience,
                limit: u32,
            ) -> Result<Vec<$crate::store::StoredEvent>, $crate::store::StoreError> {
                use $crate::store::rows::StoreRow;
                let kinds = match audience {
                    $crate::store::Audience::Customer => {
                        format!("AND kind IN ({})", $crate::store::events::CUSTOMER_KINDS)
                    }
                    $crate::store::Audience::Desk => String::new(),
                };
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT id, kind, data FROM conversation_events \
                     WHERE conversation_id = $1 AND id > $2 {kinds} ORDER BY id LIMIT $3"
                )))
                .bind(id.as_str())
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        let kind = row.text("kind")?;
                        let body = $crate::store::EventBody::read(&kind, &row.text("data")?)
                            .map_err(|e| {
                                $crate::store::StoreError::Corrupt(format!("event: {e}"))
                            })?;
                        Ok($crate::store::StoredEvent {
                            id: row.int("id")?,
                            conversation_id: id.clone(),
                            body,
                        })
                    })
                    .collect()
            }

            async fn token_sha256(
                &self,
                id: &$crate::domain::ConversationId,
            ) -> Result<Option<String>, $crate::store::StoreError> {
                let row: Option<Option<String>> =
                    sqlx::query_scalar("SELECT token_sha256 FROM conversations WHERE id = $1")
                        .bind(id.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.flatten())
            }

            async fn handoff(
                &self,
                id: &$crate::domain::HandoffId,
            ) -> Result<Option<$crate::store::HandoffRecord>, $crate::store::StoreError> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM handoffs WHERE id = $1",
                    $crate::store::rows::HANDOFF_COLUMNS
                )))
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| $crate::store::rows::handoff_record(&r))
                    .transpose()
            }

            async fn claim_deliveries(
                &self,
                destination: &$crate::domain::WebhookName,
                now: chrono::DateTime<chrono::Utc>,
                lease_until: chrono::DateTime<chrono::Utc>,
                limit: u32,
            ) -> Result<Vec<$crate::store::Delivery>, $crate::store::StoreError> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{} RETURNING {}",
                    $claim,
                    $crate::store::rows::DELIVERY_COLUMNS
                )))
                .bind(lease_until.timestamp_millis())
                .bind(destination.as_str())
                .bind(now.timestamp_millis())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map($crate::store::rows::delivery).collect()
            }

            async fn delivery_succeeded(
                &self,
                id: i64,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE outbox SET status = 'delivered', delivered_at = $1, \
                     last_error = NULL WHERE id = $2",
                )
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn delivery_failed(
                &self,
                id: i64,
                error: &str,
                after: $crate::store::AfterFailure,
            ) -> Result<(), $crate::store::StoreError> {
                let error: String = error
                    .chars()
                    .take($crate::store::rows::MAX_ERROR_CHARS)
                    .collect();
                // A row an operator or another attempt already settled stays as it is.
                let query = match after {
                    $crate::store::AfterFailure::RetryAt(at) => sqlx::query(
                        "UPDATE outbox SET last_error = $1, next_attempt_ms = $2 \
                         WHERE id = $3 AND status = 'pending'",
                    )
                    .bind(error)
                    .bind(at.timestamp_millis()),
                    $crate::store::AfterFailure::GiveUp => sqlx::query(
                        "UPDATE outbox SET last_error = $1, status = 'dead' \
                         WHERE id = $2 AND status = 'pending'",
                    )
                    .bind(error),
                };
                query.bind(id).execute(&self.pool).await?;
                Ok(())
            }

            async fn deliveries(
                &self,
                query: &$crate::store::DeliveryQuery,
            ) -> Result<Vec<$crate::store::Delivery>, $crate::store::StoreError> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM outbox WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) \
                     ORDER BY id DESC LIMIT $2 OFFSET $3",
                    $crate::store::rows::DELIVERY_COLUMNS
                )))
                .bind(query.status.map($crate::store::DeliveryStatus::as_str))
                .bind(i64::from(query.per_page) + 1)
                .bind(i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map($crate::store::rows::delivery).collect()
            }

            async fn retry_delivery(
                &self,
                id: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<$crate::store::Delivery>, $crate::store::StoreError> {
                let ms = now.timestamp_millis();
                sqlx::query(
                    "UPDATE outbox SET status = 'pending', next_attempt_ms = $1, \
                     window_start_ms = $1 WHERE id = $2 AND status != 'delivered'",
                )
                .bind(ms)
                .bind(id)
                .execute(&self.pool)
                .await?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM outbox WHERE id = $1",
                    $crate::store::rows::DELIVERY_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map($crate::store::rows::delivery).transpose()
            }

            async fn outbox_counts(
                &self,
            ) -> Result<Vec<$crate::store::OutboxCount>, $crate::store::StoreError> {
                use $crate::store::rows::StoreRow;
                let rows = sqlx::query(
                    "SELECT destination, status, COUNT(*) AS n FROM outbox \
                     GROUP BY destination, status ORDER BY destination, status",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        let destination = row.text("destination")?;
                        let status = row.text("status")?;
                        Ok($crate::store::OutboxCount {
                            destination: $crate::domain::WebhookName::parse(&destination)
                                .map_err(|e| $crate::store::StoreError::Corrupt(e.to_string()))?,
                            status: status.parse::<$crate::store::DeliveryStatus>().map_err(
                                |_| $crate::store::StoreError::Corrupt(format!("status {status}")),
                            )?,
                            count: u64::try_from(row.int("n")?).unwrap_or(0),
                        })
                    })
                    .collect()
            }

            async fn analytics(
                &self,
                range: $crate::store::DayRange,
            ) -> Result<$crate::store::AnalyticsRows, $crate::store::StoreError> {
                use $crate::store::analytics as a;
                async fn rows<T>(
                    pool: &sqlx::Pool<$db>,
                    sql: &'static str,
                    range: $crate::store::DayRange,
                    read: fn(&<$db as sqlx::Database>::Row) -> Result<T, $crate::store::StoreError>,
                ) -> Result<Vec<T>, $crate::store::StoreError> {
                    let found = sqlx::query(sql)
                        .bind(range.from)
                        .bind(range.to)
                        .fetch_all(pool)
                        .await?;
                    found.iter().map(read).collect()
                }
                Ok($crate::store::AnalyticsRows {
                    conversations: rows(
                        &self.pool,
                        a::CONVERSATIONS_BY_DAY,
                        range,
                        a::conversation_day,
                    )
                    .await?,
                    handoffs: rows(&self.pool, a::HANDOFFS_BY_DAY, range, a::handoff_count).await?,
                    intents: rows(&self.pool, a::INTENTS_BY_DAY, range, a::intent_count).await?,
                    emotions: rows(&self.pool, a::EMOTIONS_BY_DAY, range, a::emotion_count).await?,
                    timings: rows(&self.pool, a::HANDOFF_TIMINGS, range, a::handoff_timing).await?,
                    ratings: rows(&self.pool, a::RATINGS, range, a::rating_row).await?,
                    notices: rows(&self.pool, a::NOTICES, range, a::notice_count).await?,
                })
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}

pub(super) use sql_store;
