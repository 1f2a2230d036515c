//! The JSON Schema of suite files: the committed file matches the Rust types, its keys match
//! the loader's, and an independent validator (Python's check-jsonschema) accepts every bundled
//! suite and documented example and rejects a misspelled key.

mod common;

use common::docs;
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gatecheck::error_kind::ErrorKindPattern;
use gatecheck::suite::schema::suite_schema;
use serde_json::Value;

const SCHEMA_PATH: &str = "schemas/suite.schema.json";
const UPDATE_VARIABLE: &str = "GATECHECK_UPDATE_SCHEMA";

/// The loader's accepted keys, which the schema must match.
mod loader {
    pub use gatecheck::suite::load::{
        AUTH_KEYS, BASIC_KEYS, CAPTURE_KEYS, CAPTURE_SOURCES, CERTIFICATE_KEYS, CHECK_KEYS,
        DEFAULTS_KEYS, EXPECT_KEYS, HEADER_MATCH_KEYS, HINT_KEYS, MATCHER_KINDS, METHODS,
        PATH_MATCHER_KEYS, REQUEST_KEYS, RETRIES_KEYS, SUITE_KEYS, TLS_KEYS, VANTAGE_KEYS,
        VARIABLE_KEYS, WHEN_KEYS,
    };
}

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn generated_text() -> String {
    let schema = serde_json::to_string_pretty(&suite_schema()).expect("the schema serializes");
    format!("{schema}\n")
}

fn names(keys: &[&str]) -> BTreeSet<String> {
    keys.iter().map(ToString::to_string).collect()
}

fn without(keys: &[&str], removed: &str) -> BTreeSet<String> {
    keys.iter()
        .filter(|key| **key != removed)
        .map(ToString::to_string)
        .collect()
}

fn definition<'s>(schema: &'s Value, name: &str) -> &'s Value {
    schema
        .pointer(&format!("/$defs/{name}"))
        .unwrap_or_else(|| panic!("the schema has no definition `{name}`"))
}

