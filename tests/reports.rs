//! Report writers tested through the public API, on results built by hand: a passed, a
//! failed, an errored and a skipped check, where the failed check's body contains terminal
//! escapes, control characters and markup.

use std::fs;
use std::path::{Path, PathBuf};

use gatecheck::report::console::{self, Styles};
use gatecheck::report::{self, ReportError, ReportPaths, json, junit, markdown};
use gatecheck::results::{
    CheckResult, Diagnosis, DiagnosisSource, ExpectationFailure, FORMAT, FORMAT_VERSION, Header,
    Outcome, RequestInfo, ResponseInfo, RunResults, SuiteInfo, Summary, TransportError,
    VantageInfo,
};
use gatecheck::secret::Redactor;
use quick_junit::{NonSuccessKind, Report, TestCaseStatus};

/// Response body that would break a terminal, XML and Markdown if written raw.
const HOSTILE_EXCERPT: &str = "\u{1b}[31mred\u{7}\0 ]]> <tag> & | pipe\n```\nafter a fence\n";

fn request(path: &str) -> RequestInfo {
    RequestInfo {
        method: "GET".to_string(),
        url: format!("https://ise.example.test{path}"),
    }
}

fn passed_check() -> CheckResult {
    CheckResult {
        id: "admin-login".to_string(),
        name: "Admin login page loads".to_string(),
        description: None,
        tags: vec!["portal".to_string()],
        outcome: Outcome::Passed,
        request: request("/admin/login.jsp"),
        expected_status: "200".to_string(),
        response: Some(ResponseInfo {
            status: 200,
            http_version: "HTTP/1.1".to_string(),
            headers: vec![Header {
                name: "Content-Type".to_string(),
                value: "text/html;charset=UTF-8".to_string(),
            }],
            body_excerpt: Some("<!DOCTYPE html><html><title>Identity Services Engine".to_string()),
            body_bytes: 53,
            body_truncated: false,
        }),
        duration_ms: 85,
        failures: Vec::new(),
        error: None,
        skip_reason: None,
        diagnosis: None,
        insecure: true,
        connection: None,
        attempts: Vec::new(),
    }
}

fn failed_check() -> CheckResult {
    CheckResult {
        id: "ers-endpoints".to_string(),
        name: "ERS lists endpoints | first page".to_string(),
        description: Some("The External RESTful Services API answers.".to_string()),
        tags: vec!["ers".to_string()],
        outcome: Outcome::Failed,
        request: request("/ers/config/endpoint?size=1"),
        expected_status: "200".to_string(),
        response: Some(ResponseInfo {
            status: 302,
            http_version: "HTTP/1.1".to_string(),
            headers: vec![Header {
                name: "Location".to_string(),
                value: "https://ise.example.test/admin/login.jsp".to_string(),
            }],
            body_excerpt: Some(HOSTILE_EXCERPT.to_string()),
            body_bytes: 4096,
            body_truncated: true,
        }),
        duration_ms: 1234,
        failures: vec![ExpectationFailure {
            expectation: "status".to_string(),
            expected: "200".to_string(),
            actual: "302".to_string(),
        }],
        error: None,
        skip_reason: None,
        diagnosis: Some(Diagnosis {
            id: "ers-disabled".to_string(),
            title: "Redirected to the admin login page".to_string(),
            explanation: "ISE sends ERS requests to the login page when ERS is off.\n\n\
                          - Turn on **ERS** under *Administration > Settings*.\n\
                          - Give the account the `ERS Admin` role.\n"
                .to_string(),
            source: DiagnosisSource::Suite,
        }),
        insecure: false,
        connection: None,
        attempts: Vec::new(),
    }
}

