//! The JSON Schema of suite files, which gives editors completion, descriptions on hover and
//! errors for misspelled keys while a suite is written.
//!
//! The types below mirror the YAML that the loader in `load.rs` accepts. Nothing deserializes
//! into them: the loader reads suites itself so that it can report every problem with its
//! position. Their doc comments become the schema's descriptions, so they are written for
//! suite authors. `tests/suite_schema.rs` compares the keys with the loader's, checks the
//! committed `schemas/suite.schema.json`, and runs an independent validator on the bundled
//! suites and the documented examples.
//!
//! Wherever the loader reads text it also accepts a number and uses it as written, so the
//! schema accepts numbers there too: an editor must not flag what gatecheck accepts.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::transform::{RecursiveTransform, Transform};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};

/// URL of the published schema, which editors may fetch.
pub const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/gatecheck/gatecheck/main/schemas/suite.schema.json";

/// Names of variables and captured values, as `is_variable_name` in `template.rs` accepts them.
const VARIABLE_NAME: &str = "^[A-Za-z_][A-Za-z0-9_]*$";

/// Ids and vantage names, as the loader's `identifier` accepts them.
const IDENTIFIER: &str = "^[A-Za-z0-9._-]+$";

/// Header names that `reqwest::header::HeaderName::from_bytes` accepts: the `token` characters
/// of RFC 9110, section 5.6.2.
const HEADER_NAME: &str = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

/// The duration syntax of `parse_duration` in `reader.rs`, without the surrounding and inner
/// whitespace that it also tolerates.
const DURATION: &str = r"^[0-9]+(\.[0-9]+)?(ms|s|m|min)$";

/// A status code, class or range written as text, as `StatusPattern::parse` accepts it.
const STATUS_TEXT: &str =
    r"^\s*([1-5][xX][xX]|[1-5][0-9][0-9](\s*(-|\.\.)\s*[1-5][0-9][0-9])?)\s*$";

const EXTENSION_KEY: &str = "^x-";

const EXTENSION_DESCRIPTION: &str = "Ignored by gatecheck. An `x-` key can hold a YAML anchor \
     (`x-json: &json`) that other entries reuse with `<<: *json`.";

/// Returns the JSON Schema (draft 2020-12) of suite files, as committed in
/// `schemas/suite.schema.json`.
pub fn suite_schema() -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.root_schema_for::<SuiteFile>();
    RecursiveTransform(adapt_to_suite_format).transform(&mut schema);

    let mut root = schema.to_value();
    let object = root
        .as_object_mut()
        .expect("a derived struct's schema is an object");
    object.insert("$id".to_string(), SCHEMA_URL.into());
    object.insert("title".to_string(), "gatecheck suite".into());
    root
}

/// Adjusts what schemars derives to how the loader reads YAML.
fn adapt_to_suite_format(schema: &mut Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    remove_null(object);
    // The loader skips `x-` keys in every mapping whose keys are fixed, and those are exactly
    // the mappings derived from `deny_unknown_fields` structs.
    if object.get("additionalProperties") == Some(&Value::Bool(false)) {
        let extension = serde_json::json!({ "description": EXTENSION_DESCRIPTION });
        let mut patterns = Map::new();
        patterns.insert(EXTENSION_KEY.to_string(), extension);
        object.insert("patternProperties".to_string(), Value::Object(patterns));
    }
    if let Some(Value::String(description)) = object.get_mut("description") {
        *description = unwrap_lines(description);
    }
}

/// Removes the `null` that schemars allows for every `Option` field. An optional key of a suite
/// is left out, never set to an empty value, which the loader rejects.
fn remove_null(object: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|name| name != "null");
        if let [single] = types.as_slice() {
            let single = single.clone();
            object.insert("type".to_string(), single);
        }
    }
    if let Some(Value::Array(values)) = object.get_mut("enum") {
        values.retain(|value| !value.is_null());
    }
    let Some(Value::Array(branches)) = object.get_mut("anyOf") else {
        return;
    };
    branches.retain(|branch| branch != &serde_json::json!({ "type": "null" }));
    if branches.len() != 1 {
        return;
    }
    // `Option<T>` of a referenced or combined schema became `anyOf: [T, null]`, with the
    // field's description beside `anyOf`; what remains is T with that description.
    let Some(Value::Object(inner)) = branches.pop() else {
        return;
    };
    object.remove("anyOf");
    for (key, value) in inner {
        object.entry(key).or_insert(value);
    }
}

