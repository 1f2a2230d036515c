//! Stopping a run early: signals, the whole-run deadline, and the limits checked before a run
//! starts. Each stopped run must still write complete reports.

mod common;

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Gatecheck, Simulator, check, ise_suite};
use gatecheck::mock_ise::Scenario;
use gatecheck::results::{Outcome, RunResults};

/// Accepts connections and never answers, so that every check waits for its timeout.
fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    let address = listener.local_addr().expect("local address");
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    address
}

fn silent_suite(address: SocketAddr) -> String {
    format!(
        r#"
name: Silent server
defaults:
  base_url: http://{address}
  timeout: 60s
hints:
  - id: anything
    title: The check failed
    explanation: See above.
checks:
  - id: first
    request: {{ url: /a }}
  - id: second
    request: {{ url: /b }}
  - id: third
    request: {{ url: /c }}
"#
    )
}

/// Starts `gatecheck run` on `suite` in `folder` with all three reports, stdout and stderr
/// piped.
fn spawn_run(folder: &Path, suite: &str, extra: &[&str]) -> Child {
    std::fs::write(folder.join("suite.yaml"), suite).expect("suite written");
    Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .current_dir(folder)
        .args([
            "run",
            "suite.yaml",
            "--junit",
            "r.xml",
            "--markdown",
            "r.md",
            "--json",
            "r.json",
        ])
        .args(extra)
        .env("NO_PROXY", "127.0.0.1")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gatecheck starts")
}

/// Waits for the child for at most `limit`, killing it when it takes longer.
fn wait_bounded(mut child: Child, limit: Duration) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("child status") {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            return (status.code(), stderr, started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("gatecheck did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn send_signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} failed");
}

/// Reads the reports and checks that all three are complete.
fn read_reports(folder: &Path) -> RunResults {
    let json = std::fs::read_to_string(folder.join("r.json")).expect("JSON report written");
    let junit = std::fs::read_to_string(folder.join("r.xml")).expect("JUnit report written");
    let markdown = std::fs::read_to_string(folder.join("r.md")).expect("Markdown report written");
    quick_junit::Report::deserialize_from_str(&junit).expect("the JUnit report parses");
    assert!(markdown.contains("Stopped early"), "{markdown}");
    gatecheck::report::json::parse(&json).expect("the JSON report parses")
}

fn assert_not_run(results: &RunResults, reason: &str) {
    for id in ["first", "second", "third"] {
        let result = check(results, id);
        assert_eq!(result.outcome, Outcome::Skipped, "{id}: {result:?}");
        let skip_reason = result.skip_reason.as_deref().unwrap_or_default();
        assert!(skip_reason.contains(reason), "{id}: {skip_reason}");
    }
}

#[test]
fn deadline_stops_run_with_reports() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let child = spawn_run(
        folder.path(),
        &silent_suite(silent_server()),
        &["--deadline", "1s"],
    );
    let (code, stderr, elapsed) = wait_bounded(child, Duration::from_secs(20));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let results = read_reports(folder.path());
    assert_eq!(
        results.stopped.as_deref(),
        Some("the run deadline of 1s passed")
    );
    assert_not_run(&results, "the run deadline of 1s passed");
}

#[test]
fn sigterm_exits_143_with_reports() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let child = spawn_run(folder.path(), &silent_suite(silent_server()), &[]);
    std::thread::sleep(Duration::from_millis(700));
    send_signal(&child, "TERM");
    let (code, stderr, elapsed) = wait_bounded(child, Duration::from_secs(20));
    assert_eq!(code, Some(143), "{stderr}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert!(
        stderr.contains("terminated by SIGTERM: sending no more requests"),
        "{stderr}"
    );
    let results = read_reports(folder.path());
    assert_eq!(results.stopped.as_deref(), Some("terminated by SIGTERM"));
    assert_not_run(&results, "terminated by SIGTERM");
    // The three checks were waiting for the silent server: they were sent, so their results
    // show the full URL and the time they waited.
    for id in ["first", "second", "third"] {
        let result = check(&results, id);
        assert!(
            result.request.url.starts_with("http://127.0.0.1:"),
            "{id}: {}",
            result.request.url
        );
        assert!(result.duration_ms >= 300, "{id}: {} ms", result.duration_ms);
    }
}

#[test]
fn sigint_exits_130_with_reports() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let child = spawn_run(folder.path(), &silent_suite(silent_server()), &[]);
    std::thread::sleep(Duration::from_millis(700));
    send_signal(&child, "INT");
    let (code, stderr, _) = wait_bounded(child, Duration::from_secs(20));
    assert_eq!(code, Some(130), "{stderr}");
    let results = read_reports(folder.path());
    assert_eq!(
        results.stopped.as_deref(),
        Some("interrupted by SIGINT (Ctrl-C)")
    );
}

#[test]
fn body_limit_truncates_capture() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .against(&simulator)
        .args(["--check", "ers", "--body-limit", "100"])
        .execute();
    let results = finished.results();
    let ers = check(&results, "ers");
    let response = ers.response.as_ref().expect("a response arrived");
    assert!(response.body_truncated, "{}", finished.transcript());
    assert_eq!(response.body_bytes, 100);
    assert!(
        ers.failures
            .iter()
            .any(|failure| failure.actual.contains("longer than the capture limit")),
        "{}",
        finished.transcript()
    );
    // The cut shows on the check's line and in the Markdown table, also for a check that
    // passes on the start of its body.
    assert!(
        finished.stdout.contains("[body cut at 100 bytes]"),
        "{}",
        finished.stdout
    );
    assert!(
        finished.markdown().contains("(body cut at 100 bytes)"),
        "{}",
        finished.markdown()
    );
}

