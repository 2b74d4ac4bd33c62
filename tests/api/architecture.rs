//! ARCHITECTURE.md walks a message through the code as `file:function` steps; this keeps
//! the walk true: every file it names exists and defines what it names.

use crate::helpers::repo_root;

#[test]
fn every_file_and_function_the_architecture_map_names_exists() {
    let map = std::fs::read_to_string(repo_root().join("ARCHITECTURE.md")).unwrap();
    let mut checked = 0;
    for token in map.split(|c: char| c == '`' || c.is_whitespace()) {
        let Some((file, name)) = token.split_once(".rs:") else {
            continue;
        };
        let file = format!("{file}.rs");
        let name = name.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_');
        let source = std::fs::read_to_string(repo_root().join(&file))
            .unwrap_or_else(|e| panic!("ARCHITECTURE.md names {file}: {e}"));
        let defined = [
            format!("fn {name}("),
            format!("fn {name}<"),
            format!("static {name}:"),
            format!("struct {name}"),
        ]
        .iter()
        .any(|d| source.contains(d.as_str()));
        assert!(
            defined,
            "ARCHITECTURE.md names {file}:{name}, which is not defined there"
        );
        checked += 1;
    }
    assert!(checked >= 15, "the walk names {checked} steps");
}
