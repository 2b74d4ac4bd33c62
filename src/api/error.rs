//! The one place where errors become HTTP responses: every error is
//! `{"error": {"code": "...", "message": "..."}}` with the status from one table.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError, error::JsonPayloadError};
use serde::Serialize;

/// The request body limit.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// How long a client should wait before retrying a 503.
const RETRY_AFTER_SECONDS: &str = "5";

/// An error a request can end in.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    #[error("{0}")]
    InvalidField(String),
    #[error("{0}")]
    InvalidConversationId(String),
    #[error("request body is larger than {MAX_BODY_BYTES} bytes")]
    PayloadTooLarge,
    #[error("content type must be application/json")]
    UnsupportedMediaType,
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("too many requests; retry in {} s", retry_seconds(.0))]
    RateLimited(std::time::Duration),
    #[error("the request took longer than {} ms", .0.as_millis())]
    Timeout(std::time::Duration),
    #[error("too many conversations at once; please retry")]
    Busy,
    #[error("{0}")]
    ConversationTooLong(String),
    #[error(transparent)]
    InvalidIdempotencyKey(#[from] super::conversations::MessageKeyError),
    /// The key names another message of the conversation.
    #[error("{0}")]
    IdempotencyKeyReused(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    NotReady(String),
    /// New content with errors: the last good content keeps serving.
    #[error("the content has {} problem(s); still serving the last good content", .0.len())]
    ContentRejected(Vec<String>),
    /// Another agent has the conversation; the body names them.
    #[error("{message}")]
    Claimed {
        message: String,
        agent: crate::domain::AgentRef,
    },
    #[error("{0}")]
    NotWaiting(String),
    #[error("{0}")]
    NotOwner(String),
    #[error("{0}")]
    NoRatingRequested(String),
    #[error("{0}")]
    AlreadyRated(String),
    /// A notice that is not valid (each problem as `field: message`): nothing was saved.
    #[error("the notice has {} problem(s); nothing was published", .0.len())]
    NoticeRejected(Vec<String>),
    /// A notice of the content files: changed by changing its file.
    #[error("{0}")]
    NoticeFromFile(String),
    /// Fulfilling a cancelled commitment, or cancelling a fulfilled one.
    #[error("{0}")]
    CommitmentSettled(String),
    /// The agent's message is saved in the conversation, but WeChat's message API did not
    /// take it (the customer has not seen it).
    #[error("{0}")]
    WechatUndelivered(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The table: each error's status and machine-readable code.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::InvalidField(_) => (StatusCode::BAD_REQUEST, "invalid_field"),
            ApiError::InvalidConversationId(_) => {
                (StatusCode::BAD_REQUEST, "invalid_conversation_id")
            }
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "timeout"),
            ApiError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ApiError::ConversationTooLong(_) => (StatusCode::CONFLICT, "conversation_too_long"),
            ApiError::InvalidIdempotencyKey(_) => {
                (StatusCode::BAD_REQUEST, "invalid_idempotency_key")
            }
            ApiError::IdempotencyKeyReused(_) => (StatusCode::CONFLICT, "idempotency_key_reused"),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::NotReady(_) => (StatusCode::SERVICE_UNAVAILABLE, "not_ready"),
            ApiError::ContentRejected(_) => (StatusCode::UNPROCESSABLE_ENTITY, "content_rejected"),
            ApiError::Claimed { .. } => (StatusCode::CONFLICT, "claimed"),
            ApiError::NotWaiting(_) => (StatusCode::CONFLICT, "not_waiting"),
            ApiError::NotOwner(_) => (StatusCode::CONFLICT, "not_owner"),
            ApiError::NoRatingRequested(_) => (StatusCode::CONFLICT, "no_rating_requested"),
            ApiError::AlreadyRated(_) => (StatusCode::CONFLICT, "already_rated"),
            ApiError::CommitmentSettled(_) => (StatusCode::CONFLICT, "commitment_settled"),
            ApiError::NoticeRejected(_) => (StatusCode::UNPROCESSABLE_ENTITY, "notice_rejected"),
            ApiError::NoticeFromFile(_) => (StatusCode::CONFLICT, "notice_from_file"),
            ApiError::WechatUndelivered(_) => (StatusCode::BAD_GATEWAY, "wechat_undelivered"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
    /// Each problem as `path:line: message`, for errors about content.
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<&'a [String]>,
    /// Who has the conversation, for `claimed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    agent: Option<&'a crate::domain::AgentRef>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status_and_code().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(cause) = self {
            // Logged once, here, with its cause chain; the client only learns that it failed.
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let mut response = HttpResponse::build(status);
        if let ApiError::RateLimited(wait) = self {
            response.insert_header((header::RETRY_AFTER, retry_seconds(wait).to_string()));
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            ));
        }
        if let ApiError::Unauthorized(_) = self {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code,
                message: self.to_string(),
                problems: match self {
                    ApiError::ContentRejected(problems) | ApiError::NoticeRejected(problems) => {
                        Some(problems)
                    }
                    _ => None,
                },
                agent: match self {
                    ApiError::Claimed { agent, .. } => Some(agent),
                    _ => None,
                },
            },
        })
    }
}

