//! ERS writes on endpoint groups: creating one with POST and deleting one created that way.

use std::sync::{Mutex, MutexGuard};

use hyper::header::{self, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};
use rustls::crypto::SecureRandom;
use serde::Deserialize;

use super::ers::{self, ENDPOINT_GROUP_PATH};
use super::random::random_uuid;
use super::request::{AcceptRule, MAX_REQUEST_BODY_BYTES, RequestBody, accepts, has_content_type};
use super::response::{self, JSON, MockBody};

/// Operation names ERS reports in error bodies for these writes.
const CREATE_OPERATION: &str = "POST-create-endpointgroup";
const DELETE_OPERATION: &str = "DELETE-delete-endpointgroup";

/// Maximum number of created groups kept, so that a script creating groups in a loop against a
/// long-running simulator gets an error instead of growing its memory without end.
const MAX_CREATED_GROUPS: usize = 1_000;

/// An endpoint group created through the API.
#[derive(Clone, Debug)]
pub(crate) struct CreatedGroup {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
}

/// The groups created since the start, oldest first, shared by all connections of one
/// simulator.
#[derive(Debug, Default)]
pub(crate) struct CreatedGroups {
    groups: Mutex<Vec<CreatedGroup>>,
}

/// Reason a group was not stored.
enum InsertError {
    DuplicateName,
    Full,
}

impl CreatedGroups {
    /// Returns a copy of the created groups, for a list request.
    pub(crate) fn snapshot(&self) -> Vec<CreatedGroup> {
        self.lock().clone()
    }

    fn insert(&self, group: CreatedGroup) -> Result<(), InsertError> {
        let mut groups = self.lock();
        let name_taken = ers::is_builtin_name(&group.name)
            || groups
                .iter()
                .any(|other| other.name.eq_ignore_ascii_case(&group.name));
        if name_taken {
            return Err(InsertError::DuplicateName);
        }
        if groups.len() >= MAX_CREATED_GROUPS {
            return Err(InsertError::Full);
        }
        groups.push(group);
        Ok(())
    }

    /// Removes the group with `id` and returns whether there was one.
    fn remove(&self, id: &str) -> bool {
        let mut groups = self.lock();
        let before = groups.len();
        groups.retain(|group| group.id != id);
        groups.len() != before
    }

    fn lock(&self) -> MutexGuard<'_, Vec<CreatedGroup>> {
        // Every writer leaves the list consistent after each push or removal, so a panic
        // elsewhere while the lock was held leaves nothing half done.
        self.groups
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The JSON body of a create request: `{"EndPointGroup": {"name": ..., "description": ...}}`.
/// Other fields, such as `systemDefined`, are ignored.
#[derive(Deserialize)]
struct CreateRequest {
    #[serde(rename = "EndPointGroup")]
    group: Option<NewGroup>,
}

#[derive(Deserialize)]
struct NewGroup {
    name: Option<String>,
    description: Option<String>,
}

/// Builds the response to `POST /ers/config/endpointgroup`: 201 with the new group's URL in
/// `Location` and no body, or an `ERSResponse` that describes what is wrong with the request.
pub(crate) fn create_endpoint_group(
    parts: &Parts,
    body: &RequestBody,
    base_url: &str,
    groups: &CreatedGroups,
    random: &dyn SecureRandom,
) -> Response<MockBody> {
    let reject = |status: StatusCode, title: String, code: &'static str| {
        ers::error_response(status, CREATE_OPERATION, title, code, base_url)
    };

    if !accepts(&parts.headers, JSON, AcceptRule::Lenient) {
        return reject(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type: this resource answers in application/json only, and the \
             Accept header does not allow it"
                .to_owned(),
            "Unsupported Media Type",
        );
    }
    if !has_content_type(&parts.headers, JSON) {
        return reject(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type: send the endpoint group as application/json".to_owned(),
            "Unsupported Media Type",
        );
    }

    let bytes = match body {
        RequestBody::Complete(bytes) => bytes,
        RequestBody::TooLarge => {
            return reject(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The request body is longer than {MAX_REQUEST_BODY_BYTES} bytes"),
                "Request too large",
            );
        }
        RequestBody::Unreadable => {
            return reject(
                StatusCode::BAD_REQUEST,
                "The request body ended before it was complete".to_owned(),
                "JSON parse exception",
            );
        }
    };
    let (name, description) = match parse_new_group(bytes) {
        Ok(fields) => fields,
        Err(rejection) => return reject(StatusCode::BAD_REQUEST, rejection.title, rejection.code),
    };

