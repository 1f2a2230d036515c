//! Body matcher evaluation through `gatecheck::assert::evaluate`: regex and JSONPath on a JSON
//! body, XPath on an XML body, each at 1 KiB and 1 MiB (the default `--body-limit`).
//!
//! The value each matcher looks for sits at the end of the body, so a regex scans all of it.
//! JSONPath and XPath parse the whole document first wherever the value is, because
//! `evaluate` decodes the body once per call.
//!
//! Run with `cargo bench --bench matchers`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gatecheck::assert::{Response, evaluate};
use gatecheck::suite::Expectations;
use reqwest::header::HeaderMap;

const SUITE: &str = r#"
name: Matchers
checks:
  - id: regex
    request:
      url: https://127.0.0.1:8443/items
    expect:
      status: 200
      body:
        - regex: '"status": *"up"'
  - id: jsonpath
    request:
      url: https://127.0.0.1:8443/items
    expect:
      status: 200
      body:
        - jsonpath: $.status
          equals: up
  - id: xpath
    request:
      url: https://127.0.0.1:8443/items
    expect:
      status: 200
      body:
        - xpath: /response/status
          equals: up
"#;

/// Builds a JSON object of at least `size` bytes: an item list, then `"status": "up"`.
fn json_body(size: usize) -> Vec<u8> {
    let mut body = String::from("{\"items\": [");
    let mut number = 0;
    while body.len() < size {
        if number > 0 {
            body.push_str(", ");
        }
        number += 1;
        body.push_str(&format!(
            "{{\"id\": {number}, \"name\": \"item-{number:06}\", \"enabled\": true}}"
        ));
    }
    body.push_str("], \"status\": \"up\"}");
    body.into_bytes()
}

/// Builds an XML document of at least `size` bytes: an item list, then `<status>up</status>`.
fn xml_body(size: usize) -> Vec<u8> {
    let mut body = String::from("<?xml version=\"1.0\"?>\n<response><items>");
    let mut number = 0;
    while body.len() < size {
        number += 1;
        body.push_str(&format!(
            "<item id=\"{number}\"><name>item-{number:06}</name><enabled>true</enabled></item>"
        ));
    }
    body.push_str("</items><status>up</status></response>");
    body.into_bytes()
}

fn matchers(criterion: &mut Criterion) {
    let loaded = gatecheck::suite::load_str(Path::new("matchers.yaml"), SUITE)
        .unwrap_or_else(|error| panic!("the matcher suite must load: {error}"));
    let expectations = |id: &str| -> Expectations {
        let check = loaded.suite.checks.iter().find(|check| check.id == id);
        check.expect("the suite defines this check").expect.clone()
    };
    let headers = HeaderMap::new();

    let mut group = criterion.benchmark_group("evaluate");
    for (size, label) in [(1 << 10, "1KiB"), (1 << 20, "1MiB")] {
        let json = json_body(size);
        let xml = xml_body(size);
        let cases = [
            ("regex", &json, expectations("regex")),
            ("jsonpath", &json, expectations("jsonpath")),
            ("xpath", &xml, expectations("xpath")),
        ];
        if size > 1 << 10 {
            // Each iteration parses a whole mebibyte; fewer samples keep the run short.
            group.sample_size(20);
            group.measurement_time(Duration::from_secs(10));
        }
        for (matcher, body, expect) in cases {
            let response = Response {
                status: 200,
                headers: &headers,
                body,
                body_truncated: false,
                duration: Duration::from_millis(1),
                certificate: None,
                tls_note: None,
            };
            // A matcher that fails would measure the failure message, not the match.
            let failures = evaluate(&expect, &response);
            assert!(failures.is_empty(), "{matcher} on {label}: {failures:?}");

            group.throughput(Throughput::Bytes(body.len() as u64));
            group.bench_function(format!("{matcher} {label}"), |bencher| {
                bencher.iter(|| evaluate(black_box(&expect), black_box(&response)).len())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, matchers);
criterion_main!(benches);
