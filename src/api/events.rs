//! The event streams, as Server-Sent Events: `GET /v1/conversations/{id}/events` for the
//! customer's widget and `GET /v1/handoffs/{id}/events` for the agent's desk. A stream
//! sends the history after the client's last event id (`Last-Event-ID`, or `?after=` after
//! a page reload), then each new event as it is stored, each once, and a `: ping` comment
//! when nothing happened for a while so that proxies keep the connection open.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::conversations::{check_token, conversation_id};
use super::{ApiError, AppState};
use crate::conversations::{EventStream, Next};
use crate::domain::{ConversationId, HandoffId};
use crate::store::{Audience, StoredEvent};

/// A comment this often keeps an idle stream open through proxies.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How long a browser waits before reconnecting a dropped stream, in milliseconds.
const RETRY_MS: u32 = 2_000;

/// The header a reconnecting client names the last event it got with.
const LAST_EVENT_ID: &str = "Last-Event-ID";

/// `GET /v1/conversations/{id}/events`: what the customer sees.
pub async fn customer(
    state: web::Data<AppState>,
    path: web::Path<String>,
    http: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    check_token(&state, &http, &id).await?;
    let after = resume_point(&http)?;
    known(&state, &id).await?;
    Ok(stream(state.conversations.event_stream(
        id,
        Audience::Customer,
        after,
    )))
}

/// `GET /v1/handoffs/{id}/events`: everything, for the desk.
pub async fn desk(
    state: web::Data<AppState>,
    path: web::Path<String>,
    http: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let handoff = HandoffId::parse(&path)
        .ok_or_else(|| ApiError::NotFound(format!("no handoff {}", path.as_str())))?;
    let after = resume_point(&http)?;
    let id = state.conversations.handoff_conversation(&handoff).await?;
    Ok(stream(state.conversations.event_stream(
        id,
        Audience::Desk,
        after,
    )))
}

/// A conversation that does not exist has no stream (a public caller never gets here:
/// without the token of an existing conversation it was refused already).
async fn known(state: &AppState, id: &ConversationId) -> Result<(), ApiError> {
    use crate::store::Store;
    match state.store.conversation(id).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound(format!(
            "no conversation `{}`",
            id.as_str()
        ))),
    }
}

/// The last event id the client has: `Last-Event-ID`, else `?after=`, else none (0).
fn resume_point(request: &HttpRequest) -> Result<i64, ApiError> {
    let bad = |what: &str| ApiError::InvalidField(format!("{what}: an event id (0 or more)"));
    if let Some(value) = request.headers().get(LAST_EVENT_ID) {
        return value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|id| *id >= 0)
            .ok_or_else(|| bad(LAST_EVENT_ID));
    }
    let after = serde_urlencoded::from_str::<Vec<(String, String)>>(request.query_string())
        .map_err(|_| bad("after"))?
        .into_iter()
        .find(|(name, _)| name == "after")
        .map(|(_, value)| value);
    match after {
        Some(value) => value
            .parse::<i64>()
            .ok()
            .filter(|id| *id >= 0)
            .ok_or_else(|| bad("after")),
        None => Ok(0),
    }
}

/// One event in the SSE wire format.
fn encode(event: &StoredEvent) -> Result<String, serde_json::Error> {
    let data = event.body.data()?;
    Ok(format!(
        "id: {}\nevent: {}\ndata: {}\n\n",
        event.id,
        event.body.kind(),
        data
    ))
}

/// The response: the stream's events as they come. A store error ends the stream; the
/// client reconnects from its last id.
fn stream(events: EventStream) -> HttpResponse {
    let start = web::Bytes::from(format!("retry: {RETRY_MS}\n\n"));
    let body = futures_util::stream::unfold(Some(events), |events| async move {
        let mut events = events?;
        let chunk = match events.next(KEEP_ALIVE).await {
            Ok(Next::Events(list)) => {
                let mut chunk = String::new();
                for event in &list {
                    match encode(event) {
                        Ok(text) => chunk.push_str(&text),
                        Err(error) => {
                            tracing::error!(%error, "event not serialisable");
                            return None;
                        }
                    }
                }
                chunk
            }
            Ok(Next::KeepAlive) => ": ping\n\n".to_string(),
            Err(error) => {
                tracing::warn!(%error, "event stream ended: the store failed");
                return None;
            }
        };
        Some((Ok::<_, Infallible>(web::Bytes::from(chunk)), Some(events)))
    });
    let body = futures_util::stream::once(async move { Ok::<_, Infallible>(start) }).chain(body);
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}
