//! What a forward proxy did with a request that got no response.
//!
//! reqwest 0.13 (through hyper-util's tunnel) reports a CONNECT that the proxy answered with
//! anything but 200 or 407 only as "tunnel error: unsuccessful", without the status, and a
//! proxy it cannot reach with the same errors as a server it cannot reach. After such a failure
//! a probe connects to the proxy itself and, for an `http://` proxy and an HTTPS target,
//! repeats the CONNECT, so that the report says whether the proxy or the target failed and
//! what the proxy answered.
//!
//! For a SOCKS5 proxy the probe repeats the SOCKS5 CONNECT instead, which tells missing or
//! rejected credentials from a target that the proxy could not reach.
//!
//! The same tunnels carry the second handshake that records the server's certificate when the
//! request went through a proxy.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use reqwest::Url;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::OnceCell;

use crate::error_kind::ErrorKind;
use crate::run::network::ClientSettings;
use crate::run::plan::PreparedRequest;
use crate::run::socks5::{self, Destination, Reply};
use crate::run::tls_evidence::{self, TlsEvidence, connect, resolve};

/// Maximum wait for the probe's TCP connection to the proxy.
const TCP_LIMIT: Duration = Duration::from_secs(2);

/// Maximum size of the CONNECT response head that the probe reads. The heads of tinyproxy and
/// Squid are a few hundred bytes.
const HEAD_LIMIT: usize = 16 * 1024;

/// A proxy URL taken apart.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// `http`, `https`, `socks5` or `socks5h`.
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// User and password, percent-decoded.
    credentials: Option<(String, String)>,
}

impl Endpoint {
    /// Parses a proxy URL. A URL without a port gets the scheme's default, 1080 for SOCKS.
    pub fn parse(proxy: &str) -> Option<Endpoint> {
        let url = Url::parse(proxy).ok()?;
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url.port_or_known_default().unwrap_or(1080);
        let decode = |text: &str| {
            percent_encoding::percent_decode_str(text)
                .decode_utf8_lossy()
                .into_owned()
        };
        let credentials = (!url.username().is_empty()).then(|| {
            (
                decode(url.username()),
                decode(url.password().unwrap_or_default()),
            )
        });
        Some(Endpoint {
            scheme: url.scheme().to_string(),
            host,
            port,
            credentials,
        })
    }

    /// `HOST:PORT`, without credentials, for messages.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Connects to the proxy, from the request's source address, bounded by `limit`.
    pub async fn connect(
        &self,
        settings: &ClientSettings,
        limit: Duration,
    ) -> Result<TcpStream, String> {
        let addresses = resolve(&self.host, self.port, settings).await?;
        match tokio::time::timeout(limit, connect(&addresses, settings.local_address)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(detail)) => Err(detail),
            Err(_) => Err(format!("no answer within {} ms", limit.as_millis())),
        }
    }
}

/// How an `http://` proxy answered a CONNECT request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// 2xx: the tunnel is open.
    Established,
    /// Any other status, with the reason phrase and, from Squid, its error name.
    Status {
        status: u16,
        reason: String,
        proxy_error: Option<String>,
    },
    /// No answer within the limit.
    Silent,
    /// The proxy closed the connection, or its answer was not HTTP.
    Broken(String),
}

impl Answer {
    pub fn describe(&self, target: &str, limit: Duration) -> String {
        match self {
            Answer::Established => format!("the proxy opened a tunnel to {target}"),
            Answer::Status {
                status,
                reason,
                proxy_error,
            } => {
                let mut text = format!("the proxy answered CONNECT {target} with {status}");
                if !reason.is_empty() {
                    text.push(' ');
                    text.push_str(reason);
                }
                if let Some(error) = proxy_error {
                    text.push_str(&format!(" ({error})"));
                }
                text
            }
            Answer::Silent => format!(
                "the proxy accepted the connection but did not answer CONNECT {target} within \
                 {} ms; it may still be trying to reach the target",
                limit.as_millis()
            ),
            Answer::Broken(detail) => {
                format!("the proxy's answer to CONNECT {target} was not usable: {detail}")
            }
        }
    }
}