fn errored_check() -> CheckResult {
    CheckResult {
        id: "pxgrid".to_string(),
        name: "pxGrid control port reachable".to_string(),
        description: None,
        tags: Vec::new(),
        outcome: Outcome::Error,
        request: RequestInfo {
            method: "POST".to_string(),
            url: "https://ise.example.test:8910/pxgrid/control/AccountActivate".to_string(),
        },
        expected_status: "2xx".to_string(),
        response: None,
        duration_ms: 3,
        failures: Vec::new(),
        error: Some(TransportError {
            kind: "connect.refused".to_string(),
            message: "tcp connect error: Connection refused (os error 111)".to_string(),
        }),
        skip_reason: None,
        diagnosis: Some(Diagnosis {
            id: "generic".to_string(),
            title: "Nothing accepts connections on the port".to_string(),
            explanation: "The host answered, but refused the connection: the service is \
                          stopped, or a firewall rejects traffic from this vantage point."
                .to_string(),
            source: DiagnosisSource::Builtin,
        }),
        insecure: false,
        connection: None,
        attempts: Vec::new(),
    }
}

fn skipped_check() -> CheckResult {
    CheckResult {
        id: "mnt-sessions".to_string(),
        name: "MnT active sessions".to_string(),
        description: None,
        tags: vec!["mnt".to_string()],
        outcome: Outcome::Skipped,
        request: request("/admin/API/mnt/Session/ActiveCount"),
        expected_status: "200".to_string(),
        response: None,
        duration_ms: 0,
        failures: Vec::new(),
        error: None,
        skip_reason: Some("tag `mnt` is not selected".to_string()),
        diagnosis: None,
        insecure: false,
        connection: None,
        attempts: Vec::new(),
    }
}

fn sample_run() -> RunResults {
    let checks = vec![
        passed_check(),
        failed_check(),
        errored_check(),
        skipped_check(),
    ];
    RunResults {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        gatecheck_version: "0.1.0".to_string(),
        suite: SuiteInfo {
            id: "ise-gateway".to_string(),
            name: "ISE API gateway".to_string(),
            version: Some("3".to_string()),
            description: None,
            path: "suites/ise.yaml".to_string(),
        },
        vantage: VantageInfo {
            name: "external".to_string(),
            description: Some("from the internet, outside the firewall".to_string()),
        },
        target: "https://ise.example.test".to_string(),
        host: "ci-runner-7".to_string(),
        started_at: "2025-06-03T09:15:00Z".to_string(),
        finished_at: "2025-06-03T09:15:01.420Z".to_string(),
        duration_ms: 1420,
        insecure: true,
        stopped: None,
        summary: Summary::of(&checks),
        checks,
    }
}

fn secure_run() -> RunResults {
    let mut run = sample_run();
    run.insecure = false;
    for check in &mut run.checks {
        check.insecure = false;
    }
    run
}

fn console_output(run: &RunResults, styles: &Styles) -> String {
    let mut meta = run.clone();
    meta.checks.clear();
    let id_width = run
        .checks
        .iter()
        .map(|check| check.id.len())
        .max()
        .unwrap_or(0);

    let mut text = console::header(&meta, styles);
    for check in &run.checks {
        text.push_str(&console::check_line(check, id_width, styles));
        text.push('\n');
    }
    text.push_str(&console::footer(run, styles));
    text
}

fn parse_junit(xml: &str) -> Report {
    Report::deserialize_from_str(xml).expect("the JUnit report parses")
}

fn files_in(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(folder)
        .expect("the folder is readable")
        .map(|entry| entry.expect("the entry is readable").path())
        .collect();
    files.sort();
    files
}

// Snapshots

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("markdown", markdown::render(&[sample_run()]));
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit", junit::render(&[sample_run()]));
}

#[test]
fn console_snapshot() {
    insta::assert_snapshot!("console", console_output(&sample_run(), &Styles::plain()));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("json", json::render(&sample_run()));
}

// JUnit

#[test]
fn junit_counts_match_results() {
    let report = parse_junit(&junit::render(&[sample_run()]));
    assert_eq!(report.tests, 4);
    assert_eq!(report.failures, 1);
    assert_eq!(report.errors, 1);
    assert_eq!(report.skipped, 1);
}

