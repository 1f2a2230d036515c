//! Failures below HTTP, each produced by a real component on loopback: TLS servers with
//! certificates generated per test, tinyproxy as a forward proxy, microsocks as a SOCKS5
//! proxy, listeners that never accept
//! or never respond, and a network namespace without routes for DNS. Each test checks the error
//! kind, and the TLS tests also the evidence that the reports show.

mod common;
mod servers;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{CANARY_PASSWORD, Finished, Gatecheck, check, closed_loopback_port};
use gatecheck::results::{CheckResult, Outcome, RunResults};
use servers::microsocks::{Microsocks, SocksOptions};
use servers::tinyproxy::{ProxyOptions, Tinyproxy};
use servers::{Servers, TLS_BODY, TestCa, TlsOptions, Validity, self_signed};
use tempfile::TempDir;

/// User name tinyproxy requires in the authentication tests; the password is the canary, so
/// that every output is searched for it.
const PROXY_USER: &str = "gc-proxy-user";

/// A suite with one check `reach` of `GET {base_url}/`, a 5-second timeout and the given extra
/// YAML for the defaults, the vantages and the check's `expect`.
struct Suite<'a> {
    base_url: &'a str,
    vantages: &'a str,
    expect: &'a str,
}

impl Suite<'_> {
    fn to_yaml(&self) -> String {
        let mut yaml = format!(
            "name: Transport\ndefaults:\n  base_url: {}\n  timeout: 5s\n",
            self.base_url
        );
        if !self.vantages.is_empty() {
            yaml.push_str("vantages:\n");
            yaml.push_str(self.vantages);
        }
        yaml.push_str("checks:\n  - id: reach\n    request:\n      url: /\n");
        if !self.expect.is_empty() {
            yaml.push_str("    expect:\n");
            yaml.push_str(self.expect);
        }
        yaml
    }
}

fn simple(base_url: &str) -> String {
    Suite {
        base_url,
        vantages: "",
        expect: "",
    }
    .to_yaml()
}

fn run(suite: &str, vantage: &str, args: &[&OsStr]) -> Finished {
    Gatecheck::run_text(suite, vantage).args(args).execute()
}

fn reach(finished: &Finished) -> CheckResult {
    check(&finished.results(), "reach").clone()
}

fn kind(result: &CheckResult) -> String {
    result
        .error
        .as_ref()
        .map(|error| error.kind.clone())
        .unwrap_or_else(|| format!("no error ({:?})", result.outcome))
}

fn message(result: &CheckResult) -> String {
    result
        .error
        .as_ref()
        .map(|error| error.message.clone())
        .unwrap_or_default()
}

/// Creates a folder for certificate and key files, apart from the run's folder.
fn files() -> TempDir {
    tempfile::tempdir().expect("a temporary folder for certificates")
}

// TLS: failed handshakes and their evidence

#[test]
fn tls_self_signed() {
    let servers = Servers::new();
    let identity = self_signed(&["gatecheck-self-signed.test", "127.0.0.1"]);
    let address = servers.tls(&TlsOptions::new(&identity));
    let finished = run(&simple(&format!("https://{address}")), "default", &[]);
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "tls.unknown-issuer",
        "{}",
        finished.transcript()
    );
    let connection = result.connection.expect("the result has a connection");
    let certificate = connection
        .certificate
        .unwrap_or_else(|| panic!("no certificate recorded\n{}", finished.transcript()));
    assert_eq!(certificate.subject, "CN=gatecheck-self-signed.test");
    assert_eq!(
        certificate.issuer, certificate.subject,
        "a self-signed issuer"
    );
    assert_eq!(
        certificate.sans,
        ["gatecheck-self-signed.test", "127.0.0.1"]
    );
    assert_eq!(connection.tls_version.as_deref(), Some("TLS 1.3"));
    let note = connection.tls_note.unwrap_or_default();
    assert!(note.contains("second handshake"), "{note}");
}

#[test]
fn tls_untrusted_ca() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck untrusted CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions::new(&identity));
    let finished = run(&simple(&format!("https://{address}")), "default", &[]);
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "tls.unknown-issuer",
        "{}",
        finished.transcript()
    );
    let message = &result.error.as_ref().expect("an error").message;
    assert!(
        message.contains("does not lead to a CA this machine trusts (UnknownIssuer)"),
        "{message}"
    );
    let certificate = result
        .connection
        .and_then(|connection| connection.certificate)
        .expect("the presented certificate is recorded");
    assert_eq!(certificate.issuer, "CN=gatecheck untrusted CA");
}

#[test]
fn tls_evidence_in_reports() {
    let servers = Servers::new();
    let identity = self_signed(&["gatecheck-self-signed.test"]);
    let address = servers.tls(&TlsOptions::new(&identity));
    let finished = run(&simple(&format!("https://{address}")), "default", &[]);
    let line = "certificate: CN=gatecheck-self-signed.test, self-signed, valid from ";

    assert!(finished.stdout.contains(line), "{}", finished.transcript());
    assert!(
        finished.stdout.contains("note: From a second handshake"),
        "{}",
        finished.transcript()
    );
    let markdown = finished.markdown();
    let item = "- Certificate: CN=gatecheck-self-signed.test, self-signed, valid from ";
    assert!(markdown.contains(item), "{markdown}");
    let junit = finished.junit();
    assert!(junit.contains(line), "{junit}");
}

#[test]
fn json_report_matches_schema() {
    let servers = Servers::new();
    let identity = self_signed(&["gatecheck-self-signed.test"]);
    let address = servers.tls(&TlsOptions::new(&identity));
    let finished = run(&simple(&format!("https://{address}")), "default", &[]);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/results.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the schema is readable"))
            .expect("the schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    let report: serde_json::Value =
        serde_json::from_str(&finished.json()).expect("the report is JSON");

    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new(), "{}", finished.json());
}