/// Sends `CONNECT target` on a connection to an `http://` proxy, with the proxy credentials
/// when the URL has them, and reads the answer's head. On [`Answer::Established`], the stream
/// is the tunnel.
pub async fn tunnel(
    stream: &mut TcpStream,
    endpoint: &Endpoint,
    target: &str,
    limit: Duration,
) -> Answer {
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some((user, password)) = &endpoint.credentials {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    let exchange = async {
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|error| Answer::Broken(format!("sending CONNECT failed: {error}")))?;
        read_head(stream).await
    };
    let head = match tokio::time::timeout(limit, exchange).await {
        Ok(Ok(head)) => head,
        Ok(Err(answer)) => return answer,
        Err(_) => return Answer::Silent,
    };
    parse_head(&head)
}

/// Reads up to the blank line that ends a response head, one byte at a time so that nothing
/// of the tunnel behind it is consumed.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, Answer> {
    let mut head = Vec::with_capacity(256);
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        match stream.read(&mut byte).await {
            Ok(0) if head.is_empty() => {
                return Err(Answer::Broken(
                    "it closed the connection without answering".to_string(),
                ));
            }
            Ok(0) => break,
            Ok(_) => head.push(byte[0]),
            Err(error) => return Err(Answer::Broken(error.to_string())),
        }
        if head.len() > HEAD_LIMIT {
            return Err(Answer::Broken(format!(
                "its answer's head is longer than {HEAD_LIMIT} bytes"
            )));
        }
    }
    Ok(head)
}

fn parse_head(head: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines();
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let status = parts.next().and_then(|code| code.parse::<u16>().ok());
    let (true, Some(status)) = (version.starts_with("HTTP/"), status) else {
        // SOCKS5 answers start with its version byte, 5.
        if head.first() == Some(&5) {
            return Answer::Broken(
                "it is a SOCKS5 answer, not HTTP: write the proxy URL as socks5://".to_string(),
            );
        }
        let excerpt: String = status_line
            .chars()
            .take(80)
            .map(|character| {
                if character.is_control() {
                    '?'
                } else {
                    character
                }
            })
            .collect();
        return Answer::Broken(format!("it is not an HTTP status line: `{excerpt}`"));
    };
    if (200..300).contains(&status) {
        return Answer::Established;
    }
    let reason = parts.next().unwrap_or_default().trim().to_string();
    let proxy_error = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("X-Squid-Error")
            .then(|| value.trim().to_string())
    });
    Answer::Status {
        status,
        reason,
        proxy_error,
    }
}

/// The probe's finding about the proxy of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Finding {
    /// The proxy could not be reached: the failure was the proxy's.
    Unreachable(String),
    /// The proxy answered CONNECT.
    Answered(Answer),
    /// The SOCKS5 proxy answered the method negotiation, the credentials or CONNECT; with the
    /// target as sent.
    Socks(Reply, String),
    /// The proxy accepted a connection, and no CONNECT was tried. That is the case for an
    /// `https://` proxy, for a plain HTTP target through an `http://` proxy, and for a
    /// `socks5://` target name that this machine cannot resolve.
    Reachable,
}

type Key = (String, String, Option<IpAddr>);

/// The proxy probes of one run, one per proxy, target and source address, so that many
/// checks failing the same way cost one probe, and likewise the certificates seen through
/// a proxy's tunnels.
#[derive(Debug, Default)]
pub struct ProxyProbes {
    probes: Mutex<HashMap<Key, Arc<OnceCell<Finding>>>>,
    /// CONNECT answers for plain HTTP targets, which `probes` does not try.
    tunnels: Mutex<HashMap<Key, Arc<OnceCell<Answer>>>>,
    certificates: Mutex<HashMap<Key, Arc<OnceCell<TlsEvidence>>>>,
}