/// Joins the lines of each paragraph of a doc comment, because its line breaks only wrap the
/// source and editors wrap descriptions themselves.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| paragraph.split('\n').collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Implements `JsonSchema` with a schema written out, for shapes that derive cannot express:
/// string or number, patterns, and one value or a list.
macro_rules! written_schema {
    ($type:ty, $name:literal, inline: $inline:literal, |$generator:ident| $schema:expr) => {
        impl JsonSchema for $type {
            fn inline_schema() -> bool {
                $inline
            }

            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }

            fn json_schema($generator: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

/// A gatecheck suite: HTTP checks, the vantage points they run from, and hint rules that explain
/// what a failure means. The format is described in docs/suite-format.md.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    /// Stable identifier of the suite, used in JUnit class names (`<id>.<vantage>`) and to
    /// match results from different machines. Letters, digits, `-`, `_` and `.`. Default: the
    /// name in lowercase with `-` between words.
    pub id: Option<Identifier>,
    /// Title of the suite, shown in every report.
    pub name: NonEmptyText,
    /// The suite's own version, shown in reports. Quote it (`version: "1.10"`), because YAML
    /// reads an unquoted `1.10` as the number 1.1.
    pub version: Option<Text>,
    /// A paragraph about what the suite checks.
    pub description: Option<Text>,
    /// Named values that strings use as `${NAME}`: the base URL, request URLs, query values,
    /// header values, request bodies and basic-auth fields. Names use letters, digits and `_`
    /// and do not start with a digit. `--var NAME=VALUE` overrides any of them.
    #[schemars(extend("propertyNames" = { "pattern": VARIABLE_NAME }))]
    pub variables: Option<BTreeMap<String, Variable>>,
    /// Settings every check inherits unless it sets its own.
    pub defaults: Option<Defaults>,
    /// Ordered list of the places the suite runs from. `--vantage NAME` picks one; without it,
    /// the first one runs. Without `vantages`, the suite has one vantage named `default`.
    #[schemars(length(min = 1))]
    pub vantages: Option<Vec<Vantage>>,
    /// The checks, at least one, run in this order.
    #[schemars(length(min = 1))]
    pub checks: Vec<Check>,
    /// Suite-wide hint rules, tried after a check's own `hints`.
    pub hints: Option<Vec<SuiteHint>>,
}

/// A variable: a fixed value, or the long form that reads the environment or adds `secret` or
/// `description`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum Variable {
    /// A fixed value, such as `PAGE_SIZE: "10"`.
    Value(Text),
    /// The long form, with `value` or `env`.
    Definition(VariableDefinition),
}

/// A variable in long form. It sets exactly one of `value` and `env`, and `default` only
/// together with `env`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend(
    "oneOf" = [{ "required": ["value"] }, { "required": ["env"] }],
    "dependentRequired" = { "default": ["env"] },
))]
pub struct VariableDefinition {
    /// A fixed value.
    pub value: Option<Text>,
    /// Name of the environment variable to read, such as `ISE_HOST`. Without `default`, the
    /// run stops with exit code 2 when it is unset or empty.
    pub env: Option<NonEmptyText>,
    /// Value used when the environment variable named by `env` is unset or empty.
    pub default: Option<Text>,
    /// `true` masks the value as `********` in every output: console, reports and error
    /// messages.
    #[schemars(extend("default" = false))]
    pub secret: Option<bool>,
    /// Purpose of the variable, such as `Host name of the ISE node.`
    pub description: Option<Text>,
}

/// Settings every check inherits unless it sets its own.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Prefix for request URLs that do not start with `http://` or `https://`, such as
    /// `https://${ISE_HOST}`. It starts with a scheme or a variable. A path in it is kept:
    /// `https://gw/ise` and `/ers` give `https://gw/ise/ers`.
    pub base_url: Option<BaseUrl>,
    /// Request headers for every check. A check's header of the same name replaces one of
    /// these.
    pub headers: Option<Headers>,
    /// Credentials for every check: `none`, or `basic` with `user` and `password`.
    pub auth: Option<Auth>,
    /// Time allowed for each request, from sending to the end of the body.
    #[schemars(extend("default" = "10s"))]
    pub timeout: Option<Duration>,
    /// Certificate verification.
    pub tls: Option<Tls>,
    /// `true` follows up to 10 redirects. By default a redirect is reported, not followed,
    /// because a redirect usually is the finding.
    #[schemars(extend("default" = false))]
    pub follow_redirects: Option<bool>,
}