#[test]
fn tls_hostname_mismatch() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["other.example"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions::new(&identity));
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let finished = run(
        &simple(&format!("https://{address}")),
        "default",
        &[OsStr::new("--ca-file"), ca_file.as_os_str()],
    );
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "tls.hostname-mismatch",
        "{}",
        finished.transcript()
    );
    let text = message(&result);
    assert!(
        text.contains("the certificate is not valid for 127.0.0.1: it names only other.example"),
        "{text}"
    );
    let certificate = result
        .connection
        .and_then(|connection| connection.certificate)
        .expect("the presented certificate is recorded");
    assert_eq!(certificate.sans, ["other.example"]);
    assert_eq!(certificate.issuer, "CN=gatecheck test CA");
}

#[test]
fn tls_expired() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["127.0.0.1"], Validity::EXPIRED);
    let address = servers.tls(&TlsOptions::new(&identity));
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let finished = run(
        &simple(&format!("https://{address}")),
        "default",
        &[OsStr::new("--ca-file"), ca_file.as_os_str()],
    );
    let result = reach(&finished);

    assert_eq!(kind(&result), "tls.expired", "{}", finished.transcript());
    let certificate = result
        .connection
        .clone()
        .and_then(|connection| connection.certificate)
        .expect("the presented certificate is recorded");
    assert!(certificate.days_left < 0, "{certificate:?}");
    let text = message(&result);
    assert!(
        text.contains(&format!(
            "the certificate expired: it is valid until {}",
            certificate.not_after
        )),
        "{text}"
    );
    assert!(
        finished.stdout.contains("(expired)"),
        "{}",
        finished.transcript()
    );
}

#[test]
fn tls_not_yet_valid() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["127.0.0.1"], Validity::NOT_YET);
    let address = servers.tls(&TlsOptions::new(&identity));
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let finished = run(
        &simple(&format!("https://{address}")),
        "default",
        &[OsStr::new("--ca-file"), ca_file.as_os_str()],
    );
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "tls.not-yet-valid",
        "{}",
        finished.transcript()
    );
    let certificate = result
        .connection
        .clone()
        .and_then(|connection| connection.certificate)
        .expect("the presented certificate is recorded");
    let text = message(&result);
    assert!(
        text.contains(&format!(
            "the certificate is not valid yet: it is valid from {}",
            certificate.not_before
        )),
        "{text}"
    );
}

#[test]
fn tls_client_cert_required() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let client_ca = TestCa::new("gatecheck client CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions {
        client_ca: Some(&client_ca),
        ..TlsOptions::new(&identity)
    });
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let finished = run(
        &simple(&format!("https://{address}")),
        "default",
        &[OsStr::new("--ca-file"), ca_file.as_os_str()],
    );
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "tls.handshake-rejected",
        "{}",
        finished.transcript()
    );
}

#[test]
fn tls_client_cert_passes() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let client_ca = TestCa::new("gatecheck client CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions {
        client_ca: Some(&client_ca),
        ..TlsOptions::new(&identity)
    });
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let (client_cert, client_key) = client_ca
        .client("gatecheck-client")
        .write(folder.path(), "client");
    let finished = run(
        &simple(&format!("https://{address}")),
        "default",
        &[
            OsStr::new("--ca-file"),
            ca_file.as_os_str(),
            OsStr::new("--client-cert"),
            client_cert.as_os_str(),
            OsStr::new("--client-key"),
            client_key.as_os_str(),
        ],
    );
    let result = reach(&finished);

    assert_eq!(result.outcome, Outcome::Passed, "{}", finished.transcript());
}

#[test]
fn tls_min_version_rejected() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions {
        versions: &[&rustls::version::TLS12],
        ..TlsOptions::new(&identity)
    });
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let finished = run(
        &simple(&format!("https://{address}")),
        "default",
        &[
            OsStr::new("--ca-file"),
            ca_file.as_os_str(),
            OsStr::new("--tls-min"),
            OsStr::new("1.3"),
        ],
    );
    let result = reach(&finished);

    assert!(
        kind(&result).starts_with("tls."),
        "{}",
        finished.transcript()
    );
    let message = &result.error.as_ref().expect("an error").message;
    assert!(
        message.contains("this check accepts only TLS 1.3"),
        "{message}"
    );
    let connection = result.connection.expect("the result has a connection");
    assert_eq!(
        connection.tls_version.as_deref(),
        Some("TLS 1.2"),
        "the second handshake shows what the server offers\n{}",
        finished.transcript()
    );
}

#[test]
fn tls_plain_http_port() {
    let servers = Servers::new();
    let address = servers.plain_http();
    let finished = run(&simple(&format!("https://{address}")), "default", &[]);
    let result = reach(&finished);

    assert_eq!(kind(&result), "tls.protocol", "{}", finished.transcript());
    let connection = result.connection.expect("the result has a connection");
    assert_eq!(connection.certificate, None);
    let note = connection.tls_note.unwrap_or_default();
    assert!(note.starts_with("No certificate recorded"), "{note}");
}

// TLS: evidence and assertions on a response

#[test]
fn tls_evidence_on_response() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions::new(&identity));
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let finished = run(
        &simple(&format!("https://{address}")),
        "default",
        &[OsStr::new("--ca-file"), ca_file.as_os_str()],
    );
    let result = reach(&finished);

    assert_eq!(result.outcome, Outcome::Passed, "{}", finished.transcript());
    let excerpt = result.response.and_then(|response| response.body_excerpt);
    assert_eq!(
        excerpt.as_deref(),
        Some(TLS_BODY),
        "the body the test server sends"
    );
    let connection = result.connection.expect("the result has a connection");
    assert_eq!(connection.tls_version.as_deref(), Some("TLS 1.3"));
    assert_eq!(connection.tls_note, None);
    let certificate = connection.certificate.expect("the certificate is recorded");
    assert_eq!(certificate.issuer, "CN=gatecheck test CA");
    assert_eq!(certificate.days_left, 29, "{certificate:?}");
    let junit = finished.junit();
    assert!(
        junit.contains("certificate: CN=127.0.0.1 issued by CN=gatecheck test CA"),
        "{junit}"
    );
}

/// Runs a check with `expect.certificate` set to `conditions` against a server whose
/// certificate the test CA issued for 127.0.0.1, valid for 29 more days.
fn certificate_check(conditions: &str) -> Finished {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions::new(&identity));
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let expect = format!("      certificate:\n{conditions}");
    let suite = Suite {
        base_url: &format!("https://{address}"),
        vantages: "",
        expect: &expect,
    };
    run(
        &suite.to_yaml(),
        "default",
        &[OsStr::new("--ca-file"), ca_file.as_os_str()],
    )
}

