//! Writing suites as commented YAML text.
//!
//! The text is written by hand rather than serialized, because the comments are half of what
//! makes a new suite usable. Every scalar goes through [`scalar`], which quotes it whenever
//! the plain form would not read back as the same text.

use std::fmt::Write as _;

use crate::init::SCHEMA_URL;
use crate::init::draft::{BasicAuth, CheckDraft, Draft, Expectation};
use crate::suite::yaml::{self, Value};

/// Returns a starter suite named `name`: one variable, defaults, one vantage and one check
/// with an expectation and a hint rule, each commented.
pub fn starter(name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# yaml-language-server: $schema={SCHEMA_URL}");
    out.push_str(
        "#
# A gatecheck suite: HTTP checks, the places they run from (vantages), and what each failure
# means (hints). Check it with `gatecheck validate FILE`, then run it with
#   GATECHECK_HOST=api.example.com gatecheck run FILE --vantage internal
",
    );
    let _ = writeln!(out, "name: {}", scalar(name));
    out.push_str(
        "
variables:
  # Written as ${HOST} in strings. The run reads it from the environment, or uses the default.
  HOST:
    env: GATECHECK_HOST
    default: api.example.com
    description: Host name (and port, when not 443) of the API to check.

defaults:
  # A check's `url` that starts with `/` is joined to this.
  base_url: https://${HOST}
  headers:
    Accept: application/json
  timeout: 10s
  # Redirects are reported, not followed, because a redirect usually is the finding.
  follow_redirects: false

vantages:
  # The places the suite runs from; `--vantage NAME` picks one. Hint rules can be limited to
  # some of them, because the same status means different things inside and outside a firewall.
  - name: internal
    description: A machine inside the network, in front of the firewall that guards the API.

checks:
  - id: health
    name: The health endpoint answers
    request:
      method: GET
      url: /health
    expect:
      status: 200
      body:
        - jsonpath: $.status
          equals: up
    # What a failure means and what to check next; the first rule that matches explains it.
    hints:
      - id: health-redirected
        when:
          status: 3xx
        title: The health endpoint redirects
        explanation: |
          The gateway or a proxy in front of the API redirected the request, often to a login
          page because the API is not exposed at this path. The Location header in the report
          shows where the redirect points.
",
    );
    out
}

/// Returns the suite text of `draft`.
pub fn render(draft: &Draft, curl_lines: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# yaml-language-server: $schema={SCHEMA_URL}");
    let lines = if curl_lines == 1 {
        "one curl command line".to_string()
    } else {
        format!("{curl_lines} curl command lines")
    };
    let _ = writeln!(
        out,
        "#\n# Made by `gatecheck init` from {lines}. Replace each placeholder hint with what a"
    );
    out.push_str(
        "# failure of that check means for this API and what to check next.
",
    );
    let _ = writeln!(out, "name: {}", scalar(&draft.name));
    render_variables(&mut out, draft);
    render_defaults(&mut out, draft);
    out.push_str(
        "
vantages:
  # The places the suite runs from; `--vantage NAME` picks one. Add one per place, such as
  # `external` for a device outside the firewall.
  - name: local
    description: The machine the curl command lines were run from.

checks:
",
    );
    for (index, check) in draft.checks.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        render_check(&mut out, check);
    }
    out
}

fn render_variables(out: &mut String, draft: &Draft) {
    if draft.variables.is_empty() {
        return;
    }
    out.push_str("\nvariables:\n");
    for variable in &draft.variables {
        let _ = writeln!(out, "  {}:", variable.name);
        let _ = writeln!(out, "    env: {}", scalar(&variable.env));
        if let Some(default) = &variable.default {
            let _ = writeln!(out, "    default: {}", scalar(default));
        }
        if variable.secret {
            out.push_str("    secret: true\n");
        }
        let _ = writeln!(out, "    description: {}", scalar(&variable.description));
    }
}

