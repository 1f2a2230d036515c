//! Every kind of suite load error, checked at its exact line and column, with its message and,
//! wherever the help text gives the fix, its help. A handful also run the real binary to check
//! the rendered report and the exit code.
//!
//! Inline suites start on the line after `r#"`, so line 1 is the first line of the YAML.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use gatecheck::suite::diagnostic::{Diagnostic, Severity};
use gatecheck::suite::yaml::Position;
use gatecheck::suite::{LoadError, Loaded, SuiteErrors, load_file, load_str};

/// The path that inline suites are loaded under. It appears only in rendered messages.
const INLINE_PATH: &str = "suites/demo.yaml";

fn at(line: usize, column: usize) -> Option<Position> {
    Some(Position { line, column })
}

/// Drops the newline that follows `r#"`, so that the first YAML line is line 1.
fn yaml(source: &str) -> &str {
    source.strip_prefix('\n').unwrap_or(source)
}

/// Loads an inline suite and returns its diagnostics, failing the test when the suite loads.
fn load_invalid(source: &str) -> SuiteErrors {
    expect_invalid(load_str(Path::new(INLINE_PATH), yaml(source)))
}

fn load_valid(source: &str) -> Loaded {
    match load_str(Path::new(INLINE_PATH), yaml(source)) {
        Ok(loaded) => loaded,
        Err(error) => panic!("expected the suite to load, found:\n{error}"),
    }
}

fn expect_invalid(result: Result<Loaded, LoadError>) -> SuiteErrors {
    match result {
        Ok(loaded) => {
            let warnings = loaded.warnings.map_or_else(
                || "no warnings".to_string(),
                |warnings| warnings.to_string(),
            );
            panic!("expected load errors, but the suite loaded with {warnings}")
        }
        Err(LoadError::Invalid(errors)) => *errors,
        Err(error @ LoadError::Read { .. }) => panic!("expected load errors, found: {error}"),
    }
}

/// Finds the error with exactly this message, or fails the test and shows every diagnostic.
fn find_error<'e>(errors: &'e SuiteErrors, message: &str) -> &'e Diagnostic {
    errors
        .diagnostics
        .iter()
        .find(|diagnostic| diagnostic.severity == Severity::Error && diagnostic.message == message)
        .unwrap_or_else(|| panic!("no error `{message}` among:\n{errors}"))
}

/// Finds the error with this message and asserts where it points.
fn assert_error_at<'e>(
    errors: &'e SuiteErrors,
    message: &str,
    line: usize,
    column: usize,
) -> &'e Diagnostic {
    let diagnostic = find_error(errors, message);
    assert_eq!(
        diagnostic.position,
        at(line, column),
        "position of `{message}` in:\n{errors}"
    );
    diagnostic
}

fn assert_help(errors: &SuiteErrors, diagnostic: &Diagnostic, help: &str) {
    assert_eq!(
        diagnostic.help.as_deref(),
        Some(help),
        "help of `{}` in:\n{errors}",
        diagnostic.message
    );
}

fn assert_error_count(errors: &SuiteErrors, count: usize) {
    assert_eq!(errors.error_count(), count, "error count of:\n{errors}");
}

/// Asserts that the rendered report contains `expected` as a whole line.
fn assert_rendered_line(errors: &SuiteErrors, expected: &str) {
    let rendered = errors.to_string();
    assert!(
        rendered.lines().any(|line| line == expected),
        "no line {expected:?} in:\n{rendered}"
    );
}

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// What the binary printed and how it exited.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the `gatecheck` binary from the crate root, so that fixture paths in its output are
/// relative to it.
fn gatecheck(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the gatecheck binary starts");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn assert_exit_code(run: &Run, code: i32) {
    assert_eq!(
        run.code,
        Some(code),
        "exit code; stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}

fn assert_stderr_contains(run: &Run, expected: &str) {
    assert!(
        run.stderr.contains(expected),
        "stderr lacks {expected:?}:\n{}",
        run.stderr
    );
}

// YAML syntax

#[test]
fn yaml_unclosed_quote_position() {
    let errors = load_invalid(
        r#"
name: "demo
checks:
  - id: ers
"#,
    );
    let diagnostic = assert_error_at(&errors, "invalid YAML: unclosed quote", 1, 7);
    assert_help(
        &errors,
        diagnostic,
        "close the quote at the end of its value, with the same character that opens it",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn yaml_unclosed_flow_mapping_position() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request: {url: /ers
"#,
    );
    assert_error_at(&errors, "invalid YAML: unclosed bracket '{'", 4, 14);
    assert_error_count(&errors, 1);
}

/// The parser stops a line below a bracket left open, at the next entry; the error points at
/// the bracket, where the fix goes.
#[test]
fn yaml_unclosed_flow_sequence_before_next_check() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request: {url: /ers}
    expect:
      status: [200, 201
  - id: mnt
    request: {url: /mnt}
"#,
    );
    let diagnostic = assert_error_at(&errors, "invalid YAML: unclosed bracket '['", 6, 15);
    assert_help(
        &errors,
        diagnostic,
        "close it with `]` at the end of its value; without it the parser read on to line 7, \
         column 7 (illegal placement of ':' indicator)",
    );
    assert_error_count(&errors, 1);
}

/// A quote left open runs on to the next quote in the file, where the parser stops; the error
/// points back at the opening quote.
#[test]
fn yaml_runaway_quote_points_at_opening() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    name: "ERS lists groups
    request: {url: /ers}
  - id: mnt
    name: "MnT"
    request: {url: /mnt}
"#,
    );
    let diagnostic = assert_error_at(&errors, "invalid YAML: unclosed quote", 4, 11);
    assert_help(
        &errors,
        diagnostic,
        "close it with `\"` at the end of its value; without it the quoted text ran on to the \
         `\"` at line 7, column 11",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn yaml_tab_indentation_points_at_tab() {
    let errors = load_invalid("name: demo\nchecks:\n  - id: ers\n\trequest: {url: /ers}\n");
    let diagnostic = assert_error_at(&errors, "invalid YAML: a tab in the indentation", 4, 1);
    assert_help(
        &errors,
        diagnostic,
        "YAML indents with spaces only: replace the tab with spaces",
    );
    assert_error_count(&errors, 1);
}

/// A quote opened inside a flow list runs on past the `]`; the quote is the mistake, not the
/// bracket.
#[test]
fn yaml_runaway_quote_inside_brackets() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    tags: ["smoke, read-only]
    request: {url: /ers}
  - id: mnt
    name: "MnT"
"#,
    );
    assert_error_at(&errors, "invalid YAML: unclosed quote", 4, 12);
    assert_error_count(&errors, 1);
}

#[test]
fn yaml_nested_tab_points_at_tab() {
    let errors = load_invalid("name: demo\nchecks:\n  - id: ers\n    request:\n\turl: /ers\n");
    assert_error_at(&errors, "invalid YAML: a tab in the indentation", 5, 1);
    assert_error_count(&errors, 1);
}

#[test]
fn yaml_bad_indentation_position() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
     method: GET
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "invalid YAML: while parsing a block mapping, did not find expected key",
        6,
        6,
    );
    assert_help(
        &errors,
        diagnostic,
        "check the indentation: keys of one mapping, and the `-` of items of one list, start in \
         the same column, and a value's keys go deeper than its own key",
    );
    assert_error_count(&errors, 1);
}