/// Certificate verification for every check.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// PEM file of CA certificates to trust in addition to the system's roots, such as
    /// `certs/ise-ca.pem`. A relative path is relative to the suite file.
    pub ca_file: Option<NonEmptyText>,
    /// `true` trusts only the CA files given at any level, not the system's roots.
    #[schemars(extend("default" = false))]
    pub ca_only: Option<bool>,
    /// PEM client certificate (chain) for servers that require one; set with `client_key`.
    pub client_cert: Option<NonEmptyText>,
    /// PEM private key of `client_cert`.
    pub client_key: Option<NonEmptyText>,
    /// `true` turns certificate verification off, and every report then flags the run as
    /// insecure. Prefer `ca_file`.
    #[schemars(extend("default" = false))]
    pub insecure: Option<bool>,
    /// Lowest TLS version to accept: `"1.2"` or `"1.3"` (quoted).
    pub min_version: Option<MinTlsVersion>,
}

/// A TLS version gatecheck can require.
#[derive(JsonSchema)]
pub enum MinTlsVersion {
    #[serde(rename = "1.2")]
    Tls12,
    #[serde(rename = "1.3")]
    Tls13,
}

/// Credentials: `none`, or `basic` with `user` and `password`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum Auth {
    /// Send no credentials, also when `defaults.auth` sets some.
    None(NoAuth),
    /// HTTP basic authentication.
    Basic(BasicAuth),
}

/// The word `none`.
#[derive(JsonSchema)]
#[schemars(inline)]
pub enum NoAuth {
    #[serde(rename = "none")]
    None,
}

/// HTTP basic authentication.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    /// User name and password. The password is masked in every output, also when its variable
    /// is not marked `secret`.
    pub basic: Credentials,
}

/// A user name and password for HTTP basic authentication.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// User name, such as `${ISE_API_USER}`.
    pub user: Text,
    /// Password, such as `${ISE_API_PASSWORD}`; masked in every output.
    pub password: Text,
}

/// A vantage point: a mapping with `name` and `description`, or just the name.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum Vantage {
    /// The vantage's name: letters, digits, `-`, `_` and `.`.
    Name(VantageName),
    /// A vantage with a description.
    Definition(Box<VantageDefinition>),
}

/// A vantage point with a description.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VantageDefinition {
    /// Name for `--vantage` and hint rules, such as `internal`: letters, digits, `-`, `_` and
    /// `.`.
    pub name: Identifier,
    /// Description of the place, such as `A machine inside the customer network.`
    pub description: Option<Text>,
    /// Base URL used from this vantage, in place of `defaults.base_url`, such as the gateway's
    /// public name from outside.
    pub base_url: Option<BaseUrl>,
    /// Proxy this vantage goes through (`http://`, `https://` or `socks5://`, credentials in
    /// the URL from variables), or `none` to connect directly whatever the environment sets.
    /// Default: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` from the environment.
    pub proxy: Option<Text>,
    /// Hosts reached without the proxy: a list, or comma-separated text as in `NO_PROXY`.
    pub no_proxy: Option<TextList>,
    /// Host names resolved to fixed IP addresses instead of through DNS, like curl's
    /// `--resolve`: `ise.example.com: 192.0.2.10`. The port comes from the URL.
    pub resolve: Option<BTreeMap<String, Text>>,
    /// Connections for a host, or a host and port, that go to another host or port instead,
    /// like curl's `--connect-to`: `ise.example.com: gw-inside.example.net`,
    /// `ise.example.com:9060: 10.0.0.5:19060` or `ise.example.com:443: ":8443"`. The URL's
    /// name and port stay in TLS (SNI and the certificate check) and in the `Host` header.
    pub connect_to: Option<BTreeMap<String, NonEmptyText>>,
    /// Source IP address to connect from, on runners with several addresses.
    pub local_address: Option<Text>,
    /// Time allowed to set up each connection. Default: `5s`.
    pub connect_timeout: Option<Duration>,
    /// TLS settings at this vantage, over `defaults.tls`.
    pub tls: Option<Tls>,
}