#[test]
fn certificate_assertions_pass() {
    let finished = certificate_check(
        "        min_days_left: 20\n        issuer: CN=gatecheck test CA\n        subject: \
         ^CN=127\\.0\\.0\\.1$\n        san_contains: 127.0.0.1\n",
    );
    let result = reach(&finished);

    assert_eq!(result.outcome, Outcome::Passed, "{}", finished.transcript());
}

#[test]
fn certificate_assertions_fail() {
    let finished = certificate_check(
        "        min_days_left: 60\n        issuer: Corporate CA\n        san_contains: \
         api.example.test\n",
    );
    let result = reach(&finished);

    assert_eq!(result.outcome, Outcome::Failed, "{}", finished.transcript());
    let failures: Vec<String> = result
        .failures
        .iter()
        .map(|failure| {
            format!(
                "{}: expected {}, got {}",
                failure.expectation, failure.expected, failure.actual
            )
        })
        .collect();
    assert_eq!(failures.len(), 3, "{failures:#?}");
    assert!(
        failures[0].starts_with("certificate days left: expected at least 60 days left, got 29 ("),
        "{failures:#?}"
    );
    assert_eq!(
        failures[1],
        "certificate issuer: expected matches \"Corporate CA\", got CN=gatecheck test CA"
    );
    assert_eq!(
        failures[2],
        "certificate names: expected contains api.example.test, got 127.0.0.1"
    );
    assert!(
        finished
            .stdout
            .contains("certificate names: expected contains api.example.test, got 127.0.0.1"),
        "{}",
        finished.transcript()
    );
    // The status was right, so the checks table names the expectations that failed.
    let markdown = finished.markdown();
    assert!(
        markdown.contains(
            "| ❌ failed: certificate days left, certificate issuer, certificate names | `2xx` | `200` |"
        ),
        "{markdown}"
    );
}

// Proxies: tinyproxy from Debian

/// Returns a vantage named `proxied` that sends every request through `proxy_url`.
fn proxied_vantage(proxy_url: &str) -> String {
    format!("  - name: proxied\n    proxy: {proxy_url}\n")
}

#[test]
fn proxy_vantage_passes() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions::new(&identity));
    let proxy = Tinyproxy::start(&ProxyOptions::default());
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let suite = Suite {
        base_url: &format!("https://{address}"),
        vantages: &proxied_vantage(&proxy.url()),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .args([OsStr::new("--ca-file"), ca_file.as_os_str()])
        .execute();
    let result = reach(&finished);

    assert_eq!(
        result.outcome,
        Outcome::Passed,
        "{}\n{}",
        finished.transcript(),
        proxy.log()
    );
    let connection = result.connection.expect("the result has a connection");
    assert_eq!(connection.proxy.as_deref(), Some(proxy.url().as_str()));
    assert_eq!(connection.proxy_source, "vantage proxied");
    assert!(
        proxy.log().contains(&format!("CONNECT {address}")),
        "the request did not go through tinyproxy:\n{}",
        proxy.log()
    );
    // reqwest reports no TLS details through a tunnel; a handshake of gatecheck's own through
    // the same proxy does.
    let note = connection.tls_note.unwrap_or_default();
    assert!(
        note.contains(&format!(
            "From a separate handshake through the proxy {}",
            proxy.address()
        )),
        "{note}"
    );
    let certificate = connection.certificate.expect("the certificate is recorded");
    assert!(
        certificate.issuer.contains("gatecheck test CA"),
        "{certificate:?}"
    );
    // Support staff read the route of a passing run in the reports, not only in the JSON.
    let markdown = finished.markdown();
    assert!(
        markdown.contains(&format!(
            "| Network | proxy `{}` (vantage proxied): 1 check |",
            proxy.url()
        )),
        "{markdown}"
    );
    let junit = finished.junit();
    assert!(
        junit.contains(&format!("proxy: {} (vantage proxied)", proxy.url())),
        "{junit}"
    );
}

#[test]
fn proxy_certificate_conditions_checked() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions::new(&identity));
    let proxy = Tinyproxy::start(&ProxyOptions::default());
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let suite = Suite {
        base_url: &format!("https://{address}"),
        vantages: &proxied_vantage(&proxy.url()),
        expect: "      certificate:\n        min_days_left: 100000\n        issuer: gatecheck test CA\n",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .args([OsStr::new("--ca-file"), ca_file.as_os_str()])
        .execute();
    let result = reach(&finished);

    // The issuer matches; the certificate ends long before 100,000 days.
    assert_eq!(result.outcome, Outcome::Failed, "{}", finished.transcript());
    assert_eq!(result.failures.len(), 1, "{:#?}", result.failures);
    let failure = &result.failures[0];
    assert!(failure.actual.contains("valid until"), "{failure:?}");
}

#[test]
fn proxy_environment_passes() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions::new(&identity));
    let proxy = Tinyproxy::start(&ProxyOptions::default());
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let finished = Gatecheck::run_text(&simple(&format!("https://{address}")), "default")
        .env("NO_PROXY", "")
        .env("HTTPS_PROXY", proxy.url())
        .args([OsStr::new("--ca-file"), ca_file.as_os_str()])
        .execute();
    let result = reach(&finished);

    assert_eq!(result.outcome, Outcome::Passed, "{}", finished.transcript());
    let connection = result.connection.expect("the result has a connection");
    assert_eq!(connection.proxy.as_deref(), Some(proxy.url().as_str()));
    assert_eq!(connection.proxy_source, "HTTPS_PROXY");
}

#[test]
fn proxy_port_refused() {
    let servers = Servers::new();
    let identity = self_signed(&["127.0.0.1"]);
    let address = servers.tls(&TlsOptions::new(&identity));
    let proxy = Tinyproxy::start(&ProxyOptions {
        connect_ports: &[443],
        ..ProxyOptions::default()
    });
    let suite = Suite {
        base_url: &format!("https://{address}"),
        vantages: &proxied_vantage(&proxy.url()),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "proxy.connect-failed",
        "{}\n{}",
        finished.transcript(),
        proxy.log()
    );
    // reqwest only says the tunnel was unsuccessful; the proxy's own answer says why.
    let message = &result.error.as_ref().expect("an error").message;
    assert!(
        message.contains(&format!("the proxy answered CONNECT {address} with 403")),
        "{message}"
    );
    // The connection that was made is the one to the proxy.
    let connection = result.connection.expect("the connection is recorded");
    assert_eq!(connection.addresses_tried, [proxy.address().to_string()]);
}

