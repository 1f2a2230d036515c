//! Running parts of a suite, dependencies and captures, dry runs, listing, and the generated
//! shell completions and manual page, through the real binary.

mod common;

use common::{CANARY_PASSWORD, Gatecheck, Simulator, check, ise_suite};
use gatecheck::mock_ise::Scenario;
use gatecheck::results::Outcome;

/// A suite whose second check uses a value the first captures, against the simulator's ERS
/// list of 18 endpoint groups.
const CAPTURE_SUITE: &str = r#"
name: Captures
variables:
  ISE_HOST: { env: ISE_HOST }
  ISE_API_USER: { env: ISE_API_USER }
  ISE_API_PASSWORD: { env: ISE_API_PASSWORD, secret: true }
defaults:
  base_url: https://${ISE_HOST}
  headers: { Accept: application/json }
  auth: { basic: { user: "${ISE_API_USER}", password: "${ISE_API_PASSWORD}" } }
vantages: [internal, cloud]
hints:
  - id: any-failure
    title: Something failed
    explanation: See the expectations.
checks:
  - id: first-group
    request:
      url: /ers/config/endpointgroup
      query: { page: 1, size: 1, sortasc: name }
    capture:
      GROUP_ID: { jsonpath: "$.SearchResult.resources[0].id", secret: true }
      TOTAL: { jsonpath: $.SearchResult.total }
  - id: page-by-total
    depends_on: [first-group]
    request:
      url: /ers/config/endpointgroup
      query: { page: 1, size: "${TOTAL}", sortasc: name }
    expect:
      body:
        - jsonpath: $.SearchResult.resources[*]
          count: 18
  - id: cloud-only
    vantages: [cloud]
    request:
      url: /ers/config/endpointgroup
"#;

#[test]
fn capture_feeds_later_check() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run_text(CAPTURE_SUITE, "internal")
        .against(&simulator)
        .execute();
    let results = finished.results();
    assert_eq!(
        check(&results, "page-by-total").outcome,
        Outcome::Passed,
        "{}",
        finished.transcript()
    );
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
}

#[test]
fn secret_capture_is_masked() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run_text(CAPTURE_SUITE, "internal")
        .against(&simulator)
        .execute();
    let json = finished.json();
    let first = check(&finished.results(), "first-group").clone();
    let excerpt = first
        .response
        .and_then(|response| response.body_excerpt)
        .unwrap_or_default();
    assert!(excerpt.contains("\"id\" : \"********\""), "{excerpt}");
    assert!(!json.contains(CANARY_PASSWORD), "{json}");
}

#[test]
fn check_outside_its_vantages_is_skipped() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run_text(CAPTURE_SUITE, "internal")
        .against(&simulator)
        .execute();
    let results = finished.results();
    let cloud_only = check(&results, "cloud-only");
    assert_eq!(cloud_only.outcome, Outcome::Skipped);
    assert_eq!(
        cloud_only.skip_reason.as_deref(),
        Some("runs only at vantage cloud, not at internal")
    );
}

#[test]
fn failed_dependency_skips_dependent() {
    let simulator = Simulator::start(Scenario::ErsDisabled);
    let finished = Gatecheck::run_text(CAPTURE_SUITE, "internal")
        .against(&simulator)
        .execute();
    let results = finished.results();
    let dependent = check(&results, "page-by-total");
    assert_eq!(
        dependent.outcome,
        Outcome::Skipped,
        "{}",
        finished.transcript()
    );
    assert_eq!(
        dependent.skip_reason.as_deref(),
        Some("dependency `first-group` failed")
    );
    assert_eq!(finished.code, Some(1));
}

#[test]
fn check_option_runs_one_check() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .against(&simulator)
        .args(["--check", "openapi"])
        .execute();
    let ids: Vec<String> = finished
        .results()
        .checks
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["openapi"], "{}", finished.transcript());
}

#[test]
fn check_option_pulls_in_dependencies() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run_text(CAPTURE_SUITE, "internal")
        .against(&simulator)
        .args(["--check", "page-by-total"])
        .execute();
    let ids: Vec<String> = finished
        .results()
        .checks
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        ids,
        ["first-group", "page-by-total"],
        "{}",
        finished.transcript()
    );
}