/// One HTTP request and what must hold for its response.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Unique within the suite; reports and JUnit test names use it. Letters, digits, `-`, `_`
    /// and `.`.
    pub id: Identifier,
    /// Human-readable title. Default: the id.
    pub name: Option<NonEmptyText>,
    /// Description of what the check proves when it passes.
    pub description: Option<Text>,
    /// Labels: a list, or one label as text.
    pub tags: Option<TextList>,
    /// Vantages the check runs at, as a list or one name from the suite's `vantages`. At other
    /// vantages it is reported as skipped, with the reason. Default: every vantage.
    pub vantages: Option<NameList>,
    /// Ids of checks listed earlier that must pass first. When one of them does not pass, this
    /// check is skipped. A check that uses a captured value depends, directly or through
    /// others, on the check that captures it.
    pub depends_on: Option<NameList>,
    /// Values taken from the response into variables that later checks use as `${NAME}`. Each
    /// key is a variable name that no other variable or capture uses. A value that cannot be
    /// captured fails the check.
    #[schemars(extend("propertyNames" = { "pattern": VARIABLE_NAME }))]
    pub capture: Option<BTreeMap<String, Capture>>,
    /// Send the check again when it does not pass: a count from 1 to 10, or `count` with the
    /// `delay` before the first retry (default `1s`, doubling each time). Never after a 401 or
    /// 403, and each earlier attempt is reported, so an intermittent failure stays visible.
    pub retries: Option<RetriesSetting>,
    /// The request to send.
    pub request: Request,
    /// Expectations for the response. Without `expect`, any 2xx status passes.
    pub expect: Option<Expect>,
    /// Hint rules for this check, tried before the suite's `hints`.
    pub hints: Option<Vec<CheckHint>>,
}

/// Source of a captured value: exactly one of `jsonpath`, `xpath`, `header` and `regex`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    { "required": ["jsonpath"] },
    { "required": ["xpath"] },
    { "required": ["header"] },
    { "required": ["regex"] },
]))]
pub struct Capture {
    /// RFC 9535 JSONPath, such as `$.SearchResult.resources[0].id`. The first node selected is
    /// captured: a string as it is, other JSON values in their JSON form.
    pub jsonpath: Option<NonEmptyText>,
    /// XPath (the subset in docs/suite-format.md), such as `/result/id`. The value of the first
    /// node selected is captured.
    pub xpath: Option<NonEmptyText>,
    /// Response header whose first value is captured, such as `Location`.
    pub header: Option<HeaderName>,
    /// Regex searched in the body (Rust regex syntax). Capture group 1 is captured when the
    /// pattern has one, otherwise the whole match.
    pub regex: Option<Text>,
    /// `true` masks the captured value in every output.
    #[schemars(extend("default" = false))]
    pub secret: Option<bool>,
    /// `true` captures an empty value when the source is missing, instead of failing the check;
    /// for values that only some servers send, such as a CSRF token.
    #[schemars(extend("default" = false))]
    pub optional: Option<bool>,
}

/// How often to retry a check that does not pass.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum RetriesSetting {
    /// Retries after the first attempt, with the default delay.
    Count(RetryCount),
    /// Retries with their delay.
    Detailed(Retries),
}

/// Retries after the first attempt: 1 to 10.
pub struct RetryCount(pub u32);

written_schema!(RetryCount, "RetryCount", inline: true, |_generator| json_schema!({
    "type": "integer",
    "minimum": 1,
    "maximum": 10,
}));

/// Retries with their delay.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retries {
    /// Retries after the first attempt: 1 to 10.
    pub count: RetryCount,
    /// Wait before the first retry; each later wait doubles. Default: `1s`.
    pub delay: Option<Duration>,
}

/// The HTTP request a check sends.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// HTTP method.
    #[schemars(extend("default" = "GET"))]
    pub method: Option<RequestMethod>,
    /// An absolute URL, or a path appended to `defaults.base_url`, such as
    /// `/ers/config/endpointgroup`.
    pub url: Text,
    /// Query parameters, percent-encoded and appended after any query in `url`. Numbers are
    /// written as they appear.
    pub query: Option<BTreeMap<String, Text>>,
    /// Request headers. Each replaces a header of the same name from `defaults.headers`.
    pub headers: Option<Headers>,
    /// Request body as text.
    pub body: Option<Text>,
    /// Credentials for this request, in place of `defaults.auth`.
    pub auth: Option<Auth>,
    /// `true` follows up to 10 redirects. Default: `defaults.follow_redirects`.
    pub follow_redirects: Option<bool>,
    /// Time allowed for this request, from sending to the end of the body. Default:
    /// `defaults.timeout`.
    pub timeout: Option<Duration>,
    /// TLS settings for this check, over the vantage's and `defaults.tls`.
    pub tls: Option<Tls>,
}

