//! Choosing a failed check's diagnosis from the hint rules.
//!
//! Rules are tried in order: the check's own, then the suite's, then gatecheck's built-in
//! rules for transport errors and common statuses. The first rule whose conditions all hold
//! is the diagnosis; when none does, the check gets a generic one.

use std::collections::HashMap;

use crate::error_kind::ErrorKind;
use crate::results::{Diagnosis, DiagnosisSource, Outcome, RunResults};
use crate::suite::{Check, HintRule};

/// The observations of a check, as hint conditions see them.
pub struct Evidence<'a> {
    pub status: Option<u16>,
    pub error: Option<ErrorKind>,
    /// The captured body, decoded as UTF-8 with invalid bytes replaced.
    pub body: Option<&'a str>,
    /// Outcomes of the same checks at other vantages, from earlier runs.
    pub history: &'a History,
}

/// Outcomes of checks at other vantages, from the JSON results of earlier runs (`--baseline`)
/// or of the runs being merged. Hint rules with `after_passed` or `after_failed` match only on
/// outcomes recorded here, so an empty history never matches them.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Check id → vantage → outcome.
    outcomes: HashMap<String, HashMap<String, Outcome>>,
}

impl History {
    pub fn from_runs(runs: &[RunResults]) -> History {
        let mut history = History::default();
        for run in runs {
            for check in &run.checks {
                history
                    .outcomes
                    .entry(check.id.clone())
                    .or_default()
                    .insert(run.vantage.name.clone(), check.outcome);
            }
        }
        history
    }

    /// Returns the outcome of check `id` at `vantage`, when a run from there is known.
    pub fn outcome(&self, id: &str, vantage: &str) -> Option<Outcome> {
        self.outcomes.get(id)?.get(vantage).copied()
    }
}

pub fn diagnose(
    check: &Check,
    suite_hints: &[HintRule],
    vantage: &str,
    evidence: &Evidence<'_>,
) -> Diagnosis {
    let from_check = check
        .hints
        .iter()
        .find(|rule| matches(rule, &check.id, vantage, evidence))
        .map(|rule| to_diagnosis(rule, DiagnosisSource::Check));
    let from_suite = || {
        suite_hints
            .iter()
            .find(|rule| matches(rule, &check.id, vantage, evidence))
            .map(|rule| to_diagnosis(rule, DiagnosisSource::Suite))
    };
    from_check
        .or_else(from_suite)
        .unwrap_or_else(|| builtin(evidence))
}

fn matches(rule: &HintRule, check_id: &str, vantage: &str, evidence: &Evidence<'_>) -> bool {
    let when = &rule.when;
    if !when.vantages.is_empty() && !when.vantages.iter().any(|name| name == vantage) {
        return false;
    }
    if !when.checks.is_empty() && !when.checks.iter().any(|id| id == check_id) {
        return false;
    }
    if let Some(status) = &when.status {
        match evidence.status {
            Some(code) if status.matches(code) => {}
            _ => return false,
        }
    }
    if !when.error.is_empty() {
        match evidence.error {
            Some(kind) if when.error.iter().any(|pattern| pattern.matches(kind)) => {}
            _ => return false,
        }
    }
    if let Some(body) = &when.body {
        match evidence.body {
            Some(text) if body.is_match(text) => {}
            _ => return false,
        }
    }
    let outcome_at = |other: &str| {
        // The check being diagnosed did not pass here, whatever an older run recorded.
        if other == vantage {
            Some(Outcome::Failed)
        } else {
            evidence.history.outcome(check_id, other)
        }
    };
    let passed = |other: &String| outcome_at(other) == Some(Outcome::Passed);
    let failed =
        |other: &String| matches!(outcome_at(other), Some(Outcome::Failed | Outcome::Error));
    when.after_passed.iter().all(passed) && when.after_failed.iter().all(failed)
}

fn to_diagnosis(rule: &HintRule, source: DiagnosisSource) -> Diagnosis {
    Diagnosis {
        id: rule.id.clone(),
        title: rule.title.clone(),
        explanation: rule.explanation.clone(),
        source,
    }
}

