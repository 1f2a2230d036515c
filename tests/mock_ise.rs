//! Integration tests of the ISE simulator: a real reqwest client over real TLS, trusting only the
//! CA the simulator generated, against a simulator on an ephemeral loopback port.

use std::net::SocketAddr;
use std::time::Duration;

use gatecheck::mock_ise::{
    DEFAULT_PASSWORD, DEFAULT_USER, KNOWN_SESSION_MAC, MockIse, MockIseOptions, Scenario,
    serve_until_signal,
};
use regex::Regex;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{StatusCode, Version};

const ERS_LIST: &str = "/ers/config/endpointgroup?page=1&size=10&sortasc=name";
const ENDPOINT_GROUPS: &str = "/ers/config/endpointgroup";
const NEW_GROUP: &str =
    r#"{"EndPointGroup": {"name": "gatecheck-probe", "description": "created by gatecheck"}}"#;
const CSRF_REJECTION: &str = "CSRF nonce validation failed";
const OPEN_API_FILTER: &str =
    "/api/v1/endpoint?page=1&size=1&filter=mac.CONTAINS.aa:aa:aa:aa:aa:aa";
const MNT_UNKNOWN_MAC: &str = "/admin/API/mnt/Session/MACAddress/AA:AA:AA:AA:AA:AA";
const JSON: &str = "application/json";
const XML: &str = "application/xml";
const TOMCAT_401_TITLE: &str = "<title>HTTP Status 401 \u{2013} Unauthorized</title>";
const NOT_MNT_PATTERN: &str = "not .*MnT";

/// A response reduced to what the assertions read.
struct Reply {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("body is JSON")
    }
}

async fn start(scenario: Scenario) -> MockIse {
    let listen = SocketAddr::from(([127, 0, 0, 1], 0));
    MockIse::start(MockIseOptions::new(listen, scenario))
        .await
        .expect("simulator starts")
}

/// A client that trusts only the simulator's CA, follows no redirects and uses no proxy, so the
/// traffic stays on loopback whatever proxy variables the environment sets.
fn client_builder(server: &MockIse) -> reqwest::ClientBuilder {
    let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).expect("CA PEM parses");
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(10))
}

fn client(server: &MockIse) -> reqwest::Client {
    client_builder(server).build().expect("client builds")
}

fn url(server: &MockIse, path: &str) -> String {
    format!("https://{}{path}", server.local_addr())
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("request completes");
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.text().await.expect("body is text");
    Reply {
        status,
        version,
        headers,
        body,
    }
}

/// Sends a GET with the default credentials and the given `Accept`.
async fn get(server: &MockIse, path: &str, accept: &str) -> Reply {
    get_as(server, path, accept, DEFAULT_USER, DEFAULT_PASSWORD).await
}

async fn get_as(server: &MockIse, path: &str, accept: &str, user: &str, password: &str) -> Reply {
    let request = client(server)
        .get(url(server, path))
        .header("Accept", accept)
        .basic_auth(user, Some(password));
    send(request).await
}

/// Sends `body` as JSON to the endpoint group collection with the default credentials, and
/// with `X-CSRF-TOKEN: token` when a token is given.
async fn post_group(server: &MockIse, body: &str, token: Option<&str>) -> Reply {
    let mut request = client(server)
        .post(url(server, ENDPOINT_GROUPS))
        .header("Accept", JSON)
        .header("Content-Type", JSON)
        .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD))
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.header("X-CSRF-TOKEN", token);
    }
    send(request).await
}

/// Sends a DELETE for the absolute `group_url` with the default credentials, and with
/// `X-CSRF-TOKEN: token` when a token is given.
async fn delete_group(server: &MockIse, group_url: &str, token: Option<&str>) -> Reply {
    let mut request = client(server)
        .delete(group_url)
        .header("Accept", JSON)
        .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD));
    if let Some(token) = token {
        request = request.header("X-CSRF-TOKEN", token);
    }
    send(request).await
}

/// Sends a list request with `X-CSRF-TOKEN: fetch` and returns the reply.
async fn fetch_token(server: &MockIse) -> Reply {
    let request = client(server)
        .get(url(server, ENDPOINT_GROUPS))
        .header("Accept", JSON)
        .header("X-CSRF-TOKEN", "fetch")
        .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD));
    send(request).await
}

/// Fetches a token and returns it, failing the test when the reply carries none.
async fn issued_token(server: &MockIse) -> String {
    let reply = fetch_token(server).await;
    reply
        .header("x-csrf-token")
        .expect("the fetch reply carries a token")
        .to_owned()
}

fn ers_title(reply: &Reply) -> String {
    let body = reply.json();
    body["ERSResponse"]["messages"][0]["title"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn login_url(server: &MockIse) -> String {
    format!("https://{}/admin/login.jsp", server.local_addr())
}

fn matches_not_mnt(text: &str) -> bool {
    Regex::new(NOT_MNT_PATTERN).unwrap().is_match(text)
}

// Healthy: the three checks and the details of each API.

#[tokio::test]
async fn healthy_ers_lists_groups() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, ERS_LIST, JSON).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json;charset=utf-8")
    );
    let body = reply.json();
    assert_eq!(body["SearchResult"]["total"], 18);
    assert_eq!(
        body["SearchResult"]["resources"].as_array().unwrap().len(),
        10
    );
    assert_eq!(body["SearchResult"]["resources"][0]["name"], "Android");
    assert!(body["SearchResult"]["nextPage"].is_object());
    assert!(body["SearchResult"].get("previousPage").is_none());
}

