//! Request signatures of the Official Account push protocol.
//!
//! WeChat proves that a push came from its servers by sending
//! `signature = sha1(sort([token, timestamp, nonce]).concat())` in the query
//! string, and, in safe mode, `msg_signature` over the same list plus the
//! `Encrypt` payload. The token is a shared secret, so comparisons run in
//! constant time, and the timestamp is checked for freshness to narrow the
//! replay window.

use std::fmt;
use std::str::FromStr;

use sha1::{Digest, Sha1};

/// Signature of a plain-mode push or of the URL verification `GET`.
pub fn signature(token: &str, timestamp: &str, nonce: &str) -> String {
    sorted_sha1_hex(&mut [token, timestamp, nonce])
}

/// Signature of a safe-mode push: the plain signature's list plus the
/// base64 `Encrypt` payload, which is what binds the ciphertext to the token.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    sorted_sha1_hex(&mut [token, timestamp, nonce, encrypt])
}

/// Checks a plain-mode `signature` query parameter.
///
/// `timestamp` must be the raw query value (see [`Timestamp::as_str`]), since
/// the signature covers the exact bytes WeChat sent.
pub fn verify(token: &str, timestamp: &str, nonce: &str, claimed: &str) -> bool {
    hex_eq(&signature(token, timestamp, nonce), claimed)
}

/// Checks a safe-mode `msg_signature` query parameter against the body's
/// `Encrypt` value. Do this before decrypting: CBC has no integrity of its own.
pub fn verify_msg(token: &str, timestamp: &str, nonce: &str, encrypt: &str, claimed: &str) -> bool {
    hex_eq(&msg_signature(token, timestamp, nonce, encrypt), claimed)
}

/// Byte equality whose running time does not depend on where the inputs
/// differ, so a forged signature cannot be guessed byte by byte.
/// The length is not secret (a SHA-1 hex digest is always 40 bytes).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    diff == 0
}

/// Compares our lowercase digest with a claimed one; WeChat sends lowercase,
/// but hex case carries no meaning, so the claim is folded first.
fn hex_eq(expected: &str, claimed: &str) -> bool {
    let claimed = claimed.to_ascii_lowercase();
    constant_time_eq(expected.as_bytes(), claimed.as_bytes())
}

/// Tencent sorts the parts by byte order (`Arrays.sort` / `sort()` on ASCII
/// strings), then hashes the concatenation without separators.
fn sorted_sha1_hex(parts: &mut [&str]) -> String {
    parts.sort_unstable();
    let mut hasher = Sha1::new();
    for part in parts.iter() {
        hasher.update(part.as_bytes());
    }
    to_hex(&hasher.finalize())
}

/// Lowercase hex, as every WeChat sample emits it.
fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// The `timestamp` query parameter: decimal Unix seconds.
///
/// It keeps the raw text because signatures are computed over the string as
/// sent (a re-formatted number could differ, e.g. with leading zeros).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    raw: String,
    secs: i64,
}

/// Why a `timestamp` query value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Empty, signed, or containing anything but ASCII digits.
    #[error("timestamp is not a decimal number of seconds")]
    NotDecimal,
    /// More digits than fit in an `i64`.
    #[error("timestamp is out of range")]
    OutOfRange,
}

