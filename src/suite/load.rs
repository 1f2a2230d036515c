//! Loading a suite file: YAML text to a validated [`Suite`], with every problem reported.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use regex::Regex;
use serde_json_path::JsonPath;

use crate::assert::xpath::XPath;
use crate::error_kind::ErrorKindPattern;
use crate::suite::diagnostic::{Diagnostic, SuiteErrors, did_you_mean};
use crate::suite::model::*;
use crate::suite::reader::{Fields, Reader, quote_list};
use crate::suite::status::{StatusPattern, StatusSpec};
use crate::suite::template::{Template, is_variable_name};
use crate::suite::yaml::{self, Node, Position, Value};

mod certificate;

pub const SUITE_KEYS: &[&str] = &[
    "id",
    "name",
    "version",
    "description",
    "variables",
    "defaults",
    "vantages",
    "checks",
    "hints",
];
pub const VARIABLE_KEYS: &[&str] = &["value", "env", "default", "secret", "description"];
pub const DEFAULTS_KEYS: &[&str] = &[
    "base_url",
    "headers",
    "auth",
    "timeout",
    "tls",
    "follow_redirects",
];
pub const TLS_KEYS: &[&str] = &[
    "ca_file",
    "ca_only",
    "client_cert",
    "client_key",
    "insecure",
    "min_version",
];
pub const AUTH_KEYS: &[&str] = &["basic"];
pub const BASIC_KEYS: &[&str] = &["user", "password"];
pub const VANTAGE_KEYS: &[&str] = &[
    "name",
    "description",
    "base_url",
    "proxy",
    "no_proxy",
    "resolve",
    "connect_to",
    "local_address",
    "connect_timeout",
    "tls",
];
pub const CHECK_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "tags",
    "vantages",
    "depends_on",
    "capture",
    "retries",
    "request",
    "expect",
    "hints",
];
pub const RETRIES_KEYS: &[&str] = &["count", "delay"];
pub const REQUEST_KEYS: &[&str] = &[
    "method",
    "url",
    "query",
    "headers",
    "body",
    "auth",
    "follow_redirects",
    "timeout",
    "tls",
];
pub const EXPECT_KEYS: &[&str] = &["status", "headers", "body", "max_duration", "certificate"];
pub const CERTIFICATE_KEYS: &[&str] = &["min_days_left", "issuer", "subject", "san_contains"];
pub const HEADER_MATCH_KEYS: &[&str] = &["equals", "regex"];
pub const MATCHER_KINDS: &[&str] = &["contains", "regex", "equals", "jsonpath", "xpath"];
pub const PATH_MATCHER_KEYS: &[&str] =
    &["jsonpath", "xpath", "exists", "equals", "matches", "count"];
pub const CAPTURE_KEYS: &[&str] = &["jsonpath", "xpath", "header", "regex", "secret", "optional"];
pub const CAPTURE_SOURCES: &[&str] = &["jsonpath", "xpath", "header", "regex"];
pub const HINT_KEYS: &[&str] = &["id", "title", "explanation", "when"];
pub const WHEN_KEYS: &[&str] = &[
    "status",
    "error",
    "body",
    "vantages",
    "checks",
    "after_passed",
    "after_failed",
];
pub const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// An error that stops a suite from loading.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read suite file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<SuiteErrors>),
}

/// A loaded suite and the warnings found while loading it.
pub struct Loaded {
    pub suite: Suite,
    pub warnings: Option<SuiteErrors>,
}

pub fn load_file(path: &Path) -> Result<Loaded, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // The loader ignores a byte order mark, so positions are counted without it.
    let bytes = match bytes.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            let valid = String::from_utf8_lossy(valid);
            let line = valid.matches('\n').count() + 1;
            let column = valid
                .rsplit('\n')
                .next()
                .unwrap_or_default()
                .chars()
                .count()
                + 1;
            return Err(LoadError::Invalid(Box::new(SuiteErrors {
                path: path.to_path_buf(),
                source: String::from_utf8_lossy(error.as_bytes()).into_owned(),
                diagnostics: vec![
                    Diagnostic::error(
                        Some(Position { line, column }),
                        "invalid UTF-8 in suite file",
                    )
                    .with_help("save the file as UTF-8"),
                ],
            })));
        }
    };
    load_str(path, &text)
}

/// Loads a suite from text; `path` names it in messages and anchors relative file paths.
pub fn load_str(path: &Path, text: &str) -> Result<Loaded, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let invalid = |diagnostics| {
        LoadError::Invalid(Box::new(SuiteErrors {
            path: path.to_path_buf(),
            source: text.to_string(),
            diagnostics,
        }))
    };
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(error) => return Err(invalid(vec![syntax_error(text, &error)])),
    };
    let mut loader = SuiteLoader {
        reader: Reader::new(text),
        path,
        variables: HashMap::new(),
        vantage_names: Vec::new(),
        captured: HashMap::new(),
        regexes: HashMap::new(),
        json_paths: HashMap::new(),
    };
    let suite = loader.suite(&root);
    let mut diagnostics = loader.reader.diagnostics;
    diagnostics.sort_by_key(|diagnostic| diagnostic.position);
    match suite {
        Some(suite) if !diagnostics.iter().any(is_error) => {
            let warnings = (!diagnostics.is_empty()).then(|| SuiteErrors {
                path: path.to_path_buf(),
                source: text.to_string(),
                diagnostics,
            });
            Ok(Loaded { suite, warnings })
        }
        _ => Err(invalid(diagnostics)),
    }
}

/// Describes a YAML syntax error. When a quote or a bracket left open on an earlier line
/// caused it, or a tab in the indentation, the error points at that spot, where the fix goes,
/// and the help names where the parser stopped.
fn syntax_error(text: &str, error: &yaml::YamlError) -> Diagnostic {
    // A quote that ran on can end inside a bracket it opened in, so it is looked for first.
    let runaway = error
        .position
        .filter(|_| error.message.contains("quoted scalar"))
        .and_then(|position| yaml::runaway_quote(text, position));
    if let Some((start, end, quote)) = runaway {
        return Diagnostic::error(Some(start), "invalid YAML: unclosed quote").with_help(format!(
            "close it with `{quote}` at the end of its value; without it the quoted text ran on \
             to the `{quote}` at line {}, column {}",
            end.line, end.column
        ));
    }

    let open = error
        .position
        .and_then(|position| Some((position, yaml::unclosed_bracket(text, position)?)));
    if let Some((stopped, (bracket_position, bracket))) = open {
        let closing = if bracket == '[' { ']' } else { '}' };
        return Diagnostic::error(
            Some(bracket_position),
            format!("invalid YAML: unclosed bracket '{bracket}'"),
        )
        .with_help(format!(
            "close it with `{closing}` at the end of its value; without it the parser read on \
             to line {}, column {} ({})",
            stopped.line, stopped.column, error.message
        ));
    }

    // The parser reports a tab in the indentation of a line at the value it was reading,
    // which is on the line before. The tab itself is the place to fix.
    if error.message.contains("tab")
        && let Some(tab) = error
            .position
            .and_then(|position| indenting_tab(text, position.line))
    {
        return Diagnostic::error(Some(tab), "invalid YAML: a tab in the indentation")
            .with_help("YAML indents with spaces only: replace the tab with spaces");
    }

    let help = if error.message.contains("unclosed quote") {
        "close the quote at the end of its value, with the same character that opens it"
    } else if error.message.contains("tab") {
        "YAML indents with spaces only: replace the tab with spaces"
    } else if error.message.contains("did not find expected key")
        || error.message.contains("expected '-' indicator")
    {
        "check the indentation: keys of one mapping, and the `-` of items of one list, start in \
         the same column, and a value's keys go deeper than its own key"
    } else {
        "fix the YAML syntax at this spot; quote values that contain `: ` or start with `{`, \
         `[`, `*` or `&`"
    };
    Diagnostic::error(error.position, format!("invalid YAML: {}", error.message)).with_help(help)
}