/// Expectations for the response. Every one that is set must hold.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Expected status: a code, a class such as `2xx`, a range such as `200-204`, or a list of
    /// those. Default: any 2xx.
    pub status: Option<Status>,
    /// Expected response headers: the header name (any case) maps to the exact value, or to
    /// `equals` or `regex`. With several headers of the same name, one matching value is
    /// enough.
    pub headers: Option<BTreeMap<String, HeaderExpectation>>,
    /// Body matchers, all of which must hold. They are not evaluated when the status does not
    /// match.
    pub body: Option<Vec<BodyMatcher>>,
    /// Maximum time the request may take, from sending to the end of the body, such as
    /// `500ms`.
    pub max_duration: Option<Duration>,
    /// Conditions on the server's leaf certificate, each of which must hold. They fail for a
    /// plain HTTP request, which has no certificate.
    pub certificate: Option<CertificateExpectation>,
}

/// Conditions on the server's leaf certificate: at least one of `min_days_left`, `issuer`,
/// `subject` and `san_contains`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct CertificateExpectation {
    /// Minimum number of whole days from the check to the end of the certificate's validity,
    /// such as 30.
    pub min_days_left: Option<Count>,
    /// Regex (Rust regex syntax) that matches somewhere in the issuer's distinguished name,
    /// written as `C=US, O=Example, CN=Example CA` in certificate order.
    pub issuer: Option<Text>,
    /// Regex (Rust regex syntax) that matches somewhere in the subject's distinguished name,
    /// such as `CN=api\.example\.com`.
    pub subject: Option<Text>,
    /// A DNS name or IP address that the subject alternative names list. DNS names compare
    /// without regard to case, and a wildcard entry matches only when written the same way
    /// (`*.example.com`).
    pub san_contains: Option<NonEmptyText>,
}

/// An expected header value: the exact value, or `equals` or `regex`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum HeaderExpectation {
    /// The exact value.
    Exact(Text),
    /// `equals` or `regex`.
    Match(HeaderMatch),
}

/// Comparison of an expected header value: exactly one of `equals` and `regex`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [{ "required": ["equals"] }, { "required": ["regex"] }]))]
pub struct HeaderMatch {
    /// The exact value.
    pub equals: Option<Text>,
    /// A regex that matches somewhere in the value (Rust regex syntax), such as
    /// `^application/json`.
    pub regex: Option<Text>,
}

/// A body matcher: one of `contains`, `regex` and `equals`, or a `jsonpath` or `xpath` with
/// predicates.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum BodyMatcher {
    Contains(ContainsMatcher),
    Regex(RegexMatcher),
    Equals(EqualsMatcher),
    JsonPath(JsonPathMatcher),
    XPath(XPathMatcher),
}

/// Matcher that passes when the body contains the text.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainsMatcher {
    /// Text the body contains.
    pub contains: Text,
}

/// Matcher that passes when the pattern matches somewhere in the body.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegexMatcher {
    /// Pattern in Rust regex syntax: `(?i)` makes it case-insensitive, `(?s)` lets `.` match
    /// newlines.
    pub regex: Text,
}

/// Matcher that passes when the body equals the text, ignoring leading and trailing whitespace.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EqualsMatcher {
    /// The whole expected body.
    pub equals: Text,
}

/// Matcher that passes when the nodes a JSONPath selects satisfy every predicate; without predicates, at
/// least one node must be selected.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonPathMatcher {
    /// RFC 9535 JSONPath, such as `$.SearchResult.total` or `$[*].id`.
    pub jsonpath: NonEmptyText,
    #[serde(flatten)]
    pub predicates: Predicates,
}

/// Matcher that passes when the nodes an XPath selects satisfy every predicate; without predicates, at least
/// one node must be selected.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct XPathMatcher {
    /// XPath 1.0 subset (see docs/suite-format.md), such as `/mnt-rest-result/status`. Namespace
    /// prefixes are ignored.
    pub xpath: NonEmptyText,
    #[serde(flatten)]
    pub predicates: Predicates,
}