#[test]
fn junit_suite_per_run() {
    let mut internal = sample_run();
    internal.vantage.name = "internal".to_string();
    let report = parse_junit(&junit::render(&[sample_run(), internal]));
    let names: Vec<&str> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["ise-gateway.external", "ise-gateway.internal"]);
}

#[test]
fn junit_case_names_and_classname() {
    let report = parse_junit(&junit::render(&[sample_run()]));
    let case = &report.test_suites[0].test_cases[1];
    assert_eq!(
        case.name.as_str(),
        "ers-endpoints: ERS lists endpoints | first page"
    );
    assert_eq!(case.classname.as_deref(), Some("ise-gateway.external"));
}

#[test]
fn junit_failure_message_and_type() {
    let report = parse_junit(&junit::render(&[sample_run()]));
    let TestCaseStatus::NonSuccess {
        kind, message, ty, ..
    } = &report.test_suites[0].test_cases[1].status
    else {
        panic!("the failed check is not a non-success");
    };
    assert_eq!(*kind, NonSuccessKind::Failure);
    assert_eq!(message.as_deref(), Some("status: expected 200, got 302"));
    assert_eq!(ty.as_deref(), Some("assertion"));
}

#[test]
fn junit_failure_text_has_diagnosis() {
    let report = parse_junit(&junit::render(&[sample_run()]));
    let TestCaseStatus::NonSuccess { description, .. } =
        &report.test_suites[0].test_cases[1].status
    else {
        panic!("the failed check is not a non-success");
    };
    let description = description.as_deref().unwrap_or_default();
    assert!(description.contains("Redirected to the admin login page [ers-disabled]"));
    assert!(description.contains("Response: HTTP/1.1 302"));
}

#[test]
fn junit_error_type_is_kind() {
    let report = parse_junit(&junit::render(&[sample_run()]));
    let TestCaseStatus::NonSuccess { kind, ty, .. } = &report.test_suites[0].test_cases[2].status
    else {
        panic!("the errored check is not a non-success");
    };
    assert_eq!(*kind, NonSuccessKind::Error);
    assert_eq!(ty.as_deref(), Some("connect.refused"));
}

#[test]
fn junit_skipped_message_is_reason() {
    let report = parse_junit(&junit::render(&[sample_run()]));
    let TestCaseStatus::Skipped { message, .. } = &report.test_suites[0].test_cases[3].status
    else {
        panic!("the skipped check is not skipped");
    };
    assert_eq!(message.as_deref(), Some("tag `mnt` is not selected"));
}

#[test]
fn junit_hostile_excerpt_kept_visible() {
    let report = parse_junit(&junit::render(&[sample_run()]));
    let system_out = report.test_suites[0].test_cases[1]
        .system_out
        .as_deref()
        .unwrap_or_default();
    assert!(
        system_out.contains("\u{241b}[31mred\u{2407}\u{2400} ]]> <tag> & | pipe"),
        "{system_out}"
    );
}

#[test]
fn junit_noncharacters_replaced() {
    let mut run = sample_run();
    let response = run.checks[1].response.as_mut().expect("has a response");
    response.body_excerpt = Some("a\u{fffe}b\u{ffff}c".to_string());
    let xml = junit::render(&[run]);
    assert!(xml.contains("a\u{fffd}b\u{fffd}c"));
}

#[test]
fn junit_keeps_tabs() {
    let mut run = sample_run();
    let response = run.checks[1].response.as_mut().expect("has a response");
    response.body_excerpt = Some("key\tvalue\n".to_string());
    let xml = junit::render(&[run]);
    assert!(xml.contains("key\tvalue\n"), "{xml}");
}

#[test]
fn junit_has_no_raw_controls() {
    let xml = junit::render(&[sample_run()]);
    let raw = xml
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t'));
    assert_eq!(raw, None);
}