#[test]
fn invalid_body_limit_is_usage_error() {
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .ise_env("127.0.0.1:9")
        .args(["--body-limit", "1MB"])
        .execute();
    assert_eq!(finished.code, Some(2), "{}", finished.transcript());
    assert!(
        finished.stderr.contains("invalid size `1MB`"),
        "{}",
        finished.transcript()
    );
}

#[test]
fn concurrency_over_file_limit_is_rejected() {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 64 && exec '{}' run '{}' --concurrency 100",
            env!("CARGO_BIN_EXE_gatecheck"),
            ise_suite().display()
        ))
        .env("ISE_HOST", "127.0.0.1:9")
        .env("ISE_API_USER", "user")
        .env("ISE_API_PASSWORD", "password")
        .output()
        .expect("sh runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "--concurrency 100 needs about 232 open files, but this process may open only 64"
        ),
        "{stderr}"
    );
}

/// A low soft limit under a higher hard limit is raised, as CI runners often need.
#[test]
fn soft_file_limit_raised() {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -S -n 64 && ulimit -H -n 4096 && exec '{}' run '{}' --concurrency 100",
            env!("CARGO_BIN_EXE_gatecheck"),
            ise_suite().display()
        ))
        .env("ISE_HOST", "127.0.0.1:9")
        .env("ISE_API_USER", "user")
        .env("ISE_API_PASSWORD", "password")
        .output()
        .expect("sh runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stderr.contains("open files"), "{stderr}");
    // Nothing listens on port 9, so the checks end in errors: the run went ahead.
    assert_eq!(output.status.code(), Some(1), "{stderr}\n{stdout}");
    assert!(stdout.contains("connect.refused"), "{stdout}");
}

#[test]
fn no_progress_bar_without_terminal() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let child = spawn_run(
        folder.path(),
        &silent_suite(silent_server()),
        &["--deadline", "2s"],
    );
    let (_, stderr, _) = wait_bounded(child, Duration::from_secs(20));
    assert!(!stderr.contains("checks done"), "{stderr}");
}

#[test]
fn progress_bar_on_terminal() {
    let folder = tempfile::tempdir().expect("temporary folder");
    std::fs::write(
        folder.path().join("suite.yaml"),
        silent_suite(silent_server()),
    )
    .expect("suite written");
    // `script` (util-linux) gives the binary a terminal, as an engineer's shell does.
    let command = format!(
        "NO_PROXY=127.0.0.1 '{}' run suite.yaml --deadline 2s",
        env!("CARGO_BIN_EXE_gatecheck")
    );
    let output = Command::new("script")
        .current_dir(folder.path())
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("`script` from util-linux is installed (apt-get install bsdutils)");
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert!(transcript.contains("0/3 checks done"), "{transcript}");
    assert!(transcript.contains("in flight"), "{transcript}");
}

/// Answers every request with 200 after 20 ms, and records its path in the order the
/// requests arrive.
fn path_logger() -> (SocketAddr, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::Write;

    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    let address = listener.local_addr().expect("local address");
    let paths = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&paths);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let log = std::sync::Arc::clone(&log);
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0_u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head.split(' ').nth(1).unwrap_or_default().to_string();
                log.lock().expect("the path log").push(path);
                // The delay lets every request in flight arrive before a slot frees, so that
                // the arrival order shows the order of sending.
                std::thread::sleep(Duration::from_millis(20));
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
            });
        }
    });
    (address, paths)
}

fn numbered_suite(address: SocketAddr, count: usize) -> String {
    let mut suite = format!(
        "name: Numbered\ndefaults:\n  base_url: http://{address}\nhints:\n  - id: any\n    \
         title: The check failed\n    explanation: See above.\nchecks:\n"
    );
    for number in 1..=count {
        suite.push_str(&format!(
            "  - id: check-{number}\n    request: {{ url: /{number} }}\n"
        ));
    }
    suite
}

/// Checks are sent in suite order, so that a run stopped early leaves the end of the suite
/// unsent rather than a random part of it.
#[test]
fn checks_sent_in_suite_order() {
    let (address, paths) = path_logger();
    let count = 40;
    let folder = tempfile::tempdir().expect("temporary folder");
    std::fs::write(
        folder.path().join("suite.yaml"),
        numbered_suite(address, count),
    )
    .expect("suite written");

    for concurrency in [1_usize, 4] {
        paths.lock().expect("the path log").clear();
        let output = Command::new(env!("CARGO_BIN_EXE_gatecheck"))
            .current_dir(folder.path())
            .args(["run", "suite.yaml", "--proxy", "none", "--concurrency"])
            .arg(concurrency.to_string())
            .output()
            .expect("gatecheck runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );

        let arrived: Vec<usize> = paths
            .lock()
            .expect("the path log")
            .iter()
            .map(|path| {
                path.trim_start_matches('/')
                    .parse()
                    .expect("a numbered path")
            })
            .collect();
        assert_eq!(arrived.len(), count, "{arrived:?}");
        // With N checks in flight, a request can overtake at most N - 1 earlier ones.
        for (index, number) in arrived.iter().enumerate() {
            assert!(
                number.abs_diff(index + 1) < concurrency.max(1),
                "check {number} arrived as request {} at concurrency {concurrency}: {arrived:?}",
                index + 1
            );
        }
    }
}
