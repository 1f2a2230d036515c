//! The JUnit XML report, for CI systems that show test results.
//!
//! Each run becomes one `<testsuite>` named `<suite id>.<vantage>`, so that runs of the same
//! suite from different vantage points stay apart when reports are merged. Each check becomes a
//! `<testcase>`: a failed expectation is a `<failure>`, a request that got no response is an
//! `<error>`, as JUnit separates assertions from tests that could not execute.
//!
//! The layout is the one quick-junit 0.8 writes (element and attribute order, four-space
//! indent), which CI systems and junitparser read. Every text passes through
//! [`visible_controls`] before quick-xml escapes markup. That leaves only tab, line feed and
//! characters XML 1.0 allows, and shows escape sequences as text (`␛[31m`), so no terminal
//! escape sequence can reach the file and nothing needs stripping.

use std::borrow::Cow;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::text::{id_and_name, visible_controls};
use super::tls::tls_lines;
use crate::results::{CheckResult, Outcome, RunResults};

/// Renders one `<testsuite>` per run inside a `<testsuites name="gatecheck">` root.
pub fn render(runs: &[RunResults]) -> String {
    let mut bytes = Vec::new();
    write(&mut bytes, runs).expect("writing to a Vec cannot fail");
    String::from_utf8(bytes).expect("the report is written from UTF-8 strings only")
}

/// Writes the report that [`render`] returns to `out`, element by element.
pub fn write(out: impl io::Write, runs: &[RunResults]) -> io::Result<()> {
    let mut writer = Writer::new_with_indent(out, b' ', 4);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;

    let counts = runs
        .iter()
        .map(Counts::of)
        .fold(Counts::default(), Counts::add);
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "gatecheck"));
    counts.push_attributes(&mut root, CountOrder::Report);
    writer.write_event(Event::Start(root))?;
    for run in runs {
        write_suite(&mut writer, run)?;
    }
    writer.write_event(Event::End(BytesEnd::new("testsuites")))?;

    // A trailing line break.
    writer.write_indent()
}

/// Converts text for XML, keeping what XML can carry visible.
fn xml(text: &str) -> Cow<'_, str> {
    visible_controls(text)
}

#[derive(Clone, Copy, Default)]
struct Counts {
    tests: usize,
    skipped: usize,
    failures: usize,
    errors: usize,
}

/// The order of the count attributes. quick-junit 0.8 wrote `failures` and `errors` in
/// different orders on `<testsuites>` and `<testsuite>`, and the report keeps both.
#[derive(Clone, Copy)]
enum CountOrder {
    Report,
    Suite,
}

impl Counts {
    fn of(run: &RunResults) -> Counts {
        let mut counts = Counts {
            tests: run.checks.len(),
            ..Counts::default()
        };
        for check in &run.checks {
            match check.outcome {
                Outcome::Passed => {}
                Outcome::Failed => counts.failures += 1,
                Outcome::Error => counts.errors += 1,
                Outcome::Skipped => counts.skipped += 1,
            }
        }
        counts
    }

    fn add(self, other: Counts) -> Counts {
        Counts {
            tests: self.tests + other.tests,
            skipped: self.skipped + other.skipped,
            failures: self.failures + other.failures,
            errors: self.errors + other.errors,
        }
    }

    fn push_attributes(self, element: &mut BytesStart<'_>, order: CountOrder) {
        element.push_attribute(("tests", self.tests.to_string().as_str()));
        element.push_attribute(("skipped", self.skipped.to_string().as_str()));
        let (first, second) = match order {
            CountOrder::Report => (("failures", self.failures), ("errors", self.errors)),
            CountOrder::Suite => (("errors", self.errors), ("failures", self.failures)),
        };
        for (name, count) in [first, second] {
            element.push_attribute((name, count.to_string().as_str()));
        }
    }
}

/// Formats milliseconds as seconds with three decimals, as JUnit's `time` attribute expects.
fn seconds(milliseconds: u64) -> String {
    format!("{}.{:03}", milliseconds / 1000, milliseconds % 1000)
}

fn suite_name(run: &RunResults) -> String {
    format!("{}.{}", run.suite.id, run.vantage.name)
}

fn write_suite<W: io::Write>(writer: &mut Writer<W>, run: &RunResults) -> io::Result<()> {
    let name = suite_name(run);
    let mut element = BytesStart::new("testsuite");
    element.push_attribute(("name", xml(&name).as_ref()));
    Counts::of(run).push_attributes(&mut element, CountOrder::Suite);
    if let Ok(started_at) = chrono::DateTime::parse_from_rfc3339(&run.started_at) {
        let timestamp = started_at.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string();
        element.push_attribute(("timestamp", timestamp.as_str()));
    }
    element.push_attribute(("time", seconds(run.duration_ms).as_str()));
    // `hostname` is an attribute of the JUnit schema that CI systems show.
    element.push_attribute(("hostname", xml(&run.host).as_ref()));
    writer.write_event(Event::Start(element))?;

    writer.write_event(Event::Start(BytesStart::new("properties")))?;
    write_property(writer, "vantage", &run.vantage.name)?;
    write_property(writer, "target", &run.target)?;
    write_property(writer, "host", &run.host)?;
    write_property(writer, "gatecheck.version", &run.gatecheck_version)?;
    if let Some(version) = &run.suite.version {
        write_property(writer, "suite.version", version)?;
    }
    if run.insecure {
        write_property(writer, "insecure", "true")?;
    }
    if let Some(reason) = &run.stopped {
        write_property(writer, "stopped", reason)?;
    }
    writer.write_event(Event::End(BytesEnd::new("properties")))?;

    let classname = xml(&name);
    for check in &run.checks {
        write_case(writer, check, &classname)?;
    }
    writer.write_event(Event::End(BytesEnd::new("testsuite")))
}