/// Returns the cache key of a request through a proxy: the proxy URL, the `HOST:PORT` of
/// `url` and the source address. `None` without a proxy.
fn key(url: &Url, settings: &ClientSettings) -> Option<Key> {
    let proxy = settings.proxy.as_ref()?;
    Some((
        proxy.expose().to_string(),
        target_authority(url),
        settings.local_address,
    ))
}

/// Returns the cell for `key`, creating it on first use.
fn cell<T>(cells: &Mutex<HashMap<Key, Arc<OnceCell<T>>>>, key: Key) -> Arc<OnceCell<T>> {
    let mut cells = cells.lock().unwrap_or_else(|poison| poison.into_inner());
    Arc::clone(cells.entry(key).or_default())
}

impl ProxyProbes {
    /// Returns the TLS version and certificate that the server of `url` presents through the
    /// request's proxy, from one handshake per proxy, target and source address in a run.
    /// reqwest 0.13 keeps no TLS details of a tunnelled connection, so a response through a
    /// proxy has none of its own.
    pub async fn certificate(&self, url: &Url, settings: &ClientSettings) -> TlsEvidence {
        let Some(key) = key(url, settings) else {
            return TlsEvidence::default();
        };
        cell(&self.certificates, key)
            .get_or_init(|| tls_evidence::through_proxy(url, settings))
            .await
            .clone()
    }

    /// Asks the `http://` proxy of a plain HTTP request for a tunnel to the request's host and
    /// port, to judge whether an error page came from the proxy or through it. Returns the
    /// answer when the proxy could not open the tunnel (5xx, or no answer within the connect
    /// timeout): it cannot reach the server either. Returns `None` when the tunnel opened, and
    /// when the answer does not tell, as when the proxy allows CONNECT only to port 443.
    pub async fn tunnel_failure(&self, prepared: &PreparedRequest) -> Option<String> {
        let answer = self.tunnel_answer(prepared).await?;
        let target = target_authority(&prepared.connection_url());
        match answer {
            Answer::Status {
                status: 500..=504, ..
            }
            | Answer::Silent => Some(answer.describe(&target, prepared.client.connect_timeout)),
            _ => None,
        }
    }

    /// Asks the `http://` proxy of a request for a tunnel to its host and port, once per
    /// proxy, target and source address in a run, and returns the answer.
    async fn tunnel_answer(&self, prepared: &PreparedRequest) -> Option<Answer> {
        let settings = &prepared.client;
        let endpoint = Endpoint::parse(settings.proxy.as_ref()?.expose())
            .filter(|endpoint| endpoint.scheme == "http")?;
        let url = prepared.connection_url();
        let key = key(&url, settings)?;
        let target = key.1.clone();
        let answer = cell(&self.tunnels, key)
            .get_or_init(|| async {
                let limit = TCP_LIMIT.min(settings.connect_timeout);
                match endpoint.connect(settings, limit).await {
                    Ok(mut stream) => {
                        tunnel(&mut stream, &endpoint, &target, settings.connect_timeout).await
                    }
                    Err(detail) => Answer::Broken(detail),
                }
            })
            .await
            .clone();
        Some(answer)
    }

