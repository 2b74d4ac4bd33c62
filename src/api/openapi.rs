//! `GET /openapi.json`: the API described in OpenAPI 3.1, for integrators and their code
//! generators. The schemas are generated from the very types the handlers parse and
//! serialise (schemars), so the document cannot drift from what the service does; the
//! table below adds what types cannot say (paths, scopes, status codes).

use std::sync::OnceLock;

use actix_web::HttpResponse;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::{admin, analytics, conversations, deliveries, error, handoffs, health, parse};
use crate::access::Scope;

/// What a request carries.
enum Body {
    None,
    Json(Schema),
    /// A form-encoded webhook body (the voice platforms).
    Form(Value),
}

/// One operation of the API.
struct Operation {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    summary: &'static str,
    /// `None`: public.
    scope: Option<Scope>,
    path_parameters: &'static [(&'static str, &'static str)],
    query: Option<Schema>,
    body: Body,
    /// The success answer: content type and schema.
    success: (&'static str, Schema),
    /// Another content type the success answer can come in (`format=csv`).
    alternative: Option<(&'static str, Schema)>,
    /// Error statuses this operation can answer with, besides the gate's (401, 403, 429).
    errors: &'static [u16],
}

fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|settings| settings.definitions_path = "/components/schemas".into())
        .into_generator()
}

fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn text_body(description: &str) -> Schema {
    schemars::json_schema!({"type": "string", "description": description})
}

/// The fields the voice platforms post; any others are accepted and ignored.
fn voice_form(fields: &[(&str, &str)]) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|(name, about)| {
            (
                (*name).to_string(),
                json!({"type": "string", "description": about}),
            )
        })
        .collect();
    json!({"type": "object", "properties": properties, "additionalProperties": {"type": "string"}})
}

