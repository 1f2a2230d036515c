//! End-to-end tests of the `gatecheck` binary: the bundled ISE suite against the built-in
//! simulator over real TLS on loopback, in every scenario and from several vantages, read back
//! through the reports a user gets.
//!
//! The expected diagnoses follow the suite's hint rules, first match wins: the check's own
//! `hints`, then the suite's `hints`, then gatecheck's built-in rules.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use gatecheck::mock_ise::Scenario;
use gatecheck::results::Outcome;
use quick_junit::{NonSuccessKind, TestCaseStatus};

use common::{
    API_USER, CANARY_PASSWORD, Finished, Gatecheck, JSON_FILE, JUNIT_FILE, MARKDOWN_FILE,
    Simulator, check, closed_loopback_port, ise_suite,
};

/// Exit codes from the README.
const EXIT_PASSED: i32 = 0;
const EXIT_FAILED: i32 = 1;
const EXIT_USAGE: i32 = 2;

/// The checks of the bundled suite, in suite order.
const CHECK_IDS: [&str; 3] = ["ers", "openapi", "mnt"];

/// What one check of the bundled suite should give: its outcome and the id of its diagnosis.
struct Expected {
    id: &'static str,
    outcome: Outcome,
    diagnosis: Option<&'static str>,
}

fn passed(id: &'static str) -> Expected {
    Expected {
        id,
        outcome: Outcome::Passed,
        diagnosis: None,
    }
}

fn failed(id: &'static str, diagnosis: &'static str) -> Expected {
    Expected {
        id,
        outcome: Outcome::Failed,
        diagnosis: Some(diagnosis),
    }
}

/// A check that was not sent; skipped checks carry no diagnosis.
fn skipped(id: &'static str) -> Expected {
    Expected {
        id,
        outcome: Outcome::Skipped,
        diagnosis: None,
    }
}

fn error(id: &'static str, diagnosis: &'static str) -> Expected {
    Expected {
        id,
        outcome: Outcome::Error,
        diagnosis: Some(diagnosis),
    }
}

/// Runs the bundled suite from `vantage` against a new simulator playing `scenario`.
fn run_scenario(scenario: Scenario, vantage: &str) -> (Simulator, Finished) {
    let simulator = Simulator::start(scenario);
    let finished = Gatecheck::run(&ise_suite(), vantage)
        .against(&simulator)
        .execute();
    (simulator, finished)
}

/// Asserts the exit code, then each check's outcome and diagnosis id as the JSON report
/// records them.
fn assert_run(finished: &Finished, exit_code: i32, expected: &[Expected]) {
    assert_eq!(
        finished.code,
        Some(exit_code),
        "exit code\n{}",
        finished.transcript()
    );
    let results = finished.results();
    let ids: Vec<&str> = results.checks.iter().map(|c| c.id.as_str()).collect();
    let expected_ids: Vec<&str> = expected.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        expected_ids,
        "checks in suite order\n{}",
        finished.transcript()
    );
    for expectation in expected {
        let result = check(&results, expectation.id);
        assert_eq!(
            result.outcome,
            expectation.outcome,
            "outcome of `{}`\n{}",
            expectation.id,
            finished.transcript()
        );
        let diagnosis = result.diagnosis.as_ref().map(|d| d.id.as_str());
        assert_eq!(
            diagnosis,
            expectation.diagnosis,
            "diagnosis of `{}`\n{}",
            expectation.id,
            finished.transcript()
        );
    }
}

