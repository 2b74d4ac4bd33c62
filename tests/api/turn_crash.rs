//! A turn is committed before it is answered: the real binary, taking turns as fast as
//! sixteen clients can send them, killed with SIGKILL and started again on the same store,
//! has every turn it answered 200, on SQLite and on PostgreSQL.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::helpers::{log_tail, serve_command, wait_ready};
use crate::postgres::{TestDatabase, customer_lines};
use crate::receiver::free_address;

const CLIENTS: usize = 16;
/// Turns answered before the kill; the kill comes while more are in flight.
const ANSWERED_BEFORE_KILL: usize = 300;
/// Turns per conversation, well under the per-conversation limit.
const TURNS_EACH: usize = 8;

fn serve(data_dir: &Path, database_url: Option<&str>, address: &str, log: &Path) -> Child {
    let mut command = serve_command(address, data_dir, log);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    command.spawn().expect("the binary starts")
}

/// Sends turns until the server is gone; every 200 is noted as (conversation, text).
async fn client(
    base: String,
    n: usize,
    answered: Arc<Mutex<Vec<(String, String)>>>,
    enough: Arc<Notify>,
) {
    let http = reqwest::Client::new();
    for turn in 0.. {
        let conversation = format!("crash-{n}-{}", turn / TURNS_EACH);
        let text = format!("我想问一下房贷利率现在是多少 (c{n} t{turn})");
        let sent = http
            .post(format!("{base}/v1/conversations/{conversation}/messages"))
            .json(&json!({"text": text, "locale": "zh-CN"}))
            .send()
            .await;
        match sent {
            Ok(response) if response.status() == 200 => {
                let mut answered = answered.lock().unwrap();
                answered.push((conversation, text));
                if answered.len() == ANSWERED_BEFORE_KILL {
                    enough.notify_one();
                }
            }
            // Refused (busy): not acknowledged, nothing to find later; go on.
            Ok(_) => continue,
            // The server died with this turn in flight: it was never acknowledged.
            Err(_) => return,
        }
    }
}

async fn answered_turns_survive_a_sigkill(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let address = free_address().to_string();
    let base = format!("http://{address}");
    let http = reqwest::Client::new();

    let first_log = dir.path().join("first.log");
    let mut bot = serve(&data, database_url, &address, &first_log);
    wait_ready(&http, &base).await;
    let answered = Arc::new(Mutex::new(Vec::new()));
    let enough = Arc::new(Notify::new());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| tokio::spawn(client(base.clone(), n, answered.clone(), enough.clone())))
        .collect();
    // A guard, not a clock: if the clients never get that far, say why instead of hanging.
    tokio::time::timeout(std::time::Duration::from_secs(300), enough.notified())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{ANSWERED_BEFORE_KILL} turns were not answered\n{}",
                log_tail(&first_log)
            )
        });
    bot.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
    bot.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }
    let answered = std::mem::take(&mut *answered.lock().unwrap());
    assert!(answered.len() >= ANSWERED_BEFORE_KILL);

    let second_log = dir.path().join("second.log");
    let mut bot = serve(&data, database_url, &address, &second_log);
    wait_ready(&http, &base).await;
    let mut by_conversation: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (conversation, text) in answered {
        by_conversation.entry(conversation).or_default().push(text);
    }
    for (conversation, texts) in &by_conversation {
        let view: Value = http
            .get(format!("{base}/v1/conversations/{conversation}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let stored = customer_lines(&view);
        for text in texts {
            assert!(
                stored.contains(text),
                "{conversation}: the answered turn {text:?} is lost after the kill; stored: \
                 {stored:?}\n{}",
                log_tail(&first_log)
            );
        }
    }
    bot.kill().unwrap();
    bot.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_turn_answered_before_a_sigkill_is_in_sqlite_after_the_restart() {
    answered_turns_survive_a_sigkill(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_turn_answered_before_a_sigkill_is_in_postgres_after_the_restart() {
    let database = TestDatabase::create().await;
    answered_turns_survive_a_sigkill(Some(database.url.as_str())).await;
}
