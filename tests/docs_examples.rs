//! Every YAML example in docs/suite-format.md loads, so the reference cannot drift from the
//! loader.

use std::path::Path;

mod common;

use common::docs::{examples, suite_text};
use gatecheck::suite::load_str;

#[test]
fn docs_have_examples_of_each_kind() {
    let examples = examples();
    for kind in ["yaml", "yaml check", "yaml keys"] {
        assert!(
            examples.iter().any(|example| example.kind == kind),
            "no `{kind}` example found in docs/suite-format.md"
        );
    }
}

#[test]
fn docs_examples_load() {
    let mut failures = Vec::new();
    for example in examples() {
        let text = suite_text(&example);
        let name = format!("docs/suite-format.md example at line {}", example.line);
        if let Err(error) = load_str(Path::new(&name), &text) {
            failures.push(format!("{name}:\n{error}\n--- suite text ---\n{text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn bundled_suites_load_without_warnings() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
    for entry in std::fs::read_dir(&folder).expect("suites/ is readable") {
        let path = entry.expect("directory entry").path();
        let loaded = gatecheck::suite::load_file(&path).unwrap_or_else(|error| panic!("{error}"));
        assert!(loaded.warnings.is_none(), "{}", loaded.warnings.unwrap());
    }
}