/// Returns the message and text of the JUnit `<failure>` of check `id`, failing the test when
/// the check's test case is missing or did not fail.
fn junit_failure(finished: &Finished, id: &str) -> (String, String) {
    let report = finished.junit_report();
    let prefix = format!("{id}: ");
    let case = report
        .test_suites
        .iter()
        .flat_map(|suite| &suite.test_cases)
        .find(|case| case.name.as_str().starts_with(&prefix))
        .unwrap_or_else(|| panic!("a test case for `{id}`\n{}", finished.junit()));
    match &case.status {
        TestCaseStatus::NonSuccess {
            kind: NonSuccessKind::Failure,
            message,
            description,
            ..
        } => (
            message.as_ref().map(|m| m.to_string()).unwrap_or_default(),
            description
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        other => panic!(
            "test case `{}` is not a failure: {other:?}\n{}",
            case.name.as_str(),
            finished.junit()
        ),
    }
}

fn assert_junit_failure_status(finished: &Finished, id: &str, status: &str) {
    let (message, _) = junit_failure(finished, id);
    assert!(
        message.contains(status),
        "the JUnit failure message of `{id}` names status {status}: {message:?}"
    );
}

// Healthy: every check passes from every vantage.

#[test]
fn healthy_internal_passes() {
    let (_simulator, finished) = run_scenario(Scenario::Healthy, "internal");
    assert_run(
        &finished,
        EXIT_PASSED,
        &[passed("ers"), passed("openapi"), passed("mnt")],
    );
    assert_eq!(finished.stderr, "", "stderr of a passing run");
}

#[test]
fn healthy_external_passes() {
    let (_simulator, finished) = run_scenario(Scenario::Healthy, "external");
    assert_run(
        &finished,
        EXIT_PASSED,
        &[passed("ers"), passed("openapi"), passed("mnt")],
    );
}

#[test]
fn healthy_cloud_passes() {
    let (_simulator, finished) = run_scenario(Scenario::Healthy, "cloud");
    assert_run(
        &finished,
        EXIT_PASSED,
        &[passed("ers"), passed("openapi"), passed("mnt")],
    );
}

// ERS disabled: the gateway redirects ERS to the login page.

#[test]
fn ers_disabled_internal_hint() {
    let (_simulator, finished) = run_scenario(Scenario::ErsDisabled, "internal");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            failed("ers", "ers-not-enabled"),
            passed("openapi"),
            passed("mnt"),
        ],
    );
    assert_junit_failure_status(&finished, "ers", "302");
}

#[test]
fn ers_disabled_external_hint() {
    let (_simulator, finished) = run_scenario(Scenario::ErsDisabled, "external");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            failed("ers", "external-path-internal-first"),
            passed("openapi"),
            passed("mnt"),
        ],
    );
    assert_junit_failure_status(&finished, "ers", "302");
}

#[test]
fn ers_disabled_cloud_hint() {
    let (_simulator, finished) = run_scenario(Scenario::ErsDisabled, "cloud");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            failed("ers", "cloud-path-external-first"),
            passed("openapi"),
            passed("mnt"),
        ],
    );
    assert_junit_failure_status(&finished, "ers", "302");
}

/// The case the suite was written for: the JUnit file alone, as CI collects it, explains the
/// redirect.
#[test]
fn ers_disabled_junit_explains_redirect() {
    let simulator = Simulator::start(Scenario::ErsDisabled);
    let finished = Gatecheck::new()
        .arg("run")
        .arg(ise_suite())
        .args(["--vantage", "internal", "--junit", "r.xml"])
        .against(&simulator)
        .execute();
    assert_eq!(
        finished.code,
        Some(EXIT_FAILED),
        "exit code\n{}",
        finished.transcript()
    );

    let xml = finished.read("r.xml");
    let report = quick_junit::Report::deserialize_from_str(&xml)
        .unwrap_or_else(|error| panic!("r.xml parses: {error}\n{xml}"));
    let cases: Vec<&quick_junit::TestCase> = report
        .test_suites
        .iter()
        .flat_map(|suite| &suite.test_cases)
        .collect();
    assert_eq!(
        cases.len(),
        CHECK_IDS.len(),
        "one test case per check\n{xml}"
    );

    let ers = cases
        .iter()
        .find(|case| case.name.as_str().starts_with("ers: "))
        .unwrap_or_else(|| panic!("a test case for `ers`\n{xml}"));
    let TestCaseStatus::NonSuccess {
        kind: NonSuccessKind::Failure,
        message,
        description,
        ..
    } = &ers.status
    else {
        panic!("the ERS test case failed: {:?}\n{xml}", ers.status);
    };
    let message = message.as_ref().map(|m| m.as_str()).unwrap_or_default();
    let description = description.as_ref().map(|d| d.as_str()).unwrap_or_default();
    assert!(
        message.contains("302"),
        "the failure message names the status: {message:?}"
    );
    assert!(
        description.contains("ERS is not exposed through the API gateway"),
        "the failure text carries the hint's title:\n{description}"
    );
    assert!(
        description.contains("API Settings"),
        "the failure text says where to enable ERS:\n{description}"
    );

    for case in cases
        .iter()
        .filter(|case| !case.name.as_str().starts_with("ers: "))
    {
        assert!(
            matches!(case.status, TestCaseStatus::Success { .. }),
            "test case `{}` passed: {:?}\n{xml}",
            case.name.as_str(),
            case.status
        );
    }
}

