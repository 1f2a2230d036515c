//! Redaction of every string in the results, field by field.
//!
//! The structs are destructured without `..`, so adding a field to the results types fails to
//! compile here until someone decides whether the new field needs redacting.

use crate::results::{
    Attempt, CertificateInfo, CheckResult, ConnectionInfo, Diagnosis, ExpectationFailure, Header,
    RequestInfo, ResponseInfo, RunResults, SuiteInfo, TransportError, VantageInfo,
};
use crate::secret::Redactor;

pub(crate) fn redact_runs(runs: &[RunResults], redactor: &Redactor) -> Vec<RunResults> {
    let mut runs = runs.to_vec();
    if redactor.is_empty() {
        return runs;
    }
    for run in &mut runs {
        redact_run(run, redactor);
    }
    runs
}

/// Masks secrets in `text` in place.
fn mask(text: &mut String, redactor: &Redactor) {
    if let std::borrow::Cow::Owned(redacted) = redactor.redact(text) {
        *text = redacted;
    }
}

fn mask_option(text: &mut Option<String>, redactor: &Redactor) {
    if let Some(text) = text {
        mask(text, redactor);
    }
}

// `format`, the enums and the numbers are left alone: they are fixed vocabulary, and masking
// them would make the report unreadable by `json::parse`.
fn redact_run(run: &mut RunResults, redactor: &Redactor) {
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
    } = run;
    mask(gatecheck_version, redactor);
    mask_option(stopped, redactor);
    redact_suite(suite, redactor);
    redact_vantage(vantage, redactor);
    mask(target, redactor);
    mask(host, redactor);
    mask(started_at, redactor);
    mask(finished_at, redactor);
    for check in checks {
        redact_check(check, redactor);
    }
}

fn redact_suite(suite: &mut SuiteInfo, redactor: &Redactor) {
    let SuiteInfo {
        id,
        name,
        version,
        description,
        path,
    } = suite;
    mask(id, redactor);
    mask(name, redactor);
    mask_option(version, redactor);
    mask_option(description, redactor);
    mask(path, redactor);
}

fn redact_vantage(vantage: &mut VantageInfo, redactor: &Redactor) {
    let VantageInfo { name, description } = vantage;
    mask(name, redactor);
    mask_option(description, redactor);
}

fn redact_check(check: &mut CheckResult, redactor: &Redactor) {
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
        mask(got, redactor);
    }

    if let Some(ConnectionInfo {
        proxy,
        proxy_source,
        remote_address,
        addresses_tried,
        connect_to,
        tls_version,
        certificate,
        tls_note,
    }) = connection
    {
        mask_option(proxy, redactor);
        mask(proxy_source, redactor);
        mask_option(remote_address, redactor);
        for address in addresses_tried {
            mask(address, redactor);
        }
        mask_option(connect_to, redactor);
        mask_option(tls_version, redactor);
        if let Some(certificate) = certificate {
            redact_certificate(certificate, redactor);
        }
        mask_option(tls_note, redactor);
    }

    mask(id, redactor);
    mask(name, redactor);
    mask_option(description, redactor);
    for tag in tags {
        mask(tag, redactor);
    }

    let RequestInfo { method, url } = request;
    mask(method, redactor);
    mask(url, redactor);
    mask(expected_status, redactor);

    if let Some(response) = response {
        redact_response(response, redactor);
    }

    for failure in failures {
        let ExpectationFailure {
            expectation,
            expected,
            actual,
        } = failure;
        mask(expectation, redactor);
        mask(expected, redactor);
        mask(actual, redactor);
    }

    if let Some(TransportError { kind, message }) = error {
        mask(kind, redactor);
        mask(message, redactor);
    }
    mask_option(skip_reason, redactor);

    if let Some(Diagnosis {
        id,
        title,
        explanation,
        source: _,
    }) = diagnosis
    {
        mask(id, redactor);
        mask(title, redactor);
        mask(explanation, redactor);
    }
}

fn redact_certificate(certificate: &mut CertificateInfo, redactor: &Redactor) {
    let CertificateInfo {
        subject,
        issuer,
        sans,
        not_before,
        not_after,
        days_left: _,
    } = certificate;
    mask(subject, redactor);
    mask(issuer, redactor);
    for name in sans {
        mask(name, redactor);
    }
    mask(not_before, redactor);
    mask(not_after, redactor);
}

fn redact_response(response: &mut ResponseInfo, redactor: &Redactor) {
    let ResponseInfo {
        status: _,
        http_version,
        headers,
        body_excerpt,
        body_bytes: _,
        body_truncated: _,
    } = response;
    mask(http_version, redactor);
    for Header { name, value } in headers {
        mask(name, redactor);
        mask(value, redactor);
    }
    mask_option(body_excerpt, redactor);
}
