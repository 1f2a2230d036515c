//! Reading curl command lines as support runbooks write them: split like a POSIX shell, then
//! interpreted option by option into one request.
//!
//! Options that change the request are translated. Options that only change how curl prints
//! are ignored, some with a note. Any other option is an error, because dropping it silently
//! could make the check send something else than the runbook does.

mod options;
mod translate;

use std::fmt;
use std::path::PathBuf;

use reqwest::Url;

use self::options::Options;
use crate::secret::{Redactor, Secret};

/// Methods a suite can send, as the suite loader accepts them.
const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// One curl command line, translated.
#[derive(Clone, Debug)]
pub struct CurlRequest {
    /// Upper case, and one of the methods a suite supports.
    pub method: String,
    /// Scheme, host, port and path, without credentials, query or fragment.
    pub url: Url,
    pub query: Query,
    pub headers: Vec<Header>,
    pub credentials: Option<Credentials>,
    pub body: Option<String>,
    /// `-k`: certificate verification off.
    pub insecure: bool,
    /// `--cacert`, as written on the command line.
    pub ca_file: Option<PathBuf>,
    /// `-L`.
    pub follow_redirects: bool,
    /// `-m`/`--max-time` in seconds, as written.
    pub max_time: Option<String>,
    /// Notes on options that were ignored or changed, for the user to read.
    pub notes: Vec<String>,
}

impl CurlRequest {
    /// Returns `host` or `host:port` (the port only when it is not the scheme's default), with
    /// IPv6 addresses in brackets.
    pub fn host_and_port(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }
}

/// The query string of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// Decoded `name=value` pairs in their order; empty when there is no query.
    Pairs(Vec<(String, String)>),
    /// A query with a part that is not `name=value` (`?wsdl`), kept as written because
    /// re-encoding it as pairs would change it.
    Raw(String),
}

#[derive(Clone, Debug)]
pub struct Header {
    pub name: String,
    pub value: HeaderText,
}

/// A header value. Values of headers that carry credentials are secret.
#[derive(Clone, Debug)]
pub enum HeaderText {
    Plain(String),
    /// The credential, with the authentication scheme in front of it when there is one
    /// (`Bearer` in `Authorization: Bearer TOKEN`).
    Secret {
        scheme: Option<String>,
        value: Secret,
    },
}

/// Basic-authentication credentials from `-u`, the URL or an `Authorization: Basic` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    /// `None` when `-u` named only the user, which makes curl prompt for the password.
    pub password: Option<Secret>,
}

/// A curl command line that could not be translated. Its `Display` masks every credential of
/// the line, also where the problem quotes a value.
#[derive(Debug)]
pub struct CurlError {
    pub problem: Box<CurlProblem>,
    /// The command line re-quoted on one line, with credentials masked; empty when the line
    /// could not be split into words.
    pub line: String,
    redactor: Redactor,
}

impl CurlError {
    /// Returns what to do about the problem.
    pub fn help(&self) -> String {
        self.redactor.redact_owned(self.problem.help())
    }
}

impl fmt::Display for CurlError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.redactor.redact(&self.problem.to_string()))
    }
}

impl std::error::Error for CurlError {}

#[derive(Debug, thiserror::Error)]
pub enum CurlProblem {
    #[error(
        "the curl command line is incomplete: a quote is not closed, or it ends with a backslash"
    )]
    Unterminated,
    #[error("the curl command line is empty")]
    Empty,
    #[error("unknown curl option `{0}`")]
    UnknownOption(String),
    #[error("curl option `{0}` is missing its value")]
    MissingValue(String),
    #[error("no URL in the curl command line")]
    NoUrl,
    #[error("the curl command line has {} URLs: {}", .0.len(), .0.join(", "))]
    SeveralUrls(Vec<String>),
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("unsupported URL scheme `{0}`: gatecheck sends only HTTP and HTTPS requests")]
    UnsupportedScheme(String),
    #[error("unsupported method `{0}`")]
    UnsupportedMethod(String),
    #[error("invalid header `{0}`: expected `Name: value`")]
    InvalidHeader(String),
    #[error("invalid value `{value}` for `{option}`: {reason}")]
    InvalidValue {
        option: String,
        value: String,
        reason: String,
    },
    #[error("`{option} {value}` is not supported: {reason}")]
    Unsupported {
        option: String,
        value: String,
        reason: &'static str,
    },
    #[error("cannot read {} for `{option}`: {reason}", path.display())]
    ReadFile {
        option: String,
        path: PathBuf,
        reason: String,
    },
}

impl CurlProblem {
    fn help(&self) -> String {
        match self {
            CurlProblem::Unterminated => {
                "close the quote; inside single quotes, write a quote as '\\''".to_string()
            }
            CurlProblem::Empty | CurlProblem::NoUrl => {
                "give the whole command, such as: curl -u USER:PASSWORD https://host/path"
                    .to_string()
            }
            CurlProblem::UnknownOption(_) => format!(
                "gatecheck init translates {TRANSLATED} and ignores {IGNORED}; remove the option, \
                 and add what it does to the suite by hand"
            ),
            CurlProblem::MissingValue(option) => {
                format!("write the value after `{option}`, in quotes when it contains spaces")
            }
            CurlProblem::SeveralUrls(_) => {
                "pass one --from-curl per URL; each becomes its own check".to_string()
            }
            CurlProblem::InvalidUrl { .. } => {
                "write the URL as scheme://host[:port]/path, such as https://ise.example.com/ers"
                    .to_string()
            }
            CurlProblem::UnsupportedScheme(_) => "use an http:// or https:// URL".to_string(),
            CurlProblem::UnsupportedMethod(_) => format!(
                "a suite can send {}; add the check by hand if the server needs another method",
                METHODS.join(", ")
            ),
            CurlProblem::InvalidHeader(_) => {
                "write the header as -H 'Name: value', with a name of letters, digits and `-`"
                    .to_string()
            }
            CurlProblem::InvalidValue { option, .. } => match option.as_str() {
                "-m" | "--max-time" => "give the time in seconds, such as -m 10".to_string(),
                _ => format!("correct the value of `{option}`"),
            },
            CurlProblem::Unsupported { .. } => {
                "paste the value itself into the command line, or add it to the suite by hand"
                    .to_string()
            }
            CurlProblem::ReadFile { .. } => {
                "check the path, which is relative to the current folder".to_string()
            }
        }
    }
}