#[test]
fn proxy_target_refused() {
    let target = closed_loopback_port();
    let proxy = Tinyproxy::start(&ProxyOptions::default());
    let suite = Suite {
        base_url: &format!("https://{target}"),
        vantages: &proxied_vantage(&proxy.url()),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "proxy.connect-failed",
        "{}\n{}",
        finished.transcript(),
        proxy.log()
    );
    let message = &result.error.as_ref().expect("an error").message;
    assert!(
        message.contains(&format!("the proxy answered CONNECT {target} with 5")),
        "{message}"
    );
}

/// A proxy that does not listen is the proxy's failure, not the server's, for HTTPS (a
/// tunnel) and for plain HTTP (a request to the proxy) alike.
#[test]
fn proxy_not_listening() {
    let servers = Servers::new();
    let server = servers.plain_http();
    let proxy = closed_loopback_port();
    for base_url in [format!("https://{server}"), format!("http://{server}")] {
        let suite = Suite {
            base_url: &base_url,
            vantages: &proxied_vantage(&format!("http://{proxy}")),
            expect: "",
        };
        let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
            .env("NO_PROXY", "")
            .execute();
        let result = reach(&finished);

        assert_eq!(
            kind(&result),
            "proxy.connect-failed",
            "{base_url}\n{}",
            finished.transcript()
        );
        let message = &result.error.as_ref().expect("an error").message;
        assert!(
            message.contains(&format!("cannot reach the proxy {proxy}")),
            "{message}"
        );
        let diagnosis = result.diagnosis.expect("a diagnosis");
        assert_eq!(diagnosis.id, "builtin.proxy.connect-failed");
    }
}

/// A proxy name that does not resolve is reported as the proxy's, not as the target's name.
#[test]
fn proxy_name_not_found() {
    let suite = Suite {
        base_url: "https://gateway.example",
        // The namespace run sets NO_PROXY=*, which a vantage's own list replaces.
        vantages: &format!(
            "{}    no_proxy: localhost\n",
            proxied_vantage("http://proxy.invalid:3128")
        ),
        expect: "",
    }
    .to_yaml();
    let results = run_in_namespace(&suite, "");
    let result = check(&results, "reach");

    assert_eq!(kind(result), "proxy.connect-failed", "{results:#?}");
    let message = &result.error.as_ref().expect("an error").message;
    assert!(
        message
            .contains("cannot reach the proxy proxy.invalid:3128: proxy.invalid did not resolve"),
        "{message}"
    );
}

/// A proxy URL that the HTTP client would silently ignore is rejected before anything is
/// sent, from the command line and from the environment alike.
#[test]
fn proxy_unknown_scheme_rejected() {
    let address = closed_loopback_port();
    let suite = simple(&format!("https://{address}"));

    let flag = Gatecheck::run_text(&suite, "default")
        .env("NO_PROXY", "")
        .args(["--proxy", "ftp://user:secret-password@x"])
        .execute();
    assert_eq!(flag.code, Some(2), "{}", flag.transcript());
    assert!(
        flag.stderr.contains("invalid proxy URL from --proxy"),
        "{}",
        flag.stderr
    );
    assert!(flag.stderr.contains("not ftp://"), "{}", flag.stderr);
    assert!(!flag.stderr.contains("secret-password"), "{}", flag.stderr);

    let environment = Gatecheck::run_text(&suite, "default")
        .env("NO_PROXY", "")
        .env("HTTPS_PROXY", "ftp://user:secret-password@proxy.example:21")
        .execute();
    assert_eq!(environment.code, Some(2), "{}", environment.transcript());
    assert!(
        environment
            .stderr
            .contains("invalid proxy URL from HTTPS_PROXY"),
        "{}",
        environment.stderr
    );
    assert!(
        !environment.stderr.contains("secret-password"),
        "{}",
        environment.stderr
    );
}

/// The password of a proxy URL is masked in every report however short it is.
#[test]
fn proxy_short_password_masked() {
    let address = closed_loopback_port();
    let proxy = closed_loopback_port();
    let finished = Gatecheck::run_text(&simple(&format!("https://{address}")), "default")
        .env("NO_PROXY", "")
        .args(["--proxy", &format!("http://user:pw@{proxy}")])
        .execute();
    let result = reach(&finished);

    let connection = result.connection.expect("the connection is recorded");
    assert_eq!(
        connection.proxy.as_deref(),
        Some(format!("http://user:********@{proxy}").as_str())
    );
    for (name, text) in [
        ("stdout", finished.stdout.clone()),
        ("Markdown", finished.markdown()),
        ("JUnit", finished.junit()),
    ] {
        assert!(!text.contains("user:pw@"), "{name}:\n{text}");
    }
}

#[test]
fn proxy_auth_required() {
    let servers = Servers::new();
    let identity = self_signed(&["127.0.0.1"]);
    let address = servers.tls(&TlsOptions::new(&identity));
    let proxy = Tinyproxy::start(&ProxyOptions {
        basic_auth: Some((PROXY_USER, CANARY_PASSWORD)),
        ..ProxyOptions::default()
    });
    let suite = Suite {
        base_url: &format!("https://{address}"),
        vantages: &proxied_vantage(&proxy.url()),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "proxy.auth-required",
        "{}\n{}",
        finished.transcript(),
        proxy.log()
    );
}

/// Through a proxy, a plain HTTP request goes to the proxy, so its 407 is not the server's.
#[test]
fn proxy_auth_required_plain_http() {
    let servers = Servers::new();
    let address = servers.plain_http();
    let proxy = Tinyproxy::start(&ProxyOptions {
        basic_auth: Some((PROXY_USER, CANARY_PASSWORD)),
        ..ProxyOptions::default()
    });
    let suite = Suite {
        base_url: &format!("http://{address}"),
        vantages: &proxied_vantage(&proxy.url()),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "proxy.auth-required",
        "{}\n{}",
        finished.transcript(),
        proxy.log()
    );
    let message = &result.error.as_ref().expect("an error").message;
    assert!(
        message.contains("the proxy URL has no credentials"),
        "{message}"
    );
}

