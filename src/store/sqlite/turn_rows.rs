//! A turn's writes as owned rows, ready for the writer thread: everything a turn saves,
//! serialised on the caller's task (in parallel with other turns) so that the one writer
//! only binds and steps. The values are written exactly as sqlx writes them (times as
//! RFC 3339 with `+00:00`, dates as `YYYY-MM-DD`, booleans as 0/1), so the rest of the
//! store reads them back unchanged.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::store::rows::to_json;
use crate::store::{StoreError, TurnWrite};

/// A time as sqlx's SQLite driver encodes `DateTime<Utc>`: ordering and reading in the
/// shared queries depend on every writer using the same text.
pub(super) fn sql_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// A bank day as sqlx's SQLite driver encodes `NaiveDate`.
pub(super) fn sql_day(day: &NaiveDate) -> String {
    day.format("%F").to_string()
}

pub(super) struct LineRow {
    pub role: &'static str,
    pub text: String,
    pub at: String,
}

pub(super) struct EventRow {
    pub kind: &'static str,
    pub data: String,
    pub at: String,
}

pub(super) struct CommitmentRow {
    pub id: String,
    pub customer_id: Option<String>,
    pub intent: String,
    pub template: String,
    pub text: String,
    pub made_by: String,
    pub made_at: String,
    pub day: String,
    pub due_by: String,
    pub due_at: String,
    pub due_ms: i64,
    pub due_soon_ms: i64,
    pub status: String,
    pub due_soon_sent: bool,
    pub overdue_sent: bool,
}

pub(super) struct OutboxRow {
    pub destination: String,
    pub idempotency_key: String,
    pub payload: String,
}

pub(super) struct HandoffRow {
    pub id: String,
    pub reason: &'static str,
    pub priority: &'static str,
    pub summary: String,
    pub created_at: String,
    pub outbox: Vec<OutboxRow>,
}

pub(super) struct ReceiptRow {
    pub key: String,
    pub request: String,
    pub response: String,
}

pub(super) struct FactsRow {
    pub day: String,
    pub channel: &'static str,
    pub intent: Option<String>,
    pub complaint: bool,
    pub emotion: &'static str,
    pub notice: Option<String>,
    pub at_ms: i64,
    pub city: Option<String>,
}