fn operations(generator: &mut SchemaGenerator) -> Vec<Operation> {
    let conversation_id = &[(
        "id",
        "The conversation id the client chooses: 1 to 128 of A-Z a-z 0-9 _ . : -",
    )][..];
    vec![
        Operation {
            method: "post",
            path: "/v1/parse",
            id: "parse",
            summary: "Understand one message (intent, entities, emotion, risk) without a conversation",
            scope: Some(Scope::Parse),
            path_parameters: &[],
            query: None,
            body: Body::Json(schema::<parse::ParseRequest>(generator)),
            success: (
                "application/json",
                schema::<parse::ParseResponse>(generator),
            ),
            errors: &[400, 413, 415],
            alternative: None,
        },
        Operation {
            method: "post",
            path: "/v1/conversations/{id}/messages",
            id: "postMessage",
            summary: "Take one turn of a conversation (started by its first message)",
            scope: Some(Scope::Conversations),
            path_parameters: conversation_id,
            query: None,
            body: Body::Json(schema::<conversations::MessageRequest>(generator)),
            success: (
                "application/json",
                schema::<conversations::TurnResponse>(generator),
            ),
            errors: &[400, 409, 413, 415, 503],
            alternative: None,
        },
        Operation {
            method: "get",
            path: "/v1/conversations/{id}",
            id: "getConversation",
            summary: "A conversation as stored: masked transcript, slots, demands, handoff",
            scope: Some(Scope::Conversations),
            path_parameters: conversation_id,
            query: None,
            body: Body::None,
            success: (
                "application/json",
                schema::<conversations::ConversationResponse>(generator),
            ),
            errors: &[400, 404, 503],
            alternative: None,
        },
        Operation {
            method: "get",
            path: "/v1/handoffs",
            id: "listHandoffs",
            summary: "Handoffs for agent desks, newest first (status pending|acked|all)",
            scope: Some(Scope::Handoffs),
            path_parameters: &[],
            query: Some(schema_inline::<handoffs::ListParams>()),
            body: Body::None,
            success: (
                "application/json",
                schema::<handoffs::HandoffPage>(generator),
            ),
            errors: &[400, 503],
            alternative: None,
        },
        Operation {
            method: "post",
            path: "/v1/handoffs/{id}/ack",
            id: "ackHandoff",
            summary: "An agent takes a handoff (idempotent: the first agent stays recorded)",
            scope: Some(Scope::Handoffs),
            path_parameters: &[("id", "The handoff id (h-…)")],
            query: None,
            body: Body::Json(schema::<handoffs::AckRequest>(generator)),
            success: (
                "application/json",
                schema::<crate::handoff::HandoffDocument>(generator),
            ),
            errors: &[400, 404, 413, 415, 503],
            alternative: None,
        },
        Operation {
            method: "post",
            path: "/v1/ivr/vxml",
            id: "voiceXml",
            summary: "VoiceXML 2.1 interpreters submit the caller's utterance or keys; the answer is the next VoiceXML document",
            scope: Some(Scope::Ivr),
            path_parameters: &[],
            query: None,
            body: Body::Form(voice_form(&[
                ("call_id", "The call's id: the conversation"),
                ("utterance", "What the caller said, or the keys pressed"),
                ("utterance$.inputmode", "voice or dtmf"),
                ("utterance$.confidence", "Recognition confidence, 0 to 1"),
                ("event", "no_input or no_match"),
            ])),
            success: (
                "application/voicexml+xml",
                text_body("A VoiceXML 2.1 document"),
            ),
            errors: &[400, 409, 503],
            alternative: None,
        },
        Operation {
            method: "post",
            path: "/v1/ivr/twilio",
            id: "twilio",
            summary: "Twilio-compatible voice webhook (authenticated by X-Twilio-Signature); the answer is TwiML",
            scope: None,
            path_parameters: &[],
            query: None,
            body: Body::Form(voice_form(&[
                ("CallSid", "The call's id: the conversation"),
                ("SpeechResult", "What the caller said"),
                ("Confidence", "Recognition confidence, 0 to 1"),
                ("Digits", "Keys pressed"),
            ])),
            success: ("text/xml", text_body("A TwiML document")),
            errors: &[400, 403, 409, 503],
            alternative: None,
        },
        Operation {
            method: "get",
            path: "/v1/analytics",
            id: "analytics",
            summary: "Managers' figures for a period of bank days: volume, containment, handoff reasons, top (complaint) intents per day, emotions, hotspots; format=csv for a spreadsheet",
            scope: Some(Scope::Analytics),
            path_parameters: &[],
            query: Some(schema_inline::<analytics::AnalyticsParams>()),
            body: Body::None,
            success: (
                "application/json",
                schema::<crate::analytics::Report>(generator),
            ),
            errors: &[400, 503],
            alternative: Some((
                "text/csv",
                text_body("With format=csv: rows of day,measure,label,value"),
            )),
        },
        Operation {
            method: "get",
            path: "/metrics",
            id: "metrics",
            summary: "Prometheus metrics (text exposition format): requests, latency, turns, intents, fallbacks, handoffs, deliveries, outbox backlog, content version",
            scope: Some(Scope::Metrics),
            path_parameters: &[],
            query: None,
            body: Body::None,
            success: (
                crate::metrics::CONTENT_TYPE,
                text_body("Metrics in the OpenMetrics text format"),
            ),
            errors: &[503],
            alternative: None,
        },
        Operation {
            method: "post",
            path: "/admin/reload",
            id: "reloadContent",
            summary: "Load, check and swap in the content now; with errors the last good content keeps serving (422)",
            scope: Some(Scope::Admin),
            path_parameters: &[],
            query: None,
            body: Body::None,
            success: ("application/json", schema::<admin::Reloaded>(generator)),
            errors: &[422],
            alternative: None,
        },
        Operation {
            method: "get",
            path: "/admin/content",
            id: "contentVersion",
            summary: "The content version in service and the last reload",
            scope: Some(Scope::Admin),
            path_parameters: &[],
            query: None,
            body: Body::None,
            success: ("application/json", schema::<admin::ContentView>(generator)),
            errors: &[],
            alternative: None,
        },
        Operation {
            method: "get",
            path: "/admin/deliveries",
            id: "listDeliveries",
            summary: "Webhook deliveries of handoffs (status pending|delivered|dead)",
            scope: Some(Scope::Admin),
            path_parameters: &[],
            query: Some(schema_inline::<deliveries::ListParams>()),
            body: Body::None,
            success: (
                "application/json",
                schema::<deliveries::DeliveryPage>(generator),
            ),
            errors: &[400, 503],
            alternative: None,
        },
        Operation {
            method: "post",
            path: "/admin/deliveries/{id}/retry",
            id: "retryDelivery",
            summary: "Send a dead (or pending) delivery again now",
            scope: Some(Scope::Admin),
            path_parameters: &[("id", "The delivery's number")],
            query: None,
            body: Body::None,
            success: (
                "application/json",
                schema::<deliveries::DeliveryView>(generator),
            ),
            errors: &[404, 503],
            alternative: None,
        },
        Operation {
            method: "get",
            path: "/healthz",
            id: "alive",
            summary: "The process answers",
            scope: None,
            path_parameters: &[],
            query: None,
            body: Body::None,
            success: ("application/json", schema::<health::Alive>(generator)),
            errors: &[],
            alternative: None,
        },
        Operation {
            method: "get",
            path: "/readyz",
            id: "ready",
            summary: "Content loaded and trained, store reachable: send traffic",
            scope: None,
            path_parameters: &[],
            query: None,
            body: Body::None,
            success: ("application/json", schema::<health::Ready>(generator)),
            errors: &[503],
            alternative: None,
        },
    ]
}

