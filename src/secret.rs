//! Secret values and their removal from everything gatecheck prints or writes.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;

/// The text printed wherever a secret value would appear.
pub const MASK: &str = "********";

/// Shortest server-issued token (cookie value, bearer credential) that is masked.
const MIN_TOKEN_CHARS: usize = 8;

/// Shortest secret value that is masked.
pub const MIN_SECRET_CHARS: usize = 4;

/// A value that must never reach a console, log or report. `Debug` and `Display` print
/// [`MASK`], so leaking it takes an explicit call to [`Secret::expose`].
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(MASK)
    }
}

/// Request and response headers whose values are credentials whatever the suite declares.
const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Tells whether a header's value is a credential that must be masked.
pub fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS
        .iter()
        .any(|sensitive| sensitive.eq_ignore_ascii_case(name))
}

/// Replaces every known secret value in text with [`MASK`].
///
/// Besides each value as written, it masks the encodings a secret takes on the way to a
/// server and back: percent-encoded in URLs and, for basic-auth credentials, the base64 of
/// `user:password` that `Authorization` headers carry.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Sorted by length, longest first, so that a secret containing another one is masked
    /// whole.
    needles: Vec<String>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret value. Returns `false`, and masks nothing, for a value shorter than
    /// [`MIN_SECRET_CHARS`]: such a value cannot be distinguished from ordinary text, and masking
    /// it everywhere would garble every report. Callers warn about it.
    pub fn add(&mut self, secret: &str) -> bool {
        if secret.chars().count() < MIN_SECRET_CHARS {
            return secret.is_empty();
        }
        self.push(secret.to_string());
        let encoded = percent_encode(secret);
        if encoded != secret {
            self.push(encoded);
        }
        true
    }

    /// Registers basic-auth credentials: the password and the header value that carries it.
    pub fn add_basic_auth(&mut self, user: &str, password: &str) {
        self.add(password);
        if password.is_empty() {
            return;
        }
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.push(token);
    }

    /// Registers the value of a credential header such as `Authorization` or `Cookie`: the
    /// whole value, the credential after an authentication scheme (`Bearer TOKEN`), and each
    /// cookie value.
    pub fn add_credential_header(&mut self, value: &str) {
        let value = value.trim();
        if let Some((scheme, credential)) = value.split_once(' ')
            && !scheme.contains('=')
        {
            self.add_token(credential.trim());
        }
        for cookie in value.split(';') {
            if let Some((_, cookie_value)) = cookie.split_once('=') {
                self.add_token(cookie_value.trim());
            }
        }
        self.add(value);
    }

    /// Registers a token that a server or header carried, such as a session cookie's value.
    // NOTE: values shorter than MIN_TOKEN_CHARS are left alone: they are settings such as
    // `lang=en` rather than session credentials, and masking them everywhere would garble
    // every report.
    pub fn add_token(&mut self, token: &str) {
        if token.chars().count() >= MIN_TOKEN_CHARS {
            self.add(token);
        }
    }

    /// Tells whether `text` contains a secret, also one that is percent-encoded in a way
    /// [`Redactor::add`] did not foresee.
    pub fn reveals_secret(&self, text: &str) -> bool {
        self.needles
            .iter()
            .any(|needle| text.contains(needle.as_str()))
    }

    fn push(&mut self, needle: String) {
        if !self.needles.contains(&needle) {
            self.needles.push(needle);
            self.needles
                .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        }
    }

    /// Adds every secret of `other`.
    pub fn merge(&mut self, other: &Redactor) {
        for needle in &other.needles {
            self.push(needle.clone());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// Masks every secret in `text`.
    ///
    /// URLs carry secrets percent-encoded in many ways (`%2B` or `+`, `%3D` or `=`), more than
    /// the registered encodings cover. So when the text still reveals a secret once
    /// percent-decoded, the decoded text is masked and returned instead.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut result = Cow::Borrowed(text);
        for needle in &self.needles {
            if result.contains(needle.as_str()) {
                result = Cow::Owned(result.replace(needle.as_str(), MASK));
            }
        }
        if result.contains('%') {
            let decoded = percent_encoding::percent_decode_str(&result).decode_utf8_lossy();
            if self.reveals_secret(&decoded) {
                let mut masked = decoded.into_owned();
                for needle in &self.needles {
                    masked = masked.replace(needle.as_str(), MASK);
                }
                return Cow::Owned(masked);
            }
        }
        result
    }

    pub fn redact_owned(&self, text: String) -> String {
        match self.redact(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(redacted) => redacted,
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, as query strings carry
/// values.
fn percent_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
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
    fn secret_debug_and_display_mask() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), MASK);
        assert_eq!(format!("{secret:?}"), MASK);
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn redactor_masks_plain_encoded_and_basic() {
        let mut redactor = Redactor::new();
        redactor.add_basic_auth("admin", "p@ss word");
        let header = base64::engine::general_purpose::STANDARD.encode("admin:p@ss word");
        let text = format!("pw=p@ss word url=?p=p%40ss%20word auth=Basic {header}");
        let redacted = redactor.redact(&text);
        assert!(!redacted.contains("p@ss word"), "{redacted}");
        assert!(!redacted.contains("p%40ss%20word"), "{redacted}");
        assert!(!redacted.contains(&header), "{redacted}");
        assert_eq!(redacted.matches(MASK).count(), 3);
    }

    #[test]
    fn credential_headers_mask_their_parts() {
        let mut redactor = Redactor::new();
        redactor.add_credential_header("Bearer abc.def.ghi");
        redactor.add_credential_header("SESSION=s3cr3t-value; theme=dark");
        let text = "token abc.def.ghi, cookie s3cr3t-value, theme dark";
        assert_eq!(
            redactor.redact(text),
            format!("token {MASK}, cookie {MASK}, theme dark")
        );
    }

    #[test]
    fn redactor_masks_other_url_encodings() {
        let mut redactor = Redactor::new();
        redactor.add("Ab+c/d=xyz");
        redactor.add("p@ss:wd\"1");
        let url = "https://h/x?t=Ab%2Bc/d%3Dxyz&u=p@ss:wd%221";
        let redacted = redactor.redact(url);
        assert!(!redacted.contains("xyz"), "{redacted}");
        assert!(!redacted.contains("wd"), "{redacted}");
    }

    #[test]
    fn short_secrets_are_not_masked() {
        let mut redactor = Redactor::new();
        assert!(!redactor.add("amp"));
        assert_eq!(redactor.redact("&amp; example"), "&amp; example");
    }

    #[test]
    fn redactor_masks_longest_first() {
        let mut redactor = Redactor::new();
        redactor.add("abc");
        redactor.add("abcdef");
        assert_eq!(redactor.redact("xabcdefx"), format!("x{MASK}x"));
    }
}
