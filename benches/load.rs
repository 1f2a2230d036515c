//! Suite loading: YAML text to a validated suite, through `gatecheck::suite::load_str`.
//!
//! The suites have the shape `benches/run` generates: one base URL with a CA file, and checks
//! that each expect a status and one body matcher, JSONPath and regex in turn.
//!
//! Run with `cargo bench --bench load`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

/// Writes a suite of `count` checks as YAML text.
fn suite_text(count: usize) -> String {
    let mut text = format!(
        "name: Benchmark {count}\n\
         id: bench-{count}\n\
         defaults:\n  \
           base_url: https://127.0.0.1:8443\n  \
           tls:\n    \
             ca_file: ca.pem\n\
         checks:\n"
    );
    for number in 1..=count {
        text.push_str(&format!(
            "  - id: check-{number:05}\n    \
                 request:\n      \
                   url: /small.json?n={number}\n    \
                 expect:\n      \
                   status: 200\n      \
                   body:\n"
        ));
        if number % 2 == 1 {
            text.push_str("        - jsonpath: $.status\n          equals: up\n");
        } else {
            text.push_str("        - regex: '\"status\": *\"up\"'\n");
        }
    }
    text
}

fn load(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("load_str");
    for count in [4, 1000] {
        let text = suite_text(count);
        // A suite that does not load would make every figure meaningless.
        let loaded = gatecheck::suite::load_str(Path::new("bench.yaml"), &text)
            .unwrap_or_else(|error| panic!("the generated suite must load: {error}"));
        assert_eq!(loaded.suite.checks.len(), count);

        group.bench_function(format!("{count} checks"), |bencher| {
            bencher.iter(|| {
                gatecheck::suite::load_str(Path::new("bench.yaml"), black_box(&text))
                    .map(|loaded| loaded.suite.checks.len())
                    .ok()
            })
        });
    }
    group.finish();
}

/// The YAML reader alone, which is most of what loading costs.
fn parse_yaml(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("yaml_parse");
    let text = suite_text(1000);
    group.bench_function("1000 checks", |bencher| {
        bencher.iter(|| gatecheck::suite::yaml::parse(black_box(&text)).is_ok())
    });
    group.finish();
}

criterion_group!(benches, load, parse_yaml);
criterion_main!(benches);
