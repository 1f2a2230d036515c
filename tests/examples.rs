//! Tests of the example suites under `examples/`: each one loads, and the ERS write example runs
//! as a user would run it. The real `gatecheck` binary runs it against the ISE simulator over real
//! TLS on loopback, trusting the simulator's CA with `--ca-file`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use gatecheck::mock_ise::{MockIse, MockIseOptions, Scenario};
use gatecheck::results::{CheckResult, Outcome, RunResults};
use gatecheck::secret::MASK;
use tempfile::TempDir;

/// Password the simulator accepts in these tests; no output may contain it.
const PASSWORD: &str = "Example-Pw-4b1d";
const USER: &str = "ers-admin";

const JSON_REPORT: &str = "results.json";
const JUNIT_REPORT: &str = "report.xml";
const MARKDOWN_REPORT: &str = "report.md";

/// Time after which a hanging binary is killed, so that a hang fails the test.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The line of the create check that sends the captured token.
const TOKEN_HEADER_LINE: &str = "        X-CSRF-TOKEN: ${CSRF_TOKEN}\n";

fn examples_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn ers_write_example() -> PathBuf {
    examples_folder().join("ise-ers-write.yaml")
}

fn ers_write_text() -> String {
    std::fs::read_to_string(ers_write_example()).expect("the ERS write example is readable")
}

/// Returns every YAML file under `examples/`, sorted.
fn example_suites() -> Vec<PathBuf> {
    let mut suites = Vec::new();
    let mut folders = vec![examples_folder()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).expect("the examples folder is readable");
        for entry in entries {
            let path = entry.expect("a folder entry is readable").path();
            // examples/ci contains CI pipeline files, not suites; tests/ci_examples.rs checks
            // them.
            if path.is_dir() && path.file_name().is_some_and(|name| name == "ci") {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                suites.push(path);
            }
        }
    }
    suites.sort();
    suites
}

/// The ISE simulator on 127.0.0.1 with its own Tokio runtime, so that the test thread can block
/// on the binary while the simulator serves. Dropping it stops the simulator.
struct Simulator {
    // Declared before `_runtime` so that the server is dropped while its runtime still exists.
    server: MockIse,
    _runtime: tokio::runtime::Runtime,
    ca_folder: TempDir,
}

impl Simulator {
    fn start(scenario: Scenario) -> Simulator {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("the Tokio runtime for the simulator starts");
        let options = MockIseOptions {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            scenario,
            user: USER.to_owned(),
            password: PASSWORD.to_owned(),
            audit_to_stderr: false,
        };
        let server = runtime
            .block_on(MockIse::start(options))
            .unwrap_or_else(|error| panic!("the simulator for {scenario} starts: {error:?}"));
        let ca_folder = tempfile::tempdir().expect("a temporary folder for the CA is created");
        std::fs::write(ca_folder.path().join("ise-ca.pem"), server.ca_pem())
            .expect("the CA certificate is written");
        Simulator {
            server,
            _runtime: runtime,
            ca_folder,
        }
    }

    fn ca_file(&self) -> PathBuf {
        self.ca_folder.path().join("ise-ca.pem")
    }
}

/// A finished `gatecheck run` with its output and the folder holding its reports.
struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    folder: TempDir,
}

impl Finished {
    fn transcript(&self) -> String {
        format!(
            "exit code: {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    fn read(&self, name: &str) -> String {
        let path = self.folder.path().join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {name}: {error}\n{}", self.transcript()))
    }

    fn results(&self) -> RunResults {
        let text = self.read(JSON_REPORT);
        gatecheck::report::json::parse(&text)
            .unwrap_or_else(|error| panic!("the JSON report parses: {error}\n{text}"))
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

/// Builds a `gatecheck` command that runs in `folder`, without the variables that would send its
/// traffic elsewhere.
fn gatecheck_command(folder: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_gatecheck"));
    command.current_dir(folder).timeout(RUN_TIMEOUT);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ISE_") {
            command.env_remove(&name);
        }
    }
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env_remove(name);
    }
    command.env("NO_PROXY", "127.0.0.1,localhost,::1");
    command
}

