//! Evaluating a check's expectations against the response it got.

pub mod capture;
pub mod certificate;
pub mod xpath;

use std::borrow::Cow;
use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::results::{CertificateInfo, ExpectationFailure};
use crate::suite::{BodyMatcher, Expectations, TextMatcher, ValuePredicate};
use xpath::XmlDocument;

/// Maximum characters shown as the actual value of a failed expectation.
const MAX_ACTUAL_CHARS: usize = 200;

/// The response of a check, as the matchers see it.
pub struct Response<'a> {
    pub status: u16,
    pub headers: &'a HeaderMap,
    /// The captured body: all of it, or its start when `body_truncated`.
    pub body: &'a [u8],
    pub body_truncated: bool,
    pub duration: Duration,
    /// The server's leaf certificate; `None` for plain HTTP.
    pub certificate: Option<&'a CertificateInfo>,
    /// Reason that `certificate` is missing, for an HTTPS request.
    pub tls_note: Option<&'a str>,
}

/// Returns the expectations that did not hold, in the order the suite lists them: status,
/// headers, body matchers, duration, certificate.
pub fn evaluate(expect: &Expectations, response: &Response<'_>) -> Vec<ExpectationFailure> {
    let mut failures = Vec::new();
    if !expect.status.matches(response.status) {
        failures.push(ExpectationFailure {
            expectation: "status".to_string(),
            expected: expect.status.to_string(),
            actual: response.status.to_string(),
        });
    }
    for expectation in &expect.headers {
        let values: Vec<Cow<'_, str>> = response
            .headers
            .get_all(expectation.name.as_str())
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()))
            .collect();
        let (holds, expected) = match &expectation.matcher {
            TextMatcher::Exact(text) => (
                values.iter().any(|value| value == text),
                format!("{text:?}"),
            ),
            TextMatcher::Regex(regex) => (
                values.iter().any(|value| regex.is_match(value)),
                format!("matches {:?}", regex.as_str()),
            ),
        };
        if !holds {
            let actual = if values.is_empty() {
                "header missing".to_string()
            } else {
                shorten(&values.join(", "))
            };
            failures.push(ExpectationFailure {
                expectation: format!("header {}", expectation.name),
                expected,
                actual,
            });
        }
    }
    // Body matchers describe the body of the expected response. Against another status they
    // would only add noise, such as "body is not JSON" for a redirect page.
    let status_failed = !failures.is_empty();
    let mut body = Body::new(response.body);
    for matcher in expect.body.iter().filter(|_| !status_failed) {
        if let Some(mut failure) = body.check(matcher) {
            if response.body_truncated {
                failure.actual.push_str(
                    " (the body was longer than the capture limit; only its start was matched)",
                );
            }
            failures.push(failure);
        }
    }
    if let Some(limit) = expect.max_duration
        && response.duration > limit
    {
        failures.push(ExpectationFailure {
            expectation: "duration".to_string(),
            expected: format!("at most {} ms", limit.as_millis()),
            actual: format!("{} ms", response.duration.as_millis()),
        });
    }
    if let Some(expectation) = &expect.certificate {
        let certificate = response.certificate.ok_or(response.tls_note);
        failures.extend(certificate::evaluate(expectation, certificate));
    }
    failures
}

/// The body in the forms matchers need, each decoded on first use and then reused.
struct Body<'a> {
    text: Cow<'a, str>,
    json: Option<Result<serde_json::Value, String>>,
    xml: Option<Result<XmlDocument, String>>,
}

