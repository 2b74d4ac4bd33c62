//! Every reply template, read as content staff wrote it: none admits fault before the facts
//! are verified, none guarantees returns (seed 001's pitfalls; `../shared/spec/intents.md`).

use crate::helpers::repo_root;

/// Phrases that must never be in a template, whatever `_replies.yaml` lists.
const FORBIDDEN: [&str; 10] = [
    "是我们的错",
    "是我们的责任",
    "我们负全责",
    "保证收益",
    "稳赚不赔",
    "this is our fault",
    "it's our fault",
    "our mistake",
    "guaranteed return",
    "guaranteed profit",
];

#[test]
fn no_template_admits_fault_or_guarantees_returns() {
    let mut checked = 0;
    for locale in ["zh-CN", "en"] {
        let dir = repo_root().join("templates").join(locale);
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let text = std::fs::read_to_string(&path).unwrap();
            for (number, line) in text.lines().enumerate() {
                // `_replies.yaml` lists the forbidden phrases themselves under `forbidden:`.
                if line.trim_start().starts_with('#')
                    || text
                        .lines()
                        .take(number)
                        .any(|l| l.starts_with("forbidden:"))
                {
                    continue;
                }
                let lower = line.to_lowercase();
                for phrase in FORBIDDEN {
                    assert!(
                        !lower.contains(phrase),
                        "{}:{}: `{phrase}`: {line}",
                        path.display(),
                        number + 1
                    );
                }
                // The principal may only be mentioned as not guaranteed.
                assert_eq!(
                    line.matches("保证本金").count(),
                    line.matches("不保证本金").count(),
                    "{}:{}: {line}",
                    path.display(),
                    number + 1
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} template files found");
}
