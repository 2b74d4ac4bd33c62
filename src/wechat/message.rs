//! Typed parsing of the XML bodies WeChat pushes to the Official Account
//! callback URL (user messages, events, and the safe-mode envelope).
//!
//! Bodies come from the network, so parsing is strict about structure
//! (single `<xml>` root, well-formed, no DTD, no duplicate fields, bounded
//! size) and never panics; it is lenient only where Tencent's own output
//! varies: values may be CDATA or plain text, and unknown fields, nested
//! elements and unknown message or event types are tolerated.

use std::collections::BTreeMap;
use std::fmt;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event as XmlEvent};
use quick_xml::reader::Reader;

/// Largest body we parse. Real pushes are a few KiB; refusing bigger ones
/// before parsing bounds the work an unauthenticated sender can cause.
pub const MAX_BODY: usize = 64 * 1024;

/// A user's OpenID: the per-account pseudonymous user identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpenId(String);

impl OpenId {
    /// Wraps an OpenID taken from a trusted source (e.g. a stored session).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The OpenID text, as WeChat sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OpenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// WeChat's 64-bit message id, the documented de-duplication key for user
/// messages (WeChat retries a push up to three times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MsgId(u64);

impl MsgId {
    /// Wraps a raw id.
    pub fn new(id: u64) -> Self {
        Self(id)
    }

    /// The raw id.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One pushed message or event, after decryption if safe mode is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// `ToUserName`: the Official Account's original id (`gh_…`).
    pub to_user: String,
    /// `FromUserName`: the user who sent it.
    pub from_user: OpenId,
    /// `CreateTime`: Unix seconds, set by WeChat.
    pub create_time: i64,
    /// What was sent.
    pub kind: IncomingKind,
}

impl Incoming {
    /// The message id, when this kind of push carries one.
    pub fn msg_id(&self) -> Option<MsgId> {
        match &self.kind {
            IncomingKind::Text { msg_id, .. } | IncomingKind::Voice { msg_id, .. } => Some(*msg_id),
            IncomingKind::Other { msg_id, .. } => *msg_id,
            IncomingKind::Event(_) => None,
        }
    }
}

/// The kinds of push the bot acts on; everything else is [`IncomingKind::Other`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncomingKind {
    /// `MsgType=text`.
    Text {
        /// The text exactly as typed (not trimmed).
        content: String,
        /// `MsgId`.
        msg_id: MsgId,
    },
    /// `MsgType=voice`.
    Voice {
        /// WeChat's speech-to-text, present when recognition is enabled and
        /// produced a non-empty result.
        recognition: Option<String>,
        /// `MediaId`, for downloading the audio.
        media_id: String,
        /// `Format`, e.g. `amr` or `speex`.
        format: String,
        /// `MsgId`.
        msg_id: MsgId,
    },
    /// `MsgType=event`.
    Event(Event),
    /// Image, location, link, video, … (not handled by the bot).
    Other {
        /// The `MsgType` value.
        msg_type: String,
        /// `MsgId`, if the push has one.
        msg_id: Option<MsgId>,
    },
}

/// The `Event` of a `MsgType=event` push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The user followed the account; `event_key` is `qrscene_…` when they
    /// did so by scanning a parametric QR code.
    Subscribe {
        /// `EventKey`, absent or empty for a plain follow.
        event_key: Option<String>,
    },
    /// The user unfollowed; their data must be deleted per Tencent's rules.
    Unsubscribe,
    /// A custom-menu button of type `click` was pressed.
    Click {
        /// The button's `EventKey`.
        event_key: String,
    },
    /// Any other event type, by name (`SCAN`, `LOCATION`, `VIEW`, …).
    Other(String),
}

