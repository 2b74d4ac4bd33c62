//! Every turn explains itself, through the real server: an ATM complaint's turns have
//! audit records naming the content version, the intent chosen among scored candidates,
//! the template of each sentence and (on the handoff) the rule that fired; a card number
//! the customer typed is nowhere in them in the clear; records older than the retention
//! period are purged on a moved clock and counted; `frontline audit export` writes them
//! as JSON Lines, or as a CSV to label, whose misread rows `frontline eval` leads back to
//! the turn's audit record.

use std::process::Command;

use chrono::{TimeDelta, TimeZone, Utc};
use serde_json::Value;

use crate::helpers::spawn_app_at;
use crate::operations::{scrape, value};

const CARD: &str = "6222021234567890123";

#[tokio::test]
async fn an_atm_complaint_explains_each_turn_without_the_card_number() {
    let dir = tempfile::tempdir().unwrap();
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    let timed = spawn_app_at(dir.path(), at, |_| {}).await;
    let app = &timed.app;
    app.say_zh("audit-1", &format!("ATM吞了我的钱,卡号{CARD},气死我了!"))
        .await;
    app.say_zh("audit-1", "昨天下午三点").await;
    app.say_zh("audit-1", "人民路支行").await;
    app.say_zh("audit-1", "两千块").await;
    app.say_zh("audit-1", "是的").await;
    app.say_zh("audit-1", "转人工").await;

    let audit = app.get("/v1/conversations/audit-1/audit").await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    assert!(
        !audit.body.to_string().contains(CARD),
        "the card number in the clear: {}",
        audit.body
    );
    let entries = audit.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 6, "one record per customer turn");
    let ready = app.get("/readyz").await;
    let first = &entries[0];
    assert_eq!(first["schema_version"], 1);
    assert_eq!(first["turn"], 1);
    assert_eq!(first["content_version"], ready.body["content_version"]);
    let message = first["message"].as_str().unwrap();
    assert!(
        message.starts_with("ATM吞了我的钱") && message.contains("0123"),
        "the customer's message, its card number masked: {message}"
    );
    let understanding = &first["understanding"];
    assert_eq!(
        understanding["intent"]["intent"], "atm_cash_retention",
        "{understanding}"
    );
    let candidates = understanding["candidates"].as_array().unwrap();
    assert!(candidates.len() >= 2, "{candidates:?}");
    assert!(candidates.iter().all(|c| c["score"].is_number()));
    assert!(understanding["threshold"].as_f64().unwrap() > 0.0);
    assert!(
        understanding["entities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "card_number" && e["value"].as_str().unwrap().ends_with("0123")),
        "the card number, masked: {understanding}"
    );
    // Every sentence says where its words come from: the soothing from `_replies`,
    // the intent's own parts from its template file.
    for entry in entries {
        for sentence in entry["reply"].as_array().unwrap() {
            assert!(
                !sentence["sources"].as_array().unwrap().is_empty(),
                "a sentence without a source: {sentence}"
            );
        }
    }
    let sources: Vec<&str> = entries
        .iter()
        .flat_map(|e| e["reply"].as_array().unwrap())
        .flat_map(|s| s["sources"].as_array().unwrap())
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        sources.iter().any(|s| s.starts_with("_replies.opening#")),
        "{sources:?}"
    );
    assert!(
        sources
            .iter()
            .any(|s| s.starts_with("atm_cash_retention.restate#")),
        "{sources:?}"
    );
    assert!(
        sources
            .iter()
            .any(|s| s.starts_with("atm_cash_retention.commitment#")),
        "{sources:?}"
    );
    // The sentences are the reply as the transcript keeps it, paragraph by paragraph.
    let view = app.get("/v1/conversations/audit-1").await;
    let bot_lines: Vec<&str> = view.body["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["role"] == "bot")
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    for (entry, line) in entries.iter().zip(&bot_lines) {
        let sentences: Vec<&str> = entry["reply"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["text"].as_str().unwrap())
            .collect();
        assert_eq!(sentences.join("\n"), *line);
    }
    let committed = &entries[4];
    assert_eq!(
        committed["commitments"][0]["template"],
        "atm_cash_retention.commitment"
    );
    assert_eq!(committed["dialogue"]["before"], "active/confirmation");
    let last = &entries[5];
    assert_eq!(last["handoff"]["reason"], "customer_request", "{last}");
    assert_eq!(last["handoff"]["rule"], "the customer asked for a person");
    assert_eq!(last["dialogue"]["after"], "handed_off");
    assert!(last["timings_us"]["understand"].is_u64());

    let none = app.get("/v1/conversations/nobody/audit").await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn records_past_the_retention_period_are_purged_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 2, 0, 0).unwrap();
    let timed = spawn_app_at(dir.path(), start, |settings| {
        settings.audit.retention_days = 180;
    })
    .await;
    timed.app.say_zh("old-1", "ATM吞了我的钱").await;
    timed.app.say_zh("old-1", "昨天下午三点").await;
    timed.hand.set(start + TimeDelta::days(100));
    timed.app.say_zh("new-1", "信用卡怎么还款").await;

    // 179 days after the first turns: nothing is old enough yet.
    timed.hand.set(start + TimeDelta::days(179));
    assert_eq!(timed.retention.tick().await.unwrap(), 0);
    // 181 days after: the two old turns go, the newer one stays.
    timed.hand.set(start + TimeDelta::days(181));
    assert_eq!(timed.retention.tick().await.unwrap(), 2);
    assert_eq!(timed.retention.tick().await.unwrap(), 0, "purged once");
    assert_eq!(
        timed.app.get("/v1/conversations/old-1/audit").await.status,
        404
    );
    let kept = timed.app.get("/v1/conversations/new-1/audit").await;
    assert_eq!(kept.body["entries"].as_array().unwrap().len(), 1);
    let metrics = scrape(&timed.app).await;
    assert_eq!(
        value(&metrics, "frontline_audit_records_purged_total", &[]),
        2.0
    );
}

