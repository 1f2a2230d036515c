//! The JUnit report of real runs, read back by two JUnit readers that gatecheck does not
//! control: quick-junit's reader and Python's junitparser. Both must find the counts and the
//! test case results that the JSON report of the same run records.
//!
//! junitparser is required: when it is missing, these tests fail with the command that
//! installs it, because a skipped test would hide a report that CI systems cannot read.

mod common;

use std::path::Path;
use std::process::Command;

use gatecheck::mock_ise::Scenario;
use gatecheck::results::{Outcome, RunResults};
use quick_junit::{NonSuccessKind, TestCaseStatus};
use serde::Deserialize;

use common::{Finished, Gatecheck, JUNIT_FILE, Simulator, closed_loopback_port, ise_suite};

/// The Python reader, next to this file.
const JUNITPARSER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/junit_check.py");

/// Exit status of the script when junitparser cannot be imported.
const EXIT_NOT_INSTALLED: i32 = 3;

const INSTALL_HINT: &str = "run `pip install junitparser`, or tests/run-all, which installs it";

#[derive(Debug, Default, PartialEq, Eq, Deserialize)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

/// One test case as a reader sees it.
#[derive(Debug, PartialEq, Eq, Deserialize)]
struct Case {
    classname: Option<String>,
    name: String,
    /// `passed`, `failed`, `error` or `skipped`, as [`Outcome::as_str`] spells them.
    outcome: String,
    /// The message of a `<skipped>` element.
    skip_reason: Option<String>,
}

/// What one JUnit reader found in a report.
#[derive(Debug, Deserialize)]
struct Reading {
    /// The counts in the report's attributes.
    declared: Counts,
    /// The counts of the test cases the report contains.
    counted: Counts,
    cases: Vec<Case>,
}

fn expected_counts(results: &RunResults) -> Counts {
    Counts {
        tests: results.summary.total,
        failures: results.summary.failed,
        errors: results.summary.errors,
        skipped: results.summary.skipped,
    }
}

fn expected_cases(results: &RunResults) -> Vec<Case> {
    let classname = format!("{}.{}", results.suite.id, results.vantage.name);
    results
        .checks
        .iter()
        .map(|check| Case {
            classname: Some(classname.clone()),
            name: format!("{}: {}", check.id, check.name),
            outcome: check.outcome.as_str().to_string(),
            skip_reason: check.skip_reason.clone(),
        })
        .collect()
}

/// Asserts that a reader found what the JSON report of the same run records.
fn assert_reading_matches(reader: &str, reading: &Reading, finished: &Finished) {
    let results = finished.results();
    let expected = expected_counts(&results);
    assert_eq!(
        reading.declared,
        expected,
        "{reader}: counts declared in the attributes\n{}",
        finished.junit()
    );
    assert_eq!(
        reading.counted,
        expected,
        "{reader}: counts of the test cases\n{}",
        finished.junit()
    );
    assert_eq!(
        reading.cases,
        expected_cases(&results),
        "{reader}: test cases in suite order\n{}",
        finished.junit()
    );
}

fn read_with_quick_junit(finished: &Finished) -> Reading {
    let report = finished.junit_report();
    let declared = Counts {
        tests: report.tests,
        failures: report.failures,
        errors: report.errors,
        skipped: report.skipped,
    };
    let mut counted = Counts::default();
    let mut cases = Vec::new();
    for suite in &report.test_suites {
        for case in &suite.test_cases {
            let mut skip_reason = None;
            let outcome = match &case.status {
                TestCaseStatus::Success { .. } => Outcome::Passed,
                TestCaseStatus::NonSuccess {
                    kind: NonSuccessKind::Failure,
                    ..
                } => Outcome::Failed,
                TestCaseStatus::NonSuccess {
                    kind: NonSuccessKind::Error,
                    ..
                } => Outcome::Error,
                TestCaseStatus::Skipped { message, .. } => {
                    skip_reason = message.as_ref().map(|m| m.to_string());
                    Outcome::Skipped
                }
            };
            counted.tests += 1;
            match outcome {
                Outcome::Passed => {}
                Outcome::Failed => counted.failures += 1,
                Outcome::Error => counted.errors += 1,
                Outcome::Skipped => counted.skipped += 1,
            }
            cases.push(Case {
                classname: case.classname.as_ref().map(|c| c.to_string()),
                name: case.name.to_string(),
                outcome: outcome.as_str().to_string(),
                skip_reason,
            });
        }
    }
    Reading {
        declared,
        counted,
        cases,
    }
}

