//! The TLS lines that the console, JUnit and Markdown reports show for a check: the version,
//! a one-line summary of the server's certificate, and where they came from after a failed
//! handshake.

use crate::results::{CertificateInfo, ConnectionInfo};

/// Returns `(label, text)` pairs in display order, for `label: text` lines; empty for plain
/// HTTP and unsent checks.
pub(crate) fn tls_lines(connection: Option<&ConnectionInfo>) -> Vec<(&'static str, String)> {
    let Some(connection) = connection else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if let Some(version) = &connection.tls_version {
        lines.push(("TLS version", version.clone()));
    }
    if let Some(certificate) = &connection.certificate {
        lines.push(("certificate", certificate_summary(certificate)));
    }
    if let Some(note) = &connection.tls_note {
        lines.push(("note", note.clone()));
    }
    lines
}

/// Summarizes a certificate on one line: `CN=api issued by CN=CA, valid from … until …
/// (12 days left), names: api.example.com`.
pub(crate) fn certificate_summary(certificate: &CertificateInfo) -> String {
    let subject = if certificate.subject.is_empty() {
        "(empty subject)"
    } else {
        certificate.subject.as_str()
    };
    let issuer = if certificate.issuer == certificate.subject {
        ", self-signed".to_string()
    } else {
        format!(" issued by {}", certificate.issuer)
    };
    let left = match certificate.days_left {
        ..0 => "expired".to_string(),
        0 => "less than a day left".to_string(),
        1 => "1 day left".to_string(),
        days => format!("{days} days left"),
    };
    let names = if certificate.sans.is_empty() {
        "none".to_string()
    } else {
        certificate.sans.join(", ")
    };
    format!(
        "{subject}{issuer}, valid from {} until {} ({left}), names: {names}",
        certificate.not_before, certificate.not_after
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate() -> CertificateInfo {
        CertificateInfo {
            subject: "CN=api.example.test".to_string(),
            issuer: "CN=Example CA".to_string(),
            sans: vec!["api.example.test".to_string(), "127.0.0.1".to_string()],
            not_before: "2026-01-01T00:00:00Z".to_string(),
            not_after: "2026-03-01T00:00:00Z".to_string(),
            days_left: 12,
        }
    }

    #[test]
    fn summary_names_issuer_and_days() {
        assert_eq!(
            certificate_summary(&certificate()),
            "CN=api.example.test issued by CN=Example CA, valid from 2026-01-01T00:00:00Z until \
             2026-03-01T00:00:00Z (12 days left), names: api.example.test, 127.0.0.1"
        );
    }

    #[test]
    fn summary_marks_self_signed() {
        let certificate = CertificateInfo {
            issuer: "CN=api.example.test".to_string(),
            ..certificate()
        };
        assert!(
            certificate_summary(&certificate).starts_with("CN=api.example.test, self-signed, "),
            "{}",
            certificate_summary(&certificate)
        );
    }

    #[test]
    fn summary_marks_expired() {
        let certificate = CertificateInfo {
            days_left: -3,
            ..certificate()
        };
        assert!(
            certificate_summary(&certificate).contains("(expired)"),
            "{}",
            certificate_summary(&certificate)
        );
    }

    #[test]
    fn summary_without_names() {
        let certificate = CertificateInfo {
            sans: Vec::new(),
            ..certificate()
        };
        assert!(
            certificate_summary(&certificate).ends_with("names: none"),
            "{}",
            certificate_summary(&certificate)
        );
    }
}
