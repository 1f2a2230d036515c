//! Turning the options of one command line into a [`CurlRequest`]: the URL and its
//! credentials, headers, data, method and query.

use std::path::PathBuf;

use base64::Engine as _;
use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};

use super::options::{DataKind, Options};
use super::{Credentials, CurlProblem, CurlRequest, Header, HeaderText, METHODS, Query};
use crate::secret::{Redactor, Secret};

impl Options {
    /// Adds every credential the options contain to `redactor`.
    pub(super) fn register_secrets(&self, redactor: &mut Redactor) {
        if let Some(user) = &self.user
            && let Some((name, password)) = user.split_once(':')
        {
            redactor.add_basic_auth(name, password);
        }
        for url in &self.urls {
            if let Some(Credentials {
                user,
                password: Some(password),
            }) = url_credentials(url)
            {
                redactor.add_basic_auth(&user, password.expose());
            }
        }
        for text in &self.headers {
            let Ok(Some(header)) = parse_header(text) else {
                continue;
            };
            if let Some(Credentials {
                user,
                password: Some(password),
            }) = decode_basic(&header.value)
            {
                redactor.add_basic_auth(&user, password.expose());
            }
            if let HeaderText::Secret { value, .. } = classify_header(header).value {
                redactor.add(value.expose());
            }
        }
    }

    pub(super) fn into_request(self) -> Result<CurlRequest, CurlProblem> {
        let mut notes = self.notes;
        let raw_url = match self.urls.as_slice() {
            [] => return Err(CurlProblem::NoUrl),
            [url] => url.clone(),
            urls => return Err(CurlProblem::SeveralUrls(urls.to_vec())),
        };
        let (url, url_query) = split_url(&raw_url)?;
        let mut credentials = match &self.user {
            Some(user) => Some(user_credentials(user)),
            None => url_credentials(&raw_url),
        };
        let mut headers = translate_headers(&self.headers, &mut credentials, &mut notes)?;
        let data = join_data(&self.data)?;
        let method = choose_method(self.method.as_deref(), self.head, self.get, data.is_some())?;

        let mut query_parts: Vec<String> = url_query.into_iter().collect();
        let mut body = None;
        match data {
            Some(data) if self.get => query_parts.push(data.text),
            Some(data) => {
                let content_type = if data.is_json {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                };
                add_default_header(&mut headers, "Content-Type", content_type);
                if data.is_json {
                    add_default_header(&mut headers, "Accept", "application/json");
                }
                body = Some(data.text);
            }
            None => {}
        }

        let max_time = match self.max_time {
            Some(text) => Some(check_max_time(&text)?),
            None => None,
        };

        Ok(CurlRequest {
            method,
            url,
            query: parse_query(&query_parts.join("&")),
            headers,
            credentials,
            body,
            insecure: self.insecure,
            ca_file: self.ca_file,
            follow_redirects: self.follow_redirects,
            max_time,
            notes,
        })
    }
}

/// Parses the URL and returns it without credentials, query and fragment, and the query.
fn split_url(text: &str) -> Result<(Url, Option<String>), CurlProblem> {
    let mut url = parse_url(text)?;
    // Neither fails on an http(s) URL with a host, which `parse_url` ensures.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    let query = url.query().map(str::to_string);
    url.set_query(None);
    Ok((url, query))
}

/// Splits `-u user:password`. Without a colon, curl prompts for the password.
fn user_credentials(user: &str) -> Credentials {
    match user.split_once(':') {
        Some((name, password)) => Credentials {
            user: name.to_string(),
            password: Some(Secret::new(password)),
        },
        None => Credentials {
            user: user.to_string(),
            password: None,
        },
    }
}

/// Parses the `-H` values. An `Authorization: Basic` header becomes the credentials.
fn translate_headers(
    texts: &[String],
    credentials: &mut Option<Credentials>,
    notes: &mut Vec<String>,
) -> Result<Vec<Header>, CurlProblem> {
    let mut headers = Vec::new();
    for text in texts {
        let Some(header) = parse_header(text)? else {
            notes.push(format!(
                "ignored `-H '{text}'`: it removes a header curl adds by default"
            ));
            continue;
        };
        // An explicit Basic header replaces the one curl would build from `-u`, as in curl.
        if header.name.eq_ignore_ascii_case("authorization")
            && let Some(decoded) = decode_basic(&header.value)
        {
            *credentials = Some(decoded);
            continue;
        }
        headers.push(classify_header(header));
    }
    Ok(headers)
}

/// The request data of all `-d`-like options together.
struct Data {
    text: String,
    /// `--json` was among the options.
    is_json: bool,
}