    let id = random_uuid(random);
    let created = CreatedGroup {
        id: id.clone(),
        name: name.clone(),
        description,
    };
    match groups.insert(created) {
        Ok(()) => {}
        // NOTE: ISE rejects a name that is already taken, but whether with 400 or another
        // status is not confirmed.
        Err(InsertError::DuplicateName) => {
            return reject(
                StatusCode::BAD_REQUEST,
                format!("An endpoint group named {name:?} already exists"),
                "Validation exception",
            );
        }
        Err(InsertError::Full) => {
            return reject(
                StatusCode::BAD_REQUEST,
                format!(
                    "The simulator keeps at most {MAX_CREATED_GROUPS} created endpoint groups: \
                     delete some, or restart it"
                ),
                "Validation exception",
            );
        }
    }

    let location = format!("{base_url}{ENDPOINT_GROUP_PATH}/{id}");
    match HeaderValue::from_str(&location) {
        Ok(location) => {
            let builder =
                response::with_ise_headers(StatusCode::CREATED).header(header::LOCATION, location);
            response::finish(builder, MockBody::empty())
        }
        Err(_) => response::without_body(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// A create request that ERS rejects with 400.
#[derive(Debug)]
struct Rejection {
    title: String,
    code: &'static str,
}

/// Reads the name and description from a create request's body. The name must be a non-empty
/// string, and the description may be missing.
fn parse_new_group(body: &[u8]) -> Result<(String, String), Rejection> {
    let request: CreateRequest = serde_json::from_slice(body).map_err(|error| Rejection {
        title: format!("Invalid JSON in the request body: {error}"),
        code: "JSON parse exception",
    })?;
    let missing_name = || Rejection {
        title: "Mandatory field 'name' of EndPointGroup is missing or empty".to_owned(),
        code: "Validation exception",
    };
    let Some(group) = request.group else {
        return Err(Rejection {
            title: "The request body has no EndPointGroup object".to_owned(),
            code: "Validation exception",
        });
    };
    let name = group.name.ok_or_else(missing_name)?;
    if name.trim().is_empty() {
        return Err(missing_name());
    }
    Ok((name, group.description.unwrap_or_default()))
}

/// Builds the response to `DELETE /ers/config/endpointgroup/{id}`: 204 when the simulator
/// created a group with `id`, 404 with an `ERSResponse` otherwise.
// NOTE: a built-in group's id also gets 404, where ISE would refuse to delete a system-defined
// group with an error of its own.
pub(crate) fn delete_endpoint_group(
    id: &str,
    base_url: &str,
    groups: &CreatedGroups,
) -> Response<MockBody> {
    if groups.remove(id) {
        return response::without_body(StatusCode::NO_CONTENT);
    }
    ers::error_response(
        StatusCode::NOT_FOUND,
        DELETE_OPERATION,
        format!("Resource not found: no created endpoint group has the id {id:?}"),
        "Resource not found exception",
        base_url,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str) -> CreatedGroup {
        CreatedGroup {
            id: format!("id-{name}"),
            name: name.to_owned(),
            description: String::new(),
        }
    }

    #[test]
    fn parse_name_and_description() {
        let body = br#"{"EndPointGroup": {"name": "probe", "description": "by test"}}"#;
        let (name, description) = parse_new_group(body).unwrap();
        assert_eq!(name, "probe");
        assert_eq!(description, "by test");
    }

    #[test]
    fn parse_description_optional() {
        let (_, description) = parse_new_group(br#"{"EndPointGroup": {"name": "p"}}"#).unwrap();
        assert_eq!(description, "");
    }

    #[test]
    fn parse_blank_name_rejected() {
        let rejection = parse_new_group(br#"{"EndPointGroup": {"name": " "}}"#).unwrap_err();
        assert!(rejection.title.contains("'name'"));
    }

    #[test]
    fn parse_wrong_root_rejected() {
        let rejection = parse_new_group(br#"{"EndpointGroup": {"name": "p"}}"#).unwrap_err();
        assert!(rejection.title.contains("EndPointGroup"));
    }

    #[test]
    fn parse_name_number_rejected() {
        let rejection = parse_new_group(br#"{"EndPointGroup": {"name": 7}}"#).unwrap_err();
        assert_eq!(rejection.code, "JSON parse exception");
    }

    #[test]
    fn insert_builtin_name_rejected() {
        let groups = CreatedGroups::default();
        assert!(groups.insert(group("android")).is_err());
    }

    #[test]
    fn insert_same_name_rejected() {
        let groups = CreatedGroups::default();
        assert!(groups.insert(group("probe")).is_ok());
        assert!(groups.insert(group("Probe")).is_err());
    }

    #[test]
    fn insert_beyond_limit_rejected() {
        let groups = CreatedGroups::default();
        for number in 0..MAX_CREATED_GROUPS {
            assert!(groups.insert(group(&format!("g{number}"))).is_ok());
        }
        assert!(groups.insert(group("one-more")).is_err());
    }

    #[test]
    fn remove_only_once() {
        let groups = CreatedGroups::default();
        assert!(groups.insert(group("probe")).is_ok());
        assert!(groups.remove("id-probe"));
        assert!(!groups.remove("id-probe"));
    }
}
