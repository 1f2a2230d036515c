//! Turning a suite, a vantage and the environment into concrete requests, before anything is
//! sent: every variable resolved, every URL valid.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use crate::run::network::{self, ClientSettings, NetworkOptions, ProxyChoice};
use crate::secret::{Redactor, Secret};
use crate::suite::{Auth, Check, ProxySetting, Suite, Template, Vantage, VariableSource};

/// Settings for one run that come from the command line.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// `None` picks the suite's first vantage.
    pub vantage: Option<String>,
    /// `--var NAME=VALUE`, overriding the suite and the environment.
    pub vars: Vec<(String, String)>,
    /// Network and TLS settings that override the suite's.
    pub network: NetworkOptions,
    /// Checks in flight at once.
    pub concurrency: usize,
    /// Bytes of each response body kept for matching and reports.
    pub body_limit: usize,
    /// `--check ID`: run only these checks (and what they depend on).
    pub checks: Vec<String>,
    /// `--tag TAG` or `--tag 'not TAG'`: select checks by tag.
    pub tags: Vec<String>,
    /// Stop sending new checks after the first that does not pass.
    pub fail_fast: bool,
    /// Results of earlier runs of the same suite at other vantages, for hint rules that
    /// depend on them.
    pub baseline: Vec<crate::results::RunResults>,
    /// Send every check even after a credential was rejected, at the risk of locking the
    /// account.
    pub allow_auth_retries: bool,
    /// Credentials that an earlier run in this process saw rejected with 401, and the check
    /// that got the 401, so that this run does not send them again.
    pub rejected: Vec<RejectedCredential>,
}

#[derive(Clone, Debug)]
pub struct RejectedCredential {
    pub user: String,
    pub password: Secret,
    /// Names the check and where it ran, as skip reasons show it.
    pub check: String,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            vantage: None,
            vars: Vec::new(),
            network: NetworkOptions::default(),
            concurrency: 8,
            body_limit: 1024 * 1024,
            checks: Vec::new(),
            tags: Vec::new(),
            fail_fast: false,
            baseline: Vec::new(),
            allow_auth_retries: false,
            rejected: Vec::new(),
        }
    }
}

/// An error that stops a run before anything is sent. Each is a usage problem: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("unknown vantage `{name}`; this suite defines: {}", valid.join(", "))]
    UnknownVantage { name: String, valid: Vec<String> },
    #[error("{}", missing_message(.0))]
    MissingVariables(Vec<MissingVariable>),
    #[error("unknown variable `{name}` in --var; this suite defines: {}", if valid.is_empty() { "no variables".to_string() } else { valid.join(", ") })]
    UnknownOverride { name: String, valid: Vec<String> },
    #[error("invalid --var `{0}`: write NAME=VALUE")]
    InvalidOverride(String),
    #[error("empty value in --var {0}=: give the variable a value")]
    EmptyOverride(String),
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error("{0}")]
    ConnectTo(String),
    #[error("invalid proxy URL from {source_name}: {reason}")]
    InvalidProxy { source_name: String, reason: String },
    #[error("unknown check `{name}` in --check; {}", suggest(.name, .valid, "this suite's checks are"))]
    UnknownCheck { name: String, valid: Vec<String> },
    #[error("no check has tag `{name}` (from --tag); {}", suggest(.name, .valid, "the suite's tags are"))]
    UnknownTag { name: String, valid: Vec<String> },
    #[error("the selection matches no check; drop a --check or --tag option")]
    NothingSelected,
    #[error("check `{check}`: invalid URL `{url}`: {reason}")]
    InvalidUrl {
        check: String,
        url: String,
        reason: String,
    },
    #[error("check `{check}`: invalid value for header `{header}`: {reason}")]
    InvalidHeader {
        check: String,
        header: String,
        reason: String,
    },
}

#[derive(Debug)]
pub struct MissingVariable {
    pub name: String,
    pub env: String,
    pub secret: bool,
}

fn suggest(name: &str, valid: &[String], intro: &str) -> String {
    let names: Vec<&str> = valid.iter().map(String::as_str).collect();
    match crate::suite::diagnostic::did_you_mean(name, &names) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None if names.is_empty() => format!("{intro} none"),
        None => format!("{intro} {}", names.join(", ")),
    }
}

