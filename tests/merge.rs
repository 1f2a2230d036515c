//! End-to-end tests of `gatecheck merge`: the bundled ISE suite run by the real binary from
//! three vantages against the simulator on loopback, then merged as a CI job would.
//!
//! The main case: the internal vantage reaches a healthy ISE, while external and cloud reach
//! one whose gateway redirects ERS. So ERS passes from inside and fails from outside, which
//! points at the path from outside.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gatecheck::merge::format::{MergedResults, Relation};
use gatecheck::mock_ise::Scenario;
use serde_json::Value;

use common::{Finished, Gatecheck, JSON_FILE, Simulator, ise_suite};

/// Exit codes from the README.
const EXIT_PASSED: i32 = 0;
const EXIT_FAILED: i32 = 1;
const EXIT_USAGE: i32 = 2;

const MERGED_JUNIT: &str = "merged.xml";
const MERGED_MARKDOWN: &str = "merged.md";
const MERGED_JSON: &str = "merged.json";

/// Runs of the bundled suite, one per vantage, kept so that their results files exist.
struct Runs {
    internal: Finished,
    external: Finished,
    cloud: Finished,
}

impl Runs {
    fn results(&self, vantage: &str) -> PathBuf {
        let finished = match vantage {
            "internal" => &self.internal,
            "external" => &self.external,
            _ => &self.cloud,
        };
        finished.folder().join(JSON_FILE)
    }
}

fn run_at(simulator: &Simulator, vantage: &str) -> Finished {
    let finished = Gatecheck::run(&ise_suite(), vantage)
        .against(simulator)
        .execute();
    assert!(
        matches!(finished.code, Some(EXIT_PASSED | EXIT_FAILED)),
        "the run at {vantage} finishes with results\n{}",
        finished.transcript()
    );
    finished
}

/// Internal passes against a healthy ISE; external and cloud get the ERS redirect.
fn split_runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let healthy = Simulator::start(Scenario::Healthy);
        let redirecting = Simulator::start(Scenario::ErsDisabled);
        Runs {
            internal: run_at(&healthy, "internal"),
            external: run_at(&redirecting, "external"),
            cloud: run_at(&redirecting, "cloud"),
        }
    })
}

/// Starts `gatecheck merge` on `results` with all three reports requested.
fn merge(results: &[PathBuf]) -> Gatecheck {
    Gatecheck::new().arg("merge").args(results).args([
        "--junit",
        MERGED_JUNIT,
        "--markdown",
        MERGED_MARKDOWN,
        "--json",
        MERGED_JSON,
    ])
}

/// Merges the split runs with the suite file once for all tests, given out of vantage order.
fn merged() -> &'static Finished {
    static MERGED: OnceLock<Finished> = OnceLock::new();
    MERGED.get_or_init(|| {
        let runs = split_runs();
        merge(&[
            runs.results("cloud"),
            runs.results("internal"),
            runs.results("external"),
        ])
        .arg("--suite")
        .arg(ise_suite())
        .execute()
    })
}

fn merged_results(finished: &Finished) -> MergedResults {
    let text = finished.read(MERGED_JSON);
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("the merged JSON parses: {error}\n{text}"))
}

fn assert_line(text: &str, expected: &str) {
    assert!(
        text.lines().any(|line| line == expected),
        "no line {expected:?} in:\n{text}"
    );
}

/// Writes a copy of the results file at `source` with `change` applied, and returns its path.
fn edited_copy(
    source: &Path,
    folder: &Path,
    name: &str,
    change: impl FnOnce(&mut Value),
) -> PathBuf {
    let text = std::fs::read_to_string(source).expect("the results file is readable");
    let mut value: Value = serde_json::from_str(&text).expect("the results file is JSON");
    change(&mut value);
    let path = folder.join(name);
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&value).expect("JSON serializes"),
    )
    .expect("the copy is written");
    path
}

// The merged reports

#[test]
fn merge_exits_failed() {
    let finished = merged();
    assert_eq!(
        finished.code,
        Some(EXIT_FAILED),
        "{}",
        finished.transcript()
    );
}

