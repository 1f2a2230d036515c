//! Retries: an intermittent failure passes on a later attempt and stays visible, and a
//! rejected login is never sent again.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Gatecheck, Simulator, check, ise_suite};
use gatecheck::mock_ise::Scenario;
use gatecheck::results::Outcome;

/// Answers 503 to the first `failures` requests and 200 after that, counting requests.
fn flaky_server(failures: usize) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    let address = listener.local_addr().expect("local address");
    let count = Arc::new(AtomicUsize::new(0));
    let served = Arc::clone(&count);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let number = served.fetch_add(1, Ordering::SeqCst);
            let status = if number < failures {
                "503 Service Unavailable"
            } else {
                "200 OK"
            };
            let response =
                format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (address, count)
}

fn flaky_suite(address: SocketAddr, retries: u32) -> String {
    format!(
        r#"
name: Flaky
hints:
  - id: any
    title: Failed
    explanation: See above.
checks:
  - id: flaky
    retries: {{ count: {retries}, delay: 10ms }}
    request: {{ url: "http://{address}/health" }}
    expect: {{ status: 200 }}
"#
    )
}

#[test]
fn intermittent_failure_passes_visibly() {
    let (address, count) = flaky_server(2);
    let finished = Gatecheck::run_text(&flaky_suite(address, 3), "default").execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    let results = finished.results();
    let flaky = check(&results, "flaky");
    assert_eq!(flaky.outcome, Outcome::Passed);
    let earlier: Vec<&str> = flaky.attempts.iter().map(|a| a.got.as_str()).collect();
    assert_eq!(earlier, ["503", "503"]);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert!(
        finished
            .stdout
            .contains("(attempt 3; earlier attempts got 503, 503)"),
        "{}",
        finished.transcript()
    );
    assert!(
        finished.markdown().contains("attempt 3"),
        "{}",
        finished.markdown()
    );
}

#[test]
fn retries_stop_at_count() {
    let (address, count) = flaky_server(10);
    let finished = Gatecheck::run_text(&flaky_suite(address, 2), "default").execute();
    assert_eq!(finished.code, Some(1), "{}", finished.transcript());
    let results = finished.results();
    assert_eq!(check(&results, "flaky").attempts.len(), 2);
    assert_eq!(
        count.load(Ordering::SeqCst),
        3,
        "one attempt and two retries"
    );
}

#[test]
fn rejected_login_is_not_retried() {
    let simulator = Simulator::start(Scenario::BadCredentials);
    let suite = std::fs::read_to_string(ise_suite())
        .expect("the bundled suite is readable")
        .replace("    tags: [ers]\n", "    tags: [ers]\n    retries: 3\n");
    let finished = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .args(["--check", "ers"])
        .execute();
    let results = finished.results();
    assert!(
        check(&results, "ers").attempts.is_empty(),
        "{}",
        finished.transcript()
    );
    assert_eq!(simulator.failed_logins(), 1, "a 401 was retried");
}

#[test]
fn attempts_match_results_schema() {
    let (address, _) = flaky_server(1);
    let finished = Gatecheck::run_text(&flaky_suite(address, 1), "default").execute();
    let schema_text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/results.schema.json"),
    )
    .expect("the results schema is readable");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema is JSON");
    let report: serde_json::Value =
        serde_json::from_str(&finished.json()).expect("the JSON report parses");
    assert_eq!(report["checks"][0]["attempts"][0]["got"], "503");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