const TRANSLATED: &str = "the URL (also --url), -X, -H, -u, -d, --data-raw, --data-binary, \
                          --data-urlencode, --json, -G, -I, -k, --cacert, -L, -m, -A, -e and -b";
const IGNORED: &str = "--compressed, -s, -S, -v, -i, -o, -w, -f, --fail-with-body, \
                       --connect-timeout, --retry, --http1.1, --http2 and --no-progress-meter";

/// Translates one curl command line, with or without the leading `curl`.
pub fn parse(line: &str) -> Result<CurlRequest, CurlError> {
    // A line that does not split has no words to find credentials in, so it is not shown.
    let words = split(line).map_err(|problem| CurlError {
        problem: Box::new(problem),
        line: String::new(),
        redactor: Redactor::new(),
    })?;

    // A first, lenient pass finds the credentials, so that an error found anywhere in the
    // line is shown with all of them masked, also those after the offending option.
    let mut redactor = Redactor::new();
    if let Ok(lenient) = Options::read(&words, false) {
        lenient.register_secrets(&mut redactor);
    }
    let shown: Vec<String> = words
        .iter()
        .map(|word| redactor.redact(word).into_owned())
        .collect();
    let joined =
        shlex::try_join(shown.iter().map(String::as_str)).unwrap_or_else(|_| shown.join(" "));
    let fail = |problem| CurlError {
        problem: Box::new(problem),
        line: format!("curl {joined}"),
        redactor: redactor.clone(),
    };

    if words.is_empty() {
        return Err(fail(CurlProblem::Empty));
    }
    Options::read(&words, true)
        .and_then(Options::into_request)
        .map_err(fail)
}

/// Splits a command line into words like a POSIX shell: quotes, backslash escapes and
/// backslash-newline continuations. A leading `curl` is dropped.
fn split(line: &str) -> Result<Vec<String>, CurlProblem> {
    // Runbooks copied from Windows have CRLF line ends, which would leave a stray `\r` word
    // after each continuation backslash.
    let line = remove_continuations(&line.replace("\r\n", "\n"));
    let mut lexer = shlex::Shlex::new(&line);
    let mut words: Vec<String> = lexer.by_ref().collect();
    if lexer.had_error {
        return Err(CurlProblem::Unterminated);
    }
    let is_curl = words.first().is_some_and(|first| {
        let program = first.rsplit(['/', '\\']).next().unwrap_or(first);
        program == "curl" || program.eq_ignore_ascii_case("curl.exe")
    });
    if is_curl {
        words.remove(0);
    }
    Ok(words)
}

/// Removes each backslash-newline outside single quotes, as a shell does before it splits
/// words. shlex alone would turn a continuation between two spaces into an empty word.
fn remove_continuations(line: &str) -> String {
    let mut joined = String::with_capacity(line.len());
    let mut chars = line.chars();
    let mut in_single = false;
    let mut in_double = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' if !in_double => {
                in_single = !in_single;
                joined.push(c);
            }
            '"' if !in_single => {
                in_double = !in_double;
                joined.push(c);
            }
            '\\' if !in_single => match chars.next() {
                Some('\n') => {}
                Some(escaped) => {
                    joined.push(c);
                    joined.push(escaped);
                }
                None => joined.push(c),
            },
            _ => joined.push(c),
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_drops_curl_and_joins_continuations() {
        let words = split("curl -k \\\n  'https://h/x y'\r\n").unwrap();
        assert_eq!(words, ["-k", "https://h/x y"]);
    }

    #[test]
    fn short_options_combine() {
        let request = parse("-sSkL -XPUT https://h/x").unwrap();
        assert!(request.insecure);
        assert!(request.follow_redirects);
        assert_eq!(request.method, "PUT");
    }

    #[test]
    fn basic_header_becomes_credentials() {
        let request = parse("-H 'Authorization: Basic YWRtaW46czNjcmV0' https://h/").unwrap();
        let credentials = request.credentials.unwrap();
        assert_eq!(credentials.user, "admin");
        assert_eq!(credentials.password.unwrap().expose(), "s3cret");
    }

    #[test]
    fn bearer_header_is_secret() {
        let request = parse("-H 'Authorization: Bearer abc' https://h/").unwrap();
        assert!(matches!(
            &request.headers[0].value,
            HeaderText::Secret { scheme: Some(scheme), .. } if scheme == "Bearer"
        ));
    }

    #[test]
    fn error_masks_password() {
        let error = parse("--bogus -u admin:s3cret https://h/").unwrap_err();
        assert!(!error.line.contains("s3cret"), "{}", error.line);
    }

    #[test]
    fn pipe_ends_command() {
        let request = parse("curl https://h/x | jq .").unwrap();
        assert_eq!(request.notes.len(), 1);
    }
}