#[test]
fn negated_tag_excludes_checks() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .against(&simulator)
        .args(["--tag", "not mnt"])
        .execute();
    let ids: Vec<String> = finished
        .results()
        .checks
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["ers", "openapi"], "{}", finished.transcript());
}

#[test]
fn unknown_tag_is_usage_error() {
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .ise_env("127.0.0.1:9")
        .args(["--tag", "ers2"])
        .execute();
    assert_eq!(finished.code, Some(2), "{}", finished.transcript());
    assert!(
        finished.stderr.contains("no check has tag `ers2`")
            && finished.stderr.contains("did you mean `ers`?"),
        "{}",
        finished.transcript()
    );
}

#[test]
fn unknown_check_is_usage_error() {
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .ise_env("127.0.0.1:9")
        .args(["--check", "mtn"])
        .execute();
    assert_eq!(finished.code, Some(2), "{}", finished.transcript());
    assert!(
        finished.stderr.contains("did you mean `mnt`?"),
        "{}",
        finished.transcript()
    );
}

#[test]
fn fail_fast_skips_remaining_checks() {
    let simulator = Simulator::start(Scenario::ErsDisabled);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .against(&simulator)
        .args(["--fail-fast", "--concurrency", "1"])
        .execute();
    let results = finished.results();
    assert_eq!(check(&results, "ers").outcome, Outcome::Failed);
    for id in ["openapi", "mnt"] {
        let skipped = check(&results, id);
        assert_eq!(
            skipped.outcome,
            Outcome::Skipped,
            "{id}: {}",
            finished.transcript()
        );
        assert_eq!(
            skipped.skip_reason.as_deref(),
            Some("--fail-fast stopped the run after check `ers` did not pass"),
        );
    }
}

#[test]
fn dry_run_sends_nothing() {
    let simulator = Simulator::start(Scenario::BadCredentials);
    let finished = Gatecheck::new()
        .args([
            "run",
            ise_suite().to_str().expect("UTF-8 path"),
            "--dry-run",
        ])
        .against(&simulator)
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    assert_eq!(simulator.failed_logins(), 0, "a dry run sent a request");
}

#[test]
fn dry_run_prints_redacted_requests() {
    let simulator = Simulator::start(Scenario::Healthy);
    let finished = Gatecheck::new()
        .args([
            "run",
            ise_suite().to_str().expect("UTF-8 path"),
            "--dry-run",
        ])
        .against(&simulator)
        .execute();
    let host = simulator.host();
    let expected_line = format!(
        "GET https://{host}/api/v1/endpoint?page=1&size=1&filter=mac.CONTAINS.aa:aa:aa:aa:aa:aa"
    );
    assert!(
        finished.stdout.contains(&expected_line),
        "{}",
        finished.transcript()
    );
    assert!(
        finished.stdout.contains("authorization: Basic ********"),
        "{}",
        finished.transcript()
    );
    assert!(
        !finished.stdout.contains(CANARY_PASSWORD),
        "{}",
        finished.transcript()
    );
}

#[test]
fn dry_run_shows_capture_placeholders() {
    let finished = Gatecheck::run_text(CAPTURE_SUITE, "internal")
        .ise_env("127.0.0.1:9")
        .arg("--dry-run")
        .execute();
    assert!(
        finished.stdout.contains(
            "GET /ers/config/endpointgroup?page=1&size=${TOTAL}&sortasc=name  (with values captured at run time)"
        ),
        "{}",
        finished.transcript()
    );
    assert!(
        finished.stdout.contains("# after: first-group"),
        "{}",
        finished.transcript()
    );
}

