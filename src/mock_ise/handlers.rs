//! Request routing in the order ISE applies it: the gateway's routing decision, then basic
//! authentication, then the API itself.

use std::net::SocketAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};
use rustls::crypto::SecureRandom;

use super::audit::AuditLog;
use super::csrf::{self, CsrfTokens};
use super::ers_write::{self, CreatedGroups};
use super::mnt::{self, MNT_PREFIX, Persona};
use super::random::random_hex;
use super::request::{RequestBody, requested_host};
use super::response::{self, MockBody};
use super::scenario::{ApiFamily, GatewayRoute, LoginFailure, Scenario};
use super::{ers, html, openapi};

const LOGIN_PAGE_PATH: &str = "/admin/login.jsp";
/// `Allow` value in the 405 of a read-only resource.
const READ_METHODS: &str = "GET, HEAD";
/// `Allow` value in the 405 of the endpoint group collection.
const ENDPOINT_GROUP_METHODS: &str = "GET, HEAD, POST";
const ERS_PREFIX: &str = "/ers/";
const OPEN_API_PREFIX: &str = "/api/v1/";

/// State shared by every connection of one simulator.
pub(crate) struct Shared {
    pub(crate) scenario: Scenario,
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) audit: AuditLog,
    /// Address the listener is bound to, used for links when a request names no host.
    pub(crate) local_addr: SocketAddr,
    /// Source of session cookie values, CSRF tokens and the ids of created groups.
    pub(crate) random: &'static dyn SecureRandom,
    /// CSRF tokens handed out, which only the `csrf-enabled` scenario issues and checks.
    pub(crate) csrf_tokens: CsrfTokens,
    pub(crate) created_groups: CreatedGroups,
}

/// Builds the response to one request from `peer`.
pub(crate) fn handle(
    parts: &Parts,
    body: &RequestBody,
    peer: SocketAddr,
    shared: &Shared,
) -> Response<MockBody> {
    let path = parts.uri.path();

    let Some(family) = api_family(path) else {
        return if path == LOGIN_PAGE_PATH && shared.scenario != Scenario::NotRouted {
            html::login_page()
        } else {
            html::not_found()
        };
    };

    // The gateway decides before Tomcat checks credentials, so a redirected or unrouted request
    // never counts as a failed login.
    let host = requested_host(parts).unwrap_or_else(|| shared.local_addr.to_string());
    match shared.scenario.route(family) {
        GatewayRoute::NotFound => return html::not_found(),
        GatewayRoute::RedirectToLogin => return html::redirect_to_login(&host),
        GatewayRoute::Served => {}
    }

    if let Err(rejection) = authenticate(&parts.headers, shared) {
        shared
            .audit
            .record_failure(rejection.user.as_deref(), peer, rejection.failure);
        return html::unauthorized();
    }

    let base_url = format!("https://{host}");
    if family == ApiFamily::Ers {
        return handle_ers(parts, body, &base_url, shared);
    }

    if !is_read(&parts.method) {
        return method_not_allowed(READ_METHODS);
    }
    match family {
        ApiFamily::OpenApi if path == openapi::ENDPOINT_PATH => openapi::search_endpoints(parts),
        ApiFamily::Mnt => {
            let persona = if shared.scenario == Scenario::NotMntNode {
                Persona::WithoutMonitoring
            } else {
                Persona::Monitoring
            };
            mnt::handle(parts, persona)
        }
        ApiFamily::Ers | ApiFamily::OpenApi => html::not_found(),
    }
}

/// Builds the response to an authenticated ERS request. With CSRF protection on, a write
/// without a valid token is rejected before ERS looks at its path, and a read that requests a
/// token gets one.
fn handle_ers(
    parts: &Parts,
    body: &RequestBody,
    base_url: &str,
    shared: &Shared,
) -> Response<MockBody> {
    let csrf_on = shared.scenario.requires_csrf_token();
    let reading = is_read(&parts.method);
    if csrf_on && !reading && !shared.csrf_tokens.accepts(&parts.headers) {
        return html::csrf_rejected();
    }

    let path = parts.uri.path();
    let group_id = path
        .strip_prefix(ers::ENDPOINT_GROUP_PATH)
        .and_then(|rest| rest.strip_prefix('/'));
    let mut response = if path == ers::ENDPOINT_GROUP_PATH {
        let response = match parts.method {
            Method::GET | Method::HEAD => {
                let created = shared.created_groups.snapshot();
                ers::list_endpoint_groups(parts, base_url, &created)
            }
            Method::POST => ers_write::create_endpoint_group(
                parts,
                body,
                base_url,
                &shared.created_groups,
                shared.random,
            ),
            _ => return method_not_allowed(ENDPOINT_GROUP_METHODS),
        };
        with_session_cookies(response, shared.random)
    } else {
        match (group_id, &parts.method) {
            (Some(id), &Method::DELETE) => {
                let response =
                    ers_write::delete_endpoint_group(id, base_url, &shared.created_groups);
                with_session_cookies(response, shared.random)
            }
            _ if reading => html::not_found(),
            _ => return method_not_allowed(READ_METHODS),
        }
    };

    if csrf_on && reading && csrf::fetch_requested(&parts.headers) {
        let token = random_hex(shared.random);
        if let Ok(value) = HeaderValue::from_str(&token) {
            response.headers_mut().insert(csrf::CSRF_HEADER, value);
            shared.csrf_tokens.remember(token);
        }
    }
    response
}

