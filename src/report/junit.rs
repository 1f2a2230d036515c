//! The JUnit XML report, for CI systems that show test results.
//!
//! Each run becomes one `<testsuite>` named `<suite id>.<vantage>`, so that runs of the same
//! suite from different vantage points stay apart when reports are merged. Each check becomes a
//! `<testcase>`: a failed expectation is a `<failure>`, a request that got no response is an
//! `<error>`, as JUnit separates assertions from tests that could not execute.
//!
//! quick-junit removes ANSI escape sequences and the C0 control characters that XML 1.0 does
//! not allow, and quick-xml escapes markup. Before that, every text passes through
//! [`visible_controls`], which also replaces U+FFFE and U+FFFF, characters quick-junit keeps but
//! XML forbids, and shows escape sequences as text (`␛[31m`) instead of dropping them.

use std::time::Duration;

use quick_junit::{
    NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite, XmlString,
};

use super::text::visible_controls;
use super::tls::tls_lines;
use crate::results::{CheckResult, Outcome, RunResults};

/// Renders one `<testsuite>` per run inside a `<testsuites name="gatecheck">` root.
pub fn render(runs: &[RunResults]) -> String {
    let mut report = Report::new("gatecheck");
    for run in runs {
        report.add_test_suite(test_suite(run));
    }
    report
        .to_string()
        .expect("serializing to memory fails only on I/O errors, which a Vec never returns")
}

/// Converts text for XML, keeping what XML can carry visible.
fn xml(text: &str) -> XmlString {
    XmlString::new(visible_controls(text))
}

fn suite_name(run: &RunResults) -> String {
    format!("{}.{}", run.suite.id, run.vantage.name)
}

fn test_suite(run: &RunResults) -> TestSuite {
    let name = suite_name(run);
    let mut suite = TestSuite::new(xml(&name));
    if let Ok(started_at) = chrono::DateTime::parse_from_rfc3339(&run.started_at) {
        suite.set_timestamp(started_at);
    }
    suite.set_time(Duration::from_millis(run.duration_ms));
    // `hostname` is an attribute of the JUnit schema that CI systems show.
    suite.extra.insert(xml("hostname"), xml(&run.host));

    suite.add_property(Property::new("vantage", xml(&run.vantage.name)));
    suite.add_property(Property::new("target", xml(&run.target)));
    suite.add_property(Property::new("host", xml(&run.host)));
    suite.add_property(Property::new(
        "gatecheck.version",
        xml(&run.gatecheck_version),
    ));
    if let Some(version) = &run.suite.version {
        suite.add_property(Property::new("suite.version", xml(version)));
    }
    if run.insecure {
        suite.add_property(Property::new("insecure", "true"));
    }
    if let Some(reason) = &run.stopped {
        suite.add_property(Property::new("stopped", xml(reason)));
    }

    for check in &run.checks {
        suite.add_test_case(test_case(check, &name));
    }
    suite
}

fn test_case(check: &CheckResult, classname: &str) -> TestCase {
    let name = format!("{}: {}", check.id, check.name);
    let status = match check.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Failed => failure_status(check),
        Outcome::Error => error_status(check),
        Outcome::Skipped => skipped_status(check),
    };

    let mut case = TestCase::new(xml(&name), status);
    case.set_classname(xml(classname));
    case.set_time(Duration::from_millis(check.duration_ms));
    case.set_system_out(xml(&system_out(check)));
    case
}

fn failure_status(check: &CheckResult) -> TestCaseStatus {
    let expectations: Vec<String> = check
        .failures
        .iter()
        .map(|failure| {
            format!(
                "{}: expected {}, got {}",
                failure.expectation, failure.expected, failure.actual
            )
        })
        .collect();

    // XML parsers turn line breaks in attributes into spaces, so the message joins the
    // expectations on one line and the text lists them one per line.
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status.set_message(xml(&expectations.join("; ")));
    status.set_type("assertion");

    let mut description = expectations.join("\n");
    push_diagnosis(&mut description, check);
    push_exchange(&mut description, check);
    status.set_description(xml(&description));
    status
}

fn error_status(check: &CheckResult) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    let mut description = String::new();
    match &check.error {
        Some(error) => {
            status.set_message(xml(&error.message));
            status.set_type(xml(&error.kind));
            description = format!("{}: {}", error.kind, error.message);
        }
        None => {
            status.set_message("no response");
        }
    }
    push_diagnosis(&mut description, check);
    push_exchange(&mut description, check);
    status.set_description(xml(description.trim_start()));
    status
}

fn skipped_status(check: &CheckResult) -> TestCaseStatus {
    let mut status = TestCaseStatus::skipped();
    if let Some(reason) = &check.skip_reason {
        status.set_message(xml(reason));
    }
    status
}

fn push_diagnosis(text: &mut String, check: &CheckResult) {
    if let Some(diagnosis) = &check.diagnosis {
        text.push_str(&format!(
            "\n\nDiagnosis: {} [{}]\n{}",
            diagnosis.title,
            diagnosis.id,
            diagnosis.explanation.trim_end()
        ));
    }
}

fn push_exchange(text: &mut String, check: &CheckResult) {
    text.push_str(&format!("\n\nRequest: {}", check.request.line()));
    if let Some(response) = &check.response {
        text.push_str(&format!(
            "\nResponse: {} {}",
            response.http_version, response.status
        ));
    }
}

/// Renders the exchange as a terminal user would read it: request line, status line, the
/// selected headers and the start of the body.
fn system_out(check: &CheckResult) -> String {
    let mut text = check.request.line();
    text.push('\n');
    if let Some(connection) = &check.connection {
        match &connection.proxy {
            Some(proxy) => {
                text.push_str(&format!("proxy: {proxy} ({})\n", connection.proxy_source))
            }
            None => text.push_str(&format!("proxy: none ({})\n", connection.proxy_source)),
        }
        if let Some(address) = &connection.remote_address {
            text.push_str(&format!("connected to: {address}\n"));
        }
        if !connection.addresses_tried.is_empty() {
            let tried = connection.addresses_tried.join(", ");
            text.push_str(&format!("addresses tried: {tried}\n"));
        }
        if let Some(rule) = &connection.connect_to {
            text.push_str(&format!("connect to: {rule}\n"));
        }
    }
    for (label, line) in tls_lines(check.connection.as_ref()) {
        text.push_str(&format!("{label}: {line}\n"));
    }
    for (number, attempt) in check.attempts.iter().enumerate() {
        text.push_str(&format!(
            "attempt {}: {} ({})\n",
            number + 1,
            attempt.got,
            attempt.outcome.as_str()
        ));
    }

    match (&check.response, &check.error, &check.skip_reason) {
        (Some(response), _, _) => {
            text.push_str(&format!("{} {}\n", response.http_version, response.status));
            for header in &response.headers {
                text.push_str(&format!("{}: {}\n", header.name, header.value));
            }
            if let Some(excerpt) = &response.body_excerpt {
                text.push('\n');
                text.push_str(excerpt);
                if !excerpt.ends_with('\n') {
                    text.push('\n');
                }
            }
            if response.body_truncated {
                text.push_str(&format!(
                    "[body truncated after {} bytes]\n",
                    response.body_bytes
                ));
            }
        }
        (None, Some(error), _) => {
            text.push_str(&format!("no response: {}: {}\n", error.kind, error.message));
        }
        (None, None, Some(reason)) => {
            text.push_str(&format!("not sent: {reason}\n"));
        }
        (None, None, None) => {}
    }
    text
}