fn join_data(options: &[(DataKind, String)]) -> Result<Option<Data>, CurlProblem> {
    if options.is_empty() {
        return Ok(None);
    }
    let mut pieces = Vec::with_capacity(options.len());
    for (kind, value) in options {
        pieces.push(data_piece(*kind, value)?);
    }
    let is_json = options.iter().any(|(kind, _)| *kind == DataKind::Json);
    // curl appends repeated `--json` pieces to each other, and joins all other data with `&`.
    let separator = if options.iter().all(|(kind, _)| *kind == DataKind::Json) {
        ""
    } else {
        "&"
    };
    Ok(Some(Data {
        text: pieces.join(separator),
        is_json,
    }))
}

/// Chooses the method as curl does: `-X` wins, then `-I`, then POST for data unless `-G`.
fn choose_method(
    explicit: Option<&str>,
    head: bool,
    get: bool,
    has_data: bool,
) -> Result<String, CurlProblem> {
    Ok(match explicit {
        Some(method) => {
            let method = method.to_ascii_uppercase();
            if !METHODS.contains(&method.as_str()) {
                return Err(CurlProblem::UnsupportedMethod(method));
            }
            method
        }
        None if head => "HEAD".to_string(),
        None if has_data && !get => "POST".to_string(),
        None => "GET".to_string(),
    })
}

fn parse_url(text: &str) -> Result<Url, CurlProblem> {
    // curl assumes http:// for a URL without a scheme, and so does this.
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    };
    let url = Url::parse(&with_scheme).map_err(|error| CurlProblem::InvalidUrl {
        url: text.to_string(),
        reason: error.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CurlProblem::UnsupportedScheme(url.scheme().to_string()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(CurlProblem::InvalidUrl {
            url: text.to_string(),
            reason: "it has no host".to_string(),
        });
    }
    Ok(url)
}

/// Returns the `user:password@` part of a URL, decoded.
fn url_credentials(text: &str) -> Option<Credentials> {
    let url = parse_url(text).ok()?;
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let user = decode_component(url.username(), false)?;
    let password = match url.password() {
        Some(password) => Some(Secret::new(decode_component(password, false)?)),
        None => None,
    };
    Some(Credentials { user, password })
}

/// Splits `Name: value`. Returns `None` for `Name:`, with which curl leaves out a header it
/// adds by itself. `Name;` sends the header with an empty value, as in curl.
fn parse_header(text: &str) -> Result<Option<Header>, CurlProblem> {
    if text.starts_with('@') {
        return Err(CurlProblem::Unsupported {
            option: "-H".to_string(),
            value: text.to_string(),
            reason: "reading headers from a file",
        });
    }
    let (name, value) = match text.split_once(':') {
        Some((name, value)) => {
            let value = value.trim();
            if value.is_empty() {
                return Ok(None);
            }
            (name.trim(), value)
        }
        None => match text.trim_end().strip_suffix(';') {
            Some(name) => (name.trim(), ""),
            None => return Err(CurlProblem::InvalidHeader(text.to_string())),
        },
    };
    // Only the name goes into the message: the value may be a credential.
    if HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(CurlProblem::InvalidHeader(name.to_string()));
    }
    if HeaderValue::from_str(value).is_err() {
        return Err(CurlProblem::InvalidHeader(format!("{name}: …")));
    }
    Ok(Some(Header {
        name: name.to_string(),
        value: HeaderText::Plain(value.to_string()),
    }))
}

/// Decodes `Authorization: Basic BASE64` into credentials.
fn decode_basic(value: &HeaderText) -> Option<Credentials> {
    let HeaderText::Plain(value) = value else {
        return None;
    };
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some(Credentials {
        user: user.to_string(),
        password: Some(Secret::new(password)),
    })
}

/// Marks the value of a header that carries a credential as secret. Which headers do is a
/// guess from the name: `Authorization`, `Cookie`, and names with `token`, `key`, `secret`,
/// `password`, `session` or `auth` in them.
fn classify_header(header: Header) -> Header {
    let HeaderText::Plain(text) = &header.value else {
        return header;
    };
    let name = header.name.to_ascii_lowercase();
    let is_secret = name == "cookie"
        || ["auth", "token", "key", "secret", "password", "session"]
            .iter()
            .any(|part| name.contains(part));
    if !is_secret || text.is_empty() {
        return header;
    }
    let value = if name.ends_with("authorization")
        && let Some((scheme, credential)) = text.split_once(' ')
        && !credential.trim().is_empty()
    {
        HeaderText::Secret {
            scheme: Some(scheme.to_string()),
            value: Secret::new(credential.trim()),
        }
    } else {
        HeaderText::Secret {
            scheme: None,
            value: Secret::new(text.clone()),
        }
    };
    Header {
        name: header.name,
        value,
    }
}