/// Returns the first tab in the indentation of line `from` or the line after it.
fn indenting_tab(text: &str, from: usize) -> Option<yaml::Position> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .take(2)
        .find_map(|(index, line)| {
            let indentation = &line[..line.len() - line.trim_start().len()];
            let column = indentation
                .chars()
                .position(|character| character == '\t')?;
            Some(yaml::Position {
                line: index + 1,
                column: column + 1,
            })
        })
}

fn is_error(diagnostic: &Diagnostic) -> bool {
    diagnostic.severity == crate::suite::diagnostic::Severity::Error
}

struct SuiteLoader<'p> {
    reader: Reader<'p>,
    path: &'p Path,
    /// Defined variables, to check references as templates are read.
    variables: HashMap<String, Position>,
    vantage_names: Vec<String>,
    /// Variables that checks capture, with the id of the capturing check.
    captured: HashMap<String, String>,
    /// Regexes compiled so far, by pattern.
    regexes: HashMap<String, SharedRegex>,
    /// JSONPath expressions parsed so far, by expression.
    json_paths: HashMap<String, JsonPath>,
}

impl SuiteLoader<'_> {
    fn suite(&mut self, root: &Node) -> Option<Suite> {
        if let Value::Null = root.value {
            self.reader
                .error(root.position, "the suite file is empty")
                .help = Some(
                "start with `name:` and a `checks:` list; see docs/suite-format.md".to_string(),
            );
            return None;
        }
        let fields = self.reader.fields(root, "the suite", SUITE_KEYS)?;

        // Variables and vantages come first because templates and hint rules refer to them.
        let variables = match fields.get("variables") {
            Some(node) => self.variables(node),
            None => Vec::new(),
        };
        let vantages = match fields.get("vantages") {
            Some(node) => self.vantages(node),
            None => vec![Vantage {
                name: "default".to_string(),
                description: None,
                network: Network::default(),
            }],
        };
        self.vantage_names = vantages.iter().map(|v| v.name.clone()).collect();

        let name = self
            .reader
            .required(&fields, "name", "the suite")
            .and_then(|node| self.reader.non_empty_string(node, "suite name"));
        let id = match fields.get("id") {
            Some(node) => self.identifier(node, "suite id"),
            None => name.as_deref().map(slug),
        };
        let version = fields
            .get("version")
            .and_then(|node| self.reader.string(node, "suite version"));
        let description = fields
            .get("description")
            .and_then(|node| self.reader.string(node, "suite description"));
        let defaults = match fields.get("defaults") {
            Some(node) => self.defaults(node),
            None => Defaults::default(),
        };
        let checks = match self.reader.required(&fields, "checks", "the suite") {
            Some(node) => self.checks(node),
            None => Vec::new(),
        };
        self.check_dependencies(&checks);
        let check_ids: Vec<String> = checks.iter().map(|check| check.id.clone()).collect();
        let hints = match fields.get("hints") {
            Some(node) => self.hints(node, Some(&check_ids)),
            None => Vec::new(),
        };
        self.unique_hint_ids(root);
        self.warn_unhinted(&checks, &hints);

        Some(Suite {
            path: self.path.to_path_buf(),
            id: id?,
            name: name?,
            version,
            description,
            variables,
            defaults,
            vantages,
            checks,
            hints,
        })
    }

    fn variables(&mut self, node: &Node) -> Vec<VariableDef> {
        let Some(entries) = self.reader.mapping(node, "variables") else {
            return Vec::new();
        };
        let mut variables = Vec::new();
        for (key, value) in entries.entries() {
            if !is_variable_name(&key.name) {
                self.reader
                    .error(
                        key.position,
                        format!("invalid variable name `{}`", key.name),
                    )
                    .help = Some(
                    "use letters, digits and `_`, not starting with a digit, such as `ISE_HOST`"
                        .to_string(),
                );
                continue;
            }
            self.variables.insert(key.name.clone(), key.position);
            let what = format!("variable `{}`", key.name);
            let definition = match &value.value {
                Value::Mapping(_) => self.variable_fields(value, &what),
                _ => self
                    .reader
                    .string(value, &what)
                    .map(|text| (VariableSource::Literal(text), false, None)),
            };
            if let Some((source, secret, description)) = definition {
                variables.push(VariableDef {
                    name: key.name.clone(),
                    source,
                    secret,
                    description,
                    position: key.position,
                });
            }
        }
        variables
    }

    fn variable_fields(
        &mut self,
        node: &Node,
        what: &str,
    ) -> Option<(VariableSource, bool, Option<String>)> {
        let fields = self.reader.fields(node, what, VARIABLE_KEYS)?;
        let secret = match fields.get("secret") {
            Some(node) => self.reader.bool(node, "`secret`"),
            None => Some(false),
        };
        let description = fields
            .get("description")
            .and_then(|node| self.reader.string(node, "variable description"));
        let value = fields.get("value");
        let env = fields.get("env");
        let source = match (value, env) {
            (Some(value), None) => {
                if fields.has("default") {
                    self.reader
                        .error(
                            fields.position,
                            format!("{what} has both `value` and `default`"),
                        )
                        .help = Some("`default` applies only with `env`; remove it".to_string());
                }
                VariableSource::Literal(self.reader.string(value, what)?)
            }
            (None, Some(env)) => {
                let name = self
                    .reader
                    .non_empty_string(env, "environment variable name")?;
                let default = match fields.get("default") {
                    Some(node) => Some(self.reader.string(node, "variable default")?),
                    None => None,
                };
                VariableSource::Env { name, default }
            }
            (Some(_), Some(_)) => {
                self.reader
                    .error(
                        fields.position,
                        format!("{what} sets both `value` and `env`"),
                    )
                    .help = Some(
                    "keep `value` for a fixed value or `env` to read the environment".to_string(),
                );
                return None;
            }
            (None, None) => {
                self.reader
                    .error(
                        fields.position,
                        format!("{what} sets neither `value` nor `env`"),
                    )
                    .help = Some(
                    "add `env: NAME` to read an environment variable, or `value: TEXT`".to_string(),
                );
                return None;
            }
        };
        Some((source, secret?, description))
    }

    fn vantages(&mut self, node: &Node) -> Vec<Vantage> {
        let Some(items) = self.reader.list(node, "vantages") else {
            return Vec::new();
        };
        let mut vantages: Vec<Vantage> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for item in items {
            let (name, description, network, position) = match &item.value {
                Value::String(_) => (
                    self.identifier(item, "vantage name"),
                    None,
                    Network::default(),
                    item.position,
                ),
                _ => {
                    let Some(fields) = self.reader.fields(item, "a vantage", VANTAGE_KEYS) else {
                        continue;
                    };
                    let name = self
                        .reader
                        .required(&fields, "name", "a vantage")
                        .and_then(|node| self.identifier(node, "vantage name"));
                    let description = fields
                        .get("description")
                        .and_then(|node| self.reader.string(node, "vantage description"));
                    let network = self.network(&fields);
                    let position = fields.get("name").map_or(item.position, |n| n.position);
                    (name, description, network, position)
                }
            };
            let Some(name) = name else { continue };
            if let Some(line) = seen.get(&name) {
                self.reader
                    .error(position, format!("duplicate vantage `{name}`"))
                    .help = Some(format!(
                    "vantage `{name}` is already defined on line {line}; rename one"
                ));
                continue;
            }
            seen.insert(name.clone(), position.line);
            vantages.push(Vantage {
                name,
                description,
                network,
            });
        }
        if items.is_empty() {
            self.reader.error(node.position, "`vantages` is empty").help = Some(
                "list at least one vantage, or remove `vantages` to use one named `default`"
                    .to_string(),
            );
        }
        vantages
    }

    fn defaults(&mut self, node: &Node) -> Defaults {
        let mut defaults = Defaults::default();
        let Some(fields) = self.reader.fields(node, "defaults", DEFAULTS_KEYS) else {
            return defaults;
        };
        if let Some(node) = fields.get("base_url") {
            defaults.base_url = self.url_template(node, "base URL");
        }
        if let Some(node) = fields.get("headers") {
            defaults.headers = self.headers(node);
        }
        if let Some(node) = fields.get("auth") {
            defaults.auth = self.auth(node).unwrap_or(Auth::None);
        }
        if let Some(node) = fields.get("timeout") {
            defaults.timeout = self
                .reader
                .positive_duration(node, "timeout")
                .unwrap_or(DEFAULT_TIMEOUT);
        }
        if let Some(node) = fields.get("follow_redirects") {
            defaults.follow_redirects = self
                .reader
                .bool(node, "`follow_redirects`")
                .unwrap_or(false);
        }
        if let Some(node) = fields.get("tls") {
            defaults.tls = self.tls(node);
        }
        defaults
    }

    fn tls(&mut self, node: &Node) -> TlsSettings {
        let mut tls = TlsSettings::default();
        let Some(fields) = self.reader.fields(node, "tls", TLS_KEYS) else {
            return tls;
        };
        tls.ca_file = fields
            .get("ca_file")
            .and_then(|node| self.file(node, "CA file"));
        tls.ca_only = fields
            .get("ca_only")
            .and_then(|node| self.reader.bool(node, "`ca_only`"));
        tls.client_cert = fields
            .get("client_cert")
            .and_then(|node| self.file(node, "client certificate file"));
        tls.client_key = fields
            .get("client_key")
            .and_then(|node| self.file(node, "client key file"));
        if tls.client_cert.is_some() != tls.client_key.is_some() {
            self.reader
                .error(
                    fields.position,
                    "`client_cert` and `client_key` go together",
                )
                .help = Some(
                "set both: the PEM certificate and the PEM file of its private key".to_string(),
            );
        }
        tls.insecure = fields
            .get("insecure")
            .and_then(|node| self.reader.bool(node, "`insecure`"));
        if let Some(node) = fields.get("min_version") {
            let text = node.value.scalar_text().unwrap_or_default();
            tls.min_version = TlsVersion::parse(&text);
            if tls.min_version.is_none() {
                self.reader
                    .error(node.position, format!("invalid TLS version `{text}`"))
                    .help = Some(
                    "write `\"1.2\"` or `\"1.3\"` (quoted, so YAML keeps it as text)".to_string(),
                );
            }
        }
        tls
    }

    /// Reads a file path; a relative one is relative to the suite file.
    fn file(&mut self, node: &Node, what: &str) -> Option<PathBuf> {
        self.reader
            .non_empty_string(node, what)
            .map(|file| relative_to(self.path, &file))
    }

    fn network(&mut self, fields: &Fields<'_>) -> Network {
        let mut network = Network::default();
        if let Some(node) = fields.get("base_url") {
            network.base_url = self.url_template(node, "base URL");
        }
        if let Some(node) = fields.get("proxy") {
            network.proxy = self.proxy(node);
        }
        if let Some(node) = fields.get("no_proxy") {
            let hosts: Vec<String> = self
                .reader
                .string_list(node, "no_proxy")
                .into_iter()
                .map(|(host, _)| host)
                .collect();
            network.no_proxy = Some(hosts.join(","));
        }
        if let Some(node) = fields.get("resolve") {
            network.resolve = self.resolve(node);
        }
        if let Some(node) = fields.get("connect_to")
            && let Some(entries) = self.reader.mapping(node, "connect_to")
        {
            for (key, value) in entries.entries() {
                let Some(target) = self.reader.non_empty_string(value, "connect_to target") else {
                    continue;
                };
                match crate::suite::ConnectTo::from_pair(&key.name, &target) {
                    Ok(rule) => network.connect_to.push(rule),
                    Err(error) => {
                        let position = match error {
                            crate::suite::connect_to::PairError::Key(_) => key.position,
                            crate::suite::connect_to::PairError::Target(_) => value.position,
                        };
                        self.reader.error(position, error.to_string()).help = Some(
                            "write `HOST: TARGET`, `HOST:PORT: TARGET:PORT` or `HOST:PORT: :PORT`, \
                             such as `gateway.example.com:443: 10.0.0.5:8443`"
                                .to_string(),
                        );
                    }
                }
            }
        }
        if let Some(node) = fields.get("local_address") {
            let text = self
                .reader
                .string(node, "local address")
                .unwrap_or_default();
            match text.parse() {
                Ok(address) => network.local_address = Some(address),
                Err(_) => {
                    self.reader
                        .error(node.position, format!("invalid local address `{text}`"))
                        .help = Some(
                        "write an IP address of this machine, such as `10.0.0.5` or `::1`"
                            .to_string(),
                    );
                }
            }
        }
        if let Some(node) = fields.get("connect_timeout") {
            network.connect_timeout = self.reader.positive_duration(node, "connect_timeout");
        }
        if let Some(node) = fields.get("tls") {
            network.tls = self.tls(node);
        }
        self.warn_about_proxy_overrides(fields, &network);
        network
    }

    /// Warns about `resolve` entries and `connect_to` host changes that the same mapping's
    /// proxy makes useless: an http://, https:// or socks5h:// proxy gets the host name and
    /// resolves and connects to it itself. Only a socks5:// proxy is given an address that
    /// this machine chose.
    fn warn_about_proxy_overrides(&mut self, fields: &Fields<'_>, network: &Network) {
        let Some(ProxySetting::Url(proxy)) = &network.proxy else {
            return;
        };
        if proxy.source().starts_with("socks5://") {
            return;
        }
        let help = "to reach another host through the proxy, point the base URL at it; to \
                    connect from this machine, use `proxy: none` or a socks5:// proxy";
        if let Some(node) = fields.get("resolve")
            && !network.resolve.is_empty()
        {
            self.reader
                .warning(
                    node.position,
                    "`resolve` does not apply to requests through this proxy, which resolves \
                     host names itself",
                )
                .help = Some(help.to_string());
        }
        if let Some(node) = fields.get("connect_to")
            && network
                .connect_to
                .iter()
                .any(|rule| rule.target_host.is_some())
        {
            self.reader
                .warning(
                    node.position,
                    "`connect_to` changes only the port of requests through this proxy, which \
                     connects to the host itself",
                )
                .help = Some(help.to_string());
        }
    }

    fn proxy(&mut self, node: &Node) -> Option<ProxySetting> {
        if let Value::String(text) = &node.value
            && text == "none"
        {
            return Some(ProxySetting::None);
        }
        let template = self.checked_template(node, "proxy URL")?;
        let source = template.source();
        let scheme_ok = ["http://", "https://", "socks5://", "socks5h://", "${"]
            .iter()
            .any(|prefix| source.starts_with(prefix));
        if !scheme_ok {
            self.reader
                .error(
                    node.position,
                    format!(
                        "invalid proxy URL `{}`",
                        crate::run::network::shown_proxy_url(&source)
                    ),
                )
                .help = Some("write `http://HOST:PORT`, `https://...` or `socks5://...`, or `none` for a direct connection".to_string());
            return None;
        }
        // A URL with variables is checked when the run fills them in.
        if template.variables().next().is_none()
            && let Err(reason) = crate::run::network::check_proxy_url(&source)
        {
            self.reader
                .error(
                    node.position,
                    format!(
                        "invalid proxy URL `{}`: {reason}",
                        crate::run::network::shown_proxy_url(&source)
                    ),
                )
                .help = Some(
                "write `http://HOST:PORT`, `https://...` or `socks5://...`; percent-encode \
                 special characters in a user name or password (a space is `%20`)"
                    .to_string(),
            );
            return None;
        }
        Some(ProxySetting::Url(template))
    }

    fn resolve(&mut self, node: &Node) -> Vec<(String, std::net::IpAddr)> {
        let Some(entries) = self.reader.mapping(node, "resolve") else {
            return Vec::new();
        };
        let mut resolved = Vec::new();
        for (key, value) in entries.entries() {
            let text = self.reader.string(value, "address").unwrap_or_default();
            match text.trim_start_matches('[').trim_end_matches(']').parse() {
                Ok(address) => resolved.push((key.name.clone(), address)),
                Err(_) => {
                    self.reader
                        .error(
                            value.position,
                            format!("invalid address `{text}` for host `{}`", key.name),
                        )
                        .help = Some(
                        "write an IP address such as `192.0.2.10`; the port comes from the URL"
                            .to_string(),
                    );
                }
            }
        }
        resolved
    }

    fn auth(&mut self, node: &Node) -> Option<Auth> {
        if let Value::String(text) = &node.value {
            if text == "none" {
                return Some(Auth::None);
            }
            self.reader
                .error(node.position, format!("invalid auth `{text}`"))
                .help = Some("write `none`, or `basic:` with `user` and `password`".to_string());
            return None;
        }
        let fields = self.reader.fields(node, "auth", AUTH_KEYS)?;
        let basic = self.reader.required(&fields, "basic", "auth")?;
        let basic = self.reader.fields(basic, "basic auth", BASIC_KEYS)?;
        let user = self.reader.required(&basic, "user", "basic auth");
        let password = self.reader.required(&basic, "password", "basic auth");
        // Both are read before either is required, so that one run reports problems in both.
        let user = user.and_then(|node| self.checked_template(node, "basic-auth user"));
        let password = password.and_then(|node| self.checked_template(node, "basic-auth password"));
        Some(Auth::Basic {
            user: user?,
            password: password?,
        })
    }

    fn headers(&mut self, node: &Node) -> Vec<(String, Template)> {
        let Some(entries) = self.reader.mapping(node, "headers") else {
            return Vec::new();
        };
        let mut headers = Vec::new();
        for (key, value) in entries.entries() {
            if reqwest::header::HeaderName::from_bytes(key.name.as_bytes()).is_err() {
                let diagnostic = self
                    .reader
                    .error(key.position, format!("invalid header name `{}`", key.name));
                diagnostic.help = Some("header names use letters, digits and `-`".to_string());
                diagnostic.width = key.name.chars().count();
                continue;
            }
            let what = format!("header `{}`", key.name);
            if let Some(template) = self.checked_template(value, &what) {
                headers.push((key.name.clone(), template));
            }
        }
        headers
    }

    /// Reads a template and checks that every variable it uses is defined.
    fn checked_template(&mut self, node: &Node, what: &str) -> Option<Template> {
        let template = self.reader.template(node, what)?;
        let mut ok = true;
        for name in template.variables() {
            if self.variables.contains_key(name) {
                continue;
            }
            ok = false;
            let names: Vec<&str> = self.variables.keys().map(String::as_str).collect();
            let help = match did_you_mean(name, &names) {
                Some(suggestion) => format!("did you mean `${{{suggestion}}}`?"),
                None => format!("define `{name}` under `variables:`"),
            };
            let reference = format!("${{{name}}}");
            let (position, width) = match node.value.scalar_text() {
                Some(text) => match text.find(&reference) {
                    Some(start) => (
                        self.reader
                            .offset_position(node, text[..start].chars().count()),
                        reference.chars().count(),
                    ),
                    None => (node.position, 0),
                },
                None => (node.position, 0),
            };
            let diagnostic = self
                .reader
                .error(position, format!("unknown variable `{name}` in {what}"));
            diagnostic.help = Some(help);
            diagnostic.width = width;
        }
        ok.then_some(template)
    }

    fn url_template(&mut self, node: &Node, what: &str) -> Option<Template> {
        let template = self.checked_template(node, what)?;
        let source = template.source();
        if !source.starts_with("${")
            && !source.starts_with("http://")
            && !source.starts_with("https://")
        {
            self.reader
                .error(
                    node.position,
                    format!(
                        "invalid {what} `{source}`: it must start with `https://` or `http://`"
                    ),
                )
                .help = Some("write the scheme, such as `https://${ISE_HOST}`".to_string());
            return None;
        }
        Some(template)
    }

    fn checks(&mut self, node: &Node) -> Vec<Check> {
        let Some(items) = self.reader.list(node, "checks") else {
            return Vec::new();
        };
        if items.is_empty() {
            self.reader.error(node.position, "`checks` is empty").help =
                Some("add at least one check with `id`, `name` and `request`".to_string());
        }
        self.collect_captured_names(items);
        // Duplicate ids are found from the raw `id` values, so that they are reported even
        // when one of the checks has other problems.
        let mut seen: HashMap<String, usize> = HashMap::new();
        for item in items {
            let Some(node) = item.get("id") else {
                continue;
            };
            let Some(id) = node.value.scalar_text() else {
                continue;
            };
            match seen.get(&id) {
                Some(line) => {
                    self.reader
                        .error(node.position, format!("duplicate check id `{id}`"))
                        .help = Some(format!(
                        "check ids are unique; `{id}` is already used on line {line}"
                    ));
                }
                None => {
                    seen.insert(id, node.position.line);
                }
            }
        }
        items.iter().filter_map(|item| self.check(item)).collect()
    }

    /// Registers the names that checks capture before any template is read, because a
    /// template refers to them as it does to variables.
    fn collect_captured_names(&mut self, items: &[Node]) {
        for item in items {
            let id = item
                .get("id")
                .and_then(|node| node.value.scalar_text())
                .unwrap_or_default();
            let Some(capture) = item.get("capture") else {
                continue;
            };
            let Value::Mapping(names) = &capture.value else {
                continue;
            };
            for (key, _) in names {
                if !is_variable_name(&key.name) {
                    self.reader
                        .error(
                            key.position,
                            format!("invalid variable name `{}`", key.name),
                        )
                        .help =
                        Some("use letters, digits and `_`, not starting with a digit".to_string());
                    continue;
                }
                if self.variables.contains_key(&key.name) {
                    self.reader
                        .error(
                            key.position,
                            format!("capture `{}` has the name of a variable", key.name),
                        )
                        .help = Some("rename the capture or the variable".to_string());
                    continue;
                }
                if let Some(other) = self.captured.get(&key.name) {
                    self.reader
                        .error(
                            key.position,
                            format!(
                                "capture `{}` is already captured by check `{other}`",
                                key.name
                            ),
                        )
                        .help = Some("give each captured value its own name".to_string());
                    continue;
                }
                self.captured.insert(key.name.clone(), id.clone());
                self.variables.insert(key.name.clone(), key.position);
            }
        }
    }

    fn check(&mut self, node: &Node) -> Option<Check> {
        let fields = self.reader.fields(node, "a check", CHECK_KEYS)?;
        let id_node = self.reader.required(&fields, "id", "a check");
        let id = id_node.and_then(|node| self.identifier(node, "check id"));
        let name = match fields.get("name") {
            Some(node) => self.reader.non_empty_string(node, "check name"),
            None => id.clone(),
        };
        let description = fields
            .get("description")
            .and_then(|node| self.reader.string(node, "check description"));
        let tags = fields
            .get("tags")
            .map(|node| self.reader.string_list(node, "tags"))
            .unwrap_or_default()
            .into_iter()
            .map(|(tag, _)| tag)
            .collect();
        let vantages = match fields.get("vantages") {
            Some(node) => self.vantage_references(node),
            None => Some(Vec::new()),
        };
        let depends_on = fields
            .get("depends_on")
            .map(|node| self.reader.string_list(node, "depends_on"))
            .unwrap_or_default();
        let captures = match fields.get("capture") {
            Some(node) => self.captures(node),
            None => Vec::new(),
        };
        let retries = fields.get("retries").and_then(|node| self.retries(node));
        let request = self
            .reader
            .required(&fields, "request", "a check")
            .and_then(|node| self.request(node));
        let expect = match fields.get("expect") {
            Some(node) => self.expect(node),
            None => Some(Expectations {
                status: StatusSpec::success(),
                headers: Vec::new(),
                body: Vec::new(),
                max_duration: None,
                certificate: None,
            }),
        };
        let hints = match fields.get("hints") {
            Some(node) => self.hints(node, None),
            None => Vec::new(),
        };
        Some(Check {
            id: id?,
            name: name?,
            description,
            tags,
            vantages: vantages?,
            depends_on: depends_on.into_iter().map(|(id, _)| id).collect(),
            captures,
            retries,
            request: request?,
            expect: expect?,
            hints,
            position: id_node.map_or(node.position, |node| node.position),
        })
    }

    fn retries(&mut self, node: &Node) -> Option<Retries> {
        let (count_node, delay) = match &node.value {
            Value::Mapping(_) => {
                let fields = self.reader.fields(node, "retries", RETRIES_KEYS)?;
                let count = self.reader.required(&fields, "count", "retries")?;
                let delay = match fields.get("delay") {
                    Some(node) => self.reader.duration(node, "retry delay")?,
                    None => DEFAULT_RETRY_DELAY,
                };
                (count, delay)
            }
            _ => (node, DEFAULT_RETRY_DELAY),
        };
        match &count_node.value {
            Value::Integer(count @ 1..=10, _) => Some(Retries {
                count: u32::try_from(*count).unwrap_or(1),
                delay,
            }),
            _ => {
                let shown = count_node
                    .value
                    .scalar_text()
                    .unwrap_or_else(|| count_node.value.kind().to_string());
                self.reader
                    .error(
                        count_node.position,
                        format!("invalid retry count `{shown}`"),
                    )
                    .help = Some("write a whole number from 1 to 10".to_string());
                None
            }
        }
    }

    fn vantage_references(&mut self, node: &Node) -> Option<Vec<String>> {
        let mut names = Vec::new();
        let mut ok = true;
        for (name, position) in self.reader.string_list(node, "vantage") {
            if self.vantage_names.contains(&name) {
                names.push(name);
                continue;
            }
            ok = false;
            let known: Vec<&str> = self.vantage_names.iter().map(String::as_str).collect();
            let help = match did_you_mean(&name, &known) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => format!("the suite's vantages are {}", quote_list(&known)),
            };
            self.reader
                .error(position, format!("unknown vantage `{name}`"))
                .help = Some(help);
        }
        ok.then_some(names)
    }

    fn captures(&mut self, node: &Node) -> Vec<Capture> {
        let Some(entries) = self.reader.mapping(node, "capture") else {
            return Vec::new();
        };
        let mut captures = Vec::new();
        for (key, value) in entries.entries() {
            let what = format!("capture `{}`", key.name);
            if let Some(capture) = self.capture(&key.name, value, &what) {
                captures.push(capture);
            }
        }
        captures
    }

    fn capture(&mut self, name: &str, node: &Node, what: &str) -> Option<Capture> {
        let fields = self.reader.fields(node, what, CAPTURE_KEYS)?;
        let secret = match fields.get("secret") {
            Some(node) => self.reader.bool(node, "`secret`")?,
            None => false,
        };
        let optional = match fields.get("optional") {
            Some(node) => self.reader.bool(node, "`optional`")?,
            None => false,
        };
        let sources: Vec<&str> = CAPTURE_SOURCES
            .iter()
            .copied()
            .filter(|source| fields.has(source))
            .collect();
        let [source_name] = sources.as_slice() else {
            self.reader
                .error(fields.position, format!("{what} needs exactly one source"))
                .help = Some(format!("use one of {}", quote_list(CAPTURE_SOURCES)));
            return None;
        };
        let source_node = fields.get(source_name)?;
        let source = match *source_name {
            "jsonpath" => {
                let expression = self.reader.non_empty_string(source_node, "JSONPath")?;
                let path = self.json_path(source_node, &expression)?;
                CaptureSource::JsonPath { path, expression }
            }
            "xpath" => {
                let expression = self.reader.non_empty_string(source_node, "XPath")?;
                CaptureSource::XPath(self.xpath(source_node, &expression)?)
            }
            "header" => {
                let header = self.reader.non_empty_string(source_node, "header name")?;
                if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
                    self.reader
                        .error(
                            source_node.position,
                            format!("invalid header name `{header}`"),
                        )
                        .help = Some("header names use letters, digits and `-`".to_string());
                    return None;
                }
                CaptureSource::Header(header)
            }
            _ => CaptureSource::Regex(self.regex(source_node)?),
        };
        Some(Capture {
            name: name.to_string(),
            source,
            secret,
            optional,
        })
    }

    /// Checks that dependencies name earlier checks, and that a check using a captured
    /// variable depends, directly or through others, on the check that captures it.
    fn check_dependencies(&mut self, checks: &[Check]) {
        let mut earlier: HashMap<&str, &Check> = HashMap::new();
        for check in checks {
            for dependency in &check.depends_on {
                if earlier.contains_key(dependency.as_str()) {
                    continue;
                }
                let help = if checks.iter().any(|other| &other.id == dependency) {
                    format!(
                        "move check `{dependency}` above `{}`: a check may depend only on checks listed before it",
                        check.id
                    )
                } else {
                    let ids: Vec<&str> = earlier.keys().copied().collect();
                    match did_you_mean(dependency, &ids) {
                        Some(suggestion) => format!("did you mean `{suggestion}`?"),
                        None => "name the id of a check listed before this one".to_string(),
                    }
                };
                self.reader
                    .error(
                        check.position,
                        format!(
                            "check `{}` depends on `{dependency}`, which is not an earlier check",
                            check.id
                        ),
                    )
                    .help = Some(help);
            }
            let reachable = dependency_closure(check, &earlier);
            for template in check.request.templates() {
                for name in template.variables() {
                    let Some(capturer) = self.captured.get(name) else {
                        continue;
                    };
                    if !reachable.contains(capturer.as_str()) {
                        self.reader
                            .error(check.position, format!("check `{}` uses `${{{name}}}`, which check `{capturer}` captures, but does not depend on it", check.id))
                            .help = Some(format!("add `depends_on: [{capturer}]` to check `{}`", check.id));
                    }
                }
            }
            earlier.insert(check.id.as_str(), check);
        }
    }

    fn request(&mut self, node: &Node) -> Option<RequestSpec> {
        let fields = self.reader.fields(node, "request", REQUEST_KEYS)?;
        let method = match fields.get("method") {
            Some(node) => self.method(node),
            None => Some("GET".to_string()),
        };
        let url = self.reader.required(&fields, "url", "request");
        let url = url.and_then(|node| self.checked_template(node, "request URL"));
        let query = match fields.get("query") {
            Some(node) => self.query(node),
            None => Vec::new(),
        };
        let headers = match fields.get("headers") {
            Some(node) => self.headers(node),
            None => Vec::new(),
        };
        let body = fields
            .get("body")
            .and_then(|node| self.checked_template(node, "request body"));
        let auth = fields.get("auth").and_then(|node| self.auth(node));
        let follow_redirects = fields
            .get("follow_redirects")
            .and_then(|node| self.reader.bool(node, "`follow_redirects`"));
        let timeout = fields
            .get("timeout")
            .and_then(|node| self.reader.positive_duration(node, "timeout"));
        let tls = match fields.get("tls") {
            Some(node) => self.tls(node),
            None => TlsSettings::default(),
        };
        Some(RequestSpec {
            method: method?,
            url: url?,
            query,
            headers,
            body,
            auth,
            follow_redirects,
            timeout,
            tls,
        })
    }

    fn method(&mut self, node: &Node) -> Option<String> {
        let written = self.reader.non_empty_string(node, "method")?;
        let method = written.to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            self.reader
                .error(node.position, format!("unsupported method `{written}`"))
                .help = Some(format!("use one of {}", quote_list(METHODS)));
            return None;
        }
        Some(method)
    }

    fn query(&mut self, node: &Node) -> Vec<(String, Template)> {
        let Some(entries) = self.reader.mapping(node, "query") else {
            return Vec::new();
        };
        let mut query = Vec::new();
        for (key, value) in entries.entries() {
            let what = format!("query parameter `{}`", key.name);
            if let Some(template) = self.checked_template(value, &what) {
                query.push((key.name.clone(), template));
            }
        }
        query
    }

    fn expect(&mut self, node: &Node) -> Option<Expectations> {
        let fields = self.reader.fields(node, "expect", EXPECT_KEYS)?;
        let status = match fields.get("status") {
            Some(node) => self.status(node),
            None => Some(StatusSpec::success()),
        };
        let headers = match fields.get("headers") {
            Some(node) => self.header_expectations(node),
            None => Vec::new(),
        };
        let body = match fields.get("body") {
            Some(node) => self.body_matchers(node),
            None => Vec::new(),
        };
        let max_duration = fields
            .get("max_duration")
            .and_then(|node| self.reader.positive_duration(node, "max_duration"));
        let certificate = match fields.get("certificate") {
            Some(node) => Some(self.certificate_expectation(node)?),
            None => None,
        };
        Some(Expectations {
            status: status?,
            headers,
            body,
            max_duration,
            certificate,
        })
    }

    fn status(&mut self, node: &Node) -> Option<StatusSpec> {
        let items: Vec<&Node> = match &node.value {
            Value::Sequence(items) if !items.is_empty() => items.iter().collect(),
            Value::Sequence(_) => {
                self.reader
                    .error(node.position, "invalid status: the list is empty");
                return None;
            }
            _ => vec![node],
        };
        let mut patterns = Vec::new();
        for item in items {
            let parsed = match item.value.scalar_text() {
                Some(text) if !matches!(item.value, Value::Bool(_)) => StatusPattern::parse(&text),
                _ => Err(format!(
                    "invalid status: expected a code, class or range, found {}",
                    item.value.kind()
                )),
            };
            match parsed {
                Ok(pattern) => patterns.push(pattern),
                Err(message) => {
                    self.reader.error(item.position, message);
                }
            }
        }
        (!patterns.is_empty()).then(|| StatusSpec::new(patterns))
    }

    fn header_expectations(&mut self, node: &Node) -> Vec<HeaderExpectation> {
        let Some(entries) = self.reader.mapping(node, "expected headers") else {
            return Vec::new();
        };
        let mut expectations = Vec::new();
        for (key, value) in entries.entries() {
            let what = format!("expected header `{}`", key.name);
            let matcher = match &value.value {
                Value::Mapping(_) => {
                    let Some(fields) = self.reader.fields(value, &what, HEADER_MATCH_KEYS) else {
                        continue;
                    };
                    match (fields.get("equals"), fields.get("regex")) {
                        (Some(text), None) => {
                            self.reader.string(text, &what).map(TextMatcher::Exact)
                        }
                        (None, Some(pattern)) => self.regex(pattern).map(TextMatcher::Regex),
                        _ => {
                            self.reader
                                .error(
                                    value.position,
                                    format!("{what} needs exactly one of `equals` and `regex`"),
                                )
                                .help =
                                Some("write `equals: TEXT` or `regex: PATTERN`".to_string());
                            None
                        }
                    }
                }
                _ => self.reader.string(value, &what).map(TextMatcher::Exact),
            };
            if let Some(matcher) = matcher {
                expectations.push(HeaderExpectation {
                    name: key.name.clone(),
                    matcher,
                });
            }
        }
        expectations
    }

    fn body_matchers(&mut self, node: &Node) -> Vec<BodyMatcher> {
        let Some(items) = self.reader.list(node, "body matchers") else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.body_matcher(item))
            .collect()
    }

    fn body_matcher(&mut self, node: &Node) -> Option<BodyMatcher> {
        let Value::Mapping(entries) = &node.value else {
            self.reader
                .error(
                    node.position,
                    format!(
                        "invalid body matcher: expected a mapping, found {}",
                        node.value.kind()
                    ),
                )
                .help = Some(format!(
                "start the matcher with one of {}",
                quote_list(MATCHER_KINDS)
            ));
            return None;
        };
        let is_path = entries
            .iter()
            .any(|(key, _)| key.name == "jsonpath" || key.name == "xpath");
        if is_path {
            return self.path_matcher(node);
        }
        let fields = self.reader.fields(node, "a body matcher", MATCHER_KINDS)?;
        let kinds: Vec<&str> = ["contains", "regex", "equals"]
            .into_iter()
            .filter(|kind| fields.has(kind))
            .collect();
        match kinds.as_slice() {
            ["contains"] => {
                let text = self.reader.string(fields.get("contains")?, "`contains`")?;
                Some(BodyMatcher::Contains(text))
            }
            ["regex"] => self.regex(fields.get("regex")?).map(BodyMatcher::Regex),
            ["equals"] => {
                let text = self.reader.string(fields.get("equals")?, "`equals`")?;
                Some(BodyMatcher::Equals(text))
            }
            [] => {
                self.reader
                    .error(node.position, "invalid body matcher: it sets no matcher")
                    .help = Some(format!("use one of {}", quote_list(MATCHER_KINDS)));
                None
            }
            _ => {
                self.reader
                    .error(
                        node.position,
                        format!(
                            "invalid body matcher: it sets {} together",
                            quote_list(&kinds)
                        ),
                    )
                    .help = Some("write each as its own list item".to_string());
                None
            }
        }
    }

    fn path_matcher(&mut self, node: &Node) -> Option<BodyMatcher> {
        let fields = self
            .reader
            .fields(node, "a body matcher", PATH_MATCHER_KEYS)?;
        let predicates = self.predicates(&fields);
        match (fields.get("jsonpath"), fields.get("xpath")) {
            (Some(expression_node), None) => {
                let expression = self.reader.non_empty_string(expression_node, "JSONPath")?;
                let path = self.json_path(expression_node, &expression)?;
                Some(BodyMatcher::JsonPath {
                    path,
                    expression,
                    predicates: predicates?,
                })
            }
            (None, Some(expression_node)) => {
                let expression = self.reader.non_empty_string(expression_node, "XPath")?;
                let path = self.xpath(expression_node, &expression)?;
                Some(BodyMatcher::XPath {
                    path,
                    predicates: predicates?,
                })
            }
            _ => {
                self.reader
                    .error(
                        node.position,
                        "invalid body matcher: it sets both `jsonpath` and `xpath`",
                    )
                    .help = Some("write each as its own list item".to_string());
                None
            }
        }
    }

    fn json_path(&mut self, node: &Node, expression: &str) -> Option<JsonPath> {
        // Large suites repeat the same paths, and parsing one costs more than a copy.
        if let Some(path) = self.json_paths.get(expression) {
            return Some(path.clone());
        }
        match JsonPath::parse(expression) {
            Ok(path) => {
                self.json_paths.insert(expression.to_string(), path.clone());
                Some(path)
            }
            Err(error) => {
                // serde_json_path 0.7 documents a 1-based position but returns the 0-based
                // byte offset of the problem.
                let bytes = error.position().min(expression.len());
                let offset = expression
                    .get(..bytes)
                    .map_or(0, |prefix| prefix.chars().count());
                let position = self.reader.offset_position(node, offset);
                self.reader
                    .error(
                        position,
                        format!("invalid JSONPath `{expression}`: {}", error.message()),
                    )
                    .help = Some(
                    "write an RFC 9535 JSONPath such as `$.SearchResult.total` or `$[*].id`"
                        .to_string(),
                );
                None
            }
        }
    }

    fn xpath(&mut self, node: &Node, expression: &str) -> Option<XPath> {
        match XPath::parse(expression) {
            Ok(path) => Some(path),
            Err(error) => {
                let position = self.reader.offset_position(node, error.offset);
                self.reader
                    .error(position, format!("invalid XPath `{expression}`: {error}"))
                    .help =
                    Some("see the supported XPath subset in docs/suite-format.md".to_string());
                None
            }
        }
    }

    fn predicates(&mut self, fields: &Fields<'_>) -> Option<Vec<ValuePredicate>> {
        let mut predicates = Vec::new();
        let mut ok = true;
        if let Some(node) = fields.get("exists") {
            match self.reader.bool(node, "`exists`") {
                Some(value) => predicates.push(ValuePredicate::Exists(value)),
                None => ok = false,
            }
        }
        if let Some(node) = fields.get("equals") {
            match to_json(&node.value) {
                Some(value) => predicates.push(ValuePredicate::Equals {
                    value,
                    written: match &node.value {
                        Value::Integer(_, text) | Value::Float(_, text) => Some(text.clone()),
                        _ => None,
                    },
                }),
                None => {
                    ok = false;
                    self.reader.error(
                        node.position,
                        "invalid `equals`: the value cannot be compared with JSON",
                    );
                }
            }
        }
        if let Some(node) = fields.get("matches") {
            match self.regex(node) {
                Some(regex) => predicates.push(ValuePredicate::Matches(regex)),
                None => ok = false,
            }
        }
        if let Some(node) = fields.get("count") {
            match &node.value {
                Value::Integer(count, _) if *count >= 0 => {
                    predicates.push(ValuePredicate::Count(
                        usize::try_from(*count).unwrap_or(usize::MAX),
                    ));
                }
                _ => {
                    ok = false;
                    self.reader.error(
                        node.position,
                        format!(
                            "invalid `count`: expected a whole number, found {}",
                            node.value.kind()
                        ),
                    );
                }
            }
        }
        if predicates.is_empty() {
            predicates.push(ValuePredicate::Exists(true));
        }
        ok.then_some(predicates)
    }

    fn regex(&mut self, node: &Node) -> Option<SharedRegex> {
        let pattern = self.reader.string(node, "regex")?;
        // Large suites repeat the same patterns in every check, so each distinct pattern is
        // compiled once.
        if let Some(regex) = self.regexes.get(&pattern) {
            return Some(Arc::clone(regex));
        }
        match Regex::new(&pattern) {
            Ok(regex) => {
                let regex = Arc::new(regex);
                self.regexes.insert(pattern, Arc::clone(&regex));
                Some(regex)
            }
            Err(error) => {
                let reason = regex_reason(&error);
                self.reader
                    .error(node.position, format!("invalid regex `{pattern}`: {reason}"))
                    .help = Some("the syntax is Rust's regex crate (like RE2); escape literal characters such as `(`, `[` and `.` with `\\`".to_string());
                None
            }
        }
    }

    fn hints(&mut self, node: &Node, check_ids: Option<&[String]>) -> Vec<HintRule> {
        let Some(items) = self.reader.list(node, "hints") else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.hint(item, check_ids))
            .collect()
    }

    fn hint(&mut self, node: &Node, check_ids: Option<&[String]>) -> Option<HintRule> {
        let fields = self.reader.fields(node, "a hint rule", HINT_KEYS)?;
        let id_node = self.reader.required(&fields, "id", "a hint rule");
        let id = id_node.and_then(|node| self.identifier(node, "hint id"));
        let title = self
            .reader
            .required(&fields, "title", "a hint rule")
            .and_then(|node| self.reader.non_empty_string(node, "hint title"));
        if let (Some(title), Some(node)) = (&title, fields.get("title"))
            && title.trim().contains('\n')
        {
            self.reader
                .error(node.position, "invalid hint title: it spans several lines")
                .help =
                Some("keep the title to one line and move the rest to `explanation`".to_string());
        }
        let explanation = self
            .reader
            .required(&fields, "explanation", "a hint rule")
            .and_then(|node| self.reader.non_empty_string(node, "hint explanation"));
        let when = match fields.get("when") {
            Some(node) => self.condition(node, check_ids),
            None => Some(HintCondition::default()),
        };
        Some(HintRule {
            id: id?,
            title: title?.trim().to_string(),
            explanation: explanation?.trim_end().to_string(),
            when: when?,
            position: id_node.map_or(node.position, |node| node.position),
        })
    }

    fn condition(&mut self, node: &Node, check_ids: Option<&[String]>) -> Option<HintCondition> {
        let mut allowed: Vec<&str> = WHEN_KEYS.to_vec();
        if check_ids.is_none() {
            allowed.retain(|key| *key != "checks");
        }
        let fields = self.reader.fields(node, "a hint condition", &allowed)?;
        let mut condition = HintCondition::default();
        let mut ok = true;
        if let Some(node) = fields.get("status") {
            condition.status = self.status(node);
            ok &= condition.status.is_some();
        }
        if let Some(node) = fields.get("error") {
            for (name, position) in self.reader.string_list(node, "error kind") {
                match ErrorKindPattern::parse(&name) {
                    Some(pattern) => condition.error.push(pattern),
                    None => {
                        ok = false;
                        let names = ErrorKindPattern::valid_names();
                        let help = match did_you_mean(&name, &names) {
                            Some(suggestion) => format!("did you mean `{suggestion}`?"),
                            None => format!("valid kinds: {}", quote_list(&names)),
                        };
                        self.reader
                            .error(position, format!("unknown error kind `{name}`"))
                            .help = Some(help);
                    }
                }
            }
        }
        if condition.status.is_some() && !condition.error.is_empty() {
            self.reader
                .error(fields.position, "a hint condition cannot require both a status and an error kind")
                .help = Some("a status means a response arrived and an error kind means none did; split the rule in two".to_string());
            ok = false;
        }
        if let Some(node) = fields.get("body") {
            condition.body = self.regex(node);
            ok &= condition.body.is_some();
        }
        if let Some(node) = fields.get("vantages") {
            match self.vantage_list(node) {
                Some(names) => condition.vantages = names,
                None => ok = false,
            }
        }
        if let Some(node) = fields.get("after_passed") {
            match self.vantage_list(node) {
                Some(names) => condition.after_passed = names,
                None => ok = false,
            }
        }
        if let Some(node) = fields.get("after_failed") {
            match self.vantage_list(node) {
                Some(names) => condition.after_failed = names,
                None => ok = false,
            }
        }
        if let Some(name) = condition
            .after_passed
            .iter()
            .find(|name| condition.after_failed.contains(name))
        {
            ok = false;
            let position = fields
                .get("after_failed")
                .map_or(fields.position, |n| n.position);
            self.reader
                .error(
                    position,
                    format!("vantage `{name}` is in both `after_passed` and `after_failed`"),
                )
                .help = Some(
                "a check has one outcome at each vantage, so this rule can never match; keep the vantage in one of the lists".to_string(),
            );
        }
        if let (Some(node), Some(check_ids)) = (fields.get("checks"), check_ids) {
            for (id, position) in self.reader.string_list(node, "check id") {
                if check_ids.contains(&id) {
                    condition.checks.push(id);
                    continue;
                }
                ok = false;
                let ids: Vec<&str> = check_ids.iter().map(String::as_str).collect();
                let help = match did_you_mean(&id, &ids) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => format!("the suite's checks are {}", quote_list(&ids)),
                };
                self.reader
                    .error(position, format!("unknown check `{id}`"))
                    .help = Some(help);
            }
        }
        ok.then_some(condition)
    }

    /// Reads a list of vantage names, reporting each one the suite does not define. Returns
    /// `None` when any name is unknown.
    fn vantage_list(&mut self, node: &Node) -> Option<Vec<String>> {
        let mut known = Vec::new();
        let mut ok = true;
        for (name, position) in self.reader.string_list(node, "vantage") {
            if self.vantage_names.contains(&name) {
                known.push(name);
                continue;
            }
            ok = false;
            let names: Vec<&str> = self.vantage_names.iter().map(String::as_str).collect();
            let help = match did_you_mean(&name, &names) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => format!("the suite's vantages are {}", quote_list(&names)),
            };
            self.reader
                .error(position, format!("unknown vantage `{name}`"))
                .help = Some(help);
        }
        ok.then_some(known)
    }

    /// Reports hint ids used twice, from the raw `id` values, so that a rule with other
    /// problems still counts.
    fn unique_hint_ids(&mut self, root: &Node) {
        let check_hints = root
            .get("checks")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .flat_map(|check| check.get("hints").map(Node::items).unwrap_or_default());
        let suite_hints = root.get("hints").map(Node::items).unwrap_or_default();
        let rules = check_hints.chain(suite_hints.iter());

        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut duplicates = Vec::new();
        for rule in rules {
            let Some(id_node) = rule.get("id") else {
                continue;
            };
            let Some(id) = id_node.value.scalar_text() else {
                continue;
            };
            match seen.get(&id) {
                Some(line) => duplicates.push((id_node.position, id, *line)),
                None => {
                    seen.insert(id, id_node.position.line);
                }
            }
        }
        for (position, id, line) in duplicates {
            self.reader
                .error(position, format!("duplicate hint id `{id}`"))
                .help = Some(format!(
                "hint ids appear in reports and must be unique; `{id}` is already used on line {line}"
            ));
        }
    }

    /// Warns about checks without any hint rule. Their failures get only the generic
    /// diagnosis, which does not help on a ticket.
    fn warn_unhinted(&mut self, checks: &[Check], suite_hints: &[HintRule]) {
        // A hint rule with an error is missing from the lists below, so the warning would
        // send the author looking for a `hints:` that is there.
        if self.reader.has_errors() {
            return;
        }
        let covered: HashSet<&str> = suite_hints
            .iter()
            .flat_map(|rule| rule.when.checks.iter().map(String::as_str))
            .collect();
        let suite_wide = suite_hints.iter().any(|rule| rule.when.checks.is_empty());
        for check in checks {
            if check.hints.is_empty() && !suite_wide && !covered.contains(check.id.as_str()) {
                let warning = self.reader.warning(
                    check.position,
                    format!("check `{}` has no hint rules", check.id),
                );
                warning.help = Some(
                    "add `hints:` that say what a failure means and what to check next".to_string(),
                );
                warning.unhinted_check = true;
            }
        }
    }

    /// Reads an id or name used in reports and on the command line.
    fn identifier(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = self.reader.non_empty_string(node, what)?;
        let valid = text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            self.reader
                .error(node.position, format!("invalid {what} `{text}`"))
                .help = Some("use letters, digits, `-`, `_` and `.` only".to_string());
            return None;
        }
        Some(text)
    }
}

