//! Rendering of passive replies: the XML a callback returns in its HTTP
//! response body within WeChat's 5-second window.
//!
//! Replies are built by hand rather than with a serializer because Tencent's
//! parser expects the exact documented shape: values in CDATA sections,
//! numbers bare. Any text we did not write ourselves (the bot's answer)
//! goes through [`cdata`], which is the one place escaping happens.

use std::fmt::Write as _;

use super::crypto::AesKey;
use super::message::OpenId;
use super::signature::msg_signature;

/// A text reply (`MsgType=text`) to `to_openid` from the account `from_account`
/// (its `gh_…` original id, i.e. the push's `ToUserName`).
pub fn text_reply(
    to_openid: &OpenId,
    from_account: &str,
    create_time: i64,
    content: &str,
) -> String {
    let mut xml = header(to_openid, from_account, create_time, "text");
    field_cdata(&mut xml, "Content", content);
    xml.push_str("</xml>");
    xml
}

/// Hands the conversation to a human agent in WeChat's customer-service
/// system (`MsgType=transfer_customer_service`).
pub fn transfer_customer_service_reply(to: &OpenId, from: &str, create_time: i64) -> String {
    let mut xml = header(to, from, create_time, "transfer_customer_service");
    xml.push_str("</xml>");
    xml
}

/// The safe-mode reply envelope. `msg_signature` must have been computed over
/// `timestamp.to_string()`, `nonce` and `encrypt`; [`seal_reply`] does that.
pub fn encrypted_reply(encrypt: &str, msg_signature: &str, timestamp: i64, nonce: &str) -> String {
    let mut xml = String::from("<xml>");
    field_cdata(&mut xml, "Encrypt", encrypt);
    field_cdata(&mut xml, "MsgSignature", msg_signature);
    field_number(&mut xml, "TimeStamp", timestamp);
    field_cdata(&mut xml, "Nonce", nonce);
    xml.push_str("</xml>");
    xml
}

/// Encrypts a rendered reply and wraps it in the signed envelope, keeping the
/// signature and the envelope's `TimeStamp` built from the same string.
pub fn seal_reply(
    key: &AesKey,
    token: &str,
    app_id: &str,
    reply_xml: &str,
    timestamp: i64,
    nonce: &str,
    random16: [u8; 16],
) -> String {
    let encrypt = key.encrypt(reply_xml, app_id, random16);
    let signature = msg_signature(token, &timestamp.to_string(), nonce, &encrypt);
    encrypted_reply(&encrypt, &signature, timestamp, nonce)
}

/// The fields every passive reply starts with.
fn header(to: &OpenId, from: &str, create_time: i64, msg_type: &str) -> String {
    let mut xml = String::from("<xml>");
    field_cdata(&mut xml, "ToUserName", to.as_str());
    field_cdata(&mut xml, "FromUserName", from);
    field_number(&mut xml, "CreateTime", create_time);
    field_cdata(&mut xml, "MsgType", msg_type);
    xml
}

fn field_cdata(xml: &mut String, name: &str, value: &str) {
    let _ = write!(xml, "<{name}>{}</{name}>", cdata(value));
}

fn field_number(xml: &mut String, name: &str, value: i64) {
    let _ = write!(xml, "<{name}>{value}</{name}>");
}

/// Wraps `text` in CDATA. A literal `]]>` would end the section early, so it
/// is split across two sections (`]]` + `>`), which XML readers join back.
/// Characters that XML 1.0 forbids even in CDATA (most C0 controls) are
/// dropped, since one of them would make WeChat reject the whole reply.
pub fn cdata(text: &str) -> String {
    let clean: String = text.chars().filter(|&c| is_xml_char(c)).collect();
    format!("<![CDATA[{}]]>", clean.replace("]]>", "]]]]><![CDATA[>"))
}

/// XML 1.0 `Char` production (surrogates cannot occur in a Rust `str`).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

#[cfg(test)]
mod tests {
    use super::super::message::{parse_envelope, parse_fields};
    use super::super::signature::verify_msg;
    use super::*;

    /// A reply re-read with quick-xml's serde deserializer, independent of
    /// our own field walker.
    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct ReplyDoc {
        to_user_name: String,
        from_user_name: String,
        create_time: i64,
        msg_type: String,
        content: Option<String>,
    }

    fn reread(xml: &str) -> Result<ReplyDoc, quick_xml::DeError> {
        quick_xml::de::from_str(xml)
    }

