//! `GET /openapi.json`: an OpenAPI 3.1 document of every public endpoint whose references
//! all resolve (schemathesis, run by scripts/test, checks the answers against it).

use serde_json::Value;

use crate::helpers::spawn_app;

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_api_is_described_in_openapi_with_every_reference_resolved() {
    let app = spawn_app().await;
    let reply = app.get("/openapi.json").await;
    assert_eq!(reply.status, 200);
    let document = reply.body;
    assert_eq!(document["openapi"], "3.1.0");
    for (path, method) in [
        ("/v1/parse", "post"),
        ("/v1/conversations/{id}/messages", "post"),
        ("/v1/conversations/{id}", "get"),
        ("/v1/handoffs", "get"),
        ("/v1/handoffs/{id}/ack", "post"),
        ("/v1/ivr/vxml", "post"),
        ("/v1/ivr/twilio", "post"),
        ("/admin/reload", "post"),
        ("/admin/content", "get"),
        ("/admin/deliveries", "get"),
        ("/admin/deliveries/{id}/retry", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
    ] {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is described");
        assert!(operation["responses"]["200"].is_object(), "{method} {path}");
        assert_eq!(
            operation["responses"]["429"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Error",
            "{method} {path}: the error body"
        );
    }
    let mut targets = Vec::new();
    refs(&document, &mut targets);
    assert!(targets.len() > 20);
    for target in targets {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("a local component: {target}"));
        assert!(
            document["components"]["schemas"][name].is_object(),
            "{target} resolves"
        );
    }
    // The types say what the handlers accept: a message is 1 to 1,000 characters.
    let text = &document["components"]["schemas"]["MessageText"];
    assert_eq!(text["maxLength"], 1000);
}