/// Whole seconds to wait, rounded up (`Retry-After` has no fractions; 0 would invite a
/// retry that is refused again).
fn retry_seconds(wait: &std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl From<crate::conversations::TurnError> for ApiError {
    fn from(error: crate::conversations::TurnError) -> Self {
        use crate::conversations::TurnError;
        match error {
            TurnError::Store(e) => e.into(),
            TurnError::TooLong(_) => ApiError::ConversationTooLong(error.to_string()),
            TurnError::Busy => ApiError::Busy,
            TurnError::Unserialisable(e) => ApiError::Internal(e.into()),
            TurnError::KeyReused(_) => ApiError::IdempotencyKeyReused(error.to_string()),
            TurnError::Token(e) => ApiError::Internal(e.into()),
        }
    }
}

impl From<crate::conversations::LiveChatError> for ApiError {
    fn from(error: crate::conversations::LiveChatError) -> Self {
        use crate::conversations::LiveChatError;
        use crate::dialogue::OwnershipError;
        let message = error.to_string();
        match error {
            LiveChatError::Store(e) => e.into(),
            LiveChatError::Ownership(OwnershipError::Claimed(agent)) => {
                ApiError::Claimed { message, agent }
            }
            LiveChatError::Ownership(OwnershipError::NotWaiting(_)) => {
                ApiError::NotWaiting(message)
            }
            LiveChatError::Ownership(OwnershipError::NotOwner(_)) => ApiError::NotOwner(message),
            LiveChatError::UnknownHandoff(_) | LiveChatError::UnknownConversation(_) => {
                ApiError::NotFound(message)
            }
            LiveChatError::NoRatingRequested => ApiError::NoRatingRequested(message),
            LiveChatError::AlreadyRated => ApiError::AlreadyRated(message),
            LiveChatError::KeyReused(_) => ApiError::IdempotencyKeyReused(message),
            LiveChatError::Unserialisable(e) => ApiError::Internal(e.into()),
        }
    }
}

impl From<crate::conversations::PromiseError> for ApiError {
    fn from(error: crate::conversations::PromiseError) -> Self {
        use crate::conversations::PromiseError;
        match error {
            PromiseError::Store(e) => e.into(),
            PromiseError::NoConversation(_) | PromiseError::NoCommitment(_) => {
                ApiError::NotFound(error.to_string())
            }
            PromiseError::AlreadySettled { .. } => ApiError::CommitmentSettled(error.to_string()),
            PromiseError::UnknownIntent(_) => ApiError::InvalidField(error.to_string()),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    /// A store that cannot be reached (or lost a race) may answer on a retry: 503. Stored
    /// data that cannot be read will not get better by retrying: 500, logged once.
    fn from(error: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match error {
            StoreError::Database(_) | StoreError::Writer(_) | StoreError::Conflict(_) => {
                tracing::error!(%error, "store failed");
                ApiError::NotReady("the conversation store is unavailable; please retry".into())
            }
            StoreError::Corrupt(_)
            | StoreError::Unserialisable(_)
            | StoreError::DataDir { .. }
            | StoreError::Duplicate(_)
            | StoreError::Url(_) => ApiError::Internal(error.into()),
        }
    }
}

impl From<JsonPayloadError> for ApiError {
    fn from(error: JsonPayloadError) -> Self {
        match error {
            JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                ApiError::PayloadTooLarge
            }
            JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
            JsonPayloadError::Deserialize(e) if e.is_data() => {
                ApiError::InvalidField(data_error_message(&e))
            }
            JsonPayloadError::Deserialize(e) => ApiError::MalformedJson(e.to_string()),
            other => ApiError::MalformedJson(other.to_string()),
        }
    }
}

/// serde_json says `unknown variant `xx`, expected ... at line 1 column 30`; the position
/// is noise for a client that sent one small object.
fn data_error_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    }
}

impl From<crate::notices::NoticeError> for ApiError {
    fn from(error: crate::notices::NoticeError) -> ApiError {
        use crate::notices::NoticeError;
        let message = error.to_string();
        match error {
            NoticeError::Invalid(problems) => ApiError::NoticeRejected(
                problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect(),
            ),
            NoticeError::FromFile(_) => ApiError::NoticeFromFile(message),
            NoticeError::NotFound(_) => ApiError::NotFound(message),
            NoticeError::Store(e) => e.into(),
        }
    }
}