/// Through a proxy, a plain HTTP request goes to the proxy, which sends its own error page
/// when it cannot reach the server. That is the proxy's failure, not the server's 500.
#[test]
fn proxy_plain_http_target_refused() {
    let proxy = Tinyproxy::start(&ProxyOptions::default());
    let closed = closed_loopback_port();
    let suite = Suite {
        base_url: &format!("http://{closed}"),
        vantages: &proxied_vantage(&proxy.url()),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "proxy.connect-failed",
        "{}\n{}",
        finished.transcript(),
        proxy.log()
    );
    let message = message(&result);
    assert!(
        message.starts_with(
            "the proxy answered the request with 500 instead of forwarding it (Server: tinyproxy/"
        ),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "and the proxy answered CONNECT {closed} with 500 Unable to connect"
        )),
        "{message}"
    );
}

/// A server's own error response passes through the proxy unchanged and stays the server's.
#[test]
fn proxy_forwards_server_error() {
    let servers = Servers::new();
    let address = servers.server_error("Server: gateway-app\r\n");
    let proxy = Tinyproxy::start(&ProxyOptions::default());
    let suite = Suite {
        base_url: &format!("http://{address}"),
        vantages: &proxied_vantage(&proxy.url()),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(result.outcome, Outcome::Failed, "{}", finished.transcript());
    assert_eq!(result.response.expect("a response").status, 500);
}

/// A reverse proxy in front of the server marks its error pages like a forward proxy does.
/// The forward proxy can reach the server, so the page belongs to the server side.
#[test]
fn proxy_forwards_reverse_proxy_error() {
    let servers = Servers::new();
    let address =
        servers.server_error("Server: squid/5.7\r\nX-Squid-Error: ERR_READ_TIMEOUT 0\r\n");
    let proxy = Tinyproxy::start(&ProxyOptions::default());
    let suite = Suite {
        base_url: &format!("http://{address}"),
        vantages: &proxied_vantage(&proxy.url()),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(result.outcome, Outcome::Failed, "{}", finished.transcript());
    assert_eq!(result.response.expect("a response").status, 500);
    assert!(
        proxy.log().contains(&format!("CONNECT {address}")),
        "the proxy was not asked for a tunnel:\n{}",
        proxy.log()
    );
}

#[test]
fn proxy_credentials_masked() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions::new(&identity));
    let proxy = Tinyproxy::start(&ProxyOptions {
        basic_auth: Some((PROXY_USER, CANARY_PASSWORD)),
        ..ProxyOptions::default()
    });
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    // The password comes from the environment, as it would in practice, and the variable is
    // not marked secret: credentials in a proxy URL are masked anyway.
    let suite = Suite {
        base_url: &format!("https://{address}"),
        vantages: &proxied_vantage(&proxy.url_with(PROXY_USER, "${PROXY_PASSWORD}")),
        expect: "",
    }
    .to_yaml()
    .replacen(
        "defaults:",
        "variables:\n  PROXY_PASSWORD:\n    env: GATECHECK_TEST_PROXY_PASSWORD\ndefaults:",
        1,
    );
    // `execute` fails the test when the password appears in any output or report.
    let finished = Gatecheck::run_text(&suite, "proxied")
        .env("NO_PROXY", "")
        .env("GATECHECK_TEST_PROXY_PASSWORD", CANARY_PASSWORD)
        .args([OsStr::new("--ca-file"), ca_file.as_os_str()])
        .execute();
    let result = reach(&finished);

    assert_eq!(
        result.outcome,
        Outcome::Passed,
        "{}\n{}",
        finished.transcript(),
        proxy.log()
    );
    let connection = result.connection.expect("the result has a connection");
    assert_eq!(
        connection.proxy.as_deref(),
        Some(format!("http://{PROXY_USER}:********@{}", proxy.address()).as_str())
    );
}

#[test]
fn proxy_tls_failure_noted() {
    let servers = Servers::new();
    let identity = self_signed(&["127.0.0.1"]);
    let address = servers.tls(&TlsOptions::new(&identity));
    let proxy = Tinyproxy::start(&ProxyOptions::default());
    let suite = Suite {
        base_url: &format!("https://{address}"),
        vantages: &proxied_vantage(&proxy.url()),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "tls.unknown-issuer",
        "{}",
        finished.transcript()
    );
    // The second handshake goes through the same proxy.
    let connection = result.connection.expect("the result has a connection");
    let certificate = connection.certificate.expect("the certificate is recorded");
    assert!(certificate.subject.contains("127.0.0.1"), "{certificate:?}");
    let note = connection.tls_note.unwrap_or_default();
    assert!(
        note.contains(&format!("through the proxy {}", proxy.address())),
        "{note}"
    );
    assert!(
        proxy.log().matches(&format!("CONNECT {address}")).count() >= 2,
        "{}",
        proxy.log()
    );
}

// SOCKS5 proxies: microsocks from Debian