fn builtin(evidence: &Evidence<'_>) -> Diagnosis {
    let (id, title, explanation) = match (evidence.error, evidence.status) {
        (Some(kind), _) => builtin_for_error(kind),
        (None, Some(status)) => builtin_for_status(status),
        (None, None) => (
            "generic",
            "The check failed",
            "No hint rule of the suite matched this failure. Compare the expected and actual \
             values above, and add a hint rule to the suite that explains this case.",
        ),
    };
    Diagnosis {
        id: id.to_string(),
        title: title.to_string(),
        explanation: explanation.to_string(),
        source: DiagnosisSource::Builtin,
    }
}

fn builtin_for_status(status: u16) -> (&'static str, &'static str, &'static str) {
    match status {
        401 => (
            "builtin.status.401",
            "The server rejected the credentials",
            "The server answered 401 Unauthorized: the user name or password is wrong, or the \
             account is disabled, locked or expired. Repeated attempts can lock the account, so \
             check the credentials before running again.",
        ),
        403 => (
            "builtin.status.403",
            "The user is not allowed to call this API",
            "The server answered 403 Forbidden: the credentials were accepted but the user lacks \
             the permission for this resource, or a proxy or firewall in the path blocked the \
             request.",
        ),
        404 => (
            "builtin.status.404",
            "The path was not found",
            "The server answered 404 Not Found: the API is not enabled or not routed at this \
             address, or a proxy in the path forwards it elsewhere.",
        ),
        300..=399 => (
            "builtin.status.3xx",
            "The server redirected the request",
            "gatecheck does not follow redirects unless a check asks for it, because the redirect \
             itself usually is the finding: the service is not exposed at this path, or a proxy \
             sends the client to a login page. The `Location` header shows where it points.",
        ),
        500..=599 => (
            "builtin.status.5xx",
            "The server reported an error",
            "The server or a gateway in front of it answered with a 5xx status. The body excerpt \
             often names the component that failed.",
        ),
        _ => (
            "generic",
            "An expectation did not hold",
            "The response arrived but did not match the check's expectations. Compare the \
             expected and actual values above, and add a hint rule to the suite that explains \
             this case.",
        ),
    }
}

