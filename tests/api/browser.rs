//! The pages in a real headless Chromium (Debian's `chromium`, driven by `playwright-core`;
//! `scripts/test` installs both). Each test starts a server and runs one script of
//! `tests/browser/` against it; the scripts save screenshots under `target/artefacts/`.

use std::path::PathBuf;
use std::process::Command;

use chrono::{TimeZone, Utc};
use serde_json::json;

use crate::helpers::{TestApp, repo_root, spawn_app, spawn_app_at};

fn artefacts() -> PathBuf {
    repo_root().join("target/artefacts")
}

/// Runs `tests/browser/<script>` against a fresh server; panics with its output on failure.
async fn run_browser_script(script: &str, success_line: &str) {
    let app = spawn_app().await;
    run_against(&app, script, &[], success_line).await;
}

/// Runs `tests/browser/<script>` against `app` with extra environment variables; panics
/// with the script's output unless it succeeds and prints `success_line`.
async fn run_against(app: &TestApp, script: &str, env: &[(&str, String)], success_line: &str) {
    let script = repo_root().join("tests/browser").join(script);
    let address = app.address.clone();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    // The server runs on this runtime's other thread while node blocks this one.
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .env("FRONTLINE_URL", address)
            .env("ARTEFACT_DIR", artefacts())
            .envs(env)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs (scripts/test installs chromium and playwright-core)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains(success_line),
        "the browser test failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_console_shows_handoffs_live_and_one_click_acknowledges_one() {
    run_browser_script("agent_console.mjs", "agent console: ok").await;
    assert!(artefacts().join("agent-console.png").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_console_asks_for_a_desk_key_when_the_service_requires_keys() {
    use frontline::access::{ApiKeyConfig, NewKey, Scope};
    let desk = NewKey::generate().unwrap();
    let customer = NewKey::generate().unwrap();
    let configs = vec![
        ApiKeyConfig {
            name: "desk".into(),
            sha256: desk.sha256.clone(),
            scopes: vec![Scope::Handoffs],
            origins: Vec::new(),
        },
        ApiKeyConfig {
            name: "app".into(),
            sha256: customer.sha256.clone(),
            scopes: vec![Scope::Conversations],
            origins: Vec::new(),
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    let app = crate::helpers::spawn_app_configured(dir.path(), move |settings| {
        settings.api_keys = configs;
    })
    .await;
    run_against(
        &app,
        "agent_console_keys.mjs",
        &[("DESK_KEY", desk.token), ("CUSTOMER_KEY", customer.token)],
        "agent console keys: ok",
    )
    .await;
    assert!(artefacts().join("agent-console-key.png").is_file());
}

/// The bank's page in the live-chat test: a `*.localhost` origin (a secure context that
/// may call the service on loopback), served to the browser by the script itself.
const BANK_ORIGIN: &str = "http://bank.localhost";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_takes_over_the_widget_chat_from_the_console_and_is_rated() {
    use frontline::access::{ApiKeyConfig, NewKey, Scope};
    let widget = NewKey::generate().unwrap();
    let desk = NewKey::generate().unwrap();
    let manager = NewKey::generate().unwrap();
    let key = |name: &str, new: &NewKey, scope: Scope, origins: &[&str]| ApiKeyConfig {
        name: name.into(),
        sha256: new.sha256.clone(),
        scopes: vec![scope],
        origins: origins.iter().map(|o| o.to_string()).collect(),
    };
    let configs = vec![
        key("widget", &widget, Scope::Conversations, &[BANK_ORIGIN]),
        key("desk", &desk, Scope::Handoffs, &[]),
        key("manager", &manager, Scope::Analytics, &[]),
    ];
    let dir = tempfile::tempdir().unwrap();
    let app = crate::helpers::spawn_app_configured(dir.path(), move |settings| {
        settings.api_keys = configs;
        settings.cors_origins = vec![BANK_ORIGIN.into()];
    })
    .await;
    run_against(
        &app,
        "live_chat.mjs",
        &[
            ("WIDGET_KEY", widget.token),
            ("DESK_KEY", desk.token),
            ("ANALYTICS_KEY", manager.token),
            ("BANK_ORIGIN", BANK_ORIGIN.to_string()),
        ],
        "live chat: ok",
    )
    .await;
    assert!(artefacts().join("live-chat-widget.png").is_file());
    assert!(artefacts().join("live-chat-console.png").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_holds_a_conversation_on_desktop_and_phone() {
    run_browser_script("widget.mjs", "widget: ok").await;
    assert!(artefacts().join("widget-desktop.png").is_file());
    assert!(artefacts().join("widget-phone.png").is_file());
}

#[test]
fn the_evaluation_report_reads_as_a_heatmap_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let made = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["eval", "--locale", "zh-CN", "--folds", "3", "--content"])
        .arg(repo_root())
        .arg("--html")
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let output = Command::new("node")
        .arg(repo_root().join("tests/browser/eval_report.mjs"))
        .env("REPORT_FILE", &report)
        .env("ARTEFACT_DIR", artefacts())
        .output()
        .expect("node runs (scripts/test installs chromium and playwright-core)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("eval report: ok"),
        "the browser test failed\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(artefacts().join("eval-report.png").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_analytics_page_charts_what_the_api_counts_and_exports_csv() {
    let app = spawn_app().await;
    for n in 0..5 {
        app.say_zh(&format!("chart-atm-{n}"), "ATM吞了我的钱,气死我了!")
            .await;
    }
    app.say_zh("chart-fee", "为什么乱扣我年费,太过分了").await;
    app.say_zh("chart-human", "转人工").await;
    app.say_zh("chart-noise", "阿巴阿巴咕噜").await;
    // Two promises made by an agent; one is kept in time: the on-time rate is 50%.
    let mut promised = Vec::new();
    for conversation in ["chart-fee", "chart-human"] {
        let made = app
            .post_json(
                "/v1/commitments",
                &json!({"conversation_id": conversation, "intent": "fee_dispute",
                        "text": "两个工作日内回电", "working_days": 2, "agent": "a-7"}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        promised.push(made.body["id"].as_str().unwrap().to_string());
    }
    let kept = app
        .post_json(
            &format!("/v1/commitments/{}/fulfil", promised[0]),
            &json!({}),
        )
        .await;
    assert_eq!(kept.status, 200, "{}", kept.body);
    let expected = app.get("/v1/analytics").await;
    assert_eq!(expected.status, 200, "{}", expected.body);
    assert_eq!(expected.body["commitments"]["on_time_rate"], 0.5);
    run_against(
        &app,
        "analytics.mjs",
        &[("ANALYTICS_EXPECT", expected.body.to_string())],
        "analytics page: ok",
    )
    .await;
    assert!(artefacts().join("analytics-desktop.png").is_file());
}

/// A promise past its due time waits in the agent console's queue of overdue promises;
/// 已兑现 records it as kept by the agent, late.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_console_queues_overdue_promises_and_one_click_keeps_one() {
    let dir = tempfile::tempdir().unwrap();
    // Monday 30 November 2026, 10:00 in Beijing.
    let timed = spawn_app_at(
        dir.path(),
        Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap(),
        |_| {},
    )
    .await;
    let app = &timed.app;
    app.say_zh("late-1", "柜员态度太差了").await;
    let made = app
        .post_json(
            "/v1/commitments",
            &json!({"conversation_id": "late-1", "intent": "service_attitude_complaint",
                    "text": "两个工作日内回电", "working_days": 2, "agent": "a-7"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["id"].as_str().unwrap().to_string();
    let due_by = made.body["due_by"].as_str().unwrap().to_string();
    assert_eq!(due_by, "2026-12-02");
    // Thursday 3 December, 09:00 in Beijing: past due; a follow-up round marks it.
    timed
        .hand
        .set(Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap());
    timed.follow_up.tick().await.unwrap();
    run_against(
        app,
        "overdue.mjs",
        &[
            ("OVERDUE_ID", id),
            ("OVERDUE_CONVERSATION", "late-1".to_string()),
            ("OVERDUE_DUE_BY", due_by),
        ],
        "overdue queue: ok",
    )
    .await;
    assert!(artefacts().join("overdue-queue.png").is_file());
}

/// A surge alert open: the analytics page shows its banner, with the conversations behind
/// it unfolding masked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_analytics_page_shows_the_surge_alert_banner() {
    use crate::surges::{replay, watching_app};
    let receiver = crate::receiver::Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let timed = watching_app(dir.path(), &receiver).await;
    replay(&timed, "rush", &[8], true).await;
    let round = timed.surges.tick().await.unwrap();
    assert_eq!(round.raised.len(), 1, "{round:?}");
    run_against(
        &timed.app,
        "surge_banner.mjs",
        &[(
            "SURGE_EXPECT",
            json!({"intent": "atm_cash_retention", "city": "杭州", "conversations": 8}).to_string(),
        )],
        "surge banner: ok",
    )
    .await;
    assert!(artefacts().join("analytics-surge.png").is_file());
}
