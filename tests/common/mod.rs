//! Helpers shared by the end-to-end tests: the ISE simulator in-process on an ephemeral loopback
//! port, and the real `gatecheck` binary run against it with its reports in a temporary folder.
//!
//! The simulator accepts [`CANARY_PASSWORD`], a value no report or message should ever contain,
//! so a test can search every output for it.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

pub mod docs;

use std::ffi::OsStr;
use std::io::Read as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gatecheck::mock_ise::{DEFAULT_USER, MockIse, MockIseOptions, Scenario};
use gatecheck::results::{CheckResult, RunResults};
use tempfile::TempDir;

/// Password of the simulator's API user in every test. Searching the outputs for it shows
/// whether the secret leaked.
pub const CANARY_PASSWORD: &str = "Canary-Pw-7f3a9c";

/// The API user the simulator accepts.
pub const API_USER: &str = DEFAULT_USER;

/// Names of the report files, relative to the run's folder, as the README suggests them.
pub const JUNIT_FILE: &str = "report.xml";
pub const MARKDOWN_FILE: &str = "report.md";
pub const JSON_FILE: &str = "results.json";

/// Time after which a hanging binary is killed, so that a hang fails the test instead of
/// blocking the whole test run.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Environment variables the binary must not inherit from the developer's shell or CI: a real
/// ISE's settings would redirect the run, `NO_COLOR` would hide the terminal detection under
/// test, and a proxy would take loopback traffic off the machine.
const CLEARED_VARIABLES: [&str; 7] = [
    "NO_COLOR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// Path of the bundled ISE suite.
pub fn ise_suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("suites/ise-api-gateway.yaml")
}

/// An ISE simulator on 127.0.0.1 with its own Tokio runtime, so that a test can block on the
/// child process while the simulator keeps serving. Dropping it stops the simulator.
pub struct Simulator {
    // Declared before `_runtime` so that the server is dropped while its runtime still exists.
    server: MockIse,
    _runtime: tokio::runtime::Runtime,
    ca_folder: TempDir,
}

impl Simulator {
    /// Starts the simulator for `scenario` with [`API_USER`] and [`CANARY_PASSWORD`], and writes
    /// its CA certificate to a temporary file.
    pub fn start(scenario: Scenario) -> Simulator {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("the Tokio runtime for the simulator starts");
        let options = MockIseOptions {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            scenario,
            user: API_USER.to_string(),
            password: CANARY_PASSWORD.to_string(),
            audit_to_stderr: false,
        };
        let server = runtime
            .block_on(MockIse::start(options))
            .unwrap_or_else(|error| panic!("the simulator for {scenario} starts: {error:?}"));

        let ca_folder = tempfile::tempdir().expect("a temporary folder for the CA is created");
        std::fs::write(ca_folder.path().join("ise-ca.pem"), server.ca_pem())
            .expect("the simulator's CA certificate is written");

        Simulator {
            server,
            _runtime: runtime,
            ca_folder,
        }
    }

    /// Returns `127.0.0.1:PORT`, the value for `ISE_HOST`.
    pub fn host(&self) -> String {
        self.server.local_addr().to_string()
    }

    /// Returns the PEM file of the CA that signed the simulator's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.ca_folder.path().join("ise-ca.pem")
    }

    /// Returns the number of requests the simulator rejected with 401.
    pub fn failed_logins(&self) -> u64 {
        self.server.failed_logins()
    }
}

/// Returns a loopback address where nothing listens: the port of a listener that was bound and
/// closed again. Another process could take the port in between, which is unlikely enough on a
/// test machine.
pub fn closed_loopback_port() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binding 127.0.0.1:0");
    let address = listener.local_addr().expect("the listener has an address");
    drop(listener);
    address
}

/// One invocation of the `gatecheck` binary, built up before it runs. It runs in a new
/// temporary folder, which also receives the reports, with the variables in
/// [`CLEARED_VARIABLES`] and every inherited `ISE_*` variable removed.
pub struct Gatecheck {
    command: Command,
    folder: TempDir,
}

