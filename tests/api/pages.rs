//! Pages served by the binary, and which web origins may call the API from a browser.

use crate::helpers::{spawn_app, spawn_app_configured};

#[tokio::test]
async fn the_demo_page_widget_and_console_are_served_with_a_strict_policy() {
    let app = spawn_app().await;
    for (path, kind) in [
        ("/", "text/html"),
        ("/widget.js", "text/javascript"),
        ("/widget.css", "text/css"),
        ("/agent", "text/html"),
        ("/agent/agent.js", "text/javascript"),
        ("/analytics", "text/html"),
        ("/console/common.js", "text/javascript"),
        ("/console/common.css", "text/css"),
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert!(header("content-type").starts_with(kind), "{path}");
        assert!(
            header("content-security-policy").contains("script-src 'self'"),
            "{path}"
        );
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
    }
    let demo = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        demo.contains("/widget.js"),
        "the demo page embeds the widget"
    );
}

async fn preflight(app: &crate::helpers::TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/conversations/cors-1/messages", app.address),
        )
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn only_configured_origins_may_call_the_api_from_a_browser() {
    let data_dir = tempfile::tempdir().unwrap();
    let app = spawn_app_configured(data_dir.path(), |settings| {
        settings.cors_origins = vec!["https://www.example-bank.cn".into()];
    })
    .await;
    let allowed = preflight(&app, "https://www.example-bank.cn").await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://www.example-bank.cn"
    );

    let other = preflight(&app, "https://evil.example.com").await;
    assert!(
        other.headers().get("access-control-allow-origin").is_none(),
        "another site's page gets no permission"
    );

    let sent = app
        .client
        .post(format!("{}/v1/conversations/cors-1/messages", app.address))
        .header("Origin", "https://www.example-bank.cn")
        .json(&serde_json::json!({"text": "你好", "locale": "zh-CN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    assert_eq!(
        sent.headers()["access-control-allow-origin"],
        "https://www.example-bank.cn"
    );
}