// The file as a whole

#[test]
fn empty_file_rejected() {
    let errors = load_invalid("");
    let diagnostic = assert_error_at(&errors, "the suite file is empty", 1, 1);
    assert_help(
        &errors,
        diagnostic,
        "start with `name:` and a `checks:` list; see docs/suite-format.md",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn comment_only_file_is_empty() {
    let errors = load_invalid("# checks for the ISE gateway, to be written\n");
    find_error(&errors, "the suite file is empty");
    assert_error_count(&errors, 1);
}

#[test]
fn root_list_rejected() {
    let errors = load_invalid(
        r#"
- name: demo
- checks: []
"#,
    );
    let diagnostic = &errors.diagnostics[0];
    assert_eq!(
        diagnostic.message, "expected a mapping of `key: value` lines for the suite, found a list",
        "message of:\n{errors}"
    );
    assert_eq!(diagnostic.position, at(1, 1), "position in:\n{errors}");
    assert_error_count(&errors, 1);
}

#[test]
fn invalid_utf8_first_bad_byte() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("latin1.yaml");
    // A two-byte character comes before the bad byte, so the column counts characters.
    let bytes = b"name: demo\nchecks:\n  - id: ers\n    name: G\xc3\xa2teau \xff\n";
    std::fs::write(&path, bytes).expect("the suite is written");

    let errors = expect_invalid(load_file(&path));
    let diagnostic = assert_error_at(&errors, "invalid UTF-8 in suite file", 4, 18);
    assert_help(&errors, diagnostic, "save the file as UTF-8");
    assert_error_count(&errors, 1);
}

#[test]
fn invalid_utf8_after_bom_column() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("bom.yaml");
    // Editors hide the byte order mark, and `load_str` strips it, so it takes no column.
    std::fs::write(&path, b"\xef\xbb\xbfname: d\xffmo\n").expect("the suite is written");

    let errors = expect_invalid(load_file(&path));
    assert_error_at(&errors, "invalid UTF-8 in suite file", 1, 8);
}

#[test]
fn missing_file_read_error() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("absent.yaml");

    let result = load_file(&path);
    assert!(
        matches!(result, Err(LoadError::Read { .. })),
        "expected LoadError::Read for {}",
        path.display()
    );
}

// Unknown keys

#[test]
fn unknown_key_suggests_status() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
    expect:
      stauts: 200
"#,
    );
    let diagnostic = assert_error_at(&errors, "unknown key `stauts` in expect", 7, 7);
    assert_help(&errors, diagnostic, "did you mean `status`?");
    assert_error_count(&errors, 1);
}

#[test]
fn unknown_key_suggests_timeout() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
      timout: 5s
"#,
    );
    let diagnostic = assert_error_at(&errors, "unknown key `timout` in request", 6, 7);
    assert_help(&errors, diagnostic, "did you mean `timeout`?");
    assert_error_count(&errors, 1);
}

#[test]
fn unknown_key_suggests_request() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    reqeust:
      url: /ers
"#,
    );
    let diagnostic = assert_error_at(&errors, "unknown key `reqeust` in a check", 4, 5);
    assert_help(&errors, diagnostic, "did you mean `request`?");
    // NOTE: the loader also reports `request` as missing for the same typo, so the error
    // count is left unchecked here.
}

#[test]
fn unknown_key_lists_valid_keys() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    colour: red
    request:
      url: /ers
"#,
    );
    let diagnostic = assert_error_at(&errors, "unknown key `colour` in a check", 4, 5);
    let help = diagnostic.help.as_deref().unwrap_or_default();
    assert!(
        help.starts_with("valid keys here: "),
        "help of the unknown key in:\n{errors}"
    );
    // Checks gain keys over time, so only the long-standing ones are named here.
    for key in [
        "`id`",
        "`name`",
        "`description`",
        "`tags`",
        "`request`",
        "`expect`",
        "`hints`",
    ] {
        assert!(
            help.contains(key),
            "{key} missing from the help in:\n{errors}"
        );
    }
    assert_error_count(&errors, 1);
}

#[test]
fn extension_keys_ignored() {
    let loaded = load_valid(
        r#"
name: demo
x-contact: noc@example.com
x-request: &ers-request
  url: https://ise.example.com/ers
checks:
  - id: ers
    x-owner: network team
    request: *ers-request
    expect:
      x-note: ERS answers 200 once enabled
      status: 200
    hints:
      - id: ers-not-enabled
        x-reviewed: true
        when:
          x-reason: the gateway redirects APIs it does not serve
          status: 302
        title: ERS is not enabled
        explanation: Enable ERS in the API settings.
"#,
    );
    assert_eq!(loaded.suite.checks.len(), 1, "checks of the loaded suite");
    assert!(
        loaded.warnings.is_none(),
        "unexpected warnings:\n{}",
        loaded.warnings.map(|w| w.to_string()).unwrap_or_default()
    );
}

