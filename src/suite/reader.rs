//! Typed access to YAML nodes that records every problem instead of stopping at the first.

use std::cell::OnceCell;
use std::time::Duration;

use crate::suite::diagnostic::{Diagnostic, Severity, did_you_mean};
use crate::suite::template::Template;
use crate::suite::yaml::{Key, Node, Position, Value};

/// Collects diagnostics while the loader walks a document.
#[derive(Default)]
pub struct Reader<'s> {
    pub diagnostics: Vec<Diagnostic>,
    /// The document, to find where text inside a value starts.
    source: &'s str,
    /// Byte offset of each line of `source`, computed when an error first needs one.
    line_starts: OnceCell<Vec<usize>>,
}

/// The entries of a mapping after unknown and duplicate keys were reported. The first
/// occurrence of each key is kept.
pub struct Fields<'n> {
    entries: Vec<(&'n Key, &'n Node)>,
    pub position: Position,
}

impl<'n> Fields<'n> {
    pub fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(key, _)| key.name == name)
            .map(|(_, node)| *node)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Entries in file order, for mappings whose keys are data (headers, variables).
    pub fn entries(&self) -> &[(&'n Key, &'n Node)] {
        &self.entries
    }
}

impl<'s> Reader<'s> {
    pub fn new(source: &'s str) -> Reader<'s> {
        Reader {
            diagnostics: Vec::new(),
            source,
            line_starts: OnceCell::new(),
        }
    }

    /// Returns the position of a character inside a scalar value, counting the opening quote
    /// of a quoted one.
    // NOTE: escapes inside quoted scalars (`\"`, `''`) are not counted, so an offset after one
    // lands a column or two early.
    pub fn offset_position(&self, node: &Node, offset: usize) -> Position {
        let line_starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.source.match_indices('\n').map(|(index, _)| index + 1))
                .collect()
        });
        let quoted = line_starts
            .get(node.position.line.saturating_sub(1))
            .and_then(|start| {
                self.source[*start..]
                    .chars()
                    .nth(node.position.column.saturating_sub(1))
            })
            .is_some_and(|c| c == '"' || c == '\'');
        Position {
            line: node.position.line,
            column: node.position.column + offset + usize::from(quoted),
        }
    }

    pub fn error(&mut self, position: Position, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::error(Some(position), message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub fn warning(&mut self, position: Position, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = self.error(position, message);
        diagnostic.severity = Severity::Warning;
        diagnostic
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|diagnostic| diagnostic.severity == Severity::Error)
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        let scalar = matches!(
            node.value,
            Value::Bool(_) | Value::Integer(..) | Value::Float(..)
        );
        let diagnostic = self.error(
            node.position,
            format!(
                "expected {expected} for {what}, found {}",
                node.value.kind()
            ),
        );
        // YAML reads unquoted `y`, `no`, `on`, `1.10` and the like as booleans or numbers,
        // which surprises authors who meant text.
        if scalar && expected.contains("string") {
            diagnostic.help = Some(
                "put the value in quotes to keep it as text: unquoted, YAML reads words such as \
                 yes, no, on, off, y and n as booleans, and digits as numbers"
                    .to_string(),
            );
        }
    }

    /// Reads a mapping whose keys are fixed. `allowed` lists them; keys starting with `x-`
    /// are extensions that gatecheck ignores, which makes room for YAML anchors.
    pub fn fields<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Option<Fields<'n>> {
        let entries = self.mapping(node, what)?;
        let mut fields = Fields {
            entries: Vec::with_capacity(entries.entries.len()),
            position: node.position,
        };
        for (key, value) in entries.entries {
            if allowed.contains(&key.name.as_str()) {
                fields.entries.push((key, value));
                continue;
            }
            if key.name.starts_with("x-") {
                continue;
            }
            let diagnostic = self
                .error(
                    key.position,
                    format!("unknown key `{}` in {what}", key.name),
                )
                .clone();
            let help = match did_you_mean(&key.name, allowed) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => format!("valid keys here: {}", quote_list(allowed)),
            };
            let last = self.diagnostics.len() - 1;
            self.diagnostics[last] = diagnostic
                .with_width(key.name.chars().count())
                .with_help(help);
        }
        Some(fields)
    }

    /// Reads a mapping whose keys are data, reporting duplicate keys.
    pub fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<Fields<'n>> {
        let Value::Mapping(entries) = &node.value else {
            self.wrong_type(node, what, "a mapping of `key: value` lines");
            return None;
        };
        let mut fields = Fields {
            entries: Vec::with_capacity(entries.len()),
            position: node.position,
        };
        for (key, value) in entries {
            if let Some((first, _)) = fields.entries.iter().find(|(k, _)| k.name == key.name) {
                let line = first.position.line;
                let width = key.name.chars().count();
                self.error(
                    key.position,
                    format!("duplicate key `{}` in {what}", key.name),
                )
                .help = Some(format!(
                    "the key is already set on line {line}; remove one of the two"
                ));
                let last = self.diagnostics.len() - 1;
                self.diagnostics[last].width = width;
                continue;
            }
            fields.entries.push((key, value));
        }
        Some(fields)
    }

    /// Reports a missing key and returns `None` when it is absent.
    pub fn required<'n>(&mut self, fields: &Fields<'n>, key: &str, what: &str) -> Option<&'n Node> {
        let node = fields.get(key);
        if node.is_none() {
            self.error(fields.position, format!("missing key `{key}` in {what}"))
                .help = Some(format!("add the `{key}` key here"));
        }
        node
    }

    pub fn list<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Sequence(items) => Some(items),
            _ => {
                self.wrong_type(node, what, "a list (lines starting with `- `)");
                None
            }
        }
    }

    /// Reads text; numbers are accepted as written, because `size: 10` is text in a URL.
    pub fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::String(text) => Some(text.clone()),
            Value::Integer(..) | Value::Float(..) => node.value.scalar_text(),
            _ => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    pub fn non_empty_string(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = self.string(node, what)?;
        if text.trim().is_empty() {
            self.error(node.position, format!("invalid {what}: it is empty"));
            return None;
        }
        Some(text)
    }

    pub fn template(&mut self, node: &Node, what: &str) -> Option<Template> {
        let text = self.string(node, what)?;
        match Template::parse(&text) {
            Ok(template) => Some(template),
            Err(problem) => {
                let position = self.offset_position(node, problem.offset);
                self.error(position, format!("invalid {what}: {}", problem.message));
                None
            }
        }
    }

    pub fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(value) => Some(*value),
            _ => {
                self.wrong_type(node, what, "`true` or `false`");
                None
            }
        }
    }

    pub fn string_list(&mut self, node: &Node, what: &str) -> Vec<(String, Position)> {
        if let Value::String(_) = &node.value {
            return self
                .string(node, what)
                .map(|text| vec![(text, node.position)])
                .unwrap_or_default();
        }
        let Some(items) = self.list(node, what) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| Some((self.string(item, what)?, item.position)))
            .collect()
    }

    /// Reads a duration: `500ms`, `10s`, `2m`, or a number of seconds.
    pub fn duration(&mut self, node: &Node, what: &str) -> Option<Duration> {
        let parsed = match &node.value {
            Value::Integer(seconds, _) => u64::try_from(*seconds).ok().map(Duration::from_secs),
            Value::Float(seconds, _) if seconds.is_finite() && *seconds >= 0.0 => {
                Duration::try_from_secs_f64(*seconds).ok()
            }
            Value::String(text) => parse_duration(text),
            _ => None,
        };
        if parsed.is_none() {
            let shown = node
                .value
                .scalar_text()
                .unwrap_or_else(|| node.value.kind().to_string());
            self.error(
                node.position,
                format!("invalid {what} `{shown}`: expected a duration"),
            )
            .help = Some("write a number with a unit, such as `500ms`, `10s` or `2m`".to_string());
        }
        parsed
    }

    /// Reads a duration that limits a wait. Zero is an error: no request finishes in zero time.
    pub fn positive_duration(&mut self, node: &Node, what: &str) -> Option<Duration> {
        let duration = self.duration(node, what)?;
        if duration.is_zero() {
            let shown = node.value.scalar_text().unwrap_or_default();
            self.error(
                node.position,
                format!("invalid {what} `{shown}`: it must be longer than zero"),
            )
            .help = Some(
                "no request finishes in zero time; write a duration such as \
                 `10s`, or leave the key out for the default"
                    .to_string(),
            );
            return None;
        }
        Some(duration)
    }
}

pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let Some(split) = text.find(|c: char| !(c.is_ascii_digit() || c == '.')) else {
        // A bare number is seconds, also when YAML reads it as text (`"5"`).
        return text
            .parse::<f64>()
            .ok()
            .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok());
    };
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "s" => number,
        "m" | "min" => number * 60.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds).ok()
}

pub fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_duration_units() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("10 hours"), None);
    }
}
