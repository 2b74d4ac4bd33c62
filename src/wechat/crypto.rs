//! The "safe mode" message envelope of the Official Account platform
//! (Tencent's WXBizMsgCrypt scheme).
//!
//! In safe mode every pushed message and every passive reply travels as
//! `base64(AES-256-CBC(key, iv = key[..16], pad32(random16 ‖ len_be32 ‖ msg ‖ app_id)))`,
//! where the key is the 43-character EncodingAESKey from the admin console.
//! Padding is PKCS#7 to a multiple of **32** bytes, not the AES block size,
//! so the cipher runs with `NoPadding` and padding is handled here.
//!
//! CBC gives no integrity: callers must check `msg_signature`
//! ([`super::signature::verify_msg`]) before calling [`AesKey::decrypt`].

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// Length of the EncodingAESKey as shown in the admin console.
pub const ENCODING_AES_KEY_LEN: usize = 43;
/// WeChat pads to this multiple (PKCS#7 with a 32-byte "block").
const PAD_BLOCK: usize = 32;
/// The random prefix that makes equal messages encrypt differently.
const RANDOM_LEN: usize = 16;
/// Random prefix plus the 4-byte big-endian message length.
const HEADER_LEN: usize = RANDOM_LEN + 4;

/// The EncodingAESKey is base64 of 32 bytes without its final `=`; its last
/// character may carry non-zero trailing bits (the documented sample key
/// `…ABCDEFG` does), which Tencent's decoders ignore, so we must too.
const KEY_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Why a key, a ciphertext or a decrypted payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The EncodingAESKey must be exactly 43 characters.
    #[error("EncodingAESKey must be {ENCODING_AES_KEY_LEN} characters, got {0}")]
    KeyLength(usize),
    /// The EncodingAESKey is not base64.
    #[error("EncodingAESKey is not valid base64")]
    KeyBase64,
    /// The `Encrypt` value is not standard base64.
    #[error("ciphertext is not valid base64")]
    Base64,
    /// The ciphertext is empty or not a whole number of AES blocks.
    #[error("ciphertext length {0} is not a positive multiple of 16")]
    CiphertextLength(usize),
    /// The PKCS#7 (32) padding is inconsistent: wrong key or corrupted data.
    #[error("bad padding")]
    BadPadding,
    /// The plaintext is shorter than its own header or length field claims.
    #[error("decrypted payload is truncated")]
    Truncated,
    /// The message is addressed to another account (or the key is wrong).
    #[error("app id mismatch")]
    AppIdMismatch,
    /// The message bytes are not UTF-8.
    #[error("decrypted message is not UTF-8")]
    NotUtf8,
    /// The OS random source failed.
    #[error("random source unavailable")]
    Random,
}

/// The 32-byte AES key derived from the EncodingAESKey.
///
/// Deliberately has no `Display` and a redacted `Debug`, so it cannot leak
/// into logs by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct AesKey {
    key: [u8; 32],
}

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKey(..)")
    }
}

impl FromStr for AesKey {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_encoding_aes_key(s)
    }
}

