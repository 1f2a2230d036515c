//! ERS's optional CSRF protection: tokens handed out on request, and the check on writes.

use std::collections::VecDeque;
use std::sync::Mutex;

use hyper::HeaderMap;
use hyper::header::{HeaderName, HeaderValue};

/// Request and response header that carries the token. A client sends the value `fetch` to ask
/// for a token and the token itself on a write.
pub(crate) const CSRF_HEADER: HeaderName = HeaderName::from_static("x-csrf-token");

/// Request header value that requests a token.
const FETCH: &str = "fetch";

/// Maximum number of tokens kept. A long-running simulator drops the oldest beyond it, which
/// then fails the check like an expired token.
const MAX_KEPT_TOKENS: usize = 10_000;

/// Tokens issued since the start, oldest first, shared by all connections of one simulator.
// NOTE: every issued token stays valid for any user and connection until it is dropped at
// MAX_KEPT_TOKENS. ISE ties a token to the session that fetched it, which the simulator does not
// model.
#[derive(Debug, Default)]
pub(crate) struct CsrfTokens {
    tokens: Mutex<VecDeque<String>>,
}

impl CsrfTokens {
    /// Stores `token` as issued.
    pub(crate) fn remember(&self, token: String) {
        let mut tokens = self.lock();
        if tokens.len() == MAX_KEPT_TOKENS {
            tokens.pop_front();
        }
        tokens.push_back(token);
    }

    /// Returns whether the request carries a token that was issued and is still kept.
    pub(crate) fn accepts(&self, headers: &HeaderMap) -> bool {
        let Some(sent) = headers.get(CSRF_HEADER) else {
            return false;
        };
        self.lock()
            .iter()
            .any(|token| token.as_bytes() == sent.as_bytes())
    }

    /// Returns the kept tokens, oldest first.
    pub(crate) fn issued(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<String>> {
        // Every writer leaves the queue consistent after each push or pop, so a panic elsewhere
        // while the lock was held leaves nothing half done.
        self.tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Returns whether the request sends `X-CSRF-TOKEN: fetch` to obtain a token.
pub(crate) fn fetch_requested(headers: &HeaderMap) -> bool {
    headers
        .get_all(CSRF_HEADER)
        .iter()
        .any(|value: &HeaderValue| value.as_bytes().eq_ignore_ascii_case(FETCH.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with_token(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CSRF_HEADER, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn issued_token_accepted() {
        let tokens = CsrfTokens::default();
        tokens.remember("ABC123".to_owned());
        assert!(tokens.accepts(&headers_with_token("ABC123")));
    }

    #[test]
    fn unknown_token_rejected() {
        let tokens = CsrfTokens::default();
        tokens.remember("ABC123".to_owned());
        assert!(!tokens.accepts(&headers_with_token("ABC124")));
    }

    #[test]
    fn missing_token_rejected() {
        let tokens = CsrfTokens::default();
        tokens.remember("ABC123".to_owned());
        assert!(!tokens.accepts(&HeaderMap::new()));
    }

    #[test]
    fn oldest_token_dropped() {
        let tokens = CsrfTokens::default();
        for number in 0..=MAX_KEPT_TOKENS {
            tokens.remember(format!("T{number}"));
        }
        assert!(!tokens.accepts(&headers_with_token("T0")));
        assert!(tokens.accepts(&headers_with_token("T1")));
        assert_eq!(tokens.issued().len(), MAX_KEPT_TOKENS);
    }

    #[test]
    fn fetch_case_insensitive() {
        assert!(fetch_requested(&headers_with_token("Fetch")));
    }

    #[test]
    fn token_is_not_fetch() {
        assert!(!fetch_requested(&headers_with_token("ABC123")));
    }
}
