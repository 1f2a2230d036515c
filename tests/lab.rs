//! The lab: nginx plays the API gateway and the firewall in front of the ISE simulator, and the
//! bundled suite runs its `internal` and `external` vantages in one process against it. The
//! vantages differ only in their source address, 127.0.0.1 and 127.0.0.2, which Linux routes
//! to the loopback interface without setup. nginx returns a fault to the external source, as a
//! firewall or reverse proxy would, or the simulator plays a fault of ISE itself, and each test
//! reads the diagnoses from the merged JSON report.
//!
//! NOTE: macOS configures only 127.0.0.1 on its loopback interface, so there the external
//! vantage cannot bind its source address and these tests fail.
//!
//! nginx comes from Debian; `tests/tools/install-nginx` installs it, and a test without it
//! fails with that command in its message.

mod common;

mod lab {
    pub mod gateway;
    pub mod merged;
}

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use common::{Finished, Gatecheck, Simulator};
use gatecheck::mock_ise::Scenario;
use lab::gateway::{Fault, Gateway, GatewayOptions};
use lab::merged::Merged;

const INTERNAL_SOURCE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const EXTERNAL_SOURCE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// The checks of the bundled suite in its order, which is also the order of each case's
/// expectations.
const CHECKS: [&str; 3] = ["ers", "openapi", "mnt"];

const MERGED_FILE: &str = "merged.json";

/// The expected result of one check at one vantage.
#[derive(Clone, Copy, Debug)]
enum Expected {
    Passed,
    /// Not sent, because the credential was rejected with 401 before.
    SkippedForLockout,
    /// Failed (a response arrived) or errored (none did), with this diagnosis.
    Problem(Problem),
}

#[derive(Clone, Copy, Debug)]
struct Problem {
    outcome: &'static str,
    /// The status code or error kind.
    got: &'static str,
    diagnosis: &'static str,
    relation: &'static str,
    compared_with: Option<&'static str>,
    hop: &'static str,
}

/// Returns the expectation for a status that the gateway returns to the external vantage
/// while the check passed at the internal one.
const fn blocked_at_gateway(status: &'static str) -> Expected {
    Expected::Problem(Problem {
        outcome: "failed",
        got: status,
        diagnosis: "external-path-blocked",
        relation: "new",
        compared_with: Some("internal"),
        hop: "gateway",
    })
}

/// Returns the expectation for a fault of ISE, seen first at the internal vantage.
const fn ise_fault(status: &'static str, diagnosis: &'static str) -> Expected {
    Expected::Problem(Problem {
        outcome: "failed",
        got: status,
        diagnosis,
        relation: "first",
        compared_with: None,
        hop: "api",
    })
}

/// Returns the expectation for the same fault of ISE seen again from outside, where the
/// diagnosis is to fix it inside first.
const fn ise_fault_again(status: &'static str) -> Expected {
    Expected::Problem(Problem {
        outcome: "failed",
        got: status,
        diagnosis: "external-path-internal-first",
        relation: "repeated",
        compared_with: Some("internal"),
        hop: "api",
    })
}

/// A connection that the gateway closes without a response. Internal passed, so the suite's
/// rule for a connection cut on the way in applies.
const CLOSED_AT_GATEWAY: Expected = Expected::Problem(Problem {
    outcome: "error",
    got: "closed.early",
    diagnosis: "external-connection-cut",
    relation: "new",
    compared_with: Some("internal"),
    hop: "network",
});

const PASSED: [Expected; 3] = [Expected::Passed; 3];

/// One fault: where it is injected, and what the merged report must contain at each vantage.
struct Case {
    name: &'static str,
    /// A fault that nginx returns to the external source.
    gateway_fault: Option<Fault>,
    /// The simulator's scenario, which both vantages reach through nginx.
    scenario: Scenario,
    internal: [Expected; 3],
    external: [Expected; 3],
    /// Requests that the simulator rejects with 401. At most one, because a rejected credential
    /// is not sent again, not even from a later vantage.
    failed_logins: u64,
}

