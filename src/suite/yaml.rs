//! A YAML document as a tree of nodes that remember where they came from.
//!
//! serde-saphyr parses the text. The suite loader works on this tree, not on derived structs,
//! so that it can report every unknown key, duplicate key and invalid value of a file in one
//! pass, each at its own line and column.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A 1-based line and column in a suite file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    fn from_location(location: serde_saphyr::Location) -> Self {
        Position {
            line: usize::try_from(location.line()).unwrap_or(usize::MAX),
            column: usize::try_from(location.column()).unwrap_or(usize::MAX),
        }
    }
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
    Integer(i128),
    Float(f64),
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
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a number",
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
            Value::Integer(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::String(s) => Some(s.clone()),
            Value::Null | Value::Sequence(_) | Value::Mapping(_) => None,
        }
    }
}

/// Parses YAML text into a node tree. Duplicate keys are kept, so that the loader can report
/// every one of them.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        with_snippet: false,
    };
    if text.trim().is_empty() {
        return Ok(Node {
            value: Value::Null,
            position: Position { line: 1, column: 1 },
        });
    }
    let spanned: Spanned<Value> =
        serde_saphyr::from_str_with_options(text, options).map_err(|error| {
            let position = error.location().map(Position::from_location);
            YamlError {
                message: plain_message(&error),
                position,
            }
        })?;
    Ok(Node {
        value: spanned.value,
        position: Position::from_location(spanned.referenced),
    })
}

/// Strips the location suffix serde-saphyr appends, because the caller renders the position.
fn plain_message(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    let first_line = text.lines().next().unwrap_or_default();
    match first_line.rfind(" at line ") {
        Some(index) => first_line[..index].to_string(),
        None => first_line.to_string(),
    }
}

/// A YAML syntax error: the file is not YAML, so no further checks ran.
#[derive(Clone, Debug)]
pub struct YamlError {
    pub message: String,
    pub position: Option<Position>,
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Integer(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Integer(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Integer(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(i128::try_from(v).map_or(Value::Float(v as f64), Value::Integer))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Value>>()? {
            items.push(Node {
                value: item.value,
                position: Position::from_location(item.referenced),
            });
        }
        Ok(Value::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Value>>()? {
            let value = map.next_value::<Spanned<Value>>()?;
            let name = key.value.scalar_text().unwrap_or_else(|| "~".to_string());
            entries.push((
                Key {
                    name,
                    position: Position::from_location(key.referenced),
                },
                Node {
                    value: value.value,
                    position: Position::from_location(value.referenced),
                },
            ));
        }
        Ok(Value::Mapping(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_keys_and_values() {
        let node =
            parse("name: demo\nchecks:\n  - id: ers\n    expect:\n      stauts: 200\n").unwrap();
        let Value::Mapping(entries) = &node.value else {
            panic!("expected a mapping, found {:?}", node.value);
        };
        assert_eq!(entries[0].0.name, "name");
        assert_eq!(entries[0].0.position, Position { line: 1, column: 1 });
        assert_eq!(entries[0].1.position, Position { line: 1, column: 7 });
        let Value::Sequence(checks) = &entries[1].1.value else {
            panic!("expected a list");
        };
        let Value::Mapping(check) = &checks[0].value else {
            panic!("expected a mapping");
        };
        let Value::Mapping(expect) = &check[1].1.value else {
            panic!("expected a mapping");
        };
        assert_eq!(expect[0].0.name, "stauts");
        assert_eq!(expect[0].0.position, Position { line: 5, column: 7 });
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let node = parse("a: 1\na: 2\n").unwrap();
        let Value::Mapping(entries) = &node.value else {
            panic!("expected a mapping");
        };
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].0.position.line, 2);
    }

    #[test]
    fn syntax_error_has_position() {
        let error = parse("a: \"unclosed\nb: 2\n").unwrap_err();
        assert!(error.position.is_some(), "{error:?}");
        assert!(!error.message.contains(" at line "), "{}", error.message);
    }
}