fn builtin_for_error(kind: ErrorKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        ErrorKind::Dns => (
            "builtin.dns",
            "The host name did not resolve",
            "The resolver of this machine has no address for the host. Check the spelling, and \
             whether this network uses a different DNS view (split-horizon DNS) than the one \
             where the name is registered.",
        ),
        ErrorKind::ConnectRefused => (
            "builtin.connect.refused",
            "The connection was refused",
            "The host answered, but nothing accepts connections on this port, or a firewall \
             actively rejects them. Check the port and that the service is running.",
        ),
        ErrorKind::ConnectTimeout => (
            "builtin.connect.timeout",
            "The connection timed out",
            "No answer to the connection attempt: a firewall silently drops the packets, the \
             address is not routed from here, or the host is down.",
        ),
        ErrorKind::ConnectReset => (
            "builtin.connect.reset",
            "The connection was reset",
            "Something in the path reset the connection while it was being set up, often a \
             firewall or load balancer that rejects this source address.",
        ),
        ErrorKind::ConnectUnreachable => (
            "builtin.connect.unreachable",
            "There is no route to the address",
            "The connection attempt failed at once: this machine has no route to the address's \
             network (network unreachable), or a router or firewall on the way answered that the \
             host cannot be reached (host unreachable, also what a firewall's reject rule can \
             send). Check this vantage's routing, VPN or egress path to the address, and the \
             firewall rules for this source address.",
        ),
        ErrorKind::ConnectLocalAddress => (
            "builtin.connect.local-address",
            "The source address cannot be used here",
            "The connection could not be sent from the configured source address (the \
             vantage's `local_address` or `--local-address`): this machine has no interface \
             with that address, or the address is IPv4 and the target IPv6 (or the other way \
             round). Use an address of this runner (`ip -brief address` lists them), or remove \
             the setting.",
        ),
        ErrorKind::TlsUnknownIssuer => (
            "builtin.tls.unknown-issuer",
            "The server's certificate is not trusted",
            "The certificate chain does not lead to a CA this machine trusts, or it is \
             self-signed. Pass the issuing CA with `--ca-file`, or set `defaults.tls.ca_file` in \
             the suite. When the message says that the server's certificate is a CA \
             certificate, trusting it does not help: the server needs a certificate issued by \
             that CA, or a self-signed one made without `CA:TRUE`.",
        ),
        ErrorKind::TlsHostnameMismatch => (
            "builtin.tls.hostname-mismatch",
            "The certificate does not name this host",
            "The server presented a certificate for another name. Use the host name the \
             certificate was issued for, or have the certificate reissued with this name in its \
             subject alternative names.",
        ),
        ErrorKind::TlsExpired => (
            "builtin.tls.expired",
            "The server's certificate has expired",
            "Renew the certificate on the server. Also check this machine's clock.",
        ),
        ErrorKind::TlsNotYetValid => (
            "builtin.tls.not-yet-valid",
            "The server's certificate is not valid yet",
            "The certificate's start date is in the future: check the clocks of the server and \
             of this machine.",
        ),
        ErrorKind::TlsHandshakeRejected => (
            "builtin.tls.handshake-rejected",
            "The server rejected the TLS handshake",
            "The server sent a TLS alert, for example because it requires a client certificate \
             or does not support this TLS version.",
        ),
        ErrorKind::TlsHandshakeTimeout => (
            "builtin.tls.handshake-timeout",
            "The server accepted the connection but did not complete the TLS handshake",
            "The port is open, but no TLS answer came back within the connect timeout. A \
             firewall or intrusion-prevention system that inspects TLS may hold the handshake \
             (some filter on the server name), or the service on the port is hung or \
             overloaded. Compare with a vantage where the check passes, and check the \
             firewall's TLS inspection and server-name rules for this host.",
        ),
        ErrorKind::TlsProtocol => (
            "builtin.tls.protocol",
            "The TLS handshake failed",
            "The server did not complete a TLS handshake. A common cause is a plain HTTP service \
             on the port, or a proxy that intercepts TLS.",
        ),
        ErrorKind::ProxyConnectFailed => (
            "builtin.proxy.connect-failed",
            "The request did not get through the proxy",
            "The forward proxy could not be reached, or it refused or failed the CONNECT \
             request to the target. When the message says `cannot reach the proxy`, check the \
             proxy's address, port and name, and that this machine may connect to it. When it \
             gives the proxy's answer, 403 usually means that the proxy's rules do not allow \
             this host or port, and 500, 502, 503 or 504 that the proxy could not resolve or \
             reach the target: check the target from the proxy's side. A SOCKS5 proxy answers \
             with a reply code instead: 2 means its rules do not allow the target, 3 to 5 that \
             it could not reach it, and 1 often that it could not resolve the name.",
        ),
        ErrorKind::ProxyAuthRequired => (
            "builtin.proxy.auth-required",
            "The proxy requires authentication",
            "The forward proxy asked for credentials (407, or 401 to CONNECT; a SOCKS5 proxy \
             by accepting no method without them), or did not accept the ones in the proxy URL. \
             Put the proxy user and password in the URL (`http://USER:PASSWORD@proxy:3128` or \
             `socks5://USER:PASSWORD@proxy:1080`, from a secret variable), and check them with \
             the proxy's administrators.",
        ),
        ErrorKind::TimeoutResponse => (
            "builtin.timeout.response",
            "The response did not arrive in time",
            "The connection was made but the server did not send a complete response within the \
             check's timeout. The service may be overloaded, or a middlebox holds the request.",
        ),
        ErrorKind::ClosedEarly => (
            "builtin.closed.early",
            "The server closed the connection early",
            "The connection closed before a complete response arrived. A proxy or firewall may \
             cut the connection, or the service crashed.",
        ),
        ErrorKind::HttpProtocol => (
            "builtin.http.protocol",
            "The response was not valid HTTP",
            "Something other than an HTTP server answered on this port, or a middlebox altered \
             the response.",
        ),
        ErrorKind::RedirectLoop => (
            "builtin.redirect.loop",
            "The redirects did not end",
            "The check follows redirects and the server kept redirecting. Look at the first \
             `Location` with redirects turned off.",
        ),
        ErrorKind::Other => (
            "builtin.other",
            "The request failed",
            "The request failed before a response arrived. The error message above has the \
             details.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::suite::{LoadError, Suite, load_str};

    const SUITE: &str = r#"
name: demo
vantages: [internal, external]
checks:
  - id: ers
    request:
      url: https://ise.example.com/ers
hints:
  - id: blocked
    when:
      status: 302
      after_passed: [internal]
    title: Blocked on the way in
    explanation: The check passed from inside.
  - id: inherited
    when:
      status: 302
      after_failed: [internal]
    title: Fails from inside too
    explanation: Fix the inside first.
"#;

    fn suite(text: &str) -> Result<Suite, LoadError> {
        load_str(Path::new("demo.yaml"), text).map(|loaded| loaded.suite)
    }

    fn run_at(vantage: &str, outcome: Outcome) -> RunResults {
        let value = serde_json::json!({
            "format": crate::results::FORMAT,
            "format_version": crate::results::FORMAT_VERSION,
            "gatecheck_version": "0",
            "suite": { "id": "demo", "name": "demo", "path": "demo.yaml" },
            "vantage": { "name": vantage },
            "target": "",
            "host": "runner",
            "started_at": "",
            "finished_at": "",
            "duration_ms": 0,
            "insecure": false,
            "summary": { "total": 1, "passed": 0, "failed": 0, "errors": 0, "skipped": 0 },
            "checks": [{
                "id": "ers",
                "name": "ers",
                "outcome": outcome,
                "request": { "method": "GET", "url": "https://ise.example.com/ers" },
                "expected_status": "2xx",
                "duration_ms": 0,
            }],
        });
        serde_json::from_value(value).expect("the results are valid")
    }

    /// Returns the id of the diagnosis of a 302 for `ers` at `external`.
    fn diagnosis_id(history: &History) -> String {
        let suite = suite(SUITE).expect("the suite loads");
        let evidence = Evidence {
            status: Some(302),
            error: None,
            body: None,
            history,
        };
        diagnose(&suite.checks[0], &suite.hints, "external", &evidence).id
    }

    #[test]
    fn after_passed_matches_pass() {
        let history = History::from_runs(&[run_at("internal", Outcome::Passed)]);
        assert_eq!(diagnosis_id(&history), "blocked");
    }

    #[test]
    fn after_failed_matches_error() {
        let history = History::from_runs(&[run_at("internal", Outcome::Error)]);
        assert_eq!(diagnosis_id(&history), "inherited");
    }

    #[test]
    fn skipped_matches_neither() {
        let history = History::from_runs(&[run_at("internal", Outcome::Skipped)]);
        assert_eq!(diagnosis_id(&history), "builtin.status.3xx");
    }

    #[test]
    fn empty_history_matches_neither() {
        assert_eq!(diagnosis_id(&History::default()), "builtin.status.3xx");
    }

    #[test]
    fn own_vantage_counts_as_failed() {
        // An older run from the same vantage passed, but the check fails there now.
        let history = History::from_runs(&[run_at("external", Outcome::Passed)]);
        let suite = suite(&SUITE.replace("after_passed: [internal]", "after_passed: [external]"))
            .expect("the suite loads");
        let evidence = Evidence {
            status: Some(302),
            error: None,
            body: None,
            history: &history,
        };
        let diagnosis = diagnose(&suite.checks[0], &suite.hints, "external", &evidence);
        assert_eq!(diagnosis.id, "builtin.status.3xx");
    }

    #[test]
    fn unknown_vantage_suggests_name() {
        let error = suite(&SUITE.replace("after_passed: [internal]", "after_passed: [internl]"))
            .expect_err("the suite is invalid")
            .to_string();
        assert!(error.contains("unknown vantage `internl`"), "{error}");
        assert!(error.contains("did you mean `internal`?"), "{error}");
    }

    #[test]
    fn vantage_in_both_lists_rejected() {
        let text = SUITE.replace(
            "after_failed: [internal]",
            "after_failed: [internal]\n      after_passed: [internal]",
        );
        let error = suite(&text).expect_err("the suite is invalid").to_string();
        assert!(
            error.contains("vantage `internal` is in both `after_passed` and `after_failed`"),
            "{error}"
        );
    }
}