/// The safe-mode body: `<xml><ToUserName>…</ToUserName><Encrypt>…</Encrypt></xml>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedEnvelope {
    /// `ToUserName`, when present (it is not covered by the signature).
    pub to_user: Option<String>,
    /// The base64 ciphertext, input to `msg_signature` and decryption.
    pub encrypt: String,
}

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The body is larger than [`MAX_BODY`].
    #[error("body of {0} bytes exceeds the {MAX_BODY}-byte limit")]
    TooLarge(usize),
    /// The body is not UTF-8 (WeChat always sends UTF-8).
    #[error("body is not UTF-8")]
    NotUtf8,
    /// The body is not well-formed XML.
    #[error("malformed XML at byte {position}: {message}")]
    Xml {
        /// Byte offset where the reader stopped.
        position: u64,
        /// The reader's description.
        message: String,
    },
    /// A `<!DOCTYPE>` was present; WeChat never sends one and DTDs are the
    /// usual vehicle for entity attacks.
    #[error("document type declarations are not accepted")]
    DocType,
    /// The document is not a single `<xml>` element.
    #[error("the document root must be a single <xml> element")]
    BadRoot,
    /// A required field is absent.
    #[error("missing field {0}")]
    MissingField(&'static str),
    /// A field is present but empty or unparsable.
    #[error("invalid value in field {0}")]
    InvalidField(&'static str),
    /// A top-level field appears twice, which would make its value ambiguous.
    #[error("field {0} appears more than once")]
    DuplicateField(String),
}

/// Parses a (decrypted) push body into a typed message.
pub fn parse_incoming(body: &[u8]) -> Result<Incoming, ParseError> {
    let fields = parse_fields(body)?;
    Ok(Incoming {
        to_user: fields.token("ToUserName")?.to_owned(),
        from_user: OpenId(fields.token("FromUserName")?.to_owned()),
        create_time: fields.number("CreateTime")?,
        kind: parse_kind(&fields)?,
    })
}

/// Parses a safe-mode body, extracting the `Encrypt` payload.
pub fn parse_envelope(body: &[u8]) -> Result<EncryptedEnvelope, ParseError> {
    let fields = parse_fields(body)?;
    Ok(EncryptedEnvelope {
        to_user: fields.optional_token("ToUserName").map(str::to_owned),
        encrypt: fields.token("Encrypt")?.to_owned(),
    })
}

/// The key under which a push is de-duplicated across WeChat's retries:
/// `msg:<MsgId>` when the push has one, otherwise `evt:<FromUserName>:<CreateTime>`,
/// which is Tencent's documented rule for events. The prefixes keep the two
/// key spaces disjoint.
pub fn dedupe_key(msg: &Incoming) -> String {
    match msg.msg_id() {
        Some(id) => format!("msg:{id}"),
        None => format!("evt:{}:{}", msg.from_user, msg.create_time),
    }
}

fn parse_kind(fields: &Fields) -> Result<IncomingKind, ParseError> {
    let kind = match fields.token("MsgType")? {
        "text" => IncomingKind::Text {
            content: fields.raw("Content")?.to_owned(),
            msg_id: fields.msg_id()?,
        },
        "voice" => IncomingKind::Voice {
            recognition: fields.optional_token("Recognition").map(str::to_owned),
            media_id: fields.token("MediaId")?.to_owned(),
            format: fields.token("Format")?.to_owned(),
            msg_id: fields.msg_id()?,
        },
        "event" => IncomingKind::Event(parse_event(fields)?),
        other => IncomingKind::Other {
            msg_type: other.to_owned(),
            msg_id: fields.optional_msg_id()?,
        },
    };
    Ok(kind)
}

/// Event names are matched case-insensitively: Tencent documents
/// `subscribe` in lower case but `CLICK` in upper case.
fn parse_event(fields: &Fields) -> Result<Event, ParseError> {
    let name = fields.token("Event")?;
    let event = if name.eq_ignore_ascii_case("subscribe") {
        Event::Subscribe {
            event_key: fields.optional_token("EventKey").map(str::to_owned),
        }
    } else if name.eq_ignore_ascii_case("unsubscribe") {
        Event::Unsubscribe
    } else if name.eq_ignore_ascii_case("CLICK") {
        Event::Click {
            event_key: fields.token("EventKey")?.to_owned(),
        }
    } else {
        Event::Other(name.to_owned())
    };
    Ok(event)
}

/// The text of each direct child of `<xml>`, by element name.
#[derive(Debug, Default)]
pub(super) struct Fields {
    map: BTreeMap<String, String>,
}

impl Fields {
    /// The value exactly as sent, for free text such as `Content`.
    pub(super) fn raw(&self, name: &'static str) -> Result<&str, ParseError> {
        self.map
            .get(name)
            .map(String::as_str)
            .ok_or(ParseError::MissingField(name))
    }

    /// A trimmed, non-empty value, for ids and keywords.
    pub(super) fn token(&self, name: &'static str) -> Result<&str, ParseError> {
        let value = self.raw(name)?.trim();
        if value.is_empty() {
            return Err(ParseError::InvalidField(name));
        }
        Ok(value)
    }

    /// Like [`Fields::token`], but absent and empty both mean `None`.
    pub(super) fn optional_token(&self, name: &'static str) -> Option<&str> {
        self.map
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn number<T: std::str::FromStr>(&self, name: &'static str) -> Result<T, ParseError> {
        parse_number(self.token(name)?, name)
    }

    fn msg_id(&self) -> Result<MsgId, ParseError> {
        self.number("MsgId").map(MsgId)
    }

    fn optional_msg_id(&self) -> Result<Option<MsgId>, ParseError> {
        self.optional_token("MsgId")
            .map(|v| parse_number(v, "MsgId").map(MsgId))
            .transpose()
    }

    fn insert(&mut self, name: String, value: String) -> Result<(), ParseError> {
        if self.map.contains_key(&name) {
            return Err(ParseError::DuplicateField(name));
        }
        self.map.insert(name, value);
        Ok(())
    }
}

/// Digits only, so `+5` or `1e3` are refused rather than half-accepted.
fn parse_number<T: std::str::FromStr>(value: &str, name: &'static str) -> Result<T, ParseError> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::InvalidField(name));
    }
    value.parse().map_err(|_| ParseError::InvalidField(name))
}

/// Depth of the element whose text we collect: inside `<xml><Field>`.
const FIELD_DEPTH: usize = 2;

/// Reads the flat `<xml><Name>value</Name>…</xml>` shape every WeChat push
/// uses. Text of nested elements is ignored; text outside the root is an error.
pub(super) fn parse_fields(body: &[u8]) -> Result<Fields, ParseError> {
    if body.len() > MAX_BODY {
        return Err(ParseError::TooLarge(body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|_| ParseError::NotUtf8)?;
    let mut walker = Walker::default();
    let mut reader = Reader::from_str(text);
    loop {
        let event = reader.read_event().map_err(|e| ParseError::Xml {
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        if walker.step(event)? {
            return walker.finish();
        }
    }
}

/// State of the flat-document walk, kept apart from the reader loop so each
/// event handler stays small.
#[derive(Default)]
struct Walker {
    depth: usize,
    seen_root: bool,
    current: Option<(String, String)>,
    fields: Fields,
}

impl Walker {
    /// Handles one event; returns `true` at end of input.
    fn step(&mut self, event: XmlEvent<'_>) -> Result<bool, ParseError> {
        match event {
            XmlEvent::Start(start) => self.open(&start)?,
            XmlEvent::Empty(start) => {
                self.open(&start)?;
                self.close()?;
            }
            XmlEvent::End(_) => self.close()?,
            XmlEvent::Text(text) => {
                let text = text.xml10_content().map_err(|_| ParseError::NotUtf8)?;
                self.text(&text)?;
            }
            XmlEvent::CData(cdata) => {
                let text = cdata.decode().map_err(|_| ParseError::NotUtf8)?;
                self.text(&text)?;
            }
            XmlEvent::GeneralRef(reference) => self.text(&resolve_reference(&reference)?)?,
            XmlEvent::DocType(_) => return Err(ParseError::DocType),
            XmlEvent::Decl(_) | XmlEvent::PI(_) | XmlEvent::Comment(_) => {}
            XmlEvent::Eof => return Ok(true),
        }
        Ok(false)
    }

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), ParseError> {
        if self.depth == 0 {
            if self.seen_root || start.name().as_ref() != b"xml" {
                return Err(ParseError::BadRoot);
            }
            self.seen_root = true;
        } else if self.depth + 1 == FIELD_DEPTH {
            let name = std::str::from_utf8(start.name().as_ref())
                .map_err(|_| ParseError::NotUtf8)?
                .to_owned();
            self.current = Some((name, String::new()));
        }
        self.depth += 1;
        Ok(())
    }

    fn close(&mut self) -> Result<(), ParseError> {
        self.depth = self.depth.checked_sub(1).ok_or(ParseError::BadRoot)?;
        if self.depth + 1 == FIELD_DEPTH
            && let Some((name, value)) = self.current.take()
        {
            self.fields.insert(name, value)?;
        }
        Ok(())
    }

    /// Collects field text; whitespace between fields is formatting, but any
    /// other text outside the root means this is not a WeChat document.
    fn text(&mut self, text: &str) -> Result<(), ParseError> {
        match (&mut self.current, self.depth) {
            (Some((_, value)), FIELD_DEPTH) => value.push_str(text),
            (_, 0) if !text.trim().is_empty() => return Err(ParseError::BadRoot),
            _ => {}
        }
        Ok(())
    }

    fn finish(self) -> Result<Fields, ParseError> {
        if !self.seen_root || self.depth != 0 {
            return Err(ParseError::Xml {
                position: 0,
                message: "document ends before the root element is closed".to_owned(),
            });
        }
        Ok(self.fields)
    }
}

/// Expands `&lt;`-style and `&#..;` references; anything else would need a
/// DTD, which we refuse.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, ParseError> {
    let bad = |message: String| ParseError::Xml {
        position: 0,
        message,
    };
    if let Some(ch) = reference
        .resolve_char_ref()
        .map_err(|e| bad(e.to_string()))?
    {
        return Ok(ch.to_string());
    }
    let name = reference.decode().map_err(|_| ParseError::NotUtf8)?;
    resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| bad(format!("unknown entity &{name};")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Result<Incoming, ParseError> {
        parse_incoming(xml.as_bytes())
    }

    // Documented example, Tencent docs "接收普通消息" (offiaccount,
    // Message_Management/Receiving_standard_messages), text message.
    const DOC_TEXT: &str = "<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[fromUser]]></FromUserName>
<CreateTime>1348831860</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[this is a test]]></Content>
<MsgId>1234567890123456</MsgId>
<MsgDataId>xxxx</MsgDataId>
<Idx>xxxx</Idx>
</xml>";

    // Same page, voice message with speech recognition enabled.
    const DOC_VOICE: &str = "<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[fromUser]]></FromUserName>
<CreateTime>1357290913</CreateTime>
<MsgType><![CDATA[voice]]></MsgType>
<MediaId><![CDATA[media_id]]></MediaId>
<Format><![CDATA[Format]]></Format>
<Recognition><![CDATA[腾讯微信团队]]></Recognition>
<MsgId>1234567890123456</MsgId>
</xml>";

    // Same page, image message.
    const DOC_IMAGE: &str = "<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[fromUser]]></FromUserName>
<CreateTime>1348831860</CreateTime>
<MsgType><![CDATA[image]]></MsgType>
<PicUrl><![CDATA[this is a url]]></PicUrl>
<MediaId><![CDATA[media_id]]></MediaId>
<MsgId>1234567890123456</MsgId>
</xml>";

    // Tencent docs "接收事件推送" (Receiving event pushes): subscribe,
    // subscribe via parametric QR code, and custom-menu CLICK.
    const DOC_SUBSCRIBE: &str = "<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>123456789</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[subscribe]]></Event>
</xml>";

    const DOC_SUBSCRIBE_QR: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>123456789</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[subscribe]]></Event>
<EventKey><![CDATA[qrscene_123123]]></EventKey>
<Ticket><![CDATA[TICKET]]></Ticket>
</xml>";

    const DOC_CLICK: &str = "<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>123456789</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[CLICK]]></Event>
<EventKey><![CDATA[EVENTKEY]]></EventKey>
</xml>";

    // Safe-mode body from Tencent's official C++/Java samples (the
    // `<xml><ToUserName>…<Encrypt>…` format string of WXBizMsgCryptTest).
    const ENVELOPE: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><Encrypt><![CDATA[jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==]]></Encrypt></xml>";

    #[test]
    fn documented_text_message() {
        let msg = parse(DOC_TEXT);
        assert_eq!(
            msg,
            Ok(Incoming {
                to_user: "toUser".into(),
                from_user: OpenId::new("fromUser"),
                create_time: 1_348_831_860,
                kind: IncomingKind::Text {
                    content: "this is a test".into(),
                    msg_id: MsgId::new(1_234_567_890_123_456),
                },
            })
        );
    }

    #[test]
    fn documented_voice_with_recognition() {
        let kind = parse(DOC_VOICE).map(|m| m.kind);
        assert_eq!(
            kind,
            Ok(IncomingKind::Voice {
                recognition: Some("腾讯微信团队".into()),
                media_id: "media_id".into(),
                format: "Format".into(),
                msg_id: MsgId::new(1_234_567_890_123_456),
            })
        );
    }

    #[test]
    fn voice_without_recognition() {
        let xml = DOC_VOICE.replace("<Recognition><![CDATA[腾讯微信团队]]></Recognition>", "");
        let kind = parse(&xml).map(|m| m.kind);
        assert!(matches!(
            kind,
            Ok(IncomingKind::Voice {
                recognition: None,
                ..
            })
        ));
    }

    #[test]
    fn documented_subscribe_events() {
        let plain = parse(DOC_SUBSCRIBE).map(|m| m.kind);
        assert_eq!(
            plain,
            Ok(IncomingKind::Event(Event::Subscribe { event_key: None }))
        );
        let qr = parse(DOC_SUBSCRIBE_QR).map(|m| m.kind);
        assert_eq!(
            qr,
            Ok(IncomingKind::Event(Event::Subscribe {
                event_key: Some("qrscene_123123".into())
            }))
        );
        let empty_key =
            DOC_SUBSCRIBE.replace("</Event>", "</Event><EventKey><![CDATA[]]></EventKey>");
        assert_eq!(
            parse(&empty_key).map(|m| m.kind),
            Ok(IncomingKind::Event(Event::Subscribe { event_key: None }))
        );
    }

    #[test]
    fn documented_click_and_other_events() {
        assert_eq!(
            parse(DOC_CLICK).map(|m| m.kind),
            Ok(IncomingKind::Event(Event::Click {
                event_key: "EVENTKEY".into()
            }))
        );
        let unsub = DOC_SUBSCRIBE.replace("[subscribe]", "[unsubscribe]");
        assert_eq!(
            parse(&unsub).map(|m| m.kind),
            Ok(IncomingKind::Event(Event::Unsubscribe))
        );
        let view = DOC_CLICK.replace("[CLICK]", "[VIEW]");
        assert_eq!(
            parse(&view).map(|m| m.kind),
            Ok(IncomingKind::Event(Event::Other("VIEW".into())))
        );
        let no_key = DOC_CLICK.replace("<EventKey><![CDATA[EVENTKEY]]></EventKey>", "");
        assert_eq!(parse(&no_key), Err(ParseError::MissingField("EventKey")));
    }

    #[test]
    fn documented_image_is_other() {
        assert_eq!(
            parse(DOC_IMAGE).map(|m| m.kind),
            Ok(IncomingKind::Other {
                msg_type: "image".into(),
                msg_id: Some(MsgId::new(1_234_567_890_123_456)),
            })
        );
    }

    #[test]
    fn envelope_is_parsed() {
        assert_eq!(
            parse_envelope(ENVELOPE.as_bytes()),
            Ok(EncryptedEnvelope {
                to_user: Some("toUser".into()),
                encrypt: "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==".into(),
            })
        );
        assert_eq!(
            parse_envelope(b"<xml><ToUserName>x</ToUserName></xml>"),
            Err(ParseError::MissingField("Encrypt"))
        );
    }

    #[test]
    fn plain_text_values_and_entities_are_accepted() {
        let xml = "<xml><ToUserName>gh_1</ToUserName><FromUserName> o1 </FromUserName>\
                   <CreateTime>7</CreateTime><MsgType>text</MsgType>\
                   <Content>a &lt;b&gt; &amp; &#x4e2d;<![CDATA[ <c>]]></Content><MsgId>9</MsgId></xml>";
        let msg = parse(xml);
        assert_eq!(msg.as_ref().map(|m| m.from_user.as_str()), Ok("o1"));
        assert_eq!(
            msg.map(|m| m.kind),
            Ok(IncomingKind::Text {
                content: "a <b> & 中 <c>".into(),
                msg_id: MsgId::new(9)
            })
        );
    }

    #[test]
    fn dedupe_keys() -> Result<(), ParseError> {
        assert_eq!(dedupe_key(&parse(DOC_TEXT)?), "msg:1234567890123456");
        assert_eq!(dedupe_key(&parse(DOC_IMAGE)?), "msg:1234567890123456");
        assert_eq!(dedupe_key(&parse(DOC_CLICK)?), "evt:FromUser:123456789");
        Ok(())
    }

    #[test]
    fn missing_and_invalid_fields() {
        let cases = [
            (
                "<ToUserName><![CDATA[toUser]]></ToUserName>",
                ParseError::MissingField("ToUserName"),
            ),
            (
                "<MsgId>1234567890123456</MsgId>",
                ParseError::MissingField("MsgId"),
            ),
            (
                "<Content><![CDATA[this is a test]]></Content>",
                ParseError::MissingField("Content"),
            ),
            (
                "<CreateTime>1348831860</CreateTime>",
                ParseError::MissingField("CreateTime"),
            ),
            (
                "<MsgType><![CDATA[text]]></MsgType>",
                ParseError::MissingField("MsgType"),
            ),
        ];
        for (remove, expected) in cases {
            let xml = DOC_TEXT.replace(remove, "");
            assert_eq!(parse(&xml), Err(expected), "without {remove}");
        }
        let bad_time = DOC_TEXT.replace("1348831860", "12x");
        assert_eq!(
            parse(&bad_time),
            Err(ParseError::InvalidField("CreateTime"))
        );
        let bad_id = DOC_TEXT.replace("1234567890123456", "+1");
        assert_eq!(parse(&bad_id), Err(ParseError::InvalidField("MsgId")));
        let huge_id = DOC_TEXT.replace("1234567890123456", "99999999999999999999");
        assert_eq!(parse(&huge_id), Err(ParseError::InvalidField("MsgId")));
        let empty_from = DOC_TEXT.replace("[fromUser]", "[ ]");
        assert_eq!(
            parse(&empty_from),
            Err(ParseError::InvalidField("FromUserName"))
        );
        let dup = DOC_TEXT.replace("<Idx>xxxx</Idx>", "<MsgId>1</MsgId>");
        assert_eq!(parse(&dup), Err(ParseError::DuplicateField("MsgId".into())));
    }

    #[test]
    fn malformed_xml_is_a_typed_error() {
        let cases: &[&[u8]] = &[
            b"",
            b"   ",
            b"not xml",
            b"<xml>",
            b"<xml><ToUserName>a</FromUserName></xml>",
            b"<xml><a></xml>",
            b"</xml>",
            b"<xml></xml><xml></xml>",
            b"<root><MsgType>text</MsgType></root>",
            b"<xml></xml> trailing",
            b"<xml><Content>&foo;</Content></xml>",
            b"<xml><Content>&#0;</Content></xml>",
            b"<!DOCTYPE x [<!ENTITY e \"boom\">]><xml><Content>&e;</Content></xml>",
            b"<xml><![CDATA[unterminated</xml>",
            b"\xff\xfe<xml/>",
        ];
        for body in cases {
            let res = parse_incoming(body);
            assert!(res.is_err(), "{:?} parsed", String::from_utf8_lossy(body));
        }
        assert_eq!(
            parse_incoming(b"<!DOCTYPE xml><xml/>"),
            Err(ParseError::DocType)
        );
    }

    #[test]
    fn nested_elements_are_ignored() {
        let xml = DOC_CLICK.replace(
            "</EventKey>",
            "</EventKey><ScanCodeInfo><ScanType>qrcode</ScanType><MsgId>1</MsgId></ScanCodeInfo>",
        );
        assert!(matches!(
            parse(&xml).map(|m| m.kind),
            Ok(IncomingKind::Event(Event::Click { .. }))
        ));
    }

    #[test]
    fn oversized_body_is_refused_before_parsing() {
        let body = vec![b'<'; MAX_BODY + 1];
        assert_eq!(
            parse_incoming(&body),
            Err(ParseError::TooLarge(MAX_BODY + 1))
        );
        let padding = " ".repeat(MAX_BODY - DOC_TEXT.len());
        assert!(parse(&format!("{DOC_TEXT}{padding}")).is_ok());
    }

    #[test]
    fn official_python_sample_end_to_end() -> Result<(), Box<dyn std::error::Error>> {
        use super::super::crypto::AesKey;
        use super::super::signature::verify_msg;
        // Compat-mode body, query values and keys of Tencent's official
        // Python sample (Sample.py by jonyqin), copy at
        // charlesXu86/Chatbot_CN:Chatbot_Web/impl/weixin/Sample.py.
        let from_xml = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>";
        let key: AesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".parse()?;
        let envelope = parse_envelope(from_xml.as_bytes())?;
        assert!(verify_msg(
            "spamtest",
            "1409735669",
            "1320562132",
            &envelope.encrypt,
            "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
        ));
        let plain = key.decrypt(&envelope.encrypt, "wx2c2769f8efd9abc2")?;
        let decrypted = parse_incoming(plain.as_bytes())?;
        let expected = Incoming {
            to_user: "gh_10f6c3c3ac5a".into(),
            from_user: OpenId::new("oyORnuP8q7ou2gfYjqLzSIWZf0rs"),
            create_time: 1_409_735_668,
            kind: IncomingKind::Text {
                content: "abcdteT".into(),
                msg_id: MsgId::new(6_054_768_590_064_713_728),
            },
        };
        assert_eq!(decrypted, expected);
        // The clear-text copy in the same compat-mode body agrees.
        assert_eq!(parse_incoming(from_xml.as_bytes())?, expected);
        Ok(())
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        for body in [DOC_TEXT, DOC_VOICE, DOC_CLICK, ENVELOPE] {
            for end in 0..body.len() {
                let _ = parse_incoming(&body.as_bytes()[..end]);
                let _ = parse_envelope(&body.as_bytes()[..end]);
            }
        }
    }
}