impl<'a> Body<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Body {
            text: String::from_utf8_lossy(bytes),
            json: None,
            xml: None,
        }
    }

    fn check(&mut self, matcher: &BodyMatcher) -> Option<ExpectationFailure> {
        let expectation = matcher.describe();
        let fail = |expected: String, actual: String| {
            Some(ExpectationFailure {
                expectation: expectation.clone(),
                expected,
                actual,
            })
        };
        match matcher {
            BodyMatcher::Contains(text) => {
                if self.text.contains(text.as_str()) {
                    return None;
                }
                fail(format!("contains {text:?}"), self.excerpt())
            }
            BodyMatcher::Regex(regex) => {
                if regex.is_match(&self.text) {
                    return None;
                }
                fail(format!("matches {:?}", regex.as_str()), self.excerpt())
            }
            BodyMatcher::Equals(text) => {
                if self.text.trim() == text.trim() {
                    return None;
                }
                fail(format!("{:?}", shorten(text.trim())), self.excerpt())
            }
            BodyMatcher::JsonPath {
                path, predicates, ..
            } => {
                let document = match self.json() {
                    Ok(document) => document,
                    Err(problem) => {
                        return fail(
                            describe_predicates(predicates),
                            format!("body is not JSON: {problem}"),
                        );
                    }
                };
                let nodes: Vec<serde_json::Value> =
                    path.query(document).all().into_iter().cloned().collect();
                check_predicates(predicates, &nodes)
                    .and_then(|(expected, actual)| fail(expected, actual))
            }
            BodyMatcher::XPath { path, predicates } => {
                let document = match self.xml() {
                    Ok(document) => document,
                    Err(problem) => {
                        return fail(
                            describe_predicates(predicates),
                            format!("body is not XML: {problem}"),
                        );
                    }
                };
                let nodes: Vec<serde_json::Value> = path
                    .select(document)
                    .into_iter()
                    .map(serde_json::Value::String)
                    .collect();
                check_predicates(predicates, &nodes)
                    .and_then(|(expected, actual)| fail(expected, actual))
            }
        }
    }

    fn json(&mut self) -> Result<&serde_json::Value, String> {
        let text = &self.text;
        self.json
            .get_or_insert_with(|| serde_json::from_str(text).map_err(|error| error.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn xml(&mut self) -> Result<&XmlDocument, String> {
        let text = &self.text;
        self.xml
            .get_or_insert_with(|| XmlDocument::parse(text).map_err(|error| error.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn excerpt(&self) -> String {
        if self.text.trim().is_empty() {
            return "empty body".to_string();
        }
        format!("body {:?}", shorten(self.text.trim()))
    }
}

/// Returns `(expected, actual)` for the first predicate that does not hold.
fn check_predicates(
    predicates: &[ValuePredicate],
    nodes: &[serde_json::Value],
) -> Option<(String, String)> {
    for predicate in predicates {
        let holds = match predicate {
            ValuePredicate::Exists(exists) => nodes.is_empty() != *exists,
            ValuePredicate::Equals { value, written } => {
                let written = written.as_deref();
                match nodes {
                    [single] => values_equal(single, value, written),
                    _ => values_equal(&serde_json::Value::Array(nodes.to_vec()), value, written),
                }
            }
            ValuePredicate::Matches(regex) => {
                !nodes.is_empty() && nodes.iter().all(|node| regex.is_match(&as_text(node)))
            }
            ValuePredicate::Count(count) => nodes.len() == *count,
        };
        if !holds {
            return Some((
                describe_predicate(predicate),
                describe_nodes(predicate, nodes),
            ));
        }
    }
    None
}

/// Compares JSON values; a string and a number or boolean compare by text, because XPath
/// values are text and YAML authors write `equals: 18` for both. `written` is the expected
/// number as the suite spells it: the text `1.10` equals `equals: 1.10`, and `1.1` does not.
fn values_equal(
    actual: &serde_json::Value,
    expected: &serde_json::Value,
    written: Option<&str>,
) -> bool {
    if actual == expected {
        return true;
    }
    if let (serde_json::Value::String(text), Some(written)) = (actual, written) {
        return text.trim() == written;
    }
    match (actual, expected) {
        (
            serde_json::Value::String(text),
            other @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)),
        )
        | (
            other @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)),
            serde_json::Value::String(text),
        ) => {
            let written = other.to_string();
            text.trim() == written
        }
        _ => false,
    }
}

fn as_text(value: &serde_json::Value) -> Cow<'_, str> {
    match value {
        serde_json::Value::String(text) => Cow::Borrowed(text),
        other => Cow::Owned(other.to_string()),
    }
}

fn describe_predicates(predicates: &[ValuePredicate]) -> String {
    predicates
        .iter()
        .map(describe_predicate)
        .collect::<Vec<_>>()
        .join(" and ")
}

fn describe_predicate(predicate: &ValuePredicate) -> String {
    match predicate {
        ValuePredicate::Exists(true) => "exists".to_string(),
        ValuePredicate::Exists(false) => "does not exist".to_string(),
        ValuePredicate::Equals {
            written: Some(written),
            ..
        } => format!("equals {written}"),
        ValuePredicate::Equals { value, .. } => format!("equals {}", shorten(&value.to_string())),
        ValuePredicate::Matches(regex) => format!("matches {:?}", regex.as_str()),
        ValuePredicate::Count(count) => format!("count {count}"),
    }
}

fn describe_nodes(predicate: &ValuePredicate, nodes: &[serde_json::Value]) -> String {
    match (predicate, nodes) {
        (ValuePredicate::Count(_), _) => format!("count {}", nodes.len()),
        (_, []) => "nothing selected".to_string(),
        (_, [single]) => shorten(&single.to_string()),
        _ => shorten(&serde_json::Value::Array(nodes.to_vec()).to_string()),
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_ACTUAL_CHARS {
        return text.to_string();
    }
    let mut short: String = text.chars().take(MAX_ACTUAL_CHARS).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use reqwest::header::HeaderMap;

    use super::{Response, evaluate};

    /// Evaluates the expectations of the suite's only check on a 200 response with `body`,
    /// and returns the failures as `expected / actual` lines.
    fn failures(suite: &str, body: &str) -> Vec<String> {
        let loaded = crate::suite::load_str(Path::new("numbers.yaml"), suite)
            .unwrap_or_else(|error| panic!("the suite must load: {error}"));
        let headers = HeaderMap::new();
        let response = Response {
            status: 200,
            headers: &headers,
            body: body.as_bytes(),
            body_truncated: false,
            duration: Duration::from_millis(1),
            certificate: None,
            tls_note: None,
        };
        evaluate(&loaded.suite.checks[0].expect, &response)
            .into_iter()
            .map(|failure| format!("{} / {}", failure.expected, failure.actual))
            .collect()
    }

    const XPATH_VERSION: &str = r#"
name: Numbers
checks:
  - id: version
    request:
      url: http://127.0.0.1:9/version
    expect:
      body:
        - xpath: /about/version
          equals: 1.10
"#;

    #[test]
    fn xpath_text_equals_number_as_written() {
        let passed = failures(XPATH_VERSION, "<about><version>1.10</version></about>");
        assert!(passed.is_empty(), "{passed:?}");
        let failed = failures(XPATH_VERSION, "<about><version>1.1</version></about>");
        assert_eq!(failed, [r#"equals 1.10 / "1.1""#]);
    }

    #[test]
    fn jsonpath_number_equals_number_by_value() {
        let suite = r#"
name: Numbers
checks:
  - id: version
    request:
      url: http://127.0.0.1:9/version
    expect:
      body:
        - jsonpath: $.version
          equals: 1.10
"#;
        assert!(failures(suite, r#"{"version": 1.1}"#).is_empty());
        assert!(failures(suite, r#"{"version": "1.10"}"#).is_empty());
        assert_eq!(failures(suite, r#"{"version": 1.2}"#).len(), 1);
    }
}