    /// Re-examines a request through a proxy that got no response, and returns its kind and
    /// message: `proxy.connect-failed` when the proxy could not be reached or refused the
    /// tunnel (with its status), `proxy.auth-required` when it asked for credentials, and the
    /// original kind when the proxy was not the problem. Requests without a proxy, and kinds
    /// that cannot come from the proxy, are returned unchanged.
    pub async fn examine(
        &self,
        kind: ErrorKind,
        message: String,
        prepared: &PreparedRequest,
    ) -> (ErrorKind, String) {
        let Some(proxy) = &prepared.client.proxy else {
            return (kind, message);
        };
        // A plain HTTP request goes to an http:// proxy as is, so a proxy that speaks another
        // protocol, such as a SOCKS5 proxy written as http://, shows only as bytes that are
        // not HTTP. Its answer to CONNECT says which protocol it speaks.
        if kind == ErrorKind::HttpProtocol
            && prepared.connection_url().scheme() == "http"
            && let Some(answer @ Answer::Broken(_)) = self.tunnel_answer(prepared).await
        {
            let target = target_authority(&prepared.connection_url());
            let described = answer.describe(&target, prepared.client.connect_timeout);
            return (
                ErrorKind::ProxyConnectFailed,
                format!("{described} (the request reported: {message})"),
            );
        }

        let may_be_proxy = matches!(
            kind,
            ErrorKind::Dns
                | ErrorKind::ConnectRefused
                | ErrorKind::ConnectTimeout
                | ErrorKind::ConnectReset
                | ErrorKind::ConnectUnreachable
                | ErrorKind::ProxyConnectFailed
                | ErrorKind::ProxyAuthRequired
        );
        let Some(endpoint) = Endpoint::parse(proxy.expose()).filter(|_| may_be_proxy) else {
            return (kind, message);
        };

        let url = prepared.connection_url();
        let settings = &prepared.client;
        let Some(key) = key(&url, settings) else {
            return (kind, message);
        };
        let target = key.1.clone();
        let finding = cell(&self.probes, key)
            .get_or_init(|| probe(&endpoint, &url, settings))
            .await
            .clone();
        explain(kind, message, &finding, &endpoint, &target, settings)
    }
}

/// `HOST:PORT` of a URL, as a CONNECT request names it.
pub(crate) fn target_authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    format!("{host}:{port}")
}

async fn probe(endpoint: &Endpoint, url: &Url, settings: &ClientSettings) -> Finding {
    let limit = TCP_LIMIT.min(settings.connect_timeout);
    let mut stream = match endpoint.connect(settings, limit).await {
        Ok(stream) => stream,
        Err(detail) => return Finding::Unreachable(detail),
    };
    match endpoint.scheme.as_str() {
        "http" if url.scheme() == "https" => Finding::Answered(
            tunnel(
                &mut stream,
                endpoint,
                &target_authority(url),
                settings.connect_timeout,
            )
            .await,
        ),
        "socks5" | "socks5h" => match socks5_tunnel(&mut stream, endpoint, url, settings).await {
            Ok((reply, shown)) => Finding::Socks(reply, shown),
            // A SOCKS5 proxy without the `h` leaves name resolution to this machine, so a DNS
            // error there concerns the target's name and the original kind is kept.
            Err(_) => Finding::Reachable,
        },
        _ => Finding::Reachable,
    }
}

/// Opens a SOCKS5 tunnel on `stream` to the host and port of `url`, and returns the answer
/// with the target as sent, for messages. A `socks5h://` proxy gets the name; for
/// `socks5://` this machine resolves it first, with the request's `resolve` overrides, as
/// reqwest does. Fails only when that resolution fails.
pub(crate) async fn socks5_tunnel(
    stream: &mut TcpStream,
    endpoint: &Endpoint,
    url: &Url,
    settings: &ClientSettings,
) -> Result<(Reply, String), String> {
    let host = url.host_str().unwrap_or_default();
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(443);
    let target = target_authority(url);
    let (destination, shown) = match bare_host.parse::<IpAddr>() {
        Ok(address) => (Destination::Address((address, port).into()), target),
        Err(_) if endpoint.scheme == "socks5h" => {
            (Destination::Name(bare_host.to_string(), port), target)
        }
        Err(_) => {
            let addresses = resolve(bare_host, port, settings).await?;
            let shown = format!("{target} (sent as {})", addresses[0]);
            (Destination::Address(addresses[0]), shown)
        }
    };
    let credentials = endpoint
        .credentials
        .as_ref()
        .map(|(user, password)| (user.as_str(), password.as_str()));
    let reply = socks5::connect(stream, credentials, &destination, settings.connect_timeout).await;
    Ok((reply, shown))
}

