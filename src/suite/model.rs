//! A loaded, validated suite: every regex, JSONPath and XPath is compiled and every variable
//! reference is known to exist.

use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use regex::Regex;
use serde_json_path::JsonPath;

use crate::assert::xpath::XPath;
use crate::error_kind::ErrorKindPattern;
use crate::suite::status::StatusSpec;
use crate::suite::template::Template;
use crate::suite::yaml::Position;

/// A compiled regex shared by every check that uses the same pattern. Sharing one `Regex`
/// also shares its search caches: a clone of a `regex::Regex` gets a new, empty cache pool.
pub type SharedRegex = Arc<Regex>;

/// The timeout of a check when neither the check nor the suite's defaults set one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub struct Suite {
    /// The file the suite was loaded from, as given.
    pub path: PathBuf,
    /// Stable identifier used in JUnit class names and to match runs when merging.
    pub id: String,
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    pub variables: Vec<VariableDef>,
    pub defaults: Defaults,
    /// Never empty: a suite without `vantages` gets one named `default`.
    pub vantages: Vec<Vantage>,
    pub checks: Vec<Check>,
    /// Suite-wide hint rules, consulted after a check's own rules.
    pub hints: Vec<HintRule>,
}

impl Suite {
    pub fn vantage(&self, name: &str) -> Option<&Vantage> {
        self.vantages.iter().find(|vantage| vantage.name == name)
    }

    pub fn variable(&self, name: &str) -> Option<&VariableDef> {
        self.variables.iter().find(|variable| variable.name == name)
    }
}

#[derive(Clone, Debug)]
pub struct VariableDef {
    pub name: String,
    pub source: VariableSource,
    /// Secret values are masked in every output.
    pub secret: bool,
    pub description: Option<String>,
    pub position: Position,
}

#[derive(Clone, Debug)]
pub enum VariableSource {
    Literal(String),
    /// Read from an environment variable; without a default, the variable is required.
    Env {
        name: String,
        default: Option<String>,
    },
}

#[derive(Clone, Debug)]
pub struct Defaults {
    pub base_url: Option<Template>,
    pub headers: Vec<(String, Template)>,
    pub auth: Auth,
    pub timeout: Duration,
    pub tls: TlsSettings,
    pub follow_redirects: bool,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            base_url: None,
            headers: Vec::new(),
            auth: Auth::None,
            timeout: DEFAULT_TIMEOUT,
            tls: TlsSettings::default(),
            follow_redirects: false,
        }
    }
}

/// TLS settings at one level (defaults, vantage, check); an unset field inherits.
#[derive(Clone, Debug, Default)]
pub struct TlsSettings {
    /// PEM file of extra CA certificates, trusted in addition to the system roots. A relative
    /// path is relative to the suite file. CA files of all levels are trusted together.
    pub ca_file: Option<PathBuf>,
    /// Trust only the given CA files, not the system roots.
    pub ca_only: Option<bool>,
    /// PEM client certificate (chain) and its private key, for servers that require one.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Skip certificate verification. Only ever true when written explicitly; every report
    /// flags it.
    pub insecure: Option<bool>,
    pub min_version: Option<TlsVersion>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

impl TlsVersion {
    pub fn parse(text: &str) -> Option<TlsVersion> {
        match text.trim() {
            "1.2" => Some(TlsVersion::Tls12),
            "1.3" => Some(TlsVersion::Tls13),
            _ => None,
        }
    }
}

/// How a vantage reaches the target: its own base URL, proxy, DNS overrides and source
/// address. Unset fields fall back to the defaults and the environment.
#[derive(Clone, Debug, Default)]
pub struct Network {
    pub base_url: Option<Template>,
    /// Proxy URL (`http://`, `https://` or `socks5://`, credentials allowed in the URL), or
    /// `none` for a direct connection whatever the environment sets.
    pub proxy: Option<ProxySetting>,
    /// Hosts reached directly, not through the proxy: comma-separated, as in `NO_PROXY`.
    pub no_proxy: Option<String>,
    /// Host names resolved to fixed addresses instead of through DNS, like curl's `--resolve`.
    pub resolve: Vec<(String, std::net::IpAddr)>,
    /// Connections for a host (and port) that go to another host or port, like curl's
    /// `--connect-to`: the URL's name stays in TLS and the `Host` header.
    pub connect_to: Vec<crate::suite::ConnectTo>,
    /// Source address to bind, on runners with several addresses.
    pub local_address: Option<std::net::IpAddr>,
    pub connect_timeout: Option<Duration>,
    pub tls: TlsSettings,
}

#[derive(Clone, Debug)]
pub enum ProxySetting {
    /// Connect directly, ignoring proxy variables in the environment.
    None,
    Url(Template),
}

#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Basic { user: Template, password: Template },
}