fn write_property<W: io::Write>(writer: &mut Writer<W>, name: &str, value: &str) -> io::Result<()> {
    let mut element = BytesStart::new("property");
    element.push_attribute(("name", name));
    element.push_attribute(("value", xml(value).as_ref()));
    writer.write_event(Event::Empty(element))
}

/// The `<failure>`, `<error>` or `<skipped>` element of a check that did not pass.
struct Status<'a> {
    tag: &'static str,
    message: Option<Cow<'a, str>>,
    kind: Option<&'a str>,
    description: Option<String>,
}

fn write_case<W: io::Write>(
    writer: &mut Writer<W>,
    check: &CheckResult,
    classname: &str,
) -> io::Result<()> {
    let name = id_and_name(&check.id, &check.name);
    let mut element = BytesStart::new("testcase");
    element.push_attribute(("name", xml(&name).as_ref()));
    element.push_attribute(("classname", classname));
    element.push_attribute(("time", seconds(check.duration_ms).as_str()));
    writer.write_event(Event::Start(element))?;

    let status = match check.outcome {
        Outcome::Passed => None,
        Outcome::Failed => Some(failure_status(check)),
        Outcome::Error => Some(error_status(check)),
        Outcome::Skipped => Some(skipped_status(check)),
    };
    if let Some(status) = status {
        write_status(writer, &status)?;
    }

    write_text_element(writer, "system-out", &system_out(check))?;
    writer.write_event(Event::End(BytesEnd::new("testcase")))
}

fn write_status<W: io::Write>(writer: &mut Writer<W>, status: &Status<'_>) -> io::Result<()> {
    let mut element = BytesStart::new(status.tag);
    if let Some(message) = &status.message {
        element.push_attribute(("message", xml(message).as_ref()));
    }
    if let Some(kind) = &status.kind {
        element.push_attribute(("type", xml(kind).as_ref()));
    }
    match &status.description {
        Some(description) => {
            writer.write_event(Event::Start(element))?;
            writer.write_event(Event::Text(BytesText::new(&xml(description))))?;
            writer.write_event(Event::End(BytesEnd::new(status.tag)))
        }
        None => writer.write_event(Event::Empty(element)),
    }
}

fn write_text_element<W: io::Write>(
    writer: &mut Writer<W>,
    tag: &str,
    text: &str,
) -> io::Result<()> {
    writer.write_event(Event::Start(BytesStart::new(tag)))?;
    writer.write_event(Event::Text(BytesText::new(&xml(text))))?;
    writer.write_event(Event::End(BytesEnd::new(tag)))
}

fn failure_status(check: &CheckResult) -> Status<'_> {
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
    let mut description = expectations.join("\n");
    push_diagnosis(&mut description, check);
    push_exchange(&mut description, check);
    Status {
        tag: "failure",
        message: Some(Cow::Owned(expectations.join("; "))),
        kind: Some("assertion"),
        description: Some(description),
    }
}

fn error_status(check: &CheckResult) -> Status<'_> {
    let mut status = Status {
        tag: "error",
        message: None,
        kind: None,
        description: None,
    };
    let mut description = String::new();
    match &check.error {
        Some(error) => {
            status.message = Some(Cow::Borrowed(&error.message));
            status.kind = Some(&error.kind);
            description = format!("{}: {}", error.kind, error.message);
        }
        None => {
            status.message = Some(Cow::Borrowed("no response"));
        }
    }
    push_diagnosis(&mut description, check);
    push_exchange(&mut description, check);
    status.description = Some(description.trim_start().to_string());
    status
}

fn skipped_status(check: &CheckResult) -> Status<'_> {
    Status {
        tag: "skipped",
        message: check.skip_reason.as_deref().map(Cow::Borrowed),
        kind: None,
        description: None,
    }
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
    let mut text = String::new();
    // First, because CI pages often show only the start of a test case's output.
    if check.insecure {
        text.push_str(
            "WARNING: TLS not verified (insecure): a pass does not show that the server's \
             certificate is valid\n",
        );
    }
    text.push_str(&check.request.line());
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
        if let Some(rule) = &connection.resolve {
            text.push_str(&format!("resolve: {rule}\n"));
        }
        if let Some(address) = &connection.local_address {
            text.push_str(&format!("source address: {address}\n"));
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
