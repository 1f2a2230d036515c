//! Fuzz target: any bytes as a response body, evaluated by a fixed set of matchers (contains,
//! regex, equals, and JSONPath and XPath with each predicate) and captures. libFuzzer reports
//! any panic, so a clean run shows that evaluation returned for every input it tried.

#![no_main]

use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use gatecheck::assert::{Response, capture::capture, evaluate};
use gatecheck::suite::Suite;
use http::HeaderMap;
use libfuzzer_sys::fuzz_target;

/// The matchers, compiled once by loading a suite, as a run does.
static SUITE: LazyLock<Suite> = LazyLock::new(|| {
    let text = include_str!("matchers.yaml");
    match gatecheck::suite::load_str(Path::new("matchers.yaml"), text) {
        Ok(loaded) => loaded.suite,
        Err(error) => panic!("fuzz_targets/matchers.yaml does not load: {error}"),
    }
});

fuzz_target!(|body: &[u8]| {
    let headers = HeaderMap::new();
    let response = Response {
        status: 200,
        headers: &headers,
        body,
        body_truncated: false,
        duration: Duration::from_millis(1),
        certificate: None,
        tls_note: None,
    };
    for check in &SUITE.checks {
        let _ = evaluate(&check.expect, &response);
    }
    // A run gives the captures the body decoded in the same way.
    let text = String::from_utf8_lossy(body);
    for check in &SUITE.checks {
        for entry in &check.captures {
            let _ = capture(&entry.source, &headers, &text);
        }
    }
});