impl AesKey {
    /// Parses the 43-character EncodingAESKey from the admin console.
    pub fn from_encoding_aes_key(encoding_aes_key: &str) -> Result<Self, CryptoError> {
        let chars = encoding_aes_key.chars().count();
        if chars != ENCODING_AES_KEY_LEN {
            return Err(CryptoError::KeyLength(chars));
        }
        let bytes = KEY_ENGINE
            .decode(encoding_aes_key)
            .map_err(|_| CryptoError::KeyBase64)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::KeyBase64)?;
        Ok(Self { key })
    }

    /// Tencent's scheme reuses the first half of the key as the IV.
    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.key[..16]);
        iv
    }

    /// Decrypts an `Encrypt` value and checks it is addressed to
    /// `expected_app_id`, returning the inner message (usually XML).
    pub fn decrypt(&self, encrypt_b64: &str, expected_app_id: &str) -> Result<String, CryptoError> {
        let ciphertext = STANDARD
            .decode(encrypt_b64)
            .map_err(|_| CryptoError::Base64)?;
        if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
            return Err(CryptoError::CiphertextLength(ciphertext.len()));
        }
        let padded = Aes256CbcDec::new(&self.key.into(), &self.iv().into())
            .decrypt_padded_vec_mut::<NoPadding>(&ciphertext)
            .map_err(|_| CryptoError::CiphertextLength(ciphertext.len()))?;
        let plain = unpad(&padded)?;
        let (msg, app_id) = split_payload(plain)?;
        if app_id != expected_app_id.as_bytes() {
            return Err(CryptoError::AppIdMismatch);
        }
        String::from_utf8(msg.to_vec()).map_err(|_| CryptoError::NotUtf8)
    }

    /// Encrypts `msg` for `app_id` with a caller-chosen random prefix, so
    /// tests can reproduce Tencent's published ciphertexts exactly.
    /// Production code should use [`AesKey::encrypt_random`].
    ///
    /// The protocol's length field is 32 bits; callers send replies far
    /// below that (WeChat bodies are a few KiB), so longer input is a bug.
    pub fn encrypt(&self, msg: &str, app_id: &str, random16: [u8; 16]) -> String {
        let plain = pad(build_payload(msg, app_id, random16));
        let ciphertext = Aes256CbcEnc::new(&self.key.into(), &self.iv().into())
            .encrypt_padded_vec_mut::<NoPadding>(&plain);
        STANDARD.encode(ciphertext)
    }

    /// [`AesKey::encrypt`] with a fresh random prefix from the OS.
    pub fn encrypt_random(&self, msg: &str, app_id: &str) -> Result<String, CryptoError> {
        let mut random16 = [0u8; RANDOM_LEN];
        getrandom::fill(&mut random16).map_err(|_| CryptoError::Random)?;
        Ok(self.encrypt(msg, app_id, random16))
    }
}

/// `random16 ‖ len_be32(msg) ‖ msg ‖ app_id`, the layout every sample uses.
fn build_payload(msg: &str, app_id: &str, random16: [u8; 16]) -> Vec<u8> {
    debug_assert!(u32::try_from(msg.len()).is_ok(), "message over 4 GiB");
    let len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(HEADER_LEN + msg.len() + app_id.len() + PAD_BLOCK);
    out.extend_from_slice(&random16);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(msg.as_bytes());
    out.extend_from_slice(app_id.as_bytes());
    out
}

/// Splits a decrypted, unpadded payload into `(message, app_id)`.
fn split_payload(plain: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    let (header, rest) = plain
        .split_at_checked(HEADER_LEN)
        .ok_or(CryptoError::Truncated)?;
    let len_bytes: [u8; 4] = header[RANDOM_LEN..]
        .try_into()
        .map_err(|_| CryptoError::Truncated)?;
    let msg_len =
        usize::try_from(u32::from_be_bytes(len_bytes)).map_err(|_| CryptoError::Truncated)?;
    rest.split_at_checked(msg_len).ok_or(CryptoError::Truncated)
}

/// PKCS#7 to a multiple of 32: always adds 1..=32 bytes of value `n`.
fn pad(mut data: Vec<u8>) -> Vec<u8> {
    let n = PAD_BLOCK - data.len() % PAD_BLOCK;
    // n is in 1..=32, so the cast cannot truncate.
    data.resize(data.len() + n, n as u8);
    data
}

/// Removes PKCS#7 (32) padding, insisting that every pad byte agrees, so a
/// wrong key is reported as such instead of yielding garbage.
fn unpad(data: &[u8]) -> Result<&[u8], CryptoError> {
    let &last = data.last().ok_or(CryptoError::BadPadding)?;
    let n = usize::from(last);
    if n == 0 || n > PAD_BLOCK || n > data.len() {
        return Err(CryptoError::BadPadding);
    }
    let (body, padding) = data.split_at(data.len() - n);
    if padding.iter().any(|&b| b != last) {
        return Err(CryptoError::BadPadding);
    }
    Ok(body)
}

