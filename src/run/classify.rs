//! Sorting a failed request into an [`ErrorKind`].
//!
//! reqwest wraps the real cause several layers deep: hyper errors, `std::io::Error`s and
//! rustls errors. The walk below follows `source()` and also looks inside `io::Error`s with
//! `get_ref()`, because `io::Error::source()` skips the error it wraps, so a plain walk never
//! reaches the `rustls::Error` that explains why a handshake failed.

use std::error::Error as StdError;
use std::io;

use rustls::{CertificateError, Error as TlsError};

use crate::error_kind::ErrorKind;

pub fn classify(error: &reqwest::Error) -> ErrorKind {
    let causes = causes(error);

    for cause in &causes {
        if let Some(tls) = cause.downcast_ref::<TlsError>() {
            return classify_tls(tls);
        }
    }
    if error.is_redirect() {
        return ErrorKind::RedirectLoop;
    }
    // The URL is left out: a host or port in it (`proxy.example`, `:40767`) must not read as
    // one of the words and statuses matched below.
    let text: String = causes
        .iter()
        .map(|cause| without_url(&cause.to_string()).to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" | ");
    // Over HTTP/2, hyper 1 may pass on a TLS alert after the handshake (such as a rejected
    // client certificate) only as text.
    if text.contains("received fatal alert") {
        return ErrorKind::TlsHandshakeRejected;
    }
    if text.contains("dns error") || text.contains("failed to lookup address") {
        return ErrorKind::Dns;
    }
    // hyper-util's connector binds the source address before it connects, to the proxy too.
    if text.contains("tcp bind local error") {
        return ErrorKind::ConnectLocalAddress;
    }
    // A proxy that rejects CONNECT is only recognisable by its message in reqwest 0.13.
    if text.contains("tunnel error") || text.contains("proxy") {
        // hyper-util 0.1 reports a 407 as "proxy authorization required", and a SOCKS5 proxy
        // that turns down the credentials, or wants some the URL lacks, as "credentials not
        // accepted" or "server does not support user/pass authentication".
        if contains_status(&text, "407")
            || text.contains("authentication required")
            || text.contains("authorization required")
            || text.contains("credentials not accepted")
            || text.contains("user/pass authentication")
        {
            return ErrorKind::ProxyAuthRequired;
        }
        return ErrorKind::ProxyConnectFailed;
    }
    if error.is_timeout() {
        return if error.is_connect() {
            ErrorKind::ConnectTimeout
        } else {
            ErrorKind::TimeoutResponse
        };
    }
    for cause in &causes {
        if let Some(io_error) = cause.downcast_ref::<io::Error>() {
            match io_error.kind() {
                io::ErrorKind::ConnectionRefused => return ErrorKind::ConnectRefused,
                io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => {
                    return ErrorKind::ConnectUnreachable;
                }
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
                    return if error.is_connect() {
                        ErrorKind::ConnectReset
                    } else {
                        ErrorKind::ClosedEarly
                    };
                }
                io::ErrorKind::TimedOut => {
                    return if error.is_connect() {
                        ErrorKind::ConnectTimeout
                    } else {
                        ErrorKind::TimeoutResponse
                    };
                }
                io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe => {
                    return ErrorKind::ClosedEarly;
                }
                _ => {}
            }
        }
    }
    if text.contains("connection closed before message completed")
        || text.contains("incomplete message")
        || text.contains("unexpected end of file")
        || text.contains("end of file before message length reached")
    {
        return ErrorKind::ClosedEarly;
    }
    if text.contains("invalid http")
        || text.contains("message head is too large")
        || text.contains("parse error")
        || text.contains("invalid status")
        || text.contains("invalid header")
    {
        return ErrorKind::HttpProtocol;
    }
    if error.is_connect() && text.contains("refused") {
        return ErrorKind::ConnectRefused;
    }
    ErrorKind::Other
}

/// Removes reqwest's `for url (URL)` from an error message.
fn without_url(message: &str) -> String {
    let Some(start) = message.find("for url (") else {
        return message.to_string();
    };
    let rest = &message[start..];
    match rest.find(')') {
        Some(end) => format!("{}{}", &message[..start], &rest[end + 1..]),
        None => message[..start].to_string(),
    }
}