impl Timestamp {
    /// Parses the raw query value; only ASCII digits are accepted so that no
    /// sign, whitespace or `+` can slip past the signature unnoticed.
    pub fn parse(raw: &str) -> Result<Self, TimestampError> {
        if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TimestampError::NotDecimal);
        }
        let secs = raw.parse::<i64>().map_err(|_| TimestampError::OutOfRange)?;
        Ok(Self {
            raw: raw.to_owned(),
            secs,
        })
    }

    /// Seconds since the Unix epoch.
    pub fn secs(&self) -> i64 {
        self.secs
    }

    /// The exact text received, for signature computation.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// True when `|now - self| <= window`, so clock skew in either direction
    /// is tolerated up to the window. A negative window accepts nothing.
    pub fn is_fresh(&self, now_secs: i64, window_secs: i64) -> bool {
        let Ok(window) = u64::try_from(window_secs) else {
            return false;
        };
        now_secs.abs_diff(self.secs) <= window
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Safe-mode vector from Tencent's official Python sample (Sample.py by
    // jonyqin), copy at charlesXu86/Chatbot_CN:Chatbot_Web/impl/weixin/Sample.py.
    const PY_TOKEN: &str = "spamtest";
    const PY_TIMESTAMP: &str = "1409735669";
    const PY_NONCE: &str = "1320562132";
    const PY_MSG_SIGN: &str = "5d197aaffba7e9b25a30732f161a50dee96bd5fa";
    const PY_ENCRYPT: &str = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";

    // URL-verification vector from Tencent's official Java sample test
    // (WXBizMsgCryptTest.testVerifyUrl), copy at
    // CNERic/WeiXin:src/test/java/com/qq/weixin/mp/aes/WXBizMsgCryptTest.java.
    const JAVA_TOKEN: &str = "QDG6eK";
    const JAVA_TIMESTAMP: &str = "1409659589";
    const JAVA_NONCE: &str = "263014780";
    const JAVA_MSG_SIG: &str = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
    const JAVA_ECHO: &str =
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";

    #[test]
    fn documented_msg_signature_from_python_sample_verifies() {
        assert_eq!(
            msg_signature(PY_TOKEN, PY_TIMESTAMP, PY_NONCE, PY_ENCRYPT),
            PY_MSG_SIGN
        );
        assert!(verify_msg(
            PY_TOKEN,
            PY_TIMESTAMP,
            PY_NONCE,
            PY_ENCRYPT,
            PY_MSG_SIGN
        ));
    }

    #[test]
    fn documented_msg_signature_from_java_verify_url_verifies() {
        assert!(verify_msg(
            JAVA_TOKEN,
            JAVA_TIMESTAMP,
            JAVA_NONCE,
            JAVA_ECHO,
            JAVA_MSG_SIG
        ));
    }

    #[test]
    fn tampered_inputs_fail_verification() {
        let mut bad = PY_MSG_SIGN.to_owned();
        bad.replace_range(0..1, "6");
        assert!(!verify_msg(
            PY_TOKEN,
            PY_TIMESTAMP,
            PY_NONCE,
            PY_ENCRYPT,
            &bad
        ));
        assert!(!verify_msg(
            "other",
            PY_TIMESTAMP,
            PY_NONCE,
            PY_ENCRYPT,
            PY_MSG_SIGN
        ));
        assert!(!verify_msg(
            PY_TOKEN,
            "1409735670",
            PY_NONCE,
            PY_ENCRYPT,
            PY_MSG_SIGN
        ));
        assert!(!verify_msg(
            PY_TOKEN,
            PY_TIMESTAMP,
            PY_NONCE,
            PY_ENCRYPT,
            ""
        ));
    }

    #[test]
    fn plain_signature_matches_independent_sha1() {
        // No fixed plain-mode vector is published by Tencent; this value was
        // computed independently with coreutils:
        // printf %s 1409304348pamtestxxxxxx | sha1sum
        let sig = signature("pamtest", "1409304348", "xxxxxx");
        assert_eq!(sig, "76480565cbe296026c53aaacd1ad523a1ddba24f");
        assert!(verify("pamtest", "1409304348", "xxxxxx", &sig));
        assert!(verify(
            "pamtest",
            "1409304348",
            "xxxxxx",
            &sig.to_ascii_uppercase()
        ));
        assert!(!verify("pamtest", "1409304348", "xxxxxy", &sig));
    }

    #[test]
    fn signature_is_order_independent() {
        assert_eq!(signature("a", "b", "c"), signature("c", "a", "b"));
    }

    #[test]
    fn constant_time_eq_basics() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn timestamp_parses_decimal_only() {
        let ts = Timestamp::parse("1409304348");
        assert_eq!(ts.as_ref().map(Timestamp::secs), Ok(1_409_304_348));
        assert_eq!(
            "0001".parse::<Timestamp>().map(|t| t.to_string()),
            Ok("0001".to_owned())
        );
        for bad in ["", "-1", "+1", " 1", "1 ", "1.5", "abc", "１"] {
            assert_eq!(
                Timestamp::parse(bad),
                Err(TimestampError::NotDecimal),
                "{bad:?}"
            );
        }
        assert_eq!(
            Timestamp::parse("99999999999999999999"),
            Err(TimestampError::OutOfRange)
        );
    }

    #[test]
    fn freshness_allows_skew_both_ways() -> Result<(), TimestampError> {
        let ts = Timestamp::parse("1000")?;
        assert!(ts.is_fresh(1000, 0));
        assert!(ts.is_fresh(1300, 300));
        assert!(ts.is_fresh(700, 300));
        assert!(!ts.is_fresh(1301, 300));
        assert!(!ts.is_fresh(699, 300));
        assert!(!ts.is_fresh(1000, -1));
        assert!(!ts.is_fresh(i64::MIN, i64::MAX));
        Ok(())
    }
}