fn missing_message(missing: &[MissingVariable]) -> String {
    missing
        .iter()
        .map(|variable| {
            // A secret on the command line would stay in the shell history and show in `ps`.
            let alternative = if variable.secret {
                String::new()
            } else {
                format!(" or pass --var {}=VALUE", variable.name)
            };
            format!(
                "missing variable `{}`: the environment variable {} is unset or empty; set it{alternative}",
                variable.name, variable.env
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A run ready to execute.
pub struct Plan {
    pub vantage: Vantage,
    /// Rendered base URL, redacted; empty when the suite sets none.
    pub target: String,
    pub redactor: Redactor,
    /// The selected checks, in suite order.
    pub checks: Vec<PlannedCheck>,
    pub concurrency: usize,
    pub body_limit: usize,
    pub fail_fast: bool,
    pub allow_auth_retries: bool,
    pub rejected: Vec<RejectedCredential>,
    /// True when certificate verification is off for at least one check.
    pub insecure: bool,
    /// Resolved variables; captured values join them while the run goes on.
    pub values: HashMap<String, String>,
    /// Outcomes at other vantages, from `baseline`.
    pub history: crate::diagnose::History,
    base_url: Option<String>,
    network: NetworkOptions,
    /// Proxy variables of the environment, read once when the run was planned.
    proxy_environment: HashMap<&'static str, String>,
    /// `connect_to` rules with their targets resolved once when the run was planned.
    routes: Vec<network::ConnectRoute>,
    /// Problems that do not stop the run, for the console.
    pub warnings: Vec<String>,
    /// Requests being sent right now, for the progress bar.
    pub in_flight: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// Environment variables that choose a proxy.
const PROXY_VARIABLES: [&str; 7] = [
    "HTTPS_PROXY",
    "https_proxy",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

pub struct PlannedCheck {
    /// Index into the suite's checks.
    pub index: usize,
    /// Set when the check is not sent at this vantage.
    pub skip_reason: Option<String>,
    /// The request with captured values shown as placeholders, for dry runs and for checks
    /// that are skipped before their captures exist.
    pub preview: PreparedRequest,
}

impl Plan {
    /// Returns the client settings of every planned request, for building the clients up front.
    pub fn client_settings(&self) -> impl Iterator<Item = &ClientSettings> {
        self.checks.iter().map(|planned| &planned.preview.client)
    }

    /// Renders a check's request with the variables known now, including captured ones.
    pub fn prepare(
        &self,
        suite: &Suite,
        index: usize,
        values: &HashMap<String, String>,
    ) -> Result<PreparedRequest, PlanError> {
        let context = Context {
            suite,
            vantage: &self.vantage,
            base_url: self.base_url.as_deref(),
            network: &self.network,
            proxy_environment: &self.proxy_environment,
            routes: &self.routes,
        };
        prepare(&context, &suite.checks[index], values)
    }
}

pub struct PreparedRequest {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Option<String>,
    pub basic_auth: Option<(String, Secret)>,
    pub timeout: Duration,
    /// Which HTTP client sends the request: TLS, proxy, DNS overrides, source address, and
    /// whether redirects are followed.
    pub client: ClientSettings,
    pub proxy: ProxyChoice,
    /// Set when a `connect_to` rule sends the connection to another host or port.
    pub connect_to: Option<network::ConnectRedirect>,
    /// The `resolve` override that gave the URL's host its address, as `HOST -> ADDRESS
    /// (source)`, for reports.
    pub resolve_rule: Option<String>,
}

impl PreparedRequest {
    /// Returns the URL the HTTP client connects to: the request's URL, with the port of a
    /// `connect_to` rule. The host stays, so that TLS checks the certificate against it.
    pub fn connection_url(&self) -> std::borrow::Cow<'_, Url> {
        match self.connect_to.as_ref().and_then(|redirect| redirect.port) {
            Some(port) => {
                let mut url = self.url.clone();
                // Fails only for URLs without a host, which the planner rejects.
                let _ = url.set_port(Some(port));
                std::borrow::Cow::Owned(url)
            }
            None => std::borrow::Cow::Borrowed(&self.url),
        }
    }
}

pub fn plan(
    suite: &Suite,
    options: &RunOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, PlanError> {
    let vantage = match &options.vantage {
        Some(name) => suite
            .vantage(name)
            .cloned()
            .ok_or_else(|| PlanError::UnknownVantage {
                name: name.clone(),
                valid: suite.vantages.iter().map(|v| v.name.clone()).collect(),
            })?,
        None => suite.vantages[0].clone(),
    };
    let selected = select(suite, options)?;
    let used = used_variables(suite, &vantage, options, &selected);
    let ResolvedVariables {
        values,
        redactor,
        warnings,
    } = resolve_variables(suite, options, env, &used)?;
    let render = |template: &Template| template.render(&values);
    let base_url = match &options.network.base_url {
        Some(base_url) => Some(base_url.clone()),
        None => vantage
            .network
            .base_url
            .as_ref()
            .or(suite.defaults.base_url.as_ref())
            .map(render),
    };
    if let Some(base_url) = &base_url {
        let invalid = |reason: &str| PlanError::InvalidBaseUrl {
            url: redactor.redact_owned(base_url.clone()),
            reason: reason.to_string(),
        };
        // Without a host, the first path segment would become one: `https://` joined to
        // `/ers/config` sends the request, and the credentials, to a host named `ers`.
        match Url::parse(base_url) {
            Ok(url) if url.host_str().is_some_and(|host| !host.is_empty()) => {}
            Ok(_) => return Err(invalid("it names no host; check the variables it uses")),
            Err(error) => return Err(invalid(&error.to_string())),
        }
    }
    let proxy_environment: HashMap<&'static str, String> = PROXY_VARIABLES
        .iter()
        .filter_map(|name| Some((*name, env(name)?)))
        .collect();
    let routes =
        network::connect_routes(&vantage, &options.network).map_err(PlanError::ConnectTo)?;
    let context = Context {
        suite,
        vantage: &vantage,
        base_url: base_url.as_deref(),
        network: &options.network,
        proxy_environment: &proxy_environment,
        routes: &routes,
    };

    // Captured values exist only once their check has run; a placeholder replaces them,
    // so that every request can be checked now and shown by a dry run.
    let mut preview_values = values.clone();
    for check in &suite.checks {
        for capture in &check.captures {
            preview_values.insert(capture.name.clone(), format!("captured:{}", capture.name));
        }
    }

    let mut redactor = redactor;
    let mut checks = Vec::with_capacity(selected.len());
    for index in selected {
        let check = &suite.checks[index];
        let preview = prepare(&context, check, &preview_values)?;
        if let Some((user, password)) = &preview.basic_auth {
            redactor.add_basic_auth(user, password.expose());
        }
        if let Some(proxy) = &preview.client.proxy {
            add_url_credentials(&mut redactor, proxy.expose());
        }
        for (name, value) in &preview.headers {
            if crate::secret::is_sensitive_header(name.as_str()) {
                redactor.add_credential_header(&String::from_utf8_lossy(value.as_bytes()));
            }
        }
        let skip_reason = (!check.vantages.is_empty() && !check.vantages.contains(&vantage.name))
            .then(|| {
                format!(
                    "runs only at vantage {}, not at {}",
                    check.vantages.join(", "),
                    vantage.name
                )
            });
        checks.push(PlannedCheck {
            index,
            skip_reason,
            preview,
        });
    }

    let target = redactor.redact_owned(base_url.clone().unwrap_or_default());
    Ok(Plan {
        vantage,
        target,
        redactor,
        checks,
        concurrency: options.concurrency.max(1),
        body_limit: options.body_limit,
        fail_fast: options.fail_fast,
        allow_auth_retries: options.allow_auth_retries,
        rejected: options.rejected.clone(),
        insecure: network::any_insecure(suite, &options.network),
        values,
        history: crate::diagnose::History::from_runs(&options.baseline),
        base_url,
        network: options.network.clone(),
        proxy_environment,
        routes,
        warnings,
        in_flight: std::sync::Arc::default(),
    })
}

/// Masks the user information of a URL, such as a proxy's password.
fn add_url_credentials(redactor: &mut Redactor, url: &str) {
    let Ok(parsed) = Url::parse(url) else {
        // An unparsable URL could still carry a password; it is masked whole.
        redactor.add(url);
        return;
    };
    if let Some(password) = parsed.password() {
        redactor.add(password);
        let decoded = percent_encoding::percent_decode_str(password).decode_utf8_lossy();
        redactor.add(&decoded);
    }
}

/// What preparing a request needs besides the check and the variable values.
struct Context<'a> {
    suite: &'a Suite,
    vantage: &'a Vantage,
    base_url: Option<&'a str>,
    network: &'a NetworkOptions,
    proxy_environment: &'a HashMap<&'static str, String>,
    routes: &'a [network::ConnectRoute],
}

/// Returns the indexes of the checks that `--check` and `--tag` select, with everything they
/// depend on, in suite order. Without either option, every check is selected.
fn select(suite: &Suite, options: &RunOptions) -> Result<Vec<usize>, PlanError> {
    let ids: Vec<String> = suite.checks.iter().map(|check| check.id.clone()).collect();
    let mut all_tags: Vec<String> = suite
        .checks
        .iter()
        .flat_map(|check| check.tags.iter().cloned())
        .collect();
    all_tags.sort();
    all_tags.dedup();

    for id in &options.checks {
        if !ids.contains(id) {
            return Err(PlanError::UnknownCheck {
                name: id.clone(),
                valid: ids.clone(),
            });
        }
    }
    let mut include_tags = Vec::new();
    let mut exclude_tags = Vec::new();
    for tag in &options.tags {
        let (negated, name) = match tag.trim().strip_prefix("not ") {
            Some(name) => (true, name.trim()),
            None => (false, tag.trim()),
        };
        if !all_tags.iter().any(|known| known == name) {
            return Err(PlanError::UnknownTag {
                name: name.to_string(),
                valid: all_tags.clone(),
            });
        }
        if negated {
            exclude_tags.push(name.to_string());
        } else {
            include_tags.push(name.to_string());
        }
    }

    let positive = !options.checks.is_empty() || !include_tags.is_empty();
    let mut selected: Vec<bool> = suite
        .checks
        .iter()
        .map(|check| {
            let included = !positive
                || options.checks.contains(&check.id)
                || check.tags.iter().any(|tag| include_tags.contains(tag));
            let excluded = check.tags.iter().any(|tag| exclude_tags.contains(tag));
            included && !excluded
        })
        .collect();

    // Dependencies come before their dependents in the file, so one backwards pass reaches
    // every check that a selected one needs.
    for index in (0..suite.checks.len()).rev() {
        if !selected[index] {
            continue;
        }
        for dependency in &suite.checks[index].depends_on {
            if let Some(position) = ids.iter().position(|id| id == dependency) {
                selected[position] = true;
            }
        }
    }
    let chosen: Vec<usize> = (0..suite.checks.len()).filter(|&i| selected[i]).collect();
    if chosen.is_empty() {
        return Err(PlanError::NothingSelected);
    }
    Ok(chosen)
}

/// Returns the variables that a run of the `selected` checks at `vantage` uses: those of the
/// checks' requests, of the defaults' headers and authentication, of the vantage's proxy and
/// of the base URL in effect. A variable that only another vantage's settings use, or only a
/// base URL that the vantage or `--base-url` replaces, need not be set.
fn used_variables<'a>(
    suite: &'a Suite,
    vantage: &'a Vantage,
    options: &RunOptions,
    selected: &[usize],
) -> HashSet<&'a str> {
    let mut templates: Vec<&Template> = Vec::new();
    if options.network.base_url.is_none() {
        templates.extend(
            vantage
                .network
                .base_url
                .as_ref()
                .or(suite.defaults.base_url.as_ref()),
        );
    }
    if let Some(ProxySetting::Url(proxy)) = &vantage.network.proxy {
        templates.push(proxy);
    }
    templates.extend(suite.defaults.headers.iter().map(|(_, value)| value));
    if let Auth::Basic { user, password } = &suite.defaults.auth {
        templates.push(user);
        templates.push(password);
    }
    for index in selected {
        templates.extend(suite.checks[*index].request.templates());
    }
    templates
        .into_iter()
        .flat_map(Template::variables)
        .collect()
}

fn resolve_variables(
    suite: &Suite,
    options: &RunOptions,
    env: &dyn Fn(&str) -> Option<String>,
    used: &HashSet<&str>,
) -> Result<ResolvedVariables, PlanError> {
    let mut overrides: HashMap<&str, &str> = HashMap::new();
    for (name, value) in &options.vars {
        if suite.variable(name).is_none() {
            return Err(PlanError::UnknownOverride {
                name: name.clone(),
                valid: suite.variables.iter().map(|v| v.name.clone()).collect(),
            });
        }
        if value.is_empty() {
            return Err(PlanError::EmptyOverride(name.clone()));
        }
        overrides.insert(name, value);
    }
    let mut values = HashMap::new();
    let mut redactor = Redactor::new();
    let mut missing = Vec::new();
    let mut warnings = Vec::new();
    for variable in &suite.variables {
        let value = match (overrides.get(variable.name.as_str()), &variable.source) {
            (Some(value), _) => Some(value.to_string()),
            (None, VariableSource::Literal(value)) => Some(value.clone()),
            (None, VariableSource::Env { name, default }) => env(name)
                .filter(|value| !value.is_empty())
                .or_else(|| default.clone()),
        };
        let Some(value) = value else {
            if !used.contains(variable.name.as_str()) {
                continue;
            }
            let env = match &variable.source {
                VariableSource::Env { name, .. } => name.clone(),
                VariableSource::Literal(_) => variable.name.clone(),
            };
            missing.push(MissingVariable {
                name: variable.name.clone(),
                env,
                secret: variable.secret,
            });
            continue;
        };
        if variable.secret && !redactor.add(&value) {
            warnings.push(format!(
                "the value of secret variable `{}` is shorter than {} characters, so it is not masked in outputs: it cannot be told apart from ordinary text",
                variable.name,
                crate::secret::MIN_SECRET_CHARS
            ));
        }
        values.insert(variable.name.clone(), value);
    }
    if !missing.is_empty() {
        return Err(PlanError::MissingVariables(missing));
    }
    Ok(ResolvedVariables {
        values,
        redactor,
        warnings,
    })
}

/// Variable values, the redactor that masks the secret ones, and warnings about them.
struct ResolvedVariables {
    values: HashMap<String, String>,
    redactor: Redactor,
    warnings: Vec<String>,
}

/// Splits `--var NAME=VALUE`.
pub fn parse_override(text: &str) -> Result<(String, String), PlanError> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(PlanError::InvalidOverride(text.to_string())),
    }
}

fn prepare(
    context: &Context<'_>,
    check: &Check,
    values: &HashMap<String, String>,
) -> Result<PreparedRequest, PlanError> {
    let suite = context.suite;
    let base_url = context.base_url;
    let request = &check.request;
    let path = request.url.render(values);
    let joined = join_url(base_url, &path);
    let invalid_url = |reason: String| PlanError::InvalidUrl {
        check: check.id.clone(),
        url: joined.clone(),
        reason,
    };
    let mut url = Url::parse(&joined).map_err(|error| {
        let reason = if base_url.is_none() && !path.contains("://") {
            "the URL is relative and the suite sets no `defaults.base_url`".to_string()
        } else {
            error.to_string()
        };
        invalid_url(reason)
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid_url("the scheme must be http or https".to_string()));
    }
    if !request.query.is_empty() {
        let mut query = url.query().map(str::to_string).unwrap_or_default();
        for (name, value) in &request.query {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&encode_query_part(name));
            query.push('=');
            query.push_str(&encode_query_part(&value.render(values)));
        }
        url.set_query(Some(&query));
    }

    let mut headers = HeaderMap::new();
    let defaults = suite.defaults.headers.iter();
    for (name, value) in defaults.chain(request.headers.iter()) {
        let invalid = |reason: String| PlanError::InvalidHeader {
            check: check.id.clone(),
            header: name.clone(),
            reason,
        };
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| invalid(e.to_string()))?;
        let value = HeaderValue::from_str(&value.render(values)).map_err(|_| {
            invalid("it contains a line break or other control character".to_string())
        })?;
        // A check's header replaces the default of the same name.
        headers.insert(name, value);
    }

    let auth = request.auth.as_ref().unwrap_or(&suite.defaults.auth);
    let basic_auth = match auth {
        Auth::None => None,
        Auth::Basic { user, password } => {
            Some((user.render(values), Secret::new(password.render(values))))
        }
    };

    let vantage = context.vantage;
    let vantage_proxy = match &vantage.network.proxy {
        Some(ProxySetting::Url(template)) => Some(template.render(values)),
        _ => None,
    };
    let environment = |name: &str| context.proxy_environment.get(name).cloned();
    let proxy = network::choose_proxy(&url, vantage, vantage_proxy, context.network, &environment);
    if let Some(proxy_url) = &proxy.url {
        network::check_proxy_url(proxy_url.expose()).map_err(|reason| PlanError::InvalidProxy {
            source_name: proxy.source.clone(),
            reason,
        })?;
    }
    // `--resolve` names a port, and applies only to URLs with that port.
    let mut resolve = network::resolve_list(
        vantage,
        context.network,
        url.port_or_known_default().unwrap_or_default(),
    );
    let mut connect_to =
        network::apply_route(context.routes, &url, &mut resolve).map_err(PlanError::ConnectTo)?;
    // An http://, https:// or socks5h:// proxy gets the host name and resolves it itself, so
    // of a rule only the port reaches it.
    let proxy_resolves = proxy
        .url
        .as_ref()
        .is_some_and(|proxy| !proxy.expose().starts_with("socks5://"));
    if let Some(redirect) = connect_to.as_mut()
        && redirect.changes_address
        && proxy_resolves
    {
        redirect
            .description
            .push_str(" (through the proxy only the port applies)");
    }
    if connect_to
        .as_ref()
        .is_some_and(|redirect| redirect.port.is_some())
        && !headers.contains_key(reqwest::header::HOST)
    {
        // The connection goes to another port, but the server must see the URL's authority.
        // NOTE: over HTTP/2 the `:authority` pseudo-header still carries the target port;
        // this header travels beside it.
        let host = url.host_str().unwrap_or_default();
        let authority = match url.port() {
            Some(own) => format!("{host}:{own}"),
            None => host.to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&authority) {
            headers.insert(reqwest::header::HOST, value);
        }
    }
    let client = ClientSettings {
        follow_redirects: request
            .follow_redirects
            .unwrap_or(suite.defaults.follow_redirects),
        tls: network::tls_plan(
            &[&suite.defaults.tls, &vantage.network.tls, &request.tls],
            context.network,
        ),
        proxy: proxy.url.clone(),
        resolve,
        local_address: context
            .network
            .local_address
            .or(vantage.network.local_address),
        connect_timeout: context
            .network
            .connect_timeout
            .or(vantage.network.connect_timeout)
            .unwrap_or(network::DEFAULT_CONNECT_TIMEOUT),
    };

    // A `connect_to` rule reports its own address. A proxy that resolves the name itself
    // does not use the override, so the route notes that. The proxy may come from the
    // environment or the command line and take over a vantage that relies on `resolve`.
    let resolve_rule = connect_to
        .is_none()
        .then(|| resolve_rule(&url, vantage, context.network))
        .flatten()
        .map(|rule| {
            if proxy_resolves {
                format!("{rule} (not used: the proxy resolves the name itself)")
            } else {
                rule
            }
        });

    Ok(PreparedRequest {
        method: Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::GET),
        url,
        headers,
        body: request.body.as_ref().map(|body| body.render(values)),
        basic_auth,
        timeout: request.timeout.unwrap_or(suite.defaults.timeout),
        client,
        proxy,
        connect_to,
        resolve_rule,
    })
}