/// Everything one turn writes, in the order [`super::turn_writer`] writes it.
pub(super) struct TurnRows {
    pub id: String,
    pub state: String,
    pub turn: i64,
    pub status: &'static str,
    pub channel: &'static str,
    pub created_at: String,
    /// When the turn was saved (`updated_at`, receipts, outbox times).
    pub now: String,
    pub now_ms: i64,
    pub token_sha256: Option<String>,
    /// The turn and state the conversation had when loaded; `None`: a new one.
    pub stored: Option<(i64, &'static str)>,
    pub receipt: Option<ReceiptRow>,
    pub amend_last_customer_line: Option<String>,
    pub lines: Vec<LineRow>,
    pub commitments: Vec<CommitmentRow>,
    pub facts: FactsRow,
    pub handoff: Option<HandoffRow>,
    pub events: Vec<EventRow>,
    /// The turn's audit record (JSON) and its time (ms).
    pub audit: Option<(String, i64)>,
}

impl TurnRows {
    pub fn new(write: &TurnWrite<'_>, now: DateTime<Utc>) -> Result<TurnRows, StoreError> {
        let conversation = write.conversation;
        let facts = write.facts;
        let events = write
            .events
            .iter()
            .map(|event| {
                let data = event
                    .data()
                    .map_err(|e| StoreError::Unserialisable(e.to_string()))?;
                Ok(EventRow {
                    kind: event.kind(),
                    data: data.to_string(),
                    at: sql_time(&event.at()),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let handoff = write
            .handoff
            .map(|handoff| {
                Ok::<_, StoreError>(HandoffRow {
                    id: handoff.id.as_str().to_owned(),
                    reason: handoff.reason.as_str(),
                    priority: handoff.priority.as_str(),
                    summary: to_json(&handoff.summary, "handoff summary")?,
                    created_at: sql_time(&handoff.created_at),
                    outbox: write
                        .outbox
                        .iter()
                        .map(|entry| OutboxRow {
                            destination: entry.destination.as_str().to_owned(),
                            idempotency_key: entry.idempotency_key.clone(),
                            payload: entry.payload.clone(),
                        })
                        .collect(),
                })
            })
            .transpose()?;
        Ok(TurnRows {
            id: conversation.id.as_str().to_owned(),
            state: to_json(conversation, "conversation")?,
            turn: i64::from(conversation.turn),
            status: conversation.state.as_str(),
            channel: conversation.channel.as_str(),
            created_at: sql_time(&conversation.created_at),
            now: sql_time(&now),
            now_ms: now.timestamp_millis(),
            token_sha256: write.token_sha256.map(str::to_owned),
            stored: write.stored.map(|(turn, status)| (i64::from(turn), status)),
            receipt: write.receipt.map(|receipt| ReceiptRow {
                key: receipt.key.as_str().to_owned(),
                request: receipt.request.as_str().to_owned(),
                response: receipt.response.clone(),
            }),
            amend_last_customer_line: write
                .amend_last_customer_line
                .map(|text| text.as_str().to_owned()),
            lines: write
                .lines
                .iter()
                .map(|line| LineRow {
                    role: line.role.as_str(),
                    text: line.text.as_str().to_owned(),
                    at: sql_time(&line.at),
                })
                .collect(),
            commitments: write
                .commitments
                .iter()
                .map(|c| CommitmentRow {
                    id: c.id.as_str().to_owned(),
                    customer_id: c.customer_id.clone(),
                    intent: c.intent.as_str().to_owned(),
                    template: c.template.clone(),
                    text: c.text.as_str().to_owned(),
                    made_by: c.made_by.clone(),
                    made_at: sql_time(&c.made_at),
                    day: sql_day(&c.day),
                    due_by: sql_day(&c.due_by),
                    due_at: sql_time(&c.due_at),
                    due_ms: c.due_at.timestamp_millis(),
                    due_soon_ms: c.due_soon_at.timestamp_millis(),
                    status: c.status.as_str().to_owned(),
                    due_soon_sent: c.due_soon_sent,
                    overdue_sent: c.overdue_sent,
                })
                .collect(),
            facts: FactsRow {
                day: sql_day(&facts.day),
                channel: facts.channel.as_str(),
                intent: facts.intent.as_ref().map(|i| i.as_str().to_owned()),
                complaint: facts.complaint,
                emotion: facts.emotion.as_str(),
                notice: facts.notice.as_ref().map(|n| n.as_str().to_owned()),
                at_ms: facts.at.timestamp_millis(),
                city: facts.city.clone(),
            },
            handoff,
            events,
            audit: write
                .audit
                .map(|a| {
                    serde_json::to_string(a)
                        .map(|json| (json, a.at.timestamp_millis()))
                        .map_err(|e| StoreError::Unserialisable(format!("audit record: {e}")))
                })
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use sqlx::{Row, SqlitePool};

    /// The writer thread and sqlx must write the same text for the same time and day,
    /// or the shared queries would order and read its rows differently.
    #[tokio::test]
    async fn times_and_days_are_written_as_sqlx_writes_them() {
        let pool = SqlitePool::connect("sqlite::memory:").await.unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 8, 30, 5).unwrap()
            + chrono::Duration::nanoseconds(123_456_789);
        let whole = Utc.with_ymd_and_hms(2026, 12, 1, 8, 30, 5).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let row = sqlx::query("SELECT $1 AS a, $2 AS b, $3 AS c")
            .bind(at)
            .bind(whole)
            .bind(day)
            .fetch_one(&pool)
            .await
            .unwrap();
        let texts: (String, String, String) = (row.get("a"), row.get("b"), row.get("c"));
        assert_eq!(texts, (sql_time(&at), sql_time(&whole), sql_day(&day)));
    }
}
