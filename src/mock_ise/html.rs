//! HTML pages: Tomcat's status pages, the CSRF rejection and the admin login page.

use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};

use super::response::{self, HTML_UTF8, MockBody};

/// Realm sent in `WWW-Authenticate`.
// NOTE: the realm string real ISE sends is not confirmed, so clients should not match on it.
const AUTH_REALM: &str = "Cisco Identity Services Engine";

/// Renders a status page in the layout of Apache Tomcat's error report valve, which is what ISE's
/// web server returns for 401 and 404. Clients recognise it by the `<title>`.
fn tomcat_status_page(status: StatusCode, description: &str) -> String {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    // The en dash in the title is part of Tomcat's format and is what scripts match on.
    format!(
        "<!doctype html><html lang=\"en\"><head><title>HTTP Status {code} \u{2013} {reason}</title>\
         <style type=\"text/css\">body {{font-family:Tahoma,Arial,sans-serif;}} \
         h1 {{font-size:22px;}} .line {{height:1px;background-color:#525D76;border:none;}}</style>\
         </head><body><h1>HTTP Status {code} \u{2013} {reason}</h1><hr class=\"line\" />\
         <p><b>Type</b> Status Report</p><p><b>Description</b> {description}</p>\
         <hr class=\"line\" /><h3>Apache Tomcat</h3></body></html>"
    )
}

/// Builds Tomcat's 401 page with a basic-auth challenge.
pub(crate) fn unauthorized() -> Response<MockBody> {
    let body = tomcat_status_page(
        StatusCode::UNAUTHORIZED,
        "The request was not applied because it lacks valid authentication credentials for the \
         target resource.",
    );
    let challenge = format!("Basic realm=\"{AUTH_REALM}\"");
    let builder = response::with_ise_headers(StatusCode::UNAUTHORIZED)
        .header(header::CONTENT_TYPE, HTML_UTF8)
        .header(header::CONTENT_LANGUAGE, "en")
        .header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_str(&challenge).unwrap_or(HeaderValue::from_static("Basic")),
        );
    response::finish(builder, MockBody::fixed(body))
}

/// Builds the 403 that ERS returns, with CSRF protection on, for a write without a valid
/// `X-CSRF-TOKEN` header.
// NOTE: users of Cisco's Python SDK report that real ISE sends the plain text "CSRF nonce
// validation failed" followed by an HTML page. The layout here is the simulator's own.
pub(crate) fn csrf_rejected() -> Response<MockBody> {
    let body = tomcat_status_page(
        StatusCode::FORBIDDEN,
        "CSRF nonce validation failed: the request carries no valid X-CSRF-TOKEN header. Fetch a \
         token with a GET that sends X-CSRF-TOKEN: fetch, then send that token with each write.",
    );
    let builder = response::with_ise_headers(StatusCode::FORBIDDEN)
        .header(header::CONTENT_TYPE, HTML_UTF8)
        .header(header::CONTENT_LANGUAGE, "en");
    response::finish(builder, MockBody::fixed(body))
}

/// Builds Tomcat's 404 page, returned for paths that nothing serves.
pub(crate) fn not_found() -> Response<MockBody> {
    let body = tomcat_status_page(
        StatusCode::NOT_FOUND,
        "The origin server did not find a current representation for the target resource.",
    );
    let builder = response::with_ise_headers(StatusCode::NOT_FOUND)
        .header(header::CONTENT_TYPE, HTML_UTF8)
        .header(header::CONTENT_LANGUAGE, "en");
    response::finish(builder, MockBody::fixed(body))
}

/// Builds the 302 that ISE's gateway returns for an API it does not expose, pointing at the
/// admin login page on the host the client asked for.
pub(crate) fn redirect_to_login(host: &str) -> Response<MockBody> {
    let location = format!("https://{host}/admin/login.jsp");
    match HeaderValue::from_str(&location) {
        Ok(location) => {
            let builder =
                response::with_ise_headers(StatusCode::FOUND).header(header::LOCATION, location);
            response::finish(builder, MockBody::empty())
        }
        Err(_) => not_found(),
    }
}

/// Builds the admin GUI login page. It needs no credentials, like the real one.
pub(crate) fn login_page() -> Response<MockBody> {
    let body = "<!DOCTYPE html>\n\
        <html lang=\"en\">\n\
        <head><meta charset=\"utf-8\"><title>Identity Services Engine</title></head>\n\
        <body>\n\
        <h1>Identity Services Engine</h1>\n\
        <p>Simulated by gatecheck. This page only shows that the admin GUI answers.</p>\n\
        <form method=\"post\" action=\"/admin/LoginAction.do\">\n\
        <label>Username <input name=\"username\" autocomplete=\"username\"></label>\n\
        <label>Password <input name=\"password\" type=\"password\" \
        autocomplete=\"current-password\"></label>\n\
        <button type=\"submit\">Login</button>\n\
        </form>\n\
        </body>\n\
        </html>\n";
    response::with_body(StatusCode::OK, HTML_UTF8, body)
}
