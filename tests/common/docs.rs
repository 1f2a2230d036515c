//! The YAML examples of docs/suite-format.md, and how each kind becomes a whole suite:
//! blocks marked `yaml` are suites, `yaml check` blocks one entry of `checks:`, and `yaml keys`
//! blocks top-level keys shown on their own.

use std::path::Path;

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

const KEYS_WRAPPER: &str = "name: docs example
checks:
  - id: example
    request:
      url: https://api.example.com/
";

pub struct Example {
    pub kind: String,
    pub line: usize,
    pub text: String,
}

pub fn examples() -> Vec<Example> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/suite-format.md");
    let doc = std::fs::read_to_string(path).expect("docs/suite-format.md is readable");
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

pub fn suite_text(example: &Example) -> String {
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