/// Runs the suite at `suite` against `simulator` with all three reports and `--ca-file`, as the
/// example's header comment shows. The reports go to a new temporary folder.
fn run_suite_file(suite: &Path, simulator: &Simulator) -> Finished {
    let folder = tempfile::tempdir().expect("a temporary folder for the run is created");
    let output = gatecheck_command(folder.path())
        .arg("run")
        .arg(suite)
        .arg("--ca-file")
        .arg(simulator.ca_file())
        .args(["--json", JSON_REPORT])
        .args(["--junit", JUNIT_REPORT])
        .args(["--markdown", MARKDOWN_REPORT])
        .env("ISE_HOST", simulator.server.local_addr().to_string())
        .env("ISE_API_USER", USER)
        .env("ISE_API_PASSWORD", PASSWORD)
        .output()
        .expect("the gatecheck binary starts and finishes within the timeout");
    Finished {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        folder,
    }
}

/// Runs a variant of an example, given as text, like [`run_suite_file`].
fn run_suite_text(suite_text: &str, simulator: &Simulator) -> Finished {
    let suite_folder = tempfile::tempdir().expect("a temporary folder for the suite is created");
    let suite = suite_folder.path().join("suite.yaml");
    std::fs::write(&suite, suite_text).expect("the suite file is written");
    run_suite_file(&suite, simulator)
}

fn run_ers_write(scenario: Scenario) -> (Simulator, Finished) {
    let simulator = Simulator::start(scenario);
    let finished = run_suite_file(&ers_write_example(), &simulator);
    (simulator, finished)
}

// Every example loads.

#[test]
fn examples_folder_has_suites() {
    assert!(!example_suites().is_empty());
}

#[test]
fn examples_load_without_errors() {
    for path in example_suites() {
        let loaded = gatecheck::suite::load_file(&path);
        assert!(
            loaded.is_ok(),
            "{}: {}",
            path.display(),
            loaded.err().unwrap()
        );
    }
}

#[test]
fn examples_load_without_warnings() {
    for path in example_suites() {
        let Ok(loaded) = gatecheck::suite::load_file(&path) else {
            continue;
        };
        assert!(
            loaded.warnings.is_none(),
            "{}: {}",
            path.display(),
            loaded.warnings.unwrap()
        );
    }
}

#[test]
fn ers_write_validates_cleanly() {
    let folder = tempfile::tempdir().unwrap();
    let output = gatecheck_command(folder.path())
        .arg("validate")
        .arg(ers_write_example())
        .output()
        .expect("gatecheck validate runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn ers_write_names_schema() {
    let first_line = ers_write_text()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        first_line,
        "# yaml-language-server: $schema=../schemas/suite.schema.json"
    );
}

// The ERS write example against the simulator.

#[test]
fn ers_write_passes_csrf_enabled() {
    let (_simulator, finished) = run_ers_write(Scenario::CsrfEnabled);
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
}

#[test]
fn ers_write_passes_csrf_every_check() {
    let (_simulator, finished) = run_ers_write(Scenario::CsrfEnabled);
    let results = finished.results();
    assert_eq!(results.summary.passed, 3, "{}", finished.transcript());
}

#[test]
fn ers_write_passes_healthy() {
    let (_simulator, finished) = run_ers_write(Scenario::Healthy);
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
}

#[test]
fn ers_write_token_never_printed() {
    let (simulator, finished) = run_ers_write(Scenario::CsrfEnabled);
    let tokens = simulator.server.issued_csrf_tokens();
    assert!(!tokens.is_empty(), "{}", finished.transcript());
    for token in &tokens {
        assert!(!finished.stdout.contains(token), "stdout has the token");
        assert!(!finished.stderr.contains(token), "stderr has the token");
        assert!(!finished.read(JSON_REPORT).contains(token), "JSON report");
        assert!(!finished.read(JUNIT_REPORT).contains(token), "JUnit report");
        assert!(!finished.read(MARKDOWN_REPORT).contains(token), "Markdown");
    }
}

#[test]
fn ers_write_password_never_printed() {
    let (_simulator, finished) = run_ers_write(Scenario::CsrfEnabled);
    assert!(!finished.stdout.contains(PASSWORD));
    assert!(!finished.read(JSON_REPORT).contains(PASSWORD));
}

/// A check that sends the captured token in its URL shows the URL with the token masked.
#[test]
fn captured_token_masked_in_url() {
    let simulator = Simulator::start(Scenario::CsrfEnabled);
    let extra_check = "  - id: token-in-query
    depends_on: [csrf-token]
    request:
      url: /ers/config/endpointgroup?probe=${CSRF_TOKEN}
";
    // The top-level `hints:` follows the checks, so the new check goes right before it.
    let suite = ers_write_text().replacen("\nhints:\n", &format!("\n{extra_check}\nhints:\n"), 1);
    let finished = run_suite_text(&suite, &simulator);
    let tokens = simulator.server.issued_csrf_tokens();
    let check = finished.check("token-in-query");
    assert_eq!(check.outcome, Outcome::Passed, "{}", finished.transcript());
    assert!(check.request.url.ends_with(&format!("probe={MASK}")));
    assert!(!check.request.url.contains(&tokens[0]));
}