// Duplicates

#[test]
fn duplicate_key_second_occurrence() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
      url: /ers/config
"#,
    );
    let diagnostic = assert_error_at(&errors, "duplicate key `url` in request", 6, 7);
    assert_help(
        &errors,
        diagnostic,
        "the key is already set on line 5; remove one of the two",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn duplicate_check_id_reported() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
  - id: ers
    request:
      url: /ers/config
"#,
    );
    let diagnostic = assert_error_at(&errors, "duplicate check id `ers`", 6, 9);
    assert_help(
        &errors,
        diagnostic,
        "check ids are unique; `ers` is already used on line 3",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn duplicate_check_id_despite_errors() {
    // Both checks have another error, so neither of them loads.
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      method: FETCH
      url: /ers
  - id: ers
    request: {}
"#,
    );
    let diagnostic = assert_error_at(&errors, "duplicate check id `ers`", 7, 9);
    assert_help(
        &errors,
        diagnostic,
        "check ids are unique; `ers` is already used on line 3",
    );
    assert_error_at(&errors, "unsupported method `FETCH`", 5, 15);
    assert_error_at(&errors, "missing key `url` in request", 8, 14);
    assert_error_count(&errors, 3);
}

#[test]
fn duplicate_vantage_reported() {
    let errors = load_invalid(
        r#"
name: demo
vantages:
  - internal
  - name: external
  - name: internal
checks:
  - id: ers
    request:
      url: /ers
"#,
    );
    let diagnostic = assert_error_at(&errors, "duplicate vantage `internal`", 5, 11);
    assert_help(
        &errors,
        diagnostic,
        "vantage `internal` is already defined on line 3; rename one",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn duplicate_hint_id_reported() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
    hints:
      - id: gateway-down
        title: The gateway is down
        explanation: Start the gateway.
hints:
  - id: gateway-down
    title: The gateway is down
    explanation: Start the gateway.
"#,
    );
    let diagnostic = assert_error_at(&errors, "duplicate hint id `gateway-down`", 11, 9);
    assert_help(
        &errors,
        diagnostic,
        "hint ids appear in reports and must be unique; `gateway-down` is already used on line 7",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn duplicate_hint_id_despite_errors() {
    // The second rule has an invalid status, and the third sits in a check without `request`.
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
    hints:
      - id: gateway-down
        title: The gateway is down
        explanation: Start the gateway.
  - id: mnt
    request:
      url: /mnt
    hints:
      - id: gateway-down
        when:
          status: 999
        title: The gateway is down
        explanation: Start the gateway.
  - id: openapi
    hints:
      - id: gateway-down
        title: The gateway is down
        explanation: Start the gateway.
"#,
    );
    let duplicates: Vec<Option<Position>> = errors
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.message == "duplicate hint id `gateway-down`")
        .map(|diagnostic| diagnostic.position)
        .collect();
    assert_eq!(
        duplicates,
        [at(14, 13), at(21, 13)],
        "duplicate hint ids in:\n{errors}"
    );
    assert_error_count(&errors, 4);
}

// Missing keys

#[test]
fn missing_suite_keys() {
    let errors = load_invalid("id: demo\n");
    let name = assert_error_at(&errors, "missing key `name` in the suite", 1, 1);
    assert!(
        name.help
            .as_deref()
            .unwrap_or_default()
            .starts_with("add the `name` key"),
        "help of the missing name in:\n{errors}"
    );
    let checks = assert_error_at(&errors, "missing key `checks` in the suite", 1, 1);
    assert!(
        checks
            .help
            .as_deref()
            .unwrap_or_default()
            .starts_with("add the `checks` key"),
        "help of the missing checks in:\n{errors}"
    );
    assert_error_count(&errors, 2);
}

#[test]
fn missing_check_keys() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - name: ERS
    request:
      url: /ers
  - id: mnt
  - id: openapi
    request:
      method: GET
"#,
    );
    assert_error_at(&errors, "missing key `id` in a check", 3, 5);
    assert_error_at(&errors, "missing key `request` in a check", 6, 5);
    let url = assert_error_at(&errors, "missing key `url` in request", 9, 7);
    assert_help(&errors, url, "add the `url` key here");
    assert_error_count(&errors, 3);
}

#[test]
fn missing_hint_keys() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
hints:
  - id: gateway-down
    when:
      status: 502
"#,
    );
    assert_error_at(&errors, "missing key `title` in a hint rule", 7, 5);
    assert_error_at(&errors, "missing key `explanation` in a hint rule", 7, 5);
    assert_error_count(&errors, 2);
}

#[test]
fn missing_key_help_grammar() {
    // The help is built from the same phrase as the message ("the suite", "a check"), which
    // must not produce "this the suite" or "this a check".
    let errors = load_invalid(
        r#"
id: demo
checks:
  - id: ers
hints:
  - id: gateway-down
    explanation: Start the gateway.
"#,
    );
    for message in [
        "missing key `name` in the suite",
        "missing key `request` in a check",
        "missing key `title` in a hint rule",
    ] {
        let help = find_error(&errors, message)
            .help
            .clone()
            .unwrap_or_default();
        assert!(
            !help.contains("this the ") && !help.contains("this a "),
            "help {help:?} of `{message}` in:\n{errors}"
        );
    }
}

// Wrong types

#[test]
fn string_where_mapping_expected() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request: /ers
"#,
    );
    assert_error_at(
        &errors,
        "expected a mapping of `key: value` lines for request, found a string",
        4,
        14,
    );
    assert_error_count(&errors, 1);
}

#[test]
fn list_where_string_expected() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    name: [ERS, Open API]
    request:
      url: /ers