/// Describes the `resolve` override for the host of `url`, if one applies: the command
/// line's before the vantage's.
fn resolve_rule(url: &Url, vantage: &Vantage, network: &NetworkOptions) -> Option<String> {
    let host = url.host_str()?;
    let port = url.port_or_known_default().unwrap_or_default();
    if let Some((_, _, address)) = network
        .resolve
        .iter()
        .find(|(name, only_port, _)| *only_port == port && name.eq_ignore_ascii_case(host))
    {
        return Some(format!("{host} -> {address} (--resolve)"));
    }
    let (_, address) = vantage
        .network
        .resolve
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(host))?;
    Some(format!(
        "{host} -> {address} (resolve of vantage {})",
        vantage.name
    ))
}

/// Characters encoded in query names and values: those that would end or split the
/// parameter, and those a URL cannot carry. The rest, `:` and `/` among them, go as written,
/// which is how curl sends the URLs of support runbooks.
const QUERY_ENCODE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

fn encode_query_part(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, QUERY_ENCODE).to_string()
}

/// Joins a path to the base URL by plain concatenation, so that a base URL with a path
/// (`https://gw/ise`) keeps it. Absolute URLs are used as they are.
fn join_url(base_url: Option<&str>, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        return path.to_string();
    }
    match base_url {
        Some(base) => {
            let base = base.trim_end_matches('/');
            if path.is_empty() {
                base.to_string()
            } else if path.starts_with('/') {
                format!("{base}{path}")
            } else {
                format!("{base}/{path}")
            }
        }
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parts_keep_colons() {
        assert_eq!(
            encode_query_part("mac.CONTAINS.aa:aa"),
            "mac.CONTAINS.aa:aa"
        );
        assert_eq!(encode_query_part("a b&c=d+e%"), "a%20b%26c%3Dd%2Be%25");
    }

    #[test]
    fn join_url_forms() {
        assert_eq!(join_url(Some("https://gw/"), "/ers"), "https://gw/ers");
        assert_eq!(
            join_url(Some("https://gw/ise"), "ers"),
            "https://gw/ise/ers"
        );
        assert_eq!(
            join_url(Some("https://gw"), "https://other/x"),
            "https://other/x"
        );
        assert_eq!(join_url(None, "/x"), "/x");
    }
}