#[test]
fn bad_credentials_token_check_fails() {
    let (_simulator, finished) = run_ers_write(Scenario::BadCredentials);
    let check = finished.check("csrf-token");
    assert_eq!(check.outcome, Outcome::Failed);
    assert_eq!(finished.code, Some(1));
}

#[test]
fn bad_credentials_hint_is_credentials() {
    let (_simulator, finished) = run_ers_write(Scenario::BadCredentials);
    let diagnosis = finished.check("csrf-token").diagnosis;
    assert_eq!(
        diagnosis.map(|d| d.id).as_deref(),
        Some("api-user-rejected")
    );
}

#[test]
fn bad_credentials_create_skipped() {
    let (_simulator, finished) = run_ers_write(Scenario::BadCredentials);
    let check = finished.check("create-group");
    let reason = check.skip_reason.unwrap_or_default();
    assert_eq!(check.outcome, Outcome::Skipped);
    assert!(reason.contains("dependency"), "{reason}");
    assert!(reason.contains("csrf-token"), "{reason}");
}

#[test]
fn bad_credentials_delete_skipped() {
    let (_simulator, finished) = run_ers_write(Scenario::BadCredentials);
    let check = finished.check("delete-group");
    assert_eq!(check.outcome, Outcome::Skipped);
}

/// Skipping the writes after a 401 keeps the failed logins, which count toward ISE's lockout,
/// at one.
#[test]
fn bad_credentials_one_failed_login() {
    let (simulator, _finished) = run_ers_write(Scenario::BadCredentials);
    assert_eq!(simulator.server.failed_logins(), 1);
}

/// The delete check's whole URL is captured, so a skipped run has no URL to report. It must not
/// report a path on the ISE host that was never requested.
#[test]
fn skipped_delete_url_not_invented() {
    let (_simulator, finished) = run_ers_write(Scenario::BadCredentials);
    let url = finished.check("delete-group").request.url;
    assert!(!url.contains("/captured:"), "{url}");
}

#[test]
fn forgotten_token_gets_403() {
    let simulator = Simulator::start(Scenario::CsrfEnabled);
    let text = ers_write_text();
    assert_eq!(text.matches(TOKEN_HEADER_LINE).count(), 2);
    let forgetful = text.replacen(TOKEN_HEADER_LINE, "", 1);
    let finished = run_suite_text(&forgetful, &simulator);
    let check = finished.check("create-group");
    let status = check.response.as_ref().map(|response| response.status);
    assert_eq!(status, Some(403), "{}", finished.transcript());
    assert_eq!(finished.code, Some(1));
}

#[test]
fn forgotten_token_hint() {
    let simulator = Simulator::start(Scenario::CsrfEnabled);
    let forgetful = ers_write_text().replacen(TOKEN_HEADER_LINE, "", 1);
    let finished = run_suite_text(&forgetful, &simulator);
    let diagnosis = finished.check("create-group").diagnosis;
    assert_eq!(
        diagnosis.map(|d| d.id).as_deref(),
        Some("csrf-token-rejected")
    );
}

#[test]
fn forgotten_token_delete_skipped() {
    let simulator = Simulator::start(Scenario::CsrfEnabled);
    let forgetful = ers_write_text().replacen(TOKEN_HEADER_LINE, "", 1);
    let finished = run_suite_text(&forgetful, &simulator);
    assert_eq!(finished.check("delete-group").outcome, Outcome::Skipped);
}

/// A header expectation on the token that does not hold must not print the token, which the
/// suite marked secret.
#[test]
fn failed_token_expectation_masks_token() {
    let simulator = Simulator::start(Scenario::CsrfEnabled);
    // The simulator's tokens are upper-case hex, so this expectation fails.
    let strict = ers_write_text().replacen(
        "    expect:\n      status: 200\n",
        "    expect:\n      status: 200\n      headers:\n        X-CSRF-TOKEN:\n          regex: ^[0-9a-f]{32}$\n",
        1,
    );
    let finished = run_suite_text(&strict, &simulator);
    let tokens = simulator.server.issued_csrf_tokens();
    assert_eq!(finished.check("csrf-token").outcome, Outcome::Failed);
    assert!(!finished.stdout.contains(&tokens[0]), "{}", finished.stdout);
    assert!(!finished.read(JSON_REPORT).contains(&tokens[0]));
}