#[test]
fn junit_properties_of_run() {
    let report = parse_junit(&junit::render(&[sample_run()]));
    let properties: Vec<(&str, &str)> = report.test_suites[0]
        .properties
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        properties,
        [
            ("vantage", "external"),
            ("target", "https://ise.example.test"),
            ("host", "ci-runner-7"),
            ("gatecheck.version", "0.1.0"),
            ("suite.version", "3"),
            ("insecure", "true"),
        ]
    );
}

/// CI pages show a test case's output, not the suite's properties, so an unverified check says
/// so at the start of its own output.
#[test]
fn junit_insecure_check_warns_in_output() {
    let report = parse_junit(&junit::render(&[sample_run()]));
    let system_out = report.test_suites[0].test_cases[0]
        .system_out
        .as_deref()
        .unwrap_or_default();
    assert!(
        system_out.starts_with("WARNING: TLS not verified (insecure)"),
        "{system_out}"
    );
    let secure = parse_junit(&junit::render(&[secure_run()]));
    let secure_out = secure.test_suites[0].test_cases[0]
        .system_out
        .as_deref()
        .unwrap_or_default();
    assert!(!secure_out.contains("TLS not verified"), "{secure_out}");
}

#[test]
fn junit_secure_run_omits_insecure() {
    let report = parse_junit(&junit::render(&[secure_run()]));
    let insecure = report.test_suites[0]
        .properties
        .iter()
        .any(|p| p.name.as_str() == "insecure");
    assert!(!insecure);
}

#[test]
fn junit_timestamp_from_started_at() {
    let report = parse_junit(&junit::render(&[sample_run()]));
    let timestamp = report.test_suites[0].timestamp.expect("has a timestamp");
    assert_eq!(timestamp.to_rfc3339(), "2025-06-03T09:15:00+00:00");
}

// Markdown

#[test]
fn markdown_fence_outgrows_excerpt() {
    let text = markdown::render(&[sample_run()]);
    assert!(text.contains("````text\n"), "{text}");
}

#[test]
fn markdown_escapes_pipe_in_table() {
    let text = markdown::render(&[sample_run()]);
    assert!(
        text.contains("ERS lists endpoints \\| first page |"),
        "{text}"
    );
}

#[test]
fn markdown_has_no_raw_controls() {
    let text = markdown::render(&[sample_run()]);
    let raw = text.chars().find(|c| c.is_control() && *c != '\n');
    assert_eq!(raw, None);
}

#[test]
fn markdown_warns_when_insecure() {
    let text = markdown::render(&[sample_run()]);
    assert!(text.contains("**INSECURE:**"));
}

#[test]
fn markdown_quiet_when_secure() {
    let text = markdown::render(&[secure_run()]);
    assert!(!text.contains("INSECURE"));
}

#[test]
fn markdown_section_per_run() {
    let mut internal = sample_run();
    internal.vantage.name = "internal".to_string();
    let text = markdown::render(&[sample_run(), internal]);
    assert_eq!(text.matches("\n## ").count(), 2);
}

#[test]
fn markdown_tables_keep_columns() {
    let mut run = sample_run();
    run.checks[0].name = "line one\nline | two".to_string();
    let text = markdown::render(&[run]);
    let row = text
        .lines()
        .find(|line| line.starts_with("| `admin-login`"))
        .expect("the check has a row");
    let unescaped_pipes = row.matches('|').count() - row.matches("\\|").count();
    assert_eq!(unescaped_pipes, 6, "{row}");
}

// Console