#[tokio::test]
async fn healthy_ers_jackson_layout() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, ERS_LIST, JSON).await;
    assert!(
        reply
            .body
            .starts_with("{\n  \"SearchResult\" : {\n    \"total\" : 18,")
    );
    assert!(reply.body.contains("\"resources\" : [ {"));
}

#[tokio::test]
async fn healthy_ers_absolute_links() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, ERS_LIST, JSON).await;
    let body = reply.json();
    let base = format!("https://{}/ers/config/endpointgroup", server.local_addr());
    let first = &body["SearchResult"]["resources"][0];
    let self_link = first["link"]["href"].as_str().unwrap();
    assert_eq!(
        self_link,
        format!("{base}/{}", first["id"].as_str().unwrap())
    );
    assert_eq!(first["link"]["rel"], "self");
    assert_eq!(first["link"]["type"], JSON);
    let next = body["SearchResult"]["nextPage"]["href"].as_str().unwrap();
    assert_eq!(next, format!("{base}?page=2&size=10&sortasc=name"));
}

#[tokio::test]
async fn healthy_ers_last_page() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, "/ers/config/endpointgroup?page=2&size=10", JSON).await;
    let body = reply.json();
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        body["SearchResult"]["resources"].as_array().unwrap().len(),
        8
    );
    assert!(body["SearchResult"]["previousPage"].is_object());
    assert!(body["SearchResult"].get("nextPage").is_none());
}

#[tokio::test]
async fn healthy_ers_sort_descending() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, "/ers/config/endpointgroup?sortdsc=name", JSON).await;
    let body = reply.json();
    assert_eq!(body["SearchResult"]["resources"][0]["name"], "Workstation");
    assert_eq!(
        body["SearchResult"]["resources"].as_array().unwrap().len(),
        18
    );
}

#[tokio::test]
async fn healthy_ers_stable_ids() {
    let first = start(Scenario::Healthy).await;
    let second = start(Scenario::Healthy).await;
    let first_body = get(&first, ERS_LIST, JSON).await.json();
    let second_body = get(&second, ERS_LIST, JSON).await.json();
    assert_eq!(
        first_body["SearchResult"]["resources"][0]["id"],
        second_body["SearchResult"]["resources"][0]["id"]
    );
}

#[tokio::test]
async fn healthy_ers_headers() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, ERS_LIST, JSON).await;
    assert_eq!(reply.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("server"), Some(""));
    assert_eq!(reply.header("pragma"), Some("no-cache"));
    assert!(reply.header("cache-control").unwrap().contains("no-store"));
    assert!(reply.header("strict-transport-security").is_some());
}

#[tokio::test]
async fn healthy_ers_session_cookies() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, ERS_LIST, JSON).await;
    let cookies: Vec<&str> = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 2);
    assert!(
        cookies
            .iter()
            .any(|cookie| cookie.starts_with("APPSESSIONID="))
    );
    assert!(
        cookies
            .iter()
            .any(|cookie| cookie.starts_with("JSESSIONIDSSO="))
    );
    assert!(
        cookies
            .iter()
            .all(|cookie| cookie.contains("; Secure; HttpOnly"))
    );
}

#[tokio::test]
async fn healthy_ers_cookies_random() {
    let server = start(Scenario::Healthy).await;
    let first = get(&server, ERS_LIST, JSON).await;
    let second = get(&server, ERS_LIST, JSON).await;
    assert_ne!(first.header("set-cookie"), second.header("set-cookie"));
}

#[tokio::test]
async fn healthy_ers_chunked_http1() {
    let server = start(Scenario::Healthy).await;
    let http1 = client_builder(&server).http1_only().build().unwrap();
    let reply = send(
        http1
            .get(url(&server, ERS_LIST))
            .header("Accept", JSON)
            .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD)),
    )
    .await;
    assert_eq!(reply.header("transfer-encoding"), Some("chunked"));
    assert!(reply.header("content-length").is_none());
}

#[tokio::test]
async fn healthy_openapi_empty_array() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, OPEN_API_FILTER, JSON).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "[]");
    assert_eq!(reply.header("content-type"), Some(JSON));
}

#[tokio::test]
async fn healthy_mnt_unknown_mac() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.header("content-type"), Some(XML));
    assert!(reply.body.contains("<mnt-rest-result>"));
    assert!(reply.body.contains("<http-code>500</http-code>"));
    assert!(reply.body.contains("<module-name>MnT</module-name>"));
    assert!(reply.body.contains("<status>SERVER_ERROR</status>"));
    assert!(
        reply
            .body
            .contains("<resource-id>AA:AA:AA:AA:AA:AA</resource-id>")
    );
    assert!(
        reply
            .body
            .contains("not available for MAC address AA:AA:AA:AA:AA:AA")
    );
}

#[tokio::test]
async fn healthy_mnt_text_not_persona() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert!(!matches_not_mnt(&reply.body));
}

#[tokio::test]
async fn healthy_mnt_known_mac() {
    let server = start(Scenario::Healthy).await;
    let path = format!("/admin/API/mnt/Session/MACAddress/{KNOWN_SESSION_MAC}");
    let reply = get(&server, &path, XML).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("<sessionParameters>"));
    assert!(
        reply
            .body
            .contains("<calling_station_id>11:22:33:44:55:66</calling_station_id>")
    );
    assert!(reply.body.contains("<acs_server>"));
    assert!(reply.body.contains("<authentication_method>"));
}

