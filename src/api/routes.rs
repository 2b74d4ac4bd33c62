//! The route table: every endpoint once, with its method, path, who may call it and how
//! it is described. Routing (`configure`), the gate's access rules (`access_of`) and the
//! OpenAPI document all read these rows, so a new endpoint is one row here and nothing
//! else: it cannot be routed but closed, or documented but unrouted.

use std::sync::LazyLock;

use actix_web::http::Method;
use actix_web::{Route, web};
use schemars::SchemaGenerator;

use super::openapi::{Body, Doc, header, schema, schema_inline, text_body, voice_form};
use super::{
    admin, analytics, audit, commitments, conversations, deliveries, events, handoffs, health,
    live_chat, metrics, notices, openapi, pages, parse, twilio, vxml, wechat,
};
use crate::access::{Access, Scope};
use crate::domain::IdempotencyKey;

/// One endpoint.
pub(super) struct Endpoint {
    pub method: Method,
    /// The path pattern, as actix-web matches it (`{id}` for a segment).
    pub path: &'static str,
    pub access: Access,
    /// The handler, for routing.
    pub handler: fn() -> Route,
    /// How the OpenAPI document describes it; `None` for pages and their files.
    pub doc: Option<fn(&mut SchemaGenerator) -> Doc>,
}

const CONVERSATION_ID: &[(&str, &str)] = &[(
    "id",
    "The conversation id the client chooses: 1 to 128 of A-Z a-z 0-9 _ . : -",
)];

const HANDOFF_ID: &[(&str, &str)] = &[("id", "The handoff id (h-…)")];

const COMMITMENT_ID: &[(&str, &str)] = &[("id", "The commitment id (cm-…)")];

/// WeChat's signed query parameters, all strings (which are required depends on the mode).
fn wechat_query(fields: &[(&str, &str)]) -> schemars::Schema {
    let properties: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(name, about)| {
            (
                (*name).to_string(),
                serde_json::json!({"type": "string", "description": about}),
            )
        })
        .collect();
    schemars::json_schema!({"type": "object", "properties": properties})
}

/// An event stream's body, described for OpenAPI as one event (the schema each event of
/// the stream follows, as SSE-aware clients and checkers read it).
fn event_stream_body() -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "description": "Server-Sent Events: `id: <n>`, `event: <kind>`, `data: <JSON>` per event; `: ping` comments keep it open",
        "properties": {
            "id": {"type": "string", "description": "The event's id: send it back as `Last-Event-ID`"},
            "event": {"type": "string", "enum": ["bot_reply", "customer_message", "agent_joined",
                "agent_message", "agent_typing", "agent_left", "state", "rating"]},
            "data": {"type": "string", "description": "The event as a JSON object"},
            "retry": {"type": ["string", "integer"]}
        },
        "required": ["data"]
    })
}

