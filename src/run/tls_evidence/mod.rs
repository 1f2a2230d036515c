//! The TLS version and the server's leaf certificate of a request, for reports and for the
//! `expect.certificate` assertions.
//!
//! A response carries both in reqwest's `TlsInfo`. A failed handshake returns no response, so
//! after a `tls.*` error a second handshake to the same address, with the same server name,
//! records the chain that the server presents, through a verifier that accepts any certificate.
//! That handshake sends no request and offers no client certificate, and nothing is trusted
//! because of it: it only shows the engineer what the server presented.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use x509_parser::prelude::{FromDer as _, GeneralName, X509Certificate, X509Name};

use crate::error_kind::ErrorKind;
use crate::results::{CertificateInfo, ConnectionInfo};
use crate::run::network::ClientSettings;
use crate::run::plan::PreparedRequest;
use crate::run::proxy::{self, Answer, Endpoint};
use crate::run::socks5::Reply;
use crate::secret::Redactor;

pub mod stall;

use stall::Probe;
pub use stall::StallProbes;

/// Evidence of a handshake about the server's TLS setup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsEvidence {
    /// `TLS 1.2` or `TLS 1.3`.
    pub version: Option<String>,
    pub certificate: Option<CertificateInfo>,
    /// Origin of the evidence, or the reason it is missing, when the request got no response.
    pub note: Option<String>,
}