// Open API disabled: the gateway redirects the Open API to the login page.

#[test]
fn openapi_disabled_internal_hint() {
    let (_simulator, finished) = run_scenario(Scenario::OpenapiDisabled, "internal");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            passed("ers"),
            failed("openapi", "openapi-not-enabled"),
            passed("mnt"),
        ],
    );
    assert_junit_failure_status(&finished, "openapi", "302");
}

#[test]
fn openapi_disabled_external_hint() {
    let (_simulator, finished) = run_scenario(Scenario::OpenapiDisabled, "external");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            passed("ers"),
            failed("openapi", "external-path-internal-first"),
            passed("mnt"),
        ],
    );
    assert_junit_failure_status(&finished, "openapi", "302");
}

// ISE 3.0 gateway: only MnT is routed, ERS and the Open API redirect.

#[test]
fn gateway_30_internal_hints() {
    let (_simulator, finished) = run_scenario(Scenario::Gateway30, "internal");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            failed("ers", "ers-not-enabled"),
            failed("openapi", "openapi-not-enabled"),
            passed("mnt"),
        ],
    );
    assert_junit_failure_status(&finished, "ers", "302");
    assert_junit_failure_status(&finished, "openapi", "302");
}

#[test]
fn gateway_30_cloud_hints() {
    let (_simulator, finished) = run_scenario(Scenario::Gateway30, "cloud");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            failed("ers", "cloud-path-external-first"),
            failed("openapi", "cloud-path-external-first"),
            passed("mnt"),
        ],
    );
    assert_junit_failure_status(&finished, "ers", "302");
    assert_junit_failure_status(&finished, "openapi", "302");
}

// Rejected logins: the first check gets 401. The 401 page names no external identity source,
// so MnT's own `mnt-admin-type` rule does not match and the suite's rule explains it. Every
// failed login counts toward ISE's lockout, so the checks that share the credentials are
// skipped rather than sent.

const LOCKOUT_REASON: &str =
    "skipped to protect the account from lockout: check `ers` got 401 with the same credentials";

/// Asserts that only `ers` was sent and the other checks were skipped to protect the account.
fn assert_lockout(simulator: &Simulator, finished: &Finished) {
    assert_run(
        finished,
        EXIT_FAILED,
        &[
            failed("ers", "api-user-rejected"),
            skipped("openapi"),
            skipped("mnt"),
        ],
    );
    let results = finished.results();
    for id in ["openapi", "mnt"] {
        assert_eq!(
            check(&results, id).skip_reason.as_deref(),
            Some(LOCKOUT_REASON),
            "skip reason of {id}\n{}",
            finished.transcript()
        );
    }
    assert_eq!(
        simulator.failed_logins(),
        1,
        "exactly one request with the rejected credentials\n{}",
        finished.transcript()
    );
}

#[test]
fn bad_credentials_internal_hint() {
    let (simulator, finished) = run_scenario(Scenario::BadCredentials, "internal");
    assert_lockout(&simulator, &finished);
}

#[test]
fn bad_credentials_cloud_hint() {
    let (simulator, finished) = run_scenario(Scenario::BadCredentials, "cloud");
    assert_lockout(&simulator, &finished);
}

#[test]
fn locked_user_internal_hint() {
    let (simulator, finished) = run_scenario(Scenario::LockedUser, "internal");
    assert_lockout(&simulator, &finished);
}

