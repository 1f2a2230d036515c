//! The stable names for the ways a request can fail to get an HTTP response.
//!
//! Reports show them and hint rules match on them (`error: connect.timeout`), so a name never
//! changes once released.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The host name did not resolve, or the resolver timed out.
    Dns,
    ConnectRefused,
    ConnectTimeout,
    ConnectReset,
    /// No route to the address: the network is unreachable from this machine, or a router or
    /// firewall answered that the host cannot be reached.
    ConnectUnreachable,
    /// The configured source address (`local_address`) could not be bound: this machine does
    /// not have it, or it is of the other IP family than the target.
    ConnectLocalAddress,
    /// The certificate chain does not lead to a trusted CA; includes self-signed certificates.
    TlsUnknownIssuer,
    TlsHostnameMismatch,
    TlsExpired,
    TlsNotYetValid,
    /// The server sent a TLS alert, for example because it requires a client certificate.
    TlsHandshakeRejected,
    /// The TCP connection was set up, but the server did not complete the TLS handshake
    /// within the connect timeout.
    TlsHandshakeTimeout,
    /// Any other TLS failure, such as a plain HTTP server on the TLS port.
    TlsProtocol,
    ProxyConnectFailed,
    ProxyAuthRequired,
    /// Connected, but the response (headers or body) did not arrive in time.
    TimeoutResponse,
    /// The server closed the connection before a complete response.
    ClosedEarly,
    /// The server's bytes were not valid HTTP.
    HttpProtocol,
    /// Redirects were followed and did not end.
    RedirectLoop,
    /// Nothing above fits; the message has the details.
    Other,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 20] = [
        ErrorKind::Dns,
        ErrorKind::ConnectRefused,
        ErrorKind::ConnectTimeout,
        ErrorKind::ConnectReset,
        ErrorKind::ConnectUnreachable,
        ErrorKind::ConnectLocalAddress,
        ErrorKind::TlsUnknownIssuer,
        ErrorKind::TlsHostnameMismatch,
        ErrorKind::TlsExpired,
        ErrorKind::TlsNotYetValid,
        ErrorKind::TlsHandshakeRejected,
        ErrorKind::TlsHandshakeTimeout,
        ErrorKind::TlsProtocol,
        ErrorKind::ProxyConnectFailed,
        ErrorKind::ProxyAuthRequired,
        ErrorKind::TimeoutResponse,
        ErrorKind::ClosedEarly,
        ErrorKind::HttpProtocol,
        ErrorKind::RedirectLoop,
        ErrorKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Dns => "dns",
            ErrorKind::ConnectRefused => "connect.refused",
            ErrorKind::ConnectTimeout => "connect.timeout",
            ErrorKind::ConnectReset => "connect.reset",
            ErrorKind::ConnectUnreachable => "connect.unreachable",
            ErrorKind::ConnectLocalAddress => "connect.local-address",
            ErrorKind::TlsUnknownIssuer => "tls.unknown-issuer",
            ErrorKind::TlsHostnameMismatch => "tls.hostname-mismatch",
            ErrorKind::TlsExpired => "tls.expired",
            ErrorKind::TlsNotYetValid => "tls.not-yet-valid",
            ErrorKind::TlsHandshakeRejected => "tls.handshake-rejected",
            ErrorKind::TlsHandshakeTimeout => "tls.handshake-timeout",
            ErrorKind::TlsProtocol => "tls.protocol",
            ErrorKind::ProxyConnectFailed => "proxy.connect-failed",
            ErrorKind::ProxyAuthRequired => "proxy.auth-required",
            ErrorKind::TimeoutResponse => "timeout.response",
            ErrorKind::ClosedEarly => "closed.early",
            ErrorKind::HttpProtocol => "http.protocol",
            ErrorKind::RedirectLoop => "redirect.loop",
            ErrorKind::Other => "other",
        }
    }

    /// Returns the part before the dot (`tls` for `tls.expired`), which hint rules may use to
    /// match a whole family.
    pub fn family(self) -> &'static str {
        let name = self.as_str();
        name.split('.').next().unwrap_or(name)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for ErrorKind {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, ()> {
        ErrorKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or(())
    }
}

/// An error kind or a family of them, as hint rules write it: `tls.expired` or `tls`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKindPattern {
    Exact(ErrorKind),
    Family(String),
}

impl ErrorKindPattern {
    pub fn parse(text: &str) -> Option<ErrorKindPattern> {
        if let Ok(kind) = text.parse() {
            return Some(ErrorKindPattern::Exact(kind));
        }
        ErrorKind::ALL
            .into_iter()
            .any(|kind| kind.family() == text)
            .then(|| ErrorKindPattern::Family(text.to_string()))
    }

    pub fn matches(&self, kind: ErrorKind) -> bool {
        match self {
            ErrorKindPattern::Exact(exact) => *exact == kind,
            ErrorKindPattern::Family(family) => kind.family() == family,
        }
    }

    /// Returns every name a hint rule may write, for error messages.
    pub fn valid_names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        for kind in ErrorKind::ALL {
            if kind.family() != kind.as_str() && !names.contains(&kind.family()) {
                names.push(kind.family());
            }
        }
        names
    }
}
