//! The results of a run: what every report is made from, and the JSON report format.
//!
//! The JSON report is this module serialized. Other tools parse it, and `gatecheck merge`
//! combines the files written on different machines, so field names and meanings are stable
//! within a [`FORMAT_VERSION`]. The JSON Schema is `schemas/results.schema.json`.
//!
//! Every string in these types has already passed through the run's redactor: no secret
//! value is stored here.

use serde::{Deserialize, Serialize};

/// The value of the `format` field, identifying a gatecheck JSON report.
pub const FORMAT: &str = "gatecheck-results";

/// Incremented when a field changes meaning or disappears. New optional fields do not
/// change it.
pub const FORMAT_VERSION: u32 = 1;

/// One run of one suite from one vantage point.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunResults {
    pub format: String,
    pub format_version: u32,
    pub gatecheck_version: String,
    pub suite: SuiteInfo,
    pub vantage: VantageInfo,
    /// Base URL the checks were sent to, or empty when the suite sets none.
    pub target: String,
    /// Name of the machine that ran the checks, to tell runs from different places apart.
    pub host: String,
    /// RFC 3339 timestamps, UTC.
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    /// True when TLS certificate verification was turned off for at least one check.
    pub insecure: bool,
    /// Set when the run stopped before all checks finished: interrupted, terminated, or past
    /// its deadline. The checks not finished are skipped with a reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    pub summary: Summary,
    /// In suite order, whatever order the checks finished in.
    pub checks: Vec<CheckResult>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SuiteInfo {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The suite file as given on the command line.
    pub path: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct VantageInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn of(checks: &[CheckResult]) -> Summary {
        let mut summary = Summary {
            total: checks.len(),
            ..Summary::default()
        };
        for check in checks {
            match check.outcome {
                Outcome::Passed => summary.passed += 1,
                Outcome::Failed => summary.failed += 1,
                Outcome::Error => summary.errors += 1,
                Outcome::Skipped => summary.skipped += 1,
            }
        }
        summary
    }

    /// True when no check failed or errored; skipped checks do not fail a run.
    pub fn is_success(&self) -> bool {
        self.failed == 0 && self.errors == 0
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every expectation held.
    Passed,
    /// A response arrived and at least one expectation did not hold.
    Failed,
    /// No HTTP response arrived: DNS, connection, TLS, timeout or protocol error.
    Error,
    /// The check was not sent; `skip_reason` gives the reason.
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CheckResult {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub outcome: Outcome,
    pub request: RequestInfo,
    /// The status expectation as written, such as `200`, `2xx` or `[302, 404]`.
    pub expected_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseInfo>,
    /// From sending the request to the end of the body, or to the error.
    pub duration_ms: u64,
    /// Expectations that did not hold, in the order the suite lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<ExpectationFailure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<TransportError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    /// Set for failed and errored checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
    /// True when this check ran without verifying the server's certificate.
    #[serde(default)]
    pub insecure: bool,
    /// How the request went out; absent for checks that were not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<ConnectionInfo>,
    /// Earlier attempts of a check with `retries`, oldest first; the result itself is the last
    /// attempt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
}

/// An attempt of a check that was sent again.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attempt {
    pub outcome: Outcome,
    /// The status code or error kind it got.
    pub got: String,
    pub duration_ms: u64,
}

/// How a request went out and where it arrived.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The proxy URL, redacted; absent for a direct connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// The setting that chose the proxy or the direct connection: `vantage external`,
    /// `--proxy`, `HTTPS_PROXY`, `none set`, ...
    pub proxy_source: String,
    /// The address the connection reached (the server's, or the proxy's), when a response
    /// arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_address: Option<String>,
    /// The addresses the connection was attempted to (the server's, or the proxy's), when no
    /// response arrived; empty when the name did not resolve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses_tried: Vec<String>,
    /// The `connect_to` rule that sent the connection to another host or port, as
    /// `HOST:PORT -> ADDRESS:PORT (source)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_to: Option<String>,
    /// The `resolve` override that gave the host its address, as `HOST -> ADDRESS (source)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve: Option<String>,
    /// The source address the connection was sent from (`local_address`), when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_address: Option<String>,
    /// The negotiated TLS version, `TLS 1.2` or `TLS 1.3`; absent for plain HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<String>,
    /// The server's leaf certificate; absent for plain HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateInfo>,
    /// Where `tls_version` and `certificate` come from when the request did not report them (a
    /// second handshake after a failed one, or a handshake through the same proxy), or why
    /// they are missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_note: Option<String>,
}

/// The details of a certificate that explain most TLS failures.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Distinguished name in certificate order, such as `O=Example, CN=api.example.com`.
    pub subject: String,
    pub issuer: String,
    /// Subject alternative names: DNS names and IP addresses, as the certificate lists them.
    #[serde(default)]
    pub sans: Vec<String>,
    /// RFC 3339 timestamps, UTC.
    pub not_before: String,
    pub not_after: String,
    /// Whole days from the check to `not_after`, rounded down, so negative once expired.
    pub days_left: i64,
}

impl CheckResult {
    /// Summarizes what came back for tables: the status code, the error kind, or the skip.
    pub fn got(&self) -> String {
        if let Some(response) = &self.response {
            return response.status.to_string();
        }
        if let Some(error) = &self.error {
            return error.kind.clone();
        }
        "not run".to_string()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RequestInfo {
    pub method: String,
    /// Full URL including the query string, redacted.
    pub url: String,
}

impl RequestInfo {
    /// Returns the request line as curl users read it: `GET https://host/path?query`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.url)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ResponseInfo {
    pub status: u16,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub http_version: String,
    /// Headers worth showing in a ticket (content type, location, server, authentication
    /// challenges), with cookie values masked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Header>,
    /// The start of the body, decoded as UTF-8 with invalid bytes replaced, redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_excerpt: Option<String>,
    /// Bytes of body received (up to the capture limit).
    pub body_bytes: u64,
    /// True when the body was longer than the capture limit and matchers saw only its start.
    #[serde(default)]
    pub body_truncated: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExpectationFailure {
    /// The checked property: `status`, `header Content-Type`, `body jsonpath $.SearchResult`,
    /// `duration`.
    pub expectation: String,
    pub expected: String,
    pub actual: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TransportError {
    /// A stable error kind such as `dns`, `connect.refused` or `tls.unknown-issuer`.
    pub kind: String,
    /// The underlying error, redacted, for the curious.
    pub message: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Diagnosis {
    /// The hint rule's id, or `generic` when no rule matched.
    pub id: String,
    pub title: String,
    /// Markdown.
    pub explanation: String,
    pub source: DiagnosisSource,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosisSource {
    /// A hint rule of the check itself.
    Check,
    /// A hint rule from the suite's `hints` list.
    Suite,
    /// Built into gatecheck: used when no rule of the suite matched.
    Builtin,
}
