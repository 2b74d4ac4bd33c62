//! JUnit XML, which CI systems (Jenkins, GitLab, GitHub) show as test results: one test
//! case per story, grouped by file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::run::{Outcome, StoryResult};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn junit_xml(results: &[StoryResult]) -> String {
    let mut by_file: BTreeMap<String, Vec<&StoryResult>> = BTreeMap::new();
    for result in results {
        by_file
            .entry(result.story.path.display().to_string())
            .or_default()
            .push(result);
    }
    let failures = results.iter().filter(|r| !r.passed()).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"frontline stories\" tests=\"{}\" failures=\"{failures}\">",
        results.len()
    );
    for (file, results) in by_file {
        let failed = results.iter().filter(|r| !r.passed()).count();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">",
            escape(&file),
            results.len()
        );
        for result in results {
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                escape(&file),
                escape(&result.story.value.name),
                result.seconds
            );
            match &result.outcome {
                Outcome::Passed => xml.push_str("/>\n"),
                Outcome::Failed {
                    turn,
                    line,
                    difference,
                    reply,
                } => {
                    let _ = writeln!(
                        xml,
                        ">\n      <failure message=\"turn {turn} (line {line}): {}\">bot replied: {}</failure>\n    </testcase>",
                        escape(difference),
                        escape(reply)
                    );
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}
