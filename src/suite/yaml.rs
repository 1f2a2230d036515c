//! A YAML document as a tree of nodes that remember where they came from.
//!
//! granit-parser (the parser of serde-saphyr) turns the text into events, and [`parse`] builds
//! the tree from them. The suite loader works on this tree, not on derived structs, so that it
//! can report every unknown key, duplicate key and invalid value of a file in one pass, each at
//! its own line and column.
//!
//! The tree is the one that serde-saphyr 2.2 built for the loader before, which
//! tests/yaml_parity.rs checks: the same scalar resolution, positions, aliases and merge keys.

mod builder;
mod scalar;
mod unclosed;

pub(crate) use unclosed::{runaway_quote, unclosed_bracket};

/// A 1-based line and column in a suite file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A YAML value with the position of its first character.
#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub position: Position,
}

/// A mapping key with its position; keys are compared as text.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub position: Position,
}

impl Node {
    /// Returns the value of the first `key` when this node is a mapping, for scans that run
    /// before, or beside, the full validation.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Mapping(entries) => entries
                .iter()
                .find(|(entry, _)| entry.name == key)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    /// Returns the items when this node is a list, and no items otherwise.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Sequence(items) => items,
            _ => &[],
        }
    }
}

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    /// The value and the text as written (`0x1F`, `+5`), which string fields keep.
    Integer(i128, Box<str>),
    /// The value and the text as written (`1.10`, `2.0`), which string fields keep.
    Float(f64, Box<str>),
    String(String),
    Sequence(Vec<Node>),
    Mapping(Vec<(Key, Node)>),
}

impl Value {
    /// Names the kind of value for messages such as "expected a string, found a mapping".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "an empty value",
            Value::Bool(_) => "a boolean",
            Value::Integer(..) => "an integer",
            Value::Float(..) => "a number",
            Value::String(_) => "a string",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }

    /// Returns the scalar as text the way it was written, for keys and string fields that
    /// accept numbers (`200:` or `page: 1`).
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Value::Bool(b) => Some(b.to_string()),
            Value::Integer(_, text) | Value::Float(_, text) => Some(text.to_string()),
            Value::String(s) => Some(s.clone()),
            Value::Null | Value::Sequence(_) | Value::Mapping(_) => None,
        }
    }
}

/// Parses YAML text into a node tree. Duplicate keys are kept, so that the loader can report
/// every one of them.
///
/// Hostile input is bounded: see the limits in `builder`. A file that exceeds one is an error
/// like a syntax error.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    if text.trim().is_empty() {
        return Ok(Node {
            value: Value::Null,
            position: Position { line: 1, column: 1 },
        });
    }
    builder::build(text)
}

/// A YAML syntax error: the file is not YAML, so no further checks ran.
#[derive(Clone, Debug)]
pub struct YamlError {
    pub message: String,
    pub position: Option<Position>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(node: &Node) -> &[(Key, Node)] {
        match &node.value {
            Value::Mapping(entries) => entries,
            other => panic!("expected a mapping, found {other:?}"),
        }
    }