"#,
    );
    assert_error_at(
        &errors,
        "expected a string for check name, found a list",
        4,
        11,
    );
    assert_error_count(&errors, 1);
}

// Regular expressions, JSONPath and XPath

const REGEX_HELP: &str = "the syntax is Rust's regex crate (like RE2); escape literal characters such as `(`, `[` and `.` with `\\`";

#[test]
fn invalid_regex_body_matcher() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
    expect:
      body:
        - regex: "[a-z"
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "invalid regex `[a-z`: unclosed character class",
        8,
        18,
    );
    assert_help(&errors, diagnostic, REGEX_HELP);
    assert_error_count(&errors, 1);
}

#[test]
fn invalid_regex_header_matcher() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
    expect:
      status: 302
      headers:
        Location:
          regex: "login(.jsp"
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "invalid regex `login(.jsp`: unclosed group",
        10,
        18,
    );
    assert_help(&errors, diagnostic, REGEX_HELP);
    assert_error_count(&errors, 1);
}

#[test]
fn invalid_regex_hint_body() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: mnt
    request:
      url: /mnt
    hints:
      - id: not-mnt-node
        when:
          status: 500
          body: (?i)not (MnT
        title: This node does not run MnT
        explanation: Point the suite at a node with the Monitoring persona.
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "invalid regex `(?i)not (MnT`: unclosed group",
        10,
        17,
    );
    assert_help(&errors, diagnostic, REGEX_HELP);
    assert_error_count(&errors, 1);
}

#[test]
fn invalid_regex_jsonpath_matches() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
    expect:
      body:
        - jsonpath: $.SearchResult.total
          matches: "a{2,1}"
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "invalid regex `a{2,1}`: invalid repetition count range, the start must be <= the end",
        9,
        20,
    );
    assert_help(&errors, diagnostic, REGEX_HELP);
    assert_error_count(&errors, 1);
}

const INVALID_JSONPATH: &str = r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
    expect:
      body:
        - jsonpath: $.SearchResult.]
"#;

#[test]
fn invalid_jsonpath_message_help() {
    let errors = load_invalid(INVALID_JSONPATH);
    let diagnostic = find_error(
        &errors,
        "invalid JSONPath `$.SearchResult.]`: in dot member name, must start with lowercase alpha or '_'",
    );
    assert_help(
        &errors,
        diagnostic,
        "write an RFC 9535 JSONPath such as `$.SearchResult.total` or `$[*].id`",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn invalid_jsonpath_column_exact() {
    // serde_json_path 0.7.2 reports a 0-based byte offset, although its docs say 1-based. The
    // `]` after the dot is at offset 15 of a value that starts in column 21.
    let errors = load_invalid(INVALID_JSONPATH);
    assert_error_at(
        &errors,
        "invalid JSONPath `$.SearchResult.]`: in dot member name, must start with lowercase alpha or '_'",
        8,
        36,
    );
}

#[test]
fn invalid_xpath_position() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: mnt
    request:
      url: /mnt
    expect:
      body:
        - xpath: /mnt-rest-result/status[
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "invalid XPath `/mnt-rest-result/status[`: predicate `[` is missing its closing `]`",
        8,
        41,
    );
    assert_help(
        &errors,
        diagnostic,
        "see the supported XPath subset in docs/suite-format.md",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn unsupported_xpath_function_position() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: mnt
    request:
      url: /mnt
    expect:
      body:
        - xpath: count(/mnt-rest-result/status)
        - xpath: /mnt-rest-result/contains(status)
"#,
    );
    assert_error_at(
        &errors,
        "invalid XPath `count(/mnt-rest-result/status)`: unsupported XPath function `count()`: use the matcher's `count` option instead",
        8,
        18,
    );
    assert_error_at(
        &errors,
        "invalid XPath `/mnt-rest-result/contains(status)`: unsupported XPath function `contains()`: only `text()` and `last()` are supported",
        9,
        35,
    );
    assert_error_count(&errors, 2);
}

#[test]
fn quoted_scalar_offsets_skip_quote() {
    // Columns inside a double-quoted value start after the opening quote.
    let errors = load_invalid(
        r#"
name: demo
variables:
  HOST: ise.example.com
checks:
  - id: mnt
    request:
      url: "https://${HOST/mnt"
    expect:
      body:
        - xpath: "/mnt-rest-result/status["
"#,
    );
    assert_error_at(
        &errors,
        "invalid request URL: unclosed variable reference `${`: add the closing `}`, or write `$${` for a literal `${`",
        7,
        21,
    );
    assert_error_at(
        &errors,
        "invalid XPath `/mnt-rest-result/status[`: predicate `[` is missing its closing `]`",
        10,
        42,
    );
}

// Status codes and durations

#[test]
fn invalid_status_values() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
    expect:
      status: [700, 6xx, 300-200, ok]
"#,
    );
    assert_error_at(
        &errors,
        "invalid status `700`: write a code from 100 to 599, a class such as `2xx`, or a range such as `200-299`",
        7,
        16,
    );
    assert_error_at(
        &errors,
        "invalid status class `6xx`: write 1xx, 2xx, 3xx, 4xx or 5xx",
        7,
        21,
    );
    assert_error_at(
        &errors,
        "invalid status range `300-200`: the first code must not be greater than the second",
        7,
        26,
    );
    assert_error_at(
        &errors,
        "invalid status `ok`: write a code from 100 to 599, a class such as `2xx`, or a range such as `200-299`",
        7,
        35,
    );
    assert_error_count(&errors, 4);
}

#[test]
fn empty_status_list() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
    expect:
      status: []
"#,
    );
    assert_error_at(&errors, "invalid status: the list is empty", 7, 15);
    assert_error_count(&errors, 1);
}

#[test]
fn invalid_duration_hours() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
      timeout: 10 hours
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "invalid timeout `10 hours`: expected a duration",
        6,
        16,
    );
    assert_help(
        &errors,
        diagnostic,
        "write a number with a unit, such as `500ms`, `10s` or `2m`",
    );
    assert_error_count(&errors, 1);
}