/// Conditions on the nodes a `jsonpath` or `xpath` selects.
#[derive(JsonSchema)]
pub struct Predicates {
    /// `true`: at least one node is selected. `false`: none is.
    pub exists: Option<bool>,
    /// The single selected node equals this value; when several are selected, their list
    /// equals it. XPath values are text, and a number or boolean compares by its written form.
    pub equals: Option<Value>,
    /// At least one node is selected and every selected value matches this regex (Rust regex
    /// syntax). JSON values that are not strings are matched in their JSON form.
    pub matches: Option<Text>,
    /// Exactly this many nodes are selected.
    pub count: Option<Count>,
}

/// A hint rule of one check: what a failure means and what to check next.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckHint {
    /// Unique across the suite; reports and JSON results carry it.
    pub id: Identifier,
    /// One line that names the cause.
    pub title: HintTitle,
    /// Markdown: what the failure means and what to check next.
    pub explanation: NonEmptyText,
    /// Conditions, all of which must hold. Without `when`, the rule matches any failure.
    pub when: Option<CheckHintCondition>,
}

/// A suite-wide hint rule: what a failure means and what to check next.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteHint {
    /// Unique across the suite; reports and JSON results carry it.
    pub id: Identifier,
    /// One line that names the cause.
    pub title: HintTitle,
    /// Markdown: what the failure means and what to check next.
    pub explanation: NonEmptyText,
    /// Conditions, all of which must hold. Without `when`, the rule matches any failure of
    /// any check.
    pub when: Option<SuiteHintCondition>,
}

/// Conditions of a check's hint rule. `status` and `error` exclude each other, because a
/// status means a response arrived and an error kind means none did.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("not" = {
    "required": ["status", "error"],
    "properties": { "error": { "minItems": 1 } },
}))]
pub struct CheckHintCondition {
    /// A response arrived with a status that matches: a code, a class such as `3xx`, a range,
    /// or a list of those.
    pub status: Option<Status>,
    /// No response arrived, and the error kind is this one or one in the list. A family such as
    /// `tls` matches every kind in it.
    pub error: Option<ErrorKinds>,
    /// The response body matches this regex (Rust regex syntax).
    pub body: Option<Text>,
    /// The run's vantage is one of these names from `vantages`.
    pub vantages: Option<NameList>,
    /// The same check passed at each of these vantages, according to the JSON results of other
    /// runs (`gatecheck run --baseline`, `gatecheck merge`). Without those results the rule does
    /// not match.
    pub after_passed: Option<NameList>,
    /// The same check failed or got no response at each of these vantages, according to the
    /// JSON results of other runs. Without those results the rule does not match.
    pub after_failed: Option<NameList>,
}

/// Conditions of a suite-wide hint rule. `status` and `error` exclude each other, because a
/// status means a response arrived and an error kind means none did.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("not" = {
    "required": ["status", "error"],
    "properties": { "error": { "minItems": 1 } },
}))]
pub struct SuiteHintCondition {
    /// A response arrived with a status that matches: a code, a class such as `3xx`, a range,
    /// or a list of those.
    pub status: Option<Status>,
    /// No response arrived, and the error kind is this one or one in the list. A family such as
    /// `tls` matches every kind in it.
    pub error: Option<ErrorKinds>,
    /// The response body matches this regex (Rust regex syntax).
    pub body: Option<Text>,
    /// The run's vantage is one of these names from `vantages`.
    pub vantages: Option<NameList>,
    /// The same check passed at each of these vantages, according to the JSON results of other
    /// runs (`gatecheck run --baseline`, `gatecheck merge`). Without those results the rule does
    /// not match.
    pub after_passed: Option<NameList>,
    /// The same check failed or got no response at each of these vantages, according to the
    /// JSON results of other runs. Without those results the rule does not match.
    pub after_failed: Option<NameList>,
    /// The failed check's id is one of these.
    pub checks: Option<NameList>,
}

/// An HTTP method. gatecheck converts it to upper case, so `get` works too.
#[derive(JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