/// A request through a SOCKS5 vantage reaches the server from the proxy's outgoing address,
/// and the reports name the proxy.
#[test]
fn socks5_vantage_passes() {
    let servers = Servers::new();
    let (address, peers) = servers.peer_logger();
    let proxy = Microsocks::start(&SocksOptions {
        outgoing_address: Some(std::net::Ipv4Addr::new(127, 0, 0, 2)),
        ..SocksOptions::default()
    });
    let suite = Suite {
        base_url: &format!("http://{address}"),
        vantages: &proxied_vantage(&proxy.url("socks5")),
        expect: "      body:\n        - contains: 127.0.0.2\n",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(result.outcome, Outcome::Passed, "{}", finished.transcript());
    assert_eq!(
        *peers.lock().expect("the peer log"),
        [std::net::IpAddr::from([127, 0, 0, 2])],
        "the request did not come from the proxy"
    );
    let connection = result.connection.expect("the result has a connection");
    assert_eq!(
        connection.proxy.as_deref(),
        Some(proxy.url("socks5").as_str())
    );
    assert_eq!(connection.proxy_source, "vantage proxied");
    let markdown = finished.markdown();
    assert!(
        markdown.contains(&format!(
            "| Network | proxy `{}` (vantage proxied): 1 check |",
            proxy.url("socks5")
        )),
        "{markdown}"
    );
}

/// reqwest keeps no TLS details of a SOCKS5 tunnel; gatecheck's own handshake through the
/// same proxy records the certificate, for a failed handshake too.
#[test]
fn socks5_tls_failure_shows_certificate() {
    let servers = Servers::new();
    let identity = self_signed(&["127.0.0.1"]);
    let address = servers.tls(&TlsOptions::new(&identity));
    let proxy = Microsocks::start(&SocksOptions::default());
    let suite = Suite {
        base_url: &format!("https://{address}"),
        vantages: &proxied_vantage(&proxy.url("socks5h")),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "tls.unknown-issuer",
        "{}",
        finished.transcript()
    );
    let connection = result.connection.expect("the result has a connection");
    let certificate = connection.certificate.expect("the certificate is recorded");
    assert!(certificate.subject.contains("127.0.0.1"), "{certificate:?}");
    let note = connection.tls_note.unwrap_or_default();
    assert!(
        note.contains(&format!("through the proxy {}", proxy.address())),
        "{note}"
    );
    let markdown = finished.markdown();
    assert!(markdown.contains(&certificate.subject), "{markdown}");
    let junit = finished.junit();
    assert!(junit.contains(&certificate.subject), "{junit}");
}

#[test]
fn socks5_certificate_conditions_checked() {
    let servers = Servers::new();
    let ca = TestCa::new("gatecheck test CA");
    let identity = ca.server(&["127.0.0.1"], Validity::CURRENT);
    let address = servers.tls(&TlsOptions::new(&identity));
    let proxy = Microsocks::start(&SocksOptions::default());
    let folder = files();
    let ca_file = ca.write(folder.path(), "ca");
    let suite = Suite {
        base_url: &format!("https://{address}"),
        vantages: &proxied_vantage(&proxy.url("socks5")),
        expect: "      certificate:\n        issuer: gatecheck test CA\n        san_contains: 127.0.0.1\n",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .args([OsStr::new("--ca-file"), ca_file.as_os_str()])
        .execute();
    let result = reach(&finished);

    assert_eq!(result.outcome, Outcome::Passed, "{}", finished.transcript());
}

#[test]
fn socks5_target_refused() {
    let proxy = Microsocks::start(&SocksOptions::default());
    let closed = closed_loopback_port();
    let suite = Suite {
        base_url: &format!("https://{closed}"),
        vantages: &proxied_vantage(&proxy.url("socks5")),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "proxy.connect-failed",
        "{}",
        finished.transcript()
    );
    let message = message(&result);
    assert!(
        message.contains(&format!(
            "the SOCKS5 proxy answered CONNECT {closed} with reply 5: the target refused the \
             proxy's connection"
        )),
        "{message}"
    );
}

/// A SOCKS5 proxy written as http:// replies to the CONNECT with SOCKS5 bytes, so the message
/// names the scheme to write.
#[test]
fn socks5_proxy_written_as_http() {
    let servers = Servers::new();
    let identity = self_signed(&["127.0.0.1"]);
    let address = servers.tls(&TlsOptions::new(&identity));
    let proxy = Microsocks::start(&SocksOptions::default());
    let suite = Suite {
        base_url: &format!("https://{address}"),
        vantages: &proxied_vantage(&format!("http://{}", proxy.address())),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "proxy.connect-failed",
        "{}",
        finished.transcript()
    );
    let message = message(&result);
    assert!(
        message.contains("it is a SOCKS5 answer, not HTTP: write the proxy URL as socks5://"),
        "{message}"
    );
}

/// A plain HTTP request goes to an http:// proxy as it is, so a SOCKS5 proxy written as
/// http:// replies with bytes that are not HTTP. The probe's CONNECT names the protocol.
#[test]
fn socks5_proxy_written_as_http_plain_target() {
    let servers = Servers::new();
    let address = servers.server_error("Server: gateway-app\r\n");
    let proxy = Microsocks::start(&SocksOptions::default());
    let suite = Suite {
        base_url: &format!("http://{address}"),
        vantages: &proxied_vantage(&format!("http://{}", proxy.address())),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "proxy.connect-failed",
        "{}",
        finished.transcript()
    );
    let message = message(&result);
    assert!(
        message.contains("it is a SOCKS5 answer, not HTTP: write the proxy URL as socks5://"),
        "{message}"
    );
}

#[test]
fn socks5_auth_missing() {
    let proxy = Microsocks::start(&SocksOptions {
        credentials: Some((PROXY_USER, CANARY_PASSWORD)),
        ..SocksOptions::default()
    });
    let servers = Servers::new();
    let address = servers.plain_http();
    let suite = Suite {
        base_url: &format!("http://{address}"),
        vantages: &proxied_vantage(&proxy.url("socks5")),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "proxy.auth-required",
        "{}",
        finished.transcript()
    );
    let message = message(&result);
    assert!(
        message.contains(
            "the SOCKS5 proxy requires a user name and password, and the proxy URL has none"
        ),
        "{message}"
    );
}

#[test]
fn socks5_auth_rejected() {
    let proxy = Microsocks::start(&SocksOptions {
        credentials: Some((PROXY_USER, CANARY_PASSWORD)),
        ..SocksOptions::default()
    });
    let servers = Servers::new();
    let address = servers.plain_http();
    let suite = Suite {
        base_url: &format!("http://{address}"),
        vantages: &proxied_vantage(&proxy.url_with(PROXY_USER, "not-the-password")),
        expect: "",
    };
    let finished = Gatecheck::run_text(&suite.to_yaml(), "proxied")
        .env("NO_PROXY", "")
        .execute();
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "proxy.auth-required",
        "{}",
        finished.transcript()
    );
    let message = message(&result);
    assert!(
        message.contains("the SOCKS5 proxy did not accept the proxy URL's user name and password"),
        "{message}"
    );
    // The rejected password is masked like any proxy password.
    assert!(
        !finished.transcript().contains("not-the-password"),
        "{}",
        finished.transcript()
    );
}

// Connections

#[test]
fn dns_invalid_name() {
    let suite = simple("https://gatecheck-test.invalid");
    let results = run_without_network(&suite);
    let result = check(&results, "reach");

    assert_eq!(kind(result), "dns", "{results:#?}");
}

/// Runs gatecheck in a new user and network namespace (`unshare`), which has no routes, so a
/// DNS query fails on this machine instead of reaching the configured resolver.
fn run_without_network(suite: &str) -> RunResults {
    run_in_namespace(suite, "")
}

/// Runs gatecheck in a new user and network namespace after the shell commands in `setup`
/// (such as `ip route` changes), which act on the namespace only.
fn run_in_namespace(suite: &str, setup: &str) -> RunResults {
    let folder = tempfile::tempdir().expect("a temporary folder for the run");
    std::fs::write(folder.path().join("suite.yaml"), suite).expect("the suite is written");
    let unshare = ["/usr/bin/unshare", "/bin/unshare"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .unwrap_or_else(|| {
            panic!(
                "unshare is missing; this test runs gatecheck in a network namespace without \
                 routes. Install it: `sudo apt-get install util-linux`"
            )
        });
    let mut command = Command::new(unshare);
    command
        .current_dir(folder.path())
        .args(["--user", "--map-root-user", "--net", "--", "sh", "-ec"])
        .arg(format!(
            "{setup}\nexec \"$0\" run suite.yaml --json results.json"
        ))
        .arg(env!("CARGO_BIN_EXE_gatecheck"))
        .env("NO_PROXY", "*");
    let output = assert_cmd::Command::from_std(command)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("unshare starts");
    let transcript = format!(
        "exit code: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(folder.path().join("results.json")).unwrap_or_else(|_| {
        panic!(
            "gatecheck wrote no results in a new network namespace. When unshare reports \
             `Operation not permitted`, this machine forbids unprivileged user namespaces \
             (sysctl kernel.unprivileged_userns_clone=1 allows them)\n{transcript}"
        )
    });
    gatecheck::report::json::parse(&text)
        .unwrap_or_else(|error| panic!("the JSON report parses: {error}\n{text}"))
}

/// 192.0.2.0/24 is reserved for documentation (RFC 5737); the namespace has no route to it.
#[test]
fn connect_network_unreachable() {
    let results = run_without_network(&simple("https://192.0.2.1"));
    let result = check(&results, "reach");

    assert_eq!(kind(result), "connect.unreachable", "{results:#?}");
    let error = result.error.as_ref().expect("the error is recorded");
    assert!(
        error.message.contains("unreachable"),
        "the message keeps the system's words: {}",
        error.message
    );
    let diagnosis = result.diagnosis.as_ref().expect("a diagnosis");
    assert_eq!(diagnosis.id, "builtin.connect.unreachable");
    let connection = result
        .connection
        .as_ref()
        .expect("the connection is recorded");
    assert_eq!(connection.addresses_tried, ["192.0.2.1:443"]);
}

/// An `unreachable` route makes the kernel answer as a router's ICMP host-unreachable does.
#[test]
fn connect_host_unreachable() {
    let results = run_in_namespace(
        &simple("http://192.0.2.1"),
        "ip link set lo up\nip route add unreachable 192.0.2.0/24",
    );
    let result = check(&results, "reach");

    assert_eq!(kind(result), "connect.unreachable", "{results:#?}");
    let error = result.error.as_ref().expect("the error is recorded");
    assert!(
        error.message.contains("No route to host"),
        "the message keeps the system's words: {}",
        error.message
    );
}

#[test]
fn connect_refused() {
    let address = closed_loopback_port();
    let finished = run(&simple(&format!("https://{address}")), "default", &[]);
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "connect.refused",
        "{}",
        finished.transcript()
    );
    let connection = result.connection.expect("the connection is recorded");
    assert_eq!(connection.addresses_tried, [address.to_string()]);
    assert_eq!(connection.remote_address, None);
}

