//! MnT (Monitoring) REST API: session lookup by MAC address and the version resource.

use hyper::http::request::Parts;
use hyper::{Response, StatusCode};

use super::html;
use super::request::{AcceptRule, accepts, percent_decode};
use super::response::{self, MockBody, XML};

pub(crate) const MNT_PREFIX: &str = "/admin/API/mnt/";
const SESSION_BY_MAC_PREFIX: &str = "/admin/API/mnt/Session/MACAddress/";
const VERSION_PATH: &str = "/admin/API/mnt/Version";

/// The one MAC address with an active session. MnT compares MACs as given, so the lowercase
/// spelling of this address finds no session either.
pub const KNOWN_SESSION_MAC: &str = "11:22:33:44:55:66";

/// ISE release the version resource reports.
const ISE_VERSION: &str = "3.3.0.430";

/// Node type the version resource reports.
// NOTE: the values ISE puts in `type_of_node` are not confirmed. Clients should not rely on this
// one.
const NODE_TYPE: &str = "STANDALONE";

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// Whether the node serving MnT requests has the MnT persona.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Persona {
    Monitoring,
    WithoutMonitoring,
}

/// Builds the response to a GET under `/admin/API/mnt/`. MnT requires an `Accept` header that
/// names `application/xml` and returns 406 with no body for any other.
pub(crate) fn handle(parts: &Parts, persona: Persona) -> Response<MockBody> {
    let path = parts.uri.path();
    let resource = if path == VERSION_PATH {
        MntResource::Version
    } else if let Some(segment) = path.strip_prefix(SESSION_BY_MAC_PREFIX) {
        if segment.is_empty() || segment.contains('/') {
            return html::not_found();
        }
        MntResource::SessionByMac(percent_decode(segment))
    } else {
        return html::not_found();
    };

    if !accepts(&parts.headers, XML, AcceptRule::ExactOnly) {
        return response::without_body(StatusCode::NOT_ACCEPTABLE);
    }

    match (resource, persona) {
        (MntResource::SessionByMac(mac), Persona::WithoutMonitoring) => {
            error_response(&MntError::no_mnt_persona(&mac))
        }
        (MntResource::SessionByMac(mac), Persona::Monitoring) if mac == KNOWN_SESSION_MAC => {
            response::with_body(StatusCode::OK, XML, active_session_xml())
        }
        (MntResource::SessionByMac(mac), Persona::Monitoring) => {
            error_response(&MntError::session_not_found(&mac))
        }
        (MntResource::Version, Persona::WithoutMonitoring) => {
            error_response(&MntError::version_without_mnt_persona())
        }
        (MntResource::Version, Persona::Monitoring) => {
            response::with_body(StatusCode::OK, XML, version_xml())
        }
    }
}

enum MntResource {
    SessionByMac(String),
    Version,
}

/// The fields of ISE's `<mnt-rest-result>` error envelope that vary between errors.
struct MntError {
    description: &'static str,
    internal_error_info: String,
    requested_operation: &'static str,
    resource_id: String,
    resource_name: &'static str,
    resource_type: &'static str,
}

impl MntError {
    /// Error for a MAC without a session, which is the healthy outcome. Its text must not contain
    /// "not" followed by "MnT" on one line, because clients tell it apart from the next error
    /// that way.
    fn session_not_found(mac: &str) -> Self {
        MntError {
            description: "Session lookup failed",
            internal_error_info: format!("Session data is not available for MAC address {mac}"),
            requested_operation: "Get session by MAC address",
            resource_id: mac.to_owned(),
            resource_name: "MACAddress",
            resource_type: "Session",
        }
    }

    fn no_mnt_persona(mac: &str) -> Self {
        MntError {
            description: "Session lookup failed",
            internal_error_info: String::from(NO_MNT_PERSONA_MESSAGE),
            requested_operation: "Get session by MAC address",
            resource_id: mac.to_owned(),
            resource_name: "MACAddress",
            resource_type: "Session",
        }
    }

