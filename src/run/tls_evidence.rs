//! The TLS version and the server's leaf certificate of a request, for reports and for the
//! `expect.certificate` assertions.
//!
//! A response carries both in reqwest's `TlsInfo`. A failed handshake returns no response, so
//! after a `tls.*` error a second handshake to the same address, with the same server name,
//! records the chain that the server presents, through a verifier that accepts any certificate.
//! That handshake sends no request and offers no client certificate, and nothing is trusted
//! because of it: it only shows the engineer what the server presented.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use reqwest::Url;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use x509_parser::prelude::{FromDer as _, GeneralName, X509Certificate};

use crate::results::{CertificateInfo, ConnectionInfo};
use crate::run::network::ClientSettings;
use crate::secret::Redactor;

/// What a handshake showed about the server's TLS setup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsEvidence {
    /// `TLS 1.2` or `TLS 1.3`.
    pub version: Option<String>,
    pub certificate: Option<CertificateInfo>,
    /// Where the evidence came from, or why it is missing, when the request's handshake failed.
    pub note: Option<String>,
}

impl TlsEvidence {
    /// Reads the evidence of a response; `None` for plain HTTP.
    pub fn from_response(info: Option<&reqwest::tls::TlsInfo>) -> TlsEvidence {
        let Some(info) = info else {
            return TlsEvidence::default();
        };
        let version = info.version().and_then(|version| {
            let name = if version == reqwest::tls::Version::TLS_1_3 {
                "TLS 1.3"
            } else if version == reqwest::tls::Version::TLS_1_2 {
                "TLS 1.2"
            } else {
                return None;
            };
            Some(name.to_string())
        });
        let now = OffsetDateTime::now_utc();
        TlsEvidence {
            version,
            certificate: info
                .peer_certificate()
                .and_then(|der| certificate_info(der, now)),
            note: None,
        }
    }

    /// Copies the evidence into a result's connection, masking secrets on the way.
    pub fn record(self, connection: &mut ConnectionInfo, redactor: &Redactor) {
        let mask = |text: String| redactor.redact_owned(text);
        connection.tls_version = self.version;
        connection.tls_note = self.note.map(mask);
        connection.certificate = self.certificate.map(|certificate| CertificateInfo {
            subject: mask(certificate.subject),
            issuer: mask(certificate.issuer),
            sans: certificate.sans.into_iter().map(mask).collect(),
            ..certificate
        });
    }
}

/// Parses the fields of a DER certificate that reports show; `None` when it does not parse.
pub fn certificate_info(der: &[u8], now: OffsetDateTime) -> Option<CertificateInfo> {
    let (_, certificate) = X509Certificate::from_der(der).ok()?;
    let validity = certificate.validity();
    let not_before = OffsetDateTime::from_unix_timestamp(validity.not_before.timestamp()).ok()?;
    let not_after = OffsetDateTime::from_unix_timestamp(validity.not_after.timestamp()).ok()?;

    let mut sans = Vec::new();
    if let Ok(Some(extension)) = certificate.subject_alternative_name() {
        for name in &extension.value.general_names {
            match name {
                GeneralName::DNSName(name) => sans.push((*name).to_string()),
                GeneralName::IPAddress(bytes) => {
                    if let Some(address) = ip_address(bytes) {
                        sans.push(address.to_string());
                    }
                }
                _ => {}
            }
        }
    }

    let milliseconds_left = (not_after - now).whole_milliseconds();
    Some(CertificateInfo {
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        sans,
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_left: i64::try_from(milliseconds_left.div_euclid(86_400_000)).unwrap_or(i64::MIN),
    })
}