const CASES: [Case; 7] = [
    Case {
        name: "gateway-403",
        gateway_fault: Some(Fault::Forbidden),
        scenario: Scenario::Healthy,
        internal: PASSED,
        external: [blocked_at_gateway("403"); 3],
        failed_logins: 0,
    },
    Case {
        name: "gateway-404",
        gateway_fault: Some(Fault::NotFound),
        scenario: Scenario::Healthy,
        internal: PASSED,
        external: [blocked_at_gateway("404"); 3],
        failed_logins: 0,
    },
    Case {
        name: "gateway-302-login",
        gateway_fault: Some(Fault::RedirectToLogin),
        scenario: Scenario::Healthy,
        internal: PASSED,
        external: [blocked_at_gateway("302"); 3],
        failed_logins: 0,
    },
    Case {
        name: "gateway-closes",
        gateway_fault: Some(Fault::CloseConnection),
        scenario: Scenario::Healthy,
        internal: PASSED,
        external: [CLOSED_AT_GATEWAY; 3],
        failed_logins: 0,
    },
    Case {
        name: "ise-ers-disabled",
        gateway_fault: None,
        scenario: Scenario::ErsDisabled,
        internal: [
            ise_fault("302", "ers-not-enabled"),
            Expected::Passed,
            Expected::Passed,
        ],
        external: [ise_fault_again("302"), Expected::Passed, Expected::Passed],
        failed_logins: 0,
    },
    Case {
        name: "ise-not-routed",
        gateway_fault: None,
        scenario: Scenario::NotRouted,
        internal: [ise_fault("404", "internal-not-routed"); 3],
        external: [ise_fault_again("404"); 3],
        failed_logins: 0,
    },
    Case {
        name: "ise-bad-credentials",
        gateway_fault: None,
        scenario: Scenario::BadCredentials,
        internal: [
            ise_fault("401", "api-user-rejected"),
            Expected::SkippedForLockout,
            Expected::SkippedForLockout,
        ],
        external: [Expected::SkippedForLockout; 3],
        failed_logins: 1,
    },
];

/// The lab's simulator, gateway, and the finished run of both vantages.
struct Lab {
    simulator: Simulator,
    gateway: Gateway,
    finished: Finished,
    merged: Merged,
}

impl Lab {
    /// Starts the simulator and nginx in front of it, then runs both vantages in one process.
    fn run(scenario: Scenario, gateway_fault: Option<Fault>) -> Lab {
        let simulator = Simulator::start(scenario);
        let upstream: SocketAddr = simulator
            .host()
            .parse()
            .expect("the simulator's host is an address");
        let gateway = Gateway::start(&GatewayOptions {
            upstream,
            fault: gateway_fault.map(|fault| (EXTERNAL_SOURCE, fault)),
        });

        let invocation = Gatecheck::new();
        std::fs::write(invocation.folder().join("suite.yaml"), lab_suite(&gateway))
            .expect("the lab suite is written");
        let finished = invocation
            .ise_env(&gateway.host())
            .args(["run", "suite.yaml", "--vantage", "internal"])
            .args(["--vantage", "external", "--json", MERGED_FILE])
            .arg("--ca-file")
            .arg(gateway.ca_file())
            .execute();
        let merged = Merged::parse(&finished.read(MERGED_FILE));
        Lab {
            simulator,
            gateway,
            finished,
            merged,
        }
    }

    /// Formats the run's transcript and nginx's logs for failure messages.
    fn context(&self) -> String {
        format!("{}\n{}", self.finished.transcript(), self.gateway.logs())
    }

    /// Returns the lines of nginx's access log that start with `source`.
    fn requests_from(&self, source: IpAddr) -> Vec<String> {
        let prefix = format!("{source} ");
        self.gateway
            .access_log()
            .lines()
            .filter(|line| line.starts_with(&prefix))
            .map(str::to_string)
            .collect()
    }
}

/// Returns the bundled suite with both vantages pointed at the gateway, each from its own
/// source address.
fn lab_suite(gateway: &Gateway) -> String {
    let bundled =
        std::fs::read_to_string(common::ise_suite()).expect("the bundled suite is readable");
    let mut suite = bundled.clone();
    for (vantage, source) in [("internal", INTERNAL_SOURCE), ("external", EXTERNAL_SOURCE)] {
        let entry = format!("  - name: {vantage}\n");
        assert!(
            suite.contains(&entry),
            "the bundled suite has the vantage entry {entry:?}:\n{bundled}"
        );
        suite = suite.replace(
            &entry,
            &format!(
                "{entry}    base_url: https://{}\n    local_address: {source}\n",
                gateway.host()
            ),
        );
    }
    suite
}