fn explain(
    kind: ErrorKind,
    message: String,
    finding: &Finding,
    endpoint: &Endpoint,
    target: &str,
    settings: &ClientSettings,
) -> (ErrorKind, String) {
    let via = endpoint.authority();
    match finding {
        Finding::Unreachable(detail) => (
            ErrorKind::ProxyConnectFailed,
            format!("cannot reach the proxy {via}: {detail} (the request reported: {message})"),
        ),
        Finding::Reachable => (kind, message),
        Finding::Socks(reply, shown) => {
            let described = reply.describe(shown, settings.connect_timeout);
            match reply {
                Reply::NoAcceptableMethod { .. } | Reply::CredentialsRejected => (
                    ErrorKind::ProxyAuthRequired,
                    format!("{described} (the request reported: {message})"),
                ),
                Reply::Refused(_) | Reply::Silent | Reply::Broken(_) => (
                    ErrorKind::ProxyConnectFailed,
                    format!("{described} (the request reported: {message})"),
                ),
                Reply::Established
                    if matches!(
                        kind,
                        ErrorKind::ProxyConnectFailed | ErrorKind::ProxyAuthRequired
                    ) =>
                {
                    (
                        kind,
                        format!(
                            "{message}; a second SOCKS5 CONNECT through {via} then succeeded, \
                             so the failure comes and goes"
                        ),
                    )
                }
                Reply::Established => (kind, message),
            }
        }
        Finding::Answered(answer) => {
            let described = answer.describe(target, settings.connect_timeout);
            match answer {
                // Only the proxy answers CONNECT, so a 401 (as tinyproxy sends for a wrong
                // password) is about the proxy's credentials too.
                Answer::Status {
                    status: 401 | 407, ..
                } => {
                    let sent = if endpoint.credentials.is_some() {
                        "the proxy URL's credentials were sent and not accepted"
                    } else {
                        "the proxy URL has no credentials"
                    };
                    (
                        ErrorKind::ProxyAuthRequired,
                        format!("{described}; {sent} (the request reported: {message})"),
                    )
                }
                Answer::Status { .. } | Answer::Silent | Answer::Broken(_) => (
                    ErrorKind::ProxyConnectFailed,
                    format!("{described} (the request reported: {message})"),
                ),
                Answer::Established if kind == ErrorKind::ProxyConnectFailed => (
                    kind,
                    format!(
                        "{message}; a second CONNECT through {via} then succeeded, so the \
                         failure comes and goes"
                    ),
                ),
                Answer::Established => (kind, message),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_decodes_credentials_and_defaults_port() {
        let endpoint = Endpoint::parse("http://user%40corp:p%3Ass@proxy.example:3128").unwrap();
        assert_eq!(endpoint.host, "proxy.example");
        assert_eq!(endpoint.port, 3128);
        assert_eq!(
            endpoint.credentials,
            Some(("user@corp".to_string(), "p:ss".to_string()))
        );
        assert_eq!(
            Endpoint::parse("socks5://proxy.example").unwrap().port,
            1080
        );
        assert_eq!(Endpoint::parse("http://proxy.example").unwrap().port, 80);
    }

    #[test]
    fn endpoint_authority_brackets_ipv6() {
        let endpoint = Endpoint::parse("http://[::1]:3128").unwrap();
        assert_eq!(endpoint.authority(), "[::1]:3128");
    }

    #[test]
    fn head_with_status_and_squid_error() {
        let answer = parse_head(
            b"HTTP/1.1 403 Forbidden\r\nServer: squid\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\n\r\n",
        );
        assert_eq!(
            answer,
            Answer::Status {
                status: 403,
                reason: "Forbidden".to_string(),
                proxy_error: Some("ERR_ACCESS_DENIED 0".to_string()),
            }
        );
    }

    #[test]
    fn head_established() {
        assert_eq!(
            parse_head(b"HTTP/1.0 200 Connection established\r\n\r\n"),
            Answer::Established
        );
    }

    #[test]
    fn head_not_http() {
        assert!(matches!(
            parse_head(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Answer::Broken(_)
        ));
    }

    #[test]
    fn described_status_names_target() {
        let answer = Answer::Status {
            status: 500,
            reason: "Unable to connect".to_string(),
            proxy_error: None,
        };
        assert_eq!(
            answer.describe("gw.example:443", Duration::from_secs(5)),
            "the proxy answered CONNECT gw.example:443 with 500 Unable to connect"
        );
    }
}
