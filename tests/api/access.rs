//! API keys, scopes, origins, rate limits and turn limits, through the real server.

use std::time::Duration;

use frontline::access::{ApiKeyConfig, Limits, LimitsConfig, NewKey, Scope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_configured};

const WIDGET_ORIGIN: &str = "https://www.example-bank.cn";

/// The keys of one test: a token per client and the config that knows their hashes.
struct Keys {
    widget: String,
    app: String,
    desk: String,
    admin: String,
    configs: Vec<ApiKeyConfig>,
}

fn keys() -> Keys {
    let mut configs = Vec::new();
    let mut make = |name: &str, scopes: &[Scope], origins: &[&str]| {
        let key = NewKey::generate().unwrap();
        configs.push(ApiKeyConfig {
            name: name.into(),
            sha256: key.sha256,
            scopes: scopes.to_vec(),
            origins: origins.iter().map(|o| o.to_string()).collect(),
        });
        key.token
    };
    let widget = make("widget", &[Scope::Conversations], &[WIDGET_ORIGIN]);
    let app = make("app", &[Scope::Conversations, Scope::Parse], &[]);
    let desk = make("desk", &[Scope::Handoffs], &[]);
    let admin = make("ops", &Scope::ALL, &[]);
    Keys {
        widget,
        app,
        desk,
        admin,
        configs,
    }
}

async fn spawn_with_keys(keys: &Keys, limits: Limits, dir: &std::path::Path) -> TestApp {
    let configs = keys.configs.clone();
    spawn_app_configured(dir, move |settings| {
        settings.api_keys = configs;
        settings.limits = limits;
    })
    .await
}

/// One request: method, path, optional bearer token and origin, optional JSON body.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    origin: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