/// Reads the report with Python's junitparser through `tests/junit_check.py`.
fn read_with_junitparser(junit: &Path) -> Reading {
    let output = Command::new("python3")
        .arg(JUNITPARSER_SCRIPT)
        .arg(junit)
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run python3 ({error}): install Python 3, then {INSTALL_HINT}")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(EXIT_NOT_INSTALLED) {
        panic!("Python's junitparser is missing: {INSTALL_HINT}\n{stderr}");
    }
    assert!(
        output.status.success(),
        "junit_check.py failed with {}:\n{stderr}",
        output.status
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("junit_check.py printed invalid JSON ({error}):\n{stdout}"))
}

fn ers_disabled_run() -> Finished {
    let simulator = Simulator::start(Scenario::ErsDisabled);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .against(&simulator)
        .execute();
    assert_eq!(
        finished.code,
        Some(1),
        "exit code\n{}",
        finished.transcript()
    );
    finished
}

/// Runs a suite whose checks pass, fail on the status, fail on the body, get no response from a
/// closed port, and are skipped for another vantage and for a failed dependency.
fn mixed_run() -> Finished {
    let simulator = Simulator::start(Scenario::Healthy);
    let closed = closed_loopback_port();
    let suite = format!(
        r#"id: mixed-outcomes
name: Mixed outcomes
variables:
  HOST: "{host}"
defaults:
  base_url: https://${{HOST}}
vantages:
  - name: lab
    description: The test machine, on loopback.
  - name: elsewhere
    description: A vantage this test never runs from.
checks:
  - id: login-page
    name: Admin login page loads
    request:
      url: /admin/login.jsp
    expect:
      status: 200
  - id: ers-anonymous
    name: ERS answers without credentials
    request:
      url: /ers/config/endpointgroup
    expect:
      status: 200
  - id: login-page-product
    name: Login page names another product
    request:
      url: /admin/login.jsp
    expect:
      body:
        - contains: Prime Infrastructure
  - id: closed-port
    name: Nothing listens on this port
    request:
      url: https://{closed}/
  - id: elsewhere-only
    name: Runs only from elsewhere
    vantages: [elsewhere]
    request:
      url: /admin/login.jsp
  - id: after-ers
    name: Needs the ERS check
    depends_on: [ers-anonymous]
    request:
      url: /admin/login.jsp
"#,
        host = simulator.host(),
    );
    let finished = Gatecheck::run_text(&suite, "lab")
        .arg("--ca-file")
        .arg(simulator.ca_file())
        .execute();
    assert_eq!(
        finished.code,
        Some(1),
        "exit code\n{}",
        finished.transcript()
    );

    let results = finished.results();
    let outcomes: Vec<Outcome> = results.checks.iter().map(|check| check.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Passed,
            Outcome::Failed,
            Outcome::Failed,
            Outcome::Error,
            Outcome::Skipped,
            Outcome::Skipped,
        ],
        "the mixed suite produces every outcome it was written for\n{}",
        finished.transcript()
    );
    finished
}

#[test]
fn ers_disabled_quick_junit_agrees() {
    let finished = ers_disabled_run();
    let reading = read_with_quick_junit(&finished);
    assert_reading_matches("quick-junit", &reading, &finished);
}

#[test]
fn ers_disabled_junitparser_agrees() {
    let finished = ers_disabled_run();
    let reading = read_with_junitparser(&finished.folder().join(JUNIT_FILE));
    assert_reading_matches("junitparser", &reading, &finished);
}

#[test]
fn mixed_run_quick_junit_agrees() {
    let finished = mixed_run();
    let reading = read_with_quick_junit(&finished);
    assert_reading_matches("quick-junit", &reading, &finished);
}

#[test]
fn mixed_run_junitparser_agrees() {
    let finished = mixed_run();
    let reading = read_with_junitparser(&finished.folder().join(JUNIT_FILE));
    assert_reading_matches("junitparser", &reading, &finished);
}
