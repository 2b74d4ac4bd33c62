//! The real `frontline` binary: content errors stop it with `path:line: message`, and
//! `frontline eval` measures any labelled dataset.

use std::process::Command;

use crate::helpers::copy_content;

fn frontline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_frontline"))
}

#[test]
fn broken_content_is_reported_as_path_line_message_and_the_service_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    copy_content(dir.path());
    let file = dir.path().join("intents/zh-CN/atm_cash_retention.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = text.replacen("kind: complaint", "kind: moan", 1);
    std::fs::write(&file, &broken).unwrap();
    let kind_line = broken.lines().position(|l| l.starts_with("kind:")).unwrap() + 1;
    let missing_kb = dir.path().join("knowledge-base/en/atm_cash_retention.md");
    std::fs::remove_file(&missing_kb).unwrap();

    let output = frontline()
        .args(["serve", "--addr", "127.0.0.1:0", "--content"])
        .arg(dir.path())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected =
        format!("intents/zh-CN/atm_cash_retention.yaml:{kind_line}: unknown variant `moan`");
    assert!(stderr.contains(&expected), "{stderr}");
    // Every problem is reported, not only the first.
    assert!(
        stderr.contains("intents/en/atm_cash_retention.yaml:")
            && stderr.contains("unknown knowledge-base article `atm_cash_retention`"),
        "{stderr}"
    );
}

#[test]
fn eval_measures_a_labelled_dataset_and_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.csv");
    let test = dir.path().join("test.csv");
    let rows = |pairs: &[(&str, &str)]| {
        std::iter::once("text,category".to_string())
            .chain(pairs.iter().map(|(t, c)| format!("\"{t}\",{c}")))
            .collect::<Vec<_>>()
            .join("\n")
    };
    std::fs::write(
        &train,
        rows(&[
            ("my card has not arrived yet", "card_arrival"),
            ("when will my new card arrive", "card_arrival"),
            ("still waiting for the card in the post", "card_arrival"),
            ("how do I top up my account", "top_up"),
            ("can I add money with a transfer", "top_up"),
            ("top up by bank transfer please", "top_up"),
        ]),
    )
    .unwrap();
    std::fs::write(
        &test,
        rows(&[
            ("the card did not arrive", "card_arrival"),
            ("I want to top up", "top_up"),
        ]),
    )
    .unwrap();
    let output = frontline()
        .args(["eval", "--json", "--train"])
        .arg(&train)
        .arg("--test")
        .arg(&test)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["accuracy"], 1.0, "{report}");
    assert_eq!(report["macro_f1"], 1.0, "{report}");
    assert_eq!(report["per_intent"].as_array().map(Vec::len), Some(2));
}

/// As handlebars escapes text in HTML.
fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('`', "&#x60;")
        .replace('=', "&#x3D;")
}

#[test]
fn eval_writes_an_html_report_with_a_heatmap_and_the_misread_examples_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.csv");
    let test = dir.path().join("test.csv");
    std::fs::write(
        &train,
        "text,category\n\
         my card has not arrived yet,card_arrival\n\
         when will my new card arrive,card_arrival\n\
         how do I top up my account,top_up\n\
         top up by bank transfer please,top_up\n\
         what is the exchange rate,exchange_rate\n\
         euro to pound exchange rate today,exchange_rate\n",
    )
    .unwrap();
    std::fs::write(
        &test,
        "text,category\n\
         the card did not arrive,card_arrival\n\
         I want to top up,top_up\n\
         \"<script>alert(1)</script> top up my account\",card_arrival\n\
         exchange rate for euro,exchange_rate\n",
    )
    .unwrap();
    let page = dir.path().join("report.html");
    let output = frontline()
        .args(["eval", "--json", "--html"])
        .arg(&page)
        .arg("--train")
        .arg(&train)
        .arg("--test")
        .arg(&test)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let html = std::fs::read_to_string(&page).expect("the report is written");

    for intent in ["card_arrival", "top_up", "exchange_rate"] {
        assert!(
            html.contains(&format!("data-intent=\"{intent}\"")),
            "a row for {intent}"
        );
    }
    let labels = report["matrix"]["labels"].as_array().unwrap().len();
    assert_eq!(
        html.matches("<td title=").count(),
        labels * labels,
        "a full heatmap"
    );
    let accuracy = format!("{:.1}%", report["accuracy"].as_f64().unwrap() * 100.0);
    assert!(html.contains(&format!("<b class=\"accuracy\">{accuracy}</b>")));

    let misread = report["misread"].as_array().unwrap();
    assert!(
        misread
            .iter()
            .any(|m| m["text"].as_str().unwrap().contains("<script>")),
        "the planted example is misread: {report}"
    );
    for example in misread {
        let text = example["text"].as_str().unwrap();
        assert!(
            html.contains(&html_escaped(text)),
            "misread example shown: {text}"
        );
    }
    assert!(
        !html.contains("<script>"),
        "an example is text, never markup"
    );
}