/// `call` showing a conversation token (`X-Conversation-Token`).
async fn call_with_token(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    origin: Option<&str>,
    conversation_token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    if let Some(token) = conversation_token {
        request = request.header("X-Conversation-Token", token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn message(text: &str) -> Option<Value> {
    Some(json!({"text": text, "locale": "zh-CN"}))
}

/// Every endpoint of the API, with a body where it takes one.
fn endpoints() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (
            Method::POST,
            "/v1/parse",
            Some(json!({"text": "我的卡被吞了"})),
        ),
        (
            Method::POST,
            "/v1/conversations/locked-out/messages",
            message("转人工"),
        ),
        (Method::GET, "/v1/conversations/locked-out", None),
        (Method::GET, "/v1/handoffs", None),
        (
            Method::POST,
            "/v1/handoffs/h-00000000000000000000000000000000/ack",
            Some(json!({"agent": "x"})),
        ),
        (Method::POST, "/v1/ivr/vxml", None),
        (Method::POST, "/admin/reload", None),
        (Method::GET, "/admin/content", None),
        (Method::GET, "/admin/deliveries", None),
        (Method::POST, "/admin/deliveries/1/retry", None),
    ]
}

#[tokio::test]
async fn without_a_key_or_with_a_wrong_one_every_endpoint_refuses_and_nothing_changes() {
    let keys = keys();
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with_keys(&keys, Limits::default(), dir.path()).await;
    for (method, path, body) in endpoints() {
        for token in [None, Some("fl_not-a-key"), Some("")] {
            let (status, headers, error) =
                call(&app, method.clone(), path, token, None, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {token:?}: {error}"
            );
            assert_eq!(error["error"]["code"], "unauthorized", "{error}");
            assert_eq!(headers["www-authenticate"], "Bearer");
        }
    }
    // Nothing was created: the conversation does not exist, no handoff is waiting.
    let (status, _, _) = call(
        &app,
        Method::GET,
        "/v1/conversations/locked-out",
        Some(&keys.admin),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, handoffs) = call(
        &app,
        Method::GET,
        "/v1/handoffs?status=all",
        Some(&keys.desk),
        None,
        None,
    )
    .await;
    assert_eq!(handoffs["handoffs"], json!([]), "{handoffs}");

    // Pages, the widget script and health checks stay public.
    for path in ["/", "/widget.js", "/agent", "/healthz", "/readyz"] {
        let (status, headers, _) = call(&app, Method::GET, path, None, None, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn each_key_reaches_its_own_endpoints_only() {
    let keys = keys();
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with_keys(&keys, Limits::default(), dir.path()).await;
    let widget = Some(keys.widget.as_str());
    let origin = Some(WIDGET_ORIGIN);

    // The widget's public key: conversations, from the bank's page only.
    let (status, _, turn) = call(
        &app,
        Method::POST,
        "/v1/conversations/w-1/messages",
        widget,
        origin,
        message("转人工"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{turn}");
    assert!(turn["handoff"]["id"].is_string(), "{turn}");
    let token = turn["conversation_token"].as_str().expect("a token");
    let (status, _) = call_with_token(
        &app,
        Method::GET,
        "/v1/conversations/w-1",
        widget,
        origin,
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for (elsewhere, why) in [
        (None, "no origin"),
        (Some("https://evil.example"), "another site"),
    ] {
        let (status, _, error) = call(
            &app,
            Method::POST,
            "/v1/conversations/w-2/messages",
            widget,
            elsewhere,
            message("你好"),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{why}: {error}");
    }
    for (method, path, body) in endpoints() {
        if path.starts_with("/v1/conversations") {
            continue;
        }
        let (status, _, error) = call(&app, method.clone(), path, widget, origin, body).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "widget key on {method} {path}: {error}"
        );
        assert_eq!(error["error"]["code"], "forbidden");
    }

    // The desk sees the widget customer's handoff and acknowledges it; it cannot talk as
    // a customer, nor reload content.
    let desk = Some(keys.desk.as_str());
    let (status, _, list) = call(&app, Method::GET, "/v1/handoffs", desk, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["handoffs"][0]["id"], turn["handoff"]["id"]);
    let ack = format!(
        "/v1/handoffs/{}/ack",
        turn["handoff"]["id"].as_str().unwrap()
    );
    let (status, _, _) = call(
        &app,
        Method::POST,
        &ack,
        desk,
        None,
        Some(json!({"agent": "A-07"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = call(
        &app,
        Method::POST,
        "/v1/conversations/d-1/messages",
        desk,
        None,
        message("你好"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call(&app, Method::POST, "/admin/reload", desk, None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The app key parses and converses from anywhere; admin needs the admin key.
    let app_key = Some(keys.app.as_str());
    let (status, _, parse) = call(
        &app,
        Method::POST,
        "/v1/parse",
        app_key,
        None,
        Some(json!({"text": "我的卡被吞了"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parse["intent"]["id"], "atm_card_retention", "{parse}");
    let (status, _, _) = call(&app, Method::GET, "/admin/content", app_key, None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, content) = call(
        &app,
        Method::GET,
        "/admin/content",
        Some(&keys.admin),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{content}");
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after_and_then_recovers() {
    let keys = keys();
    let dir = tempfile::tempdir().unwrap();
    let limits: Limits = LimitsConfig {
        requests_per_minute_per_key: 120,
        ..LimitsConfig::default()
    }
    .into();
    let app = spawn_with_keys(&keys, limits, dir.path()).await;
    let parse = || {
        call(
            &app,
            Method::POST,
            "/v1/parse",
            Some(&keys.app),
            None,
            Some(json!({"text": "你好"})),
        )
    };
    let mut allowed = 0;
    let retry_after = loop {
        let (status, headers, body) = parse().await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["error"]["code"], "rate_limited", "{body}");
            break headers["retry-after"]
                .to_str()
                .unwrap()
                .parse::<u64>()
                .expect("Retry-After in whole seconds");
        }
        assert_eq!(status, StatusCode::OK);
        allowed += 1;
        assert!(allowed <= 200, "never limited");
    };
    assert!(
        (120..=125).contains(&allowed),
        "a minute's allowance passes as a burst: {allowed}"
    );
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    // Another key is not held back by this one.
    let (status, _, _) = call(
        &app,
        Method::GET,
        "/v1/handoffs",
        Some(&keys.desk),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let (status, _, _) = parse().await;
    assert_eq!(status, StatusCode::OK, "recovered after Retry-After");
}

#[tokio::test]
async fn a_client_address_over_its_rate_is_limited_too() {
    let dir = tempfile::tempdir().unwrap();
    let limits: Limits = LimitsConfig {
        requests_per_minute_per_address: 30,
        limit_loopback: true,
        ..LimitsConfig::default()
    }
    .into();
    let app = spawn_app_configured(dir.path(), move |settings| settings.limits = limits).await;
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(app.get("/healthz").await.status);
    }
    assert!(statuses[..30].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses[31..].iter().all(|s| *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn a_conversation_past_its_turn_limit_is_refused_and_keeps_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let limits: Limits = LimitsConfig {
        max_turns_per_conversation: 3,
        ..LimitsConfig::default()
    }
    .into();
    let app = spawn_app_configured(dir.path(), move |settings| settings.limits = limits).await;
    for text in ["你好", "我想问问利率", "谢谢"] {
        app.say_zh("long-one", text).await;
    }
    let refused = app
        .post_json(
            "/v1/conversations/long-one/messages",
            &json!({"text": "还有一个问题", "locale": "zh-CN"}),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.error_code(), "conversation_too_long");
    let history = app.get("/v1/conversations/long-one").await;
    let lines = history.body["transcript"].as_array().unwrap();
    assert_eq!(lines.len(), 6, "three turns, nothing of the refused one");
    // Other conversations are unaffected.
    assert_eq!(
        app.post_json(
            "/v1/conversations/short-one/messages",
            &json!({"text": "你好", "locale": "zh-CN"})
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn without_keys_the_service_listens_on_loopback_only() {
    use frontline::startup::Application;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::default_settings(dir.path());
    settings.addr = "0.0.0.0:0".parse().unwrap();
    let services = tokio::task::spawn_blocking(crate::helpers::bundled_services)
        .await
        .unwrap();
    let open = Application::build(&settings, services.clone())
        .await
        .unwrap();
    assert!(open.address().ip().is_loopback(), "{}", open.address());

    settings.api_keys = keys().configs;
    let keyed = Application::build(&settings, services).await.unwrap();
    assert!(keyed.address().ip().is_unspecified(), "{}", keyed.address());
}

#[tokio::test]
async fn a_public_key_reads_and_writes_only_the_conversation_whose_token_it_shows() {
    let keys = keys();
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with_keys(&keys, Limits::default(), dir.path()).await;
    let widget = Some(keys.widget.as_str());
    let origin = Some(WIDGET_ORIGIN);
    let (status, first) = call_with_token(
        &app,
        Method::POST,
        "/v1/conversations/tok-a/messages",
        widget,
        origin,
        None,
        message("ATM吞了我的钱"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let token = first["conversation_token"]
        .as_str()
        .expect("a token")
        .to_string();
    assert!(token.len() >= 43, "{token}");
    // A second browser, same widget key, its own conversation and token.
    let (_, other) = call_with_token(
        &app,
        Method::POST,
        "/v1/conversations/tok-b/messages",
        widget,
        origin,
        None,
        message("你好"),
    )
    .await;
    let other_token = other["conversation_token"].as_str().unwrap().to_string();

    // The first customer's conversation with the token: readable, and it goes on; the
    // token is handed out once only.
    let (status, view) = call_with_token(
        &app,
        Method::GET,
        "/v1/conversations/tok-a",
        widget,
        origin,
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let (status, next) = call_with_token(
        &app,
        Method::POST,
        "/v1/conversations/tok-a/messages",
        widget,
        origin,
        Some(&token),
        message("两千块"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{next}");
    assert!(next.get("conversation_token").is_none(), "{next}");

    // Without it, with a wrong one, or for a conversation that does not exist: the same
    // 403, which tells nothing.
    let refused = |status: StatusCode, body: &Value| {
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"]["code"], "forbidden");
        body.clone()
    };
    let mut bodies = Vec::new();
    for (path, shown) in [
        ("/v1/conversations/tok-a", None),
        ("/v1/conversations/tok-a", Some(other_token.as_str())),
        ("/v1/conversations/tok-a", Some("not-a-token")),
        (
            "/v1/conversations/no-such-conversation",
            Some(token.as_str()),
        ),
        ("/v1/conversations/no-such-conversation", None),
    ] {
        let (status, body) =
            call_with_token(&app, Method::GET, path, widget, origin, shown, None).await;
        bodies.push(refused(status, &body));
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    let (status, body) = call_with_token(
        &app,
        Method::POST,
        "/v1/conversations/tok-a/messages",
        widget,
        origin,
        Some(&other_token),
        message("我是别人"),
    )
    .await;
    assert_eq!(refused(status, &body), bodies[0]);
    let (status, body) = call_with_token(
        &app,
        Method::POST,
        "/v1/conversations/tok-a/rating",
        widget,
        origin,
        None,
        Some(json!({"score": 1})),
    )
    .await;
    assert_eq!(refused(status, &body), bodies[0]);
    let (_, view) = call_with_token(
        &app,
        Method::GET,
        "/v1/conversations/tok-a",
        Some(&keys.app),
        None,
        None,
        None,
    )
    .await;
    assert_eq!(
        view["transcript"].as_array().unwrap().len(),
        4,
        "nothing of the refused message was kept: {view}"
    );

    // The stream: a public key may come in the URL with the token, as EventSource sends
    // them; without the token, or with a server-side key in the URL, it is refused.
    let events = |query: String| {
        let client = app.client.clone();
        let url = format!("{}/v1/conversations/tok-a/events?{query}", app.address);
        async move {
            client
                .get(url)
                .header("Origin", WIDGET_ORIGIN)
                .send()
                .await
                .unwrap()
        }
    };
    let open = events(format!("key={}&token={token}", keys.widget)).await;
    assert_eq!(open.status(), StatusCode::OK);
    assert!(
        open.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    drop(open);
    for (query, expected) in [
        (format!("key={}", keys.widget), StatusCode::FORBIDDEN),
        (
            format!("key={}&token={other_token}", keys.widget),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("key={}&token={token}", keys.app),
            StatusCode::UNAUTHORIZED,
        ),
        (format!("key={}", keys.admin), StatusCode::UNAUTHORIZED),
        (format!("token={token}"), StatusCode::UNAUTHORIZED),
    ] {
        let response = events(query.clone()).await;
        assert_eq!(response.status(), expected, "{query}");
    }
    let elsewhere = app
        .client
        .get(format!(
            "{}/v1/conversations/tok-a?key={}",
            app.address, keys.widget
        ))
        .header("Origin", WIDGET_ORIGIN)
        .header("X-Conversation-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        elsewhere.status(),
        StatusCode::UNAUTHORIZED,
        "only the stream takes a key in the URL"
    );

    // Server-side keys need no token.
    let (status, _) = call_with_token(
        &app,
        Method::GET,
        "/v1/conversations/tok-a",
        Some(&keys.app),
        None,
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}
