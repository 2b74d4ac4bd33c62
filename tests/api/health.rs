use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let reply = app.get("/healthz").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "ok");
}

#[tokio::test]
async fn readyz_reports_the_content_version_and_intents_per_locale() {
    let app = spawn_app().await;
    let reply = app.get("/readyz").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "ready");
    assert_eq!(
        reply.body["content_version"].as_str().map(str::len),
        Some(16)
    );
    assert!(
        reply.body["intents"]["zh-CN"].as_u64() >= Some(25),
        "{}",
        reply.body
    );
    assert_eq!(reply.body["intents"]["zh-CN"], reply.body["intents"]["en"]);
}

#[tokio::test]
async fn an_unknown_path_gets_a_json_404() {
    let app = spawn_app().await;
    let reply = app.get("/v1/nothing-here").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "not_found");
}