#[test]
fn auth_retries_allowed_sends_all() {
    let simulator = Simulator::start(Scenario::BadCredentials);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .against(&simulator)
        .arg("--allow-auth-retries")
        .execute();
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            failed("ers", "api-user-rejected"),
            failed("openapi", "api-user-rejected"),
            failed("mnt", "api-user-rejected"),
        ],
    );
    assert_eq!(simulator.failed_logins(), 3, "{}", finished.transcript());
}

// Not routed: a proxy returns 404 for every path. The 404 page is HTML, so the Open API's
// `openapi-resource-missing` rule, which wants ISE's JSON error, does not match.

#[test]
fn not_routed_internal_hint() {
    let (_simulator, finished) = run_scenario(Scenario::NotRouted, "internal");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            failed("ers", "internal-not-routed"),
            failed("openapi", "internal-not-routed"),
            failed("mnt", "internal-not-routed"),
        ],
    );
}

#[test]
fn not_routed_external_hint() {
    let (_simulator, finished) = run_scenario(Scenario::NotRouted, "external");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            failed("ers", "external-path-internal-first"),
            failed("openapi", "external-path-internal-first"),
            failed("mnt", "external-path-internal-first"),
        ],
    );
}

#[test]
fn not_routed_cloud_hint() {
    let (_simulator, finished) = run_scenario(Scenario::NotRouted, "cloud");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            failed("ers", "cloud-path-external-first"),
            failed("openapi", "cloud-path-external-first"),
            failed("mnt", "cloud-path-external-first"),
        ],
    );
}

// Not an MnT node: MnT returns 500 with an envelope that names the missing persona. The rule
// has no vantage condition, so it applies from everywhere.

#[test]
fn not_mnt_node_internal_hint() {
    let (_simulator, finished) = run_scenario(Scenario::NotMntNode, "internal");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            passed("ers"),
            passed("openapi"),
            failed("mnt", "mnt-not-monitoring-node"),
        ],
    );
}

#[test]
fn not_mnt_node_external_hint() {
    let (_simulator, finished) = run_scenario(Scenario::NotMntNode, "external");
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            passed("ers"),
            passed("openapi"),
            failed("mnt", "mnt-not-monitoring-node"),
        ],
    );
}

// The password never leaves the process, whether the run passes or fails.

fn assert_no_canary(finished: &Finished) {
    let basic_credentials = BASE64.encode(format!("{API_USER}:{CANARY_PASSWORD}"));
    let outputs = [
        ("stdout", finished.stdout.clone()),
        ("stderr", finished.stderr.clone()),
        ("JUnit", finished.junit()),
        ("Markdown", finished.markdown()),
        ("JSON", finished.json()),
    ];
    for (name, text) in &outputs {
        assert!(
            !text.contains(CANARY_PASSWORD),
            "the password appears in {name}:\n{text}"
        );
        assert!(
            !text.contains(&basic_credentials),
            "the base64 basic-auth credentials appear in {name}:\n{text}"
        );
    }
}

#[test]
fn password_absent_when_healthy() {
    let (_simulator, finished) = run_scenario(Scenario::Healthy, "internal");
    assert_eq!(
        finished.code,
        Some(EXIT_PASSED),
        "exit code\n{}",
        finished.transcript()
    );
    assert_no_canary(&finished);
}

#[test]
fn password_absent_with_bad_credentials() {
    let (_simulator, finished) = run_scenario(Scenario::BadCredentials, "internal");
    assert_eq!(
        finished.code,
        Some(EXIT_FAILED),
        "exit code\n{}",
        finished.transcript()
    );
    assert_no_canary(&finished);
}

#[test]
fn password_absent_with_locked_user() {
    let (_simulator, finished) = run_scenario(Scenario::LockedUser, "internal");
    assert_eq!(
        finished.code,
        Some(EXIT_FAILED),
        "exit code\n{}",
        finished.transcript()
    );
    assert_no_canary(&finished);
}

#[test]
fn password_absent_with_ers_disabled() {
    let (_simulator, finished) = run_scenario(Scenario::ErsDisabled, "internal");
    assert_eq!(
        finished.code,
        Some(EXIT_FAILED),
        "exit code\n{}",
        finished.transcript()
    );
    assert_no_canary(&finished);
}

// Usage errors: exit code 2, a message with the fix, and nothing sent.

