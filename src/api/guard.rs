//! The gate every request passes before a handler: rate limit by client address, the API
//! key and its scopes (and origins, for a public key), rate limit by key, and a deadline.
//! Refusals are answered here, in the API's error shape, so they never reach a handler
//! and change nothing. The gate tells handlers who is calling ([`Caller`]): a public key
//! must also show a conversation's token to reach it, which only the handler can check.

use std::net::IpAddr;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};

use super::ApiError;
use super::routes::access_of;
use crate::access::{Access, KeyRing, Limits, RateLimiter, Verdict, access_for_unrouted};

/// Who is calling, as the gate found: handlers of a conversation ask a public caller for
/// the conversation's token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// A public key (bound to origins: the widget's, visible in the bank's page).
    Public,
    /// A server-side key (IVR, desks, admin), or no keys configured (loopback only).
    Trusted,
}

impl Caller {
    /// The caller of a request that passed the gate (trusted when there is no gate).
    pub fn of(request: &actix_web::HttpRequest) -> Caller {
        request
            .extensions()
            .get::<Caller>()
            .copied()
            .unwrap_or(Caller::Trusted)
    }
}

/// The name of the API key a request was let in with (the audit trails record it);
/// `local` when no keys are configured (the service then listens on loopback only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUsed(String);

impl KeyUsed {
    /// Without keys, requests come from this machine.
    const NO_KEYS: &'static str = "local";

    pub fn of(request: &actix_web::HttpRequest) -> String {
        request
            .extensions()
            .get::<KeyUsed>()
            .map_or_else(|| KeyUsed::NO_KEYS.to_string(), |k| k.0.clone())
    }
}

/// What the gate knows: the keys and the limiters.
pub struct Gate {
    keys: KeyRing,
    limits: Limits,
    per_key: RateLimiter,
    per_address: RateLimiter,
}

impl Gate {
    pub fn new(keys: KeyRing, limits: Limits) -> Gate {
        Gate {
            per_key: RateLimiter::new(limits.per_key_per_minute),
            per_address: RateLimiter::new(limits.per_address_per_minute),
            keys,
            limits,
        }
    }

    /// Decides on one request, and who the caller is.
    fn admit(&self, request: &ServiceRequest) -> Result<Caller, ApiError> {
        let now = Instant::now();
        let address = request.peer_addr().map(|a| a.ip());
        if let Some(ip) = address
            && (self.limits.limit_loopback || !is_loopback(ip))
            && let Verdict::Limited(wait) = self.per_address.check(&ip.to_string(), now)
        {
            return Err(ApiError::RateLimited(wait));
        }
        let access = request
            .match_pattern()
            .and_then(|pattern| access_of(&pattern))
            .unwrap_or_else(|| access_for_unrouted(request.path()));
        let (scope, query_allowed) = match access {
            Access::Public | Access::OwnSignature => return Ok(Caller::Trusted),
            Access::Key(scope) => (scope, false),
            Access::KeyOrPublicInQuery(scope) => (scope, true),
        };
        if self.keys.is_empty() {
            // No keys configured: the service listens on loopback only (see startup).
            return Ok(Caller::Trusted);
        }
        let (token, in_query) = match bearer_token(request) {
            Some(token) => (token.to_string(), false),
            None => match query_key(request).filter(|_| query_allowed) {
                Some(token) => (token, true),
                None => {
                    return Err(ApiError::Unauthorized(
                        "send an API key: `Authorization: Bearer <key>`".into(),
                    ));
                }
            },
        };
        let key = self
            .keys
            .authenticate(&token)
            .ok_or_else(|| ApiError::Unauthorized("unknown API key".into()))?;
        if in_query && key.origins.is_empty() {
            return Err(ApiError::Unauthorized(
                "only a public (origin-bound) key may be sent in the URL; send this key as `Authorization: Bearer <key>`".into(),
            ));
        }
        request.extensions_mut().insert(KeyUsed(key.name.clone()));
        if !key.allows(scope) {
            return Err(ApiError::Forbidden(format!(
                "API key `{}` may not call {} endpoints",
                key.name, scope
            )));
        }
        let origin = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok());
        if !key.allows_origin(origin) {
            return Err(ApiError::Forbidden(format!(
                "API key `{}` may not be used from this origin",
                key.name
            )));
        }
        if let Verdict::Limited(wait) = self.per_key.check(&key.name, now) {
            return Err(ApiError::RateLimited(wait));
        }
        Ok(if key.origins.is_empty() {
            Caller::Trusted
        } else {
            Caller::Public
        })
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

fn bearer_token(request: &ServiceRequest) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The `key` query parameter (streams a browser opens with `EventSource`).
fn query_key(request: &ServiceRequest) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(request.query_string())
        .ok()?
        .into_iter()
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

/// The middleware function (`middleware::from_fn(guard)`).
pub async fn guard(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(gate) = request.app_data::<web::Data<Gate>>().cloned() else {
        return next.call(request).await.map(|r| r.map_into_left_body());
    };
    match gate.admit(&request) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            let deadline = gate.limits.request_timeout;
            match tokio::time::timeout(deadline, next.call(request)).await {
                Ok(response) => response.map(|r| r.map_into_left_body()),
                Err(_) => {
                    tracing::warn!(
                        timeout_ms = deadline.as_millis() as u64,
                        "request timed out"
                    );
                    // The request was consumed by the handler; answer without it.
                    Err(ApiError::Timeout(deadline).into())
                }
            }
        }
        Err(refusal) => {
            if let ApiError::RateLimited(_) = refusal {
                tracing::warn!(path = request.path(), "rate limited");
            }
            let response = refusal.error_response();
            Ok(request.into_response(response).map_into_right_body())
        }
    }
}