// Variables

#[test]
fn unknown_variable_suggests_name() {
    let errors = load_invalid(
        r#"
name: demo
variables:
  HOST: ise.example.com
defaults:
  base_url: https://${HOTS}
checks:
  - id: ers
    request:
      url: /ers
"#,
    );
    let diagnostic = assert_error_at(&errors, "unknown variable `HOTS` in base URL", 5, 21);
    assert_help(&errors, diagnostic, "did you mean `${HOST}`?");
    assert_error_count(&errors, 1);
}

#[test]
fn unclosed_variable_reference() {
    let errors = load_invalid(
        r#"
name: demo
variables:
  HOST: ise.example.com
checks:
  - id: ers
    request:
      url: https://${HOST/ers
"#,
    );
    assert_error_at(
        &errors,
        "invalid request URL: unclosed variable reference `${`: add the closing `}`, or write `$${` for a literal `${`",
        7,
        20,
    );
    assert_error_count(&errors, 1);
}

#[test]
fn invalid_variable_reference_name() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
      headers:
        X-Request-Id: run-${1ID}
"#,
    );
    assert_error_at(
        &errors,
        "invalid header `X-Request-Id`: invalid variable name `1ID`: names use letters, digits and `_`, and do not start with a digit",
        7,
        27,
    );
    assert_error_count(&errors, 1);
}

#[test]
fn invalid_variable_definition_name() {
    let errors = load_invalid(
        r#"
name: demo
variables:
  ISE-HOST: ise.example.com
checks:
  - id: ers
    request:
      url: /ers
"#,
    );
    let diagnostic = assert_error_at(&errors, "invalid variable name `ISE-HOST`", 3, 3);
    assert_help(
        &errors,
        diagnostic,
        "use letters, digits and `_`, not starting with a digit, such as `ISE_HOST`",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn variable_value_and_env() {
    let errors = load_invalid(
        r#"
name: demo
variables:
  ISE_HOST:
    value: ise.example.com
    env: ISE_HOST
checks:
  - id: ers
    request:
      url: /ers
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "variable `ISE_HOST` sets both `value` and `env`",
        4,
        5,
    );
    assert_help(
        &errors,
        diagnostic,
        "keep `value` for a fixed value or `env` to read the environment",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn variable_without_value_or_env() {
    let errors = load_invalid(
        r#"
name: demo
variables:
  ISE_HOST:
    description: Host name of the ISE node.
checks:
  - id: ers
    request:
      url: /ers
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "variable `ISE_HOST` sets neither `value` nor `env`",
        4,
        5,
    );
    assert_help(
        &errors,
        diagnostic,
        "add `env: NAME` to read an environment variable, or `value: TEXT`",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn invalid_secret_keeps_checking_variable() {
    let errors = load_invalid(
        r#"
name: demo
variables:
  ISE_PASSWORD:
    secret: "yes"
    value: example
    env: ISE_PASSWORD
checks:
  - id: ers
    request:
      url: /ers
"#,
    );
    assert_error_at(
        &errors,
        "expected `true` or `false` for `secret`, found a string",
        4,
        13,
    );
    assert_error_at(
        &errors,
        "variable `ISE_PASSWORD` sets both `value` and `env`",
        4,
        5,
    );
    assert_error_count(&errors, 2);
}

// Hint rules

#[test]
fn hint_unknown_vantage_suggests() {
    let errors = load_invalid(
        r#"
name: demo
vantages: [internal, external]
checks:
  - id: ers
    request:
      url: /ers
    hints:
      - id: ers-missing
        when:
          status: 404
          vantages: [internl]
        title: ERS is not routed
        explanation: Enable ERS in the API settings.
"#,
    );
    let diagnostic = assert_error_at(&errors, "unknown vantage `internl`", 11, 22);
    assert_help(&errors, diagnostic, "did you mean `internal`?");
    assert_error_count(&errors, 1);
}

#[test]
fn hint_unknown_check_suggests() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
  - id: mnt
    request:
      url: /mnt
hints:
  - id: gateway-down
    when:
      checks: [ers, mtn]
    title: The gateway is down
    explanation: Start the gateway.
"#,
    );
    let diagnostic = assert_error_at(&errors, "unknown check `mtn`", 12, 21);
    assert_help(&errors, diagnostic, "did you mean `mnt`?");
    assert_error_count(&errors, 1);
}

#[test]
fn check_hint_rejects_checks_key() {
    // A rule inside a check applies to that check, so only suite-level rules choose checks.
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
    hints:
      - id: ers-missing
        when:
          checks: [ers]
        title: ERS is not routed
        explanation: Enable ERS in the API settings.
"#,
    );
    let diagnostic = assert_error_at(&errors, "unknown key `checks` in a hint condition", 9, 11);
    assert_help(
        &errors,
        diagnostic,
        "valid keys here: `status`, `error`, `body`, `vantages`, `after_passed`, `after_failed`",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn hint_unknown_error_kind() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
hints:
  - id: gateway-silent
    when:
      error: connect.timout
    title: The gateway does not answer
    explanation: Check the firewall rules for port 443.
"#,
    );
    let diagnostic = assert_error_at(&errors, "unknown error kind `connect.timout`", 9, 14);
    assert_help(&errors, diagnostic, "did you mean `connect.timeout`?");
    assert_error_count(&errors, 1);
}

#[test]
fn hint_status_and_error() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
hints:
  - id: gateway-down
    when:
      status: 502
      error: connect.refused
    title: The gateway is down
    explanation: Start the gateway.
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "a hint condition cannot require both a status and an error kind",
        9,
        7,
    );
    assert_help(
        &errors,
        diagnostic,
        "a status means a response arrived and an error kind means none did; split the rule in two",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn hint_multiline_title() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
hints:
  - id: gateway-down
    title: |
      The gateway is down
      and ISE does not answer either
    explanation: Start the gateway, then ISE.
"#,
    );
    let diagnostic = assert_error_at(&errors, "invalid hint title: it spans several lines", 9, 7);
    assert_help(
        &errors,
        diagnostic,
        "keep the title to one line and move the rest to `explanation`",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn folded_hint_title_accepted() {
    // A block scalar ends with a newline, which is not a second line of the title.
    let loaded = load_valid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: https://ise.example.com/ers
hints:
  - id: cloud-port-filtered
    title: >
      The firewall drops connections
      from the cloud service
    explanation: Allow the cloud service's addresses on TCP 443.
"#,
    );
    assert_eq!(
        loaded.suite.hints[0].title, "The firewall drops connections from the cloud service",
        "title of the loaded rule"
    );
}

#[test]
fn failed_hint_no_unhinted_warning() {
    // The check has a rule, but the rule has an error of its own. A warning that the check
    // "has no hint rules" would send the author looking for a missing `hints:` key.
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: mnt
    request:
      url: /mnt
    hints:
      - id: not-mnt-node
        when:
          body: (?i)not (MnT
        title: This node does not run MnT
        explanation: Point the suite at a node with the Monitoring persona.
"#,
    );
    let warnings: Vec<&str> = errors
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Warning)
        .map(|diagnostic| diagnostic.message.as_str())
        .collect();
    assert!(warnings.is_empty(), "warnings in:\n{errors}");
}

// Requests and defaults

#[test]
fn unsupported_method_reported() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      method: FETCH
      url: /ers
"#,
    );
    let diagnostic = assert_error_at(&errors, "unsupported method `FETCH`", 5, 15);
    assert_help(
        &errors,
        diagnostic,
        "use one of `GET`, `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE`, `OPTIONS`",
    );
    assert_error_count(&errors, 1);
}