fn assert_no_reports(finished: &Finished) {
    for name in [JUNIT_FILE, MARKDOWN_FILE, JSON_FILE] {
        assert!(
            !finished.folder().join(name).exists(),
            "{name} was written by a run that sent nothing\n{}",
            finished.transcript()
        );
    }
}

#[test]
fn unknown_vantage_lists_valid_ones() {
    // Any request to this simulator counts as a failed login, which shows whether one was sent.
    let simulator = Simulator::start(Scenario::BadCredentials);
    let finished = Gatecheck::run(&ise_suite(), "lab")
        .against(&simulator)
        .execute();
    assert_eq!(
        finished.code,
        Some(EXIT_USAGE),
        "exit code\n{}",
        finished.transcript()
    );
    assert!(
        finished.stderr.contains("lab"),
        "stderr names the unknown vantage:\n{}",
        finished.stderr
    );
    for vantage in ["internal", "external", "cloud"] {
        assert!(
            finished.stderr.contains(vantage),
            "stderr lists vantage `{vantage}`:\n{}",
            finished.stderr
        );
    }
    assert_eq!(simulator.failed_logins(), 0, "requests were sent");
    assert_no_reports(&finished);
}

#[test]
fn missing_host_names_fix() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .env("ISE_API_USER", API_USER)
        .env("ISE_API_PASSWORD", CANARY_PASSWORD)
        .arg("--ca-file")
        .arg(simulator.ca_file())
        .execute();
    assert_eq!(
        finished.code,
        Some(EXIT_USAGE),
        "exit code\n{}",
        finished.transcript()
    );
    assert!(
        finished.stderr.contains("environment variable ISE_HOST"),
        "stderr names the environment variable to set:\n{}",
        finished.stderr
    );
    assert!(
        finished.stderr.contains("--var ISE_HOST="),
        "stderr names the option that sets it instead:\n{}",
        finished.stderr
    );
    assert_no_reports(&finished);
}

#[test]
fn misspelled_key_shows_position() {
    let suite = std::fs::read_to_string(ise_suite()).expect("the bundled suite is readable");
    let typo = suite.replacen("\n    expect:\n", "\n    expcet:\n", 1);
    assert_ne!(typo, suite, "the bundled suite has a check with `expect:`");
    let line = typo
        .lines()
        .position(|text| text == "    expcet:")
        .expect("the misspelled line")
        + 1;

    let simulator = Simulator::start(Scenario::BadCredentials);
    let finished = Gatecheck::run_text(&typo, "internal")
        .against(&simulator)
        .execute();
    assert_eq!(
        finished.code,
        Some(EXIT_USAGE),
        "exit code\n{}",
        finished.transcript()
    );
    let position = format!("suite.yaml:{line}:5");
    assert!(
        finished.stderr.contains(&position),
        "stderr points at {position}:\n{}",
        finished.stderr
    );
    assert!(
        finished.stderr.contains("`expect`"),
        "stderr suggests the right key:\n{}",
        finished.stderr
    );
    assert_eq!(simulator.failed_logins(), 0, "requests were sent");
}

// Transport errors: no response, so the outcome is `error` with a typed kind.

fn assert_error_kind(finished: &Finished, kind: &str) {
    let results = finished.results();
    for id in CHECK_IDS {
        let error = check(&results, id).error.as_ref().map(|e| e.kind.as_str());
        assert_eq!(
            error,
            Some(kind),
            "error kind of `{id}`\n{}",
            finished.transcript()
        );
    }
}

#[test]
fn closed_port_internal_refused() {
    let closed = closed_loopback_port();
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .ise_env(&closed.to_string())
        .execute();
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            error("ers", "ise-unreachable-internal"),
            error("openapi", "ise-unreachable-internal"),
            error("mnt", "ise-unreachable-internal"),
        ],
    );
    assert_error_kind(&finished, "connect.refused");
}