/// The words and statuses that mark proxy errors are not looked for in the URL: a host named
/// like a proxy, or a port such as 40767, says nothing about a proxy.
#[test]
fn connect_refused_host_named_proxy() {
    let address = closed_loopback_port();
    let suite = Suite {
        base_url: &format!("https://proxy-407.test:{}", address.port()),
        vantages: "  - name: named\n    resolve:\n      proxy-407.test: 127.0.0.1\n",
        expect: "",
    }
    .to_yaml();
    let finished = run(&suite, "named", &[]);
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "connect.refused",
        "{}",
        finished.transcript()
    );
}

#[test]
fn connect_refused_names_address_in_reports() {
    let address = closed_loopback_port();
    let suite = simple(&format!("https://localhost:{}", address.port()));
    let finished = run(&suite, "default", &[]);
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "connect.refused",
        "{}",
        finished.transcript()
    );
    // localhost resolves through /etc/hosts; every address it has was tried.
    let tried = result.connection.expect("connection").addresses_tried;
    assert!(
        tried.contains(&format!("127.0.0.1:{}", address.port())),
        "{tried:?}"
    );
    let markdown = finished.markdown();
    assert!(
        markdown.contains(&format!(
            "- Addresses tried: `127.0.0.1:{}`",
            address.port()
        )),
        "{markdown}"
    );
    let junit = finished.junit();
    assert!(
        junit.contains(&format!("addresses tried: 127.0.0.1:{}", address.port())),
        "{junit}"
    );
}

#[test]
fn connect_timeout_full_queue() {
    let mut servers = Servers::new();
    let address = servers.full_accept_queue();
    let finished = run(
        &simple(&format!("https://{address}")),
        "default",
        &[OsStr::new("--connect-timeout"), OsStr::new("1s")],
    );
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "connect.timeout",
        "{}",
        finished.transcript()
    );
    let text = message(&result);
    assert!(
        text.contains(&format!(
            "then a second TCP connection to {address} got no answer within 1000 ms"
        )),
        "{text}"
    );
    let connection = result.connection.expect("the connection is recorded");
    assert_eq!(connection.addresses_tried, [address.to_string()]);
}

