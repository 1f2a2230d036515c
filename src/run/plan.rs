//! Turning a suite, a vantage and the environment into concrete requests, before anything is
//! sent: every variable resolved, every URL valid.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use crate::secret::{Redactor, Secret};
use crate::suite::{Auth, Check, Suite, Template, Vantage, VariableSource};

/// Settings for one run that come from the command line.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// `None` picks the suite's first vantage.
    pub vantage: Option<String>,
    /// `--var NAME=VALUE`, overriding the suite and the environment.
    pub vars: Vec<(String, String)>,
    /// Extra CA certificates, trusted along with the suite's and the system's.
    pub ca_file: Option<PathBuf>,
    /// Turns certificate verification off for every check.
    pub insecure: bool,
    /// Checks in flight at once.
    pub concurrency: usize,
    /// Bytes of each response body kept for matching and reports.
    pub body_limit: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            vantage: None,
            vars: Vec::new(),
            ca_file: None,
            insecure: false,
            concurrency: 8,
            body_limit: 1024 * 1024,
        }
    }
}

/// Why a run could not start. Each is a usage problem: exit code 2.
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
}

fn missing_message(missing: &[MissingVariable]) -> String {
    missing
        .iter()
        .map(|variable| {
            format!(
                "missing variable `{}`: set the environment variable {} or pass --var {}=VALUE",
                variable.name, variable.env, variable.name
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
    pub checks: Vec<PreparedRequest>,
    pub concurrency: usize,
    pub body_limit: usize,
    pub tls: TlsPlan,
}

/// TLS settings shared by every check of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TlsPlan {
    pub ca_files: Vec<PathBuf>,
    pub insecure: bool,
}

pub struct PreparedRequest {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Option<String>,
    pub basic_auth: Option<(String, Secret)>,
    pub follow_redirects: bool,
    pub timeout: Duration,
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
    let (values, redactor) = resolve_variables(suite, options, env)?;
    let render = |template: &Template| template.render(&values);
    let base_url = suite.defaults.base_url.as_ref().map(render);

    let mut redactor = redactor;
    let mut checks = Vec::with_capacity(suite.checks.len());
    for check in &suite.checks {
        let prepared = prepare(suite, check, base_url.as_deref(), &values)?;
        if let Some((user, password)) = &prepared.basic_auth {
            redactor.add_basic_auth(user, password.expose());
        }
        checks.push(prepared);
    }

    let mut ca_files: Vec<PathBuf> = suite.defaults.tls.ca_file.iter().cloned().collect();
    ca_files.extend(options.ca_file.iter().cloned());
    let target = redactor.redact_owned(base_url.unwrap_or_default());
    Ok(Plan {
        vantage,
        target,
        redactor,
        checks,
        concurrency: options.concurrency.max(1),
        body_limit: options.body_limit,
        tls: TlsPlan {
            ca_files,
            insecure: options.insecure || suite.defaults.tls.insecure,
        },
    })
}

fn resolve_variables(
    suite: &Suite,
    options: &RunOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(HashMap<String, String>, Redactor), PlanError> {
    let mut overrides: HashMap<&str, &str> = HashMap::new();
    for (name, value) in &options.vars {
        if suite.variable(name).is_none() {
            return Err(PlanError::UnknownOverride {
                name: name.clone(),
                valid: suite.variables.iter().map(|v| v.name.clone()).collect(),
            });
        }
        overrides.insert(name, value);
    }
    let mut values = HashMap::new();
    let mut redactor = Redactor::new();
    let mut missing = Vec::new();
    for variable in &suite.variables {
        let value = match (overrides.get(variable.name.as_str()), &variable.source) {
            (Some(value), _) => Some(value.to_string()),
            (None, VariableSource::Literal(value)) => Some(value.clone()),
            (None, VariableSource::Env { name, default }) => env(name)
                .filter(|value| !value.is_empty())
                .or_else(|| default.clone()),
        };
        let Some(value) = value else {
            let env = match &variable.source {
                VariableSource::Env { name, .. } => name.clone(),
                VariableSource::Literal(_) => variable.name.clone(),
            };
            missing.push(MissingVariable {
                name: variable.name.clone(),
                env,
            });
            continue;
        };
        if variable.secret {
            redactor.add(&value);
        }
        values.insert(variable.name.clone(), value);
    }
    if !missing.is_empty() {
        return Err(PlanError::MissingVariables(missing));
    }
    Ok((values, redactor))
}

/// Splits `--var NAME=VALUE`.
pub fn parse_override(text: &str) -> Result<(String, String), PlanError> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(PlanError::InvalidOverride(text.to_string())),
    }
}

fn prepare(
    suite: &Suite,
    check: &Check,
    base_url: Option<&str>,
    values: &HashMap<String, String>,
) -> Result<PreparedRequest, PlanError> {
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
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &request.query {
            pairs.append_pair(name, &value.render(values));
        }
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

    Ok(PreparedRequest {
        method: Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::GET),
        url,
        headers,
        body: request.body.as_ref().map(|body| body.render(values)),
        basic_auth,
        follow_redirects: request
            .follow_redirects
            .unwrap_or(suite.defaults.follow_redirects),
        timeout: request.timeout.unwrap_or(suite.defaults.timeout),
    })
}

/// Joins a path to the base URL by plain concatenation, so that a base URL with a path
/// (`https://gw/ise`) keeps it; absolute URLs are used as they are.
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