fn render_defaults(out: &mut String, draft: &Draft) {
    let has_tls = draft.insecure || draft.ca_file.is_some();
    if draft.base_url.is_none() && draft.headers.is_empty() && draft.auth.is_none() && !has_tls {
        return;
    }
    out.push_str("\ndefaults:\n");
    if let Some(base_url) = &draft.base_url {
        let _ = writeln!(out, "  base_url: {}", scalar(base_url));
    }
    render_headers(out, 1, "headers", &draft.headers);
    if let Some(auth) = &draft.auth {
        render_auth(out, 1, auth);
    }
    if has_tls {
        out.push_str("  tls:\n");
        if let Some(ca_file) = &draft.ca_file {
            let _ = writeln!(
                out,
                "    ca_file: {}",
                scalar(&ca_file.display().to_string())
            );
        }
        if draft.insecure {
            out.push_str(
                "    # curl -k turned certificate verification off, and so does this line. Replace it
    # with the CA that signed the server's certificate, `ca_file: PATH` to a PEM file, and
    # remove `insecure`.
    insecure: true
",
            );
        }
    }
}

fn render_check(out: &mut String, check: &CheckDraft) {
    let _ = writeln!(out, "  - id: {}", scalar(&check.id));
    let _ = writeln!(out, "    name: {}", scalar(&check.name));
    out.push_str("    request:\n");
    let _ = writeln!(out, "      method: {}", check.method);
    let _ = writeln!(out, "      url: {}", scalar(&check.url));
    if !check.query.is_empty() {
        out.push_str("      query:\n");
        for (name, value) in &check.query {
            let _ = writeln!(out, "        {}: {}", key(name), scalar(value));
        }
    }
    render_headers(out, 3, "headers", &check.headers);
    if let Some(body) = &check.body {
        let _ = writeln!(out, "      body: {}", scalar(body));
    }
    if let Some(auth) = &check.auth {
        render_auth(out, 3, auth);
    }
    if check.follow_redirects {
        out.push_str("      follow_redirects: true\n");
    }
    if let Some(timeout) = &check.timeout {
        let _ = writeln!(out, "      timeout: {}", scalar(timeout));
    }

    out.push_str("    expect:\n");
    let recorded_redirect = match &check.expect {
        Expectation::Success => {
            out.push_str("      status: 2xx\n");
            false
        }
        Expectation::Recorded { status, date } => {
            let _ = writeln!(out, "      # recorded from the server on {date}");
            let _ = writeln!(out, "      status: {status}");
            (300..400).contains(status)
        }
    };
    render_placeholder_hint(out, check, recorded_redirect);
}

/// Writes a hint rule to be replaced: one for a redirect, which through a gateway usually
/// means the API is not exposed, or for a 404 when the check expects a redirect.
fn render_placeholder_hint(out: &mut String, check: &CheckDraft, recorded_redirect: bool) {
    let target = check
        .name
        .split_once(' ')
        .map_or(check.name.as_str(), |(_, target)| target);
    out.push_str(
        "    hints:
      # A placeholder: say what this answer means for this API and what to check next.
",
    );
    if recorded_redirect {
        let _ = writeln!(
            out,
            "      - id: {}",
            scalar(&format!("{}-not-found", check.id))
        );
        out.push_str("        when:\n          status: 404\n");
        let _ = writeln!(
            out,
            "        title: {}",
            scalar(&format!("{target} was not found"))
        );
        out.push_str(
            "        explanation: |
          The server answered 404 Not Found: the API is not enabled or not routed at this
          address, or a proxy in the path forwards it elsewhere.
",
        );
    } else {
        let _ = writeln!(
            out,
            "      - id: {}",
            scalar(&format!("{}-redirected", check.id))
        );
        out.push_str("        when:\n          status: 3xx\n");
        let _ = writeln!(
            out,
            "        title: {}",
            scalar(&format!("{target} was redirected"))
        );
        out.push_str(
            "        explanation: |
          The server or a proxy in front of it redirected the request instead of answering it,
          often to a login page because the API is not enabled or not exposed at this path.
          The Location header in the report shows where the redirect points.
",
        );
    }
}