    fn version_without_mnt_persona() -> Self {
        MntError {
            description: "Version lookup failed",
            internal_error_info: String::from(NO_MNT_PERSONA_MESSAGE),
            requested_operation: "Get version",
            resource_id: String::from("Version"),
            resource_name: "Version",
            resource_type: "Product",
        }
    }
}

/// Error text of a node without the MnT persona. It contains "not have the MnT" so that a
/// client can match it with a pattern such as `not .*MnT`.
const NO_MNT_PERSONA_MESSAGE: &str = "This node does not have the MnT (Monitoring) persona and \
     holds no session data. Send MnT API requests to a node with the Monitoring persona.";

fn error_response(error: &MntError) -> Response<MockBody> {
    let body = format!(
        "{XML_DECLARATION}<mnt-rest-result>\n\
         \x20   <http-code>500</http-code>\n\
         \x20   <cpm-code>500</cpm-code>\n\
         \x20   <description>{}</description>\n\
         \x20   <module-name>MnT</module-name>\n\
         \x20   <internal-error-info>{}</internal-error-info>\n\
         \x20   <requested-operation>{}</requested-operation>\n\
         \x20   <resource-id>{}</resource-id>\n\
         \x20   <resource-name>{}</resource-name>\n\
         \x20   <resource-type>{}</resource-type>\n\
         \x20   <status>SERVER_ERROR</status>\n\
         </mnt-rest-result>\n",
        escape_xml(error.description),
        escape_xml(&error.internal_error_info),
        escape_xml(error.requested_operation),
        escape_xml(&error.resource_id),
        escape_xml(error.resource_name),
        escape_xml(error.resource_type),
    );
    response::with_body(StatusCode::INTERNAL_SERVER_ERROR, XML, body)
}

/// Builds the XML of an 802.1X session of a managed workstation, with the elements that MnT
/// clients read most. The addresses come from the ranges reserved for documentation.
fn active_session_xml() -> String {
    let typed = "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" \
                 xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
    format!(
        "{XML_DECLARATION}<sessionParameters>\n\
         \x20   <passed xsi:type=\"xs:boolean\" {typed}>true</passed>\n\
         \x20   <failed xsi:type=\"xs:boolean\" {typed}>false</failed>\n\
         \x20   <user_name>host/demo-workstation.example.com</user_name>\n\
         \x20   <nas_ip_address>192.0.2.10</nas_ip_address>\n\
         \x20   <calling_station_id>{KNOWN_SESSION_MAC}</calling_station_id>\n\
         \x20   <nas_port_id>GigabitEthernet1/0/12</nas_port_id>\n\
         \x20   <framed_ip_address>198.51.100.23</framed_ip_address>\n\
         \x20   <identity_group>Workstation</identity_group>\n\
         \x20   <network_device_name>demo-access-switch</network_device_name>\n\
         \x20   <acs_server>ise-demo</acs_server>\n\
         \x20   <authen_protocol>PEAP (EAP-MSCHAPv2)</authen_protocol>\n\
         \x20   <authentication_method>dot1x</authentication_method>\n\
         \x20   <endpoint_policy>Microsoft-Workstation</endpoint_policy>\n\
         </sessionParameters>\n"
    )
}

fn version_xml() -> String {
    format!(
        "{XML_DECLARATION}<product>\n\
         \x20   <version>{ISE_VERSION}</version>\n\
         \x20   <type_of_node>{NODE_TYPE}</type_of_node>\n\
         </product>\n"
    )
}

/// Escapes the five characters XML reserves, because MACs in error bodies come from the path.
fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_xml_markup() {
        assert_eq!(escape_xml("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;");
    }

    #[test]
    fn persona_message_matches_pattern() {
        let pattern = regex::Regex::new("not .*MnT").unwrap();
        assert!(pattern.is_match(NO_MNT_PERSONA_MESSAGE));
    }

    #[test]
    fn session_not_found_avoids_pattern() {
        let pattern = regex::Regex::new("not .*MnT").unwrap();
        let error = MntError::session_not_found("AA:AA:AA:AA:AA:AA");
        assert!(!pattern.is_match(&error.internal_error_info));
        assert!(!pattern.is_match(error.description));
    }
}
