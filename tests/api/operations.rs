//! What operators and managers read: `/metrics` parsed by a Prometheus text-format parser
//! (its counters move with traffic), and `/v1/analytics` (JSON and CSV) over real turns.

use prometheus_parse::{Scrape, Value as Sample};
use serde_json::{Value, json};

use crate::deliveries::{fast_delivery, webhook};
use crate::helpers::{TestApp, spawn_app, spawn_app_configured};
use crate::receiver::{Receiver, free_address};

/// `/metrics`, parsed.
pub async fn scrape(app: &TestApp) -> Scrape {
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("valid exposition format")
}

/// The value of the sample `name` whose labels include `labels` (0 if there is none).
pub fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Sample::Counter(v) | Sample::Gauge(v) | Sample::Untyped(v) => *v,
            Sample::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            Sample::Summary(_) => 0.0,
        })
        .sum()
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_their_counters_move_with_traffic() {
    // A webhook nobody listens on: deliveries fail and wait in the outbox.
    let receiver = Receiver::reserve(free_address());
    let delivery = fast_delivery();
    let hooks = vec![webhook("desk", &receiver, &[])];
    let data_dir = tempfile::tempdir().unwrap();
    let app = spawn_app_configured(data_dir.path(), |settings| {
        settings.webhooks =
            frontline::handoff::check_webhooks(&hooks, &delivery, |_| None).unwrap();
        settings.delivery = delivery.check().unwrap();
    })
    .await
    .keeping(data_dir);
    let before = scrape(&app).await;
    let turns = ("frontline_turns_total", [("channel", "web")]);
    let messages = [
        ("endpoint", "/v1/conversations/:id/messages"),
        ("method", "POST"),
        ("status", "200"),
    ];

    app.say_zh("m-1", "ATM吞了我的钱,气死我了!").await;
    app.say_zh("m-2", "阿巴阿巴咕噜").await;
    app.say_zh("m-3", "转人工").await;
    let ready = app.get("/readyz").await;

    // Deliveries to the dead address fail and are retried.
    let started = std::time::Instant::now();
    let after = loop {
        let after = scrape(&app).await;
        let failed = value(
            &after,
            "frontline_webhook_deliveries_total",
            &[("outcome", "failed")],
        );
        if failed >= 1.0 || started.elapsed() > std::time::Duration::from_secs(30) {
            break after;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert_eq!(moved(turns.0, &turns.1), 3.0);
    assert_eq!(
        moved(
            "frontline_intents_total",
            &[("intent", "atm_cash_retention"), ("channel", "web")]
        ),
        1.0
    );
    assert_eq!(
        moved("frontline_fallbacks_total", &[("channel", "web")]),
        1.0
    );
    assert_eq!(
        moved(
            "frontline_handoffs_total",
            &[("reason", "customer_request"), ("priority", "normal")]
        ),
        1.0
    );
    assert_eq!(moved("frontline_http_requests_total", &messages), 3.0);
    assert_eq!(
        moved(
            "frontline_http_request_duration_seconds_count",
            &[("endpoint", "/v1/conversations/:id/messages")]
        ),
        3.0
    );
    assert!(
        value(
            &after,
            "frontline_webhook_deliveries_total",
            &[("destination", "desk"), ("outcome", "failed")]
        ) >= 1.0
    );
    assert_eq!(
        value(
            &after,
            "frontline_outbox_deliveries",
            &[("destination", "desk"), ("status", "pending")]
        ),
        1.0,
        "the undelivered handoff is the backlog"
    );
    let version = ready.body["content_version"].as_str().unwrap();
    assert_eq!(
        value(&after, "frontline_content_info", &[("version", version)]),
        1.0
    );
    // No customer text in any label.
    let labels: String = after
        .samples
        .iter()
        .flat_map(|s| s.labels.values().cloned().collect::<Vec<_>>())
        .collect();
    assert!(!labels.contains("吞"), "{labels}");
}

#[tokio::test]
async fn analytics_count_conversations_handoffs_complaints_emotions_and_hotspots() {
    let app = spawn_app().await;
    for n in 0..5 {
        let turn = app
            .say_zh(&format!("a-atm-{n}"), "ATM吞了我的钱,气死我了!")
            .await;
        assert_eq!(turn["intent"]["id"], "atm_cash_retention", "{turn}");
    }
    app.say_zh("a-human", "转人工").await;
    app.say_zh("a-noise", "阿巴阿巴咕噜").await;

    let report = app.get("/v1/analytics").await;
    assert_eq!(report.status, 200, "{}", report.body);
    let r = &report.body;
    assert_eq!(r["totals"]["conversations"], 7, "{r}");
    assert_eq!(r["totals"]["handed_off"], 1);
    let containment = r["totals"]["containment_rate"].as_f64().unwrap();
    assert!((containment - 6.0 / 7.0).abs() < 1e-9, "{containment}");
    assert_eq!(r["handoff_reasons"][0]["reason"], "customer_request");
    assert_eq!(r["top_complaints"][0]["intent"], "atm_cash_retention");
    assert_eq!(r["top_complaints"][0]["conversations"], 5);
    assert_eq!(r["fallbacks"], 1);
    let angry = r["emotions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["emotion"] == "angry")
        .unwrap_or_else(|| panic!("angry customers counted: {r}"));
    assert!(angry["turns"].as_u64().unwrap() >= 5);
    // Five ATM complaints out of nowhere: the hotspot of the week.
    assert_eq!(
        r["hotspots"][0],
        json!({"intent": "atm_cash_retention", "complaint": true, "conversations": 5,
               "previous_conversations": 0, "growth": null})
    );
    let days = r["days"].as_array().unwrap();
    assert_eq!(days.len(), 7, "every day of the week, quiet ones included");
    let today = days.last().unwrap();
    assert_eq!(today["conversations"], 7);
    assert_eq!(days[0]["conversations"], 0);

    let csv = app
        .client
        .get(format!("{}/v1/analytics?format=csv", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let csv = csv.text().await.unwrap();
    let day = today["day"].as_str().unwrap();
    assert!(csv.starts_with("day,measure,label,value\n"), "{csv}");
    assert!(csv.contains(&format!("{day},conversations,,7\n")), "{csv}");
    assert!(
        csv.contains(&format!("{day},complaint,atm_cash_retention,5\n")),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{day},handoffs,customer_request,1\n")),
        "{csv}"
    );
}

#[tokio::test]
async fn analytics_refuse_a_reversed_or_overlong_period_or_an_unknown_format() {
    let app = spawn_app().await;
    for query in [
        "from=2026-11-20&to=2026-11-01",
        "from=2024-01-01&to=2026-01-01",
        "from=2026-13-01",
        "format=xlsx",
    ] {
        let reply = app.get(&format!("/v1/analytics?{query}")).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_eq!(reply.error_code(), "invalid_field", "{query}");
    }
    let reply: Value = app
        .get("/v1/analytics?from=2026-11-01&to=2026-11-03")
        .await
        .body;
    assert_eq!(reply["days"].as_array().unwrap().len(), 3);
    assert_eq!(reply["totals"]["containment_rate"], Value::Null);
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_turn_facts_and_never_the_customer_text() {
    use std::process::{Command, Stdio};

    use crate::helpers::{log_tail, repo_root, wait_ready};

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("frontline.log");
    let address = free_address().to_string();
    let mut bot = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args([
            "serve",
            "--addr",
            &address,
            "--log-format",
            "json",
            "--content",
        ])
        .arg(repo_root())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("FRONTLINE_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("the binary starts");
    let base = format!("http://{address}");
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await;
    let said = "柜员小李态度恶劣,我在人民路支行排队两小时";
    let turn: Value = client
        .post(format!("{base}/v1/conversations/log-1/messages"))
        .json(&json!({"text": said, "locale": "zh-CN"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let intent = turn["intent"]["id"].as_str().unwrap().to_string();
    let _ = bot.kill();
    bot.wait().unwrap();

    let logged = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = logged
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{}", log_tail(&log)))
        })
        .collect();
    assert!(
        lines
            .iter()
            .all(|l| l["level"].is_string() && l["timestamp"].is_string())
    );
    let turn_line = lines
        .iter()
        .find(|l| l["fields"]["message"] == "turn")
        .unwrap_or_else(|| panic!("a turn is logged: {logged}"));
    assert_eq!(turn_line["fields"]["conversation"], "log-1");
    assert_eq!(turn_line["fields"]["intent"], intent.as_str());
    for fragment in [said, "态度恶劣", "排队两小时"] {
        assert!(
            !logged.contains(fragment),
            "`{fragment}` in the log:\n{logged}"
        );
    }
}