/// Numbers in header and query values go out as written: `1.10` stays `1.10` and `2.0` stays
/// `2.0`, although YAML reads both as numbers.
#[test]
fn dry_run_keeps_numbers_as_written() {
    let suite = r#"
name: Numbers
hints:
  - id: any-failure
    title: Something failed
    explanation: See the expectations.
checks:
  - id: versioned
    request:
      url: http://127.0.0.1:9/api
      headers: { X-Api-Version: 1.10 }
      query: { build: 2.0, mask: 0x1F }
"#;
    let finished = Gatecheck::run_text(suite, "default")
        .arg("--dry-run")
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    assert!(
        finished
            .stdout
            .contains("GET http://127.0.0.1:9/api?build=2.0&mask=0x1F"),
        "{}",
        finished.transcript()
    );
    assert!(
        finished.stdout.contains("x-api-version: 1.10"),
        "{}",
        finished.transcript()
    );
}

/// The route names the list that sent a request past the proxy, and notes that a
/// `connect_to` host change does not reach an HTTP proxy.
#[test]
fn dry_run_names_no_proxy_source() {
    let suite = r#"
name: Routes
hints:
  - id: any-failure
    title: Something failed
    explanation: See the expectations.
vantages:
  - name: direct
  - name: proxied
    proxy: http://127.0.0.1:9
    connect_to:
      gw.example.test: 127.0.0.1
checks:
  - id: local
    request:
      url: https://127.0.0.1:9/health
  - id: gateway
    request:
      url: https://gw.example.test/health
"#;
    let finished = Gatecheck::run_text(suite, "direct")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1")
        .arg("--dry-run")
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    assert!(
        finished
            .stdout
            .contains("# route: no proxy (127.0.0.1 is in NO_PROXY)"),
        "{}",
        finished.transcript()
    );

    let finished = Gatecheck::run_text(suite, "proxied")
        .arg("--dry-run")
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    assert!(
        finished
            .stdout
            .contains("connect_to of vantage proxied) (through the proxy only the port applies)"),
        "{}",
        finished.transcript()
    );
    assert!(
        finished
            .stderr
            .contains("warning: `connect_to` changes only the port of requests through this proxy"),
        "{}",
        finished.transcript()
    );
}

/// A `resolve` entry works through a socks5:// proxy, which gets the address, and not through
/// an HTTP proxy, which resolves the name itself. The route shows which, also when the proxy
/// comes from the environment.
#[test]
fn dry_run_says_whether_resolve_applies() {
    let suite = r#"
name: Routes
hints:
  - id: any-failure
    title: Something failed
    explanation: See the expectations.
vantages:
  - name: lab
    resolve:
      gw.example.test: 127.0.0.1
  - name: socks
    proxy: socks5://127.0.0.1:9
    resolve:
      gw.example.test: 127.0.0.1
checks:
  - id: gateway
    request:
      url: https://gw.example.test/health
"#;
    let finished = Gatecheck::run_text(suite, "lab")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "")
        .arg("--dry-run")
        .execute();
    assert!(
        finished.stdout.contains(
            "# route: proxy http://127.0.0.1:9 (HTTPS_PROXY), resolve gw.example.test -> \
             127.0.0.1 (resolve of vantage lab) (not used: the proxy resolves the name itself)"
        ),
        "{}",
        finished.transcript()
    );

    let finished = Gatecheck::run_text(suite, "socks")
        .arg("--dry-run")
        .execute();
    assert!(
        finished.stdout.contains(
            "# route: proxy socks5://127.0.0.1:9 (vantage socks), resolve gw.example.test -> \
             127.0.0.1 (resolve of vantage socks)\n"
        ),
        "{}",
        finished.transcript()
    );
}

/// A dry run shows the route each request would take, so that a vantage's network settings
/// can be checked before anything is sent.
#[test]
fn dry_run_shows_route() {
    let finished = Gatecheck::new()
        .args([
            "run",
            ise_suite().to_str().expect("UTF-8 path"),
            "--dry-run",
            "--proxy",
            "http://proxy-user:pw@127.0.0.1:9",
            "--no-proxy",
            "",
            "--resolve",
            "ise.example.test:443:192.0.2.10",
            "--local-address",
            "127.0.0.2",
        ])
        .ise_env("ise.example.test")
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    let route = "# route: proxy http://proxy-user:********@127.0.0.1:9 (--proxy), resolve \
                 ise.example.test -> 192.0.2.10 (--resolve) (not used: the proxy resolves the \
                 name itself), from 127.0.0.2";
    assert!(finished.stdout.contains(route), "{}", finished.transcript());
    assert!(
        !finished.stdout.contains(":pw@"),
        "{}",
        finished.transcript()
    );

    let direct = Gatecheck::new()
        .args([
            "run",
            ise_suite().to_str().expect("UTF-8 path"),
            "--dry-run",
            "--proxy",
            "none",
            "--resolve",
            "ise.example.test:443:192.0.2.10",
        ])
        .ise_env("ise.example.test")
        .execute();
    let route =
        "# route: no proxy (--proxy none), resolve ise.example.test -> 192.0.2.10 (--resolve)";
    assert!(direct.stdout.contains(route), "{}", direct.transcript());
}