#[tokio::test]
async fn healthy_mnt_lowercase_mac() {
    let server = start(Scenario::Healthy).await;
    let reply = get(
        &server,
        "/admin/API/mnt/Session/MACAddress/aa:bb:cc:dd:ee:ff",
        XML,
    )
    .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.body.contains("<mnt-rest-result>"));
}

#[tokio::test]
async fn healthy_mnt_version() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, "/admin/API/mnt/Version", XML).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("<product>"));
    assert!(reply.body.contains("<version>3.3.0.430</version>"));
    assert!(reply.body.contains("<type_of_node>"));
}

#[tokio::test]
async fn healthy_login_page_no_auth() {
    let server = start(Scenario::Healthy).await;
    let reply = send(client(&server).get(login_url(&server))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(server.failed_logins(), 0);
}

#[tokio::test]
async fn healthy_unknown_path_404() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, "/nothing/here", JSON).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("HTTP Status 404"));
}

#[tokio::test]
async fn healthy_no_failed_logins() {
    let server = start(Scenario::Healthy).await;
    get(&server, ERS_LIST, JSON).await;
    get(&server, OPEN_API_FILTER, JSON).await;
    get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(server.failed_logins(), 0);
    assert!(server.audit_lines().is_empty());
}

// Request validation.

#[tokio::test]
async fn ers_size_over_100() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, "/ers/config/endpointgroup?size=101", JSON).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body = reply.json();
    assert_eq!(body["ERSResponse"]["messages"][0]["type"], "ERROR");
    assert!(
        body["ERSResponse"]["messages"][0]["title"]
            .as_str()
            .unwrap()
            .contains("size")
    );
}

#[tokio::test]
async fn ers_accept_xml_415() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, ERS_LIST, XML).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(reply.json()["ERSResponse"].is_object());
}

#[tokio::test]
async fn ers_accept_wildcard_200() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, ERS_LIST, "*/*").await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn mnt_accept_json_406() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, MNT_UNKNOWN_MAC, JSON).await;
    assert_eq!(reply.status, StatusCode::NOT_ACCEPTABLE);
    assert!(reply.body.is_empty());
}

#[tokio::test]
async fn mnt_accept_wildcard_406() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, MNT_UNKNOWN_MAC, "*/*").await;
    assert_eq!(reply.status, StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn openapi_bad_operator_400() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, "/api/v1/endpoint?filter=mac.LIKE.aa", JSON).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body = reply.json();
    assert_eq!(body["code"], 400);
    assert!(body["message"].as_str().unwrap().contains("LIKE"));
}

#[tokio::test]
async fn openapi_malformed_filter_400() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, "/api/v1/endpoint?filter=mac", JSON).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["code"], 400);
}

#[tokio::test]
async fn ers_put_405() {
    let server = start(Scenario::Healthy).await;
    let request = client(&server)
        .put(url(&server, ENDPOINT_GROUPS))
        .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD));
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("GET, HEAD, POST"));
}

#[tokio::test]
async fn openapi_post_405() {
    let server = start(Scenario::Healthy).await;
    let request = client(&server)
        .post(url(&server, OPEN_API_FILTER))
        .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD));
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("GET, HEAD"));
}

// Authentication and the audit trail.

#[tokio::test]
async fn wrong_password_401() {
    let server = start(Scenario::Healthy).await;
    let reply = get_as(&server, ERS_LIST, JSON, DEFAULT_USER, "Wrong-Secret-9").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.body.contains(TOMCAT_401_TITLE));
    let challenge = reply.header("www-authenticate").unwrap();
    assert!(challenge.starts_with("Basic realm=\""));
    assert_eq!(server.failed_logins(), 1);
}

#[tokio::test]
async fn wrong_password_audit_line() {
    let server = start(Scenario::Healthy).await;
    get_as(&server, ERS_LIST, JSON, DEFAULT_USER, "Wrong-Secret-9").await;
    let lines = server.audit_lines();
    assert_eq!(lines.len(), 1);
    let shape = Regex::new(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ AUDIT admin-login FAILED user=ers-admin source=127\.0\.0\.1:\d+ reason=bad-credentials interface=web-service$",
    )
    .unwrap();
    assert!(
        shape.is_match(&lines[0]),
        "unexpected audit line: {}",
        lines[0]
    );
    assert!(!lines[0].contains("Wrong-Secret-9"));
}

#[tokio::test]
async fn missing_credentials_401() {
    let server = start(Scenario::Healthy).await;
    let request = client(&server)
        .get(url(&server, ERS_LIST))
        .header("Accept", JSON);
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.failed_logins(), 1);
    assert!(server.audit_lines()[0].contains("user=- "));
    assert!(server.audit_lines()[0].contains("reason=missing-credentials"));
}

#[tokio::test]
async fn user_name_newline_sanitized() {
    let server = start(Scenario::Healthy).await;
    get_as(&server, ERS_LIST, JSON, "evil\nuser", "x").await;
    let lines = server.audit_lines();
    assert_eq!(lines.len(), 1);
    assert!(!lines[0].contains('\n'));
    assert!(lines[0].contains("user=evil?user "));
}

