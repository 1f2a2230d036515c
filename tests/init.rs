//! `gatecheck init`: the starter suite, suites made from curl command lines, and `--record`
//! against the ISE simulator on loopback, all through the real binary.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{API_USER, CANARY_PASSWORD, Finished, Gatecheck, Simulator};
use gatecheck::init::SCHEMA_URL;
use gatecheck::mock_ise::Scenario;
use gatecheck::suite::{Auth, Check, Suite, Template, VariableSource, load_str};

const SUITE_FILE: &str = "suite.yaml";
const ERS_PATH: &str = "/ers/config/endpointgroup?page=1&size=10&sortasc=name";
const OPEN_API_PATH: &str = "/api/v1/endpoint?page=1&size=1&filter=mac.CONTAINS.aa:aa:aa:aa:aa:aa";
const MNT_PATH: &str = "/admin/API/mnt/Session/MACAddress/AA:AA:AA:AA:AA:AA";

/// Returns the three curl command lines of the ISE runbook, aimed at `host` with the
/// simulator's credentials.
fn ise_runbook(host: &str) -> Vec<String> {
    let credentials = format!("-k -u {API_USER}:{CANARY_PASSWORD}");
    vec![
        format!("curl {credentials} -H 'Accept: application/json' 'https://{host}{ERS_PATH}'"),
        format!("curl {credentials} -H 'Accept: application/json' 'https://{host}{OPEN_API_PATH}'"),
        format!("curl {credentials} -H 'Accept: application/xml' https://{host}{MNT_PATH}"),
    ]
}

/// Starts `gatecheck init PATH` with one `--from-curl` per line.
fn init_command(path: &str, lines: &[String]) -> Gatecheck {
    let mut command = Gatecheck::new().args(["init", path]);
    for line in lines {
        command = command.arg("--from-curl").arg(line);
    }
    command
}

/// Runs `gatecheck init -` with the lines and returns the suite it printed, loaded.
fn generate(lines: &[&str]) -> Suite {
    let lines: Vec<String> = lines.iter().map(|line| line.to_string()).collect();
    let finished = init_command("-", &lines).execute();
    assert_eq!(finished.code, Some(0), "{}", finished.transcript());
    load(&finished.stdout)
}

fn load(text: &str) -> Suite {
    match load_str(Path::new(SUITE_FILE), text) {
        Ok(loaded) => loaded.suite,
        Err(error) => panic!("the generated suite loads: {error}\n{text}"),
    }
}

/// Runs `gatecheck ARGS... suite.yaml` on a copy of `text` in a new folder.
fn with_suite(text: &str, args: &[&str]) -> Finished {
    let command = Gatecheck::new();
    std::fs::write(command.folder().join(SUITE_FILE), text).expect("the suite is written");
    command.args(args).arg(SUITE_FILE).execute()
}

fn source(template: &Template) -> String {
    template.source()
}

fn text(template: &Template) -> String {
    template.render(&HashMap::new())
}

fn only_check(suite: &Suite) -> &Check {
    assert_eq!(suite.checks.len(), 1, "{suite:#?}");
    &suite.checks[0]
}