fn property_names(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

// The committed file

#[test]
fn schema_file_is_current() {
    let path = repository().join(SCHEMA_PATH);
    let generated = generated_text();
    if std::env::var(UPDATE_VARIABLE).as_deref() == Ok("1") {
        // Written beside the target and renamed, so that the validator tests running in
        // parallel never read half a file.
        let temporary = path.with_extension("json.tmp");
        fs::write(&temporary, &generated).expect("the schema folder is writable");
        fs::rename(&temporary, &path).expect("the schema file is replaceable");
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    let first_difference = committed
        .lines()
        .zip(generated.lines())
        .position(|(old, new)| old != new)
        .map_or_else(
            || "the length".to_string(),
            |index| format!("line {}", index + 1),
        );
    assert!(
        committed == generated,
        "{SCHEMA_PATH} does not match the types in src/suite/schema.rs (first difference: \
         {first_difference}); regenerate it with `{UPDATE_VARIABLE}=1 cargo test --test \
         suite_schema` and commit it"
    );
}

#[test]
fn schema_is_valid_draft_2020_12() {
    let schema = suite_schema();
    let result = jsonschema::meta::validate(&schema);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "the schema declares another draft"
    );
}

#[test]
fn schema_has_id_title_description() {
    let schema = suite_schema();
    assert_eq!(schema["$id"], gatecheck::suite::schema::SCHEMA_URL);
    assert_eq!(schema["title"], "gatecheck suite");
    assert!(
        schema["description"].is_string(),
        "the root has no description"
    );
}

// Agreement with the loader

/// Lists every mapping whose keys the loader fixes, by the schema definition that describes it.
fn fixed_mappings() -> Vec<(&'static str, BTreeSet<String>)> {
    vec![
        ("VariableDefinition", names(loader::VARIABLE_KEYS)),
        ("Defaults", names(loader::DEFAULTS_KEYS)),
        ("Tls", names(loader::TLS_KEYS)),
        ("BasicAuth", names(loader::AUTH_KEYS)),
        ("Credentials", names(loader::BASIC_KEYS)),
        ("VantageDefinition", names(loader::VANTAGE_KEYS)),
        ("Check", names(loader::CHECK_KEYS)),
        ("Capture", names(loader::CAPTURE_KEYS)),
        ("Retries", names(loader::RETRIES_KEYS)),
        ("Request", names(loader::REQUEST_KEYS)),
        ("Expect", names(loader::EXPECT_KEYS)),
        ("CertificateExpectation", names(loader::CERTIFICATE_KEYS)),
        ("HeaderMatch", names(loader::HEADER_MATCH_KEYS)),
        ("ContainsMatcher", names(&["contains"])),
        ("RegexMatcher", names(&["regex"])),
        ("EqualsMatcher", names(&["equals"])),
        (
            "JsonPathMatcher",
            without(loader::PATH_MATCHER_KEYS, "xpath"),
        ),
        (
            "XPathMatcher",
            without(loader::PATH_MATCHER_KEYS, "jsonpath"),
        ),
        ("CheckHint", names(loader::HINT_KEYS)),
        ("SuiteHint", names(loader::HINT_KEYS)),
        ("CheckHintCondition", without(loader::WHEN_KEYS, "checks")),
        ("SuiteHintCondition", names(loader::WHEN_KEYS)),
    ]
}

#[test]
fn suite_keys_match_loader() {
    let schema = suite_schema();
    assert_eq!(property_names(&schema), names(loader::SUITE_KEYS));
}

#[test]
fn mapping_keys_match_loader() {
    let schema = suite_schema();
    for (name, loader_keys) in fixed_mappings() {
        assert_eq!(
            property_names(definition(&schema, name)),
            loader_keys,
            "the keys of `{name}` differ from the loader's"
        );
    }
}

#[test]
fn every_closed_mapping_compared() {
    let schema = suite_schema();
    let compared: BTreeSet<&str> = fixed_mappings().iter().map(|(name, _)| *name).collect();
    let definitions = schema["$defs"].as_object().expect("the schema has $defs");
    for (name, definition) in definitions {
        if definition["additionalProperties"] == Value::Bool(false) {
            assert!(
                compared.contains(name.as_str()),
                "`{name}` has fixed keys but mapping_keys_match_loader does not compare them"
            );
        }
    }
}

#[test]
fn closed_mappings_allow_extension_keys() {
    let schema = suite_schema();
    let definitions = schema["$defs"].as_object().expect("the schema has $defs");
    let mut mappings: Vec<(&str, &Value)> = vec![("the suite", &schema)];
    mappings.extend(
        definitions
            .iter()
            .map(|(name, value)| (name.as_str(), value)),
    );
    for (name, definition) in mappings {
        if definition["additionalProperties"] != Value::Bool(false) {
            continue;
        }
        assert!(
            definition["patternProperties"]["^x-"].is_object(),
            "`{name}` rejects `x-` keys, which the loader ignores"
        );
    }
}

#[test]
fn body_matcher_kinds_match_loader() {
    let schema = suite_schema();
    let branches = definition(&schema, "BodyMatcher")["anyOf"]
        .as_array()
        .expect("BodyMatcher is a choice");
    let mut kinds = BTreeSet::new();
    for branch in branches {
        let reference = branch["$ref"]
            .as_str()
            .expect("each matcher is a definition");
        let name = reference.trim_start_matches("#/$defs/");
        let required = definition(&schema, name)["required"]
            .as_array()
            .expect("each matcher requires its kind");
        kinds.extend(required.iter().filter_map(Value::as_str).map(String::from));
    }
    assert_eq!(kinds, names(loader::MATCHER_KINDS));
}

#[test]
fn capture_sources_match_loader() {
    let schema = suite_schema();
    let choices = definition(&schema, "Capture")["oneOf"]
        .as_array()
        .expect("Capture requires one source");
    let sources: Vec<&str> = choices
        .iter()
        .filter_map(|choice| choice["required"][0].as_str())
        .collect();
    assert_eq!(sources, loader::CAPTURE_SOURCES);
}

#[test]
fn methods_match_loader() {
    let schema = suite_schema();
    let methods: Vec<&str> = definition(&schema, "Method")["enum"]
        .as_array()
        .expect("Method lists its values")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(methods, loader::METHODS);
}

#[test]
fn error_kinds_match_valid_names() {
    let schema = suite_schema();
    let kinds: Vec<&str> = definition(&schema, "ErrorKind")["oneOf"]
        .as_array()
        .expect("ErrorKind lists its values with descriptions")
        .iter()
        .filter_map(|kind| kind["const"].as_str())
        .collect();
    assert_eq!(kinds, ErrorKindPattern::valid_names());
}

// An independent validator

/// Runs Python's check-jsonschema with the committed schema on `files`.
fn check_jsonschema(files: &[PathBuf]) -> Output {
    let result = Command::new("check-jsonschema")
        .arg("--color")
        .arg("never")
        .arg("--schemafile")
        .arg(repository().join(SCHEMA_PATH))
        .args(files)
        .current_dir(repository())
        .output();
    match result {
        Ok(output) => output,
        Err(error) if error.kind() == io::ErrorKind::NotFound => panic!(
            "check-jsonschema is not installed: run `pip install check-jsonschema`, or run \
             tests/run-all, which installs what the tests need"
        ),
        Err(error) => panic!("cannot run check-jsonschema: {error}"),
    }
}

fn combined_output(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Lists the YAML files directly in `folder`, or none when the folder does not exist.
fn yaml_files(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml" || extension == "yml")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn validator_accepts_bundled_suites() {
    let suites = yaml_files(&repository().join("suites"));
    assert!(!suites.is_empty(), "suites/ has no YAML files");
    let examples = yaml_files(&repository().join("examples"));
    let files: Vec<PathBuf> = suites.into_iter().chain(examples).collect();
    let output = check_jsonschema(&files);
    assert!(
        output.status.success(),
        "check-jsonschema rejected a bundled suite:\n{}",
        combined_output(&output)
    );
}

#[test]
fn validator_accepts_docs_examples() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let mut files = Vec::new();
    for example in docs::examples() {
        let path = folder
            .path()
            .join(format!("suite-format-line-{}.yaml", example.line));
        fs::write(&path, docs::suite_text(&example)).expect("the temporary folder is writable");
        files.push(path);
    }
    assert!(
        !files.is_empty(),
        "docs/suite-format.md has no YAML examples"
    );
    let output = check_jsonschema(&files);
    assert!(
        output.status.success(),
        "check-jsonschema rejected an example in docs/suite-format.md (the file name gives its \
         line):\n{}",
        combined_output(&output)
    );
}

#[test]
fn validator_rejects_misspelled_key() {
    let fixture = repository().join("tests/fixtures/schema/misspelled.yaml");
    let output = check_jsonschema(&[fixture]);
    let text = combined_output(&output);
    assert!(
        !output.status.success(),
        "check-jsonschema accepted `stauts`:\n{text}"
    );
    assert!(
        text.contains("$.checks[0].expect"),
        "the error does not name the path $.checks[0].expect:\n{text}"
    );
    assert!(
        text.contains("stauts"),
        "the error does not name the key `stauts`:\n{text}"
    );
}

/// Suites that gatecheck rejects, each for one reason that the schema can express too.
const REJECTED: &[(&str, &str)] = &[
    (
        "certificate-empty",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { certificate: {} } }]\n",
    ),
    (
        "certificate-negative-days",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { certificate: { min_days_left: -1 } } }]\n",
    ),
    (
        "value-and-env",
        "name: t\nvariables: { A: { value: x, env: A } }\nchecks: [{ id: a, request: { url: /a } }]\n",
    ),
    (
        "default-without-env",
        "name: t\nvariables: { A: { value: x, default: y } }\nchecks: [{ id: a, request: { url: /a } }]\n",
    ),
    (
        "variable-without-source",
        "name: t\nvariables: { A: { secret: true } }\nchecks: [{ id: a, request: { url: /a } }]\n",
    ),
    (
        "variable-name-digit",
        "name: t\nvariables: { 1A: x }\nchecks: [{ id: a, request: { url: /a } }]\n",
    ),
    (
        "empty-value",
        "name: t\ndescription:\nchecks: [{ id: a, request: { url: /a } }]\n",
    ),
    (
        "base-url-without-scheme",
        "name: t\ndefaults: { base_url: api.example.com }\nchecks: [{ id: a, request: { url: /a } }]\n",
    ),
    (
        "auth-word",
        "name: t\ndefaults: { auth: basic }\nchecks: [{ id: a, request: { url: /a } }]\n",
    ),
    (
        "empty-vantages",
        "name: t\nvantages: []\nchecks: [{ id: a, request: { url: /a } }]\n",
    ),
    ("empty-checks", "name: t\nchecks: []\n"),
    (
        "invalid-check-id",
        "name: t\nchecks: [{ id: a b, request: { url: /a } }]\n",
    ),
    (
        "capture-two-sources",
        "name: t\nchecks: [{ id: a, request: { url: /a }, capture: { T: { header: X, regex: y } } }]\n",
    ),
    (
        "capture-without-source",
        "name: t\nchecks: [{ id: a, request: { url: /a }, capture: { T: { secret: true } } }]\n",
    ),
    (
        "unknown-method",
        "name: t\nchecks: [{ id: a, request: { url: /a, method: FETCH } }]\n",
    ),
    (
        "invalid-header-name",
        "name: t\nchecks: [{ id: a, request: { url: /a, headers: { Bad Header: x } } }]\n",
    ),
    (
        "duration-unit",
        "name: t\nchecks: [{ id: a, request: { url: /a, timeout: 10 hours } }]\n",
    ),
    (
        "status-too-high",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { status: 600 } }]\n",
    ),
    (
        "status-class-6xx",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { status: 6xx } }]\n",
    ),
    (
        "status-empty-list",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { status: [] } }]\n",
    ),
    (
        "header-equals-and-regex",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { headers: { X: { equals: a, regex: b } } } }]\n",
    ),
    (
        "matcher-kinds-mixed",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { body: [{ contains: x, exists: true }] } }]\n",
    ),
    (
        "negative-count",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { body: [{ jsonpath: $, count: -1 }] } }]\n",
    ),
    (
        "status-and-error",
        "name: t\nchecks: [{ id: a, request: { url: /a } }]\nhints: [{ id: h, title: t, explanation: e, when: { status: 500, error: dns } }]\n",
    ),
    (
        "unknown-error-kind",
        "name: t\nchecks: [{ id: a, request: { url: /a } }]\nhints: [{ id: h, title: t, explanation: e, when: { error: tls.bad } }]\n",
    ),
    (
        "check-hint-with-checks",
        "name: t\nchecks: [{ id: a, request: { url: /a }, hints: [{ id: h, title: t, explanation: e, when: { checks: [a] } }] }]\n",
    ),
    (
        "hint-title-two-lines",
        "name: t\nchecks: [{ id: a, request: { url: /a } }]\nhints:\n  - id: h\n    title: |\n      one\n      two\n    explanation: e\n",
    ),
];