impl Gatecheck {
    /// Starts an invocation with no arguments.
    pub fn new() -> Gatecheck {
        let folder = tempfile::tempdir().expect("a temporary folder for the run is created");
        let mut command = Command::new(env!("CARGO_BIN_EXE_gatecheck"));
        command.current_dir(folder.path());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("ISE_") {
                command.env_remove(&name);
            }
        }
        for name in CLEARED_VARIABLES {
            command.env_remove(name);
        }
        // reqwest also reads proxies from the system settings on macOS and Windows, and its
        // proxy matcher (hyper-util 0.1) checks NO_PROXY before those.
        command.env("NO_PROXY", "127.0.0.1,localhost,::1");
        Gatecheck { command, folder }
    }

    /// Starts `gatecheck run SUITE --vantage VANTAGE` with all three reports requested under
    /// their usual names in the run's folder.
    pub fn run(suite: &Path, vantage: &str) -> Gatecheck {
        Gatecheck::new().run_args(suite.as_os_str(), vantage)
    }

    /// Starts [`Gatecheck::run`] for a suite given as text, written to `suite.yaml` in the run's
    /// folder, so that messages name it by that relative path.
    pub fn run_text(suite_yaml: &str, vantage: &str) -> Gatecheck {
        let invocation = Gatecheck::new();
        std::fs::write(invocation.folder().join("suite.yaml"), suite_yaml)
            .expect("the suite file is written");
        invocation.run_args(OsStr::new("suite.yaml"), vantage)
    }

    fn run_args(self, suite: &OsStr, vantage: &str) -> Gatecheck {
        self.arg("run").arg(suite).args([
            "--vantage",
            vantage,
            "--junit",
            JUNIT_FILE,
            "--markdown",
            MARKDOWN_FILE,
            "--json",
            JSON_FILE,
        ])
    }

    pub fn arg(mut self, argument: impl AsRef<OsStr>) -> Gatecheck {
        self.command.arg(argument);
        self
    }

    pub fn args<I, S>(mut self, arguments: I) -> Gatecheck
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(arguments);
        self
    }

    pub fn env(mut self, name: &str, value: impl AsRef<OsStr>) -> Gatecheck {
        self.command.env(name, value);
        self
    }

    /// Sets `ISE_HOST` to `host` and the API user and the canary password in the environment,
    /// as a user of the bundled suite would.
    pub fn ise_env(self, host: &str) -> Gatecheck {
        self.env("ISE_HOST", host)
            .env("ISE_API_USER", API_USER)
            .env("ISE_API_PASSWORD", CANARY_PASSWORD)
    }

    /// Points the run at `simulator`, trusting its CA with `--ca-file`.
    pub fn against(self, simulator: &Simulator) -> Gatecheck {
        self.ise_env(&simulator.host())
            .arg("--ca-file")
            .arg(simulator.ca_file())
    }

    /// Returns the folder the binary runs in and writes its reports to.
    pub fn folder(&self) -> &Path {
        self.folder.path()
    }

    /// Runs the binary to completion, or for at most [`RUN_TIMEOUT`].
    pub fn execute(self) -> Finished {
        let output = assert_cmd::Command::from_std(self.command)
            .timeout(RUN_TIMEOUT)
            .output()
            .expect("the gatecheck binary starts and finishes within the timeout");
        let finished = Finished {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            folder: self.folder,
        };
        finished.assert_no_canary();
        finished
    }

    /// Runs the binary with the read end of its stdout closed, as `gatecheck run ... | head`
    /// leaves it once `head` has exited. The returned stdout is empty.
    pub fn execute_with_closed_stdout(mut self) -> Finished {
        let mut child = self
            .command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the gatecheck binary starts");
        // Closed right after the start, so the binary's writes to stdout fail as they do once
        // `head` has exited.
        drop(child.stdout.take());
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        // Read on another thread, so that a full pipe cannot block the binary while this one
        // waits for it to exit.
        let stderr_reader = std::thread::spawn(move || {
            let mut stderr = String::new();
            let _ = stderr_pipe.read_to_string(&mut stderr);
            stderr
        });

        let deadline = Instant::now() + RUN_TIMEOUT;
        let status = loop {
            match child.try_wait().expect("waiting for gatecheck") {
                Some(status) => break status,
                None if Instant::now() >= deadline => {
                    let _ = child.kill();
                    panic!("gatecheck did not finish within {RUN_TIMEOUT:?}");
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        Finished {
            code: status.code(),
            stdout: String::new(),
            stderr: stderr_reader.join().expect("the stderr reader finishes"),
            folder: self.folder,
        }
    }
}

/// A finished invocation: exit code, output, and the folder with its reports.
pub struct Finished {
    /// `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    folder: TempDir,
}

impl Finished {
    /// Fails the test when the canary password, or the basic-auth header value made from it,
    /// appears in stdout, stderr or any file the run wrote. Every invocation made through
    /// [`Gatecheck::execute`] is checked, so no test can leak it unnoticed.
    pub fn assert_no_canary(&self) {
        use base64::Engine as _;
        let header = base64::engine::general_purpose::STANDARD
            .encode(format!("{API_USER}:{CANARY_PASSWORD}"));
        let mut outputs = vec![
            ("stdout".to_string(), self.stdout.clone()),
            ("stderr".to_string(), self.stderr.clone()),
        ];
        let mut folders = vec![self.folder().to_path_buf()];
        while let Some(folder) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    outputs.push((
                        path.display().to_string(),
                        String::from_utf8_lossy(&bytes).into_owned(),
                    ));
                }
            }
        }
        for (name, text) in outputs {
            assert!(
                !text.contains(CANARY_PASSWORD) && !text.contains(&header),
                "the canary password leaked into {name}:\n{text}"
            );
        }
    }

    pub fn folder(&self) -> &Path {
        self.folder.path()
    }

    /// Exit code, stdout and stderr, for assertion messages.
    pub fn transcript(&self) -> String {
        format!(
            "exit code: {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Reads a file of the run's folder, failing the test with the transcript when it is
    /// missing.
    pub fn read(&self, name: &str) -> String {
        let path = self.folder().join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!(
                "cannot read {}: {error}\n{}",
                path.display(),
                self.transcript()
            )
        })
    }

    pub fn junit(&self) -> String {
        self.read(JUNIT_FILE)
    }

    pub fn markdown(&self) -> String {
        self.read(MARKDOWN_FILE)
    }

    pub fn json(&self) -> String {
        self.read(JSON_FILE)
    }

    /// Parses the JSON report with the reader gatecheck offers to other tools.
    pub fn results(&self) -> RunResults {
        let text = self.json();
        gatecheck::report::json::parse(&text)
            .unwrap_or_else(|error| panic!("the JSON report parses: {error}\n{text}"))
    }

    /// Parses the JUnit report with quick-junit's reader.
    pub fn junit_report(&self) -> quick_junit::Report {
        let text = self.junit();
        quick_junit::Report::deserialize_from_str(&text)
            .unwrap_or_else(|error| panic!("the JUnit report parses: {error}\n{text}"))
    }
}

/// Returns the result of check `id`, failing the test with the JSON report when it is missing.
pub fn check<'a>(results: &'a RunResults, id: &str) -> &'a CheckResult {
    results
        .checks
        .iter()
        .find(|check| check.id == id)
        .unwrap_or_else(|| panic!("the results contain check `{id}`: {results:#?}"))
}