/// Tells whether `text` has `status` as a word of its own: not part of a longer number, and
/// not a port after `:` (the message repeats the URL, whose port may be 407 or 40767).
fn contains_status(text: &str, status: &str) -> bool {
    text.match_indices(status).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + status.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == ':' || c == '.')
            && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

fn classify_tls(error: &TlsError) -> ErrorKind {
    match error {
        TlsError::InvalidCertificate(certificate) => match certificate {
            // A signature that does not fit the key of the trusted CA with the issuer's name
            // almost always means that another CA of that name signed. An example is a
            // self-signed `CN=localhost` certificate on a Debian machine that trusts its
            // snakeoil certificate of the same name.
            CertificateError::UnknownIssuer
            | CertificateError::BadSignature
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                ErrorKind::TlsUnknownIssuer
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                ErrorKind::TlsHostnameMismatch
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                ErrorKind::TlsExpired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                ErrorKind::TlsNotYetValid
            }
            // A self-signed CA certificate (as `openssl req -x509` makes by default) served as
            // the server's own certificate: trusting it does not make it valid there.
            CertificateError::Other(other) if is_ca_used_as_end_entity(other) => {
                ErrorKind::TlsUnknownIssuer
            }
            _ => ErrorKind::TlsProtocol,
        },
        TlsError::AlertReceived(_) => ErrorKind::TlsHandshakeRejected,
        _ => ErrorKind::TlsProtocol,
    }
}

/// Returns the error and all its causes, outermost first, including errors wrapped in
/// `io::Error`.
pub fn causes<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut chain = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        if chain.len() > 32 {
            break;
        }
        chain.push(current);
        next = match current.downcast_ref::<io::Error>() {
            Some(io_error) => io_error
                .get_ref()
                .map(|inner| inner as &(dyn StdError + 'static))
                .or_else(|| current.source()),
            None => current.source(),
        };
    }
    chain
}

/// Describes the error and its causes in one line, for reports.
pub fn describe(error: &reqwest::Error) -> String {
    describe_chain(error)
}

