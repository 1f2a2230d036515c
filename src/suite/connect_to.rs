//! `connect_to` rules: send the connections for one host and port to another, like curl's
//! `--connect-to`, while the URL's host name stays in TLS (SNI and certificate checks) and in
//! the `Host` header.

use std::fmt;

/// One rule. `port: None` matches every port of `host`; a `None` target part keeps the URL's
/// host or port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnectTo {
    pub host: String,
    pub port: Option<u16>,
    pub target_host: Option<String>,
    pub target_port: Option<u16>,
}

impl ConnectTo {
    /// Reads the suite's form: the key `HOST` or `HOST:PORT`, the value `HOST2`, `HOST2:PORT2`
    /// or `:PORT2`. IPv6 addresses go in brackets when a port follows.
    pub fn from_pair(key: &str, value: &str) -> Result<ConnectTo, PairError> {
        let (host, port) = endpoint(key)
            .map_err(|reason| PairError::Key(format!("invalid host `{key}`: {reason}")))?;
        let Some(host) = host else {
            return Err(PairError::Key(format!(
                "invalid host `{key}`: the host to redirect is missing"
            )));
        };
        let (target_host, target_port) = endpoint(value)
            .map_err(|reason| PairError::Target(format!("invalid target `{value}`: {reason}")))?;
        if target_host.is_none() && target_port.is_none() {
            return Err(PairError::Target(format!(
                "invalid target `{value}`: it names no host and no port"
            )));
        }
        Ok(ConnectTo {
            host,
            port,
            target_host,
            target_port,
        })
    }

    /// Reads curl's form `HOST1:PORT1:HOST2:PORT2`, in which an empty part matches any host or
    /// port, or keeps the URL's. IPv6 addresses go in brackets.
    pub fn from_curl(text: &str) -> Result<ConnectTo, String> {
        let parts = split_curl(text).ok_or_else(|| {
            "write HOST1:PORT1:HOST2:PORT2, such as ise.example.com:443:192.0.2.10:8443 \
             (an empty PORT1 matches every port, an empty HOST2 or PORT2 keeps the URL's)"
                .to_string()
        })?;
        let [host, port, target_host, target_port] = parts;
        if host.is_empty() {
            return Err("the host to redirect (HOST1) is empty".to_string());
        }
        let port = optional_port(port)?;
        let target_port = optional_port(target_port)?;
        let target_host = match target_host {
            "" => None,
            text => Some(checked_host(unbracket(text))?),
        };
        if target_host.is_none() && target_port.is_none() {
            return Err("the target names no host (HOST2) and no port (PORT2)".to_string());
        }
        Ok(ConnectTo {
            host: checked_host(unbracket(host))?,
            port,
            target_host,
            target_port,
        })
    }

    /// Tells whether the rule applies to a URL's host and port.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        unbracket(host).eq_ignore_ascii_case(&self.host) && self.port.is_none_or(|own| own == port)
    }
}

/// Which side of a suite's `connect_to` entry is invalid, with the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PairError {
    Key(String),
    Target(String),
}

impl fmt::Display for PairError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PairError::Key(message) | PairError::Target(message) => formatter.write_str(message),
        }
    }
}

impl fmt::Display for ConnectTo {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_endpoint(formatter, Some(&self.host), self.port)?;
        formatter.write_str(" -> ")?;
        write_endpoint(formatter, self.target_host.as_deref(), self.target_port)
    }
}

fn write_endpoint(
    formatter: &mut fmt::Formatter<'_>,
    host: Option<&str>,
    port: Option<u16>,
) -> fmt::Result {
    match host {
        Some(host) if host.contains(':') => write!(formatter, "[{host}]")?,
        Some(host) => formatter.write_str(host)?,
        None => {}
    }
    if let Some(port) = port {
        write!(formatter, ":{port}")?;
    }
    Ok(())
}

/// Splits `HOST[:PORT]`, `[IPv6][:PORT]`, a bare IPv6 address or `:PORT` into its parts.
fn endpoint(text: &str) -> Result<(Option<String>, Option<u16>), String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("it is empty".to_string());
    }
    if text.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((Some(text.to_string()), None));
    }
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "the `[` of an IPv6 address is not closed".to_string())?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(|| {
                format!("expected `:PORT` after the IPv6 address, found `{after}`")
            })?),
        };
        (host, port)
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let port = port.map(required_port).transpose()?;
    let host = match host {
        "" => None,
        host => Some(checked_host(host)?),
    };
    Ok((host, port))
}

/// Returns `text` in lowercase when it is an IP address or a host name: letters, digits, `-`,
/// `_` and dots, not only digits. A bare number is rejected, because the system resolver would
/// read `8443` as the IPv4 address 0.0.32.251.
fn checked_host(text: &str) -> Result<String, String> {
    if text.parse::<std::net::IpAddr>().is_ok() {
        return Ok(text.to_ascii_lowercase());
    }
    if text.contains("://") {
        return Err(format!(
            "`{text}` is a URL; write only the host name or IP address, without the scheme"
        ));
    }
    let valid = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(format!(
            "`{text}` is not a host name or IP address; write a name such as gw.example.com, \
             an IPv4 address, or an IPv6 address in brackets"
        ));
    }
    if text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!(
            "`{text}` is not a host name or a complete IP address; to change only the port, \
             write `:{text}`"
        ));
    }
    Ok(text.to_ascii_lowercase())
}