#[test]
fn list_prints_table() {
    let finished = Gatecheck::new()
        .args(["list", ise_suite().to_str().expect("UTF-8 path")])
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    let lines: Vec<&str> = finished.stdout.lines().collect();
    assert_eq!(lines[0], "ID       TAGS     VANTAGES  REQUEST");
    assert_eq!(
        lines[3],
        "mnt      mnt      all       GET /admin/API/mnt/Session/MACAddress/AA:AA:AA:AA:AA:AA"
    );
}

#[test]
fn list_prints_json() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let suite = folder.path().join("suite.yaml");
    std::fs::write(&suite, CAPTURE_SUITE).expect("suite written");
    let finished = Gatecheck::new()
        .args(["list", "--format", "json"])
        .arg(&suite)
        .execute();
    let listed: serde_json::Value =
        serde_json::from_str(&finished.stdout).expect("list --format json prints JSON");
    assert_eq!(listed[1]["depends_on"][0], "first-group");
    assert_eq!(
        listed[1]["url"],
        "/ers/config/endpointgroup?page=1&size=${TOTAL}&sortasc=name"
    );
    assert_eq!(listed[2]["vantages"][0], "cloud");
}

#[test]
fn strict_env_requires_variables() {
    let finished = Gatecheck::new()
        .args([
            "validate",
            "--strict-env",
            ise_suite().to_str().expect("UTF-8 path"),
        ])
        .execute();
    assert_eq!(finished.code, Some(2), "{}", finished.transcript());
    assert!(
        finished
            .stderr
            .contains("reads the environment variable ISE_HOST, which is not set"),
        "{}",
        finished.transcript()
    );
}

#[test]
fn validate_accepts_bundled_suite() {
    let finished = Gatecheck::new()
        .args(["validate", ise_suite().to_str().expect("UTF-8 path")])
        .execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    assert!(
        finished
            .stdout
            .contains("valid, 3 checks, vantages internal, external, cloud")
    );
}

#[test]
fn completions_name_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let finished = Gatecheck::new().args(["completions", shell]).execute();
        assert_eq!(finished.code, Some(0), "{shell}: {}", finished.transcript());
        assert!(
            finished.stdout.contains("validate"),
            "{shell}: {}",
            finished.stdout
        );
    }
}

#[test]
fn manual_page_is_roff() {
    let finished = Gatecheck::new().arg("man").execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    assert!(
        finished.stdout.contains(".TH gatecheck 1"),
        "{}",
        finished.stdout
    );
    assert!(
        finished.stdout.contains("mock\\-ise"),
        "{}",
        finished.stdout
    );
}

#[test]
fn dependency_on_later_check_is_rejected() {
    let suite = r#"
name: Order
checks:
  - id: second
    depends_on: [first]
    request: { url: "https://api.example.com/b" }
  - id: first
    request: { url: "https://api.example.com/a" }
"#;
    let error = gatecheck::suite::load_str(std::path::Path::new("order.yaml"), suite)
        .err()
        .expect("a dependency on a later check is an error")
        .to_string();
    assert!(
        error.contains("check `second` depends on `first`, which is not an earlier check"),
        "{error}"
    );
    assert!(error.contains("order.yaml:4:9"), "{error}");
    assert!(
        error.contains("move check `first` above `second`"),
        "{error}"
    );
}