    const CONTENTS: &[&str] = &[
        "您好，请问有什么可以帮您？",
        "a ]]> b",
        "]]>",
        "]]]]>>",
        "x < y && z > w <![CDATA[ nested ]]>",
        "",
        "line1\nline2",
    ];

    #[test]
    fn text_reply_round_trips_through_quick_xml() -> Result<(), quick_xml::DeError> {
        let to = OpenId::new("oia2TjjewbmiOUlr6X-1crbLOvLw");
        for &content in CONTENTS {
            let xml = text_reply(&to, "gh_7f083739789a", 1_407_743_423, content);
            let doc = reread(&xml)?;
            assert_eq!(doc.to_user_name, to.as_str());
            assert_eq!(doc.from_user_name, "gh_7f083739789a");
            assert_eq!(doc.create_time, 1_407_743_423);
            assert_eq!(doc.msg_type, "text");
            assert_eq!(doc.content.as_deref().unwrap_or_default(), content, "{xml}");
        }
        Ok(())
    }

    #[test]
    fn text_reply_round_trips_through_own_parser() {
        let to = OpenId::new("o1");
        for &content in CONTENTS {
            let xml = text_reply(&to, "gh_1", 5, content);
            let fields = parse_fields(xml.as_bytes());
            let got = fields.as_ref().map(|f| f.raw("Content").map(str::to_owned));
            assert_eq!(got, Ok(Ok(content.to_owned())), "{xml}");
        }
    }

    #[test]
    fn text_reply_exact_shape() {
        let xml = text_reply(&OpenId::new("toUser"), "fromUser", 12_345_678, "你好");
        assert_eq!(
            xml,
            "<xml><ToUserName><![CDATA[toUser]]></ToUserName>\
             <FromUserName><![CDATA[fromUser]]></FromUserName>\
             <CreateTime>12345678</CreateTime>\
             <MsgType><![CDATA[text]]></MsgType>\
             <Content><![CDATA[你好]]></Content></xml>"
        );
    }

    #[test]
    fn control_characters_are_dropped() -> Result<(), quick_xml::DeError> {
        let xml = text_reply(&OpenId::new("o"), "gh", 1, "a\u{0}b\u{1b}c\td");
        assert_eq!(reread(&xml)?.content.as_deref(), Some("abc\td"));
        Ok(())
    }

    #[test]
    fn transfer_reply_shape() -> Result<(), quick_xml::DeError> {
        let xml =
            transfer_customer_service_reply(&OpenId::new("touser"), "fromuser", 1_399_197_672);
        let doc = reread(&xml)?;
        assert_eq!(doc.msg_type, "transfer_customer_service");
        assert_eq!(doc.to_user_name, "touser");
        assert_eq!(doc.create_time, 1_399_197_672);
        assert!(doc.content.is_none());
        Ok(())
    }

    #[test]
    fn sealed_reply_verifies_and_decrypts() -> Result<(), Box<dyn std::error::Error>> {
        // Key, token and app id of Tencent's official Java sample
        // (CNERic/WeiXin:src/test/java/com/qq/weixin/mp/aes/WXBizMsgCryptTest.java).
        let key: AesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".parse()?;
        let (token, app_id) = ("pamtest", "wxb11529c136998cb6");
        let inner = text_reply(&OpenId::new("o1"), "gh_1", 1_409_304_348, "余额 ]]> <ok>");
        let sealed = seal_reply(
            &key,
            token,
            app_id,
            &inner,
            1_409_304_348,
            "xxxxxx",
            [9; 16],
        );

        let fields = parse_fields(sealed.as_bytes())?;
        assert_eq!(fields.raw("TimeStamp")?, "1409304348");
        assert_eq!(fields.raw("Nonce")?, "xxxxxx");
        let envelope = parse_envelope(sealed.as_bytes())?;
        assert!(verify_msg(
            token,
            "1409304348",
            "xxxxxx",
            &envelope.encrypt,
            fields.raw("MsgSignature")?
        ));
        assert_eq!(key.decrypt(&envelope.encrypt, app_id)?, inner);
        Ok(())
    }

    #[test]
    fn encrypted_reply_exact_shape() {
        assert_eq!(
            encrypted_reply("E==", "sig", 1_409_304_348, "n"),
            "<xml><Encrypt><![CDATA[E==]]></Encrypt>\
             <MsgSignature><![CDATA[sig]]></MsgSignature>\
             <TimeStamp>1409304348</TimeStamp>\
             <Nonce><![CDATA[n]]></Nonce></xml>"
        );
    }
}