/// Encrypts raw bytes without padding; tests use it to build malformed
/// plaintexts that [`AesKey::encrypt`] would never produce.
#[cfg(test)]
fn encrypt_raw(key: &AesKey, plain: &[u8]) -> String {
    let ct = Aes256CbcEnc::new(&key.key.into(), &key.iv().into())
        .encrypt_padded_vec_mut::<NoPadding>(plain);
    STANDARD.encode(ct)
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- Vector A: Tencent's official Java sample test (WXBizMsgCryptTest,
    // testAesEncrypt / testAesEncrypt2), copy at
    // CNERic/WeiXin:src/test/java/com/qq/weixin/mp/aes/WXBizMsgCryptTest.java.
    const PAM_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const PAM_APP_ID: &str = "wxb11529c136998cb6";
    const PAM_RANDOM: &[u8; 16] = b"aaaabbbbccccdddd";
    const PAM_REPLY: &str = "我是中文abcd123";
    const PAM_CIPHER: &str =
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";
    const PAM_REPLY2: &str = "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>";
    const PAM_CIPHER2: &str = "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb";

    // ---- Vector B: same Java test file, testVerifyUrl (echostr decrypt).
    const URL_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    const URL_APP_ID: &str = "wx5823bf96d3bd56c7";
    const URL_ECHO: &str =
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";

    // ---- Vector C: Tencent's official Python sample (Sample.py by jonyqin),
    // copy at charlesXu86/Chatbot_CN:Chatbot_Web/impl/weixin/Sample.py.
    const PY_APP_ID: &str = "wx2c2769f8efd9abc2";
    const PY_ENCRYPT: &str = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";

    fn pam_key() -> AesKey {
        match AesKey::from_encoding_aes_key(PAM_KEY) {
            Ok(k) => k,
            Err(e) => panic!("sample key must parse: {e}"),
        }
    }

    #[test]
    fn encrypt_matches_official_java_vectors() {
        let key = pam_key();
        assert_eq!(key.encrypt(PAM_REPLY, PAM_APP_ID, *PAM_RANDOM), PAM_CIPHER);
        assert_eq!(
            key.encrypt(PAM_REPLY2, PAM_APP_ID, *PAM_RANDOM),
            PAM_CIPHER2
        );
    }

    #[test]
    fn decrypt_official_java_vectors() {
        let key = pam_key();
        assert_eq!(
            key.decrypt(PAM_CIPHER, PAM_APP_ID).as_deref(),
            Ok(PAM_REPLY)
        );
        assert_eq!(
            key.decrypt(PAM_CIPHER2, PAM_APP_ID).as_deref(),
            Ok(PAM_REPLY2)
        );
    }

    #[test]
    fn decrypt_official_verify_url_echostr() {
        let key = AesKey::from_encoding_aes_key(URL_KEY);
        let echo = key.and_then(|k| k.decrypt(URL_ECHO, URL_APP_ID));
        // The sample only asserts that decryption succeeds; echostr is digits.
        let echo = echo.unwrap_or_default();
        assert!(
            !echo.is_empty() && echo.bytes().all(|b| b.is_ascii_digit()),
            "{echo:?}"
        );
    }

    #[test]
    fn decrypt_official_python_vector_yields_its_plaintext_fields() {
        // The sample's compat-mode body carries the same message in clear
        // next to <Encrypt>; the decrypted XML must hold those values.
        let xml = pam_key().decrypt(PY_ENCRYPT, PY_APP_ID).unwrap_or_default();
        for needle in [
            "<ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>",
            "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>",
            "<CreateTime>1409735668</CreateTime>",
            "<MsgType><![CDATA[text]]></MsgType>",
            "<Content><![CDATA[abcdteT]]></Content>",
            "<MsgId>6054768590064713728</MsgId>",
        ] {
            assert!(xml.contains(needle), "missing {needle} in {xml:?}");
        }
    }

    #[test]
    fn round_trip_with_fixed_random() {
        let key = pam_key();
        for msg in [
            "",
            "a",
            "x".repeat(11).as_str(),
            "汉字<xml/>",
            &"y".repeat(1000),
        ] {
            let ct = key.encrypt(msg, "wxapp", [7; 16]);
            assert_eq!(key.decrypt(&ct, "wxapp").as_deref(), Ok(msg));
        }
    }

    #[test]
    fn padding_is_to_32_bytes() {
        // 20-byte header + 12-byte message = 32 bytes -> a full 32-byte pad block.
        let padded = pad(build_payload("123456789012", "", [0; 16]));
        assert_eq!(padded.len(), 64);
        assert!(padded[32..].iter().all(|&b| b == 32));
        assert_eq!(pad(vec![0; 31]).len(), 32);
    }

    #[test]
    fn random_encrypt_round_trips_and_varies() -> Result<(), CryptoError> {
        let key = pam_key();
        let a = key.encrypt_random("hello", PAM_APP_ID)?;
        let b = key.encrypt_random("hello", PAM_APP_ID)?;
        assert_ne!(a, b);
        assert_eq!(key.decrypt(&a, PAM_APP_ID)?, "hello");
        Ok(())
    }

    #[test]
    fn other_app_id_is_refused() {
        let key = pam_key();
        assert_eq!(
            key.decrypt(PAM_CIPHER, "wxb11529c136998cb7"),
            Err(CryptoError::AppIdMismatch)
        );
        assert_eq!(
            key.decrypt(PAM_CIPHER, "wxb11529c136998cb"),
            Err(CryptoError::AppIdMismatch)
        );
        assert_eq!(key.decrypt(PAM_CIPHER, ""), Err(CryptoError::AppIdMismatch));
    }

    #[test]
    fn bad_keys_are_refused() {
        assert_eq!(
            AesKey::from_encoding_aes_key("abcde"),
            Err(CryptoError::KeyLength(5))
        );
        assert_eq!(
            AesKey::from_encoding_aes_key(&format!("{PAM_KEY}=")),
            Err(CryptoError::KeyLength(44))
        );
        let bad = format!("{}!", &PAM_KEY[..42]);
        assert_eq!(
            AesKey::from_encoding_aes_key(&bad),
            Err(CryptoError::KeyBase64)
        );
    }

    #[test]
    fn debug_does_not_leak_the_key() {
        assert_eq!(format!("{:?}", pam_key()), "AesKey(..)");
    }

    #[test]
    fn bad_padding_is_refused() {
        let key = pam_key();
        // Pad byte 0, pad byte 33, and inconsistent pad bytes.
        let mut zero = vec![b'a'; 32];
        zero[31] = 0;
        let mut big = vec![b'a'; 64];
        big[63] = 33;
        let mut mixed = vec![3u8; 32];
        mixed[30] = 4;
        for plain in [zero, big, mixed] {
            assert_eq!(
                key.decrypt(&encrypt_raw(&key, &plain), PAM_APP_ID),
                Err(CryptoError::BadPadding)
            );
        }
        // Decrypting with the wrong key garbles the padding too.
        let other = AesKey::from_encoding_aes_key(URL_KEY);
        let res = other.and_then(|k| k.decrypt(PAM_CIPHER, PAM_APP_ID));
        assert!(matches!(
            res,
            Err(CryptoError::BadPadding | CryptoError::Truncated | CryptoError::AppIdMismatch)
        ));
    }

    #[test]
    fn truncated_payloads_are_refused() {
        let key = pam_key();
        // 16 bytes of plaintext + 16 pad bytes: shorter than the 20-byte header.
        let mut short = vec![0u8; 16];
        short.resize(32, 16);
        assert_eq!(
            key.decrypt(&encrypt_raw(&key, &short), PAM_APP_ID),
            Err(CryptoError::Truncated)
        );
        // Header claims a 1000-byte message that is not there.
        let mut lying = vec![0u8; 16];
        lying.extend_from_slice(&1000u32.to_be_bytes());
        lying.extend_from_slice(b"abc");
        let lying = pad(lying);
        assert_eq!(
            key.decrypt(&encrypt_raw(&key, &lying), PAM_APP_ID),
            Err(CryptoError::Truncated)
        );
    }

    #[test]
    fn malformed_ciphertexts_are_refused() {
        let key = pam_key();
        assert_eq!(key.decrypt("!!!", PAM_APP_ID), Err(CryptoError::Base64));
        assert_eq!(
            key.decrypt("", PAM_APP_ID),
            Err(CryptoError::CiphertextLength(0))
        );
        assert_eq!(
            key.decrypt("YWJj", PAM_APP_ID),
            Err(CryptoError::CiphertextLength(3))
        );
    }

    #[test]
    fn non_utf8_message_is_refused() {
        let key = pam_key();
        let mut plain = vec![0u8; 16];
        plain.extend_from_slice(&2u32.to_be_bytes());
        plain.extend_from_slice(&[0xff, 0xfe]);
        plain.extend_from_slice(PAM_APP_ID.as_bytes());
        let ct = encrypt_raw(&key, &pad(plain));
        assert_eq!(key.decrypt(&ct, PAM_APP_ID), Err(CryptoError::NotUtf8));
    }
}
