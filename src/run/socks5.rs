//! A SOCKS5 CONNECT (RFC 1928, with the user and password method of RFC 1929) on a connection
//! to the proxy.
//!
//! reqwest's SOCKS connector reports a refusal only as text ("SOCKS error: connection
//! refused") and keeps no TLS details of the tunnel. The proxy probe uses this to learn
//! which step failed, and the recording handshake uses the tunnel to see the server's
//! certificate.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const VERSION: u8 = 5;
const NO_AUTHENTICATION: u8 = 0;
const USER_PASSWORD: u8 = 2;
const NO_ACCEPTABLE_METHOD: u8 = 0xFF;

/// The tunnel's target: a name that the proxy resolves (`socks5h://`), or an address this
/// machine resolved (`socks5://`).
#[derive(Clone, Debug)]
pub enum Destination {
    Name(String, u16),
    Address(SocketAddr),
}

/// The SOCKS5 proxy's reply to the exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The tunnel is open.
    Established,
    /// The proxy accepts none of the offered methods: it wants credentials the URL does not
    /// have (`credentials_offered` false), or another method than user and password.
    NoAcceptableMethod { credentials_offered: bool },
    /// The proxy turned down the user and password.
    CredentialsRejected,
    /// The CONNECT reply code, not 0.
    Refused(u8),
    /// No answer within the limit.
    Silent,
    /// The proxy closed the connection, or its answer was not SOCKS5.
    Broken(String),
}

impl Reply {
    /// Describes the answer for a message that goes on with the cause.
    pub fn describe(&self, target: &str, limit: Duration) -> String {
        match self {
            Reply::Established => format!("the SOCKS5 proxy opened a tunnel to {target}"),
            Reply::NoAcceptableMethod {
                credentials_offered: false,
            } => "the SOCKS5 proxy requires a user name and password, and the proxy URL has none"
                .to_string(),
            Reply::NoAcceptableMethod {
                credentials_offered: true,
            } => "the SOCKS5 proxy does not accept a user name and password, only another \
                  authentication method"
                .to_string(),
            Reply::CredentialsRejected => {
                "the SOCKS5 proxy did not accept the proxy URL's user name and password".to_string()
            }
            Reply::Refused(code) => format!(
                "the SOCKS5 proxy answered CONNECT {target} with reply {code}: {}",
                meaning(*code)
            ),
            // An HTTP proxy waits for the rest of a request line that never comes.
            Reply::Silent => format!(
                "the SOCKS5 proxy accepted the connection but did not answer within {} ms; if it \
                 is an HTTP proxy, write the proxy URL as http://",
                limit.as_millis()
            ),
            Reply::Broken(detail) => format!(
                "the SOCKS5 proxy's answer was not usable: {detail}; if it is an HTTP proxy, \
                 write the proxy URL as http://"
            ),
        }
    }
}

/// Returns the meaning of a reply code in RFC 1928's terms, with its usual cause.
fn meaning(code: u8) -> &'static str {
    match code {
        1 => "general failure (some proxies send this when they cannot resolve the name)",
        2 => "connection not allowed by the proxy's rules",
        3 => "network unreachable from the proxy",
        4 => "host unreachable from the proxy",
        5 => "the target refused the proxy's connection",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unknown reply code",
    }
}

/// Negotiates a method, authenticates when the proxy requires it, and sends CONNECT, all
/// within `limit`. On [`Reply::Established`], `stream` is the tunnel.
pub async fn connect(
    stream: &mut TcpStream,
    credentials: Option<(&str, &str)>,
    destination: &Destination,
    limit: Duration,
) -> Reply {
    match tokio::time::timeout(limit, exchange(stream, credentials, destination)).await {
        Ok(Ok(reply)) => reply,
        Ok(Err(error)) => Reply::Broken(error),
        Err(_) => Reply::Silent,
    }
}

