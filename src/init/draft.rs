//! A suite made from curl requests, before it is written as YAML: what becomes a variable,
//! what moves to `defaults`, and the id of each check.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::init::curl::{Credentials, CurlRequest, HeaderText, Query};
use crate::secret::Secret;

/// Characters of a check id derived from a long path, at most.
const MAX_ID_CHARS: usize = 60;

/// A suite to be written.
#[derive(Debug)]
pub struct Draft {
    pub name: String,
    pub variables: Vec<Variable>,
    /// A template, such as `https://${HOST}`; `None` when the requests go to different hosts
    /// and keep absolute URLs.
    pub base_url: Option<String>,
    /// Headers every request sends with the same value; values are templates.
    pub headers: Vec<(String, String)>,
    /// Credentials every request sends.
    pub auth: Option<BasicAuth>,
    pub insecure: bool,
    pub ca_file: Option<PathBuf>,
    pub checks: Vec<CheckDraft>,
    /// Differences between the suite and what the curl lines did, for the user to read.
    pub warnings: Vec<String>,
}

/// A suite variable read from the environment.
#[derive(Debug)]
pub struct Variable {
    pub name: String,
    pub env: String,
    /// Secret variables never have one, so no credential is written to the file.
    pub default: Option<String>,
    pub secret: bool,
    pub description: String,
    /// The value from the curl line, used only to send the requests once with `--record`.
    value: Option<Secret>,
}

/// Basic authentication as templates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasicAuth {
    pub user: String,
    pub password: String,
}

#[derive(Debug)]
pub struct CheckDraft {
    pub id: String,
    pub name: String,
    pub method: String,
    /// A template: a path joined to the base URL, or an absolute URL.
    pub url: String,
    /// Decoded names and values; the values are templates.
    pub query: Vec<(String, String)>,
    /// Values are templates.
    pub headers: Vec<(String, String)>,
    /// A template.
    pub body: Option<String>,
    /// Credentials of this check when they differ between checks.
    pub auth: Option<BasicAuth>,
    pub follow_redirects: bool,
    /// A duration such as `2.5s`.
    pub timeout: Option<String>,
    pub expect: Expectation,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// Any 2xx status.
    Success,
    /// The status the server returned when `--record` sent the request, on `date`.
    Recorded { status: u16, date: String },
}

impl Draft {
    /// Builds a suite named `name` with one check per request, in order.
    pub fn from_curl(name: &str, requests: &[CurlRequest]) -> Draft {
        let mut variables = Variables::default();
        let mut warnings = Vec::new();

        let base_url = shared_origin(requests).map(|(scheme, host)| {
            variables.add(Variable {
                name: "HOST".to_string(),
                env: String::new(),
                default: Some(host),
                secret: false,
                description: "Host and port that the curl command lines called.".to_string(),
                value: None,
            });
            format!("{scheme}://${{HOST}}")
        });

        let auths = credential_variables(requests, &mut variables);
        let headers: Vec<Vec<(String, String)>> = requests
            .iter()
            .map(|request| header_templates(request, &mut variables))
            .collect();

        let mut checks: Vec<CheckDraft> = Vec::with_capacity(requests.len());
        let mut ids = HashSet::new();
        for ((request, auth), headers) in requests.iter().zip(&auths).zip(headers) {
            let id = unique_id(&check_id(request), &mut ids);
            let (url, query) = url_and_query(request, base_url.is_some());
            let target = if base_url.is_some() {
                request.url.path().to_string()
            } else {
                format!("{}{}", request.host_and_port(), request.url.path())
            };
            checks.push(CheckDraft {
                id,
                name: format!("{} {target}", request.method),
                method: request.method.clone(),
                url,
                query,
                headers,
                body: request.body.as_deref().map(literal),
                auth: auth.clone(),
                follow_redirects: request.follow_redirects,
                timeout: request
                    .max_time
                    .as_ref()
                    .map(|seconds| format!("{seconds}s")),
                expect: Expectation::Success,
            });
        }

        let default_headers = move_common_headers(&mut checks);
        let default_auth = match auths.first() {
            Some(Some(first)) if auths.iter().all(|auth| auth.as_ref() == Some(first)) => {
                for check in &mut checks {
                    check.auth = None;
                }
                Some(first.clone())
            }
            _ => None,
        };

        let insecure = requests.iter().any(|request| request.insecure);
        if insecure && !requests.iter().all(|request| request.insecure) {
            warnings.push(
                "only some curl command lines use -k, but `tls.insecure` turns verification \
                 off for every check"
                    .to_string(),
            );
        }
        let ca_files: Vec<&PathBuf> = requests
            .iter()
            .filter_map(|request| request.ca_file.as_ref())
            .collect();
        let ca_file = ca_files.first().map(|path| (*path).clone());
        if ca_files.iter().any(|path| Some(*path) != ca_file.as_ref()) {
            warnings.push(format!(
                "the curl command lines name different --cacert files; the suite trusts only {}, \
                 and `gatecheck run --ca-file` can add another",
                ca_file
                    .as_ref()
                    .map(|path| path.display().to_string())
                    .unwrap_or_default()
            ));
        }

        Draft {
            name: name.to_string(),
            variables: variables.list,
            base_url,
            headers: default_headers,
            auth: default_auth,
            insecure,
            ca_file,
            checks,
            warnings,
        }
    }

