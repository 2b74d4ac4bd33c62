//! Webhook signatures: `X-Frontline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
//! `"<t>.<body>"` with the destination's shared secret. The timestamp is signed too, so a
//! receiver that checks it against its clock can refuse a replayed request.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Frontline-Signature";

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is not `t=<seconds>,v1=<hex>`")]
    Malformed,
    #[error("the signature does not match the body and the secret")]
    Mismatch,
    #[error("the signature is {age_secs} s away from now: a replay or a wrong clock")]
    Stale { age_secs: i64 },
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// What a receiver does: checks `header` against `body` and the shared secret, and that
/// the timestamp is within `tolerance_secs` of `now` (Unix seconds).
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signature = decode_hex(value),
            _ => {}
        }
    }
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Malformed);
    };
    mac(secret, timestamp, body)
        .verify_slice(&signature)
        .map_err(|_| SignatureError::Mismatch)?;
    let age_secs = now - timestamp;
    if age_secs.abs() > tolerance_secs {
        return Err(SignatureError::Stale { age_secs });
    }
    Ok(())
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec-test";

    #[test]
    fn a_signed_body_verifies_with_the_same_secret() {
        let header = sign(SECRET, 1_700_000_000, b"{\"id\":\"h-1\"}");
        assert!(header.starts_with("t=1700000000,v1="));
        assert_eq!(
            verify(SECRET, &header, b"{\"id\":\"h-1\"}", 1_700_000_010, 300),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_another_secret_or_an_old_timestamp_is_refused() {
        let header = sign(SECRET, 1_700_000_000, b"{\"id\":\"h-1\"}");
        let body = b"{\"id\":\"h-1\"}";
        assert_eq!(
            verify(SECRET, &header, b"{\"id\":\"h-2\"}", 1_700_000_000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", &header, body, 1_700_000_000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, &header, body, 1_700_000_301, 300),
            Err(SignatureError::Stale { age_secs: 301 })
        );
        // Moving the timestamp forward to pass the age check breaks the signature.
        let forged = header.replace("t=1700000000", "t=1700000301");
        assert_eq!(
            verify(SECRET, &forged, body, 1_700_000_301, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, "v1=abc", body, 1_700_000_000, 300),
            Err(SignatureError::Malformed)
        );
    }
}
