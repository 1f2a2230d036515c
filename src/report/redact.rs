//! Redaction of every string in the results, field by field.
//!
//! One macro lists the string fields, for both reading and masking, so the check whether a run
//! needs masking and the masking itself cover the same fields. The structs are destructured
//! without `..`, so adding a field to the results types fails to compile here until someone
//! decides whether the new field needs redacting.

use std::borrow::Cow;

use crate::results::{
    Attempt, CertificateInfo, CheckResult, ConnectionInfo, Diagnosis, ExpectationFailure, Header,
    RequestInfo, ResponseInfo, RunResults, SuiteInfo, TransportError, VantageInfo,
};
use crate::secret::Redactor;

/// Calls `$visit` on every string of `$run`, which is a `&RunResults` or a `&mut RunResults`.
/// The closure gets `&String` or `&mut String` to match.
//
// `format`, the enums and the numbers are left alone: they are fixed vocabulary, and masking
// them would make the report unreadable by `json::parse`.
macro_rules! for_each_string {
    ($run:expr, $visit:expr) => {{
        let visit = &mut $visit;
        let RunResults {
            format: _,
            format_version: _,
            gatecheck_version,
            suite,
            vantage,
            target,
            host,
            started_at,
            finished_at,
            duration_ms: _,
            insecure: _,
            stopped,
            summary: _,
            checks,
        } = $run;
        visit(gatecheck_version);
        if let Some(stopped) = stopped {
            visit(stopped);
        }

        let SuiteInfo {
            id,
            name,
            version,
            description,
            path,
        } = suite;
        visit(id);
        visit(name);
        if let Some(version) = version {
            visit(version);
        }
        if let Some(description) = description {
            visit(description);
        }
        visit(path);

        let VantageInfo { name, description } = vantage;
        visit(name);
        if let Some(description) = description {
            visit(description);
        }

        visit(target);
        visit(host);
        visit(started_at);
        visit(finished_at);

        for check in checks {
            let CheckResult {
                id,
                name,
                description,
                tags,
                outcome: _,
                request,
                expected_status,
                response,
                duration_ms: _,
                failures,
                error,
                skip_reason,
                diagnosis,
                insecure: _,
                connection,
                attempts,
            } = check;

            for Attempt { got, .. } in attempts {
                visit(got);
            }

            if let Some(ConnectionInfo {
                proxy,
                proxy_source,
                remote_address,
                addresses_tried,
                connect_to,
                resolve,
                local_address,
                tls_version,
                certificate,
                tls_note,
            }) = connection
            {
                if let Some(proxy) = proxy {
                    visit(proxy);
                }
                visit(proxy_source);
                if let Some(remote_address) = remote_address {
                    visit(remote_address);
                }
                for address in addresses_tried {
                    visit(address);
                }
                if let Some(connect_to) = connect_to {
                    visit(connect_to);
                }
                if let Some(resolve) = resolve {
                    visit(resolve);
                }
                if let Some(local_address) = local_address {
                    visit(local_address);
                }
                if let Some(tls_version) = tls_version {
                    visit(tls_version);
                }
                if let Some(CertificateInfo {
                    subject,
                    issuer,
                    sans,
                    not_before,
                    not_after,
                    days_left: _,
                }) = certificate
                {
                    visit(subject);
                    visit(issuer);
                    for name in sans {
                        visit(name);
                    }
                    visit(not_before);
                    visit(not_after);
                }
                if let Some(tls_note) = tls_note {
                    visit(tls_note);
                }
            }

            visit(id);
            visit(name);
            if let Some(description) = description {
                visit(description);
            }
            for tag in tags {
                visit(tag);
            }

            let RequestInfo { method, url } = request;
            visit(method);
            visit(url);
            visit(expected_status);

            if let Some(ResponseInfo {
                status: _,
                http_version,
                headers,
                body_excerpt,
                body_bytes: _,
                body_truncated: _,
            }) = response
            {
                visit(http_version);
                for Header { name, value } in headers {
                    visit(name);
                    visit(value);
                }
                if let Some(body_excerpt) = body_excerpt {
                    visit(body_excerpt);
                }
            }

            for ExpectationFailure {
                expectation,
                expected,
                actual,
            } in failures
            {
                visit(expectation);
                visit(expected);
                visit(actual);
            }

            if let Some(TransportError { kind, message }) = error {
                visit(kind);
                visit(message);
            }
            if let Some(skip_reason) = skip_reason {
                visit(skip_reason);
            }

            if let Some(Diagnosis {
                id,
                title,
                explanation,
                source: _,
            }) = diagnosis
            {
                visit(id);
                visit(title);
                visit(explanation);
            }
        }
    }};
}

/// Returns `runs` with every secret registered in `redactor` masked.
///
/// The results are normally redacted already, so the runs are borrowed, not copied, unless a
/// string in them would change. A copy is made only then, and masked.
pub(crate) fn redact_runs<'a>(
    runs: &'a [RunResults],
    redactor: &Redactor,
) -> Cow<'a, [RunResults]> {
    if redactor.is_empty() || !runs.iter().any(|run| reveals_secret(run, redactor)) {
        return Cow::Borrowed(runs);
    }
    let mut runs = runs.to_vec();
    for run in &mut runs {
        redact_run(run, redactor);
    }
    Cow::Owned(runs)
}

/// Tells whether masking would change any string of `run`.
fn reveals_secret(run: &RunResults, redactor: &Redactor) -> bool {
    let mut found = false;
    for_each_string!(run, |text: &String| {
        found = found || matches!(redactor.redact(text), Cow::Owned(_));
    });
    found
}

fn redact_run(run: &mut RunResults, redactor: &Redactor) {
    for_each_string!(run, |text: &mut String| {
        if let Cow::Owned(redacted) = redactor.redact(text) {
            *text = redacted;
        }
    });
}
