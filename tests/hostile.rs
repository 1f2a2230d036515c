//! Robustness tests: the real `gatecheck` binary against a local server that misbehaves on
//! purpose (tests/hostile/server.rs), one behaviour per request path.
//!
//! Each test runs a generated suite. It bounds the exit code, the wall-clock time and the peak
//! resident memory of the process, and checks the error kind or failure of each check. It also
//! checks that all three reports are still valid: the JUnit report parses with quick-junit, the
//! JSON report with gatecheck's own reader, and the Markdown report is UTF-8 without raw
//! control characters.
//!
//! Peak memory comes from GNU time (`/usr/bin/time -f %M`), which reads the maximum resident
//! set size that the kernel records for the finished process, so a short peak between two
//! samples cannot be missed. The binary runs under `timeout`, so a hang fails the test instead
//! of blocking the test run.

mod common;
#[path = "hostile/gzip_bomb.rs"]
mod gzip_bomb;
#[path = "hostile/server.rs"]
mod server;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use gatecheck::results::{CheckResult, Outcome, RunResults};
use tempfile::TempDir;

use common::{JSON_FILE, JUNIT_FILE, MARKDOWN_FILE};
use server::{HostileServer, Mode};

/// Exit code when at least one check failed or got no response.
const EXIT_FAILED: i32 = 1;

/// The `timeout` of every generated suite.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Time allowed beyond the check timeout: start-up, writing the reports, and a test machine
/// busy with other tests.
const SLACK: Duration = Duration::from_secs(3);

/// Peak resident memory allowed for one run, in KiB: between 2.5 and 3 times the 22 to 26 MiB
/// that a run of the debug binary took on a 2-core test machine. A run that buffered the 1 GB
/// body or the inflated gzip bomb would exceed it fifteen times over.
const MAX_PEAK_RSS_KIB: u64 = 64 * 1024;

/// Bytes of each body that gatecheck keeps by default (`RunOptions::body_limit`).
const BODY_LIMIT: u64 = 1024 * 1024;

/// Time after which `timeout` kills a hanging binary.
const KILL_AFTER_SECS: &str = "30";

const GNU_TIME: &str = "/usr/bin/time";