#[test]
fn tls_handshake_stalled() {
    let servers = Servers::new();
    // Accepts the TCP connection and reads the ClientHello without ever answering.
    let address = servers.silent();
    let finished = run(
        &simple(&format!("https://{address}")),
        "default",
        &[OsStr::new("--connect-timeout"), OsStr::new("1s")],
    );
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "tls.handshake-timeout",
        "{}",
        finished.transcript()
    );
    let text = message(&result);
    assert!(
        text.contains(&format!("the TCP connection to {address} was set up in")),
        "{text}"
    );
    assert!(
        text.contains("did not complete the TLS handshake within the connect timeout of 1000 ms"),
        "{text}"
    );
    let diagnosis = result.diagnosis.expect("a diagnosis");
    assert_eq!(diagnosis.id, "builtin.tls.handshake-timeout");
    let note = result
        .connection
        .and_then(|connection| connection.tls_note)
        .expect("a TLS note");
    assert!(
        note.contains("sent no answer to its TLS ClientHello"),
        "{note}"
    );
}

#[test]
fn tls_handshake_stall_probed_once() {
    let servers = Servers::new();
    let (address, connections) = servers.silent_counted();
    let mut suite = simple(&format!("https://{address}"));
    for index in 2..=4 {
        suite.push_str(&format!(
            "  - id: reach{index}\n    request:\n      url: /{index}\n"
        ));
    }
    let finished = run(
        &suite,
        "default",
        &[OsStr::new("--connect-timeout"), OsStr::new("1s")],
    );
    let results = finished.results();

    for id in ["reach", "reach2", "reach3", "reach4"] {
        assert_eq!(
            kind(check(&results, id)),
            "tls.handshake-timeout",
            "{id}: {}",
            finished.transcript()
        );
    }
    // One connection per check, and one for the probe that the four checks share.
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        5,
        "{}",
        finished.transcript()
    );
}

#[test]
fn connect_reset_during_handshake() {
    let servers = Servers::new();
    let address = servers.resets();
    let finished = run(&simple(&format!("https://{address}")), "default", &[]);
    let result = reach(&finished);

    assert_eq!(kind(&result), "connect.reset", "{}", finished.transcript());
}

#[test]
fn http_garbage_response() {
    let servers = Servers::new();
    let address = servers.garbage();
    let finished = run(&simple(&format!("http://{address}")), "default", &[]);
    let result = reach(&finished);

    assert_eq!(kind(&result), "http.protocol", "{}", finished.transcript());
}

#[test]
fn redirect_loop() {
    let servers = Servers::new();
    let address = servers.redirect_loop();
    let suite = simple(&format!("http://{address}")).replace(
        "  timeout: 5s\n",
        "  timeout: 5s\n  follow_redirects: true\n",
    );
    let finished = run(&suite, "default", &[]);
    let result = reach(&finished);

    assert_eq!(kind(&result), "redirect.loop", "{}", finished.transcript());
}

#[test]
fn response_timeout_silent() {
    let servers = Servers::new();
    let address = servers.silent();
    let suite = simple(&format!("http://{address}")).replace("timeout: 5s", "timeout: 1s");
    let finished = run(&suite, "default", &[]);
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "timeout.response",
        "{}",
        finished.transcript()
    );
}

#[test]
fn closed_mid_response() {
    let servers = Servers::new();
    let address = servers.closes_mid_response();
    let finished = run(&simple(&format!("http://{address}")), "default", &[]);
    let result = reach(&finished);

    assert_eq!(kind(&result), "closed.early", "{}", finished.transcript());
}

#[test]
fn local_address_per_vantage() {
    let servers = Servers::new();
    let (address, peers) = servers.peer_logger();
    let suite = Suite {
        base_url: &format!("http://{address}"),
        vantages: "  - name: second\n    local_address: 127.0.0.2\n  - name: third\n    \
                   local_address: 127.0.0.3\n",
        expect: "",
    }
    .to_yaml();

    for (vantage, source) in [("second", "127.0.0.2"), ("third", "127.0.0.3")] {
        let finished = run(&suite, vantage, &[]);
        let result = reach(&finished);
        assert_eq!(result.outcome, Outcome::Passed, "{}", finished.transcript());
        let seen = peers
            .lock()
            .expect("the peer log")
            .last()
            .map(ToString::to_string);
        assert_eq!(seen.as_deref(), Some(source), "vantage {vantage}");
        let connection = result.connection.expect("a connection");
        assert_eq!(connection.local_address.as_deref(), Some(source));
        assert!(
            finished.markdown().contains(&format!("from `{source}`")),
            "{}",
            finished.markdown()
        );
    }
}

/// 192.0.2.55 is a documentation address (RFC 5737) that no interface of a test machine has,
/// so binding to it fails before any packet is sent.
#[test]
fn local_address_not_on_machine() {
    let servers = Servers::new();
    let (address, _peers) = servers.peer_logger();
    let suite = Suite {
        base_url: &format!("http://{address}"),
        vantages: "  - name: elsewhere\n    local_address: 192.0.2.55\n",
        expect: "",
    }
    .to_yaml();
    let finished = run(&suite, "elsewhere", &[]);
    let result = reach(&finished);

    assert_eq!(
        kind(&result),
        "connect.local-address",
        "{}",
        finished.transcript()
    );
    let message = &result.error.as_ref().expect("an error").message;
    assert!(
        message.starts_with("cannot send from the source address 192.0.2.55: "),
        "{message}"
    );
    let diagnosis = result.diagnosis.expect("a diagnosis");
    assert_eq!(diagnosis.id, "builtin.connect.local-address");

    // Through a proxy, the source address is bound for the connection to the proxy: still
    // this machine's problem, not the proxy's.
    let proxy = closed_loopback_port();
    let proxied = Suite {
        base_url: &format!("https://{address}"),
        vantages: &format!(
            "  - name: elsewhere\n    local_address: 192.0.2.55\n    proxy: http://{proxy}\n"
        ),
        expect: "",
    }
    .to_yaml();
    let finished = Gatecheck::run_text(&proxied, "elsewhere")
        .env("NO_PROXY", "")
        .execute();
    assert_eq!(
        kind(&reach(&finished)),
        "connect.local-address",
        "{}",
        finished.transcript()
    );
}
