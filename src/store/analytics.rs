//! What analytics reads from the store: counts per bank day, never text. The queries are
//! the same for every database (numbered placeholders, standard SQL); the figures
//! (rates, top lists, hotspots) are computed from these rows by `crate::analytics`.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::ColumnIndex;

use super::StoreError;
use super::rows::{StoreRow, from_name};
use crate::content::NoticeId;
use crate::dialogue::ReleaseOutcome;
use crate::domain::{Channel, EmotionLabel, HandoffReason, IntentId, Priority};

/// What analytics keeps of one customer turn.
#[derive(Clone, Debug, PartialEq)]
pub struct TurnFacts {
    /// The bank's calendar day of the turn.
    pub day: NaiveDate,
    pub channel: Channel,
    /// `None`: nothing was recognised, the bot fell back.
    pub intent: Option<IntentId>,
    /// The intent is a complaint (content's `kind: complaint`).
    pub complaint: bool,
    pub emotion: EmotionLabel,
    /// The crisis notice whose statement this turn's reply gave, if any.
    pub notice: Option<NoticeId>,
    /// When the turn was taken: surges compare the last hour with the same hour before.
    pub at: DateTime<Utc>,
    /// The city the message or the customer's details named (one of the content's
    /// `cities`), for surges by place.
    pub city: Option<String>,
}

/// Bank days, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Conversations started on a day, and how they stand now.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationDay {
    pub day: NaiveDate,
    pub started: u64,
    pub handed_off: u64,
    pub closed: u64,
}

/// Handoffs created on a day for one reason and priority.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoffCount {
    pub day: NaiveDate,
    pub reason: HandoffReason,
    pub priority: Priority,
    pub count: u64,
}

/// How often an intent (or nothing: a fallback) was heard on a day.
#[derive(Clone, Debug, PartialEq)]
pub struct IntentCount {
    pub day: NaiveDate,
    pub intent: Option<IntentId>,
    pub complaint: bool,
    /// Conversations in which it was heard at least once.
    pub conversations: u64,
    pub turns: u64,
}

/// Customer turns of a day that showed an emotion.
#[derive(Clone, Debug, PartialEq)]
pub struct EmotionCount {
    pub day: NaiveDate,
    pub emotion: EmotionLabel,
    pub turns: u64,
}

/// When a handoff of the range was made, claimed in the chat and released, and how.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoffTiming {
    pub created_at: DateTime<Utc>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub released: Option<(DateTime<Utc>, ReleaseOutcome)>,
}

/// A customer's rating of an agent, with the handoff's primary intent.
#[derive(Clone, Debug, PartialEq)]
pub struct RatingRow {
    pub intent: Option<IntentId>,
    pub score: u8,
}

/// Everything analytics reads for a range of days.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnalyticsRows {
    pub conversations: Vec<ConversationDay>,
    pub handoffs: Vec<HandoffCount>,
    pub intents: Vec<IntentCount>,
    pub emotions: Vec<EmotionCount>,
    /// Handoffs made in the range, for the live chat's times and outcomes.
    pub timings: Vec<HandoffTiming>,
    /// Ratings given in the range.
    pub ratings: Vec<RatingRow>,
    /// Conversations each crisis notice was given to in the range.
    pub notices: Vec<NoticeCount>,
}

/// How many conversations a crisis notice was given to.
#[derive(Clone, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct NoticeCount {
    pub notice: NoticeId,
    pub conversations: u64,
}

pub(super) const NOTICES: &str = "SELECT notice, COUNT(DISTINCT conversation_id) AS n \
     FROM turn_facts WHERE notice IS NOT NULL AND day BETWEEN $1 AND $2 \
     GROUP BY notice ORDER BY notice";

pub(super) fn notice_count<R: StoreRow>(row: &R) -> Result<NoticeCount, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    let notice = row.optional_text("notice")?.unwrap_or_default();
    Ok(NoticeCount {
        notice: NoticeId::parse(&notice).map_err(StoreError::Corrupt)?,
        conversations: u64::try_from(row.int("n")?).unwrap_or_default(),
    })
}