    /// Sets each check's expected status to the one its request got, in check order.
    pub fn set_recorded(&mut self, statuses: &[u16], date: &str) {
        for (check, status) in self.checks.iter_mut().zip(statuses) {
            check.expect = Expectation::Recorded {
                status: *status,
                date: date.to_string(),
            };
        }
    }

    /// Returns the values of the secret variables as `--var` overrides, for sending the
    /// requests once with `--record`. They are never written to the suite.
    pub fn secret_values(&self) -> Vec<(String, String)> {
        self.variables
            .iter()
            .filter_map(|variable| {
                let value = variable.value.as_ref()?;
                Some((variable.name.clone(), value.expose().to_string()))
            })
            .collect()
    }

    /// Returns the environment variables a run needs: first those without a default, which
    /// must be set, then those whose default can be overridden.
    pub fn environment(&self) -> (Vec<&str>, Vec<&str>) {
        let required = self
            .variables
            .iter()
            .filter(|variable| variable.default.is_none())
            .map(|variable| variable.env.as_str())
            .collect();
        let optional = self
            .variables
            .iter()
            .filter(|variable| variable.default.is_some())
            .map(|variable| variable.env.as_str())
            .collect();
        (required, optional)
    }
}

/// Variables with unique names, each read from `GATECHECK_<NAME>`.
#[derive(Default)]
struct Variables {
    list: Vec<Variable>,
    /// The variable of each credential found in a header: header name in lower case, value,
    /// variable name.
    header_secrets: Vec<(String, Secret, String)>,
}

impl Variables {
    /// Adds the variable under its name, or under `NAME_2`, `NAME_3`... when that is taken,
    /// and returns the name used.
    fn add(&mut self, mut variable: Variable) -> String {
        let base = variable.name.clone();
        let mut number = 1;
        while self.list.iter().any(|other| other.name == variable.name) {
            number += 1;
            variable.name = format!("{base}_{number}");
        }
        variable.env = format!("GATECHECK_{}", variable.name);
        let name = variable.name.clone();
        self.list.push(variable);
        name
    }
}

/// Returns the scheme and `host[:port]` when every request has the same ones.
fn shared_origin(requests: &[CurlRequest]) -> Option<(String, String)> {
    let first = requests.first()?;
    let shared = requests.iter().all(|request| {
        request.url.scheme() == first.url.scheme()
            && request.host_and_port() == first.host_and_port()
    });
    shared.then(|| (first.url.scheme().to_string(), first.host_and_port()))
}