fn ip_address(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Formats a time as RFC 3339 in UTC, to the second.
pub fn rfc3339(moment: OffsetDateTime) -> String {
    let moment = moment
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(moment);
    moment
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Formats a rustls time (seconds since the Unix epoch) as RFC 3339.
pub fn unix_time_rfc3339(moment: UnixTime) -> String {
    i64::try_from(moment.as_secs())
        .ok()
        .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok())
        .map_or_else(|| format!("{} (Unix time)", moment.as_secs()), rfc3339)
}

/// Collects the evidence after the request's handshake failed, with a second handshake to the
/// same host, port and server name that accepts any certificate. It is bounded by the connect
/// timeout and connects directly: when the request went through a proxy, the proxy's view of
/// the server may differ, so the evidence is left out with a note instead.
pub async fn after_failed_handshake(
    url: &Url,
    settings: &ClientSettings,
    proxied: bool,
) -> TlsEvidence {
    let without = |note: String| TlsEvidence {
        note: Some(note),
        ..TlsEvidence::default()
    };
    if proxied {
        return without(
            "No certificate recorded: the request went through a proxy, and the second \
             handshake that records the certificate connects only directly."
                .to_string(),
        );
    }
    let limit = settings.connect_timeout;
    let verifier = Arc::new(RecordingVerifier::new());
    let handshake = second_handshake(url, settings, Arc::clone(&verifier));
    let outcome = tokio::time::timeout(limit, handshake).await;

    let now = OffsetDateTime::now_utc();
    let certificate = verifier
        .presented_leaf()
        .and_then(|der| certificate_info(&der, now));
    let failure = match outcome {
        Ok(Ok(version)) => {
            return TlsEvidence {
                version,
                certificate,
                note: Some(
                    "From a second handshake that accepted any certificate, because the \
                     request's own handshake failed."
                        .to_string(),
                ),
            };
        }
        Ok(Err(error)) => error,
        Err(_) => format!(
            "it did not finish within the connect timeout of {} ms",
            limit.as_millis()
        ),
    };
    let note = if certificate.is_some() {
        format!(
            "Certificate from a second handshake that accepted any certificate, because the \
             request's own handshake failed; that handshake then failed too: {failure}."
        )
    } else {
        format!(
            "No certificate recorded: a second handshake that accepts any certificate failed \
             too: {failure}."
        )
    };
    TlsEvidence {
        version: None,
        certificate,
        note: Some(note),
    }
}

/// Connects and completes a handshake, returning the negotiated version. Errors are phrased
/// to follow "failed too: ".
async fn second_handshake(
    url: &Url,
    settings: &ClientSettings,
    verifier: Arc<RecordingVerifier>,
) -> Result<Option<String>, String> {
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url
        .port_or_known_default()
        .ok_or("the URL has no port and no default port")?;
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let (server_name, addresses) = match bare_host.parse::<IpAddr>() {
        Ok(address) => (
            ServerName::from(address),
            vec![SocketAddr::new(address, port)],
        ),
        Err(_) => {
            let server_name = ServerName::try_from(host.to_string())
                .map_err(|error| format!("`{host}` is not a valid server name: {error}"))?;
            (server_name, resolve(host, port, settings).await?)
        }
    };

    let stream = connect(&addresses, settings.local_address).await?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|error| error.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(server_name, stream)
        .await
        .map_err(|error| crate::run::classify::describe_chain(&error))?;
    let version = tls.get_ref().1.protocol_version().and_then(version_name);
    // A close_notify tells the server that the connection ends on purpose; whether it arrives
    // changes nothing here.
    let _ = tls.shutdown().await;
    Ok(version)
}

/// Resolves `name` as the request did: through the vantage's or `--resolve` overrides first,
/// then DNS.
async fn resolve(
    name: &str,
    port: u16,
    settings: &ClientSettings,
) -> Result<Vec<SocketAddr>, String> {
    if let Some((_, address)) = settings
        .resolve
        .iter()
        .find(|(host, _)| host.eq_ignore_ascii_case(name))
    {
        return Ok(vec![SocketAddr::new(*address, port)]);
    }
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
        .await
        .map_err(|error| format!("{name} did not resolve: {error}"))?
        .collect();
    if addresses.is_empty() {
        return Err(format!("{name} resolved to no address"));
    }
    Ok(addresses)
}

/// Connects to the first address that accepts, from `local_address` when one is set.
async fn connect(
    addresses: &[SocketAddr],
    local_address: Option<IpAddr>,
) -> Result<TcpStream, String> {
    let mut last_error = String::from("no address to connect to");
    for address in addresses {
        let attempt = async {
            let socket = if address.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            if let Some(local) = local_address {
                socket.bind(SocketAddr::new(local, 0))?;
            }
            socket.connect(*address).await
        };
        match attempt.await {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = format!("cannot connect to {address}: {error}"),
        }
    }
    Err(last_error)
}

fn version_name(version: ProtocolVersion) -> Option<String> {
    match version {
        ProtocolVersion::TLSv1_3 => Some("TLS 1.3".to_string()),
        ProtocolVersion::TLSv1_2 => Some("TLS 1.2".to_string()),
        _ => None,
    }
}

/// Records the certificate chain the server presents and accepts it, whatever it is. Handshake
/// signatures are still checked, so the handshake proves that the server holds the key of the
/// certificate it presented.
#[derive(Debug)]
struct RecordingVerifier {
    provider: CryptoProvider,
    leaf: Mutex<Option<CertificateDer<'static>>>,
}

impl RecordingVerifier {
    fn new() -> RecordingVerifier {
        RecordingVerifier {
            provider: rustls::crypto::aws_lc_rs::default_provider(),
            leaf: Mutex::new(None),
        }
    }

    fn presented_leaf(&self) -> Option<CertificateDer<'static>> {
        self.leaf
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *self
            .leaf
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(end_entity.clone().into_owned());
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            certificate,
            signature,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            certificate,
            signature,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns a self-signed certificate valid from `since` before now until `until` after now.
    fn generated(since: time::Duration, until: time::Duration, names: &[&str]) -> Vec<u8> {
        let now = OffsetDateTime::now_utc();
        let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        let mut params = rcgen::CertificateParams::new(names).expect("valid names");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "api.example.test");
        params.not_before = now - since;
        params.not_after = now + until;
        let key = rcgen::KeyPair::generate().expect("a key is generated");
        let certificate = params.self_signed(&key).expect("the certificate is signed");
        certificate.der().to_vec()
    }

    #[test]
    fn certificate_names_and_subject() {
        let der = generated(
            time::Duration::days(1),
            time::Duration::days(30),
            &["api.example.test", "127.0.0.1"],
        );
        let info = certificate_info(&der, OffsetDateTime::now_utc()).expect("it parses");
        assert_eq!(info.subject, "CN=api.example.test");
        assert_eq!(info.sans, ["api.example.test", "127.0.0.1"]);
    }

    #[test]
    fn days_left_rounds_down() {
        let der = generated(
            time::Duration::days(1),
            time::Duration::hours(30 * 24 - 12),
            &["a.test"],
        );
        let info = certificate_info(&der, OffsetDateTime::now_utc()).expect("it parses");
        assert_eq!(info.days_left, 29, "{info:?}");
    }

    #[test]
    fn days_left_negative_when_expired() {
        let der = generated(
            time::Duration::days(10),
            -time::Duration::hours(2 * 24 + 12),
            &["a.test"],
        );
        let info = certificate_info(&der, OffsetDateTime::now_utc()).expect("it parses");
        assert_eq!(info.days_left, -3, "{info:?}");
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(
            certificate_info(b"not DER", OffsetDateTime::now_utc()),
            None
        );
    }

    #[test]
    fn rfc3339_drops_fraction() {
        let moment = OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap()
            + time::Duration::milliseconds(250);
        assert_eq!(rfc3339(moment), "2026-01-01T00:00:00Z");
    }
}