fn header<'a>(headers: &'a [(String, Template)], name: &str) -> Option<&'a Template> {
    headers
        .iter()
        .find(|(header, _)| header.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

fn query(check: &Check) -> Vec<(String, String)> {
    check
        .request
        .query
        .iter()
        .map(|(name, value)| (name.clone(), text(value)))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

#[test]
fn record_ise_runbook() {
    let simulator = Simulator::start(Scenario::Healthy);
    let lines = ise_runbook(&simulator.host());
    let init = init_command(SUITE_FILE, &lines).arg("--record").execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    let text = init.read(SUITE_FILE);

    let validate = with_suite(&text, &["validate"]);
    assert_eq!(validate.code, Some(0), "{}", validate.transcript());
    assert_eq!(validate.stderr, "", "validate warns about nothing");

    let run = Gatecheck::new().env("GATECHECK_PASSWORD", CANARY_PASSWORD);
    std::fs::write(run.folder().join(SUITE_FILE), &text).expect("the suite is written");
    let run = run.args(["run", SUITE_FILE]).execute();
    assert_eq!(run.code, Some(0), "{}\n{text}", run.transcript());

    assert!(!text.contains(CANARY_PASSWORD), "{text}");
    assert!(!init.stdout.contains(CANARY_PASSWORD), "{}", init.stdout);
    assert!(!init.stderr.contains(CANARY_PASSWORD), "{}", init.stderr);
    assert!(!run.stdout.contains(CANARY_PASSWORD), "{}", run.stdout);
    assert!(!run.stderr.contains(CANARY_PASSWORD), "{}", run.stderr);

    let suite = load(&text);
    let statuses: Vec<String> = suite
        .checks
        .iter()
        .map(|check| check.expect.status.to_string())
        .collect();
    assert_eq!(statuses, ["200", "200", "500"], "{text}");
    assert!(text.contains("# recorded from the server on 20"), "{text}");
    assert_eq!(
        init.stdout.matches("sent GET https://").count(),
        3,
        "{}",
        init.stdout
    );
}

#[test]
fn record_ise_runbook_variables() {
    let simulator = Simulator::start(Scenario::Healthy);
    let host = simulator.host();
    let init = init_command(SUITE_FILE, &ise_runbook(&host))
        .arg("--record")
        .execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    let suite = load(&init.read(SUITE_FILE));

    let base_url = suite.defaults.base_url.as_ref().map(source);
    assert_eq!(base_url.as_deref(), Some("https://${HOST}"));
    let host_variable = suite.variable("HOST").map(|variable| &variable.source);
    assert!(
        matches!(host_variable, Some(VariableSource::Env { name, default: Some(default) })
            if name == "GATECHECK_HOST" && *default == host),
        "{host_variable:?}"
    );
    let password = suite.variable("PASSWORD").expect("a PASSWORD variable");
    assert!(password.secret);
    assert!(
        matches!(&password.source, VariableSource::Env { name, default: None } if name == "GATECHECK_PASSWORD"),
        "{:?}",
        password.source
    );
    assert_eq!(suite.defaults.tls.insecure, Some(true));
    assert!(init.stderr.contains("warning: curl -k"), "{}", init.stderr);
    let ids: Vec<&str> = suite.checks.iter().map(|check| check.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "ers-config-endpointgroup",
            "api-v1-endpoint",
            "admin-api-mnt-session-macaddress"
        ]
    );
    assert!(
        init.stdout.contains("next: gatecheck validate suite.yaml"),
        "{}",
        init.stdout
    );
    assert!(
        init.stdout.contains("GATECHECK_PASSWORD"),
        "{}",
        init.stdout
    );
}

#[test]
fn record_with_cacert() {
    let simulator = Simulator::start(Scenario::Healthy);
    let url = format!("https://{}{ERS_PATH}", simulator.host());
    let line = format!(
        "curl --cacert {} -u {API_USER}:{CANARY_PASSWORD} -H 'Accept: application/json' '{url}'",
        simulator.ca_file().display()
    );
    let init = init_command(SUITE_FILE, &[line]).arg("--record").execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    let suite = load(&init.read(SUITE_FILE));
    assert_eq!(suite.defaults.tls.ca_file, Some(simulator.ca_file()));
    assert_ne!(suite.defaults.tls.insecure, Some(true));
    assert_eq!(only_check(&suite).expect.status.to_string(), "200");
}

#[test]
fn record_without_response_fails() {
    let address = common::closed_loopback_port();
    let line = format!("curl -k -u {API_USER}:{CANARY_PASSWORD} https://{address}/ers");
    let init = init_command(SUITE_FILE, &[line]).arg("--record").execute();
    assert_eq!(init.code, Some(1), "{}", init.transcript());
    assert!(init.stderr.contains("connect.refused"), "{}", init.stderr);
    assert!(!init.folder().join(SUITE_FILE).exists());
    assert!(!init.stderr.contains(CANARY_PASSWORD), "{}", init.stderr);
}

#[test]
fn record_rejected_login_writes_nothing() {
    let simulator = Simulator::start(Scenario::BadCredentials);
    let line = format!(
        "curl -k -u {API_USER}:{CANARY_PASSWORD} 'https://{}{ERS_PATH}'",
        simulator.host()
    );
    let init = init_command(SUITE_FILE, &[line]).arg("--record").execute();
    assert_eq!(init.code, Some(1), "{}", init.transcript());
    assert_eq!(simulator.failed_logins(), 1, "the request was sent once");
    assert!(
        init.stderr
            .contains("error: the server rejected the credentials of GET"),
        "{}",
        init.stderr
    );
    assert!(!init.folder().join(SUITE_FILE).exists());
}

#[test]
fn record_does_not_follow_redirects() {
    let simulator = Simulator::start(Scenario::ErsDisabled);
    let line = format!(
        "curl -k -u {API_USER}:{CANARY_PASSWORD} 'https://{}{ERS_PATH}'",
        simulator.host()
    );
    let init = init_command(SUITE_FILE, &[line]).arg("--record").execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    let suite = load(&init.read(SUITE_FILE));
    assert_eq!(only_check(&suite).expect.status.to_string(), "302");
}

#[test]
fn starter_suite_validates() {
    let init = Gatecheck::new().arg("init").execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    let text = init.read("gatecheck.yaml");
    assert!(
        text.starts_with(&format!("# yaml-language-server: $schema={SCHEMA_URL}\n")),
        "{text}"
    );
    let validate = with_suite(&text, &["validate"]);
    assert_eq!(validate.code, Some(0), "{}", validate.transcript());
    assert_eq!(validate.stderr, "", "validate warns about nothing");
    let suite = load(&text);
    assert!(suite.variable("HOST").is_some());
    assert_eq!(suite.vantages.len(), 1);
    assert_eq!(only_check(&suite).hints.len(), 1);
}

#[test]
fn starter_suite_name() {
    let init = Gatecheck::new()
        .args(["init", "-", "--name", "ISE: gateway #1"])
        .execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    assert_eq!(load(&init.stdout).name, "ISE: gateway #1");
}

#[test]
fn dash_writes_stdout() {
    let init = Gatecheck::new().args(["init", "-"]).execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    assert!(
        init.stdout.starts_with("# yaml-language-server"),
        "{}",
        init.stdout
    );
    let files = std::fs::read_dir(init.folder())
        .expect("the folder lists")
        .count();
    assert_eq!(files, 0, "nothing is written to the folder");
    assert!(init.stderr.contains("next:"), "{}", init.stderr);
}

#[test]
fn refuses_overwrite() {
    let command = Gatecheck::new().args(["init", SUITE_FILE]);
    let path = command.folder().join(SUITE_FILE);
    std::fs::write(&path, "kept").expect("the file is written");
    let init = command.execute();
    assert_eq!(init.code, Some(2), "{}", init.transcript());
    assert!(init.stderr.contains("--force"), "{}", init.stderr);
    assert_eq!(init.read(SUITE_FILE), "kept");
}

#[test]
fn force_overwrites() {
    let command = Gatecheck::new().args(["init", SUITE_FILE, "--force"]);
    std::fs::write(command.folder().join(SUITE_FILE), "old").expect("the file is written");
    let init = command.execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    assert!(init.read(SUITE_FILE).starts_with("# yaml-language-server"));
}

#[test]
fn curl_quotes() {
    let suite = generate(&[
        r#"curl -H "X-Note: it's \"quoted\"" --data-raw '{"name": "a b"}' 'https://h.example/x'"#,
    ]);
    let check = only_check(&suite);
    let note = header(&check.request.headers, "X-Note").map(text);
    assert_eq!(note.as_deref(), Some(r#"it's "quoted""#));
    let body = check.request.body.as_ref().map(text);
    assert_eq!(body.as_deref(), Some(r#"{"name": "a b"}"#));
}

#[test]
fn curl_continuation_lines() {
    let suite = generate(&[
        "curl -X PUT \\\n  -H 'Accept: application/json' \\\n  https://h.example/ers/x",
    ]);
    let check = only_check(&suite);
    assert_eq!(check.request.method, "PUT");
    assert!(header(&check.request.headers, "Accept").is_some());
    assert_eq!(source(&check.request.url), "/ers/x");
}

#[test]
fn curl_without_leading_curl() {
    // clap takes a value that starts with `-` only after `=`.
    let init = Gatecheck::new()
        .args(["init", "-", "--from-curl=-X DELETE https://h.example/ers/x"])
        .execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    assert_eq!(only_check(&load(&init.stdout)).request.method, "DELETE");
}

#[test]
fn curl_data_implies_post() {
    let suite = generate(&["curl -d 'a=1' https://h.example/form"]);
    let check = only_check(&suite);
    assert_eq!(check.request.method, "POST");
    assert_eq!(
        check.request.body.as_ref().map(text).as_deref(),
        Some("a=1")
    );
    let content_type = header(&check.request.headers, "Content-Type").map(text);
    assert_eq!(
        content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
}

#[test]
fn curl_request_overrides_post() {
    let suite = generate(&["curl -X PATCH -d 'a=1' https://h.example/form"]);
    assert_eq!(only_check(&suite).request.method, "PATCH");
}

#[test]
fn curl_get_moves_data_to_query() {
    let suite = generate(&["curl -G -d page=1 --data 'q=a b' 'https://h.example/list?sort=name'"]);
    let check = only_check(&suite);
    assert_eq!(check.request.method, "GET");
    assert_eq!(
        query(check),
        pairs(&[("sort", "name"), ("page", "1"), ("q", "a b")])
    );
    assert!(check.request.body.is_none());
}

#[test]
fn curl_query_keeps_order() {
    let suite = generate(&["curl 'https://h.example/x?size=10&page=1&filter=mac.CONTAINS.aa:aa'"]);
    assert_eq!(
        query(only_check(&suite)),
        pairs(&[
            ("size", "10"),
            ("page", "1"),
            ("filter", "mac.CONTAINS.aa:aa")
        ])
    );
}

#[test]
fn curl_multiple_headers() {
    let suite = generate(&[
        "curl -H 'Accept: application/json' -H 'X-Trace: 1' -H 'ERS-Media-Type: identity.endpoint.1.2' https://h.example/x",
    ]);
    let names: Vec<&str> = only_check(&suite)
        .request
        .headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["Accept", "X-Trace", "ERS-Media-Type"]);
}

#[test]
fn common_headers_move_to_defaults() {
    let suite = generate(&[
        "curl -H 'Accept: application/json' -H 'X-A: 1' https://h.example/a",
        "curl -H 'Accept: application/json' -H 'X-B: 2' https://h.example/b",
    ]);
    let defaults: Vec<&str> = suite
        .defaults
        .headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(defaults, ["Accept"]);
    assert!(header(&suite.checks[0].request.headers, "X-A").is_some());
    assert!(header(&suite.checks[0].request.headers, "Accept").is_none());
    assert!(header(&suite.checks[1].request.headers, "X-B").is_some());
}

#[test]
fn user_without_password() {
    let suite = generate(&["curl --user admin https://h.example/x"]);
    assert!(suite.variable("USER").is_some());
    let variable = suite.variable("PASSWORD").expect("a password variable");
    assert!(variable.secret);
    match &variable.source {
        VariableSource::Env { name, default } => {
            assert_eq!(name, "GATECHECK_PASSWORD");
            assert_eq!(default, &None);
        }
        other => panic!("the password comes from the environment: {other:?}"),
    }
    let Auth::Basic { user, password } = &suite.defaults.auth else {
        panic!("basic auth in the defaults: {:?}", suite.defaults.auth);
    };
    assert_eq!(source(user), "${USER}");
    assert_eq!(source(password), "${PASSWORD}");
}

#[test]
fn record_user_without_password() {
    let simulator = Simulator::start(Scenario::Healthy);
    let url = format!("https://{}{ERS_PATH}", simulator.host());
    let line = format!("curl -k -u {API_USER} -H 'Accept: application/json' '{url}'");

    let missing = init_command(SUITE_FILE, std::slice::from_ref(&line))
        .arg("--record")
        .execute();
    assert_eq!(missing.code, Some(2), "{}", missing.transcript());
    assert!(
        missing.stderr.contains("GATECHECK_PASSWORD"),
        "{}",
        missing.stderr
    );
    assert!(!missing.folder().join(SUITE_FILE).exists());

    let recorded = init_command(SUITE_FILE, &[line])
        .arg("--record")
        .env("GATECHECK_PASSWORD", CANARY_PASSWORD)
        .execute();
    assert_eq!(recorded.code, Some(0), "{}", recorded.transcript());
    let suite = load(&recorded.read(SUITE_FILE));
    assert_eq!(only_check(&suite).expect.status.to_string(), "200");
}

#[test]
fn password_never_written() {
    let line = "curl -u admin:Pa55-Secret-9 https://h.example/x".to_string();
    let init = init_command("-", &[line]).execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    assert!(!init.stdout.contains("Pa55-Secret-9"), "{}", init.stdout);
    assert!(!init.stderr.contains("Pa55-Secret-9"), "{}", init.stderr);
    let suite = load(&init.stdout);
    assert!(
        suite
            .variable("PASSWORD")
            .is_some_and(|variable| variable.secret)
    );
}

#[test]
fn bearer_token_becomes_secret() {
    let line = "curl -H 'Authorization: Bearer tok-8c1f' https://h.example/x".to_string();
    let init = init_command("-", &[line]).execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    assert!(!init.stdout.contains("tok-8c1f"), "{}", init.stdout);
    let suite = load(&init.stdout);
    let authorization = header(&only_check(&suite).request.headers, "Authorization").map(source);
    assert_eq!(authorization.as_deref(), Some("Bearer ${TOKEN}"));
    assert!(
        suite
            .variable("TOKEN")
            .is_some_and(|variable| variable.secret)
    );
}

#[test]
fn unknown_option_rejected() {
    let line = "curl --proxy-insecure -u admin:Pa55-Secret-9 https://h.example/x".to_string();
    let init = init_command("-", &[line]).execute();
    assert_eq!(init.code, Some(2), "{}", init.transcript());
    assert!(
        init.stderr.contains("`--proxy-insecure`"),
        "{}",
        init.stderr
    );
    assert!(
        init.stderr.contains("https://h.example/x"),
        "{}",
        init.stderr
    );
    assert!(!init.stderr.contains("Pa55-Secret-9"), "{}", init.stderr);
    assert_eq!(init.stdout, "");
}

#[test]
fn unknown_short_option_rejected() {
    let line = "curl -sSZ https://h.example/x".to_string();
    let init = init_command("-", &[line]).execute();
    assert_eq!(init.code, Some(2), "{}", init.transcript());
    assert!(init.stderr.contains("`-Z`"), "{}", init.stderr);
}

#[test]
fn missing_url_rejected() {
    let line = "curl -k -H 'Accept: application/json'".to_string();
    let init = init_command("-", &[line]).execute();
    assert_eq!(init.code, Some(2), "{}", init.transcript());
    assert!(init.stderr.contains("no URL"), "{}", init.stderr);
}

#[test]
fn unclosed_quote_rejected() {
    let line = "curl -u admin:Pa55-Secret-9 'https://h.example/x".to_string();
    let init = init_command("-", &[line]).execute();
    assert_eq!(init.code, Some(2), "{}", init.transcript());
    assert!(init.stderr.contains("quote"), "{}", init.stderr);
    assert!(!init.stderr.contains("Pa55-Secret-9"), "{}", init.stderr);
}

#[test]
fn different_hosts_keep_absolute_urls() {
    let suite = generate(&[
        "curl https://one.example/a",
        "curl https://two.example:8443/b?x=1",
    ]);
    assert!(suite.defaults.base_url.is_none());
    assert!(suite.variable("HOST").is_none());
    assert_eq!(
        source(&suite.checks[0].request.url),
        "https://one.example/a"
    );
    assert_eq!(
        source(&suite.checks[1].request.url),
        "https://two.example:8443/b"
    );
}

#[test]
fn different_schemes_keep_absolute_urls() {
    let suite = generate(&["curl http://h.example/a", "curl https://h.example/b"]);
    assert!(suite.defaults.base_url.is_none());
}

#[test]
fn duplicate_paths_get_unique_ids() {
    let suite = generate(&[
        "curl https://h.example/ers/config/endpoint?page=1",
        "curl https://h.example/ers/config/endpoint?page=2",
        "curl https://h.example/ers/config/endpoint?page=3",
    ]);
    let ids: Vec<&str> = suite.checks.iter().map(|check| check.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "ers-config-endpoint",
            "ers-config-endpoint-2",
            "ers-config-endpoint-3"
        ]
    );
}

#[test]
fn location_follows_redirects() {
    let suite = generate(&["curl -L https://h.example/x", "curl https://h.example/y"]);
    assert_eq!(suite.checks[0].request.follow_redirects, Some(true));
    assert_eq!(suite.checks[1].request.follow_redirects, None);
}

#[test]
fn ignored_options_noted() {
    let line = "curl -s -S -v -i --compressed -o out.json -w '%{http_code}' https://h.example/x"
        .to_string();
    let init = init_command("-", &[line]).execute();
    assert_eq!(init.code, Some(0), "{}", init.transcript());
    assert!(init.stderr.contains("ignored `-o`"), "{}", init.stderr);
    assert!(init.stderr.contains("ignored `-w`"), "{}", init.stderr);
}

#[test]
fn unchecked_checks_expect_success() {
    let suite = generate(&["curl https://h.example/x"]);
    let check = only_check(&suite);
    assert_eq!(check.expect.status.to_string(), "2xx");
    assert_eq!(check.hints.len(), 1);
}

#[test]
fn template_syntax_escaped() {
    let suite = generate(&["curl --data-raw 'v=${HOME}' https://h.example/x"]);
    let body = only_check(&suite).request.body.as_ref().map(text);
    assert_eq!(body.as_deref(), Some("v=${HOME}"));
}