/// The kind of failure when no HTTP response arrived, or a family that matches every kind in
/// it.
// The schema is static, so the names are listed here; a test compares them with
// `ErrorKindPattern::valid_names()`.
#[derive(JsonSchema)]
#[schemars(rename = "ErrorKind")]
pub enum ErrorKindName {
    /// The host name did not resolve, or the resolver timed out.
    #[serde(rename = "dns")]
    Dns,
    /// Nothing listens on the port, or a firewall rejects the connection.
    #[serde(rename = "connect.refused")]
    ConnectRefused,
    /// The connection attempt timed out, usually because a firewall drops the packets.
    #[serde(rename = "connect.timeout")]
    ConnectTimeout,
    /// The connection was reset while being set up.
    #[serde(rename = "connect.reset")]
    ConnectReset,
    /// No route to the address, or a router or firewall answered that it cannot be reached.
    #[serde(rename = "connect.unreachable")]
    ConnectUnreachable,
    /// The source address (`local_address`) is not one this machine can send from.
    #[serde(rename = "connect.local-address")]
    ConnectLocalAddress,
    /// The certificate chain does not lead to a trusted CA; includes self-signed certificates.
    #[serde(rename = "tls.unknown-issuer")]
    TlsUnknownIssuer,
    /// The certificate does not name the host.
    #[serde(rename = "tls.hostname-mismatch")]
    TlsHostnameMismatch,
    /// The certificate has expired.
    #[serde(rename = "tls.expired")]
    TlsExpired,
    /// The certificate's start date is in the future.
    #[serde(rename = "tls.not-yet-valid")]
    TlsNotYetValid,
    /// The server sent a TLS alert, for example for a missing client certificate.
    #[serde(rename = "tls.handshake-rejected")]
    TlsHandshakeRejected,
    /// The TCP connection was set up, but the TLS handshake did not finish in time.
    #[serde(rename = "tls.handshake-timeout")]
    TlsHandshakeTimeout,
    /// Any other TLS failure, such as plain HTTP on the TLS port.
    #[serde(rename = "tls.protocol")]
    TlsProtocol,
    /// A forward proxy refused or failed the tunnel.
    #[serde(rename = "proxy.connect-failed")]
    ProxyConnectFailed,
    /// A forward proxy asked for credentials (407).
    #[serde(rename = "proxy.auth-required")]
    ProxyAuthRequired,
    /// Connected, but the complete response did not arrive within the timeout.
    #[serde(rename = "timeout.response")]
    TimeoutResponse,
    /// The connection closed before a complete response.
    #[serde(rename = "closed.early")]
    ClosedEarly,
    /// The bytes that came back were not valid HTTP.
    #[serde(rename = "http.protocol")]
    HttpProtocol,
    /// Redirects were followed and did not end.
    #[serde(rename = "redirect.loop")]
    RedirectLoop,
    /// None of the other kinds; the message has the details.
    #[serde(rename = "other")]
    Other,
    /// Every `connect.` kind.
    #[serde(rename = "connect")]
    Connect,
    /// Every `tls.` kind.
    #[serde(rename = "tls")]
    Tls,
    /// Every `proxy.` kind.
    #[serde(rename = "proxy")]
    Proxy,
    /// Every `timeout.` kind.
    #[serde(rename = "timeout")]
    Timeout,
    /// Every `closed.` kind.
    #[serde(rename = "closed")]
    Closed,
    /// Every `http.` kind.
    #[serde(rename = "http")]
    Http,
    /// Every `redirect.` kind.
    #[serde(rename = "redirect")]
    Redirect,
}

/// Text, or a number used as written.
pub struct Text(pub String);

written_schema!(Text, "Text", inline: true, |_generator| json_schema!({
    "type": ["string", "number"],
}));

/// Text that is not empty or only whitespace.
pub struct NonEmptyText(pub String);

written_schema!(NonEmptyText, "NonEmptyText", inline: true, |_generator| json_schema!({
    "type": ["string", "number"],
    "pattern": "\\S",
}));

/// A hint title: text on one line.
pub struct HintTitle(pub String);

written_schema!(HintTitle, "HintTitle", inline: true, |_generator| json_schema!({
    "type": ["string", "number"],
    "pattern": "^[^\\n]*\\S[^\\n]*$",
}));

/// An id or a vantage name: letters, digits, `-`, `_` and `.`.
pub struct Identifier(pub String);

written_schema!(Identifier, "Identifier", inline: true, |_generator| json_schema!({
    "type": ["string", "number"],
    "pattern": IDENTIFIER,
}));

/// A vantage written as its name alone, which must be text.
pub struct VantageName(pub String);

written_schema!(VantageName, "VantageName", inline: true, |_generator| json_schema!({
    "type": "string",
    "pattern": IDENTIFIER,
}));

/// A base URL: it starts with `http://`, `https://` or a variable.
pub struct BaseUrl(pub String);

written_schema!(BaseUrl, "BaseUrl", inline: true, |_generator| json_schema!({
    "type": "string",
    "pattern": "^(https?://|\\$\\{)",
    "examples": ["https://${HOST}"],
}));