/// Every endpoint, API first, then pages.
pub(super) static ENDPOINTS: LazyLock<Vec<Endpoint>> = LazyLock::new(|| {
    vec![
        Endpoint {
            method: Method::POST,
            path: "/v1/parse",
            access: Access::Key(Scope::Parse),
            handler: || web::post().to(parse::parse),
            doc: Some(|g| Doc {
                id: "parse",
                summary: "Understand one message (intent, entities, emotion, risk) without a conversation",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::Json(schema::<parse::ParseRequest>(g)),
                status: 200,
                success: ("application/json", schema::<parse::ParseResponse>(g)),
                errors: &[400, 413, 415],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/conversations/{id}/messages",
            access: Access::Key(Scope::Conversations),
            handler: || web::post().to(conversations::post_message),
            doc: Some(|g| Doc {
                id: "postMessage",
                summary: "Take one turn of a conversation (started by its first message); with an Idempotency-Key (or message_id) a message is taken at most once and a retry gets the first answer",
                path_parameters: CONVERSATION_ID,
                headers: vec![header::<IdempotencyKey>(
                    g,
                    conversations::IDEMPOTENCY_KEY,
                    "The client's id for this message, 1 to 128 printable ASCII characters (or `message_id` in the body; both must then be equal). Sending the message again with the same key returns the first answer, byte for byte, and takes no second turn; the same key with another message is 409. Keys are scoped to the conversation.",
                )],
                query: None,
                body: Body::Json(schema::<conversations::MessageRequest>(g)),
                status: 200,
                success: ("application/json", schema::<conversations::TurnResponse>(g)),
                errors: &[400, 409, 413, 415, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/conversations/{id}",
            access: Access::Key(Scope::Conversations),
            handler: || web::get().to(conversations::get_conversation),
            doc: Some(|g| Doc {
                id: "getConversation",
                summary: "A conversation as stored: masked transcript, slots, demands, handoff",
                path_parameters: CONVERSATION_ID,
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: (
                    "application/json",
                    schema::<conversations::ConversationResponse>(g),
                ),
                errors: &[400, 404, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/conversations/{id}/events",
            access: Access::KeyOrPublicInQuery(Scope::Conversations),
            handler: || web::get().to(events::customer),
            doc: Some(|g| Doc {
                id: "conversationEvents",
                summary: "The customer's event stream (SSE): bot replies from the handoff on, agent joined, messages, typing, left, state; history after Last-Event-ID (or ?after=), then live. A public key must send the conversation token (X-Conversation-Token or ?token=) and may come as ?key=",
                path_parameters: CONVERSATION_ID,
                headers: vec![
                    header::<String>(
                        g,
                        "Last-Event-ID",
                        "The last event id the client has: only later events are sent",
                    ),
                    header::<String>(
                        g,
                        conversations::CONVERSATION_TOKEN,
                        "The conversation token (public keys only)",
                    ),
                ],
                query: None,
                body: Body::None,
                status: 200,
                success: ("text/event-stream", event_stream_body()),
                errors: &[400, 404, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/conversations/{id}/rating",
            access: Access::Key(Scope::Conversations),
            handler: || web::post().to(live_chat::rate),
            doc: Some(|g| Doc {
                id: "rateConversation",
                summary: "The customer rates the agent who resolved the conversation: 1 to 5 and an optional comment (masked), once",
                path_parameters: CONVERSATION_ID,
                headers: vec![header::<String>(
                    g,
                    conversations::CONVERSATION_TOKEN,
                    "The conversation token (public keys only)",
                )],
                query: None,
                body: Body::Json(schema::<live_chat::RatingRequest>(g)),
                status: 201,
                success: ("application/json", schema::<live_chat::RatingResponse>(g)),
                errors: &[400, 404, 409, 413, 415, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/conversations/{id}/agent-messages",
            access: Access::Key(Scope::Handoffs),
            handler: || web::post().to(live_chat::agent_message),
            doc: Some(|g| Doc {
                id: "postAgentMessage",
                summary: "The agent who owns the conversation writes to the customer (masked, pushed to both streams); with an Idempotency-Key a retry returns the same event",
                path_parameters: CONVERSATION_ID,
                headers: vec![header::<IdempotencyKey>(
                    g,
                    conversations::IDEMPOTENCY_KEY,
                    "The desk's id for this message: sending it again returns the first answer and no second message",
                )],
                query: None,
                body: Body::Json(schema::<live_chat::AgentMessageRequest>(g)),
                status: 201,
                success: (
                    "application/json",
                    schema::<crate::conversations::AgentMessage>(g),
                ),
                errors: &[400, 404, 409, 413, 415, 502, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/conversations/{id}/agent-typing",
            access: Access::Key(Scope::Handoffs),
            handler: || web::post().to(live_chat::agent_typing),
            doc: Some(|g| Doc {
                id: "agentTyping",
                summary: "The agent who owns the conversation is typing (the widget shows it for a moment)",
                path_parameters: CONVERSATION_ID,
                headers: Vec::new(),
                query: None,
                body: Body::Json(schema::<live_chat::TypingRequest>(g)),
                status: 204,
                success: ("application/json", text_body("No content")),
                errors: &[400, 404, 409, 413, 415, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/commitments",
            access: Access::Key(Scope::Commitments),
            handler: || web::get().to(commitments::list),
            doc: Some(|g| Doc {
                id: "listCommitments",
                summary: "Promises made to customers, soonest due first (status open|fulfilled|overdue|cancelled|all, due window, conversation, customer); paged",
                path_parameters: &[],
                headers: Vec::new(),
                query: Some(schema_inline::<commitments::ListParams>()),
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<commitments::CommitmentPage>(g)),
                errors: &[400, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/commitments",
            access: Access::Key(Scope::Commitments),
            handler: || web::post().to(commitments::create),
            doc: Some(|g| Doc {
                id: "createCommitment",
                summary: "An agent records a promise made to the customer of a conversation, due in working days (the bank calendar) or hours",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::Json(schema::<commitments::CreateRequest>(g)),
                status: 201,
                success: (
                    "application/json",
                    schema::<crate::handoff::CommitmentDocument>(g),
                ),
                errors: &[400, 404, 413, 415, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/commitments/{id}",
            access: Access::Key(Scope::Commitments),
            handler: || web::get().to(commitments::get),
            doc: Some(|g| Doc {
                id: "getCommitment",
                summary: "One commitment",
                path_parameters: COMMITMENT_ID,
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: (
                    "application/json",
                    schema::<crate::handoff::CommitmentDocument>(g),
                ),
                errors: &[404, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/commitments/{id}/fulfil",
            access: Access::Key(Scope::Commitments),
            handler: || web::post().to(commitments::fulfil),
            doc: Some(|g| Doc {
                id: "fulfilCommitment",
                summary: "The bank says a promise was kept (the refund was credited): its follow-up stops. Idempotent; 409 if it was cancelled",
                path_parameters: COMMITMENT_ID,
                headers: Vec::new(),
                query: None,
                body: Body::Json(schema::<commitments::FulfilRequest>(g)),
                status: 200,
                success: (
                    "application/json",
                    schema::<crate::handoff::CommitmentDocument>(g),
                ),
                errors: &[400, 404, 409, 413, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/commitments/{id}/cancel",
            access: Access::Key(Scope::Commitments),
            handler: || web::post().to(commitments::cancel),
            doc: Some(|g| Doc {
                id: "cancelCommitment",
                summary: "A promise is withdrawn, with a reason: its follow-up stops. Idempotent; 409 if it was fulfilled",
                path_parameters: COMMITMENT_ID,
                headers: Vec::new(),
                query: None,
                body: Body::Json(schema::<commitments::CancelRequest>(g)),
                status: 200,
                success: (
                    "application/json",
                    schema::<crate::handoff::CommitmentDocument>(g),
                ),
                errors: &[400, 404, 409, 413, 415, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/handoffs",
            access: Access::Key(Scope::Handoffs),
            handler: || web::get().to(handoffs::list),
            doc: Some(|g| Doc {
                id: "listHandoffs",
                summary: "Handoffs for agent desks, newest first (status pending|acked|all)",
                path_parameters: &[],
                headers: Vec::new(),
                query: Some(schema_inline::<handoffs::ListParams>()),
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<handoffs::HandoffPage>(g)),
                errors: &[400, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/handoffs/{id}/ack",
            access: Access::Key(Scope::Handoffs),
            handler: || web::post().to(handoffs::ack),
            doc: Some(|g| Doc {
                id: "ackHandoff",
                summary: "An agent takes a handoff (idempotent: the first agent stays recorded)",
                path_parameters: HANDOFF_ID,
                headers: Vec::new(),
                query: None,
                body: Body::Json(schema::<handoffs::AckRequest>(g)),
                status: 200,
                success: (
                    "application/json",
                    schema::<crate::handoff::HandoffDocument>(g),
                ),
                errors: &[400, 404, 413, 415, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/handoffs/{id}/claim",
            access: Access::Key(Scope::Handoffs),
            handler: || web::post().to(live_chat::claim),
            doc: Some(|g| Doc {
                id: "claimHandoff",
                summary: "An agent takes the customer over in the same chat (idempotent for the same agent; 409 claimed, naming who has it, for another)",
                path_parameters: HANDOFF_ID,
                headers: Vec::new(),
                query: None,
                body: Body::Json(schema::<live_chat::ClaimRequest>(g)),
                status: 200,
                success: ("application/json", schema::<live_chat::ClaimResponse>(g)),
                errors: &[400, 404, 409, 413, 415, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/handoffs/{id}/release",
            access: Access::Key(Scope::Handoffs),
            handler: || web::post().to(live_chat::release),
            doc: Some(|g| Doc {
                id: "releaseHandoff",
                summary: "The agent ends their part: resolved (closed, the customer is asked for a rating) or back_to_bot (the bot carries on with the open demands)",
                path_parameters: HANDOFF_ID,
                headers: Vec::new(),
                query: None,
                body: Body::Json(schema::<live_chat::ReleaseRequest>(g)),
                status: 200,
                success: ("application/json", schema::<live_chat::ReleaseResponse>(g)),
                errors: &[400, 404, 409, 413, 415, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/handoffs/{id}/events",
            access: Access::Key(Scope::Handoffs),
            handler: || web::get().to(events::desk),
            doc: Some(|g| Doc {
                id: "handoffEvents",
                summary: "The desk's event stream (SSE): every event of the conversation, the customer's messages with their understanding included; history after Last-Event-ID (or ?after=), then live",
                path_parameters: HANDOFF_ID,
                headers: vec![header::<String>(
                    g,
                    "Last-Event-ID",
                    "The last event id the desk has: only later events are sent",
                )],
                query: None,
                body: Body::None,
                status: 200,
                success: ("text/event-stream", event_stream_body()),
                errors: &[400, 404, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/handoffs/{id}/suggestions",
            access: Access::Key(Scope::Handoffs),
            handler: || web::get().to(live_chat::suggestions),
            doc: Some(|g| Doc {
                id: "handoffSuggestions",
                summary: "Suggested replies for the agent in the four steps (soothe, restate, guide, commit), from the primary intent's own templates with the slots filled in",
                path_parameters: HANDOFF_ID,
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: (
                    "application/json",
                    schema::<live_chat::SuggestionsResponse>(g),
                ),
                errors: &[404, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/ivr/vxml",
            access: Access::Key(Scope::Ivr),
            handler: || web::post().to(vxml::webhook),
            doc: Some(|_| Doc {
                id: "voiceXml",
                summary: "VoiceXML 2.1 interpreters submit the caller's utterance or keys; the answer is the next VoiceXML document",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::Form(voice_form(&[
                    ("call_id", "The call's id: the conversation"),
                    ("utterance", "What the caller said, or the keys pressed"),
                    ("utterance$.inputmode", "voice or dtmf"),
                    ("utterance$.confidence", "Recognition confidence, 0 to 1"),
                    ("event", "no_input or no_match"),
                ])),
                status: 200,
                success: (
                    "application/voicexml+xml",
                    text_body("A VoiceXML 2.1 document"),
                ),
                errors: &[400, 409, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/channels/wechat/{account}",
            access: Access::OwnSignature,
            handler: || web::get().to(wechat::verify_server),
            doc: Some(|_| Doc {
                id: "wechatVerify",
                summary: "WeChat Official Account server verification (服务器配置): answers echostr when signature (SHA-1 of the sorted token, timestamp and nonce) matches and the timestamp is fresh; 403 otherwise",
                path_parameters: &[(
                    "account",
                    "The account's name in frontline.toml ([[wechat]] account)",
                )],
                headers: Vec::new(),
                query: Some(wechat_query(&[
                    (
                        "signature",
                        "SHA-1 (hex) of the sorted token, timestamp and nonce",
                    ),
                    ("timestamp", "Unix seconds"),
                    ("nonce", "A random string"),
                    ("echostr", "Echoed back when the signature is right"),
                ])),
                body: Body::None,
                status: 200,
                success: ("text/plain", text_body("The echostr")),
                errors: &[400, 403, 404],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/channels/wechat/{account}",
            access: Access::OwnSignature,
            handler: || web::post().to(wechat::receive),
            doc: Some(|_| Doc {
                id: "wechatPush",
                summary: "WeChat Official Account message push: text, voice (Recognition), subscribe and menu CLICK events; verified by signature (and msg_signature in safe mode) with a fresh timestamp before anything is read; answered with a passive XML reply (text, or transfer_customer_service on a handoff), encrypted in safe mode; a retried MsgId gives the same reply and one turn",
                path_parameters: &[(
                    "account",
                    "The account's name in frontline.toml ([[wechat]] account)",
                )],
                headers: Vec::new(),
                query: Some(wechat_query(&[
                    (
                        "signature",
                        "SHA-1 (hex) of the sorted token, timestamp and nonce",
                    ),
                    (
                        "timestamp",
                        "Unix seconds; older than the account's max_age_secs is refused",
                    ),
                    ("nonce", "A random string"),
                    ("openid", "The sender's OpenID"),
                    ("encrypt_type", "aes in safe (and compatible) mode"),
                    (
                        "msg_signature",
                        "In safe mode: SHA-1 of the sorted token, timestamp, nonce and Encrypt",
                    ),
                ])),
                body: Body::Xml(
                    "The message as WeChat pushes it: <xml> with ToUserName, FromUserName, CreateTime, MsgType and its fields; in safe mode <xml><ToUserName/><Encrypt/></xml>",
                ),
                status: 200,
                success: (
                    "application/xml",
                    text_body(
                        "A passive reply (<xml> with MsgType text or transfer_customer_service; in safe mode the <Encrypt> envelope), or `success` for none",
                    ),
                ),
                errors: &[400, 403, 404, 413, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/ivr/twilio",
            access: Access::OwnSignature,
            handler: || web::post().to(twilio::webhook),
            doc: Some(|_| Doc {
                id: "twilio",
                summary: "Twilio-compatible voice webhook (authenticated by X-Twilio-Signature); the answer is TwiML",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::Form(voice_form(&[
                    ("CallSid", "The call's id: the conversation"),
                    ("SpeechResult", "What the caller said"),
                    ("Confidence", "Recognition confidence, 0 to 1"),
                    ("Digits", "Keys pressed"),
                ])),
                status: 200,
                success: ("text/xml", text_body("A TwiML document")),
                errors: &[400, 403, 409, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/analytics",
            access: Access::Key(Scope::Analytics),
            handler: || web::get().to(analytics::analytics),
            doc: Some(|g| Doc {
                id: "analytics",
                summary: "Managers' figures for a period of bank days: volume, containment, handoff reasons, top (complaint) intents per day, emotions, hotspots; format=csv for a spreadsheet",
                path_parameters: &[],
                headers: Vec::new(),
                query: Some(schema_inline::<analytics::AnalyticsParams>()),
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<crate::analytics::Report>(g)),
                errors: &[400, 503],
                alternative: Some((
                    "text/csv",
                    text_body("With format=csv: rows of day,measure,label,value"),
                )),
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/conversations/{id}/audit",
            access: Access::Key(Scope::Audit),
            handler: || web::get().to(audit::audit),
            doc: Some(|g| Doc {
                id: "conversationAudit",
                summary: "Why the bot said what it said: per customer turn, the content version, the intent candidates with their scores and the threshold, entities and slots (masked), feeling and cues, the state before and after, each sentence's template key (or notice / knowledge-base entry), the handoff rule, promises and stage times",
                path_parameters: &[("id", "The conversation's id")],
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<audit::AuditBody>(g)),
                errors: &[400, 404, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/analytics/surges",
            access: Access::Key(Scope::Analytics),
            handler: || web::get().to(analytics::surges),
            doc: Some(|g| Doc {
                id: "analytics_surges",
                summary: "Surge alerts open now: an intent (everywhere or in one city) whose last hour jumped past the same hour of the days before, with the latest conversations behind it (masked)",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<analytics::SurgesBody>(g)),
                errors: &[503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/metrics",
            access: Access::Key(Scope::Metrics),
            handler: || web::get().to(metrics::metrics),
            doc: Some(|_| Doc {
                id: "metrics",
                summary: "Prometheus metrics (text exposition format): requests, latency, turns, intents, fallbacks, handoffs, deliveries, outbox backlog, content version",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: (
                    crate::metrics::CONTENT_TYPE,
                    text_body("Metrics in the OpenMetrics text format"),
                ),
                errors: &[503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/admin/reload",
            access: Access::Key(Scope::Admin),
            handler: || web::post().to(admin::reload),
            doc: Some(|g| Doc {
                id: "reloadContent",
                summary: "Load, check and swap in the content now; with errors the last good content keeps serving (422)",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<admin::Reloaded>(g)),
                errors: &[422],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/admin/content",
            access: Access::Key(Scope::Admin),
            handler: || web::get().to(admin::content),
            doc: Some(|g| Doc {
                id: "contentVersion",
                summary: "The content version in service and the last reload",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<admin::ContentView>(g)),
                errors: &[],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/admin/notices",
            access: Access::Key(Scope::Admin),
            handler: || web::post().to(notices::publish),
            doc: Some(|g| Doc {
                id: "publishNotice",
                summary: "Publish (or change, by id) a crisis notice: its approved statement is given to the conversations it applies to while it is in force; audited with the API key's name",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::Json(schema::<crate::content::NoticeDraft>(g)),
                status: 201,
                success: ("application/json", schema::<notices::Published>(g)),
                errors: &[400, 409, 415, 422, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/admin/notices",
            access: Access::Key(Scope::Admin),
            handler: || web::get().to(notices::list),
            doc: Some(|g| Doc {
                id: "listNotices",
                summary: "The crisis notices in force and scheduled, from the content files and the API",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<notices::NoticeList>(g)),
                errors: &[503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/admin/notices/audit",
            access: Access::Key(Scope::Admin),
            handler: || web::get().to(notices::audit),
            doc: Some(|g| Doc {
                id: "noticeAudit",
                summary: "Who published, changed or withdrew which notice, and when (newest first)",
                path_parameters: &[],
                headers: Vec::new(),
                query: Some(schema_inline::<notices::AuditParams>()),
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<notices::NoticeAudit>(g)),
                errors: &[400, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::DELETE,
            path: "/admin/notices/{id}",
            access: Access::Key(Scope::Admin),
            handler: || web::delete().to(notices::withdraw),
            doc: Some(|g| Doc {
                id: "withdrawNotice",
                summary: "Withdraw a published notice at once (a file's notice is withdrawn by removing its file)",
                path_parameters: &[("id", "The notice's id")],
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<notices::Withdrawn>(g)),
                errors: &[404, 409, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/admin/deliveries",
            access: Access::Key(Scope::Admin),
            handler: || web::get().to(deliveries::list),
            doc: Some(|g| Doc {
                id: "listDeliveries",
                summary: "Webhook deliveries of handoffs (status pending|delivered|dead)",
                path_parameters: &[],
                headers: Vec::new(),
                query: Some(schema_inline::<deliveries::ListParams>()),
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<deliveries::DeliveryPage>(g)),
                errors: &[400, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::POST,
            path: "/admin/deliveries/{id}/retry",
            access: Access::Key(Scope::Admin),
            handler: || web::post().to(deliveries::retry),
            doc: Some(|g| Doc {
                id: "retryDelivery",
                summary: "Send a dead (or pending) delivery again now",
                path_parameters: &[("id", "The delivery's number")],
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<deliveries::DeliveryView>(g)),
                errors: &[404, 503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/healthz",
            access: Access::Public,
            handler: || web::get().to(health::alive),
            doc: Some(|g| Doc {
                id: "alive",
                summary: "The process answers",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<health::Alive>(g)),
                errors: &[],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/readyz",
            access: Access::Public,
            handler: || web::get().to(health::ready),
            doc: Some(|g| Doc {
                id: "ready",
                summary: "Content loaded and trained, store reachable: send traffic",
                path_parameters: &[],
                headers: Vec::new(),
                query: None,
                body: Body::None,
                status: 200,
                success: ("application/json", schema::<health::Ready>(g)),
                errors: &[503],
                alternative: None,
            }),
        },
        Endpoint {
            method: Method::GET,
            path: "/analytics",
            access: Access::Public,
            handler: || web::get().to(pages::analytics_page),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/analytics/analytics.css",
            access: Access::Public,
            handler: || web::get().to(pages::analytics_css),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/analytics/analytics.js",
            access: Access::Public,
            handler: || web::get().to(pages::analytics_js),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/openapi.json",
            access: Access::Public,
            handler: || web::get().to(openapi::openapi_json),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/agent",
            access: Access::Public,
            handler: || web::get().to(pages::agent_console),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/console/common.css",
            access: Access::Public,
            handler: || web::get().to(pages::console_css),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/console/common.js",
            access: Access::Public,
            handler: || web::get().to(pages::console_js),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/agent/agent.css",
            access: Access::Public,
            handler: || web::get().to(pages::agent_css),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/agent/agent.js",
            access: Access::Public,
            handler: || web::get().to(pages::agent_js),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/",
            access: Access::Public,
            handler: || web::get().to(pages::demo_page),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/demo.css",
            access: Access::Public,
            handler: || web::get().to(pages::demo_css),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/widget.js",
            access: Access::Public,
            handler: || web::get().to(pages::widget_js),
            doc: None,
        },
        Endpoint {
            method: Method::GET,
            path: "/widget.css",
            access: Access::Public,
            handler: || web::get().to(pages::widget_css),
            doc: None,
        },
    ]
});

/// The access rule of a matched route pattern; `None` if no row has that pattern.
pub(super) fn access_of(pattern: &str) -> Option<Access> {
    ENDPOINTS
        .iter()
        .find(|e| e.path == pattern)
        .map(|e| e.access)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_rows_route_the_same_method_and_path() {
        let mut seen = std::collections::BTreeSet::new();
        for endpoint in ENDPOINTS.iter() {
            assert!(
                seen.insert((endpoint.method.to_string(), endpoint.path)),
                "{} {} twice",
                endpoint.method,
                endpoint.path
            );
        }
    }

    #[test]
    fn every_api_row_is_documented_and_needs_a_key_or_its_own_signature() {
        for endpoint in ENDPOINTS.iter() {
            let api = endpoint.path.starts_with("/v1/") || endpoint.path.starts_with("/admin/");
            if api {
                assert!(
                    endpoint.doc.is_some(),
                    "{} is not documented",
                    endpoint.path
                );
                assert_ne!(
                    endpoint.access,
                    Access::Public,
                    "{} is public",
                    endpoint.path
                );
            }
        }
        assert_eq!(access_of("/v1/parse"), Some(Access::Key(Scope::Parse)));
        assert_eq!(access_of("/v1/ivr/twilio"), Some(Access::OwnSignature));
        assert_eq!(access_of("/metrics"), Some(Access::Key(Scope::Metrics)));
        assert_eq!(access_of("/widget.js"), Some(Access::Public));
        assert_eq!(access_of("/v1/unknown"), None);
    }
}