#[test]
fn a_long_evaluation_shows_a_progress_bar_on_a_terminal_only() {
    let binary = env!("CARGO_BIN_EXE_frontline");
    let root = crate::helpers::repo_root();
    let command = format!(
        "{binary} eval --locale en --folds 2 --content {}",
        root.display()
    );
    // `script` runs the command on a pseudo-terminal, as a person at a terminal would.
    let on_terminal = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script (util-linux) runs");
    assert!(on_terminal.status.success());
    let seen = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(
        seen.contains("en cross-validation [") && seen.contains("] 3/3"),
        "a bar that reaches its end: {seen}"
    );

    let piped = frontline()
        .args([
            "eval",
            "--locale",
            "en",
            "--folds",
            "2",
            "--json",
            "--content",
        ])
        .arg(&root)
        .output()
        .unwrap();
    assert!(piped.status.success());
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(!stderr.contains("cross-validation ["), "{stderr}");
    serde_json::from_slice::<serde_json::Value>(&piped.stdout).expect("clean JSON");
}

/// Keeps only the first `keep` examples of an intent file.
fn keep_examples(file: &std::path::Path, keep: usize) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out = Vec::new();
    let (mut in_examples, mut kept) = (false, 0);
    for line in text.lines() {
        if !line.starts_with(' ') && !line.starts_with('-') {
            in_examples = line.starts_with("examples:");
        } else if in_examples && line.trim_start().starts_with("- ") {
            kept += 1;
            if kept > keep {
                continue;
            }
        }
        out.push(line);
    }
    std::fs::write(file, out.join("\n") + "\n").unwrap();
}

#[test]
fn eval_against_a_baseline_refuses_a_change_that_understands_worse() {
    let base = tempfile::tempdir().unwrap();
    copy_content(base.path());
    let work = tempfile::tempdir().unwrap();
    copy_content(work.path());

    let same = frontline()
        .args(["eval", "--locale", "zh-CN", "--baseline"])
        .arg(base.path())
        .arg("--content")
        .arg(work.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&same.stdout);
    assert!(same.status.success(), "{stdout}");
    assert!(stdout.contains("no intent moved"), "{stdout}");

    keep_examples(&work.path().join("intents/zh-CN/transfer_delay.yaml"), 3);
    let worse = frontline()
        .args(["eval", "--locale", "zh-CN", "--baseline"])
        .arg(base.path())
        .arg("--content")
        .arg(work.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&worse.stdout);
    let stderr = String::from_utf8_lossy(&worse.stderr);
    assert_eq!(worse.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("transfer_delay"), "{stdout}");
    assert!(stdout.contains("newly confused:"), "{stdout}");
    assert!(
        stderr.contains("regression: zh-CN: `transfer_delay` recall fell"),
        "{stderr}"
    );
}

#[test]
fn chat_holds_a_conversation_typed_in_the_terminal() {
    use std::io::Write;
    let mut child = frontline()
        .arg("chat")
        .arg("--content")
        .arg(crate::helpers::repo_root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("ATM吞了我的钱,气死我了!\n转人工\n".as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("intent atm_cash_retention") && stdout.contains("state active"),
        "{stdout}"
    );
    assert!(
        stdout.contains("handoff customer_request") && stdout.contains("state handed_off"),
        "the second line continues the same conversation: {stdout}"
    );
}

#[test]
fn eval_faq_measures_held_out_wordings_and_out_of_scope_messages_and_gates_on_the_targets() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("faq.html");
    let output = frontline()
        .args(["eval", "--faq", "--json", "--html"])
        .arg(&html)
        .current_dir(crate::helpers::repo_root())
        .output()
        .unwrap();
    let reports: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut met = true;
    for report in reports.as_array().unwrap() {
        let locale = report["locale"].as_str().unwrap();
        let target = if locale == "zh-CN" { 0.90 } else { 0.85 };
        met &= report["hit_at_1"].as_f64().unwrap() >= target
            && report["false_answers"].as_f64().unwrap() <= 0.05;
        // What README states: a change that loses more than a few points shows here.
        let hit = report["hit_at_1"].as_f64().unwrap();
        let floor = if locale == "zh-CN" { 0.70 } else { 0.80 };
        assert!(hit >= floor, "{locale}: hit@1 {hit}");
        assert!(
            report["false_answers"].as_f64().unwrap() <= 0.05,
            "{report}"
        );
        assert!(
            report["answered_wrong"].as_f64().unwrap() <= 0.05,
            "{report}"
        );
        assert_eq!(report["folds"], 5);
        assert!(report["sweep"].as_array().unwrap().len() > 5);
    }
    // The exit code says whether the targets (hit@1 90% zh-CN, 85% en; false answers at
    // most 5%) are met.
    assert_eq!(output.status.code(), Some(if met { 0 } else { 1 }));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("knowledge-base FAQ") && page.contains("Threshold sweep"));
}