/// Runs the case of `CASES` named `name` and asserts the merged report of both vantages.
fn run_case(name: &str) {
    let case = CASES
        .iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("the table has a case named {name}"));
    let lab = Lab::run(case.scenario, case.gateway_fault);

    assert_eq!(
        lab.finished.code,
        Some(1),
        "{name}: a failing check makes the exit code 1\n{}",
        lab.context()
    );
    assert_eq!(
        lab.merged.format(),
        Some("gatecheck-merged"),
        "{name}: two vantages write the merged format\n{}",
        lab.finished.read(MERGED_FILE)
    );
    assert_eq!(
        lab.merged.vantages(),
        ["internal", "external"],
        "{name}: runs in the suite's order\n{}",
        lab.finished.read(MERGED_FILE)
    );

    let expected_first_failing = if case
        .internal
        .iter()
        .any(|expected| matches!(expected, Expected::Problem(_)))
    {
        "internal"
    } else {
        "external"
    };
    assert_eq!(
        lab.merged.first_failing_vantage(),
        Some(expected_first_failing),
        "{name}: diagnosis.first_failing_vantage\n{}",
        lab.context()
    );

    for (vantage, expectations) in [("internal", &case.internal), ("external", &case.external)] {
        for (check, expected) in CHECKS.iter().zip(expectations) {
            assert_cell(&lab, name, vantage, check, *expected);
        }
    }

    if let Some(fault) = case.gateway_fault {
        // nginx's access log format puts the status right after the request line's quote.
        let status = format!("\" {} ", fault.logged_status());
        let faulted = lab
            .requests_from(EXTERNAL_SOURCE)
            .iter()
            .filter(|line| line.contains(&status))
            .count();
        assert_eq!(
            faulted,
            CHECKS.len(),
            "{name}: nginx logged status {} for each check from {EXTERNAL_SOURCE}\n{}",
            fault.logged_status(),
            lab.context()
        );
    }
    assert_eq!(
        lab.simulator.failed_logins(),
        case.failed_logins,
        "{name}: requests the simulator rejected with 401\n{}",
        lab.context()
    );
}

/// Asserts the merged report's fields for one check at one vantage, one assert per field.
fn assert_cell(lab: &Lab, case: &str, vantage: &str, check: &str, expected: Expected) {
    let observed = lab.merged.observed(vantage, check);
    let context = format!(
        "{case}: check `{check}` at vantage `{vantage}`, expected {expected:?}\n\
         --- merged JSON excerpt\n{}\n{}",
        lab.merged.excerpt(vantage, check),
        lab.gateway.logs()
    );
    match expected {
        Expected::Passed => {
            assert_eq!(observed.outcome.as_deref(), Some("passed"), "{context}");
        }
        Expected::SkippedForLockout => {
            assert_eq!(observed.outcome.as_deref(), Some("skipped"), "{context}");
            assert!(
                observed
                    .skip_reason
                    .as_deref()
                    .is_some_and(|reason| reason.contains("protect the account from lockout")),
                "skip reason names the lockout: {context}"
            );
        }
        Expected::Problem(problem) => {
            assert_eq!(
                observed.outcome.as_deref(),
                Some(problem.outcome),
                "{context}"
            );
            assert_eq!(observed.got.as_deref(), Some(problem.got), "{context}");
            assert_eq!(
                observed.diagnosis.as_deref(),
                Some(problem.diagnosis),
                "runs[].checks[].diagnosis.id: {context}"
            );
            let finding = observed.finding.unwrap_or_else(|| {
                panic!("diagnosis.findings has an entry for the check: {context}")
            });
            assert_eq!(
                finding.diagnosis.as_deref(),
                Some(problem.diagnosis),
                "diagnosis.findings[].diagnosis.id: {context}"
            );
            assert_eq!(
                finding.relation.as_deref(),
                Some(problem.relation),
                "diagnosis.findings[].relation: {context}"
            );
            assert_eq!(
                finding.compared_with.as_deref(),
                problem.compared_with,
                "diagnosis.findings[].compared_with: {context}"
            );
            assert_eq!(
                finding.hop.as_deref(),
                Some(problem.hop),
                "diagnosis.findings[].hop: {context}"
            );
        }
    }
}

#[test]
fn healthy_passes_both_vantages() {
    let lab = Lab::run(Scenario::Healthy, None);

    assert_eq!(lab.finished.code, Some(0), "{}", lab.context());
    for vantage in ["internal", "external"] {
        for check in CHECKS {
            assert_cell(&lab, "healthy", vantage, check, Expected::Passed);
        }
    }
    assert_eq!(
        lab.merged.first_failing_vantage(),
        None,
        "no vantage fails\n{}",
        lab.context()
    );
}

#[test]
fn vantages_use_own_source() {
    let lab = Lab::run(Scenario::Healthy, None);

    for source in [INTERNAL_SOURCE, EXTERNAL_SOURCE] {
        assert_eq!(
            lab.requests_from(source).len(),
            CHECKS.len(),
            "nginx logged each check once from {source}\n{}",
            lab.context()
        );
    }
}

#[test]
fn gateway_403() {
    run_case("gateway-403");
}

#[test]
fn gateway_404() {
    run_case("gateway-404");
}

#[test]
fn gateway_302_login() {
    run_case("gateway-302-login");
}

#[test]
fn gateway_closes() {
    run_case("gateway-closes");
}

#[test]
fn ise_ers_disabled() {
    run_case("ise-ers-disabled");
}

#[test]
fn ise_not_routed() {
    run_case("ise-not-routed");
}

#[test]
fn ise_bad_credentials() {
    run_case("ise-bad-credentials");
}
