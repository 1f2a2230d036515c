//! Sorting a failed request into an [`ErrorKind`].
//!
//! reqwest wraps the real cause several layers deep: hyper errors, `std::io::Error`s and
//! rustls errors. The walk below follows `source()` and also looks inside `io::Error`s with
//! `get_ref()`, because `io::Error::source()` skips the error it wraps, so a plain walk never
//! reaches the `rustls::Error` that says why a handshake failed.

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
    let text: String = causes
        .iter()
        .map(|cause| cause.to_string().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" | ");
    if text.contains("dns error") || text.contains("failed to lookup address") {
        return ErrorKind::Dns;
    }
    // A proxy that rejects CONNECT is only recognisable by its message in reqwest 0.13.
    if text.contains("tunnel error") || text.contains("proxy") {
        if text.contains("407") || text.contains("authentication required") {
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

fn classify_tls(error: &TlsError) -> ErrorKind {
    match error {
        TlsError::InvalidCertificate(certificate) => match certificate {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
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
    let mut parts: Vec<String> = Vec::new();
    for cause in causes(error) {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