/// Describes any error and its causes in one line, with the certificate errors of rustls
/// reworded to show the expected and presented names, or the dates, in RFC 3339.
pub fn describe_chain(error: &(dyn StdError + 'static)) -> String {
    let causes = causes(error);
    let reworded = causes.iter().find_map(|cause| {
        let TlsError::InvalidCertificate(certificate) = cause.downcast_ref::<TlsError>()? else {
            return None;
        };
        Some((
            certificate.to_string(),
            reword_certificate_error(certificate)?,
        ))
    });
    let mut parts: Vec<String> = Vec::new();
    for cause in causes {
        let mut text = cause.to_string();
        if let Some((original, clearer)) = &reworded {
            text = text.replace(original.as_str(), clearer);
        }
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Rewords the certificate errors whose rustls text shows names in Rust debug form, times in
/// Unix seconds or algorithm ids. Returns `None` for the others, whose text is clear.
fn reword_certificate_error(error: &CertificateError) -> Option<String> {
    use crate::run::tls_evidence::unix_time_rfc3339;

    match error {
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names = if presented.is_empty() {
                "it names no host".to_string()
            } else {
                let presented: Vec<&str> = presented.iter().map(|name| bare_name(name)).collect();
                format!("it names only {}", presented.join(", "))
            };
            Some(format!(
                "the certificate is not valid for {}: {names}",
                expected.to_str()
            ))
        }
        CertificateError::ExpiredContext { time, not_after } => Some(format!(
            "the certificate expired: it is valid until {}, and the check ran at {}",
            unix_time_rfc3339(*not_after),
            unix_time_rfc3339(*time)
        )),
        CertificateError::NotValidYetContext { time, not_before } => Some(format!(
            "the certificate is not valid yet: it is valid from {}, and the check ran at {}",
            unix_time_rfc3339(*not_before),
            unix_time_rfc3339(*time)
        )),
        CertificateError::Other(other) if is_ca_used_as_end_entity(other) => Some(
            "the server's certificate is a CA certificate (basic constraints CA:TRUE), which \
             cannot serve as a server certificate even when it is trusted with --ca-file: issue \
             a server certificate signed by that CA, or make the self-signed certificate \
             without CA:TRUE"
                .to_string(),
        ),
        CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. }
        | CertificateError::BadSignature => Some(
            "the certificate's signature does not verify with the key of the trusted CA named \
             as its issuer (BadSignature): usually another CA with the same name signed it, \
             such as a self-signed certificate named like a trusted one (on Debian, a \
             self-signed CN=localhost certificate and the system's snakeoil certificate)"
                .to_string(),
        ),
        CertificateError::UnknownIssuer => Some(
            "the certificate chain does not lead to a CA this machine trusts (UnknownIssuer): \
             the certificate is self-signed, or its issuing CA is in neither the system's trust \
             store nor --ca-file"
                .to_string(),
        ),
        _ => None,
    }
}

/// Tells whether webpki rejected the server's certificate because it is a CA certificate.
/// rustls 0.23 passes webpki's `CaUsedAsEndEntity` on only inside `CertificateError::Other`,
/// so its debug text is the one signal.
fn is_ca_used_as_end_entity(error: &rustls::OtherError) -> bool {
    format!("{error:?}").contains("CaUsedAsEndEntity")
}

/// Strips the debug form that webpki 0.103 gives presented names: `DnsName("a.example")`
/// becomes `a.example`.
fn bare_name(presented: &str) -> &str {
    match presented.split_once('(') {
        Some((_, rest)) => rest.trim_end_matches(')').trim_matches('"'),
        None => presented,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_left_out_of_matching() {
        assert_eq!(
            without_url("error sending request for url (https://proxy.example:407/x): refused"),
            "error sending request : refused"
        );
        assert_eq!(without_url("no url here"), "no url here");
    }

    #[test]
    fn status_word_not_port() {
        assert!(contains_status("proxy answered 407 proxy auth", "407"));
        assert!(contains_status("status: 407", "407"));
        assert!(!contains_status("url (https://127.0.0.1:40767/)", "407"));
        assert!(!contains_status("url (https://127.0.0.1:407/)", "407"));
        assert!(!contains_status("os error 1407", "407"));
    }

    #[test]
    fn ca_as_server_certificate_explained() {
        #[derive(Debug)]
        struct CaUsedAsEndEntity;
        impl std::fmt::Display for CaUsedAsEndEntity {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("CaUsedAsEndEntity")
            }
        }
        impl StdError for CaUsedAsEndEntity {}
        let other = rustls::OtherError(std::sync::Arc::new(CaUsedAsEndEntity));
        let certificate = CertificateError::Other(other);

        assert_eq!(
            classify_tls(&TlsError::InvalidCertificate(certificate.clone())),
            ErrorKind::TlsUnknownIssuer
        );
        let text = reword_certificate_error(&certificate).expect("a reworded message");
        assert!(text.contains("basic constraints CA:TRUE"), "{text}");
    }

    #[test]
    fn issuer_key_mismatch_is_unknown_issuer() {
        let error = TlsError::InvalidCertificate(
            CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
                signature_algorithm_id: Vec::new(),
                public_key_algorithm_id: Vec::new(),
            },
        );
        assert_eq!(classify_tls(&error), ErrorKind::TlsUnknownIssuer);
    }

    #[test]
    fn alert_is_handshake_rejected() {
        let error = TlsError::AlertReceived(rustls::AlertDescription::CertificateRequired);
        assert_eq!(classify_tls(&error), ErrorKind::TlsHandshakeRejected);
    }

    #[test]
    fn bare_name_strips_debug_form() {
        assert_eq!(bare_name("DnsName(\"other.example\")"), "other.example");
    }

    #[test]
    fn bare_name_keeps_plain_name() {
        assert_eq!(bare_name("other.example"), "other.example");
    }
}