impl TlsEvidence {
    /// Reads the evidence of a response: empty for plain HTTP, and only a note for HTTPS
    /// through a proxy.
    pub fn from_response(
        info: Option<&reqwest::tls::TlsInfo>,
        url: &Url,
        certificates: &CertificateCache,
    ) -> TlsEvidence {
        let Some(info) = info else {
            // NOTE: reqwest 0.13 keeps no `TlsInfo` for a connection tunnelled through a
            // proxy, so certificate conditions cannot be checked there.
            let note = (url.scheme() == "https").then(|| {
                "No certificate recorded: through a proxy tunnel, the HTTP client does not \
                 report the TLS version and certificate."
                    .to_string()
            });
            return TlsEvidence {
                note,
                ..TlsEvidence::default()
            };
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
                .and_then(|der| certificates.info(der, now)),
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

/// Certificates parsed in this run. A run's responses come over a few connections, each
/// presenting the same certificate, so each distinct certificate is parsed once (parsing every
/// response's took 32 M of 1,219 M instructions for 1,000 checks, by callgrind).
#[derive(Debug, Default)]
pub struct CertificateCache {
    parsed: Mutex<HashMap<Vec<u8>, Option<ParsedCertificate>>>,
}

impl CertificateCache {
    /// Returns the fields of a DER certificate, with `days_left` counted from `now`.
    pub fn info(&self, der: &[u8], now: OffsetDateTime) -> Option<CertificateInfo> {
        let mut parsed = lock(&self.parsed);
        let found = match parsed.get(der) {
            Some(found) => found.clone(),
            None => {
                let found = parse_certificate(der);
                parsed.insert(der.to_vec(), found.clone());
                found
            }
        };
        drop(parsed);
        let (mut info, not_after) = found?;
        info.days_left = days_left(not_after, now);
        Some(info)
    }
}

/// A certificate's reported fields and the end of its validity.
type ParsedCertificate = (CertificateInfo, OffsetDateTime);

/// Counts whole days from `now` to `not_after`, rounded down, so negative once expired.
fn days_left(not_after: OffsetDateTime, now: OffsetDateTime) -> i64 {
    let milliseconds_left = (not_after - now).whole_milliseconds();
    i64::try_from(milliseconds_left.div_euclid(86_400_000)).unwrap_or(i64::MIN)
}

/// Parses the fields of a DER certificate that reports show; `None` when it does not parse.
pub fn certificate_info(der: &[u8], now: OffsetDateTime) -> Option<CertificateInfo> {
    let (mut info, not_after) = parse_certificate(der)?;
    info.days_left = days_left(not_after, now);
    Some(info)
}

/// Parses a DER certificate into its reported fields, with `days_left` still 0, and the end of
/// its validity.
fn parse_certificate(der: &[u8]) -> Option<ParsedCertificate> {
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

    let info = CertificateInfo {
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        sans,
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_left: 0,
    };
    Some((info, not_after))
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

/// Examines a request that got no response. After a `tls.*` error it collects the evidence
/// with a second handshake. After an error that can hide a rejected handshake (`other`,
/// `closed.early`, `connect.reset`), it makes the same handshake, and when that shows the
/// server rejecting the connection with a TLS alert, it returns `tls.handshake-rejected`
/// instead: over HTTP/2, hyper 1 reports a server that rejects a missing client certificate
/// only as "connection was not ready".
///
/// After an HTTPS `connect.timeout`, a probe (see [`stall`]) tells a filtered port from a
/// stalled handshake, and returns `tls.handshake-timeout` for the second.
///
/// Returns the kind, the message and the evidence for the result. The evidence is `None` when
/// the kind is not a TLS one.
pub async fn examine_failure(
    kind: ErrorKind,
    message: String,
    prepared: &PreparedRequest,
    probes: &StallProbes,
) -> (ErrorKind, String, Option<TlsEvidence>) {
    let url = prepared.connection_url();
    if kind == ErrorKind::ConnectTimeout && url.scheme() == "https" && prepared.proxy.url.is_none()
    {
        let probe = probes.probe(&url, &prepared.client).await;
        return explain_timeout(kind, message, probe, prepared.client.connect_timeout);
    }
    let is_tls = kind.family() == "tls";
    let may_hide_tls = matches!(
        kind,
        ErrorKind::Other | ErrorKind::ClosedEarly | ErrorKind::ConnectReset
    );
    // Through a proxy, an `other` or a reset may be the proxy's doing, which a handshake
    // through a new tunnel would not show.
    let proxied = prepared.proxy.url.is_some();
    if url.scheme() != "https" || !(is_tls || (may_hide_tls && !proxied)) {
        return (kind, message, None);
    }

    let handshake = second_handshake(&url, &prepared.client).await;
    match (&handshake.rejection, is_tls) {
        (_, true) => (kind, message, Some(handshake.evidence())),
        (Some(rejection), false) => {
            let message = format!(
                "the server rejected the TLS connection: {rejection} (the request reported: \
                 {message})"
            );
            (
                ErrorKind::TlsHandshakeRejected,
                message,
                Some(handshake.evidence()),
            )
        }
        (None, false) => (kind, message, None),
    }
}

/// Turns the probe's finding into the kind, message and evidence of a connect timeout.
fn explain_timeout(
    kind: ErrorKind,
    message: String,
    probe: Probe,
    connect_timeout: Duration,
) -> (ErrorKind, String, Option<TlsEvidence>) {
    match probe {
        Probe::HandshakeStalled {
            address,
            connected_in,
        } => {
            let message = format!(
                "the TCP connection to {address} was set up in {} ms, but the server did not \
                 complete the TLS handshake within the connect timeout of {} ms (the request \
                 reported: {message})",
                connected_in.as_millis(),
                connect_timeout.as_millis(),
            );
            let evidence = TlsEvidence {
                note: Some(
                    "No certificate recorded: a second connection was accepted, and the server \
                     sent no answer to its TLS ClientHello within the connect timeout either."
                        .to_string(),
                ),
                ..TlsEvidence::default()
            };
            (ErrorKind::TlsHandshakeTimeout, message, Some(evidence))
        }
        Probe::Unreachable { detail } => (kind, format!("{message}; then {detail}"), None),
        Probe::Completed { took } => (
            kind,
            format!(
                "{message}; a second connection and TLS handshake then completed in {} ms, so \
                 the delay comes and goes",
                took.as_millis()
            ),
            None,
        ),
        Probe::HandshakeFailed { detail } => (
            kind,
            format!(
                "{message}; a second TCP connection was then accepted, and its TLS handshake \
                 failed: {detail}"
            ),
            None,
        ),
        Probe::NotRun { .. } => (kind, message, None),
    }
}

/// Makes a handshake through the request's proxy to record what the server presents, for a
/// response that came through a proxy tunnel.
pub(crate) async fn through_proxy(url: &Url, settings: &ClientSettings) -> TlsEvidence {
    let scheme = settings
        .proxy
        .as_ref()
        .and_then(|proxy| Endpoint::parse(proxy.expose()))
        .map(|endpoint| endpoint.scheme);
    if !matches!(scheme.as_deref(), Some("http" | "socks5" | "socks5h")) {
        return TlsEvidence {
            note: Some(
                "No certificate recorded: the HTTP client does not report the TLS details of a \
                 tunnelled connection, and gatecheck makes its own handshake only through \
                 http:// and SOCKS5 proxies."
                    .to_string(),
            ),
            ..TlsEvidence::default()
        };
    }
    let handshake = second_handshake(url, settings).await;
    let via = handshake.via.clone().unwrap_or_default();
    let note = match (&handshake.certificate, &handshake.failure) {
        (Some(_), _) => format!(
            "From a separate handshake through the proxy {via}, because the HTTP client does \
             not report the TLS details of a tunnelled connection."
        ),
        (None, failure) => format!(
            "No certificate recorded: the HTTP client does not report the TLS details of a \
             tunnelled connection, and a separate handshake through the proxy {via} failed: \
             {}.",
            failure
                .as_deref()
                .unwrap_or("the server presented no certificate")
        ),
    };
    TlsEvidence {
        version: handshake.version,
        certificate: handshake.certificate,
        note: Some(note),
    }
}

/// Observations of the second handshake.
#[derive(Debug, Default)]
struct SecondHandshake {
    version: Option<String>,
    certificate: Option<CertificateInfo>,
    /// Set when the server asked for a client certificate.
    client_certificate: Option<ClientCertificateRequest>,
    /// The TLS alert or close with which the server ended the connection.
    rejection: Option<String>,
    /// Reason the handshake did not complete.
    failure: Option<String>,
    /// `HOST:PORT` of the proxy whose tunnel carried the handshake.
    via: Option<String>,
}

#[derive(Clone, Debug)]
struct ClientCertificateRequest {
    /// Distinguished names of the CAs whose client certificates the server accepts; often
    /// empty.
    acceptable_issuers: Vec<String>,
    /// Whether gatecheck had a client certificate to send.
    sent: bool,
}

impl SecondHandshake {
    fn evidence(self) -> TlsEvidence {
        let through = self
            .via
            .as_ref()
            .map(|proxy| format!(" through the proxy {proxy}"))
            .unwrap_or_default();
        let mut note = match (&self.certificate, &self.failure) {
            (Some(_), None) => format!(
                "From a second handshake{through} that offered TLS 1.2 and 1.3 and accepted \
                 any certificate, because the request got no response."
            ),
            (Some(_), Some(failure)) => format!(
                "Certificate from a second handshake{through} that accepted any certificate, \
                 because the request got no response; that handshake then failed too: \
                 {failure}."
            ),
            (None, failure) => format!(
                "No certificate recorded: a second handshake{through} that accepts any \
                 certificate failed too: {}.",
                failure.as_deref().unwrap_or("the server presented none")
            ),
        };
        if let Some(request) = &self.client_certificate {
            let issuers = if request.acceptable_issuers.is_empty() {
                "it named no acceptable issuers".to_string()
            } else {
                format!(
                    "acceptable issuers: {}",
                    request.acceptable_issuers.join("; ")
                )
            };
            let sent = if request.sent {
                "gatecheck sent the configured one"
            } else {
                "gatecheck had none to send (--client-cert, tls.client_cert)"
            };
            note.push_str(&format!(
                " The server requested a client certificate ({issuers}), and {sent}."
            ));
        }
        if let Some(rejection) = &self.rejection {
            note.push_str(&format!(
                " The server then ended the connection: {rejection}."
            ));
        }
        TlsEvidence {
            version: self.version,
            certificate: self.certificate,
            note: Some(note),
        }
    }
}

/// Makes a handshake to the same host, port and server name as the request, directly and
/// bounded by the connect timeout, with a verifier that accepts any certificate and the
/// request's client certificate, if any. It sends no request.
async fn second_handshake(url: &Url, settings: &ClientSettings) -> SecondHandshake {
    let limit = settings.connect_timeout;
    let recorder = Arc::new(Recorder::new(client_identity(settings)));
    let outcome =
        tokio::time::timeout(limit, handshake(url, settings, Arc::clone(&recorder))).await;

    let mut result = SecondHandshake {
        certificate: recorder
            .presented_leaf()
            .and_then(|der| certificate_info(&der, OffsetDateTime::now_utc())),
        client_certificate: recorder.client_certificate_request(),
        via: settings
            .proxy
            .as_ref()
            .and_then(|proxy| Endpoint::parse(proxy.expose()))
            .map(|endpoint| endpoint.authority()),
        ..SecondHandshake::default()
    };
    match outcome {
        Ok(Ok((version, rejection))) => {
            result.version = version;
            result.rejection = rejection;
        }
        Ok(Err(Failure::Alert(alert))) => result.rejection = Some(alert),
        Ok(Err(Failure::Other(failure))) => result.failure = Some(failure),
        Err(_) => {
            result.failure = Some(format!(
                "it did not finish within the connect timeout of {} ms",
                limit.as_millis()
            ));
        }
    }
    if result.failure.is_none() && result.rejection.is_some() && result.version.is_none() {
        result.failure = result.rejection.clone();
    }
    result
}

/// Failure of the second handshake. Its text follows "failed too: " in the note.
enum Failure {
    /// The server sent a TLS alert.
    Alert(String),
    Other(String),
}

impl From<String> for Failure {
    fn from(text: String) -> Failure {
        Failure::Other(text)
    }
}

impl From<&str> for Failure {
    fn from(text: &str) -> Failure {
        Failure::Other(text.to_string())
    }
}

/// The time a server that requested a client certificate gets to reject the connection after
/// the handshake, as TLS 1.3 servers do, before it counts as accepting.
const REJECTION_WAIT: Duration = Duration::from_secs(1);

/// Connects and completes a handshake. Returns the negotiated version and, when the server
/// requested a client certificate, how it ended the connection right after the handshake.
async fn handshake(
    url: &Url,
    settings: &ClientSettings,
    recorder: Arc<Recorder>,
) -> Result<(Option<String>, Option<String>), Failure> {
    let (server_name, stream) = open(url, settings).await?;
    let config = recording_config(&recorder)?;
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(server_name, stream)
        .await
        .map_err(|error| match alert(&error) {
            Some(alert) => Failure::Alert(alert),
            None => Failure::Other(crate::run::classify::describe_chain(&error)),
        })?;
    let version = tls.get_ref().1.protocol_version().and_then(version_name);

    let mut rejection = None;
    if recorder.client_certificate_request().is_some() {
        let mut buffer = [0_u8; 1024];
        rejection = match tokio::time::timeout(REJECTION_WAIT, tls.read(&mut buffer)).await {
            Ok(Ok(0)) => Some("it closed the connection after the handshake".to_string()),
            Ok(Err(error)) => alert(&error),
            Ok(Ok(_)) | Err(_) => None,
        };
    }
    // A close_notify ends the connection cleanly. Whether it arrives changes nothing here, so
    // an error is ignored.
    let _ = tls.shutdown().await;
    Ok((version, rejection))
}

/// Opens the connection for the second handshake: directly, or through a tunnel of the
/// request's `http://` proxy, which resolves the target's name itself.
async fn open(
    url: &Url,
    settings: &ClientSettings,
) -> Result<(ServerName<'static>, TcpStream), String> {
    let Some(proxy) = &settings.proxy else {
        let (server_name, addresses) = target(url, settings).await?;
        return Ok((
            server_name,
            connect(&addresses, settings.local_address).await?,
        ));
    };
    let endpoint = Endpoint::parse(proxy.expose()).ok_or("the proxy URL does not parse")?;
    if !matches!(endpoint.scheme.as_str(), "http" | "socks5" | "socks5h") {
        return Err(format!(
            "it goes only through http:// and SOCKS5 proxies, not {}://",
            endpoint.scheme
        ));
    }
    let host = url.host_str().ok_or("the URL has no host")?;
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let server_name = match bare_host.parse::<IpAddr>() {
        Ok(address) => ServerName::from(address),
        Err(_) => ServerName::try_from(host.to_string())
            .map_err(|error| format!("`{host}` is not a valid server name: {error}"))?,
    };
    let mut stream = endpoint
        .connect(settings, settings.connect_timeout)
        .await
        .map_err(|detail| format!("cannot reach the proxy {}: {detail}", endpoint.authority()))?;
    let target = proxy::target_authority(url);
    if endpoint.scheme != "http" {
        return match proxy::socks5_tunnel(&mut stream, &endpoint, url, settings).await? {
            (Reply::Established, _) => Ok((server_name, stream)),
            (reply, shown) => Err(reply.describe(&shown, settings.connect_timeout)),
        };
    }
    match proxy::tunnel(&mut stream, &endpoint, &target, settings.connect_timeout).await {
        Answer::Established => Ok((server_name, stream)),
        answer => Err(answer.describe(&target, settings.connect_timeout)),
    }
}

/// Returns the server name of a URL and the addresses its connection goes to.
async fn target(
    url: &Url,
    settings: &ClientSettings,
) -> Result<(ServerName<'static>, Vec<SocketAddr>), String> {
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url
        .port_or_known_default()
        .ok_or("the URL has no port and no default port")?;
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    match bare_host.parse::<IpAddr>() {
        Ok(address) => Ok((
            ServerName::from(address),
            vec![SocketAddr::new(address, port)],
        )),
        Err(_) => {
            let server_name = ServerName::try_from(host.to_string())
                .map_err(|error| format!("`{host}` is not a valid server name: {error}"))?;
            Ok((server_name, resolve(host, port, settings).await?))
        }
    }
}

/// Builds a client configuration that offers TLS 1.2 and 1.3 and lets `recorder` see the
/// server's certificate and answer a request for a client certificate.
fn recording_config(recorder: &Arc<Recorder>) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|error| error.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::clone(recorder) as Arc<dyn ServerCertVerifier>)
        .with_client_cert_resolver(Arc::clone(recorder) as Arc<dyn ResolvesClientCert>))
}

/// Returns the text of the TLS alert inside an I/O error, such as `received fatal alert:
/// CertificateRequired`.
fn alert(error: &std::io::Error) -> Option<String> {
    let tls = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    matches!(tls, rustls::Error::AlertReceived(_)).then(|| tls.to_string())
}

/// Loads the request's client certificate, so that the second handshake offers what the
/// request offered. A file that does not load leaves it out: the request itself reports that.
fn client_identity(settings: &ClientSettings) -> Option<Arc<CertifiedKey>> {
    let (certificate, key) = settings.tls.identity.as_ref()?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .ok()?
        .collect::<Result<_, _>>()
        .ok()?;
    let key = PrivateKeyDer::from_pem_file(key).ok()?;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    CertifiedKey::from_der(chain, key, &provider)
        .ok()
        .map(Arc::new)
}

/// Resolves `name` as the request did: through the vantage's or `--resolve` overrides first,
/// then DNS.
pub(crate) async fn resolve(
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
pub(crate) async fn connect(
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

/// Records what the server presents and requests during the second handshake. As certificate
/// verifier it accepts any certificate, but still checks the handshake signatures, so the
/// handshake proves that the server has the private key of the presented certificate. As client
/// certificate resolver it offers the request's client certificate, if any.
#[derive(Debug)]
struct Recorder {
    provider: CryptoProvider,
    identity: Option<Arc<CertifiedKey>>,
    leaf: Mutex<Option<CertificateDer<'static>>>,
    client_certificate: Mutex<Option<ClientCertificateRequest>>,
}

impl Recorder {
    fn new(identity: Option<Arc<CertifiedKey>>) -> Recorder {
        Recorder {
            provider: rustls::crypto::aws_lc_rs::default_provider(),
            identity,
            leaf: Mutex::new(None),
            client_certificate: Mutex::new(None),
        }
    }

    fn presented_leaf(&self) -> Option<CertificateDer<'static>> {
        lock(&self.leaf).clone()
    }

    fn client_certificate_request(&self) -> Option<ClientCertificateRequest> {
        lock(&self.client_certificate).clone()
    }
}

/// Locks a mutex, also after a panic elsewhere: each writer stores one value, so the data
/// stays consistent.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *lock(&self.leaf) = Some(end_entity.clone().into_owned());
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

impl ResolvesClientCert for Recorder {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        let acceptable_issuers = root_hint_subjects
            .iter()
            .map(|subject| distinguished_name(subject))
            .collect();
        *lock(&self.client_certificate) = Some(ClientCertificateRequest {
            acceptable_issuers,
            sent: self.identity.is_some(),
        });
        self.identity.clone()
    }

    // True also without a certificate, so that rustls keeps the transcript that a client
    // certificate would need; `resolve` is called whenever the server requests one.
    fn has_certs(&self) -> bool {
        true
    }
}

/// Formats a DER distinguished name as the certificate fields are, such as `CN=Example CA`.
fn distinguished_name(der: &[u8]) -> String {
    match X509Name::from_der(der) {
        Ok((_, name)) => name.to_string(),
        Err(_) => "(a name that does not parse)".to_string(),
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
