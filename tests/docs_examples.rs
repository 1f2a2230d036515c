//! Every YAML example in docs/suite-format.md loads, so the reference cannot drift from the
//! loader.

use std::path::Path;

use gatecheck::suite::load_str;

/// Wraps one entry of `checks:` into a suite that defines the variables and vantages the
/// examples use.
const CHECK_WRAPPER: &str = "name: docs example
variables:
  HOST: api.example.com
  USER: api
  PASSWORD: { value: example, secret: true }
defaults:
  base_url: https://${HOST}
vantages: [internal, external, cloud]
checks:
";

/// Completes top-level keys shown on their own with one check.
const KEYS_WRAPPER: &str = "name: docs example
checks:
  - id: example
    request:
      url: https://api.example.com/
";

struct Example {
    kind: String,
    line: usize,
    text: String,
}

fn examples() -> Vec<Example> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/suite-format.md"))
            .expect("docs/suite-format.md is readable");
    let mut examples = Vec::new();
    let mut current: Option<Example> = None;
    for (index, line) in doc.lines().enumerate() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) if info.starts_with("yaml") => {
                current = Some(Example {
                    kind: info.to_string(),
                    line: index + 1,
                    text: String::new(),
                });
            }
            (Some(_), Some("")) => examples.extend(current.take()),
            (Some(example), _) => {
                example.text.push_str(line);
                example.text.push('\n');
            }
            _ => {}
        }
    }
    examples
}

fn suite_text(example: &Example) -> String {
    match example.kind.as_str() {
        "yaml" => example.text.clone(),
        "yaml check" => {
            let indented: String = example
                .text
                .lines()
                .map(|line| format!("  {line}\n"))
                .collect();
            format!("{CHECK_WRAPPER}{indented}")
        }
        "yaml keys" => format!("{KEYS_WRAPPER}{}", example.text),
        other => panic!("unknown example kind `{other}`: use yaml, yaml check or yaml keys"),
    }
}

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