/// YAML reads `1.20` as the number 1.2; the loader checks the text as written, so a version
/// that does not exist is not taken for TLS 1.2.
#[test]
fn tls_min_version_checked_as_written() {
    let errors = load_invalid(
        r#"
name: demo
defaults:
  tls:
    min_version: 1.20
checks:
  - id: ers
    request:
      url: https://ise.example.com/ers
"#,
    );
    let diagnostic = assert_error_at(&errors, "invalid TLS version `1.20`", 4, 18);
    assert_help(
        &errors,
        diagnostic,
        "write `\"1.2\"` or `\"1.3\"` (quoted, so YAML keeps it as text)",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn zero_timeouts_rejected() {
    let errors = load_invalid(
        r#"
name: demo
defaults:
  timeout: 0s
vantages:
  - name: internal
    connect_timeout: 0
checks:
  - id: ers
    request:
      url: https://ise.example.com/ers
    expect:
      max_duration: 0ms
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "invalid timeout `0s`: it must be longer than zero",
        3,
        12,
    );
    assert_help(
        &errors,
        diagnostic,
        "no request finishes in zero time; write a duration such as `10s`, or leave the key out \
         for the default",
    );
    assert_error_at(
        &errors,
        "invalid connect_timeout `0`: it must be longer than zero",
        6,
        22,
    );
    assert_error_at(
        &errors,
        "invalid max_duration `0ms`: it must be longer than zero",
        12,
        21,
    );
    assert_error_count(&errors, 3);
}

/// `run` would reject this URL; `validate` must too, at its line.
#[test]
fn proxy_url_with_space_rejected() {
    let errors = load_invalid(
        r#"
name: demo
vantages:
  - name: external
    proxy: "http://proxy host:3128"
checks:
  - id: ers
    request:
      url: https://ise.example.com/ers
"#,
    );
    assert_error_at(
        &errors,
        "invalid proxy URL `http://proxy host:3128`: it contains a space or another blank",
        4,
        12,
    );
    assert_error_count(&errors, 1);
}

#[test]
fn resolve_through_http_proxy_warned() {
    let loaded = load_valid(
        r#"
name: demo
vantages:
  - name: external
    proxy: http://proxy.example:3128
    resolve:
      ise.example.com: 192.0.2.10
  - name: socks
    proxy: socks5://proxy.example:1080
    resolve:
      ise.example.com: 192.0.2.10
checks:
  - id: ers
    request:
      url: https://ise.example.com/ers
    hints:
      - id: any
        when: {}
        title: Anything
        explanation: See the report.
"#,
    );
    let warnings = loaded.warnings.expect("a warning");
    let messages: Vec<(&str, usize)> = warnings
        .diagnostics
        .iter()
        .map(|diagnostic| {
            (
                diagnostic.message.as_str(),
                diagnostic.position.map_or(0, |position| position.line),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [(
            "`resolve` does not apply to requests through this proxy, which resolves host names itself",
            6
        )],
        "{warnings}"
    );
}

#[test]
fn unsupported_method_keeps_checking_request() {
    let errors = load_invalid(
        r#"
name: demo
variables:
  HOST: ise.example.com
checks:
  - id: ers
    request:
      method: FETCH
      url: https://${HOTS}/ers
      timeout: 10 hours
"#,
    );
    assert_error_at(&errors, "unsupported method `FETCH`", 7, 15);
    assert_error_at(&errors, "unknown variable `HOTS` in request URL", 8, 20);
    assert_error_at(
        &errors,
        "invalid timeout `10 hours`: expected a duration",
        9,
        16,
    );
    assert_error_count(&errors, 3);
}

#[test]
fn missing_auth_user_keeps_checking_password() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
      auth:
        basic:
          password: ${ISE_PASSWORD}
"#,
    );
    assert_error_at(&errors, "missing key `user` in basic auth", 8, 11);
    assert_error_at(
        &errors,
        "unknown variable `ISE_PASSWORD` in basic-auth password",
        8,
        21,
    );
    assert_error_count(&errors, 2);
}

#[test]
fn invalid_header_name() {
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
      headers:
        Content Type: application/json
"#,
    );
    let diagnostic = assert_error_at(&errors, "invalid header name `Content Type`", 7, 9);
    assert_help(
        &errors,
        diagnostic,
        "header names use letters, digits and `-`",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn base_url_without_scheme() {
    let errors = load_invalid(
        r#"
name: demo
defaults:
  base_url: ise.example.com/api
checks:
  - id: ers
    request:
      url: /ers
"#,
    );
    let diagnostic = assert_error_at(
        &errors,
        "invalid base URL `ise.example.com/api`: it must start with `https://` or `http://`",
        3,
        13,
    );
    assert_help(
        &errors,
        diagnostic,
        "write the scheme, such as `https://${ISE_HOST}`",
    );
    assert_error_count(&errors, 1);
}

#[test]
fn empty_vantages_after_other_error() {
    let errors = load_invalid(
        r#"
name: demo
variables:
  ISE-HOST: ise.example.com
vantages: []
checks:
  - id: ers
    request:
      url: /ers
"#,
    );
    assert_error_at(&errors, "invalid variable name `ISE-HOST`", 3, 3);
    assert_error_at(&errors, "`vantages` is empty", 4, 11);
    assert_error_count(&errors, 2);
}

// Carets

#[test]
fn caret_covers_flow_list() {
    // The caret stops at the first `,` of the list, which ends an item, not the list.
    let list = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    name: [ERS, Open API]
    request:
      url: /ers
"#,
    );
    assert_rendered_line(&list, &format!("  | {}{}", " ".repeat(10), "^".repeat(15)));
}

#[test]
fn caret_covers_template_value() {
    // The caret covers the whole unknown reference, `}` included.
    let template = load_invalid(
        r#"
name: demo
variables:
  HOST: ise.example.com
defaults:
  base_url: https://${HOTS}
checks:
  - id: ers
    request:
      url: /ers
"#,
    );
    assert_rendered_line(
        &template,
        &format!("  | {}{}", " ".repeat(20), "^".repeat(7)),
    );
}

#[test]
fn caret_covers_key_only() {
    // The error is about the header name, so the caret stops before `: application/json`.
    let errors = load_invalid(
        r#"
name: demo
checks:
  - id: ers
    request:
      url: /ers
      headers:
        Content Type: application/json
"#,
    );
    assert_rendered_line(&errors, &format!("  | {}{}", " ".repeat(8), "^".repeat(12)));
}

// All at once, and warnings

#[test]
fn five_mistakes_five_errors() {
    let errors = expect_invalid(load_file(&fixture("invalid/five-mistakes.yaml")));
    let found: Vec<(Option<Position>, &str)> = errors
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.position, diagnostic.message.as_str()))
        .collect();
    // The variable is read first but written last, so this order also shows the sorting.
    let expected = [
        (at(6, 17), "unknown variable `HOTS` in request URL"),
        (at(8, 7), "unknown key `stauts` in expect"),
        (at(13, 22), "unknown vantage `internl`"),
        (at(26, 18), "invalid regex `session (not`: unclosed group"),
        (at(35, 5), "variable `USER` sets both `value` and `env`"),
    ];
    assert_eq!(found, expected, "diagnostics of:\n{errors}");
    assert_error_count(&errors, 5);
}