#[tokio::test]
async fn the_export_writes_a_period_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let monday = Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap();
    let timed = spawn_app_at(dir.path(), monday, |_| {}).await;
    timed.app.say_zh("exp-1", "ATM吞了我的钱").await;
    timed.app.say_zh("exp-1", "昨天下午三点").await;
    timed.hand.set(monday + TimeDelta::days(2));
    timed.app.say_zh("exp-2", "卡丢了").await;

    let out = dir.path().join("audit.jsonl");
    let status = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args([
            "audit",
            "export",
            "--from",
            "2026-11-30",
            "--to",
            "2026-12-01",
            "--data-dir",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        2,
        "the two turns of 30 November, not the one of 2 December"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["conversation_id"] == "exp-1" && l["schema_version"] == 1)
    );
    assert_eq!(lines[0]["turn"], 1);
    assert_eq!(lines[1]["turn"], 2);
}

/// Live traffic exported for labelling; a row the content staff relabel (the bot misread
/// it) is reported by `frontline eval --utterances` with the audit record of its turn.
#[tokio::test]
async fn live_traffic_labelled_and_evaluated_leads_each_misread_message_to_its_audit_record() {
    let dir = tempfile::tempdir().unwrap();
    let monday = Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap();
    let timed = spawn_app_at(dir.path(), monday, |_| {}).await;
    timed
        .app
        .say_zh("live-1", &format!("ATM吞了我的钱,卡号{CARD}"))
        .await;
    timed.app.say_zh("live-2", "我的卡丢了").await;

    let csv = dir.path().join("label.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args([
            "audit",
            "export",
            "--labelling",
            "--from",
            "2026-11-30",
            "--to",
            "2026-11-30",
            "--data-dir",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(&csv)
        .status()
        .unwrap();
    assert!(status.success());
    let exported = std::fs::read_to_string(&csv).unwrap();
    assert!(!exported.contains(CARD), "{exported}");
    let mut lines = exported.lines();
    assert_eq!(lines.next(), Some("text,category,source"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{exported}");
    let atm = rows
        .iter()
        .find(|r| r.ends_with(",atm_cash_retention,live-1#1"))
        .unwrap_or_else(|| panic!("the ATM turn as the bot read it: {exported}"));

    // A reviewer decides the ATM message was really about a lost card.
    let relabelled = exported.replace(",atm_cash_retention,live-1#1", ",card_lost,live-1#1");
    assert_ne!(relabelled, exported);
    std::fs::write(&csv, &relabelled).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["eval", "--json", "--utterances"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["utterances"], 2);
    let misread = report["misread"].as_array().unwrap();
    let entry = misread
        .iter()
        .find(|m| m["source"] == "live-1#1")
        .unwrap_or_else(|| panic!("the relabelled row is misread: {report}"));
    assert_eq!(entry["expected"], "card_lost");
    assert_eq!(entry["read_as"], "atm_cash_retention");
    assert_eq!(entry["audit"], "/v1/conversations/live-1/audit#turn-1");
    assert!(
        atm.contains(entry["text"].as_str().unwrap()),
        "{atm} / {entry}"
    );
    // The link leads to the record of that turn.
    let path = entry["audit"].as_str().unwrap().split('#').next().unwrap();
    let audit = timed.app.get(path).await;
    assert_eq!(audit.status, 200);
    assert_eq!(audit.body["entries"][0]["turn"], 1);
    assert_eq!(
        audit.body["entries"][0]["understanding"]["intent"]["intent"],
        "atm_cash_retention"
    );
}