/// Environment variables the binary must not inherit: a proxy would take loopback traffic
/// elsewhere, and `NO_COLOR` would change the console output under test.
const CLEARED_VARIABLES: [&str; 7] = [
    "NO_COLOR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// A finished run of the binary with what was measured.
struct Measured {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_rss_kib: u64,
    folder: TempDir,
}

impl Measured {
    fn transcript(&self) -> String {
        format!(
            "exit code: {:?}, elapsed: {:?}, peak RSS: {} KiB\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.elapsed, self.peak_rss_kib, self.stdout, self.stderr
        )
    }

    fn read(&self, name: &str) -> Vec<u8> {
        let path = self.folder.path().join(name);
        std::fs::read(&path).unwrap_or_else(|error| {
            panic!(
                "cannot read {}: {error}\n{}",
                path.display(),
                self.transcript()
            )
        })
    }

    fn results(&self) -> RunResults {
        let text = String::from_utf8_lossy(&self.read(JSON_FILE)).into_owned();
        gatecheck::report::json::parse(&text).unwrap_or_else(|error| {
            panic!(
                "the JSON report parses: {error}\n{text}\n{}",
                self.transcript()
            )
        })
    }

    fn junit(&self) -> quick_junit::Report {
        let text = String::from_utf8_lossy(&self.read(JUNIT_FILE)).into_owned();
        quick_junit::Report::deserialize_from_str(&text)
            .unwrap_or_else(|error| panic!("the JUnit report parses: {error}\n{text}"))
    }

    fn check(&self, id: &str) -> CheckResult {
        let results = self.results();
        results
            .checks
            .into_iter()
            .find(|check| check.id == id)
            .unwrap_or_else(|| panic!("the results contain check `{id}`\n{}", self.transcript()))
    }
}

/// Writes `suite_yaml` to a new folder and runs `gatecheck run` on it with all three reports,
/// under GNU time and `timeout`.
fn run_suite(suite_yaml: &str, extra_args: &[&str]) -> Measured {
    assert!(
        Path::new(GNU_TIME).exists(),
        "{GNU_TIME} is missing: install GNU time (`apt-get install -y time`), which measures \
         the peak memory of each run"
    );
    let folder = tempfile::tempdir().expect("a temporary folder for the run is created");
    std::fs::write(folder.path().join("suite.yaml"), suite_yaml).expect("the suite is written");
    let rss_file = folder.path().join("peak-rss.txt");

    let mut command = Command::new(GNU_TIME);
    command
        .current_dir(folder.path())
        .arg("--format=%M")
        .arg("--output")
        .arg(&rss_file)
        .args(["timeout", "--signal=KILL", KILL_AFTER_SECS])
        .arg(env!("CARGO_BIN_EXE_gatecheck"))
        .args(["run", "suite.yaml", "--junit", JUNIT_FILE])
        .args(["--markdown", MARKDOWN_FILE, "--json", JSON_FILE])
        .args(extra_args)
        .env("NO_PROXY", "127.0.0.1,localhost,::1");
    for name in CLEARED_VARIABLES {
        command.env_remove(name);
    }

    let started = Instant::now();
    let output = command.output().expect("GNU time starts");
    let elapsed = started.elapsed();
    let test = std::thread::current().name().unwrap_or("?").to_string();

    // GNU time writes a line such as "Command exited with non-zero status 1" before the
    // number when the command fails, so the number is the last line.
    let rss_text = std::fs::read_to_string(&rss_file).unwrap_or_default();
    let peak_rss_kib = rss_text
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .unwrap_or_else(|| panic!("GNU time wrote no peak RSS: {rss_text:?}"));
    // Shown with `--nocapture`; docs/robustness.md quotes these figures.
    eprintln!("{test}: elapsed {elapsed:.2?}, peak RSS {peak_rss_kib} KiB");
    Measured {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed,
        peak_rss_kib,
        folder,
    }
}

/// Returns a suite with one check per `(id, mode, expect)`, where `expect` is the YAML of the
/// check's `expect` mapping, indented by six spaces, or empty.
fn suite(server: &HostileServer, checks: &[(&str, Mode, &str)]) -> String {
    let mut yaml = format!(
        "name: Hostile server\ndefaults:\n  base_url: {}\n  timeout: {}s\nchecks:\n",
        server.base_url(),
        CHECK_TIMEOUT.as_secs()
    );
    for (id, mode, expect) in checks {
        yaml.push_str(&format!(
            "  - id: {id}\n    request:\n      url: {}\n",
            mode.path()
        ));
        if !expect.is_empty() {
            yaml.push_str("    expect:\n");
            yaml.push_str(expect);
        }
    }
    yaml
}

/// Expects status 200 and a text that no mode sends, so that every check fails.
const END_OF_BODY_EXPECT: &str =
    "      status: 200\n      body:\n        - contains: END-OF-BODY\n";

/// Runs one check that expects status 200 against `mode`.
fn run_mode(server: &HostileServer, mode: Mode) -> Measured {
    run_suite(
        &suite(server, &[("probe", mode, "      status: 200\n")]),
        &[],
    )
}

fn assert_exit_failed(run: &Measured) {
    assert_eq!(
        run.code,
        Some(EXIT_FAILED),
        "exit code\n{}",
        run.transcript()
    );
}

fn assert_elapsed_under(run: &Measured, bound: Duration) {
    assert!(
        run.elapsed < bound,
        "the run took {:?}, more than {bound:?}\n{}",
        run.elapsed,
        run.transcript()
    );
}

fn assert_peak_rss_bounded(run: &Measured) {
    assert!(
        run.peak_rss_kib < MAX_PEAK_RSS_KIB,
        "peak RSS {} KiB, limit {MAX_PEAK_RSS_KIB} KiB\n{}",
        run.peak_rss_kib,
        run.transcript()
    );
}

fn assert_error_kind(run: &Measured, id: &str, kind: &str) {
    let check = run.check(id);
    assert_eq!(
        check.outcome,
        Outcome::Error,
        "outcome of `{id}`: {check:#?}"
    );
    let actual = check.error.as_ref().map(|error| error.kind.as_str());
    assert_eq!(actual, Some(kind), "error kind of `{id}`: {check:#?}");
}

/// Returns the raw control characters in `text`: C0 other than tab and line feed, and DEL.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| (c.is_ascii_control() && *c != '\t' && *c != '\n') || *c == '\u{7f}')
        .collect()
}