#[test]
fn merge_names_first_failing() {
    let finished = merged();
    assert!(
        finished.stdout.contains("first failing vantage: external"),
        "{}",
        finished.transcript()
    );
}

#[test]
fn matrix_rows_per_check() {
    let markdown = merged().read(MERGED_MARKDOWN);
    assert_line(&markdown, "| Check | `internal` | `external` | `cloud` |");
    assert_line(
        &markdown,
        "| `ers` ERS lists endpoint groups | ✅ `200` | ❌ `302` | ❌ `302` |",
    );
    assert_line(
        &markdown,
        "| `openapi` Open API filters endpoints | ✅ `200` | ✅ `200` | ✅ `200` |",
    );
    assert_line(
        &markdown,
        "| `mnt` MnT answers a session lookup | ✅ `500` | ✅ `500` | ✅ `500` |",
    );
}

#[test]
fn matrix_has_legend() {
    let markdown = merged().read(MERGED_MARKDOWN);
    assert_line(&markdown, gatecheck::merge::markdown::LEGEND);
}

#[test]
fn markdown_says_look_first() {
    let markdown = merged().read(MERGED_MARKDOWN);
    assert!(
        markdown.contains("**First failing vantage: `external` — look here first.**"),
        "{markdown}"
    );
}

#[test]
fn markdown_relates_later_failure() {
    let markdown = merged().read(MERGED_MARKDOWN);
    assert!(
        markdown.contains("It also fails at `external`: fix it there first."),
        "{markdown}"
    );
}

#[test]
fn runs_in_suite_order() {
    let merged = merged_results(merged());
    let vantages: Vec<&str> = merged
        .runs
        .iter()
        .map(|run| run.vantage.name.as_str())
        .collect();
    assert_eq!(vantages, ["internal", "external", "cloud"]);
}

#[test]
fn diagnosis_ids_in_vantage_order() {
    let merged = merged_results(merged());
    let findings: Vec<(&str, &str, Option<&str>)> = merged
        .diagnosis
        .findings
        .iter()
        .map(|finding| {
            (
                finding.vantage.as_str(),
                finding.check.as_str(),
                finding.diagnosis.as_ref().map(|d| d.id.as_str()),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            ("external", "ers", Some("external-path-blocked")),
            ("cloud", "ers", Some("cloud-path-external-first")),
        ]
    );
}

#[test]
fn relations_compare_earlier_vantages() {
    let merged = merged_results(merged());
    let relations: Vec<(Relation, Option<&str>)> = merged
        .diagnosis
        .findings
        .iter()
        .map(|finding| (finding.relation, finding.compared_with.as_deref()))
        .collect();
    assert_eq!(
        relations,
        [
            (Relation::New, Some("internal")),
            (Relation::Repeated, Some("external")),
        ]
    );
}

#[test]
fn runs_carry_new_diagnosis() {
    // The external run alone could not know that internal passed; merged, it does.
    let merged = merged_results(merged());
    let external = &merged.runs[1];
    let diagnosis = external.checks[0].diagnosis.as_ref().map(|d| d.id.as_str());
    assert_eq!(diagnosis, Some("external-path-blocked"));
}

#[test]
fn first_failing_vantage_recorded() {
    let merged = merged_results(merged());
    assert_eq!(
        merged.diagnosis.first_failing_vantage.as_deref(),
        Some("external")
    );
}

#[test]
fn mermaid_block_present() {
    let markdown = merged().read(MERGED_MARKDOWN);
    assert!(
        markdown.contains("```mermaid\nflowchart LR\n"),
        "{markdown}"
    );
}

#[test]
fn mermaid_marks_external_hop() {
    let markdown = merged().read(MERGED_MARKDOWN);
    assert_line(&markdown, "  v1_gateway ==> v1_c0");
    assert_line(
        &markdown,
        "  class v1_gateway,v1_c0,v2_gateway,v2_c0 failed",
    );
}

#[test]
fn mermaid_styles_failing_links() {
    let markdown = merged().read(MERGED_MARKDOWN);
    assert_line(&markdown, "  linkStyle 5,9 stroke:#c62828,stroke-width:3px");
}

#[test]
fn junit_suite_per_vantage() {
    let text = merged().read(MERGED_JUNIT);
    let report = quick_junit::Report::deserialize_from_str(&text)
        .unwrap_or_else(|error| panic!("the merged JUnit parses: {error}\n{text}"));
    let suites: Vec<(&str, usize)> = report
        .test_suites
        .iter()
        .map(|suite| (suite.name.as_str(), suite.test_cases.len()))
        .collect();
    assert_eq!(
        suites,
        [
            ("ise-api-gateway.internal", 3),
            ("ise-api-gateway.external", 3),
            ("ise-api-gateway.cloud", 3),
        ]
    );
}

#[test]
fn json_matches_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let read = |name: &str| -> Value {
        let text = std::fs::read_to_string(root.join(name)).expect("the schema is readable");
        serde_json::from_str(&text).expect("the schema is JSON")
    };
    let base = format!("file://{}/", root.display());
    let retriever = SchemaFiles {
        uri: format!("{base}results.schema.json"),
        schema: read("results.schema.json"),
    };
    let validator = jsonschema::options()
        .with_base_uri(format!("{base}merged.schema.json"))
        .with_retriever(retriever)
        .build(&read("merged.schema.json"))
        .expect("the merged schema compiles");
    let report: Value =
        serde_json::from_str(&merged().read(MERGED_JSON)).expect("the merged report is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
}

/// Serves `results.schema.json`, which the merged schema refers to, from memory.
struct SchemaFiles {
    uri: String,
    schema: Value,
}

impl jsonschema::Retrieve for SchemaFiles {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str() == self.uri {
            Ok(self.schema.clone())
        } else {
            Err(format!("no schema at {uri}").into())
        }
    }
}