/// From outside, the suite explains only dropped and reset connections, so a refused one gets
/// gatecheck's built-in diagnosis.
#[test]
fn closed_port_external_builtin() {
    let closed = closed_loopback_port();
    let finished = Gatecheck::run(&ise_suite(), "external")
        .ise_env(&closed.to_string())
        .execute();
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            error("ers", "builtin.connect.refused"),
            error("openapi", "builtin.connect.refused"),
            error("mnt", "builtin.connect.refused"),
        ],
    );
    assert_error_kind(&finished, "connect.refused");
}

#[test]
fn missing_ca_unknown_issuer() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .ise_env(&simulator.host())
        .execute();
    assert_run(
        &finished,
        EXIT_FAILED,
        &[
            error("ers", "ise-certificate-untrusted"),
            error("openapi", "ise-certificate-untrusted"),
            error("mnt", "ise-certificate-untrusted"),
        ],
    );
    assert_error_kind(&finished, "tls.unknown-issuer");
}

// `--insecure`: the run passes without the CA, and every output flags it as unverified.

#[test]
fn insecure_flagged_everywhere() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .ise_env(&simulator.host())
        .arg("--insecure")
        .execute();
    assert_run(
        &finished,
        EXIT_PASSED,
        &[passed("ers"), passed("openapi"), passed("mnt")],
    );

    assert!(
        finished.stdout.contains("INSECURE"),
        "the console warns:\n{}",
        finished.stdout
    );
    let markdown = finished.markdown();
    assert!(
        markdown.contains("INSECURE"),
        "the Markdown warns:\n{markdown}"
    );

    let report = finished.junit_report();
    let insecure_property = report
        .test_suites
        .iter()
        .flat_map(|suite| &suite.properties)
        .find(|property| property.name.as_str() == "insecure")
        .map(|property| property.value.to_string());
    assert_eq!(
        insecure_property.as_deref(),
        Some("true"),
        "the JUnit properties flag the run:\n{}",
        finished.junit()
    );

    let results = finished.results();
    assert!(results.insecure, "the JSON run is flagged");
    for id in CHECK_IDS {
        assert!(
            check(&results, id).insecure,
            "the JSON check `{id}` is flagged\n{}",
            finished.json()
        );
    }
}

// Console output goes to a pipe here, so it must carry no colour.

#[test]
fn console_plain_when_piped() {
    let (_simulator, finished) = run_scenario(Scenario::ErsDisabled, "internal");
    assert!(
        !finished.stdout.contains('\u{1b}'),
        "stdout contains an escape character:\n{:?}",
        finished.stdout
    );
}

/// `gatecheck run ... | head` closes stdout early. The run must still write its reports and exit
/// with the code of its results, without a panic.
#[test]
fn closed_stdout_keeps_exit_code() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .against(&simulator)
        .execute_with_closed_stdout();

    for name in [JUNIT_FILE, MARKDOWN_FILE, JSON_FILE] {
        assert!(
            finished.folder().join(name).exists(),
            "{name} is missing\n{}",
            finished.transcript()
        );
    }
    assert!(
        !finished.stderr.contains("panicked"),
        "gatecheck panicked:\n{}",
        finished.stderr
    );
    assert_eq!(
        finished.code,
        Some(EXIT_PASSED),
        "exit code\n{}",
        finished.transcript()
    );
}

// The demo: both scenarios, every report, whatever ISE_* variables the shell has.

#[test]
fn demo_writes_every_report() {
    // A real ISE's settings in the environment must not redirect the demo. If they did, the
    // healthy run would connect to this closed port and fail.
    let closed = closed_loopback_port();
    let finished = Gatecheck::new()
        .args(["demo", "--out", "demo"])
        .ise_env(&closed.to_string())
        .execute();
    assert_eq!(
        finished.code,
        Some(EXIT_PASSED),
        "exit code\n{}",
        finished.transcript()
    );

    for scenario in ["healthy", "ers-disabled"] {
        for report in [JUNIT_FILE, MARKDOWN_FILE, JSON_FILE] {
            let path = finished.folder().join("demo").join(scenario).join(report);
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            assert!(
                size > 0,
                "{} is missing or empty\n{}",
                path.display(),
                finished.transcript()
            );
        }
    }

    let healthy = finished.read("demo/healthy/results.json");
    let healthy = gatecheck::report::json::parse(&healthy).expect("healthy results parse");
    assert_eq!(
        healthy.summary.passed,
        CHECK_IDS.len(),
        "every check passes against the healthy simulator\n{}",
        finished.stdout
    );
    let faulty = finished.read("demo/ers-disabled/results.json");
    let faulty = gatecheck::report::json::parse(&faulty).expect("ers-disabled results parse");
    let ers = check(&faulty, "ers");
    assert_eq!(
        ers.diagnosis.as_ref().map(|d| d.id.as_str()),
        Some("ers-not-enabled"),
        "the demo shows the ERS diagnosis\n{}",
        finished.stdout
    );
}