async fn exchange(
    stream: &mut TcpStream,
    credentials: Option<(&str, &str)>,
    destination: &Destination,
) -> Result<Reply, String> {
    let greeting: &[u8] = match credentials {
        Some(_) => &[VERSION, 2, NO_AUTHENTICATION, USER_PASSWORD],
        None => &[VERSION, 1, NO_AUTHENTICATION],
    };
    send(stream, greeting).await?;
    let [version, method] = read::<2>(stream).await?;
    if version != VERSION {
        return Err(format!("it answered with version {version}, not 5"));
    }
    match (method, credentials) {
        (NO_AUTHENTICATION, _) => {}
        (USER_PASSWORD, Some((user, password))) => {
            let (Ok(user_length), Ok(password_length)) =
                (u8::try_from(user.len()), u8::try_from(password.len()))
            else {
                return Err("the user name or password is longer than 255 bytes".to_string());
            };
            let mut request = vec![1, user_length];
            request.extend_from_slice(user.as_bytes());
            request.push(password_length);
            request.extend_from_slice(password.as_bytes());
            send(stream, &request).await?;
            let [_, status] = read::<2>(stream).await?;
            if status != 0 {
                return Ok(Reply::CredentialsRejected);
            }
        }
        (NO_ACCEPTABLE_METHOD, _) | (USER_PASSWORD, None) => {
            return Ok(Reply::NoAcceptableMethod {
                credentials_offered: credentials.is_some(),
            });
        }
        (other, _) => return Err(format!("it chose method {other}, which was not offered")),
    }

    let mut request = vec![VERSION, 1, 0];
    let port = match destination {
        Destination::Name(host, port) => {
            let length = u8::try_from(host.len())
                .map_err(|_| "the host name is longer than 255 bytes".to_string())?;
            request.extend_from_slice(&[3, length]);
            request.extend_from_slice(host.as_bytes());
            *port
        }
        Destination::Address(address) => {
            match address.ip() {
                IpAddr::V4(ip) => {
                    request.push(1);
                    request.extend_from_slice(&ip.octets());
                }
                IpAddr::V6(ip) => {
                    request.push(4);
                    request.extend_from_slice(&ip.octets());
                }
            }
            address.port()
        }
    };
    request.extend_from_slice(&port.to_be_bytes());
    send(stream, &request).await?;

    let [version, code, _, address_type] = read::<4>(stream).await?;
    if version != VERSION {
        return Err(format!("it answered CONNECT with version {version}, not 5"));
    }
    // The bound address follows; it is read so that the tunnel starts clean.
    let address_length = match address_type {
        1 => 4,
        4 => 16,
        3 => usize::from(read::<1>(stream).await?[0]),
        other => return Err(format!("it answered with address type {other}")),
    };
    let mut bound = vec![0; address_length + 2];
    stream
        .read_exact(&mut bound)
        .await
        .map_err(|error| closed(&error))?;
    Ok(if code == 0 {
        Reply::Established
    } else {
        Reply::Refused(code)
    })
}

async fn send(stream: &mut TcpStream, bytes: &[u8]) -> Result<(), String> {
    stream
        .write_all(bytes)
        .await
        .map_err(|error| format!("sending to it failed: {error}"))
}

async fn read<const N: usize>(stream: &mut TcpStream) -> Result<[u8; N], String> {
    let mut bytes = [0; N];
    stream
        .read_exact(&mut bytes)
        .await
        .map_err(|error| closed(&error))?;
    Ok(bytes)
}

fn closed(error: &std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::UnexpectedEof {
        "it closed the connection".to_string()
    } else {
        format!("reading its answer failed: {error}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_names_code_and_meaning() {
        let text = Reply::Refused(5).describe("127.0.0.1:9", Duration::from_secs(1));
        assert_eq!(
            text,
            "the SOCKS5 proxy answered CONNECT 127.0.0.1:9 with reply 5: the target refused \
             the proxy's connection"
        );
    }

    #[test]
    fn missing_credentials_described() {
        let text = Reply::NoAcceptableMethod {
            credentials_offered: false,
        }
        .describe("a:1", Duration::from_secs(1));
        assert!(text.contains("the proxy URL has none"), "{text}");
    }
}
