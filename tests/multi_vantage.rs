//! Several vantages in one process: `run --vantage A --vantage B` runs them in the suite's
//! order and writes the combined reports that `merge` writes.

mod common;

use common::{Gatecheck, Simulator, ise_suite};
use gatecheck::mock_ise::Scenario;
use gatecheck::results::Outcome;

/// The bundled suite with a base URL per vantage, so that each vantage reaches its own
/// simulator, as two network paths to one gateway would.
fn suite_with_paths(internal: &Simulator, external: &Simulator) -> String {
    std::fs::read_to_string(ise_suite())
        .expect("the bundled suite is readable")
        .replace(
            "  - name: internal\n",
            &format!(
                "  - name: internal\n    base_url: https://{}\n",
                internal.host()
            ),
        )
        .replace(
            "  - name: external\n",
            &format!(
                "  - name: external\n    base_url: https://{}\n",
                external.host()
            ),
        )
}

fn merged(finished: &common::Finished) -> serde_json::Value {
    serde_json::from_str(&finished.json()).expect("the merged JSON parses")
}

#[test]
fn two_vantages_merge_in_suite_order() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run(&ise_suite(), "external")
        .against(&simulator)
        .args(["--vantage", "internal"])
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    let merged = merged(&finished);
    assert_eq!(merged["format"], "gatecheck-merged");
    assert_eq!(merged["vantages"][0]["name"], "internal");
    assert_eq!(merged["vantages"][1]["name"], "external");
    let junit = finished.junit_report();
    assert_eq!(junit.test_suites.len(), 2, "{}", finished.junit());
    assert!(
        finished.markdown().contains("internal"),
        "{}",
        finished.markdown()
    );
}

#[test]
fn later_vantage_diagnosed_against_earlier() {
    let internal = Simulator::start(Scenario::Healthy);
    let external = Simulator::start(Scenario::ErsDisabled);
    let finished = Gatecheck::run_text(&suite_with_paths(&internal, &external), "internal")
        .args(["--vantage", "external", "--ca-file"])
        .arg(internal.ca_file())
        .arg("--ca-file")
        .arg(external.ca_file())
        .env("ISE_HOST", internal.host())
        .env("ISE_API_USER", common::API_USER)
        .env("ISE_API_PASSWORD", common::CANARY_PASSWORD)
        .execute();
    assert_eq!(finished.code, Some(1), "{}", finished.transcript());
    let merged = merged(&finished);
    let external_run = &merged["runs"][1];
    assert_eq!(external_run["vantage"]["name"], "external");
    let ers = &external_run["checks"][0];
    assert_eq!(ers["id"], "ers");
    assert_eq!(
        ers["diagnosis"]["id"],
        "external-path-blocked",
        "ERS passed at internal in the same process: {}",
        finished.transcript()
    );
}

#[test]
fn rejected_credential_not_sent_at_later_vantage() {
    let simulator = Simulator::start(Scenario::BadCredentials);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .against(&simulator)
        .args(["--vantage", "external"])
        .execute();
    assert_eq!(finished.code, Some(1), "{}", finished.transcript());
    assert_eq!(simulator.failed_logins(), 1, "{}", finished.transcript());
    let merged = merged(&finished);
    let runs = merged["runs"].as_array().expect("runs");
    let external: Vec<gatecheck::results::CheckResult> =
        serde_json::from_value(runs[1]["checks"].clone()).expect("external checks parse");
    for check in &external {
        assert_eq!(check.outcome, Outcome::Skipped, "{}: {check:?}", check.id);
        assert_eq!(
            check.skip_reason.as_deref(),
            Some(
                "skipped to protect the account from lockout: check `ers` at vantage `internal` got 401 with the same credentials"
            ),
        );
    }
}

#[test]
fn duplicate_vantage_is_usage_error() {
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .ise_env("127.0.0.1:9")
        .args(["--vantage", "internal"])
        .execute();
    assert_eq!(finished.code, Some(2), "{}", finished.transcript());
    assert!(
        finished
            .stderr
            .contains("--vantage internal is given twice"),
        "{}",
        finished.transcript()
    );
}