// Hand runs with --baseline

#[test]
fn baseline_gives_precise_hint() {
    let runs = split_runs();
    let redirecting = Simulator::start(Scenario::ErsDisabled);
    let finished = Gatecheck::run(&ise_suite(), "external")
        .against(&redirecting)
        .arg("--baseline")
        .arg(runs.results("internal"))
        .execute();
    let results = finished.results();
    let diagnosis = results.checks[0].diagnosis.as_ref().map(|d| d.id.as_str());
    assert_eq!(
        diagnosis,
        Some("external-path-blocked"),
        "{}",
        finished.transcript()
    );
}

// Every vantage passes

#[test]
fn all_passed_exits_zero() {
    let healthy = Simulator::start(Scenario::Healthy);
    let internal = run_at(&healthy, "internal");
    let external = run_at(&healthy, "external");
    let finished = merge(&[
        internal.folder().join(JSON_FILE),
        external.folder().join(JSON_FILE),
    ])
    .execute();
    assert_eq!(
        finished.code,
        Some(EXIT_PASSED),
        "{}",
        finished.transcript()
    );
    let markdown = finished.read(MERGED_MARKDOWN);
    assert!(
        markdown.contains("Every check passed or was skipped at every vantage."),
        "{markdown}"
    );
}

// Inputs that do not belong together

#[test]
fn different_suites_rejected() {
    let runs = split_runs();
    let folder = tempfile::tempdir().expect("a temporary folder");
    let other = edited_copy(
        &runs.results("external"),
        folder.path(),
        "other.json",
        |value| {
            value["suite"]["id"] = Value::from("other-suite");
        },
    );
    let internal = runs.results("internal");
    let finished = merge(&[internal.clone(), other.clone()]).execute();
    assert_eq!(finished.code, Some(EXIT_USAGE), "{}", finished.transcript());
    assert!(
        finished.stderr.contains(&internal.display().to_string()),
        "the error names the first file\n{}",
        finished.stderr
    );
    assert!(
        finished.stderr.contains(&other.display().to_string()),
        "the error names the second file\n{}",
        finished.stderr
    );
    assert!(
        finished
            .stderr
            .contains("suite `ise-api-gateway` version 1")
            && finished.stderr.contains("suite `other-suite` version 1"),
        "the error names both suites\n{}",
        finished.stderr
    );
}

