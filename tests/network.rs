//! Per-vantage network settings that need no extra tools: `connect_to`, `resolve` and a SOCKS5
//! proxy.

mod common;
mod servers;

use common::{Gatecheck, Simulator, check, closed_loopback_port, ise_suite};
use gatecheck::mock_ise::Scenario;
use gatecheck::results::Outcome;

/// The bundled suite with the internal vantage's base URL naming `localhost` and the given
/// network settings added to it.
fn suite_with(port: u16, settings: &str) -> String {
    std::fs::read_to_string(ise_suite())
        .expect("the bundled suite is readable")
        .replace(
            "  - name: internal\n",
            &format!("  - name: internal\n    base_url: https://localhost:{port}\n{settings}"),
        )
}

/// Returns the port the simulator listens on.
fn port_of(simulator: &Simulator) -> u16 {
    let host = simulator.host();
    let port = host.rsplit(':').next().expect("the host has a port");
    port.parse().expect("the port is a number")
}

#[test]
fn connect_to_keeps_name_for_tls() {
    let simulator = Simulator::start(Scenario::Healthy);
    let port = port_of(&simulator);
    let suite = suite_with(port, "    connect_to:\n      localhost: 127.0.0.1\n");
    let finished = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    let results = finished.results();
    let connection = check(&results, "ers")
        .connection
        .clone()
        .expect("connection recorded");
    assert_eq!(
        connection.remote_address.as_deref(),
        Some(format!("127.0.0.1:{port}").as_str())
    );
}

#[test]
fn connect_to_changes_the_address() {
    let simulator = Simulator::start(Scenario::Healthy);
    let port = port_of(&simulator);
    // The simulator listens on 127.0.0.1 only, so a connection to 127.0.0.2 is refused.
    let suite = suite_with(port, "    connect_to:\n      localhost: 127.0.0.2\n");
    let finished = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .execute();
    let results = finished.results();
    let ers = check(&results, "ers");
    assert_eq!(ers.outcome, Outcome::Error, "{}", finished.transcript());
    assert_eq!(
        ers.error.as_ref().map(|error| error.kind.as_str()),
        Some("connect.refused")
    );
}