/// Makes a user and a password variable for each distinct pair of credentials, and returns
/// each request's basic authentication.
fn credential_variables(
    requests: &[CurlRequest],
    variables: &mut Variables,
) -> Vec<Option<BasicAuth>> {
    let mut seen: Vec<(&Credentials, BasicAuth)> = Vec::new();
    let mut auths = Vec::with_capacity(requests.len());
    for request in requests {
        let Some(credentials) = &request.credentials else {
            auths.push(None);
            continue;
        };
        if let Some((_, auth)) = seen.iter().find(|(known, _)| *known == credentials) {
            auths.push(Some(auth.clone()));
            continue;
        }
        let user = variables.add(Variable {
            name: "USER".to_string(),
            env: String::new(),
            default: Some(credentials.user.clone()),
            secret: false,
            description: "User for basic authentication, from the curl command line.".to_string(),
            value: None,
        });
        let name = if user == "USER" {
            "PASSWORD".to_string()
        } else {
            user.replacen("USER", "PASSWORD", 1)
        };
        // `-u user` without a password makes curl prompt for it; the suite reads it from the
        // environment instead, so `--record` and every run need the variable set.
        let name = variables.add(Variable {
            name,
            env: String::new(),
            default: None,
            secret: true,
            description: String::new(),
            value: credentials.password.clone(),
        });
        let what = match credentials.password {
            Some(_) => format!("Password of {user}"),
            None => format!("Password of {user}, which the curl line left out"),
        };
        describe_secret(variables, &name, &what);
        let password = format!("${{{name}}}");
        let auth = BasicAuth {
            user: format!("${{{user}}}"),
            password,
        };
        seen.push((credentials, auth.clone()));
        auths.push(Some(auth));
    }
    auths
}

/// Sets the description of a secret variable, naming the environment variable to set.
fn describe_secret(variables: &mut Variables, name: &str, what: &str) {
    if let Some(variable) = variables.list.iter_mut().find(|v| v.name == name) {
        variable.description = format!(
            "{what}, read from {} and never stored in this file.",
            variable.env
        );
    }
}

/// Returns the request's headers as templates, with each credential replaced by a secret
/// variable. Equal credentials in the same header share one variable.
fn header_templates(request: &CurlRequest, variables: &mut Variables) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    for header in &request.headers {
        let value = match &header.value {
            HeaderText::Plain(text) => literal(text),
            HeaderText::Secret { scheme, value } => {
                let name = secret_header_variable(&header.name, value, variables);
                match scheme {
                    Some(scheme) => format!("{} ${{{name}}}", literal(scheme)),
                    None => format!("${{{name}}}"),
                }
            }
        };
        headers.push((header.name.clone(), value));
    }
    headers
}

