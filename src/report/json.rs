//! The JSON report: [`RunResults`] serialized as it is, for other tools and for merging runs.
//!
//! One file contains one run. The format is described by `schemas/results.schema.json`.

use std::io;

use serde_json::Value;

use crate::results::{FORMAT, FORMAT_VERSION, RunResults};

/// Errors from reading a JSON report.
#[derive(Debug, thiserror::Error)]
pub enum JsonReportError {
    /// The text is not JSON, or the results do not match the format.
    #[error("invalid results file: {0}")]
    Invalid(#[source] serde_json::Error),
    /// The text is JSON but not a single object, such as an array of runs.
    #[error("not a gatecheck results file: expected a JSON object with one run, found {found}")]
    NotAnObject { found: &'static str },
    /// The `format` or the `format_version` field is missing.
    #[error("not a gatecheck results file: the `{field}` field is missing")]
    MissingField { field: &'static str },
    /// The `format` field names another format.
    #[error("not a gatecheck results file: the `format` field is {found}, expected \"{FORMAT}\"")]
    WrongFormat { found: String },
    /// The `format_version` field contains a version this build cannot read.
    #[error(
        "unsupported results format version {found}: this gatecheck reads only version \
         {FORMAT_VERSION}, and a file from a newer gatecheck needs a gatecheck at least as new"
    )]
    UnsupportedVersion { found: String },
}

/// Renders the run as pretty-printed JSON with a trailing line break.
pub fn render(run: &RunResults) -> String {
    let mut bytes = Vec::new();
    write(&mut bytes, run)
        .expect("results have only string map keys, so serializing them to memory cannot fail");
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// Writes the report that [`render`] returns to `out`.
pub fn write(mut out: impl io::Write, run: &RunResults) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, run)?;
    out.write_all(b"\n")
}

/// Reads a JSON report written by [`render`].
///
/// `format` and `format_version` are checked before the other fields, so a file of another
/// kind or of a newer version gets an error that names the problem, rather than one about the
/// first field that differs.
pub fn parse(text: &str) -> Result<RunResults, JsonReportError> {
    let value: Value = serde_json::from_str(text).map_err(JsonReportError::Invalid)?;
    let Value::Object(object) = &value else {
        return Err(JsonReportError::NotAnObject {
            found: json_type(&value),
        });
    };

    match object.get("format") {
        Some(Value::String(format)) if format == FORMAT => {}
        Some(other) => {
            return Err(JsonReportError::WrongFormat {
                found: other.to_string(),
            });
        }
        None => return Err(JsonReportError::MissingField { field: "format" }),
    }

    match object.get("format_version") {
        Some(Value::Number(version)) if version.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
        Some(other) => {
            return Err(JsonReportError::UnsupportedVersion {
                found: other.to_string(),
            });
        }
        None => {
            return Err(JsonReportError::MissingField {
                field: "format_version",
            });
        }
    }

    // Parsing the text again, rather than converting `value`, keeps line and column in errors.
    serde_json::from_str(text).map_err(JsonReportError::Invalid)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
