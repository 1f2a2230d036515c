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

/// docs/transport-errors.md has a row for every error kind, and each row names tests that
/// exist in tests/transport.rs (except `other`, which no real server produces on purpose).
#[test]
fn transport_error_table_covers_every_kind() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/transport-errors.md"))
        .expect("docs/transport-errors.md is readable");
    let tests = std::fs::read_to_string(root.join("tests/transport.rs"))
        .expect("tests/transport.rs is readable");
    let mut problems = Vec::new();
    for kind in gatecheck::error_kind::ErrorKind::ALL {
        let prefix = format!("| `{kind}` |");
        let Some(row) = page.lines().find(|line| line.starts_with(&prefix)) else {
            problems.push(format!("no row for `{kind}`"));
            continue;
        };
        let test_column = row.trim_end_matches('|').rsplit('|').next().unwrap_or("");
        let names: Vec<&str> = test_column.split('`').skip(1).step_by(2).collect();
        if kind == gatecheck::error_kind::ErrorKind::Other {
            continue;
        }
        if names.is_empty() {
            problems.push(format!("the row for `{kind}` names no test"));
        }
        for name in names {
            if !tests.contains(&format!("fn {name}()")) {
                problems.push(format!(
                    "the row for `{kind}` names `{name}`, which tests/transport.rs lacks"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