// Snapshots of what a user reads, with what varies between runs and machines redacted.

/// Regex filters for insta: the run's folder, loopback ports, timestamps, durations, the host
/// name and gatecheck's version.
fn redactions(finished: &Finished) -> Vec<(String, String)> {
    let folder = finished.folder().display().to_string();
    let version = regex::escape(env!("CARGO_PKG_VERSION"));
    vec![
        (regex::escape(&folder), "[folder]".to_string()),
        (
            r"127\.0\.0\.1:\d+".to_string(),
            "127.0.0.1:[port]".to_string(),
        ),
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})".to_string(),
            "[timestamp]".to_string(),
        ),
        // The console's duration column: eight characters, right-aligned, replaced whole so
        // that the columns stay aligned whatever the number of digits.
        (
            r"(?: {4}\d| {3}\d{2}| {2}\d{3}) ms|(?: {2}\d| \d{2}|\d{3})\.\d{2} s".to_string(),
            "[duration]".to_string(),
        ),
        (r"\b\d+(\.\d+)? m?s\b".to_string(), "[duration]".to_string()),
        (r"(?m)^(  host +).+$".to_string(), "${1}[host]".to_string()),
        (
            r"\| Host \| `[^`]*` \|".to_string(),
            "| Host | `[host]` |".to_string(),
        ),
        (
            format!(r"(?m)^gatecheck {version}$"),
            "gatecheck [version]".to_string(),
        ),
        (
            format!(r"\| gatecheck \| {version} \|"),
            "| gatecheck | [version] |".to_string(),
        ),
    ]
}

#[test]
fn ers_disabled_console_snapshot() {
    let (_simulator, finished) = run_scenario(Scenario::ErsDisabled, "internal");
    let filters = redactions(&finished);
    let filters: Vec<(&str, &str)> = filters
        .iter()
        .map(|(pattern, replacement)| (pattern.as_str(), replacement.as_str()))
        .collect();
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("ers_disabled_console", finished.stdout);
    });
}

#[test]
fn ers_disabled_markdown_snapshot() {
    let (_simulator, finished) = run_scenario(Scenario::ErsDisabled, "internal");
    let filters = redactions(&finished);
    let filters: Vec<(&str, &str)> = filters
        .iter()
        .map(|(pattern, replacement)| (pattern.as_str(), replacement.as_str()))
        .collect();
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("ers_disabled_markdown", finished.markdown());
    });
}

#[test]
fn five_checks_one_rejected_login() {
    let simulator = Simulator::start(Scenario::BadCredentials);
    let extra = "  - id: ers-page-2\n    request:\n      url: /ers/config/endpointgroup\n      query: { page: 2, size: 10 }\n  - id: mnt-version\n    request:\n      url: /admin/API/mnt/Version\n      headers: { Accept: application/xml }\n";
    let suite = std::fs::read_to_string(ise_suite())
        .expect("the bundled suite is readable")
        .replace("\nhints:\n", &format!("{extra}\nhints:\n"));
    let finished = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .execute();
    let results = finished.results();
    assert_eq!(results.checks.len(), 5, "{}", finished.transcript());
    assert_eq!(simulator.failed_logins(), 1, "{}", finished.transcript());
    let skipped: Vec<&str> = results
        .checks
        .iter()
        .filter(|check| {
            check
                .skip_reason
                .as_deref()
                .is_some_and(|r| r.starts_with("skipped to protect the account from lockout"))
        })
        .map(|check| check.id.as_str())
        .collect();
    assert_eq!(skipped, ["openapi", "mnt", "ers-page-2", "mnt-version"]);
}
