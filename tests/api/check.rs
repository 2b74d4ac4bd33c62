//! `frontline check`, the real binary on content trees with deliberate problems: every
//! problem at its path, line and column, and the exit code a publishing pipeline gates on.

use std::path::Path;
use std::process::{Command, Output};

use crate::helpers::{copy_content, repo_root};

fn check(dir: &Path, extra: &[&str]) -> (i32, String) {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .arg("check")
        .arg(dir)
        .args(extra)
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// The 1-based line of the first line of `file` containing `needle`.
fn line_of(file: &Path, needle: &str) -> usize {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} in {}", file.display()))
        + 1
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{from} in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn broken_files_are_all_reported_with_path_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    copy_content(dir.path());
    let atm = dir.path().join("intents/zh-CN/atm_cash_retention.yaml");
    edit(&atm, "kind: complaint", "kind: moan");
    let fee = dir.path().join("intents/en/fee_dispute.yaml");
    edit(&fee, "id: fee_dispute", "id: fee_dispute\ncolour: red");

    let (code, out) = check(dir.path(), &["--no-conflicts"]);
    assert_eq!(code, 2, "errors exit with 2\n{out}");
    let kind_line = line_of(&atm, "kind: moan");
    assert!(
        out.contains(&format!(
            "intents/zh-CN/atm_cash_retention.yaml:{kind_line}:7: error: unknown variant `moan`"
        )),
        "{out}"
    );
    let colour_line = line_of(&fee, "colour: red");
    assert!(
        out.contains(&format!("intents/en/fee_dispute.yaml:{colour_line}:"))
            && out.contains("unknown field `colour`"),
        "{out}"
    );
}

#[test]
fn product_rules_in_templates_are_errors_at_their_place() {
    let dir = tempfile::tempdir().unwrap();
    copy_content(dir.path());
    let loss = dir.path().join("templates/zh-CN/product_loss_risk.yaml");
    // A guidance variant without the required disclosure, and a guarantee of returns.
    edit(
        &loss,
        "      - 需要跟您说明的是:理财非存款、",
        "      - 这款产品保证收益,请放心。\n      - 需要跟您说明的是:理财非存款、",
    );
    let atm = dir.path().join("templates/zh-CN/atm_cash_retention.yaml");
    edit(
        &atm,
        "{{facts.registration}}",
        "{{facts.registration}}{{slots.colour}}",
    );
    let greeting = dir.path().join("intents/zh-CN/greeting.yaml");
    edit(
        &greeting,
        "examples:\n",
        "examples:\n  - 哈喽朋友们你们好\n  - 哈喽,朋友们,你们好!\n",
    );

    let (code, out) = check(dir.path(), &["--no-conflicts"]);
    assert_eq!(code, 2, "{out}");
    let promise = line_of(&loss, "保证收益");
    assert!(
        out.contains(&format!(
            "templates/zh-CN/product_loss_risk.yaml:{promise}:13: error: forbidden phrase `保证收益`"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "templates/zh-CN/product_loss_risk.yaml:{promise}:9: error: guidance variant lacks the required disclosure `理财非存款`"
        )),
        "{out}"
    );
    let variable = line_of(&atm, "slots.colour");
    assert!(
        out.contains(&format!(
            "templates/zh-CN/atm_cash_retention.yaml:{variable}:"
        )) && out.contains("`slots.colour`: `atm_cash_retention` has no slot `colour`"),
        "{out}"
    );
    assert!(
        out.contains("warning: example `哈喽,朋友们,你们好!` nearly repeats"),
        "{out}"
    );
}

#[test]
fn an_example_that_reads_as_another_intent_is_a_conflict_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    copy_content(dir.path());
    let fee = dir.path().join("intents/zh-CN/fee_dispute.yaml");
    edit(
        &fee,
        "examples:\n",
        "examples:\n  - ATM把我的银行卡吞了,卡退不出来怎么办\n",
    );
    let (code, out) = check(dir.path(), &[]);
    assert!(code >= 1, "{out}");
    let line = line_of(&fee, "ATM把我的银行卡吞了");
    assert!(
        out.contains(&format!("intents/zh-CN/fee_dispute.yaml:{line}:1: warning: conflict: example `ATM把我的银行卡吞了,卡退不出来怎么办` of `fee_dispute` reads as `atm_card_retention`")),
        "{out}"
    );
}

#[test]
fn the_bundled_content_checks_clean() {
    // On a day well inside the bank calendar: near its end, `check` rightly warns.
    let (code, out) = check(&repo_root(), &["--today", "2026-06-01"]);
    assert_eq!(code, 0, "the bundled content has problems:\n{out}");
}

#[test]
fn check_warns_when_the_bank_calendar_ends_within_sixty_days() {
    let (code, out) = check(&repo_root(), &["--no-conflicts", "--today", "2026-11-30"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "knowledge-base/calendar/cn.yaml:1:1: warning: the bank calendar ends on 2026-12-31"
        ),
        "{out}"
    );
    assert!(out.contains("notice for 2027"), "{out}");
}

#[test]
fn a_calendar_date_outside_its_year_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_content(dir.path());
    let calendar = dir.path().join("knowledge-base/calendar/cn.yaml");
    edit(
        &calendar,
        "from: 2026-10-01, to: 2026-10-07",
        "from: 2026-10-01, to: 2027-10-07",
    );
    let line = line_of(&calendar, "to: 2027-10-07");
    let (code, out) = check(dir.path(), &["--no-conflicts", "--today", "2026-06-01"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(&format!(
            "knowledge-base/calendar/cn.yaml:{line}:1: error: 2027-10-07 is not in 2026"
        )),
        "{out}"
    );
}