/// Asserts that each report exists and is valid for its readers.
fn assert_reports_valid(run: &Measured) {
    run.junit();
    run.results();
    let markdown = String::from_utf8(run.read(MARKDOWN_FILE));
    assert!(
        markdown.is_ok(),
        "the Markdown report is UTF-8: {markdown:?}"
    );
    let markdown = markdown.unwrap_or_default();
    assert_eq!(
        raw_controls(&markdown),
        Vec::<char>::new(),
        "raw control characters in the Markdown report\n{markdown}"
    );
}

/// The checks every hostile run must pass: exit code 1 within `bound`, bounded memory, and
/// valid reports.
fn assert_survived(run: &Measured, bound: Duration) {
    assert_exit_failed(run);
    assert_elapsed_under(run, bound);
    assert_peak_rss_bounded(run);
    assert_reports_valid(run);
}

#[test]
fn silent_server_times_out() {
    let server = HostileServer::start();
    let run = run_mode(&server, Mode::Silent);
    assert_survived(&run, CHECK_TIMEOUT + SLACK);
    assert_error_kind(&run, "probe", "timeout.response");
}

#[test]
fn missing_body_times_out() {
    let server = HostileServer::start();
    let run = run_mode(&server, Mode::HeadersOnly);
    assert_survived(&run, CHECK_TIMEOUT + SLACK);
    assert_error_kind(&run, "probe", "timeout.response");
}

#[test]
fn dripping_response_times_out() {
    let server = HostileServer::start();
    let run = run_mode(&server, Mode::Drip);
    assert_survived(&run, CHECK_TIMEOUT + SLACK);
    assert_error_kind(&run, "probe", "timeout.response");
}

#[test]
fn reset_mid_body_closed_early() {
    let server = HostileServer::start();
    let run = run_mode(&server, Mode::ResetMidBody);
    assert_survived(&run, SLACK);
    assert_error_kind(&run, "probe", "closed.early");
}

/// Asserts that `id` failed on its body matcher because only the first [`BODY_LIMIT`] bytes
/// of a longer body were kept.
fn assert_truncated_failure(run: &Measured, id: &str) {
    let check = run.check(id);
    assert_eq!(check.outcome, Outcome::Failed, "outcome: {check:#?}");
    let response = check.response.as_ref();
    assert_eq!(
        response.map(|response| response.body_bytes),
        Some(BODY_LIMIT),
        "body bytes kept: {check:#?}"
    );
    assert_eq!(
        response.map(|response| response.body_truncated),
        Some(true),
        "body marked as truncated: {check:#?}"
    );
    let mentions_limit = check
        .failures
        .iter()
        .any(|failure| failure.actual.contains("longer than the capture limit"));
    assert!(
        mentions_limit,
        "the failure says that only the start of the body was matched: {:#?}",
        check.failures
    );
}

#[test]
fn huge_body_truncated() {
    let server = HostileServer::start();
    let expect = END_OF_BODY_EXPECT;
    let run = run_suite(&suite(&server, &[("probe", Mode::HugeBody, expect)]), &[]);
    assert_survived(&run, SLACK);
    assert_truncated_failure(&run, "probe");
    // Socket buffers hold a few MB at most, so a client that stopped reading at the limit
    // leaves most of the 1 GB unsent.
    let sent = server.body_bytes_sent();
    assert!(
        sent < 64 * 1024 * 1024,
        "the server sent {sent} body bytes before gatecheck hung up\n{}",
        run.transcript()
    );
}

#[test]
fn gzip_bomb_truncated() {
    let server = HostileServer::start();
    let expect = END_OF_BODY_EXPECT;
    let run = run_suite(&suite(&server, &[("probe", Mode::GzipBomb, expect)]), &[]);
    assert_survived(&run, SLACK);
    assert_truncated_failure(&run, "probe");
}

