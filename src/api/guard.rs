//! The gate every request passes before a handler: rate limit by client address, the API
//! key and its scopes (and origins, for a public key), rate limit by key, and a deadline.
//! Refusals are answered here, in the API's error shape, so they never reach a handler
//! and change nothing.

use std::net::IpAddr;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use super::ApiError;
use super::routes::access_of;
use crate::access::{Access, KeyRing, Limits, RateLimiter, Verdict, access_for_unrouted};

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

    /// Decides on one request.
    fn admit(&self, request: &ServiceRequest) -> Result<(), ApiError> {
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
        let scope = match access {
            Access::Public | Access::OwnSignature => return Ok(()),
            Access::Key(scope) => scope,
        };
        if self.keys.is_empty() {
            // No keys configured: the service listens on loopback only (see startup).
            return Ok(());
        }
        let token = bearer_token(request).ok_or_else(|| {
            ApiError::Unauthorized("send an API key: `Authorization: Bearer <key>`".into())
        })?;
        let key = self
            .keys
            .authenticate(token)
            .ok_or_else(|| ApiError::Unauthorized("unknown API key".into()))?;
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
        Ok(())
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

/// The middleware function (`middleware::from_fn(guard)`).
pub async fn guard(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(gate) = request.app_data::<web::Data<Gate>>().cloned() else {
        return next.call(request).await.map(|r| r.map_into_left_body());
    };
    match gate.admit(&request) {
        Ok(()) => {
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