#[test]
fn unhinted_check_is_warning() {
    let loaded = match load_file(&fixture("valid/unhinted-check.yaml")) {
        Ok(loaded) => loaded,
        Err(error) => panic!("expected the suite to load, found:\n{error}"),
    };
    let warnings = loaded.warnings.expect("a warning for the unhinted check");
    let diagnostic = &warnings.diagnostics[0];
    assert_eq!(
        diagnostic.severity,
        Severity::Warning,
        "severity in:\n{warnings}"
    );
    assert_eq!(
        diagnostic.message, "check `ers` has no hint rules",
        "message in:\n{warnings}"
    );
    assert_eq!(diagnostic.position, at(3, 9), "position in:\n{warnings}");
    assert_help(
        &warnings,
        diagnostic,
        "add `hints:` that say what a failure means and what to check next",
    );
    assert_eq!(warnings.diagnostics.len(), 1, "diagnostics of:\n{warnings}");
}

#[test]
fn bundled_suite_loads_cleanly() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites/ise-api-gateway.yaml");
    let loaded = match load_file(&path) {
        Ok(loaded) => loaded,
        Err(error) => panic!("expected the bundled suite to load, found:\n{error}"),
    };
    assert!(
        loaded.warnings.is_none(),
        "warnings:\n{}",
        loaded.warnings.map(|w| w.to_string()).unwrap_or_default()
    );
}

// The binary

#[test]
fn validate_five_mistakes_exit_2() {
    let run = gatecheck(&["validate", "tests/fixtures/invalid/five-mistakes.yaml"]);
    assert_exit_code(&run, 2);
    let blocks = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("error: "))
        .count();
    assert_eq!(blocks, 5, "`error:` blocks in stderr:\n{}", run.stderr);
    for location in ["6:17", "8:7", "13:22", "26:18", "35:5"] {
        assert_stderr_contains(
            &run,
            &format!("--> tests/fixtures/invalid/five-mistakes.yaml:{location}\n"),
        );
    }
    assert_stderr_contains(&run, "\n8 |       stauts: 200\n");
    assert_stderr_contains(&run, "\n  |       ^^^^^^\n");
    assert_stderr_contains(&run, "= help: did you mean `status`?\n");
    assert_stderr_contains(
        &run,
        "tests/fixtures/invalid/five-mistakes.yaml: 5 errors in this suite; nothing was sent",
    );
    assert!(run.stdout.is_empty(), "stdout:\n{}", run.stdout);
}

#[test]
fn validate_yaml_syntax_exit_2() {
    let run = gatecheck(&["validate", "tests/fixtures/invalid/unclosed-quote.yaml"]);
    assert_exit_code(&run, 2);
    assert_stderr_contains(&run, "error: invalid YAML: unclosed quote\n");
    assert_stderr_contains(&run, "--> tests/fixtures/invalid/unclosed-quote.yaml:1:7\n");
    assert_stderr_contains(&run, "\n1 | name: \"Cisco ISE API gateway\n");
    assert_stderr_contains(&run, &format!("\n  |       {}\n", "^".repeat(22)));
    assert_stderr_contains(&run, "1 error in this suite; nothing was sent");
}

