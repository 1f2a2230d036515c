//! Evaluating `expect.certificate` against the leaf certificate the server presented.

use std::net::IpAddr;

use crate::results::{CertificateInfo, ExpectationFailure};
use crate::suite::CertificateExpectation;

/// Returns a failure for each condition that does not hold, in the order the format lists
/// them: days left, issuer, subject, names. Without a certificate every set condition fails,
/// with the reason it is missing (`Err(None)` stands for plain HTTP).
pub fn evaluate(
    expect: &CertificateExpectation,
    certificate: Result<&CertificateInfo, Option<&str>>,
) -> Vec<ExpectationFailure> {
    let missing_text = match certificate {
        Ok(_) => String::new(),
        Err(Some(reason)) => reason.trim_end_matches('.').to_string(),
        Err(None) => "no certificate: the request did not use TLS".to_string(),
    };
    let certificate = certificate.ok();
    let mut failures = Vec::new();
    let mut fail = |expectation: &str, expected: String, actual: String| {
        failures.push(ExpectationFailure {
            expectation: format!("certificate {expectation}"),
            expected,
            actual,
        });
    };
    let missing = || missing_text.clone();

    if let Some(minimum) = expect.min_days_left {
        let unit = if minimum == 1 { "day" } else { "days" };
        let expected = format!("at least {minimum} {unit} left");
        match certificate {
            Some(certificate) if certificate.days_left >= i64::from(minimum) => {}
            Some(certificate) => fail(
                "days left",
                expected,
                format!(
                    "{} (valid until {})",
                    certificate.days_left, certificate.not_after
                ),
            ),
            None => fail("days left", expected, missing()),
        }
    }
    if let Some(pattern) = &expect.issuer {
        let expected = format!("matches {:?}", pattern.as_str());
        match certificate {
            Some(certificate) if pattern.is_match(&certificate.issuer) => {}
            Some(certificate) => fail("issuer", expected, certificate.issuer.clone()),
            None => fail("issuer", expected, missing()),
        }
    }
    if let Some(pattern) = &expect.subject {
        let expected = format!("matches {:?}", pattern.as_str());
        match certificate {
            Some(certificate) if pattern.is_match(&certificate.subject) => {}
            Some(certificate) => fail("subject", expected, certificate.subject.clone()),
            None => fail("subject", expected, missing()),
        }
    }
    if let Some(name) = &expect.san_contains {
        let expected = format!("contains {name}");
        match certificate {
            Some(certificate) if lists_name(&certificate.sans, name) => {}
            Some(certificate) if certificate.sans.is_empty() => {
                fail(
                    "names",
                    expected,
                    "no subject alternative names".to_string(),
                );
            }
            Some(certificate) => fail("names", expected, certificate.sans.join(", ")),
            None => fail("names", expected, missing()),
        }
    }
    failures
}

/// Tells whether `name` is among the subject alternative names: IP addresses compare as
/// addresses, so `::1` matches `0:0:0:0:0:0:0:1`; DNS names compare without regard to case.
fn lists_name(sans: &[String], name: &str) -> bool {
    let expected_address = name.parse::<IpAddr>().ok();
    sans.iter().any(|listed| match expected_address {
        Some(address) => listed.parse::<IpAddr>().ok() == Some(address),
        None => listed.eq_ignore_ascii_case(name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn certificate() -> CertificateInfo {
        CertificateInfo {
            subject: "CN=api.example.test".to_string(),
            issuer: "O=Example, CN=Example CA".to_string(),
            sans: vec!["api.example.test".to_string(), "::1".to_string()],
            not_before: "2026-01-01T00:00:00Z".to_string(),
            not_after: "2026-03-01T00:00:00Z".to_string(),
            days_left: 12,
        }
    }

    fn expect() -> CertificateExpectation {
        CertificateExpectation::default()
    }

    #[test]
    fn days_left_enough_passes() {
        let expectation = CertificateExpectation {
            min_days_left: Some(12),
            ..expect()
        };
        assert_eq!(evaluate(&expectation, Ok(&certificate())), []);
    }

    #[test]
    fn days_left_short_fails() {
        let expectation = CertificateExpectation {
            min_days_left: Some(30),
            ..expect()
        };
        let failures = evaluate(&expectation, Ok(&certificate()));
        assert_eq!(
            failures,
            [ExpectationFailure {
                expectation: "certificate days left".to_string(),
                expected: "at least 30 days left".to_string(),
                actual: "12 (valid until 2026-03-01T00:00:00Z)".to_string(),
            }]
        );
    }

    #[test]
    fn issuer_mismatch_shows_issuer() {
        let expectation = CertificateExpectation {
            issuer: Some(Regex::new("CN=Corporate CA").unwrap().into()),
            ..expect()
        };
        let failures = evaluate(&expectation, Ok(&certificate()));
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].actual, "O=Example, CN=Example CA");
    }

    #[test]
    fn subject_regex_matches() {
        let expectation = CertificateExpectation {
            subject: Some(Regex::new(r"CN=api\.").unwrap().into()),
            ..expect()
        };
        assert_eq!(evaluate(&expectation, Ok(&certificate())), []);
    }

    #[test]
    fn san_compares_case_and_addresses() {
        assert!(lists_name(&certificate().sans, "API.example.test"));
        assert!(lists_name(&certificate().sans, "0:0:0:0:0:0:0:1"));
    }

    #[test]
    fn san_wildcard_is_literal() {
        let sans = ["*.example.test".to_string()];
        assert!(!lists_name(&sans, "api.example.test"));
    }

    #[test]
    fn san_missing_lists_names() {
        let expectation = CertificateExpectation {
            san_contains: Some("other.example.test".to_string()),
            ..expect()
        };
        let failures = evaluate(&expectation, Ok(&certificate()));
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].actual, "api.example.test, ::1");
    }

    #[test]
    fn plain_http_fails_each_condition() {
        let expectation = CertificateExpectation {
            min_days_left: Some(1),
            san_contains: Some("a.test".to_string()),
            ..expect()
        };
        let failures = evaluate(&expectation, Err(None));
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert_eq!(
            failures[0].actual,
            "no certificate: the request did not use TLS"
        );
    }

    #[test]
    fn missing_certificate_gives_reason() {
        let expectation = CertificateExpectation {
            min_days_left: Some(1),
            ..expect()
        };
        let failures = evaluate(&expectation, Err(Some("No certificate recorded: a proxy.")));
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].actual, "No certificate recorded: a proxy");
    }
}