#[tokio::test]
async fn custom_credentials_accepted() {
    let listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut options = MockIseOptions::new(listen, Scenario::Healthy);
    options.user = "api-reader".to_owned();
    options.password = "Other-Pass-2".to_owned();
    let server = MockIse::start(options).await.unwrap();
    let accepted = get_as(&server, ERS_LIST, JSON, "api-reader", "Other-Pass-2").await;
    let rejected = get(&server, ERS_LIST, JSON).await;
    assert_eq!(accepted.status, StatusCode::OK);
    assert_eq!(rejected.status, StatusCode::UNAUTHORIZED);
}

// One test per scenario for the three checks of the suite.

#[tokio::test]
async fn ers_disabled_checks() {
    let server = start(Scenario::ErsDisabled).await;
    let ers = get(&server, ERS_LIST, JSON).await;
    let openapi = get(&server, OPEN_API_FILTER, JSON).await;
    let mnt = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(ers.status, StatusCode::FOUND);
    assert_eq!(
        ers.header(LOCATION.as_str()),
        Some(login_url(&server).as_str())
    );
    assert_eq!(openapi.status, StatusCode::OK);
    assert_eq!(openapi.body, "[]");
    assert_eq!(mnt.status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn ers_disabled_redirect_before_auth() {
    let server = start(Scenario::ErsDisabled).await;
    let request = client(&server)
        .get(url(&server, ERS_LIST))
        .header("Accept", JSON);
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(server.failed_logins(), 0);
}

#[tokio::test]
async fn openapi_disabled_checks() {
    let server = start(Scenario::OpenapiDisabled).await;
    let ers = get(&server, ERS_LIST, JSON).await;
    let openapi = get(&server, OPEN_API_FILTER, JSON).await;
    let mnt = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(ers.status, StatusCode::OK);
    assert_eq!(ers.json()["SearchResult"]["total"], 18);
    assert_eq!(openapi.status, StatusCode::FOUND);
    assert_eq!(
        openapi.header(LOCATION.as_str()),
        Some(login_url(&server).as_str())
    );
    assert_eq!(mnt.status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn gateway_30_checks() {
    let server = start(Scenario::Gateway30).await;
    let ers = get(&server, ERS_LIST, JSON).await;
    let openapi = get(&server, OPEN_API_FILTER, JSON).await;
    let mnt = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(ers.status, StatusCode::FOUND);
    assert_eq!(
        ers.header(LOCATION.as_str()),
        Some(login_url(&server).as_str())
    );
    assert_eq!(openapi.status, StatusCode::FOUND);
    assert_eq!(
        openapi.header(LOCATION.as_str()),
        Some(login_url(&server).as_str())
    );
    assert_eq!(mnt.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(mnt.body.contains("<status>SERVER_ERROR</status>"));
}

#[tokio::test]
async fn gateway_30_login_page() {
    let server = start(Scenario::Gateway30).await;
    let reply = send(client(&server).get(login_url(&server))).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_credentials_checks() {
    let server = start(Scenario::BadCredentials).await;
    let ers = get(&server, ERS_LIST, JSON).await;
    let openapi = get(&server, OPEN_API_FILTER, JSON).await;
    let mnt = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(ers.status, StatusCode::UNAUTHORIZED);
    assert!(ers.body.contains(TOMCAT_401_TITLE));
    assert_eq!(openapi.status, StatusCode::UNAUTHORIZED);
    assert_eq!(mnt.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.failed_logins(), 3);
}

#[tokio::test]
async fn bad_credentials_audit() {
    let server = start(Scenario::BadCredentials).await;
    get(&server, ERS_LIST, JSON).await;
    let lines = server.audit_lines();
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("user=ers-admin "));
    assert!(lines[0].contains("reason=bad-credentials"));
    assert!(!lines[0].contains(DEFAULT_PASSWORD));
}

#[tokio::test]
async fn locked_user_checks() {
    let server = start(Scenario::LockedUser).await;
    let ers = get(&server, ERS_LIST, JSON).await;
    let openapi = get(&server, OPEN_API_FILTER, JSON).await;
    let mnt = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(ers.status, StatusCode::UNAUTHORIZED);
    assert!(ers.body.contains(TOMCAT_401_TITLE));
    assert_eq!(openapi.status, StatusCode::UNAUTHORIZED);
    assert_eq!(mnt.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.failed_logins(), 3);
}

#[tokio::test]
async fn locked_user_audit() {
    let server = start(Scenario::LockedUser).await;
    get(&server, ERS_LIST, JSON).await;
    let lines = server.audit_lines();
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("reason=account-locked"));
    assert!(!lines[0].contains(DEFAULT_PASSWORD));
}

#[tokio::test]
async fn not_routed_checks() {
    let server = start(Scenario::NotRouted).await;
    let ers = get(&server, ERS_LIST, JSON).await;
    let openapi = get(&server, OPEN_API_FILTER, JSON).await;
    let mnt = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(ers.status, StatusCode::NOT_FOUND);
    assert_eq!(openapi.status, StatusCode::NOT_FOUND);
    assert_eq!(mnt.status, StatusCode::NOT_FOUND);
    assert_eq!(server.failed_logins(), 0);
}

#[tokio::test]
async fn not_routed_login_page() {
    let server = start(Scenario::NotRouted).await;
    let reply = send(client(&server).get(login_url(&server))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn not_mnt_node_checks() {
    let server = start(Scenario::NotMntNode).await;
    let ers = get(&server, ERS_LIST, JSON).await;
    let openapi = get(&server, OPEN_API_FILTER, JSON).await;
    let mnt = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(ers.status, StatusCode::OK);
    assert_eq!(openapi.status, StatusCode::OK);
    assert_eq!(mnt.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(mnt.body.contains("<mnt-rest-result>"));
    assert!(mnt.body.contains("<status>SERVER_ERROR</status>"));
    assert!(matches_not_mnt(&mnt.body));
}

#[tokio::test]
async fn not_mnt_node_known_mac() {
    let server = start(Scenario::NotMntNode).await;
    let path = format!("/admin/API/mnt/Session/MACAddress/{KNOWN_SESSION_MAC}");
    let reply = get(&server, &path, XML).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(matches_not_mnt(&reply.body));
}

#[tokio::test]
async fn healthy_checks() {
    let server = start(Scenario::Healthy).await;
    let ers = get(&server, ERS_LIST, JSON).await;
    let openapi = get(&server, OPEN_API_FILTER, JSON).await;
    let mnt = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(ers.status, StatusCode::OK);
    assert_eq!(openapi.status, StatusCode::OK);
    assert_eq!(mnt.status, StatusCode::INTERNAL_SERVER_ERROR);
}

// Endpoint group writes with CSRF protection off.

#[tokio::test]
async fn healthy_post_creates_group() {
    let server = start(Scenario::Healthy).await;
    let reply = post_group(&server, NEW_GROUP, None).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert!(reply.body.is_empty());
}

#[tokio::test]
async fn healthy_post_location() {
    let server = start(Scenario::Healthy).await;
    let reply = post_group(&server, NEW_GROUP, None).await;
    let pattern = format!(
        "^https://{}/ers/config/endpointgroup/[0-9a-f]{{8}}-[0-9a-f]{{4}}-4[0-9a-f]{{3}}-[89ab][0-9a-f]{{3}}-[0-9a-f]{{12}}$",
        regex::escape(&server.local_addr().to_string())
    );
    let location = reply.header("location").unwrap_or_default();
    assert!(
        Regex::new(&pattern).unwrap().is_match(location),
        "{location}"
    );
}

#[tokio::test]
async fn healthy_post_ids_differ() {
    let server = start(Scenario::Healthy).await;
    let first = post_group(&server, NEW_GROUP, None).await;
    let other = r#"{"EndPointGroup": {"name": "second-probe"}}"#;
    let second = post_group(&server, other, None).await;
    assert_ne!(first.header("location"), second.header("location"));
}

#[tokio::test]
async fn healthy_created_group_listed() {
    let server = start(Scenario::Healthy).await;
    post_group(&server, NEW_GROUP, None).await;
    let reply = get(&server, "/ers/config/endpointgroup?size=100", JSON).await;
    let body = reply.json();
    let names: Vec<&str> = body["SearchResult"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["name"].as_str().unwrap())
        .collect();
    assert_eq!(body["SearchResult"]["total"], 19);
    assert!(names.contains(&"gatecheck-probe"));
}

#[tokio::test]
async fn healthy_fetch_gets_no_token() {
    let server = start(Scenario::Healthy).await;
    let reply = fetch_token(&server).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("x-csrf-token"), None);
    assert!(server.issued_csrf_tokens().is_empty());
}

#[tokio::test]
async fn healthy_token_header_ignored() {
    let server = start(Scenario::Healthy).await;
    let reply = post_group(&server, NEW_GROUP, Some("not-a-token")).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn post_invalid_json_400() {
    let server = start(Scenario::Healthy).await;
    let reply = post_group(&server, "{\"EndPointGroup\": ", None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["ERSResponse"]["messages"][0]["type"], "ERROR");
    assert!(ers_title(&reply).contains("Invalid JSON"));
}

#[tokio::test]
async fn post_empty_body_400() {
    let server = start(Scenario::Healthy).await;
    let reply = post_group(&server, "", None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["ERSResponse"].is_object());
}

#[tokio::test]
async fn post_missing_name_400() {
    let server = start(Scenario::Healthy).await;
    let body = r#"{"EndPointGroup": {"description": "no name"}}"#;
    let reply = post_group(&server, body, None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(ers_title(&reply).contains("'name'"));
}

#[tokio::test]
async fn post_empty_name_400() {
    let server = start(Scenario::Healthy).await;
    let body = r#"{"EndPointGroup": {"name": ""}}"#;
    let reply = post_group(&server, body, None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(ers_title(&reply).contains("'name'"));
}

#[tokio::test]
async fn post_wrong_root_400() {
    let server = start(Scenario::Healthy).await;
    let body = r#"{"name": "gatecheck-probe"}"#;
    let reply = post_group(&server, body, None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(ers_title(&reply).contains("EndPointGroup"));
}

#[tokio::test]
async fn post_builtin_name_400() {
    let server = start(Scenario::Healthy).await;
    let body = r#"{"EndPointGroup": {"name": "Android"}}"#;
    let reply = post_group(&server, body, None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(ers_title(&reply).contains("already exists"));
}

#[tokio::test]
async fn post_same_name_twice_400() {
    let server = start(Scenario::Healthy).await;
    let first = post_group(&server, NEW_GROUP, None).await;
    let second = post_group(&server, NEW_GROUP, None).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    assert!(ers_title(&second).contains("already exists"));
}

#[tokio::test]
async fn post_text_plain_415() {
    let server = start(Scenario::Healthy).await;
    let request = client(&server)
        .post(url(&server, ENDPOINT_GROUPS))
        .header("Accept", JSON)
        .header("Content-Type", "text/plain")
        .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD))
        .body(NEW_GROUP);
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(reply.json()["ERSResponse"].is_object());
}

#[tokio::test]
async fn post_charset_accepted() {
    let server = start(Scenario::Healthy).await;
    let request = client(&server)
        .post(url(&server, ENDPOINT_GROUPS))
        .header("Content-Type", "application/json; charset=utf-8")
        .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD))
        .body(NEW_GROUP);
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn post_over_body_limit_413() {
    let server = start(Scenario::Healthy).await;
    let padding = " ".repeat(1024 * 1024);
    let reply = post_group(&server, &format!("{NEW_GROUP}{padding}"), None).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn post_over_http1() {
    let server = start(Scenario::Healthy).await;
    let http1 = client_builder(&server).http1_only().build().unwrap();
    let request = http1
        .post(url(&server, ENDPOINT_GROUPS))
        .header("Content-Type", JSON)
        .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD))
        .body(NEW_GROUP);
    let reply = send(request).await;
    assert_eq!(reply.version, Version::HTTP_11);
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn post_wrong_password_401() {
    let server = start(Scenario::Healthy).await;
    let request = client(&server)
        .post(url(&server, ENDPOINT_GROUPS))
        .header("Content-Type", JSON)
        .basic_auth(DEFAULT_USER, Some("Wrong-Secret-9"))
        .body(NEW_GROUP);
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.failed_logins(), 1);
}

#[tokio::test]
async fn delete_created_group_204() {
    let server = start(Scenario::Healthy).await;
    let created = post_group(&server, NEW_GROUP, None).await;
    let location = created.header("location").unwrap().to_owned();
    let reply = delete_group(&server, &location, None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_empty());
}

#[tokio::test]
async fn delete_frees_name() {
    let server = start(Scenario::Healthy).await;
    let created = post_group(&server, NEW_GROUP, None).await;
    let location = created.header("location").unwrap().to_owned();
    delete_group(&server, &location, None).await;
    let again = post_group(&server, NEW_GROUP, None).await;
    assert_eq!(again.status, StatusCode::CREATED);
}

#[tokio::test]
async fn delete_twice_404() {
    let server = start(Scenario::Healthy).await;
    let created = post_group(&server, NEW_GROUP, None).await;
    let location = created.header("location").unwrap().to_owned();
    delete_group(&server, &location, None).await;
    let reply = delete_group(&server, &location, None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.json()["ERSResponse"].is_object());
}

#[tokio::test]
async fn delete_unknown_id_404() {
    let server = start(Scenario::Healthy).await;
    let group_url = url(
        &server,
        "/ers/config/endpointgroup/00000000-0000-4000-8000-000000000000",
    );
    let reply = delete_group(&server, &group_url, None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

// Endpoint group writes with CSRF protection on.

#[tokio::test]
async fn csrf_fetch_returns_token() {
    let server = start(Scenario::CsrfEnabled).await;
    let reply = fetch_token(&server).await;
    let token = reply.header("x-csrf-token").unwrap_or_default();
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.json()["SearchResult"].is_object());
    assert_eq!(token.len(), 32);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
}

#[tokio::test]
async fn csrf_tokens_remembered() {
    let server = start(Scenario::CsrfEnabled).await;
    let first = issued_token(&server).await;
    let second = issued_token(&server).await;
    assert_ne!(first, second);
    assert_eq!(server.issued_csrf_tokens(), [first, second]);
}

#[tokio::test]
async fn csrf_get_without_fetch() {
    let server = start(Scenario::CsrfEnabled).await;
    let reply = get(&server, ERS_LIST, JSON).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("x-csrf-token"), None);
    assert!(server.issued_csrf_tokens().is_empty());
}

#[tokio::test]
async fn csrf_fetch_on_other_ers_path() {
    let server = start(Scenario::CsrfEnabled).await;
    let request = client(&server)
        .get(url(&server, "/ers/config/unknown"))
        .header("X-CSRF-TOKEN", "fetch")
        .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD));
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.header("x-csrf-token").is_some());
}

#[tokio::test]
async fn csrf_fetch_not_on_openapi() {
    let server = start(Scenario::CsrfEnabled).await;
    let request = client(&server)
        .get(url(&server, OPEN_API_FILTER))
        .header("Accept", JSON)
        .header("X-CSRF-TOKEN", "fetch")
        .basic_auth(DEFAULT_USER, Some(DEFAULT_PASSWORD));
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("x-csrf-token"), None);
}

#[tokio::test]
async fn csrf_post_without_token_403() {
    let server = start(Scenario::CsrfEnabled).await;
    let reply = post_group(&server, NEW_GROUP, None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply
            .header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(reply.body.contains(CSRF_REJECTION));
}

#[tokio::test]
async fn csrf_post_wrong_token_403() {
    let server = start(Scenario::CsrfEnabled).await;
    let token = issued_token(&server).await;
    let wrong = token.chars().rev().collect::<String>();
    let reply = post_group(&server, NEW_GROUP, Some(&wrong)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains(CSRF_REJECTION));
}

#[tokio::test]
async fn csrf_post_fetch_value_403() {
    let server = start(Scenario::CsrfEnabled).await;
    issued_token(&server).await;
    let reply = post_group(&server, NEW_GROUP, Some("fetch")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn csrf_post_valid_token_201() {
    let server = start(Scenario::CsrfEnabled).await;
    let token = issued_token(&server).await;
    let reply = post_group(&server, NEW_GROUP, Some(&token)).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert!(reply.header("location").is_some());
    assert!(reply.body.is_empty());
}

#[tokio::test]
async fn csrf_token_reusable() {
    let server = start(Scenario::CsrfEnabled).await;
    let token = issued_token(&server).await;
    let other = r#"{"EndPointGroup": {"name": "second-probe"}}"#;
    post_group(&server, NEW_GROUP, Some(&token)).await;
    let reply = post_group(&server, other, Some(&token)).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn csrf_token_before_body_check() {
    let server = start(Scenario::CsrfEnabled).await;
    let reply = post_group(&server, "not json", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn csrf_invalid_json_400() {
    let server = start(Scenario::CsrfEnabled).await;
    let token = issued_token(&server).await;
    let reply = post_group(&server, "not json", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(ers_title(&reply).contains("Invalid JSON"));
}

#[tokio::test]
async fn csrf_auth_before_token() {
    let server = start(Scenario::CsrfEnabled).await;
    let request = client(&server)
        .post(url(&server, ENDPOINT_GROUPS))
        .header("Content-Type", JSON)
        .basic_auth(DEFAULT_USER, Some("Wrong-Secret-9"))
        .body(NEW_GROUP);
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.failed_logins(), 1);
}

#[tokio::test]
async fn csrf_no_token_for_401() {
    let server = start(Scenario::CsrfEnabled).await;
    let request = client(&server)
        .get(url(&server, ENDPOINT_GROUPS))
        .header("X-CSRF-TOKEN", "fetch")
        .basic_auth(DEFAULT_USER, Some("Wrong-Secret-9"));
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("x-csrf-token"), None);
}

#[tokio::test]
async fn csrf_delete_without_token_403() {
    let server = start(Scenario::CsrfEnabled).await;
    let token = issued_token(&server).await;
    let created = post_group(&server, NEW_GROUP, Some(&token)).await;
    let location = created.header("location").unwrap().to_owned();
    let reply = delete_group(&server, &location, None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains(CSRF_REJECTION));
}

#[tokio::test]
async fn csrf_delete_with_token_204() {
    let server = start(Scenario::CsrfEnabled).await;
    let token = issued_token(&server).await;
    let created = post_group(&server, NEW_GROUP, Some(&token)).await;
    let location = created.header("location").unwrap().to_owned();
    let reply = delete_group(&server, &location, Some(&token)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn csrf_enabled_checks() {
    let server = start(Scenario::CsrfEnabled).await;
    let ers = get(&server, ERS_LIST, JSON).await;
    let openapi = get(&server, OPEN_API_FILTER, JSON).await;
    let mnt = get(&server, MNT_UNKNOWN_MAC, XML).await;
    assert_eq!(ers.status, StatusCode::OK);
    assert_eq!(openapi.status, StatusCode::OK);
    assert_eq!(mnt.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!matches_not_mnt(&mnt.body));
}

/// The status a POST without a token gets in each scenario: gateway and login rules first, then
/// the CSRF check where it is on.
#[tokio::test]
async fn post_without_token_by_scenario() {
    for scenario in Scenario::ALL {
        let expected = match scenario {
            Scenario::Healthy | Scenario::OpenapiDisabled | Scenario::NotMntNode => {
                StatusCode::CREATED
            }
            Scenario::ErsDisabled | Scenario::Gateway30 => StatusCode::FOUND,
            Scenario::BadCredentials | Scenario::LockedUser => StatusCode::UNAUTHORIZED,
            Scenario::NotRouted => StatusCode::NOT_FOUND,
            Scenario::CsrfEnabled => StatusCode::FORBIDDEN,
        };
        let server = start(scenario).await;
        let reply = post_group(&server, NEW_GROUP, None).await;
        assert_eq!(reply.status, expected, "{scenario}");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn fetch_token_only_when_enabled() {
    for scenario in Scenario::ALL {
        let server = start(scenario).await;
        let reply = fetch_token(&server).await;
        let issued = reply.header("x-csrf-token").is_some();
        assert_eq!(issued, scenario == Scenario::CsrfEnabled, "{scenario}");
        server.shutdown().await;
    }
}

// Password secrecy across every scenario.

#[tokio::test]
async fn audit_never_has_password() {
    for scenario in Scenario::ALL {
        let server = start(scenario).await;
        get(&server, ERS_LIST, JSON).await;
        get(&server, OPEN_API_FILTER, JSON).await;
        get(&server, MNT_UNKNOWN_MAC, XML).await;
        for line in server.audit_lines() {
            assert!(!line.contains(DEFAULT_PASSWORD), "{scenario}: {line}");
        }
        server.shutdown().await;
    }
}

// Transport: HTTP versions, certificate names, shutdown and rude clients.

#[tokio::test]
async fn http2_when_client_prefers() {
    let server = start(Scenario::Healthy).await;
    let reply = get(&server, ERS_LIST, JSON).await;
    assert_eq!(reply.version, Version::HTTP_2);
}

#[tokio::test]
async fn http1_when_client_requires() {
    let server = start(Scenario::Healthy).await;
    let http1 = client_builder(&server).http1_only().build().unwrap();
    let reply = send(http1.get(login_url(&server))).await;
    assert_eq!(reply.version, Version::HTTP_11);
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn certificate_valid_for_localhost() {
    let server = start(Scenario::Healthy).await;
    // Pinning localhost to the listener checks the certificate's DNS name without relying on how
    // this machine resolves localhost.
    let pinned = client_builder(&server)
        .resolve("localhost", server.local_addr())
        .build()
        .unwrap();
    let url = format!(
        "https://localhost:{}/admin/login.jsp",
        server.local_addr().port()
    );
    let reply = send(pinned.get(url)).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn tls12_client_accepted() {
    let server = start(Scenario::Healthy).await;
    let tls12 = client_builder(&server)
        .tls_version_max(reqwest::tls::Version::TLS_1_2)
        .build()
        .unwrap();
    let reply = send(tls12.get(login_url(&server))).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn ipv6_loopback_serves() {
    let listen = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 0));
    let server = MockIse::start(MockIseOptions::new(listen, Scenario::Healthy))
        .await
        .expect("simulator starts on [::1]");
    let reply = get(&server, ERS_LIST, JSON).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    let href = body["SearchResult"]["resources"][0]["link"]["href"]
        .as_str()
        .unwrap();
    assert!(href.starts_with(&format!("https://[::1]:{}/", server.local_addr().port())));
}

#[tokio::test]
async fn ca_pem_is_certificate() {
    let server = start(Scenario::Healthy).await;
    assert!(server.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
}

#[tokio::test]
async fn untrusted_client_fails_tls() {
    let server = start(Scenario::Healthy).await;
    let other = start(Scenario::Healthy).await;
    // A client trusting another simulator's CA must reject this one's certificate.
    let result = client(&other).get(login_url(&server)).send().await;
    assert!(result.is_err());
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let server = start(Scenario::Healthy).await;
    let addr = server.local_addr();
    server.shutdown().await;
    let connect = tokio::net::TcpStream::connect(addr).await;
    assert!(connect.is_err());
}

#[tokio::test]
async fn shutdown_with_idle_connection() {
    let server = start(Scenario::Healthy).await;
    let pooled = client(&server);
    let reply = send(pooled.get(login_url(&server))).await;
    assert_eq!(reply.status, StatusCode::OK);
    // The client keeps its connection open in its pool, which must not hold up the shutdown.
    let stopped = tokio::time::timeout(Duration::from_secs(5), server.shutdown()).await;
    assert!(stopped.is_ok());
}

#[tokio::test]
async fn hangup_mid_handshake_harmless() {
    use tokio::io::AsyncWriteExt;

    let server = start(Scenario::Healthy).await;
    let mut rude = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    // The first bytes of a TLS record header, then a hang-up.
    rude.write_all(&[0x16, 0x03, 0x01]).await.unwrap();
    drop(rude);
    let mut plain = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    plain.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    drop(plain);
    let reply = send(client(&server).get(login_url(&server))).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn bind_error_names_address() {
    let server = start(Scenario::Healthy).await;
    let in_use = server.local_addr();
    let error = MockIse::start(MockIseOptions::new(in_use, Scenario::Healthy))
        .await
        .unwrap_err();
    assert!(error.to_string().contains(&in_use.to_string()));
}

// Scenario names.

#[test]
fn scenario_names_round_trip() {
    for scenario in Scenario::ALL {
        let parsed: Scenario = scenario.name().parse().unwrap();
        assert_eq!(parsed, scenario);
        assert_eq!(scenario.to_string(), scenario.name());
    }
}

#[test]
fn scenario_names_as_documented() {
    let names: Vec<&str> = Scenario::ALL
        .iter()
        .map(|scenario| scenario.name())
        .collect();
    assert_eq!(
        names,
        [
            "healthy",
            "ers-disabled",
            "openapi-disabled",
            "gateway-3.0",
            "bad-credentials",
            "locked-user",
            "not-routed",
            "not-mnt-node",
            "csrf-enabled"
        ]
    );
}

#[test]
fn scenario_unknown_lists_valid() {
    let error = "broken".parse::<Scenario>().unwrap_err();
    let message = error.to_string();
    assert!(message.contains("\"broken\""));
    assert!(message.contains("healthy"));
    assert!(message.contains("not-mnt-node"));
}

#[test]
fn scenario_descriptions_one_line() {
    for scenario in Scenario::ALL {
        assert!(!scenario.description().is_empty());
        assert!(!scenario.description().contains('\n'));
    }
}

// The `gatecheck mock-ise` entry point.

#[tokio::test]
async fn serve_until_signal_lifecycle() {
    let folder = tempfile::tempdir().unwrap();
    let ca_path = folder.path().join("ca.pem");
    // serve_until_signal reports its port only on stdout, so the test picks a free port itself.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = SocketAddr::from(([127, 0, 0, 1], port));
    let options = MockIseOptions::new(listen, Scenario::Healthy);
    let task_ca_path = ca_path.clone();
    let task = tokio::spawn(async move { serve_until_signal(options, Some(&task_ca_path)).await });

    // The CA file appears whole, after the signal handlers are installed and before the
    // `listening on` line.
    let mut waited = Duration::ZERO;
    while !ca_path.exists() && waited < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    let pem = std::fs::read_to_string(&ca_path).expect("CA file written");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));

    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([ca])
        .no_proxy()
        .build()
        .unwrap();
    let url = format!("https://{listen}/admin/login.jsp");
    let response = client.get(url).send().await.expect("server reachable");
    assert_eq!(response.status(), StatusCode::OK);

    // SIGTERM goes to this test process only, whose handler serve_until_signal installed.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let outcome = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("server stops after SIGTERM")
        .expect("server task does not panic");
    assert!(outcome.is_ok());
}