#[test]
fn connect_to_changes_port() {
    let simulator = Simulator::start(Scenario::Healthy);
    let port = port_of(&simulator);
    // Nothing listens on the URL's port: only the rule's target port can pass.
    let unused = closed_loopback_port().port();
    let mut suite = std::fs::read_to_string(ise_suite()).expect("the bundled suite is readable");
    suite = suite.replace(
        "  - name: internal\n",
        &format!(
            "  - name: internal\n    base_url: https://localhost:{unused}\n    connect_to:\n      \
             \"localhost:{unused}\": \"127.0.0.1:{port}\"\n"
        ),
    );
    let finished = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .args(["--check", "ers"])
        .execute();

    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    let results = finished.results();
    let connection = check(&results, "ers")
        .connection
        .clone()
        .expect("connection recorded");
    assert_eq!(
        connection.remote_address.as_deref(),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert_eq!(
        connection.connect_to.as_deref(),
        Some(
            format!(
                "localhost:{unused} -> 127.0.0.1:{port} (rule localhost:{unused} -> \
                 127.0.0.1:{port}, connect_to of vantage internal)"
            )
            .as_str()
        )
    );
    let junit = finished.junit();
    assert!(
        junit.contains(&format!(
            "connect to: localhost:{unused} -&gt; 127.0.0.1:{port} (rule localhost:{unused} -&gt; \
             127.0.0.1:{port}, connect_to of vantage internal)"
        )),
        "{junit}"
    );
}

#[test]
fn connect_to_port_only() {
    let simulator = Simulator::start(Scenario::Healthy);
    let port = port_of(&simulator);
    let unused = closed_loopback_port().port();
    let suite = std::fs::read_to_string(ise_suite())
        .expect("the bundled suite is readable")
        .replace(
            "  - name: internal\n",
            &format!(
                "  - name: internal\n    base_url: https://127.0.0.1:{unused}\n    \
                 connect_to:\n      \"127.0.0.1\": \":{port}\"\n"
            ),
        );
    let finished = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .args(["--check", "ers"])
        .execute();

    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    let connection = check(&finished.results(), "ers")
        .connection
        .clone()
        .expect("connection recorded");
    assert_eq!(
        connection.connect_to.as_deref(),
        Some(
            format!(
                "127.0.0.1:{unused} -> 127.0.0.1:{port} (rule 127.0.0.1 -> :{port}, connect_to \
                 of vantage internal)"
            )
            .as_str()
        )
    );
}

#[test]
fn cli_connect_to_wins_over_vantage() {
    let simulator = Simulator::start(Scenario::Healthy);
    let port = port_of(&simulator);
    let unused = closed_loopback_port().port();
    // The vantage's rule leads to a refused port; the command line's leads to the simulator.
    let suite = std::fs::read_to_string(ise_suite())
        .expect("the bundled suite is readable")
        .replace(
            "  - name: internal\n",
            &format!(
                "  - name: internal\n    base_url: https://localhost:{unused}\n    \
                 connect_to:\n      localhost: \"127.0.0.1:{unused}\"\n"
            ),
        );
    let rule = format!("localhost::127.0.0.1:{port}");
    let finished = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .args(["--check", "ers", "--connect-to", &rule])
        .execute();

    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    let connection = check(&finished.results(), "ers")
        .connection
        .clone()
        .expect("connection recorded");
    assert_eq!(
        connection.connect_to.as_deref(),
        Some(
            format!(
                "localhost:{unused} -> 127.0.0.1:{port} (rule localhost -> 127.0.0.1:{port}, \
                 --connect-to)"
            )
            .as_str()
        )
    );
}

#[test]
fn connect_to_keeps_host_header() {
    let servers = servers::Servers::new();
    let echo = servers.host_echo();
    let unused = closed_loopback_port().port();
    let suite = format!(
        "name: Host header\ndefaults:\n  base_url: http://gateway.test:{unused}\n\
         vantages:\n  - name: lab\n    connect_to:\n      \"gateway.test:{unused}\": \"{echo}\"\n\
         checks:\n  - id: echo\n    request:\n      url: /\n    expect:\n      status: 200\n      \
         body:\n        - contains: \"gateway.test:{unused}\"\n"
    );
    let finished = Gatecheck::run_text(&suite, "lab").execute();

    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    let response = check(&finished.results(), "echo")
        .response
        .clone()
        .expect("a response");
    assert_eq!(
        response.body_excerpt.as_deref(),
        Some(format!("gateway.test:{unused}").as_str())
    );
}

#[test]
fn invalid_connect_to_is_located() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("suite.yaml");
    std::fs::write(
        &path,
        "name: Bad rule\nvantages:\n  - name: lab\n    connect_to:\n      gateway.test: \"10.0.0.5:99999\"\n\
         checks:\n  - id: a\n    request:\n      url: http://gateway.test/\n",
    )
    .expect("suite written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .arg("validate")
        .arg(&path)
        .output()
        .expect("gatecheck runs");
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("suite.yaml:5:21"), "{stderr}");
    assert!(
        stderr.contains(
            "invalid target `10.0.0.5:99999`: `99999` is not a port number from 1 to 65535"
        ),
        "{stderr}"
    );
}

#[test]
fn unresolvable_connect_to_is_usage_error() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let suite = suite_with(443, "    connect_to:\n      localhost: gateway.invalid\n");
    std::fs::write(folder.path().join("suite.yaml"), suite).expect("suite written");
    // In a new network namespace without routes the lookup fails here, instead of asking the
    // machine's resolver about a name that cannot exist.
    let output = std::process::Command::new("unshare")
        .current_dir(folder.path())
        .args(["--user", "--map-root-user", "--net", "--"])
        .arg(env!("CARGO_BIN_EXE_gatecheck"))
        .args(["run", "suite.yaml"])
        .env("ISE_HOST", "127.0.0.1:9")
        .env("ISE_API_USER", "user")
        .env("ISE_API_PASSWORD", "password")
        .output()
        .expect("unshare from util-linux is installed (apt-get install util-linux)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "connect_to target `gateway.invalid` (for `localhost`, from vantage internal) does not resolve"
        ),
        "{stderr}"
    );
}

#[test]
fn resolve_overrides_dns() {
    let simulator = Simulator::start(Scenario::Healthy);
    let port = port_of(&simulator);
    let suite = suite_with(port, "    resolve:\n      localhost: 127.0.0.1\n");
    let finished = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());

    // Reports name the override that chose the address.
    let rule = "localhost -> 127.0.0.1 (resolve of vantage internal)";
    let results = finished.results();
    let connection = results.checks[0].connection.as_ref().expect("a connection");
    assert_eq!(connection.resolve.as_deref(), Some(rule));
    assert!(
        finished.markdown().contains(rule),
        "{}",
        finished.markdown()
    );
    let junit_text = format!("resolve: {}", rule.replace('>', "&gt;"));
    assert!(
        finished.junit().contains(&junit_text),
        "{}",
        finished.junit()
    );
}