fn is_read(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

fn api_family(path: &str) -> Option<ApiFamily> {
    if path.starts_with(ERS_PREFIX) {
        Some(ApiFamily::Ers)
    } else if path.starts_with(OPEN_API_PREFIX) {
        Some(ApiFamily::OpenApi)
    } else if path.starts_with(MNT_PREFIX) {
        Some(ApiFamily::Mnt)
    } else {
        None
    }
}

/// A login that failed, with the user name to audit when the client sent a readable one.
struct Rejection {
    user: Option<String>,
    failure: LoginFailure,
}

/// Checks HTTP basic credentials against the configured user and the scenario.
fn authenticate(headers: &HeaderMap, shared: &Shared) -> Result<(), Rejection> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Rejection {
            user: None,
            failure: LoginFailure::MissingCredentials,
        });
    };
    let Some((user, password)) = decode_basic(value) else {
        return Err(Rejection {
            user: None,
            failure: LoginFailure::BadCredentials,
        });
    };

    let user_matches = user == shared.user;
    let password_matches = password == shared.password;
    match shared
        .scenario
        .login_outcome(user_matches, password_matches)
    {
        None => Ok(()),
        Some(failure) => Err(Rejection {
            user: Some(user),
            failure,
        }),
    }
}

/// Decodes `Basic base64(user:password)`. Returns `None` for another scheme, invalid base64,
/// text that is not UTF-8 or a missing colon.
fn decode_basic(value: &HeaderValue) -> Option<(String, String)> {
    let text = value.to_str().ok()?;
    let (scheme, encoded) = text.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = BASE64.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Builds the 405 for a method that the resource does not serve. `allowed` is the value of
/// the `Allow` header.
fn method_not_allowed(allowed: &'static str) -> Response<MockBody> {
    let builder =
        response::with_ise_headers(StatusCode::METHOD_NOT_ALLOWED).header(header::ALLOW, allowed);
    response::finish(builder, MockBody::empty())
}

/// Adds the session cookies that ISE's Tomcat sets on every ERS response. Each value is fresh
/// random hex, because clients must not be able to rely on a session being reused.
fn with_session_cookies(
    mut response: Response<MockBody>,
    random: &dyn SecureRandom,
) -> Response<MockBody> {
    for (name, path) in [("APPSESSIONID", "/ers"), ("JSESSIONIDSSO", "/")] {
        let value = random_hex(random);
        if let Some(cookie) = response::session_cookie(name, &value, path) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(value: &'static str) -> HeaderValue {
        HeaderValue::from_static(value)
    }

    #[test]
    fn basic_decodes_user_and_password() {
        // "ers-admin:pa:ss" keeps the colon that belongs to the password.
        let value = header("Basic ZXJzLWFkbWluOnBhOnNz");
        let decoded = decode_basic(&value);
        assert_eq!(decoded, Some(("ers-admin".into(), "pa:ss".into())));
    }

    #[test]
    fn basic_rejects_bearer() {
        assert_eq!(decode_basic(&header("Bearer abc")), None);
    }

    #[test]
    fn basic_rejects_bad_base64() {
        assert_eq!(decode_basic(&header("Basic !!!")), None);
    }

    #[test]
    fn api_family_by_prefix() {
        assert_eq!(
            api_family("/ers/config/endpointgroup"),
            Some(ApiFamily::Ers)
        );
        assert_eq!(api_family("/api/v1/endpoint"), Some(ApiFamily::OpenApi));
        assert_eq!(api_family("/admin/API/mnt/Version"), Some(ApiFamily::Mnt));
        assert_eq!(api_family("/admin/login.jsp"), None);
    }
}