#[test]
fn different_versions_rejected() {
    let runs = split_runs();
    let folder = tempfile::tempdir().expect("a temporary folder");
    let newer = edited_copy(
        &runs.results("external"),
        folder.path(),
        "newer.json",
        |value| {
            value["suite"]["version"] = Value::from("2");
        },
    );
    let finished = merge(&[runs.results("internal"), newer]).execute();
    assert_eq!(finished.code, Some(EXIT_USAGE), "{}", finished.transcript());
    assert!(
        finished.stderr.contains("version 2"),
        "the error names the other version\n{}",
        finished.stderr
    );
}

#[test]
fn same_vantage_twice_rejected() {
    let runs = split_runs();
    let folder = tempfile::tempdir().expect("a temporary folder");
    let again = edited_copy(
        &runs.results("internal"),
        folder.path(),
        "again.json",
        |value| {
            value["host"] = Value::from("second-runner");
        },
    );
    let finished = merge(&[runs.results("internal"), again.clone()]).execute();
    assert_eq!(finished.code, Some(EXIT_USAGE), "{}", finished.transcript());
    assert!(
        finished.stderr.contains("both from vantage `internal`"),
        "{}",
        finished.stderr
    );
    assert!(
        finished.stderr.contains(&again.display().to_string()),
        "the error names the second file\n{}",
        finished.stderr
    );
}

#[test]
fn suite_file_mismatch_rejected() {
    let runs = split_runs();
    let folder = tempfile::tempdir().expect("a temporary folder");
    let suite = folder.path().join("other.yaml");
    std::fs::write(
        &suite,
        "name: Other\nvantages: [internal]\nchecks:\n  - id: ers\n    request:\n      url: https://ise.example.com/ers\n",
    )
    .expect("the suite file is written");
    let finished = merge(&[runs.results("internal")])
        .arg("--suite")
        .arg(&suite)
        .execute();
    assert_eq!(finished.code, Some(EXIT_USAGE), "{}", finished.transcript());
    assert!(
        finished.stderr.contains("suite `other` without a version"),
        "{}",
        finished.stderr
    );
}

#[test]
fn not_json_rejected() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("report.xml");
    std::fs::write(&path, "<testsuites/>").expect("the file is written");
    let finished = merge(std::slice::from_ref(&path)).execute();
    assert_eq!(finished.code, Some(EXIT_USAGE), "{}", finished.transcript());
    assert!(
        finished.stderr.contains(&path.display().to_string()),
        "{}",
        finished.stderr
    );
}

// Without a suite file

#[test]
fn missing_suite_keeps_given_order() {
    let runs = split_runs();
    let folder = tempfile::tempdir().expect("a temporary folder");
    let moved = |vantage: &str| {
        edited_copy(
            &runs.results(vantage),
            folder.path(),
            &format!("{vantage}.json"),
            |value| {
                value["suite"]["path"] = Value::from("moved-away/ise-api-gateway.yaml");
            },
        )
    };
    let finished = merge(&[moved("external"), moved("internal")]).execute();
    assert_eq!(
        finished.code,
        Some(EXIT_FAILED),
        "{}",
        finished.transcript()
    );
    let merged = merged_results(&finished);
    let vantages: Vec<&str> = merged
        .runs
        .iter()
        .map(|run| run.vantage.name.as_str())
        .collect();
    assert_eq!(vantages, ["external", "internal"]);
    assert!(
        merged
            .notes
            .iter()
            .any(|note| note.contains("No suite file was found")),
        "{:?}",
        merged.notes
    );
    // Without the suite's rules, the external run keeps the diagnosis it chose alone.
    let diagnosis = merged.runs[0].checks[0]
        .diagnosis
        .as_ref()
        .map(|d| d.id.as_str());
    assert_eq!(diagnosis, Some("external-path-internal-first"));
}

#[test]
fn recorded_suite_path_used() {
    // The runs recorded the suite's absolute path, which exists here.
    let runs = split_runs();
    let finished = merge(&[runs.results("external"), runs.results("internal")]).execute();
    let merged = merged_results(&finished);
    let vantages: Vec<&str> = merged
        .runs
        .iter()
        .map(|run| run.vantage.name.as_str())
        .collect();
    assert_eq!(
        vantages,
        ["internal", "external"],
        "{}",
        finished.transcript()
    );
}
