//! How each request reaches its server: TLS settings, proxy, DNS overrides and source address.
//!
//! The settings combine, from weakest to strongest, the suite's defaults, the vantage, the check
//! and the command line. Requests with the same settings share one HTTP client, and so its pool
//! of open connections.
//!
//! The proxy is decided here, per request, also when it comes from the environment
//! (`HTTPS_PROXY`, `NO_PROXY`): the clients are built with exactly that proxy or none, so the
//! proxy a report names is the one the request went through.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Client, Url, redirect};

use crate::run::classify;
use crate::run::dns::SharedResolver;
use crate::secret::Secret;
use crate::suite::{ConnectTo, ProxySetting, Suite, TlsSettings, TlsVersion, Vantage};

/// The connect timeout when it is not set otherwise. It is long enough for a slow VPN and short
/// enough that a filtered port does not use up the whole check timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Network settings from the command line; each overrides the suite's.
#[derive(Clone, Debug, Default)]
pub struct NetworkOptions {
    /// `--base-url`, replacing the vantage's and the defaults'.
    pub base_url: Option<String>,
    /// `--ca-file`: trusted along with the suite's CA files.
    pub ca_files: Vec<PathBuf>,
    pub ca_only: bool,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure: bool,
    pub min_tls: Option<TlsVersion>,
    /// `--proxy URL`, or `none` for direct connections.
    pub proxy: Option<String>,
    pub no_proxy: Option<String>,
    /// `--resolve` as host, port and address: for URLs with that port, added to (and
    /// replacing for the same host) the vantage's, as curl applies it.
    pub resolve: Vec<(String, u16, IpAddr)>,
    /// `--connect-to`, tried before the vantage's rules.
    pub connect_to: Vec<ConnectTo>,
    pub local_address: Option<IpAddr>,
    pub connect_timeout: Option<Duration>,
}

/// Everything that decides which HTTP client sends a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientSettings {
    pub follow_redirects: bool,
    pub tls: TlsPlan,
    pub proxy: Option<Secret>,
    pub resolve: Vec<(String, IpAddr)>,
    pub local_address: Option<IpAddr>,
    pub connect_timeout: Duration,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TlsPlan {
    pub ca_files: Vec<PathBuf>,
    pub ca_only: bool,
    /// Client certificate and private key files.
    pub identity: Option<(PathBuf, PathBuf)>,
    pub insecure: bool,
    pub min_version: Option<TlsVersion>,
}

/// The proxy a request goes through, and which setting chose it, for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyChoice {
    /// The proxy URL; `None` for a direct connection.
    pub url: Option<Secret>,
    /// `vantage external`, `--proxy`, `HTTPS_PROXY`, `NO_PROXY`, or `none set`.
    pub source: String,
}

/// Combines the TLS settings of every level, weakest first. CA files add up; each other
/// field takes the strongest level that sets it.
pub fn tls_plan(levels: &[&TlsSettings], options: &NetworkOptions) -> TlsPlan {
    let mut plan = TlsPlan::default();
    let mut client_cert = None;
    let mut client_key = None;
    let mut insecure = None;
    let mut ca_only = None;
    for level in levels {
        plan.ca_files.extend(level.ca_file.iter().cloned());
        ca_only = level.ca_only.or(ca_only);
        insecure = level.insecure.or(insecure);
        plan.min_version = level.min_version.or(plan.min_version);
        client_cert = level.client_cert.clone().or(client_cert);
        client_key = level.client_key.clone().or(client_key);
    }
    plan.ca_files.extend(options.ca_files.iter().cloned());
    plan.ca_only = options.ca_only || ca_only.unwrap_or(false);
    plan.insecure = options.insecure || insecure.unwrap_or(false);
    plan.min_version = options.min_tls.or(plan.min_version);
    plan.identity = match (
        options.client_cert.clone().or(client_cert),
        options.client_key.clone().or(client_key),
    ) {
        (Some(cert), Some(key)) => Some((cert, key)),
        _ => None,
    };
    plan
}