/// Checks against a body of invalid UTF-8, control characters and XML markup. `lossy` passes
/// because matchers see the body decoded with U+FFFD, and `absent` fails. The JSONPath and
/// XPath matchers fail because the body is neither JSON nor XML.
const HOSTILE_BYTES_EXPECT: [(&str, &str); 4] = [
    (
        "lossy",
        "      status: 200\n      body:\n        - contains: \"\\uFFFD\\uFFFD\\uFFFD(\"\n        - regex: 'ESC \\x1b\\[31mred'\n        - contains: \"]]>\"\n",
    ),
    (
        "absent",
        "      status: 200\n      body:\n        - contains: text the body does not contain\n",
    ),
    (
        "not-json",
        "      status: 200\n      body:\n        - jsonpath: $.status\n",
    ),
    (
        "not-xml",
        "      status: 200\n      body:\n        - xpath: /status\n",
    ),
];

fn run_hostile_bytes(server: &HostileServer) -> Measured {
    let checks: Vec<(&str, Mode, &str)> = HOSTILE_BYTES_EXPECT
        .iter()
        .map(|(id, expect)| (*id, Mode::HostileBytes, *expect))
        .collect();
    run_suite(&suite(server, &checks), &[])
}

fn first_failure(check: &CheckResult) -> String {
    check
        .failures
        .first()
        .map(|failure| failure.actual.clone())
        .unwrap_or_default()
}

#[test]
fn hostile_bytes_matched_lossily() {
    let server = HostileServer::start();
    let run = run_hostile_bytes(&server);
    assert_survived(&run, SLACK);

    let lossy = run.check("lossy");
    assert_eq!(lossy.outcome, Outcome::Passed, "`lossy`: {lossy:#?}");
    let absent = run.check("absent");
    assert_eq!(absent.outcome, Outcome::Failed, "`absent`: {absent:#?}");
    let not_json = run.check("not-json");
    assert!(
        first_failure(&not_json).starts_with("body is not JSON"),
        "`not-json`: {not_json:#?}"
    );
    let not_xml = run.check("not-xml");
    assert!(
        first_failure(&not_xml).starts_with("body is not XML"),
        "`not-xml`: {not_xml:#?}"
    );
}

#[test]
fn hostile_bytes_reports_readable() {
    let server = HostileServer::start();
    let run = run_hostile_bytes(&server);
    assert_survived(&run, SLACK);

    let excerpt = run.check("absent").response.and_then(|r| r.body_excerpt);
    let excerpt = excerpt.unwrap_or_default();
    assert!(
        excerpt.contains('\u{fffd}'),
        "the JSON excerpt shows invalid UTF-8 as U+FFFD: {excerpt:?}"
    );
    let junit = run.junit();
    let system_out: String = junit
        .test_suites
        .iter()
        .flat_map(|suite| &suite.test_cases)
        .filter(|case| case.name.as_str() == "absent")
        .filter_map(|case| case.system_out.as_ref())
        .map(|text| text.as_str().to_string())
        .collect();
    assert!(
        system_out.contains("CDATA end ]]> and <![CDATA[ open"),
        "the JUnit system-out keeps `]]>` as text: {system_out:?}"
    );
    assert_eq!(
        raw_controls(&system_out),
        Vec::<char>::new(),
        "raw control characters in the JUnit system-out: {system_out:?}"
    );
    assert_eq!(
        raw_controls(&run.stdout),
        Vec::<char>::new(),
        "raw control characters on the console\n{}",
        run.stdout
    );
}

// NOTE: fails while src/run/classify.rs does not recognise hyper's "message head is too
// large", which it reports for more than 100 headers; the check then gets `other`.
#[test]
fn many_headers_protocol_error() {
    let server = HostileServer::start();
    let run = run_mode(&server, Mode::ManyHeaders);
    assert_survived(&run, SLACK);
    assert_error_kind(&run, "probe", "http.protocol");
}

#[test]
fn not_http_protocol_error() {
    let server = HostileServer::start();
    let run = run_mode(&server, Mode::NotHttp);
    assert_survived(&run, SLACK);
    assert_error_kind(&run, "probe", "http.protocol");
}