#[test]
fn console_plain_has_no_escapes() {
    let text = console_output(&sample_run(), &Styles::plain());
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn console_colored_marks_failure() {
    let line = console::check_line(&failed_check(), 13, &Styles::colored());
    assert!(line.starts_with("\u{1b}[1;31mFAIL\u{1b}[0m"), "{line:?}");
}

#[test]
fn console_check_line_layout() {
    let line = console::check_line(&passed_check(), 13, &Styles::plain());
    assert_eq!(
        line,
        "PASS  admin-login    200                        85 ms  Admin login page loads [TLS not verified]"
    );
}

#[test]
fn console_error_shows_kind() {
    let line = console::check_line(&errored_check(), 13, &Styles::plain());
    assert!(
        line.starts_with("ERR   pxgrid         connect.refused"),
        "{line}"
    );
}

#[test]
fn console_duration_in_seconds() {
    let line = console::check_line(&failed_check(), 13, &Styles::plain());
    assert!(line.contains(" 1.23 s "), "{line}");
}

#[test]
fn console_header_warns_insecure() {
    let text = console::header(&sample_run(), &Styles::plain());
    assert!(text.contains("WARNING: INSECURE"));
}

#[test]
fn console_footer_warns_insecure() {
    let text = console::footer(&sample_run(), &Styles::plain());
    assert!(text.trim_end().ends_with("certificates are valid."));
}

#[test]
fn console_footer_quiet_when_secure() {
    let text = console::footer(&secure_run(), &Styles::plain());
    assert!(!text.contains("INSECURE"));
}

#[test]
fn console_summary_line() {
    let text = console::footer(&secure_run(), &Styles::plain());
    assert_eq!(
        text.lines().last(),
        Some("4 checks: 1 passed, 1 failed, 1 error, 1 skipped in 1.42 s")
    );
}

#[test]
fn console_passing_run_has_no_failures() {
    let mut run = secure_run();
    run.checks.truncate(1);
    run.summary = Summary::of(&run.checks);
    run.duration_ms = 85;
    let text = console::footer(&run, &Styles::plain());
    assert_eq!(
        text,
        "1 check: 1 passed, 0 failed, 0 errors, 0 skipped in 85 ms\n"
    );
}

// JSON

#[test]
fn json_round_trip() {
    let run = sample_run();
    let parsed = json::parse(&json::render(&run)).expect("the report parses");
    assert_eq!(parsed, run);
}

#[test]
fn json_ends_with_newline() {
    assert!(json::render(&sample_run()).ends_with("}\n"));
}

#[test]
fn json_rejects_other_format() {
    let text = json::render(&sample_run()).replace(FORMAT, "junit");
    let error = json::parse(&text).expect_err("another format is rejected");
    assert_eq!(
        error.to_string(),
        "not a gatecheck results file: the `format` field is \"junit\", expected \"gatecheck-results\""
    );
}

#[test]
fn json_rejects_future_version() {
    let text =
        json::render(&sample_run()).replace("\"format_version\": 1,", "\"format_version\": 2,");
    let error = json::parse(&text).expect_err("a newer version is rejected");
    assert!(
        error.to_string().starts_with(
            "unsupported results format version 2: this gatecheck reads only version 1"
        ),
        "{error}"
    );
}

#[test]
fn json_rejects_missing_format() {
    let error = json::parse("{\"checks\": []}").expect_err("a file without format is rejected");
    assert!(matches!(
        error,
        json::JsonReportError::MissingField { field: "format" }
    ));
}

#[test]
fn json_rejects_array() {
    let error = json::parse("[]").expect_err("an array is rejected");
    assert!(matches!(
        error,
        json::JsonReportError::NotAnObject { found: "an array" }
    ));
}

#[test]
fn json_reports_syntax_position() {
    let error = json::parse("{\"format\": ").expect_err("truncated JSON is rejected");
    assert!(error.to_string().contains("line 1"), "{error}");
}

fn schema() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/results.schema.json");
    let text = fs::read_to_string(path).expect("the schema is readable");
    serde_json::from_str(&text).expect("the schema is JSON")
}