/// A conversation counts as handed off if it ever was (an agent may have closed it, or
/// given it back to the bot, since); as closed if the bot closed it without a handoff.
pub(super) const CONVERSATIONS_BY_DAY: &str = "SELECT day, COUNT(*) AS started, \
     SUM(CASE WHEN EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = conversations.id) \
         THEN 1 ELSE 0 END) AS handed_off, \
     SUM(CASE WHEN status = 'closed' AND NOT EXISTS (SELECT 1 FROM handoffs h \
         WHERE h.conversation_id = conversations.id) THEN 1 ELSE 0 END) AS closed \
     FROM conversations WHERE day BETWEEN $1 AND $2 GROUP BY day ORDER BY day";

pub(super) const HANDOFFS_BY_DAY: &str = "SELECT day, reason, priority, COUNT(*) AS n \
     FROM handoffs WHERE day BETWEEN $1 AND $2 GROUP BY day, reason, priority \
     ORDER BY day, reason, priority";

pub(super) const INTENTS_BY_DAY: &str = "SELECT day, intent, complaint, \
     COUNT(DISTINCT conversation_id) AS conversations, COUNT(*) AS turns \
     FROM turn_facts WHERE day BETWEEN $1 AND $2 GROUP BY day, intent, complaint \
     ORDER BY day, intent";

pub(super) const EMOTIONS_BY_DAY: &str = "SELECT day, emotion, COUNT(*) AS n \
     FROM turn_facts WHERE day BETWEEN $1 AND $2 GROUP BY day, emotion ORDER BY day, emotion";

pub(super) const HANDOFF_TIMINGS: &str = "SELECT created_at, claimed_at, released_at, outcome \
     FROM handoffs WHERE day BETWEEN $1 AND $2 ORDER BY created_at";

pub(super) const RATINGS: &str =
    "SELECT intent, score FROM ratings WHERE day BETWEEN $1 AND $2 ORDER BY at";

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(super) fn conversation_day<R: StoreRow>(row: &R) -> Result<ConversationDay, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    Ok(ConversationDay {
        day: row.day("day")?,
        started: count(row.int("started")?),
        handed_off: count(row.int("handed_off")?),
        closed: count(row.int("closed")?),
    })
}

pub(super) fn handoff_count<R: StoreRow>(row: &R) -> Result<HandoffCount, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    Ok(HandoffCount {
        day: row.day("day")?,
        reason: from_name(&row.text("reason")?, "handoff reason")?,
        priority: from_name(&row.text("priority")?, "handoff priority")?,
        count: count(row.int("n")?),
    })
}

pub(super) fn intent_count<R: StoreRow>(row: &R) -> Result<IntentCount, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    let intent = row
        .optional_text("intent")?
        .map(|id| IntentId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()?;
    Ok(IntentCount {
        day: row.day("day")?,
        intent,
        complaint: row.flag("complaint")?,
        conversations: count(row.int("conversations")?),
        turns: count(row.int("turns")?),
    })
}

pub(super) fn emotion_count<R: StoreRow>(row: &R) -> Result<EmotionCount, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    Ok(EmotionCount {
        day: row.day("day")?,
        emotion: from_name(&row.text("emotion")?, "emotion")?,
        turns: count(row.int("n")?),
    })
}

pub(super) fn handoff_timing<R: StoreRow>(row: &R) -> Result<HandoffTiming, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    let released = match (
        row.optional_time("released_at")?,
        row.optional_text("outcome")?,
    ) {
        (Some(at), Some(outcome)) => Some((at, from_name(&outcome, "release outcome")?)),
        _ => None,
    };
    Ok(HandoffTiming {
        created_at: row.time("created_at")?,
        claimed_at: row.optional_time("claimed_at")?,
        released,
    })
}

pub(super) fn rating_row<R: StoreRow>(row: &R) -> Result<RatingRow, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
{
    let intent = row
        .optional_text("intent")?
        .map(|id| IntentId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()?;
    let score = row.int("score")?;
    Ok(RatingRow {
        intent,
        score: u8::try_from(score)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .ok_or_else(|| StoreError::Corrupt(format!("rating {score}")))?,
    })
}