    #[test]
    fn positions_of_keys_and_values() {
        let node =
            parse("name: demo\nchecks:\n  - id: ers\n    expect:\n      stauts: 200\n").unwrap();
        let entries = mapping(&node);
        assert_eq!(entries[0].0.name, "name");
        assert_eq!(entries[0].0.position, Position { line: 1, column: 1 });
        assert_eq!(entries[0].1.position, Position { line: 1, column: 7 });
        let Value::Sequence(checks) = &entries[1].1.value else {
            panic!("expected a list");
        };
        let check = mapping(&checks[0]);
        let expect = mapping(&check[1].1);
        assert_eq!(expect[0].0.name, "stauts");
        assert_eq!(expect[0].0.position, Position { line: 5, column: 7 });
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let node = parse("a: 1\na: 2\n").unwrap();
        let entries = mapping(&node);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].0.position.line, 2);
    }

    #[test]
    fn syntax_error_has_position() {
        let error = parse("a: \"unclosed\nb: 2\n").unwrap_err();
        assert!(error.position.is_some(), "{error:?}");
        assert!(!error.message.contains(" at line "), "{}", error.message);
    }

    #[test]
    fn billion_laughs_rejected() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = level - 1;
            let aliases = vec![format!("*a{previous}"); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{aliases}]\n"));
        }
        let error = parse(&text).unwrap_err();
        assert!(error.message.contains("250000 nodes"), "{}", error.message);
        assert_eq!(error.position.map(|position| position.line), Some(6));
    }

    #[test]
    fn deep_flow_nesting_rejected() {
        let text = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let error = parse(&text).unwrap_err();
        assert!(error.message.contains("nested"), "{}", error.message);
        assert_eq!(
            error.position,
            Some(Position {
                line: 1,
                column: 65
            })
        );
    }

    #[test]
    fn very_deep_flow_nesting_rejected() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&text).is_err());
    }

    #[test]
    fn deep_block_nesting_rejected() {
        let text: String = (0..100)
            .map(|level| format!("{}k:\n", "  ".repeat(level)))
            .collect();
        let error = parse(&text).unwrap_err();
        assert!(error.message.contains("nested"), "{}", error.message);
        assert_eq!(error.position.map(|position| position.line), Some(65));
    }

    #[test]
    fn alias_deepens_nesting() {
        let nested = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let text = format!(
            "a: &deep {nested}\nb: {}*deep{}\n",
            "[".repeat(30),
            "]".repeat(30)
        );
        let error = parse(&text).unwrap_err();
        assert!(error.message.contains("nested"), "{}", error.message);
    }

    #[test]
    fn recursive_alias_rejected() {
        let error = parse("a: &a [*a]\n").unwrap_err();
        assert_eq!(error.position, Some(Position { line: 1, column: 8 }));
    }

    #[test]
    fn merge_keeps_explicit_keys_first() {
        let node = parse("base: &b {a: 1, b: 2}\nout:\n  <<: *b\n  a: 0\n").unwrap();
        let out = mapping(&mapping(&node)[1].1);
        let names: Vec<&str> = out.iter().map(|(key, _)| key.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(matches!(out[0].1.value, Value::Integer(0, _)));
    }

    #[test]
    fn numbers_keep_their_written_text() {
        let node = parse("version: 1.10\nbuild: 2.0\nmask: 0x1F\n0o17: octal\n").unwrap();
        let entries = mapping(&node);
        let texts: Vec<Option<String>> = entries
            .iter()
            .map(|(_, value)| value.value.scalar_text())
            .collect();
        assert_eq!(
            texts,
            [
                Some("1.10".into()),
                Some("2.0".into()),
                Some("0x1F".into()),
                Some("octal".into())
            ]
        );
        assert!(matches!(entries[0].1.value, Value::Float(value, _) if value == 1.1));
        assert!(matches!(entries[2].1.value, Value::Integer(31, _)));
        assert_eq!(entries[3].0.name, "0o17");
    }

    #[test]
    fn large_suite_with_merges_loads() {
        // 12,000 checks of about 30 nodes, each merging shared defaults: over serde-saphyr's
        // 250,000 nodes and 10,000 merge keys, and a size that large deployments reach.
        let mut text = String::from("defaults: &d\n  timeout: 5s\n  retries: 1\nchecks:\n");
        for index in 0..12_000 {
            text.push_str(&format!(
                "  - <<: *d\n    id: c{index}\n    request:\n      url: /p/{index}\n      \
                 headers:\n        Accept: application/json\n    expect:\n      status: 200\n      \
                 body:\n        - jsonpath: $.a\n          equals: b\n        - regex: ok\n"
            ));
        }
        let root = parse(&text).expect("the suite parses");
        assert_eq!(
            root.get("checks").map(|checks| checks.items().len()),
            Some(12_000)
        );
    }

    #[test]
    fn alias_copies_stay_limited() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = format!("*a{}", level - 1);
            let items = [previous.as_str(); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        let error = parse(&text).expect_err("a billion laughs is rejected");
        assert!(
            error
                .message
                .contains("aliases copy more than 250000 nodes"),
            "{}",
            error.message
        );
    }
}