#[test]
fn captured_variable_needs_dependency() {
    let suite = r#"
name: Capture order
checks:
  - id: token
    request: { url: "https://api.example.com/token" }
    capture:
      TOKEN: { header: X-Token }
  - id: use
    request:
      url: https://api.example.com/use
      headers: { X-Token: "${TOKEN}" }
"#;
    let error = gatecheck::suite::load_str(std::path::Path::new("capture.yaml"), suite)
        .err()
        .expect("a captured variable without depends_on is an error")
        .to_string();
    assert!(
        error.contains(
            "check `use` uses `${TOKEN}`, which check `token` captures, but does not depend on it"
        ),
        "{error}"
    );
    assert!(error.contains("add `depends_on: [token]`"), "{error}");
}

#[test]
fn empty_var_override_is_rejected() {
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .ise_env("127.0.0.1:9")
        .args(["--var", "ISE_HOST="])
        .execute();
    assert_eq!(finished.code, Some(2), "{}", finished.transcript());
    assert!(
        finished.stderr.contains("empty value in --var ISE_HOST="),
        "{}",
        finished.transcript()
    );
}

#[test]
fn base_url_without_host_is_rejected() {
    let suite = r#"
name: No host
variables:
  HOST: ""
defaults:
  base_url: https://${HOST}
hints:
  - id: any
    title: Failed
    explanation: See above.
checks:
  - id: ers
    request: { url: /ers/config/endpointgroup }
"#;
    let finished = Gatecheck::run_text(suite, "default").execute();
    assert_eq!(finished.code, Some(2), "{}", finished.transcript());
    assert!(
        finished.stderr.contains("invalid base URL `https://`"),
        "{}",
        finished.transcript()
    );
}

#[test]
fn secret_in_query_is_masked_everywhere() {
    let suite = r#"
name: Query secret
variables:
  TOKEN: { value: "Ab+c/d=xyz9 tail", secret: true }
hints:
  - id: any
    title: Failed
    explanation: See above.
checks:
  - id: token
    request:
      url: https://127.0.0.1:9/api
      query: { t: "${TOKEN}" }
"#;
    let finished = Gatecheck::run_text(suite, "default").execute();
    assert_eq!(finished.code, Some(1), "{}", finished.transcript());
    let outputs = [
        finished.stdout.clone(),
        finished.stderr.clone(),
        finished.junit(),
        finished.markdown(),
        finished.json(),
    ];
    for output in outputs {
        assert!(!output.contains("xyz9"), "the secret leaked:\n{output}");
    }
}

#[test]
fn report_paths_checked_before_sending() {
    let simulator = Simulator::start(Scenario::BadCredentials);
    let cases: [(&[&str], &str); 2] = [
        (
            &["--junit", "same.out", "--json", "same.out"],
            "--junit and --json both name same.out",
        ),
        (&["--json", "."], "--json . is a folder"),
    ];
    for (arguments, message) in cases {
        let finished = Gatecheck::new()
            .arg("run")
            .arg(ise_suite())
            .against(&simulator)
            .args(arguments)
            .execute();
        assert_eq!(
            finished.code,
            Some(2),
            "{arguments:?}: {}",
            finished.transcript()
        );
        assert!(
            finished.stderr.contains(message),
            "{arguments:?}: {}",
            finished.transcript()
        );
    }
    let suite = ise_suite();
    let finished = Gatecheck::new()
        .arg("run")
        .arg(&suite)
        .against(&simulator)
        .arg("--json")
        .arg(&suite)
        .execute();
    assert_eq!(finished.code, Some(2), "{}", finished.transcript());
    assert!(
        finished.stderr.contains("would overwrite the suite file"),
        "{}",
        finished.transcript()
    );
    assert_eq!(simulator.failed_logins(), 0, "a request was sent");
}

#[test]
fn short_secret_warns_and_keeps_reports_valid() {
    let simulator = Simulator::start(Scenario::BadCredentials);
    let finished = Gatecheck::run(&ise_suite(), "internal")
        .against(&simulator)
        .env("ISE_API_PASSWORD", "amp")
        .execute();
    assert!(
        finished.stderr.contains(
            "the value of secret variable `ISE_API_PASSWORD` is shorter than 4 characters"
        ),
        "{}",
        finished.transcript()
    );
    finished.junit_report();
    finished.results();
}