fn add_default_header(headers: &mut Vec<Header>, name: &str, value: &str) {
    if !headers
        .iter()
        .any(|header| header.name.eq_ignore_ascii_case(name))
    {
        headers.push(Header {
            name: name.to_string(),
            value: HeaderText::Plain(value.to_string()),
        });
    }
}

/// Returns one piece of request data as curl would send it.
fn data_piece(kind: DataKind, value: &str) -> Result<String, CurlProblem> {
    let option = match kind {
        DataKind::Ascii => "-d",
        DataKind::Raw => "--data-raw",
        DataKind::Binary => "--data-binary",
        DataKind::UrlEncode => "--data-urlencode",
        DataKind::Json => "--json",
    };
    match kind {
        DataKind::Raw => Ok(value.to_string()),
        DataKind::Ascii | DataKind::Binary | DataKind::Json => match value.strip_prefix('@') {
            Some(path) => {
                let text = read_data_file(option, path)?;
                if kind == DataKind::Ascii {
                    // curl -d strips carriage returns and newlines from a file's content.
                    Ok(text.replace(['\r', '\n'], ""))
                } else {
                    Ok(text)
                }
            }
            None => Ok(value.to_string()),
        },
        DataKind::UrlEncode => {
            // The forms of --data-urlencode: `content`, `=content` and `name=content` encode
            // the content; `@file` and `name@file` read it from a file.
            let at = value.find('@');
            let equals = value.find('=');
            if at.is_some_and(|at| equals.is_none_or(|equals| at < equals)) {
                return Err(CurlProblem::Unsupported {
                    option: option.to_string(),
                    value: value.to_string(),
                    reason: "reading data to encode from a file",
                });
            }
            Ok(match value.split_once('=') {
                Some(("", content)) => percent_encode(content),
                Some((name, content)) => format!("{name}={}", percent_encode(content)),
                None => percent_encode(value),
            })
        }
    }
}

fn read_data_file(option: &str, path: &str) -> Result<String, CurlProblem> {
    if path == "-" {
        return Err(CurlProblem::Unsupported {
            option: option.to_string(),
            value: "@-".to_string(),
            reason: "reading data from standard input",
        });
    }
    let failed = |reason: String| CurlProblem::ReadFile {
        option: option.to_string(),
        path: PathBuf::from(path),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|error| failed(error.to_string()))?;
    String::from_utf8(bytes)
        .map_err(|_| failed("it is not UTF-8 text, and a suite stores bodies as text".to_string()))
}

fn check_max_time(text: &str) -> Result<String, CurlProblem> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Ok(text.to_string()),
        _ => Err(CurlProblem::InvalidValue {
            option: "--max-time".to_string(),
            value: text.to_string(),
            reason: "expected a positive number of seconds".to_string(),
        }),
    }
}

/// Splits a query string into decoded pairs, or keeps it raw when a part is not
/// `name=value` or does not decode to UTF-8.
fn parse_query(query: &str) -> Query {
    let mut pairs = Vec::new();
    for part in query.split('&').filter(|part| !part.is_empty()) {
        let decoded = part.split_once('=').and_then(|(name, value)| {
            Some((
                decode_component(name, true)?,
                decode_component(value, true)?,
            ))
        });
        match decoded {
            Some(pair) => pairs.push(pair),
            None => return Query::Raw(query.to_string()),
        }
    }
    Query::Pairs(pairs)
}

/// Decodes `%XX` escapes, and `+` as a space when `plus_is_space`. Returns `None` when the
/// result is not UTF-8.
fn decode_component(text: &str, plus_is_space: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let escaped = (byte == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(value) => {
                decoded.push(value);
                index += 3;
            }
            None => {
                decoded.push(if plus_is_space && byte == b'+' {
                    b' '
                } else {
                    byte
                });
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters, as curl's
/// `--data-urlencode` does.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_without_equals_stays_raw() {
        assert_eq!(parse_query("wsdl"), Query::Raw("wsdl".to_string()));
    }

    #[test]
    fn query_pairs_decode() {
        assert_eq!(
            parse_query("a=1+2&b=%3A"),
            Query::Pairs(vec![
                ("a".to_string(), "1 2".to_string()),
                ("b".to_string(), ":".to_string())
            ])
        );
    }

    #[test]
    fn urlencode_forms() {
        assert_eq!(data_piece(DataKind::UrlEncode, "q=a b").unwrap(), "q=a%20b");
        assert_eq!(data_piece(DataKind::UrlEncode, "=a&b").unwrap(), "a%26b");
    }
}