fn required_port(text: &str) -> Result<u16, String> {
    if text.is_empty() {
        return Err("the port after `:` is missing".to_string());
    }
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("`{text}` is not a port number from 1 to 65535")),
    }
}

fn optional_port(text: &str) -> Result<Option<u16>, String> {
    if text.is_empty() {
        Ok(None)
    } else {
        required_port(text).map(Some)
    }
}

/// Splits curl's four colon-separated parts, where a host part may be a bracketed IPv6
/// address containing colons.
fn split_curl(text: &str) -> Option<[&str; 4]> {
    let mut parts = Vec::with_capacity(4);
    let mut rest = text;
    for index in 0..4 {
        let end = if rest.starts_with('[') {
            rest.find(']')? + 1
        } else if index == 3 {
            rest.len()
        } else {
            rest.find(':')?
        };
        parts.push(&rest[..end]);
        rest = &rest[end..];
        if index < 3 {
            rest = rest.strip_prefix(':')?;
        }
    }
    if !rest.is_empty() {
        return None;
    }
    parts.try_into().ok()
}

fn unbracket(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        host: &str,
        port: Option<u16>,
        target: Option<&str>,
        target_port: Option<u16>,
    ) -> ConnectTo {
        ConnectTo {
            host: host.to_string(),
            port,
            target_host: target.map(str::to_string),
            target_port,
        }
    }

    #[test]
    fn suite_pair_forms() {
        assert_eq!(
            ConnectTo::from_pair("gw.example.com", "10.0.0.5"),
            Ok(rule("gw.example.com", None, Some("10.0.0.5"), None))
        );
        assert_eq!(
            ConnectTo::from_pair("GW.example.com:9060", "staging:19060"),
            Ok(rule(
                "gw.example.com",
                Some(9060),
                Some("staging"),
                Some(19060)
            ))
        );
        assert_eq!(
            ConnectTo::from_pair("gw.example.com:443", ":8443"),
            Ok(rule("gw.example.com", Some(443), None, Some(8443)))
        );
        assert_eq!(
            ConnectTo::from_pair("gw", "[::1]:8443"),
            Ok(rule("gw", None, Some("::1"), Some(8443)))
        );
        assert_eq!(
            ConnectTo::from_pair("gw", "::1"),
            Ok(rule("gw", None, Some("::1"), None))
        );
    }

    #[test]
    fn suite_pair_errors() {
        let key_error = |key: &str, value: &str| match ConnectTo::from_pair(key, value) {
            Err(PairError::Key(message)) => message,
            other => panic!("expected an error in the key: {other:?}"),
        };
        let target_error = |key: &str, value: &str| match ConnectTo::from_pair(key, value) {
            Err(PairError::Target(message)) => message,
            other => panic!("expected an error in the target: {other:?}"),
        };
        assert!(key_error("gw:0", "a").contains("port number"));
        assert!(key_error(":443", "a").contains("missing"));
        assert!(key_error("gw:", "a").contains("the port after `:` is missing"));
        assert!(target_error("gw", "a:70000").contains("70000"));
        assert!(target_error("gw", "[::1").contains("not closed"));
        assert!(target_error("gw", "18080").contains("write `:18080`"));
        assert!(target_error("gw", "http://127.0.0.1:80").contains("without the scheme"));
        assert!(target_error("gw", "127.0.0.1:18080:9").contains("not a host name"));
    }

    #[test]
    fn curl_forms() {
        assert_eq!(
            ConnectTo::from_curl("gw.example.com:443:127.0.0.1:8443"),
            Ok(rule(
                "gw.example.com",
                Some(443),
                Some("127.0.0.1"),
                Some(8443)
            ))
        );
        assert_eq!(
            ConnectTo::from_curl("gw::[::1]:"),
            Ok(rule("gw", None, Some("::1"), None))
        );
        assert_eq!(
            ConnectTo::from_curl("gw:443::8443"),
            Ok(rule("gw", Some(443), None, Some(8443)))
        );
        assert!(ConnectTo::from_curl("gw:443:other").is_err());
        assert!(ConnectTo::from_curl(":443:a:1").is_err());
        assert!(ConnectTo::from_curl("gw:443::").is_err());
        assert!(ConnectTo::from_curl("gw:x:a:1").is_err());
    }

    #[test]
    fn matching_and_display() {
        let any_port = rule("gw", None, Some("10.0.0.5"), None);
        assert!(any_port.matches("GW", 443));
        let one_port = rule("gw", Some(9060), None, Some(19060));
        assert!(one_port.matches("gw", 9060));
        assert!(!one_port.matches("gw", 443));
        assert_eq!(one_port.to_string(), "gw:9060 -> :19060");
        assert_eq!(
            rule("gw", None, Some("::1"), Some(1)).to_string(),
            "gw -> [::1]:1"
        );
    }
}