/// Chooses the proxy for `url`: the command line's, else the vantage's, else the environment's,
/// unless the host is listed in the applicable no-proxy list.
pub fn choose_proxy(
    url: &Url,
    vantage: &Vantage,
    vantage_proxy: Option<String>,
    options: &NetworkOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> ProxyChoice {
    let direct = |source: String| ProxyChoice { url: None, source };
    let (candidate, source) = match (&options.proxy, &vantage.network.proxy) {
        (Some(proxy), _) if proxy == "none" => return direct("--proxy none".to_string()),
        (Some(proxy), _) => (proxy.clone(), "--proxy".to_string()),
        (None, Some(ProxySetting::None)) => {
            return direct(format!("vantage {} sets none", vantage.name));
        }
        (None, Some(ProxySetting::Url(_))) => match vantage_proxy {
            Some(proxy) => (proxy, format!("vantage {}", vantage.name)),
            None => return direct("none set".to_string()),
        },
        (None, None) => match environment_proxy(url, env) {
            Some((proxy, variable)) => (proxy, variable.to_string()),
            None => return direct(unset_for_scheme(url, env)),
        },
    };
    let no_proxy = options
        .no_proxy
        .clone()
        .map(|list| (list, "--no-proxy".to_string()))
        .or_else(|| {
            let list = vantage.network.no_proxy.clone()?;
            Some((list, format!("no_proxy of vantage {}", vantage.name)))
        })
        .or_else(|| {
            ["NO_PROXY", "no_proxy"]
                .into_iter()
                .find_map(|name| Some((env(name)?, name.to_string())))
        });
    if let (Some((list, list_source)), Some(host)) = (&no_proxy, url.host_str())
        && no_proxy_matches(list, host)
    {
        return direct(format!("{host} is in {list_source}"));
    }
    ProxyChoice {
        url: Some(Secret::new(candidate)),
        source,
    }
}

/// The proxy URL schemes that the HTTP client supports.
const PROXY_SCHEMES: [&str; 4] = ["http", "https", "socks5", "socks5h"];

/// Checks a proxy URL before any request uses it. reqwest would send requests directly past a
/// proxy with an unknown scheme such as `ftp://`, which a report would then wrongly show as the
/// route. The reason never repeats the URL, which may hold a password.
pub fn check_proxy_url(text: &str) -> Result<(), String> {
    if !text.contains("://") {
        return Err(
            "it has no scheme; write http://HOST:PORT, https://HOST:PORT or \
                    socks5://HOST:PORT"
                .to_string(),
        );
    }
    // The URL parser calls a space in the host an invalid international domain name.
    if text.contains(char::is_whitespace) {
        return Err("it contains a space or another blank".to_string());
    }
    let url = Url::parse(text).map_err(|error| format!("it is not a valid URL ({error})"))?;
    if !PROXY_SCHEMES.contains(&url.scheme()) {
        return Err(format!(
            "gatecheck supports http://, https://, socks5:// and socks5h:// proxies, not {}://",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host; write http://HOST:PORT".to_string());
    }
    Ok(())
}

/// Returns a proxy URL for reports, as written but with the password replaced by the mask
/// whatever its length: the redactor leaves values shorter than its minimum alone, but the
/// place of a password in a URL is known.
pub fn shown_proxy_url(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((user_info, host)) = authority.rsplit_once('@') else {
        return text.to_string();
    };
    match user_info.split_once(':') {
        Some((user, _password)) => {
            format!("{scheme}://{user}:{}@{host}{path}", crate::secret::MASK)
        }
        None => text.to_string(),
    }
}

/// Reads the proxy for `url` from the environment, as curl does: `HTTPS_PROXY` (or
/// `https_proxy`) for https, `http_proxy` for http, then `ALL_PROXY` (or `all_proxy`). Returns
/// the URL and the variable's name.
fn environment_proxy(
    url: &Url,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<(String, &'static str)> {
    let names: &[&'static str] = if url.scheme() == "https" {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        // Only the lowercase name, as curl does: a CGI server sets HTTP_PROXY from a request's
        // `Proxy:` header.
        &["http_proxy", "ALL_PROXY", "all_proxy"]
    };
    // Without a scheme the value names an HTTP proxy, as curl and reqwest read it
    // (`HTTPS_PROXY=proxy.corp:3128`).
    names.iter().find_map(|name| {
        env(name)
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
            .map(|value| {
                if value.contains("://") {
                    value
                } else {
                    format!("http://{value}")
                }
            })
            .map(|value| (value, *name))
    })
}

/// Says that no proxy is set for the URL, and names a variable that is set for the other
/// scheme, which readers take for ignored: `HTTPS_PROXY` does not apply to http:// URLs, and
/// `HTTP_PROXY` (uppercase) applies to nothing.
fn unset_for_scheme(url: &Url, env: &dyn Fn(&str) -> Option<String>) -> String {
    let set = |name: &str| env(name).is_some_and(|value| !value.trim().is_empty());
    if url.scheme() == "http" {
        for name in ["HTTPS_PROXY", "https_proxy"] {
            if set(name) {
                return format!("none set for http:// URLs; {name} applies to https:// only");
            }
        }
        if set("HTTP_PROXY") {
            return "none set for http:// URLs; HTTP_PROXY is ignored, as curl does, write \
                    http_proxy"
                .to_string();
        }
    }
    "none set".to_string()
}

/// Tells whether `host` is in a comma-separated no-proxy list: `*` matches every host, a name
/// matches itself and its subdomains (a leading `.` or `*.` is ignored), an IP address or a
/// CIDR block matches the addresses in it.
pub fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let host_ip: Option<IpAddr> = host.parse().ok();
    list.split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let (Some(ip), Some((network, bits))) = (host_ip, entry.split_once('/')) {
                return in_cidr(ip, network, bits);
            }
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            host == entry || host.ends_with(&format!(".{entry}"))
        })
}

fn in_cidr(ip: IpAddr, network: &str, bits: &str) -> bool {
    let (Ok(network), Ok(bits)) = (network.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(network)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

/// Combines the vantage's DNS overrides with the command line's, which win for the same host.
pub fn resolve_list(
    vantage: &Vantage,
    options: &NetworkOptions,
    port: u16,
) -> Vec<(String, IpAddr)> {
    let command_line: Vec<(String, IpAddr)> = options
        .resolve
        .iter()
        .filter(|(_, only_port, _)| *only_port == port)
        .map(|(host, _, address)| (host.clone(), *address))
        .collect();
    let mut resolve = vantage.network.resolve.clone();
    resolve.retain(|(host, _)| {
        !command_line
            .iter()
            .any(|(other, _)| other.eq_ignore_ascii_case(host))
    });
    resolve.extend(command_line);
    resolve
}

/// A `connect_to` rule with its target host's address, resolved once when the run is planned
/// so that every request of the run goes to the same address.
#[derive(Clone, Debug)]
pub struct ConnectRoute {
    pub rule: ConnectTo,
    /// `None` when the rule changes only the port.
    pub address: Option<IpAddr>,
    /// `--connect-to` or `vantage NAME`, for reports.
    pub source: String,
}

/// Where a request connects when a `connect_to` rule applies to its URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectRedirect {
    /// The port to connect to, when it differs from the URL's.
    pub port: Option<u16>,
    /// Such as `gw.example.com:443 -> 192.0.2.7:8443 (staging.example.net, connect_to of
    /// vantage lab)`.
    pub description: String,
    /// Whether the rule sends the connection to another address, through an override of the
    /// host name's resolution.
    pub changes_address: bool,
}

/// Returns the command line's `--connect-to` rules, then the vantage's, each with its target
/// resolved. The first rule that matches a URL applies.
pub fn connect_routes(
    vantage: &Vantage,
    options: &NetworkOptions,
) -> Result<Vec<ConnectRoute>, String> {
    let cli = options
        .connect_to
        .iter()
        .map(|rule| (rule, "--connect-to".to_string()));
    let suite = vantage
        .network
        .connect_to
        .iter()
        .map(|rule| (rule, format!("vantage {}", vantage.name)));
    cli.chain(suite)
        .map(|(rule, source)| {
            let address = match &rule.target_host {
                Some(target) => Some(lookup(target).map_err(|reason| {
                    format!(
                        "connect_to target `{target}` (for `{}`, from {source}) does not \
                         resolve: {reason}; write an IP address or a name this machine resolves",
                        rule.host
                    )
                })?),
                None => None,
            };
            Ok(ConnectRoute {
                rule: rule.clone(),
                address,
                source,
            })
        })
        .collect()
}

/// Applies the first matching route to a request for `url`: adds the target's address to the
/// request's DNS overrides and returns where the request connects. `Ok(None)` when no rule
/// matches.
pub fn apply_route(
    routes: &[ConnectRoute],
    url: &Url,
    resolve: &mut Vec<(String, IpAddr)>,
) -> Result<Option<ConnectRedirect>, String> {
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return Ok(None);
    };
    let Some(route) = routes.iter().find(|route| route.rule.matches(host, port)) else {
        return Ok(None);
    };
    let target_port = route.rule.target_port.unwrap_or(port);
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let url_address = bare_host.parse::<IpAddr>().ok();
    let new_address = route
        .address
        .filter(|address| Some(*address) != url_address);
    if let Some(address) = new_address {
        if url_address.is_some() {
            // The HTTP client resolves no address, so a DNS override cannot redirect it.
            return Err(format!(
                "the connect_to rule `{}` (from {}) matches the URL's IP address `{host}`; \
                 connect_to redirects host names only, so set the base URL to the target \
                 address instead",
                route.rule, route.source
            ));
        }
        resolve.retain(|(other, _)| !other.eq_ignore_ascii_case(bare_host));
        resolve.push((bare_host.to_string(), address));
    }

    let target = match (route.address, &route.rule.target_host) {
        (Some(address), Some(name)) if name.parse::<IpAddr>().is_err() => {
            format!("{}:{target_port} ({name}, ", SocketAddrText(address))
        }
        (Some(address), _) => format!("{}:{target_port} (", SocketAddrText(address)),
        (None, _) => format!("{host}:{target_port} ("),
    };
    // The rule is named as written, because the first matching rule applies and it may be a
    // wider one than the reader expects.
    let source = route.source.replace("vantage ", "connect_to of vantage ");
    Ok(Some(ConnectRedirect {
        port: (target_port != port).then_some(target_port),
        description: format!("{host}:{port} -> {target}rule {}, {source})", route.rule),
        changes_address: new_address.is_some(),
    }))
}

/// Writes an IP address as it appears before a port: IPv6 in brackets.
struct SocketAddrText(IpAddr);

impl std::fmt::Display for SocketAddrText {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(address) => write!(formatter, "{address}"),
            IpAddr::V6(address) => write!(formatter, "[{address}]"),
        }
    }
}