fn secret_header_variable(header: &str, value: &Secret, variables: &mut Variables) -> String {
    let key = header.to_ascii_lowercase();
    let known = variables
        .header_secrets
        .iter()
        .find(|(known_header, known_value, _)| *known_header == key && known_value == value);
    if let Some((_, _, name)) = known {
        return name.clone();
    }
    let base = if header.eq_ignore_ascii_case("authorization") {
        "TOKEN".to_string()
    } else {
        header
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    let name = variables.add(Variable {
        name: base,
        env: String::new(),
        default: None,
        secret: true,
        description: String::new(),
        value: Some(value.clone()),
    });
    describe_secret(
        variables,
        &name,
        &format!("Credential in the {header} header"),
    );
    variables
        .header_secrets
        .push((key, value.clone(), name.clone()));
    name
}

/// Moves the headers that every check sends with the same value to the defaults, in the
/// order of the first check. A single check keeps its headers, because nothing shows that
/// they suit the checks added later.
fn move_common_headers(checks: &mut [CheckDraft]) -> Vec<(String, String)> {
    let [first, _, ..] = &*checks else {
        return Vec::new();
    };
    let common: Vec<(String, String)> = first
        .headers
        .iter()
        .filter(|(name, value)| {
            checks.iter().all(|check| {
                check
                    .headers
                    .iter()
                    .any(|(other, text)| other.eq_ignore_ascii_case(name) && text == value)
            })
        })
        .cloned()
        .collect();
    for check in checks.iter_mut() {
        check.headers.retain(|(name, value)| {
            !common.iter().any(|(common_name, common_value)| {
                common_name.eq_ignore_ascii_case(name) && common_value == value
            })
        });
    }
    common
}

/// Returns the check's URL template and query. A query that is not made of `name=value`
/// pairs stays in the URL.
fn url_and_query(request: &CurlRequest, relative: bool) -> (String, Vec<(String, String)>) {
    let base = if relative {
        request.url.path().to_string()
    } else {
        request.url.as_str().to_string()
    };
    match &request.query {
        Query::Pairs(pairs) => (
            literal(&base),
            pairs
                .iter()
                .map(|(name, value)| (name.clone(), literal(value)))
                .collect(),
        ),
        Query::Raw(raw) => (literal(&format!("{base}?{raw}")), Vec::new()),
    }
}

/// Derives a check id from the path, with the method in front unless it is GET:
/// `/ers/config/endpointgroup` becomes `ers-config-endpointgroup`. Path segments that look
/// like values rather than names are left out, such as the MAC address in
/// `/admin/API/mnt/Session/MACAddress/AA:AA:AA:AA:AA:AA`, unless nothing else is left.
fn check_id(request: &CurlRequest) -> String {
    let segments: Vec<&str> = request
        .url
        .path()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let names: Vec<&str> = segments
        .iter()
        .copied()
        .filter(|segment| !looks_like_value(segment))
        .collect();
    let segments = if names.is_empty() { segments } else { names };

    let mut id = String::new();
    if request.method != "GET" {
        id.push_str(&request.method.to_ascii_lowercase());
        id.push('-');
    }
    for c in segments.join("/").chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    if id.len() > MAX_ID_CHARS {
        // Cut at a word boundary where there is one, so that the id stays readable.
        let cut = id[..MAX_ID_CHARS].rfind('-').unwrap_or(MAX_ID_CHARS);
        id.truncate(cut);
    }
    let id = id.trim_end_matches('-');
    if id.is_empty() {
        "root".to_string()
    } else {
        id.to_string()
    }
}

/// Tells whether a path segment is a value such as a MAC address, a number or a UUID: it
/// contains `:`, or only hexadecimal digits and `-` with at least one decimal digit.
fn looks_like_value(segment: &str) -> bool {
    segment.contains(':')
        || (segment.bytes().any(|byte| byte.is_ascii_digit())
            && segment
                .bytes()
                .all(|byte| byte.is_ascii_hexdigit() || byte == b'-'))
}

fn unique_id(base: &str, taken: &mut HashSet<String>) -> String {
    let mut id = base.to_string();
    let mut number = 1;
    while taken.contains(&id) {
        number += 1;
        id = format!("{base}-{number}");
    }
    taken.insert(id.clone());
    id
}

/// Escapes `${` so that text from a curl line is not read as a variable reference.
fn literal(text: &str) -> String {
    text.replace("${", "$${")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_of(line: &str) -> String {
        check_id(&crate::init::curl::parse(line).expect("the curl line parses"))
    }

    #[test]
    fn id_skips_value_segments() {
        assert_eq!(
            id_of("https://h/admin/API/mnt/Session/MACAddress/AA:AA:AA:AA:AA:AA"),
            "admin-api-mnt-session-macaddress"
        );
        assert_eq!(
            id_of("https://h/ers/config/endpoint/1234"),
            "ers-config-endpoint"
        );
    }

    #[test]
    fn id_keeps_value_when_alone() {
        assert_eq!(id_of("https://h/12345"), "12345");
    }

    #[test]
    fn id_of_root() {
        assert_eq!(id_of("https://h/"), "root");
        assert_eq!(id_of("-X POST https://h/"), "post");
    }

    #[test]
    fn id_names_method() {
        assert_eq!(id_of("-X DELETE https://h/ers/x"), "delete-ers-x");
    }

    #[test]
    fn id_length_limited() {
        let id = id_of(&format!("https://h/{}", ["segment"; 20].join("/")));
        assert!(id.len() <= MAX_ID_CHARS, "{id}");
        assert!(!id.ends_with('-'), "{id}");
    }
}