/// `--resolve HOST:PORT:ADDRESS` applies only to URLs with that port, as in curl.
#[test]
fn resolve_flag_only_for_its_port() {
    let simulator = Simulator::start(Scenario::Healthy);
    let port = port_of(&simulator);
    let suite = suite_with(port, "");
    let other_port = if port == 9 { 10 } else { 9 };

    let matching = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .args(["--resolve", &format!("localhost:{port}:127.0.0.1")])
        .execute();
    assert_eq!(matching.code, Some(0), "{}", matching.transcript());
    let results = matching.results();
    let connection = results.checks[0].connection.as_ref().expect("a connection");
    assert_eq!(
        connection.resolve.as_deref(),
        Some("localhost -> 127.0.0.1 (--resolve)")
    );

    // An address no server listens on would fail every check, were it applied.
    let other = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .args(["--resolve", &format!("localhost:{other_port}:127.0.0.9")])
        .execute();
    assert_eq!(other.code, Some(0), "{}", other.transcript());
    let results = other.results();
    let connection = results.checks[0].connection.as_ref().expect("a connection");
    assert_eq!(connection.resolve, None);
}

#[test]
fn base_url_variable_not_needed_when_overridden() {
    let simulator = Simulator::start(Scenario::Healthy);
    // The defaults' base URL reads ISE_HOST; the vantage replaces it, so ISE_HOST may be unset.
    let suite = std::fs::read_to_string(ise_suite())
        .expect("the bundled suite is readable")
        .replace(
            "  - name: internal\n",
            &format!(
                "  - name: internal\n    base_url: https://{}\n",
                simulator.host()
            ),
        );
    let finished = Gatecheck::run_text(&suite, "internal")
        .env("ISE_API_USER", common::API_USER)
        .env("ISE_API_PASSWORD", common::CANARY_PASSWORD)
        .args(["--check", "ers", "--ca-file"])
        .arg(simulator.ca_file())
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());

    // Without the override, the same run reports the variable as missing.
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .env("ISE_API_USER", common::API_USER)
        .env("ISE_API_PASSWORD", common::CANARY_PASSWORD)
        .args(["--check", "ers"])
        .execute();
    assert_eq!(finished.code, Some(2), "{}", finished.transcript());
    assert!(finished.stderr.contains("ISE_HOST"), "{}", finished.stderr);
}

#[test]
fn connect_to_same_address_port_change() {
    let simulator = Simulator::start(Scenario::Healthy);
    let port = port_of(&simulator);
    let unused = closed_loopback_port().port();
    let suite = std::fs::read_to_string(ise_suite())
        .expect("the bundled suite is readable")
        .replace(
            "  - name: internal\n",
            &format!(
                "  - name: internal\n    base_url: https://127.0.0.1:{unused}\n    \
                 connect_to:\n      \"127.0.0.1:{unused}\": \"127.0.0.1:{port}\"\n"
            ),
        );
    let finished = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .args(["--check", "ers"])
        .execute();

    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
}

#[test]
fn refused_after_port_change_names_request_url() {
    let simulator = Simulator::start(Scenario::Healthy);
    let closed = closed_loopback_port().port();
    let unused = closed_loopback_port().port();
    let suite = std::fs::read_to_string(ise_suite())
        .expect("the bundled suite is readable")
        .replace(
            "  - name: internal\n",
            &format!(
                "  - name: internal\n    base_url: https://localhost:{unused}\n    \
                 connect_to:\n      localhost: \"127.0.0.1:{closed}\"\n"
            ),
        );
    let finished = Gatecheck::run_text(&suite, "internal")
        .against(&simulator)
        .args(["--check", "ers"])
        .execute();

    let results = finished.results();
    let error = check(&results, "ers").error.clone().expect("an error");
    assert_eq!(error.kind, "connect.refused", "{}", finished.transcript());
    assert!(
        error
            .message
            .contains(&format!("https://localhost:{unused}/")),
        "{}",
        error.message
    );
    assert!(
        !error.message.contains(&format!(":{closed}/")),
        "{}",
        error.message
    );
}

#[test]
fn numeric_connect_to_target_is_located() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("suite.yaml");
    std::fs::write(
        &path,
        "name: Bad target\nvantages:\n  - name: lab\n    connect_to:\n      gateway.test: 18080\n\
         checks:\n  - id: a\n    request:\n      url: http://gateway.test/\n",
    )
    .expect("suite written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .arg("validate")
        .arg(&path)
        .output()
        .expect("gatecheck runs");
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("suite.yaml:5:21"), "{stderr}");
    assert!(
        stderr.contains("to change only the port, write `:18080`"),
        "{stderr}"
    );
}