#[test]
fn redirect_loop_stops() {
    let server = HostileServer::start();
    let expect = "      status: 200\n";
    let mut yaml = suite(&server, &[("probe", Mode::RedirectLoop, expect)]);
    yaml = yaml.replace(
        "    request:\n",
        "    request:\n      follow_redirects: true\n",
    );
    let run = run_suite(&yaml, &[]);
    assert_survived(&run, SLACK);
    assert_error_kind(&run, "probe", "redirect.loop");
    // The first request and at most 10 redirects, as documented for `follow_redirects`.
    let requests = server.requests();
    assert!(
        requests <= 11,
        "the server got {requests} requests\n{}",
        run.transcript()
    );
}

/// Three checks share a credential that the server rejects with 401. Each rejected login
/// counts toward the account's lockout, so gatecheck sends the credential once and skips the
/// other checks.
#[test]
fn unauthorized_sent_once() {
    let server = HostileServer::start();
    let auth =
        "      auth:\n        basic:\n          user: probe\n          password: ${PASSWORD}\n";
    let checks = [
        ("first", Mode::Unauthorized, "      status: 200\n"),
        ("second", Mode::Unauthorized, "      status: 200\n"),
        ("third", Mode::Unauthorized, "      status: 200\n"),
    ];
    let yaml = suite(&server, &checks)
        .replace("    request:\n", &format!("    request:\n{auth}"))
        .replace(
            "checks:\n",
            "variables:\n  PASSWORD:\n    value: Hostile-Pw-1\n    secret: true\nchecks:\n",
        );
    let run = run_suite(&yaml, &[]);
    assert_survived(&run, SLACK);

    assert_eq!(
        server.requests_with_authorization(),
        1,
        "requests with credentials\n{}",
        run.transcript()
    );
    let first = run.check("first");
    let status = first.response.as_ref().map(|response| response.status);
    assert_eq!(status, Some(401), "`first`: {first:#?}");
    for id in ["second", "third"] {
        let check = run.check(id);
        assert_eq!(check.outcome, Outcome::Skipped, "`{id}`: {check:#?}");
    }
}

#[test]
fn body_limit_flag_applies() {
    let server = HostileServer::start();
    let yaml = suite(&server, &[("probe", Mode::HugeBody, END_OF_BODY_EXPECT)]);
    let run = run_suite(&yaml, &["--body-limit", "64KiB"]);
    assert_survived(&run, SLACK);
    let check = run.check("probe");
    let kept = check.response.as_ref().map(|response| response.body_bytes);
    assert_eq!(kept, Some(64 * 1024), "body bytes kept: {check:#?}");
}

#[test]
fn deadline_ends_silent_run() {
    let server = HostileServer::start();
    let deadline = Duration::from_secs(2);
    // A check timeout far beyond the deadline, so that only the deadline can end the run.
    let check_timeout = format!("  timeout: {}s\n", CHECK_TIMEOUT.as_secs());
    let yaml = suite(&server, &[("probe", Mode::Silent, "      status: 200\n")])
        .replace(&check_timeout, "  timeout: 60s\n");
    let run = run_suite(&yaml, &["--deadline", "2s"]);
    assert_survived(&run, deadline + SLACK);
    let results = run.results();
    assert!(
        results.stopped.is_some(),
        "the results say why the run stopped\n{}",
        run.transcript()
    );
    let probe = run.check("probe");
    assert_eq!(probe.outcome, Outcome::Skipped, "`probe`: {probe:#?}");
}

#[test]
fn all_modes_in_one_run() {
    let server = HostileServer::start();
    let checks: Vec<(String, Mode)> = Mode::ALL
        .into_iter()
        .map(|mode| (mode.path().trim_matches('/').replace('/', "-"), mode))
        .collect();
    let checks: Vec<(&str, Mode, &str)> = checks
        .iter()
        .map(|(id, mode)| (id.as_str(), *mode, END_OF_BODY_EXPECT))
        .collect();
    let concurrency = Mode::ALL.len().to_string();
    let run = run_suite(&suite(&server, &checks), &["--concurrency", &concurrency]);
    assert_survived(&run, CHECK_TIMEOUT + SLACK);
    let results = run.results();
    assert_eq!(
        results.summary.passed,
        0,
        "no check passes\n{}",
        run.transcript()
    );
    assert_eq!(
        results.summary.total,
        Mode::ALL.len(),
        "every check is reported\n{}",
        run.transcript()
    );
}