/// A schema without references, for turning an object's properties into parameters.
fn schema_inline<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .with(|settings| settings.inline_subschemas = true)
        .into_generator()
        .into_root_schema_for::<T>()
}

fn query_parameters(query: &Schema) -> Vec<Value> {
    let properties = query
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    properties
        .into_iter()
        .map(|(name, schema)| {
            json!({"name": name, "in": "query", "required": false, "schema": schema})
        })
        .collect()
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Invalid request: the message says which field",
        401 => "No API key, or an unknown one",
        403 => {
            "The key may not call this endpoint (or not from this origin), or the signature is wrong"
        }
        404 => "Unknown resource",
        409 => "The conversation reached its turn limit",
        413 => "Body larger than 16 KiB",
        415 => "Content type must be application/json",
        422 => "The content has errors; the last good content keeps serving",
        429 => "Rate limited: retry after Retry-After seconds",
        503 => "Not ready, overloaded or timed out: retry after Retry-After seconds",
        _ => "Error",
    }
}

fn operation_object(operation: &Operation) -> Value {
    let mut parameters: Vec<Value> = operation
        .path_parameters
        .iter()
        .map(|(name, about)| {
            json!({"name": name, "in": "path", "required": true, "description": about,
                   "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}})
        })
        .collect();
    if let Some(query) = &operation.query {
        parameters.extend(query_parameters(query));
    }
    let mut statuses: Vec<u16> = operation.errors.to_vec();
    if operation.scope.is_some() {
        statuses.extend([401, 403]);
    }
    statuses.extend([405, 429]);
    statuses.sort_unstable();
    statuses.dedup();
    let mut content = Map::new();
    for (content_type, schema) in std::iter::once(&operation.success).chain(&operation.alternative)
    {
        content.insert(content_type.to_string(), json!({ "schema": schema }));
    }
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({"description": "OK", "content": content}),
    );
    for status in statuses {
        let mut response = json!({
            "description": reason(status),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        });
        if matches!(status, 429 | 503) {
            response["headers"] = json!({"Retry-After": {"schema": {"type": "integer"}}});
        }
        responses.insert(status.to_string(), response);
    }
    let mut object = json!({
        "operationId": operation.id,
        "summary": operation.summary,
        "parameters": parameters,
        "responses": responses,
    });
    match &operation.body {
        Body::None => {}
        Body::Json(schema) => {
            object["requestBody"] = json!({"required": true,
                "content": {"application/json": {"schema": schema}}});
        }
        Body::Form(schema) => {
            object["requestBody"] = json!({"required": true,
                "content": {"application/x-www-form-urlencoded": {"schema": schema}}});
        }
    }
    object["security"] = match operation.scope {
        Some(scope) => json!([{"apiKey": [scope.as_str()]}]),
        None => json!([]),
    };
    if let Some(scope) = operation.scope {
        object["description"] = json!(format!(
            "Needs an API key with the `{scope}` scope when keys are configured."
        ));
    }
    object
}

/// The whole document.
pub fn document() -> Value {
    let mut generator = generator();
    let operations = operations(&mut generator);
    let error = schema::<error::ErrorBody>(&mut generator);
    let mut paths = Map::new();
    for operation in &operations {
        let entry = paths
            .entry(operation.path.to_string())
            .or_insert_with(|| json!({}));
        entry[operation.method] = operation_object(operation);
    }
    let mut schemas = generator.take_definitions(true);
    schemas.insert("Error".into(), error.to_value());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Frontline",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A first-line customer-service responder for banks. Every error is {\"error\": {\"code\", \"message\"}}. Personal data is masked in every answer.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer",
                           "description": "An API key made with `frontline keys new` (only when keys are configured; without keys the service listens on loopback only)"}
            }
        }
    })
}

/// `GET /openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let body = DOCUMENT.get_or_init(|| document().to_string());
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.as_str())
}