/// Suites that gatecheck accepts although they are written in less usual ways.
const ACCEPTED: &[(&str, &str)] = &[
    (
        "certificate-conditions",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { certificate: { min_days_left: 30, issuer: 'CN=.* CA', subject: CN=api, san_contains: api.example.com } } }]\n",
    ),
    (
        "lowercase-method",
        "name: t\nchecks: [{ id: a, request: { url: /a, method: post } }]\n",
    ),
    (
        "numbers-as-text",
        "name: t\nversion: 2\nchecks: [{ id: 7, request: { url: /a, headers: { Content-Length: 0 }, query: { page: 1 } } }]\n",
    ),
    (
        "one-tag-and-dependency",
        "name: t\nchecks: [{ id: a, tags: smoke, request: { url: /a } }, { id: b, depends_on: a, request: { url: /b } }]\n",
    ),
    (
        "status-forms",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { status: [4XX, \" 200 - 204 \", 200..204, \"302\"] } }]\n",
    ),
    (
        "bare-seconds",
        "name: t\ndefaults: { timeout: 1.5 }\nchecks: [{ id: a, request: { url: /a, timeout: 2 }, expect: { max_duration: 500ms } }]\n",
    ),
    (
        "status-with-empty-error-list",
        "name: t\nchecks: [{ id: a, request: { url: /a } }]\nhints: [{ id: h, title: t, explanation: e, when: { status: 500, error: [] } }]\n",
    ),
    (
        "extension-keys",
        "name: t\nx-note: top\ndefaults: { x-note: defaults, tls: { x-note: tls } }\nchecks: [{ id: a, x-note: check, request: { url: /a, x-note: request }, expect: { x-note: expect } }]\n",
    ),
    (
        "equals-null",
        "name: t\nchecks: [{ id: a, request: { url: /a }, expect: { body: [{ jsonpath: $.a, equals: null }] } }]\n",
    ),
    (
        "request-auth-none",
        "name: t\ndefaults: { auth: { basic: { user: u, password: p } } }\nchecks: [{ id: a, request: { url: /a, auth: none } }]\n",
    ),
];

#[test]
fn schema_and_loader_agree() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let mut files = Vec::new();
    for (name, text) in REJECTED.iter().chain(ACCEPTED) {
        let path = folder.path().join(format!("{name}.yaml"));
        fs::write(&path, text).expect("the temporary folder is writable");
        files.push(path);
    }
    let output = check_jsonschema(&files);
    let report = combined_output(&output);

    for (name, text) in REJECTED {
        let loaded = gatecheck::suite::load_str(Path::new(name), text);
        assert!(
            loaded.is_err(),
            "the loader accepted case `{name}`:\n{text}"
        );
        assert!(
            report.contains(&format!("/{name}.yaml::")),
            "check-jsonschema accepted case `{name}`, which the loader rejects:\n{text}\n{report}"
        );
    }
    for (name, text) in ACCEPTED {
        let loaded = gatecheck::suite::load_str(Path::new(name), text);
        assert!(
            loaded.is_ok(),
            "the loader rejected case `{name}`:\n{}",
            loaded
                .err()
                .map(|error| error.to_string())
                .unwrap_or_default()
        );
        assert!(
            !report.contains(&format!("/{name}.yaml::")),
            "check-jsonschema rejected case `{name}`, which the loader accepts:\n{text}\n{report}"
        );
    }
}

#[test]
fn loader_rejects_misspelled_key() {
    let fixture = repository().join("tests/fixtures/schema/misspelled.yaml");
    let error = match gatecheck::suite::load_file(&fixture) {
        Ok(_) => panic!("the loader accepted `stauts`"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("unknown key `stauts`"), "{error}");
}