#[derive(Clone, Debug)]
pub struct Vantage {
    pub name: String,
    pub description: Option<String>,
    pub network: Network,
}

#[derive(Clone, Debug)]
pub struct Check {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// Vantages the check runs at; empty means all. At other vantages it is skipped.
    pub vantages: Vec<String>,
    /// Checks that must pass before this one is sent; all are listed earlier in the file.
    pub depends_on: Vec<String>,
    /// Values taken from the response for later checks.
    pub captures: Vec<Capture>,
    /// Sends the check again when it does not pass, except after 401 or 403.
    pub retries: Option<Retries>,
    pub request: RequestSpec,
    pub expect: Expectations,
    pub hints: Vec<HintRule>,
    pub position: Position,
}

/// The wait before the first retry when a suite sets none; it doubles before each next one.
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug)]
pub struct Retries {
    /// Attempts after the first.
    pub count: u32,
    /// Wait before the first retry; each later wait is twice the one before.
    pub delay: Duration,
}

/// A value a check takes from its response into a variable that later checks use.
#[derive(Clone, Debug)]
pub struct Capture {
    pub name: String,
    pub source: CaptureSource,
    /// Masks the captured value in every output.
    pub secret: bool,
    /// Captures an empty value when the source is missing, instead of failing the check.
    pub optional: bool,
}

#[derive(Clone, Debug)]
pub enum CaptureSource {
    /// The first node selected; strings as they are, other JSON values in JSON form.
    JsonPath { path: JsonPath, expression: String },
    /// The value of the first node selected.
    XPath(XPath),
    /// The first value of the response header.
    Header(String),
    /// The first match in the body: capture group 1 when the pattern has one, else the match.
    Regex(SharedRegex),
}

impl CaptureSource {
    pub fn describe(&self) -> String {
        match self {
            CaptureSource::JsonPath { expression, .. } => format!("jsonpath {expression}"),
            CaptureSource::XPath(path) => format!("xpath {}", path.as_str()),
            CaptureSource::Header(name) => format!("header {name}"),
            CaptureSource::Regex(regex) => format!("regex {:?}", regex.as_str()),
        }
    }
}

impl RequestSpec {
    /// Returns the URL as written in the suite, query included, with `${NAME}` references
    /// unresolved.
    pub fn written_url(&self) -> String {
        let mut url = self.url.source();
        for (index, (name, value)) in self.query.iter().enumerate() {
            let separator = if index == 0 && !url.contains('?') {
                '?'
            } else {
                '&'
            };
            url.push(separator);
            url.push_str(name);
            url.push('=');
            url.push_str(&value.source());
        }
        url
    }

    /// Every template of the request, for finding the variables it uses.
    pub fn templates(&self) -> Vec<&Template> {
        let mut templates = vec![&self.url];
        templates.extend(self.query.iter().map(|(_, value)| value));
        templates.extend(self.headers.iter().map(|(_, value)| value));
        templates.extend(self.body.iter());
        if let Some(Auth::Basic { user, password }) = &self.auth {
            templates.push(user);
            templates.push(password);
        }
        templates
    }
}

