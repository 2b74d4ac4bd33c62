//! `GET /openapi.json`: the API described in OpenAPI 3.1, for integrators and their code
//! generators. The schemas are generated from the very types the handlers parse and
//! serialise (schemars), so the document cannot drift from what the service does; the
//! route table (`routes.rs`) adds what types cannot say (paths, scopes, status codes).

use std::sync::OnceLock;

use actix_web::HttpResponse;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::error;
use super::routes::{ENDPOINTS, Endpoint};
use crate::access::Access;

/// What a request carries.
pub(super) enum Body {
    None,
    Json(Schema),
    /// A form-encoded webhook body (the voice platforms).
    Form(Value),
    /// An XML body (WeChat's pushes), described in words.
    Xml(&'static str),
}

/// How the document describes one endpoint, beyond its method, path and access.
pub(super) struct Doc {
    pub id: &'static str,
    pub summary: &'static str,
    pub path_parameters: &'static [(&'static str, &'static str)],
    /// Optional request headers the operation reads ([`header`]).
    pub headers: Vec<Value>,
    pub query: Option<Schema>,
    pub body: Body,
    /// The success status (200, 201, 204).
    pub status: u16,
    /// The success answer: content type and schema.
    pub success: (&'static str, Schema),
    /// Another content type the success answer can come in (`format=csv`).
    pub alternative: Option<(&'static str, Schema)>,
    /// Error statuses this operation can answer with, besides the gate's (401, 403, 429).
    pub errors: &'static [u16],
}

fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|settings| settings.definitions_path = "/components/schemas".into())
        .into_generator()
}

pub(super) fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

pub(super) fn text_body(description: &str) -> Schema {
    schemars::json_schema!({"type": "string", "description": description})
}

/// An optional request header, described by the schema of the type it is parsed into.
pub(super) fn header<T: JsonSchema>(
    generator: &mut SchemaGenerator,
    name: &str,
    description: &str,
) -> Value {
    json!({"name": name, "in": "header", "required": false, "description": description,
           "schema": T::json_schema(generator)})
}

/// The fields the voice platforms post; any others are accepted and ignored.
pub(super) fn voice_form(fields: &[(&str, &str)]) -> Value {
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

/// A schema without references, for turning an object's properties into parameters.
pub(super) fn schema_inline<T: JsonSchema>() -> Schema {
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
        409 => {
            "The conversation reached its turn limit, or (a message) its Idempotency-Key was used for another message"
        }
        413 => "Body larger than 16 KiB",
        415 => "Content type must be application/json",
        422 => "The content has errors; the last good content keeps serving",
        429 => "Rate limited: retry after Retry-After seconds",
        502 => {
            "Saved, but WeChat's message API did not take it: retry with the same Idempotency-Key"
        }
        503 => "Not ready, overloaded or timed out: retry after Retry-After seconds",
        _ => "Error",
    }
}

fn operation_object(endpoint: &Endpoint, operation: &Doc) -> Value {
    let scope = match endpoint.access {
        Access::Key(scope) | Access::KeyOrPublicInQuery(scope) => Some(scope),
        Access::Public | Access::OwnSignature => None,
    };
    let mut parameters: Vec<Value> = operation
        .path_parameters
        .iter()
        .map(|(name, about)| {
            json!({"name": name, "in": "path", "required": true, "description": about,
                   "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}})
        })
        .collect();
    parameters.extend(operation.headers.iter().cloned());
    if let Some(query) = &operation.query {
        parameters.extend(query_parameters(query));
    }
    let mut statuses: Vec<u16> = operation.errors.to_vec();
    if scope.is_some() {
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
        operation.status.to_string(),
        match operation.status {
            204 => json!({"description": "No content"}),
            201 => json!({"description": "Created", "content": content}),
            _ => json!({"description": "OK", "content": content}),
        },
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
        Body::Xml(about) => {
            object["requestBody"] = json!({"required": true,
                "content": {"application/xml": {"schema": text_body(about)}}});
        }
    }
    object["security"] = match scope {
        Some(scope) => json!([{"apiKey": [scope.as_str()]}]),
        None => json!([]),
    };
    if let Some(scope) = scope {
        object["description"] = json!(format!(
            "Needs an API key with the `{scope}` scope when keys are configured."
        ));
    }
    object
}

/// The whole document.
pub fn document() -> Value {
    let mut generator = generator();
    let mut paths = Map::new();
    for endpoint in ENDPOINTS.iter() {
        let Some(doc) = endpoint.doc else { continue };
        let operation = operation_object(endpoint, &doc(&mut generator));
        let entry = paths
            .entry(endpoint.path.to_string())
            .or_insert_with(|| json!({}));
        entry[endpoint.method.as_str().to_lowercase()] = operation;
    }
    let error = schema::<error::ErrorBody>(&mut generator);
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
