//! A serde_json formatter that reproduces the pretty printing of Jackson, the JSON library
//! behind ERS.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// Formatter for Jackson's default pretty printer: two-space indentation for objects, `" : "`
/// between key and value, and arrays kept on the line of their neighbours (`[ {`, `}, {`, `} ]`).
/// Empty containers print as `{ }` and `[ ]`.
#[derive(Debug, Default)]
struct JacksonFormatter {
    depth: usize,
    object_has_value: bool,
}

impl JacksonFormatter {
    fn write_newline_indent<W: ?Sized + io::Write>(&self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b"\n")?;
        for _ in 0..self.depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl Formatter for JacksonFormatter {
    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.object_has_value = false;
        writer.write_all(b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.object_has_value {
            self.write_newline_indent(writer)?;
            writer.write_all(b"}")
        } else {
            writer.write_all(b" }")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if !first {
            writer.write_all(b",")?;
        }
        self.write_newline_indent(writer)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b" : ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.object_has_value = true;
        Ok(())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b" ]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        writer.write_all(if first { b" " } else { b", " })
    }
}

/// Serializes `value` as Jackson would pretty-print it.
pub(crate) fn to_jackson_pretty<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let mut output = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut output, JacksonFormatter::default());
    value.serialize(&mut serializer)?;
    // serde_json writes only valid UTF-8, so the lossy conversion never replaces anything.
    Ok(String::from_utf8_lossy(&output).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jackson_nested_layout() {
        let value = json!({"a": {"b": [{"c": 1}, {"d": []}], "e": {}}});
        let expected = "{\n  \"a\" : {\n    \"b\" : [ {\n      \"c\" : 1\n    }, {\n      \"d\" : [ ]\n    } ],\n    \"e\" : { }\n  }\n}";
        assert_eq!(to_jackson_pretty(&value).unwrap(), expected);
    }

    #[test]
    fn jackson_round_trips() {
        let value = json!({"x": [1, 2, {"y": "z"}], "w": null});
        let text = to_jackson_pretty(&value).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, value);
    }
}
