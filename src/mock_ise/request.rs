//! Helpers that read requests: the body, query strings, percent-encoding, `Accept`,
//! `Content-Type` and the host name.

use bytes::Bytes;
use hyper::HeaderMap;
use hyper::header;
use hyper::http::request::Parts;

/// Maximum number of body bytes read from one request. ISE's own limit is not known, and an
/// endpoint group's JSON needs far less.
pub(crate) const MAX_REQUEST_BODY_BYTES: usize = 1024 * 1024;

/// A request body as the connection task read it. Only the API handlers that take a body look
/// at it, so that routing and authentication respond first whatever the body is.
#[derive(Debug)]
pub(crate) enum RequestBody {
    Complete(Bytes),
    /// The body was longer than [`MAX_REQUEST_BODY_BYTES`].
    TooLarge,
    /// The client stopped sending or broke the framing before the body ended.
    Unreadable,
}

/// Splits a query string into decoded name/value pairs, in order and with repeats kept.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_query_part(name), decode_query_part(value))
        })
        .collect()
}

/// Returns the first value of the query parameter `name`.
pub(crate) fn first_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn decode_query_part(part: &str) -> String {
    percent_decode(&part.replace('+', " "))
}

/// Decodes `%XX` escapes. A `%` not followed by two hex digits is kept as it is, and bytes that
/// do not form UTF-8 become U+FFFD.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = match (bytes[index], bytes.get(index + 1), bytes.get(index + 2)) {
            (b'%', Some(&high), Some(&low)) => hex_value(high).zip(hex_value(low)),
            _ => None,
        };
        match escaped {
            Some((high, low)) => {
                decoded.push(high << 4 | low);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Rule for matching a media type against the `Accept` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AcceptRule {
    /// Wildcards such as `*/*` and `application/*` match, and a request without `Accept`
    /// accepts anything, as HTTP defines.
    Lenient,
    /// Only the exact media type matches. MnT behaves this way and returns 406 for `*/*`.
    ExactOnly,
}

/// Returns whether the request's `Accept` headers allow `media_type` (such as
/// `application/json`). A media range with `q=0` is an explicit refusal and never matches.
pub(crate) fn accepts(headers: &HeaderMap, media_type: &str, rule: AcceptRule) -> bool {
    let mut saw_header = false;
    for value in headers.get_all(header::ACCEPT) {
        saw_header = true;
        let Ok(value) = value.to_str() else {
            continue;
        };
        for range in value.split(',') {
            if media_range_matches(range, media_type, rule) {
                return true;
            }
        }
    }
    !saw_header && rule == AcceptRule::Lenient
}

fn media_range_matches(range: &str, media_type: &str, rule: AcceptRule) -> bool {
    let mut parts = range.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let refused = parts.any(|parameter| {
        let parameter = parameter.trim();
        match parameter.split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("q") => value
                .trim()
                .parse::<f32>()
                .is_ok_and(|quality| quality <= 0.0),
            _ => false,
        }
    });
    if refused {
        return false;
    }

    if essence == media_type {
        return true;
    }
    if rule == AcceptRule::ExactOnly {
        return false;
    }
    let media_main_type = media_type.split('/').next().unwrap_or("");
    essence == "*/*" || essence == format!("{media_main_type}/*")
}

/// Returns whether the request's `Content-Type` is `media_type`, ignoring case and parameters
/// such as `charset`.
pub(crate) fn has_content_type(headers: &HeaderMap, media_type: &str) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case(media_type)
}

/// Returns the host and port the client addressed, from the HTTP/2 `:authority` or the HTTP/1.1
/// `Host` header. Values with characters outside a host name or IP literal are ignored, because
/// the result is copied into links and a `Location` header.
pub(crate) fn requested_host(parts: &Parts) -> Option<String> {
    let from_uri = parts.uri.authority().map(|authority| authority.as_str());
    let from_header = parts
        .headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    let host = from_uri.or(from_header)?;
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'));
    valid.then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn accept_headers(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn query_decodes_escapes() {
        let pairs = query_pairs(Some("filter=mac.EQ.aa%3Abb&x=a+b"));
        assert_eq!(pairs[0], ("filter".into(), "mac.EQ.aa:bb".into()));
        assert_eq!(pairs[1], ("x".into(), "a b".into()));
    }

    #[test]
    fn percent_decode_keeps_bad_escape() {
        assert_eq!(percent_decode("100%zz"), "100%zz");
    }

    #[test]
    fn accept_wildcard_lenient() {
        let headers = accept_headers("*/*");
        assert!(accepts(&headers, "application/json", AcceptRule::Lenient));
    }

    #[test]
    fn accept_wildcard_exact_rejected() {
        let headers = accept_headers("*/*");
        assert!(!accepts(&headers, "application/xml", AcceptRule::ExactOnly));
    }

    #[test]
    fn accept_missing_header() {
        let headers = HeaderMap::new();
        assert!(accepts(&headers, "application/json", AcceptRule::Lenient));
        assert!(!accepts(&headers, "application/xml", AcceptRule::ExactOnly));
    }

    #[test]
    fn accept_quality_zero_refuses() {
        let headers = accept_headers("application/json;q=0, text/html");
        assert!(!accepts(&headers, "application/json", AcceptRule::Lenient));
    }

    #[test]
    fn content_type_with_charset() {
        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_static("Application/JSON; charset=utf-8");
        headers.insert(header::CONTENT_TYPE, value);
        assert!(has_content_type(&headers, "application/json"));
    }

    #[test]
    fn content_type_missing() {
        assert!(!has_content_type(&HeaderMap::new(), "application/json"));
    }

    #[test]
    fn accept_list_with_params() {
        let headers = accept_headers("text/html, Application/XML; q=0.9");
        assert!(accepts(&headers, "application/xml", AcceptRule::ExactOnly));
    }
}