#[test]
fn run_yaml_syntax_exit_2() {
    let run = gatecheck(&["run", "tests/fixtures/invalid/unclosed-quote.yaml"]);
    assert_exit_code(&run, 2);
    assert_stderr_contains(&run, "--> tests/fixtures/invalid/unclosed-quote.yaml:1:7\n");
    assert_stderr_contains(&run, "\n1 | name: \"Cisco ISE API gateway\n");
    assert_stderr_contains(&run, &format!("\n  |       {}\n", "^".repeat(22)));
    assert_stderr_contains(&run, "1 error in this suite; nothing was sent");
}

#[test]
fn run_invalid_suite_sends_nothing() {
    // The suite points at a local listener, so a request sent despite the error would show.
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let port = listener
        .local_addr()
        .expect("the listener's address")
        .port();
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("typo.yaml");
    let suite = format!(
        "name: demo\nchecks:\n  - id: ers\n    request:\n      url: http://127.0.0.1:{port}/ers\n    expect:\n      stauts: 200\n"
    );
    std::fs::write(&path, suite).expect("the suite is written");
    let path_text = path.display().to_string();

    let run = gatecheck(&["run", &path_text]);
    assert_exit_code(&run, 2);
    assert_stderr_contains(&run, &format!("--> {path_text}:7:7\n"));
    assert_stderr_contains(&run, "\n7 |       stauts: 200\n");
    assert_stderr_contains(&run, "\n  |       ^^^^^^\n");
    assert_stderr_contains(&run, "1 error in this suite; nothing was sent");
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(error) if error.kind() == std::io::ErrorKind::WouldBlock),
        "the listener was contacted: {accepted:?}"
    );
}

#[test]
fn validate_invalid_utf8_exit_2() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("latin1.yaml");
    std::fs::write(&path, b"name: caf\xe9\n").expect("the suite is written");
    let path_text = path.display().to_string();

    let run = gatecheck(&["validate", &path_text]);
    assert_exit_code(&run, 2);
    assert_stderr_contains(&run, "error: invalid UTF-8 in suite file\n");
    assert_stderr_contains(&run, &format!("--> {path_text}:1:10\n"));
    assert_stderr_contains(&run, "1 error in this suite; nothing was sent");
}

#[test]
fn validate_warning_exits_zero() {
    let run = gatecheck(&["validate", "tests/fixtures/valid/unhinted-check.yaml"]);
    assert_exit_code(&run, 0);
    assert_stderr_contains(&run, "warning: check `ers` has no hint rules\n");
    assert_stderr_contains(&run, "--> tests/fixtures/valid/unhinted-check.yaml:3:9\n");
    assert_stderr_contains(&run, "tests/fixtures/valid/unhinted-check.yaml: 1 warning");
    assert!(
        !run.stderr.contains("error"),
        "stderr has an error:\n{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("tests/fixtures/valid/unhinted-check.yaml: valid, 1 check,"),
        "stdout:\n{}",
        run.stdout
    );
}

#[test]
fn validate_missing_file_exit_2() {
    let run = gatecheck(&["validate", "tests/fixtures/invalid/absent.yaml"]);
    assert_exit_code(&run, 2);
    assert_stderr_contains(
        &run,
        "error: cannot read suite file tests/fixtures/invalid/absent.yaml",
    );
}

/// A run lists a few checks without hint rules one by one, and counts many of them in one
/// line, so that the warnings do not bury the run's own output.
#[test]
fn run_counts_many_unhinted_checks() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("unhinted.yaml");
    let mut suite = String::from("name: Unhinted\ndefaults:\n  base_url: http://127.0.0.1:9\n");
    suite.push_str("checks:\n");
    for number in 1..=5 {
        suite.push_str(&format!(
            "  - id: check-{number}\n    request:\n      url: /\n"
        ));
    }
    std::fs::write(&path, suite).expect("the suite is written");
    let path_text = path.display().to_string();

    let run = gatecheck(&["run", &path_text, "--proxy", "none"]);
    assert_stderr_contains(
        &run,
        &format!(
            "warning: 5 checks have no hint rules, so their failures get only the built-in \
             diagnosis; `gatecheck validate {path_text}` lists them\n"
        ),
    );
    assert!(
        !run.stderr.contains("check `check-1` has no hint rules"),
        "{}",
        run.stderr
    );

    let validate = gatecheck(&["validate", &path_text]);
    assert_stderr_contains(&validate, "warning: check `check-5` has no hint rules\n");
}

/// An unquoted `y` is a YAML 1.1 boolean; the help says how to keep it as text.
#[test]
fn boolean_id_suggests_quotes() {
    let errors = load_invalid(
        r#"
name: Quoting
checks:
  - id: y
    request:
      url: http://127.0.0.1:9/
"#,
    );
    let error = find_error(&errors, "expected a string for check id, found a boolean");
    let position = error.position.expect("a position");
    assert_eq!((position.line, position.column), (3, 9));
    let help = error.help.as_deref().unwrap_or_default();
    assert!(help.starts_with("put the value in quotes"), "{help}");
}

/// The message about a bad proxy URL masks the password it carries.
#[test]
fn proxy_scheme_error_masks_password() {
    let errors = load_invalid(
        r#"
name: Proxy
vantages:
  - name: outside
    proxy: ftp://user:Secret-Proxy-Pw@proxy.example:21
checks:
  - id: reach
    request:
      url: https://gw.example/
"#,
    );
    let error = find_error(
        &errors,
        "invalid proxy URL `ftp://user:********@proxy.example:21`",
    );
    let position = error.position.expect("a position");
    assert_eq!((position.line, position.column), (4, 12));
    assert!(!errors.to_string().contains("Secret-Proxy-Pw"), "{errors}");
}
