//! Taking values out of a response for later checks.

use reqwest::header::HeaderMap;

use super::xpath::XmlDocument;
use crate::suite::CaptureSource;

/// Extracts the value `source` names, or explains why there is none.
pub fn capture(source: &CaptureSource, headers: &HeaderMap, body: &str) -> Result<String, String> {
    match source {
        CaptureSource::Header(name) => headers
            .get(name.as_str())
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .ok_or_else(|| "header missing".to_string()),
        CaptureSource::Regex(regex) => {
            let found = regex
                .captures(body)
                .ok_or_else(|| "the pattern does not match the body".to_string())?;
            let group = found.get(1).or_else(|| found.get(0));
            Ok(group.map(|m| m.as_str().to_string()).unwrap_or_default())
        }
        CaptureSource::JsonPath { path, .. } => {
            let document: serde_json::Value =
                serde_json::from_str(body).map_err(|error| format!("body is not JSON: {error}"))?;
            let nodes = path.query(&document).all();
            match nodes.first() {
                Some(serde_json::Value::String(text)) => Ok(text.clone()),
                Some(other) => Ok(other.to_string()),
                None => Err("the JSONPath selects nothing".to_string()),
            }
        }
        CaptureSource::XPath(path) => {
            let document =
                XmlDocument::parse(body).map_err(|error| format!("body is not XML: {error}"))?;
            path.select(&document)
                .into_iter()
                .next()
                .ok_or_else(|| "the XPath selects nothing".to_string())
        }
    }
}
