//! `frontline test`: the conversation tests content staff write, played by the real
//! binary. The bundled stories must pass; a failing story shows its first difference.

use std::process::Command;

use crate::helpers::repo_root;

fn frontline_test(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .current_dir(repo_root())
        .arg("test")
        .args(args)
        .output()
        .expect("the binary runs");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn every_bundled_story_passes() {
    let (code, out) = frontline_test(&["tests/stories"]);
    assert_eq!(code, 0, "{out}");
    let stories = out.lines().filter(|l| l.starts_with("ok ")).count();
    assert!(stories >= 25, "one story per intent at least: {out}");
}

#[test]
fn a_failing_story_reports_its_first_difference_and_junit() {
    let dir = tempfile::tempdir().unwrap();
    let story = dir.path().join("wrong.yaml");
    std::fs::write(
        &story,
        "stories:\n  - name: 期望错了的故事\n    turns:\n      - say: 你好\n        expect: {intent: greeting}\n      - say: ATM吞了我的钱\n        expect: {intent: fee_dispute}\n      - say: 转人工\n        expect: {handoff: customer_request}\n",
    )
    .unwrap();
    let junit = dir.path().join("junit.xml");
    let (code, out) =
        frontline_test(&[story.to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAILED 期望错了的故事"), "{out}");
    assert!(
        out.contains(
            "wrong.yaml:6: turn 2: intent: expected `fee_dispute`, got `atm_cash_retention`"
        ),
        "{out}"
    );
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(xml.contains("<testsuites name=\"frontline stories\" tests=\"1\" failures=\"1\">"));
    assert!(xml.contains("<failure message=\"turn 2 (line 6): intent: expected `fee_dispute`"));
}

#[test]
fn a_broken_story_file_is_reported_as_path_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let story = dir.path().join("broken.yaml");
    std::fs::write(
        &story,
        "stories:\n  - name: 坏文件\n    turns:\n      - say: 你好\n        expect: {intnet: greeting}\n",
    )
    .unwrap();
    let (code, out) = frontline_test(&[story.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("broken.yaml:5:") && out.contains("intnet"),
        "{out}"
    );
}