#[test]
fn schema_is_valid_schema() {
    let schema = schema();
    let result = jsonschema::meta::validate(&schema);
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn schema_accepts_report() {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema())
        .expect("the schema compiles");
    let report: serde_json::Value =
        serde_json::from_str(&json::render(&sample_run())).expect("the report is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn schema_accepts_tls_evidence() {
    use gatecheck::results::{CertificateInfo, ConnectionInfo};

    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema())
        .expect("the schema compiles");
    let mut run = sample_run();
    run.checks[2].connection = Some(ConnectionInfo {
        proxy: Some("http://proxy-user:********@proxy.example.test:3128".to_string()),
        proxy_source: "vantage external".to_string(),
        remote_address: None,
        addresses_tried: vec!["192.0.2.10:443".to_string()],
        connect_to: Some(
            "ise.example.test:443 -> 192.0.2.10:8443 (connect_to of vantage external)".to_string(),
        ),
        resolve: Some("ise.example.test -> 192.0.2.10 (resolve of vantage external)".to_string()),
        local_address: Some("192.0.2.77".to_string()),
        tls_version: Some("TLS 1.3".to_string()),
        certificate: Some(CertificateInfo {
            subject: "CN=ise.example.test".to_string(),
            issuer: "O=Example, CN=Example CA".to_string(),
            sans: vec!["ise.example.test".to_string(), "192.0.2.10".to_string()],
            not_before: "2025-01-01T00:00:00Z".to_string(),
            not_after: "2025-06-01T00:00:00Z".to_string(),
            days_left: -3,
        }),
        tls_note: Some("From a second handshake that accepted any certificate.".to_string()),
    });
    let report: serde_json::Value =
        serde_json::from_str(&json::render(&run)).expect("the report is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn schema_rejects_unknown_field() {
    let validator = jsonschema::validator_for(&schema()).expect("the schema compiles");
    let mut report: serde_json::Value =
        serde_json::from_str(&json::render(&sample_run())).expect("the report is JSON");
    report["checks"][0]["unknown_field"] = serde_json::Value::from("blue");
    assert!(!validator.is_valid(&report));
}

// Writing files

#[test]
fn atomic_write_creates_parents() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("reports/nested/junit.xml");
    report::write_atomically(&path, b"<testsuites/>").expect("the write succeeds");
    assert_eq!(fs::read(&path).expect("the file exists"), b"<testsuites/>");
}

#[test]
fn atomic_write_leaves_no_temporaries() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("report.md");
    report::write_atomically(&path, b"first").expect("the first write succeeds");
    report::write_atomically(&path, b"second").expect("the second write succeeds");
    assert_eq!(files_in(folder.path()), [path]);
}

#[test]
fn atomic_write_replaces_file() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("report.md");
    fs::write(&path, "an old report that is longer").expect("the old report is written");
    report::write_atomically(&path, b"new").expect("the write succeeds");
    assert_eq!(fs::read(&path).expect("the file exists"), b"new");
}

#[test]
fn atomic_write_error_names_path() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let blocker = folder.path().join("not-a-folder");
    fs::write(&blocker, "").expect("the blocking file is written");
    let path = blocker.join("report.xml");
    let error = report::write_atomically(&path, b"x").expect_err("a file is in the way");
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
}

#[test]
fn atomic_write_failure_leaves_no_temporaries() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let target = folder.path().join("a-folder");
    fs::create_dir(&target).expect("the folder is created");
    let result = report::write_atomically(&target, b"x");
    assert!(result.is_err());
    assert_eq!(files_in(folder.path()), [target]);
}

#[cfg(unix)]
#[test]
fn atomic_write_mode_like_plain_write() {
    use std::os::unix::fs::PermissionsExt as _;

    let folder = tempfile::tempdir().expect("a temporary folder");
    let plain = folder.path().join("plain");
    fs::write(&plain, "x").expect("the plain write succeeds");
    let atomic = folder.path().join("atomic");
    report::write_atomically(&atomic, b"x").expect("the atomic write succeeds");
    let mode = |path: &Path| fs::metadata(path).expect("metadata").permissions().mode();
    assert_eq!(mode(&atomic), mode(&plain));
}

fn all_paths(folder: &Path) -> ReportPaths {
    ReportPaths {
        junit: Some(folder.join("junit.xml")),
        markdown: Some(folder.join("report.md")),
        json: Some(folder.join("results.json")),
    }
}

