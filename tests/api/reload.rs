//! Content changed while the service runs: a good change is swapped in without one failed
//! request, a broken one is refused with its problems and never served.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{TestApp, copy_content, spawn_app_configured};

const GREETING: &str = "templates/zh-CN/greeting.yaml";
const INTENT: &str = "intents/zh-CN/atm_cash_retention.yaml";

/// Rewrites the zh-CN greeting so that every greeting reply carries `marker`.
fn mark_greeting(content: &Path, marker: &str) {
    std::fs::write(
        content.join(GREETING),
        format!("# 问候(测试改写)\nguidance:\n  - 您好{marker},请问有什么可以帮您?\n"),
    )
    .unwrap();
}

async fn greeting_reply(app: &TestApp, conversation: &str) -> String {
    let turn = app.say_zh(conversation, "你好").await;
    turn["reply"]["text"].as_str().unwrap().to_string()
}

async fn content_version(app: &TestApp) -> String {
    app.get("/admin/content").await.body["version"]
        .as_str()
        .unwrap()
        .to_string()
}

struct Load {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
    broken_served: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

/// A client that greets the bot in new conversations and parses messages, back to back,
/// counting every failed request and every reply from the broken content.
fn start_load(app: &TestApp) -> Load {
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let broken_served = Arc::new(AtomicUsize::new(0));
    let (client, address) = (app.client.clone(), app.address.clone());
    let counters = (
        stop.clone(),
        sent.clone(),
        failed.clone(),
        broken_served.clone(),
    );
    let task = tokio::spawn(async move {
        let (stop, sent, failed, broken_served) = counters;
        let mut n = 0;
        while !stop.load(Ordering::SeqCst) {
            n += 1;
            let (path, body) = if n % 2 == 0 {
                (
                    format!("/v1/conversations/load-{n}/messages"),
                    json!({"text": "你好", "locale": "zh-CN"}),
                )
            } else {
                (
                    "/v1/parse".to_string(),
                    json!({"text": "ATM吞了我的钱", "locale": "zh-CN"}),
                )
            };
            sent.fetch_add(1, Ordering::SeqCst);
            match client
                .post(format!("{address}{path}"))
                .json(&body)
                .send()
                .await
            {
                Ok(response) if response.status().is_success() => {
                    let text = response.text().await.unwrap_or_default();
                    if text.contains("坏版本") {
                        broken_served.fetch_add(1, Ordering::SeqCst);
                    }
                }
                _ => {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    });
    Load {
        stop,
        sent,
        failed,
        broken_served,
        task,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_changed_three_times_under_load_serves_only_the_good_changes() {
    let content = tempfile::tempdir().unwrap();
    copy_content(content.path());
    let data = tempfile::tempdir().unwrap();
    let app = spawn_app_configured(data.path(), |settings| {
        settings.content_dir = content.path().to_path_buf();
    })
    .await;
    let first_version = content_version(&app).await;
    let load = start_load(&app);

    // 1. A good change.
    mark_greeting(content.path(), "【版本二】");
    let reloaded = app.post_json("/admin/reload", &json!({})).await;
    assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    assert_eq!(reloaded.body["changed"], true);
    assert!(greeting_reply(&app, "after-1").await.contains("【版本二】"));
    let second_version = content_version(&app).await;
    assert_ne!(second_version, first_version);

    // 2. A broken change: the greeting would change too, but an intent file is invalid.
    let intent_file = content.path().join(INTENT);
    let good_intent = std::fs::read_to_string(&intent_file).unwrap();
    std::fs::write(
        &intent_file,
        good_intent.replacen("kind: complaint", "kind: moan", 1),
    )
    .unwrap();
    mark_greeting(content.path(), "【坏版本】");
    let refused = app.post_json("/admin/reload", &json!({})).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"], "content_rejected");
    let problems = refused.body["error"]["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| {
            let p = p.as_str().unwrap();
            p.contains("atm_cash_retention.yaml:") && p.contains("unknown variant `moan`")
        }),
        "{problems:?}"
    );
    assert!(greeting_reply(&app, "after-2").await.contains("【版本二】"));
    let status = app.get("/admin/content").await.body;
    assert_eq!(status["version"], second_version.as_str());
    assert_eq!(status["last_reload"]["succeeded"], false);

    // 3. The file fixed and another good change.
    std::fs::write(&intent_file, &good_intent).unwrap();
    mark_greeting(content.path(), "【版本三】");
    let reloaded = app.post_json("/admin/reload", &json!({})).await;
    assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    assert!(greeting_reply(&app, "after-3").await.contains("【版本三】"));

    load.stop.store(true, Ordering::SeqCst);
    load.task.await.unwrap();
    let sent = load.sent.load(Ordering::SeqCst);
    assert!(sent > 10, "the load ran throughout ({sent} requests)");
    assert_eq!(load.failed.load(Ordering::SeqCst), 0, "of {sent} requests");
    assert_eq!(
        load.broken_served.load(Ordering::SeqCst),
        0,
        "the refused content was never served"
    );
}

#[tokio::test]
async fn a_change_on_disk_is_picked_up_without_being_asked() {
    let content = tempfile::tempdir().unwrap();
    copy_content(content.path());
    let data = tempfile::tempdir().unwrap();
    let app = spawn_app_configured(data.path(), |settings| {
        settings.content_dir = content.path().to_path_buf();
        settings.content_poll = Some(Duration::from_millis(100));
    })
    .await;
    let before = content_version(&app).await;
    mark_greeting(content.path(), "【自动加载】");
    let started = Instant::now();
    while content_version(&app).await == before {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the change was never loaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        greeting_reply(&app, "watched-1")
            .await
            .contains("【自动加载】")
    );
}
