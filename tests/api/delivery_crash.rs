//! The real binary killed with SIGKILL while it is pushing handoffs, then restarted on the
//! same data dir: every handoff still reaches the receiver, repeats with the same key.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{START_PATIENCE, log_tail, serve_command, wait_ready};
use crate::receiver::{Receiver, SECRET, free_address};

/// A `frontline serve` process on `address` with a config file that pushes to `receiver`;
/// its log goes to `log`, to show when the test fails.
fn serve(data_dir: &Path, address: &str, receiver: &Receiver, log: &Path) -> Child {
    let config = data_dir.join("frontline.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[delivery]
first_retry_ms = 50
max_retry_ms = 400
timeout_ms = 2000
poll_ms = 50
concurrency = 4

[[webhooks]]
name = "desk"
url = "{url}"
secret_env = "DESK_WEBHOOK_SECRET"
"#,
            url = receiver.url()
        ),
    )
    .unwrap();
    serve_command(address, &data_dir.join("data"), log)
        .arg("--config")
        .arg(&config)
        .env("DESK_WEBHOOK_SECRET", SECRET)
        .env("RUST_LOG", "info")
        .spawn()
        .expect("the binary starts")
}

#[tokio::test]
async fn handoffs_survive_the_bot_being_killed_mid_delivery() {
    let receiver = Receiver::start();
    // Slow answers keep deliveries in flight when the process dies.
    receiver.slow_next(u32::MAX, Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let address = free_address().to_string();
    let base = format!("http://{address}");
    let client = reqwest::Client::new();

    let first_log = dir.path().join("first.log");
    let mut bot = serve(dir.path(), &address, &receiver, &first_log);
    wait_ready(&client, &base).await;
    let mut handoffs = BTreeSet::new();
    for n in 0..30 {
        let turn: serde_json::Value = client
            .post(format!("{base}/v1/conversations/crash-{n}/messages"))
            .json(&json!({"text": "转人工", "locale": "zh-CN"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        handoffs.insert(turn["handoff"]["id"].as_str().unwrap().to_string());
    }
    // Kill it while the receiver is still busy with the first deliveries.
    let started = Instant::now();
    while receiver.received().len() < 3 {
        assert!(started.elapsed() < START_PATIENCE, "no delivery started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.kill().expect("SIGKILL");
    bot.wait().unwrap();
    let before_restart = receiver.delivered().len();
    assert!(
        before_restart < handoffs.len(),
        "the kill came too late to interrupt anything"
    );

    receiver.slow_next(0, Duration::ZERO);
    let second_log = dir.path().join("second.log");
    let mut bot = serve(dir.path(), &address, &receiver, &second_log);
    wait_ready(&client, &base).await;
    if let Err(missing) = receiver
        .try_wait_for(&handoffs, Duration::from_secs(120))
        .await
    {
        let _ = bot.kill();
        panic!(
            "{missing}\n--- before the kill:\n{}\n--- after the restart:\n{}",
            log_tail(&first_log),
            log_tail(&second_log)
        );
    }
    receiver.assert_signed_and_consistent();
    let carried: BTreeSet<String> = receiver.delivered().into_values().collect();
    assert_eq!(carried, handoffs, "every handoff, under one key each");
    bot.kill().unwrap();
    bot.wait().unwrap();
    receiver.stop().await;
}