/// Keeps the line of a regex error that names the problem, dropping the pattern echo and the
/// caret the regex crate prints.
fn regex_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .find_map(|line| line.trim().strip_prefix("error: "))
        .unwrap_or(text.lines().last().unwrap_or_default())
        .to_string()
}

fn to_json(value: &Value) -> Option<serde_json::Value> {
    Some(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Integer(i, _) => match i64::try_from(*i) {
            Ok(i) => serde_json::Value::from(i),
            Err(_) => serde_json::Value::from(u64::try_from(*i).ok()?),
        },
        Value::Float(f, _) => serde_json::Value::from(serde_json::Number::from_f64(*f)?),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Sequence(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|item| to_json(&item.value))
                .collect::<Option<_>>()?,
        ),
        Value::Mapping(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(key, node)| Some((key.name.clone(), to_json(&node.value)?)))
                .collect::<Option<_>>()?,
        ),
    })
}

/// Turns a suite name into an id: lowercase letters and digits joined by `-`.
fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "suite".to_string()
    } else {
        slug
    }
}

fn relative_to(suite_path: &Path, file: &str) -> PathBuf {
    let file = Path::new(file);
    if file.is_absolute() {
        return file.to_path_buf();
    }
    suite_path
        .parent()
        .map_or_else(|| file.to_path_buf(), |folder| folder.join(file))
}

/// Ids of every check that `check` depends on, directly or through other checks.
fn dependency_closure<'a>(
    check: &'a Check,
    earlier: &HashMap<&str, &'a Check>,
) -> HashSet<&'a str> {
    let mut reachable = HashSet::new();
    let mut pending: Vec<&str> = check.depends_on.iter().map(String::as_str).collect();
    while let Some(id) = pending.pop() {
        let Some(dependency) = earlier.get(id) else {
            continue;
        };
        if reachable.insert(dependency.id.as_str()) {
            pending.extend(dependency.depends_on.iter().map(String::as_str));
        }
    }
    reachable
}