#[test]
fn write_reports_returns_paths() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let paths = all_paths(folder.path());
    let written = report::write_reports(&[sample_run()], &paths, &Redactor::new())
        .expect("the reports are written");
    assert_eq!(
        written,
        [
            folder.path().join("junit.xml"),
            folder.path().join("report.md"),
            folder.path().join("results.json"),
        ]
    );
}

#[test]
fn write_reports_skips_unrequested() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let paths = ReportPaths {
        markdown: Some(folder.path().join("report.md")),
        ..ReportPaths::default()
    };
    report::write_reports(&[sample_run()], &paths, &Redactor::new())
        .expect("the report is written");
    assert_eq!(files_in(folder.path()), [folder.path().join("report.md")]);
}

#[test]
fn write_reports_json_needs_one_run() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let runs = [sample_run(), sample_run()];
    let result = report::write_reports(&runs, &all_paths(folder.path()), &Redactor::new());
    assert!(matches!(
        result,
        Err(ReportError::JsonRunCount { count: 2 })
    ));
}

#[test]
fn write_reports_json_error_writes_nothing() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let runs = [sample_run(), sample_run()];
    let _ = report::write_reports(&runs, &all_paths(folder.path()), &Redactor::new());
    assert_eq!(files_in(folder.path()), Vec::<PathBuf>::new());
}

#[test]
fn write_reports_redacts_every_format() {
    let secret = "s3cr&t<pw>";
    let mut run = sample_run();
    run.checks[1].request.url = format!("https://ise.example.test/ers?token={secret}");
    let response = run.checks[1].response.as_mut().expect("has a response");
    response.body_excerpt = Some(format!("{{\"password\": \"{secret}\"}}"));
    let mut redactor = Redactor::new();
    redactor.add(secret);

    let folder = tempfile::tempdir().expect("a temporary folder");
    let written = report::write_reports(&[run], &all_paths(folder.path()), &redactor)
        .expect("the reports are written");

    for path in written {
        let text = fs::read_to_string(&path).expect("the report is readable");
        assert!(
            !text.contains("s3cr"),
            "{} leaks the secret",
            path.display()
        );
    }
}

#[test]
fn write_reports_match_render() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let paths = all_paths(folder.path());
    report::write_reports(&[sample_run()], &paths, &Redactor::new())
        .expect("the reports are written");

    let read = |path: &Option<PathBuf>| {
        fs::read_to_string(path.as_ref().expect("requested")).expect("the report is readable")
    };
    assert_eq!(read(&paths.junit), junit::render(&[sample_run()]));
    assert_eq!(read(&paths.markdown), markdown::render(&[sample_run()]));
    assert_eq!(read(&paths.json), json::render(&sample_run()));
}

#[test]
fn write_reports_redacts_markdown_lines() {
    let secret = "s3cr3t-token-value";
    let mut run = sample_run();
    run.checks[2].name = format!("token {secret} in the name");
    run.checks[1].failures[0].actual = format!("302 {secret}");
    let mut redactor = Redactor::new();
    redactor.add(secret);

    let folder = tempfile::tempdir().expect("a temporary folder");
    let paths = ReportPaths {
        markdown: Some(folder.path().join("report.md")),
        ..ReportPaths::default()
    };
    report::write_reports(&[run], &paths, &redactor).expect("the report is written");
    let text = fs::read_to_string(folder.path().join("report.md")).expect("readable");
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(text.contains("in the name"), "{text}");
    assert!(text.ends_with('\n'), "{text}");
    assert!(!text.ends_with("\n\n"), "{text}");
}

#[test]
fn write_reports_json_still_parses() {
    let mut redactor = Redactor::new();
    redactor.add("ise.example.test");
    let folder = tempfile::tempdir().expect("a temporary folder");
    let paths = ReportPaths {
        json: Some(folder.path().join("results.json")),
        ..ReportPaths::default()
    };
    report::write_reports(&[sample_run()], &paths, &redactor).expect("the report is written");
    let text = fs::read_to_string(folder.path().join("results.json")).expect("readable");
    let run = json::parse(&text).expect("the redacted report parses");
    assert_eq!(run.target, "https://********");
}