/// A request header name.
pub struct HeaderName(pub String);

written_schema!(HeaderName, "HeaderName", inline: true, |_generator| json_schema!({
    "type": ["string", "number"],
    "pattern": HEADER_NAME,
}));

/// Request headers: a header name maps to its value.
pub struct Headers(pub BTreeMap<String, String>);

written_schema!(Headers, "Headers", inline: true, |_generator| json_schema!({
    "type": "object",
    "propertyNames": { "pattern": HEADER_NAME },
    "additionalProperties": { "type": ["string", "number"] },
}));

/// One label as text, or a list of labels.
pub struct TextList(pub Vec<String>);

written_schema!(TextList, "TextList", inline: true, |_generator| json_schema!({
    "anyOf": [
        { "type": "string" },
        { "type": "array", "items": { "type": ["string", "number"] } },
    ],
}));

/// One id or vantage name, or a list of them.
pub struct NameList(pub Vec<String>);

written_schema!(NameList, "NameList", inline: true, |_generator| json_schema!({
    "anyOf": [
        { "type": "string", "pattern": IDENTIFIER },
        { "type": "array", "items": { "type": ["string", "number"], "pattern": IDENTIFIER } },
    ],
}));

/// One error kind, or a list of them.
pub struct ErrorKinds(pub Vec<ErrorKindName>);

written_schema!(ErrorKinds, "ErrorKinds", inline: true, |generator| {
    let kind = generator.subschema_for::<ErrorKindName>();
    json_schema!({
        "anyOf": [kind, { "type": "array", "items": kind }],
        "examples": ["connect.timeout", ["connect.timeout", "connect.reset"], "tls"],
    })
});

/// An HTTP method in any case.
pub struct RequestMethod(pub String);

written_schema!(RequestMethod, "RequestMethod", inline: true, |generator| {
    let method = generator.subschema_for::<Method>();
    json_schema!({
        "anyOf": [
            method,
            {
                "description": "A method in lower or mixed case, such as `get`.",
                "type": "string",
                "pattern": any_case_pattern(&["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
            },
        ],
    })
});

/// Builds a pattern that matches one of `words` in any case, because ECMA-262 regexes in JSON
/// Schema have no case-insensitive flag.
fn any_case_pattern(words: &[&str]) -> String {
    let alternatives: Vec<String> = words
        .iter()
        .map(|word| {
            word.chars()
                .map(|c| format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase()))
                .collect()
        })
        .collect();
    format!("^({})$", alternatives.join("|"))
}

/// A number of nodes.
pub struct Count(pub u64);

// Written out because the derived schema of `u64` adds `"format": "uint64"`, which is no
// format that JSON Schema defines.
written_schema!(Count, "Count", inline: true, |_generator| json_schema!({
    "type": "integer",
    "minimum": 0,
}));

/// A duration.
pub struct Duration(pub String);

written_schema!(Duration, "Duration", inline: false, |_generator| json_schema!({
    "description": "A number with a unit: `ms`, `s`, `m` or `min`, such as `500ms`, `10s`, `1.5s` or `2m`. A bare number is seconds.",
    "type": ["string", "number"],
    "pattern": DURATION,
    "minimum": 0,
    "examples": ["500ms", "10s", "2m"],
}));

/// A status expectation: one pattern or a non-empty list.
pub struct Status(pub Vec<StatusPattern>);

written_schema!(Status, "Status", inline: false, |generator| {
    let pattern = generator.subschema_for::<StatusPattern>();
    json_schema!({
        "description": "A status code, a class such as `2xx`, a range such as `200-204` or `200..204` (both ends included), or a list of those.",
        "anyOf": [pattern, { "type": "array", "minItems": 1, "items": pattern }],
        "examples": [200, "2xx", "200-204", [200, 204, "3xx"]],
    })
});

/// One status code, class or range.
pub struct StatusPattern(pub String);

written_schema!(StatusPattern, "StatusPattern", inline: false, |_generator| json_schema!({
    "anyOf": [
        {
            "description": "A status code, such as `200`.",
            "type": "integer",
            "minimum": 100,
            "maximum": 599,
        },
        {
            "description": "A status code, a class such as `2xx`, or a range such as `200-204` or `200..204`.",
            "type": "string",
            "pattern": STATUS_TEXT,
        },
    ],
}));