#[derive(Clone, Debug)]
pub struct RequestSpec {
    pub method: String,
    /// Absolute, or a path joined to the base URL.
    pub url: Template,
    pub query: Vec<(String, Template)>,
    pub headers: Vec<(String, Template)>,
    pub body: Option<Template>,
    /// `None` inherits the defaults' authentication.
    pub auth: Option<Auth>,
    pub follow_redirects: Option<bool>,
    pub timeout: Option<Duration>,
    /// TLS settings for this check, over the vantage's and the defaults'.
    pub tls: TlsSettings,
}

#[derive(Clone, Debug)]
pub struct Expectations {
    pub status: StatusSpec,
    pub headers: Vec<HeaderExpectation>,
    pub body: Vec<BodyMatcher>,
    pub max_duration: Option<Duration>,
    pub certificate: Option<CertificateExpectation>,
}

/// Conditions on the server's leaf certificate, each of which must hold when set.
#[derive(Clone, Debug, Default)]
pub struct CertificateExpectation {
    /// Whole days from the check to the end of the certificate's validity.
    pub min_days_left: Option<u32>,
    /// Matched against the issuer's distinguished name, such as `O=Example, CN=Example CA`.
    pub issuer: Option<SharedRegex>,
    pub subject: Option<SharedRegex>,
    /// A DNS name (compared without regard to case) or an IP address that the subject
    /// alternative names list as written; `*.example.com` does not contain `api.example.com`.
    pub san_contains: Option<String>,
}

#[derive(Clone, Debug)]
pub struct HeaderExpectation {
    pub name: String,
    pub matcher: TextMatcher,
}

#[derive(Clone, Debug)]
pub enum TextMatcher {
    Exact(String),
    Regex(SharedRegex),
}

#[derive(Clone, Debug)]
pub enum BodyMatcher {
    Contains(String),
    Regex(SharedRegex),
    /// The whole body, ignoring leading and trailing whitespace.
    Equals(String),
    JsonPath {
        path: JsonPath,
        expression: String,
        predicates: Vec<ValuePredicate>,
    },
    XPath {
        path: XPath,
        predicates: Vec<ValuePredicate>,
    },
}

impl BodyMatcher {
    /// Describes the matcher for reports: `body regex "..."`, `body jsonpath $.a`.
    pub fn describe(&self) -> String {
        match self {
            BodyMatcher::Contains(text) => format!("body contains {text:?}"),
            BodyMatcher::Regex(regex) => format!("body regex {:?}", regex.as_str()),
            BodyMatcher::Equals(_) => "body equals".to_string(),
            BodyMatcher::JsonPath { expression, .. } => format!("body jsonpath {expression}"),
            BodyMatcher::XPath { path, .. } => format!("body xpath {}", path.as_str()),
        }
    }
}

/// A condition on the values a JSONPath or XPath selects.
#[derive(Clone, Debug)]
pub enum ValuePredicate {
    /// At least one node selected (`true`) or none (`false`).
    Exists(bool),
    /// The selected value equals this one: the single node when one is selected, the list of
    /// nodes otherwise. XPath compares text.
    Equals {
        value: serde_json::Value,
        /// A number as the suite wrote it (`1.10`), which a text value is compared with.
        written: Option<Box<str>>,
    },
    /// At least one node is selected and every selected value matches.
    Matches(SharedRegex),
    Count(usize),
}

#[derive(Clone, Debug)]
pub struct HintRule {
    pub id: String,
    pub title: String,
    /// Markdown.
    pub explanation: String,
    pub when: HintCondition,
    pub position: Position,
}

/// Every condition that is set must hold for the rule to match.
#[derive(Clone, Debug, Default)]
pub struct HintCondition {
    /// The response status; requires a response.
    pub status: Option<StatusSpec>,
    /// The transport error; requires that no response arrived.
    pub error: Vec<ErrorKindPattern>,
    /// A regex the response body matches.
    pub body: Option<SharedRegex>,
    /// Vantages the rule applies at; empty means all.
    pub vantages: Vec<String>,
    /// Checks a suite-wide rule applies to; empty means all.
    pub checks: Vec<String>,
    /// Vantages where the same check must have passed, according to the results of other runs.
    pub after_passed: Vec<String>,
    /// Vantages where the same check must have failed or got no response.
    pub after_failed: Vec<String>,
}