/// Resolves a host name (or parses an address) with the system resolver.
fn lookup(host: &str) -> Result<IpAddr, String> {
    if let Ok(address) = host.trim_start_matches('[').trim_end_matches(']').parse() {
        return Ok(address);
    }
    use std::net::ToSocketAddrs as _;
    (host, 0)
        .to_socket_addrs()
        .map_err(|error| error.to_string())?
        .next()
        .map(|address| address.ip())
        .ok_or_else(|| "no address found".to_string())
}

/// Tells whether any check of the suite can run without certificate verification, for the
/// run-level flag in reports.
pub fn any_insecure(suite: &Suite, options: &NetworkOptions) -> bool {
    options.insecure
        || suite.defaults.tls.insecure == Some(true)
        || suite
            .vantages
            .iter()
            .any(|vantage| vantage.network.tls.insecure == Some(true))
        || suite
            .checks
            .iter()
            .any(|check| check.request.tls.insecure == Some(true))
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid CA file {}: {reason}; expected PEM certificates (-----BEGIN CERTIFICATE-----)", path.display())]
    InvalidCaFile { path: PathBuf, reason: String },
    #[error("invalid client certificate {} or key {}: {reason}; expected PEM files", cert.display(), key.display())]
    InvalidIdentity {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
    #[error("invalid proxy URL: {reason}")]
    InvalidProxy { reason: String },
    #[error("cannot set up the HTTP client: {0}")]
    Build(String),
}

/// One HTTP client per distinct [`ClientSettings`], each keeping its connections open for reuse
/// by later checks to the same host.
pub struct Clients {
    clients: HashMap<ClientSettings, Client>,
    resolver: SharedResolver,
}

impl Clients {
    /// Builds a client for each distinct setting, so that a bad CA file or proxy URL stops the
    /// run before anything is sent.
    ///
    /// Each client keeps at most `concurrency` idle connections per host. hyper-util's pool
    /// opens a new connection while it waits for an idle one and keeps whichever comes second
    /// as well, so without the bound runs at concurrency 64 were measured holding 186 to 286
    /// descriptors.
    pub fn new<'a>(
        settings: impl IntoIterator<Item = &'a ClientSettings>,
        concurrency: usize,
    ) -> Result<Clients, ClientError> {
        let resolver = SharedResolver::default();
        let mut clients = HashMap::new();
        for setting in settings {
            if !clients.contains_key(setting) {
                clients.insert(setting.clone(), build(setting, &resolver, concurrency)?);
            }
        }
        Ok(Clients { clients, resolver })
    }

    pub fn get(&self, settings: &ClientSettings) -> Option<&Client> {
        self.clients.get(settings)
    }

    /// Returns the addresses a request that got no connection tried: the proxy's when it went
    /// through one, else the server's, from the request's DNS overrides or from what the
    /// client's resolver found. Empty when the name did not resolve.
    pub async fn addresses_tried(&self, url: &Url, client: &ClientSettings) -> Vec<String> {
        let target = match &client.proxy {
            Some(proxy) => Url::parse(proxy.expose()).ok(),
            None => Some(url.clone()),
        };
        let Some(target) = target else {
            return Vec::new();
        };
        let (Some(host), Some(port)) = (target.host_str(), target.port_or_known_default()) else {
            return Vec::new();
        };
        let port = match (target.scheme(), target.port()) {
            // reqwest's default for a SOCKS proxy without a port.
            ("socks5" | "socks5h", None) => 1080,
            _ => port,
        };
        let bare_host = host.trim_start_matches('[').trim_end_matches(']');
        let addresses = if let Ok(address) = bare_host.parse::<IpAddr>() {
            vec![address]
        } else if let Some((_, address)) = client
            .resolve
            .iter()
            .find(|(name, _)| client.proxy.is_none() && name.eq_ignore_ascii_case(bare_host))
        {
            vec![*address]
        } else if let Some(answer) = self.resolver.0.answer(bare_host) {
            answer
        } else {
            // reqwest resolves a SOCKS proxy's name with its own resolver, so the address
            // was not recorded; the system resolver gives the same answer.
            tokio::net::lookup_host((bare_host, port))
                .await
                .map(|found| found.map(|address| address.ip()).collect())
                .unwrap_or_default()
        };
        addresses
            .into_iter()
            .map(|address| std::net::SocketAddr::new(address, port).to_string())
            .collect()
    }
}