fn render_headers(out: &mut String, level: usize, label: &str, headers: &[(String, String)]) {
    if headers.is_empty() {
        return;
    }
    let indent = "  ".repeat(level);
    let _ = writeln!(out, "{indent}{label}:");
    for (name, value) in headers {
        let _ = writeln!(out, "{indent}  {}: {}", key(name), scalar(value));
    }
}

fn render_auth(out: &mut String, level: usize, auth: &BasicAuth) {
    let indent = "  ".repeat(level);
    let _ = writeln!(out, "{indent}auth:\n{indent}  basic:");
    let _ = writeln!(out, "{indent}    user: {}", scalar(&auth.user));
    let _ = writeln!(out, "{indent}    password: {}", scalar(&auth.password));
}

/// Returns `text` as a YAML scalar that reads back as the same text: plain when that is
/// safe, otherwise single-quoted, or double-quoted when it contains control characters such
/// as line breaks, which single quotes cannot keep.
pub fn scalar(text: &str) -> String {
    if reads_back_plain(&format!("k: {text}\n"), text, false) {
        return text.to_string();
    }
    quoted(text)
}

/// Returns `text` as a mapping key that reads back as the same text.
fn key(text: &str) -> String {
    if reads_back_plain(&format!("{text}: v\n"), text, true) {
        return text.to_string();
    }
    quoted(text)
}

fn quoted(text: &str) -> String {
    if text.chars().any(char::is_control) {
        // A JSON string is a valid YAML double-quoted scalar with the same escapes.
        serde_json::Value::String(text.to_string()).to_string()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// Parses `document`, a one-entry mapping, and returns whether its key (when `is_key`) or its
/// value is `expected`. An integer value counts when it is written the same way, because the
/// loader reads numbers in string fields as written.
fn reads_back_plain(document: &str, expected: &str, is_key: bool) -> bool {
    let simple = !expected.is_empty()
        && expected.trim() == expected
        && !expected.chars().any(char::is_control)
        && !expected.starts_with(|c: char| "!&*-?:,[]{}#|>@`\"'%".contains(c))
        && !expected.contains(": ")
        && !expected.contains(" #")
        && !expected.ends_with(':');
    if !simple {
        return false;
    }
    let Ok(root) = yaml::parse(document) else {
        return false;
    };
    let Value::Mapping(entries) = root.value else {
        return false;
    };
    let [(entry_key, entry_value)] = entries.as_slice() else {
        return false;
    };
    if is_key {
        return entry_key.name == expected && matches!(entry_value.value, Value::String(_));
    }
    match &entry_value.value {
        Value::String(text) => text == expected,
        Value::Integer(number, _) => number.to_string() == expected,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_plain_when_safe() {
        assert_eq!(
            scalar("/ers/config/endpointgroup"),
            "/ers/config/endpointgroup"
        );
        assert_eq!(scalar("https://${HOST}"), "https://${HOST}");
        assert_eq!(scalar("127.0.0.1:8443"), "127.0.0.1:8443");
        assert_eq!(scalar("10"), "10");
    }

    #[test]
    fn scalar_quotes_when_needed() {
        assert_eq!(scalar("true"), "'true'");
        assert_eq!(scalar("1.10"), "'1.10'");
        assert_eq!(scalar("010"), "'010'");
        assert_eq!(scalar("a: b"), "'a: b'");
        assert_eq!(scalar("it's"), "it's");
        assert_eq!(scalar("'x'"), "'''x'''");
        assert_eq!(scalar("a\nb"), "\"a\\nb\"");
        assert_eq!(scalar(""), "''");
        assert_eq!(scalar("null"), "'null'");
    }

    #[test]
    fn starter_loads() {
        let text = starter("New suite");
        crate::suite::load_str(std::path::Path::new("gatecheck.yaml"), &text)
            .unwrap_or_else(|error| panic!("{error}\n{text}"));
    }
}
