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
use super::mnt::{self, MNT_PREFIX, Persona};
use super::request::requested_host;
use super::response::{self, MockBody};
use super::scenario::{ApiFamily, GatewayRoute, LoginFailure, Scenario};
use super::{ers, html, openapi};

const LOGIN_PAGE_PATH: &str = "/admin/login.jsp";
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
    /// Source of the session cookie values.
    pub(crate) random: &'static dyn SecureRandom,
}

/// Builds the response to one request from `peer`.
pub(crate) fn handle(parts: &Parts, peer: SocketAddr, shared: &Shared) -> Response<MockBody> {
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

    if parts.method != Method::GET && parts.method != Method::HEAD {
        return method_not_allowed();
    }

    let base_url = format!("https://{host}");
    match family {
        ApiFamily::Ers if path == ers::ENDPOINT_GROUP_PATH => {
            let mut response = ers::list_endpoint_groups(parts, &base_url);
            add_session_cookies(response.headers_mut(), shared.random);
            response
        }
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

fn method_not_allowed() -> Response<MockBody> {
    let builder = response::with_ise_headers(StatusCode::METHOD_NOT_ALLOWED)
        .header(header::ALLOW, "GET, HEAD");
    response::finish(builder, MockBody::empty())
}

/// Adds the session cookies that ISE's Tomcat sets on every ERS response. Each value is fresh
/// random hex, because clients must not be able to rely on a session being reused.
fn add_session_cookies(headers: &mut HeaderMap, random: &dyn SecureRandom) {
    for (name, path) in [("APPSESSIONID", "/ers"), ("JSESSIONIDSSO", "/")] {
        let value = random_hex(random);
        if let Some(cookie) = response::session_cookie(name, &value, path) {
            headers.append(header::SET_COOKIE, cookie);
        }
    }
}

/// Returns 32 upper-case hex digits, the shape of a Tomcat session id.
fn random_hex(random: &dyn SecureRandom) -> String {
    let mut bytes = [0u8; 16];
    if random.fill(&mut bytes).is_err() {
        // A session cookie here only has to look real, so a failing random source falls back
        // to the per-process random keys of the standard library's hasher.
        use std::hash::{BuildHasher, RandomState};
        let high = RandomState::new().hash_one(0u8).to_be_bytes();
        let low = RandomState::new().hash_one(1u8).to_be_bytes();
        bytes[..8].copy_from_slice(&high);
        bytes[8..].copy_from_slice(&low);
    }
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
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

    #[test]
    fn random_hex_shape() {
        let random = rustls::crypto::aws_lc_rs::default_provider().secure_random;
        let value = random_hex(random);
        assert_eq!(value.len(), 32);
        assert!(value.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