#[test]
fn a_locale_without_a_built_in_conversational_intent_is_refused_at_its_path() {
    let dir = tempfile::tempdir().unwrap();
    copy_content(dir.path());
    std::fs::remove_file(dir.path().join("intents/en/thanks.yaml")).unwrap();

    let (code, out) = check(dir.path(), &["--no-conflicts"]);
    assert_eq!(code, 2, "a missing built-in intent is an error\n{out}");
    assert!(
        out.contains("intents/en/thanks.yaml:1:1: error: missing: every locale needs the built-in intent `thanks`"),
        "{out}"
    );
}

#[test]
fn faq_problems_are_reported_at_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    copy_content(dir.path());
    let cards = dir.path().join("knowledge-base/zh-CN/faq/cards.yaml");
    // The validity entry also asks the activation entry's first question, says a
    // forbidden phrase, and was last reviewed long ago.
    edit(
        &cards,
        "      - 借记卡的有效期在哪里看\n",
        "      - 借记卡的有效期在哪里看\n      - 新办的借记卡怎么激活\n",
    );
    edit(&cards, "印在卡面上", "印在卡面上,是我们的错");
    let text = std::fs::read_to_string(&cards).unwrap();
    let validity_at = text.find("id: debit_card_validity_check").unwrap();
    let reviewed_at = validity_at + text[validity_at..].find("reviewed: 2026-10-12").unwrap();
    let stale = format!(
        "{}reviewed: 2024-01-02{}",
        &text[..reviewed_at],
        &text[reviewed_at + "reviewed: 2026-10-12".len()..]
    );
    std::fs::write(&cards, stale).unwrap();

    let (code, out) = check(dir.path(), &["--no-conflicts", "--today", "2026-06-01"]);
    assert_eq!(code, 2, "{out}");
    let file = "knowledge-base/zh-CN/faq/cards.yaml";
    // The copy is the line after the validity entry's first question.
    let duplicate = line_of(&cards, "      - 借记卡的有效期在哪里看") + 1;
    assert!(
        out.contains(&format!("{file}:{duplicate}:1: error: question `新办的借记卡怎么激活` is also under FAQ entry `debit_card_activation`")),
        "{out}"
    );
    let forbidden = line_of(&cards, "是我们的错");
    assert!(
        out.contains(&format!("{file}:{forbidden}:"))
            && out.contains(
                "forbidden phrase `是我们的错` in the answer of `debit_card_validity_check`"
            ),
        "{out}"
    );
    let reviewed = line_of(&cards, "reviewed: 2024-01-02");
    assert!(
        out.contains(&format!("{file}:{reviewed}:5: warning: entry `debit_card_validity_check` was last reviewed on 2024-01-02, more than 365 days ago")),
        "{out}"
    );
    // The age is configurable.
    let (_, out) = check(
        dir.path(),
        &[
            "--no-conflicts",
            "--today",
            "2026-06-01",
            "--faq-max-age",
            "1000",
        ],
    );
    assert!(!out.contains("was last reviewed"), "{out}");
}

/// Notice files pass the validation `POST /admin/notices` uses: a statement admitting
/// fault, a missing phone version and two notices in force at once for one intent with
/// different policies are errors at their lines; a good notice checks clean.
#[test]
fn notice_files_with_forbidden_phrases_no_phone_version_or_clashing_policies_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    copy_content(dir.path());
    let notices = dir.path().join("knowledge-base/zh-CN/notices");
    std::fs::create_dir_all(&notices).unwrap();
    let notice = |id: &str, chat: &str, ivr: Option<&str>, priority: &str| {
        let ivr = ivr.map(|i| format!("  ivr: {i}\n")).unwrap_or_default();
        format!(
            "id: {id}\nlocale: zh-CN\ntitle: 杭州地区部分 ATM 暂停服务\nstatement:\n  chat: {chat}\n{ivr}\
             applies_to:\n  intents: [atm_cash_retention]\n  keywords: [ATM]\n  locations: [杭州]\n\
             starts_at: 2026-12-01T08:00:00+08:00\nends_at: 2026-12-01T20:00:00+08:00\n\
             policy:\n  handoff_priority: {priority}\n"
        )
    };
    let good = notices.join("atm-outage-hangzhou.yaml");
    std::fs::write(
        &good,
        notice(
            "atm-outage-hangzhou",
            "杭州地区部分ATM正在维护,款项核实后按规定处理。",
            Some("杭州部分ATM维护中,款项核实后按规定处理。"),
            "urgent",
        ),
    )
    .unwrap();
    let (code, out) = check(dir.path(), &["--no-conflicts"]);
    assert!(code < 2, "{out}");

    let bad = notices.join("atm-fault.yaml");
    std::fs::write(
        &bad,
        notice("atm-fault", "ATM吞钞是我们的责任,请放心。", None, "urgent"),
    )
    .unwrap();
    let (code, out) = check(dir.path(), &["--no-conflicts"]);
    assert_eq!(code, 2, "{out}");
    let file = "knowledge-base/zh-CN/notices/atm-fault.yaml";
    assert!(
        out.contains(&format!(
            "{file}:5:1: error: statement.chat: forbidden phrase `是我们的责任`"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("{file}:")) && out.contains("statement.ivr: missing"),
        "{out}"
    );

    std::fs::write(
        &bad,
        notice(
            "atm-fault",
            "杭州地区部分ATM正在维护。",
            Some("杭州部分ATM维护中。"),
            "high",
        ),
    )
    .unwrap();
    let (code, out) = check(dir.path(), &["--no-conflicts"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("on intent `atm_cash_retention` with a different policy"),
        "{out}"
    );
}