fn read(path: &PathBuf, what: &'static str) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path).map_err(|source| ClientError::Read {
        what,
        path: path.clone(),
        source,
    })
}

fn build(
    settings: &ClientSettings,
    resolver: &SharedResolver,
    concurrency: usize,
) -> Result<Client, ClientError> {
    let tls = &settings.tls;
    let mut certificates = Vec::new();
    for path in &tls.ca_files {
        let pem = read(path, "CA file")?;
        let found = reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| {
            ClientError::InvalidCaFile {
                path: path.clone(),
                reason: error.to_string(),
            }
        })?;
        if found.is_empty() {
            return Err(ClientError::InvalidCaFile {
                path: path.clone(),
                reason: "it contains no certificate".to_string(),
            });
        }
        certificates.extend(found);
    }
    let policy = if settings.follow_redirects {
        redirect::Policy::limited(10)
    } else {
        redirect::Policy::none()
    };
    let mut builder = Client::builder()
        .redirect(policy)
        .user_agent(concat!("gatecheck/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(settings.connect_timeout)
        .tls_danger_accept_invalid_certs(tls.insecure)
        .tls_info(true)
        .pool_max_idle_per_host(concurrency.max(1))
        .dns_resolver(resolver.clone())
        // The proxy was chosen per request already, environment included.
        .no_proxy();
    builder = if tls.ca_only {
        builder.tls_certs_only(certificates)
    } else {
        builder.tls_certs_merge(certificates)
    };
    if let Some(version) = tls.min_version {
        builder = builder.tls_version_min(match version {
            TlsVersion::Tls12 => reqwest::tls::Version::TLS_1_2,
            TlsVersion::Tls13 => reqwest::tls::Version::TLS_1_3,
        });
    }
    if let Some((cert, key)) = &tls.identity {
        let mut pem = read(cert, "client certificate")?;
        pem.push(b'\n');
        pem.extend(read(key, "client key")?);
        let identity =
            reqwest::Identity::from_pem(&pem).map_err(|error| ClientError::InvalidIdentity {
                cert: cert.clone(),
                key: key.clone(),
                reason: classify::describe(&error),
            })?;
        builder = builder.identity(identity);
    }
    if let Some(proxy) = &settings.proxy {
        // The message of a proxy error could repeat the URL and its password, so it is left
        // out.
        let proxy = reqwest::Proxy::all(proxy.expose()).map_err(|_| ClientError::InvalidProxy {
            reason:
                "it does not parse as a URL; write http://HOST:PORT, https://... or socks5://..."
                    .to_string(),
        })?;
        builder = builder.proxy(proxy);
    }
    for (host, address) in &settings.resolve {
        // reqwest ignores the port here and keeps the URL's.
        builder = builder.resolve(host, std::net::SocketAddr::new(*address, 0));
    }
    if let Some(address) = settings.local_address {
        builder = builder.local_address(address);
    }
    builder
        .build()
        .map_err(|error| ClientError::Build(classify::describe(&error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_url_checked() {
        assert!(check_proxy_url("http://proxy.example:3128").is_ok());
        assert!(check_proxy_url("socks5h://user:secret@proxy.example").is_ok());
        let ftp = check_proxy_url("ftp://proxy.example").unwrap_err();
        assert!(ftp.contains("not ftp://"), "{ftp}");
        let bare = check_proxy_url("proxy.example:3128").unwrap_err();
        assert!(bare.contains("no scheme"), "{bare}");
        let hostless = check_proxy_url("http://:3128").unwrap_err();
        assert!(!hostless.contains("3128"), "{hostless}");
    }

    #[test]
    fn proxy_url_password_masked() {
        assert_eq!(
            shown_proxy_url("http://user:pw@127.0.0.1:3128"),
            "http://user:********@127.0.0.1:3128"
        );
        assert_eq!(
            shown_proxy_url("http://us:er:p@ss@proxy/"),
            "http://us:********@proxy/"
        );
        assert_eq!(
            shown_proxy_url("http://user@proxy:3128"),
            "http://user@proxy:3128"
        );
        assert_eq!(shown_proxy_url("http://proxy:3128"), "http://proxy:3128");
    }

    #[test]
    fn environment_proxy_without_scheme_is_http() {
        let env = |name: &str| (name == "HTTPS_PROXY").then(|| "proxy.corp:3128".to_string());
        let https = Url::parse("https://ise.example.com/").unwrap();
        assert_eq!(
            environment_proxy(&https, &env),
            Some(("http://proxy.corp:3128".to_string(), "HTTPS_PROXY"))
        );
    }

    #[test]
    fn no_proxy_forms() {
        assert!(no_proxy_matches("*", "ise.example.com"));
        assert!(no_proxy_matches("example.com", "ise.example.com"));
        assert!(no_proxy_matches(".example.com", "ise.example.com"));
        assert!(no_proxy_matches("localhost, 127.0.0.1", "127.0.0.1"));
        assert!(no_proxy_matches("10.0.0.0/8", "10.1.2.3"));
        assert!(!no_proxy_matches("10.0.0.0/8", "11.1.2.3"));
        assert!(!no_proxy_matches("ample.com", "ise.example.com"));
        assert!(no_proxy_matches("::1", "[::1]"));
    }

    #[test]
    fn unset_proxy_names_the_other_scheme() {
        let http = Url::parse("http://ise.example.com/").unwrap();
        let https_only = |name: &str| (name == "HTTPS_PROXY").then(|| "proxy:3128".to_string());
        assert_eq!(
            unset_for_scheme(&http, &https_only),
            "none set for http:// URLs; HTTPS_PROXY applies to https:// only"
        );
        let nothing = |_: &str| None;
        assert_eq!(unset_for_scheme(&http, &nothing), "none set");
    }

    #[test]
    fn environment_proxy_by_scheme() {
        let env = |name: &str| match name {
            "HTTPS_PROXY" => Some("http://secure:3128".to_string()),
            "http_proxy" => Some("http://plain:3128".to_string()),
            _ => None,
        };
        let https = Url::parse("https://ise.example.com/").unwrap();
        let http = Url::parse("http://ise.example.com/").unwrap();
        assert_eq!(
            environment_proxy(&https, &env),
            Some(("http://secure:3128".to_string(), "HTTPS_PROXY"))
        );
        assert_eq!(
            environment_proxy(&http, &env),
            Some(("http://plain:3128".to_string(), "http_proxy"))
        );
    }
}
