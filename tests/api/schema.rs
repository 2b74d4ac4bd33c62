//! The JSON Schema of intent files (`schemas/intent.schema.json`), which editors use while
//! staff type: it is what the loader's types generate, and every intent file points at it.

use std::process::Command;

use crate::helpers::repo_root;

#[test]
fn the_committed_schema_is_the_one_the_loader_generates() {
    let output = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .arg("schema")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).unwrap();
    let committed =
        std::fs::read_to_string(repo_root().join("schemas/intent.schema.json")).unwrap();
    assert!(
        generated == committed,
        "schemas/intent.schema.json is stale: run `cargo run -- schema --out schemas/intent.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let required = schema["required"].as_array().unwrap();
    for field in ["id", "title", "kind", "examples"] {
        assert!(required.iter().any(|r| r == field), "{field} is required");
    }
    assert_eq!(
        schema["additionalProperties"], false,
        "unknown fields are refused"
    );
}

#[test]
fn every_intent_file_points_editors_at_the_schema() {
    for locale in ["zh-CN", "en"] {
        let dir = repo_root().join("intents").join(locale);
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('_') || !name.ends_with(".yaml") {
                continue;
            }
            let first = std::fs::read_to_string(entry.path())
                .unwrap()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            assert_eq!(
                first, "# yaml-language-server: $schema=../../schemas/intent.schema.json",
                "{locale}/{name}"
            );
        }
    }
}

#[test]
fn the_committed_faq_schema_is_the_one_the_loader_generates_and_every_topic_points_at_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["schema", "--faq"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).unwrap();
    let committed = std::fs::read_to_string(repo_root().join("schemas/faq.schema.json")).unwrap();
    assert!(
        generated == committed,
        "schemas/faq.schema.json is stale: run `cargo run -- schema --faq --out schemas/faq.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let entry = &schema["$defs"]["EntryFile"];
    for field in ["id", "questions", "answer", "short_answer", "reviewed"] {
        assert!(
            entry["required"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == field),
            "{field} is required"
        );
    }
    for locale in ["zh-CN", "en"] {
        let dir = repo_root().join("knowledge-base").join(locale).join("faq");
        for file in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.starts_with('_') || !name.ends_with(".yaml") {
                continue;
            }
            let text = std::fs::read_to_string(file.path()).unwrap();
            assert_eq!(
                text.lines().next().unwrap_or_default(),
                "# yaml-language-server: $schema=../../../schemas/faq.schema.json",
                "{locale}/faq/{name}"
            );
        }
    }
}

/// Content staff's editors and the API's clients validate notices against one schema.
#[test]
fn the_committed_notice_schema_is_the_one_the_loader_and_the_api_read() {
    let output = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["schema", "--notice"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).unwrap();
    let committed =
        std::fs::read_to_string(repo_root().join("schemas/notice.schema.json")).unwrap();
    assert!(
        generated == committed,
        "schemas/notice.schema.json is stale: run `cargo run -- schema --notice --out schemas/notice.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let required = schema["required"].to_string();
    for field in [
        "id",
        "locale",
        "title",
        "statement",
        "applies_to",
        "starts_at",
        "ends_at",
    ] {
        assert!(required.contains(field), "{field} is required: {required}");
    }
}
