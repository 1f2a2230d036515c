//! ERS (External RESTful Services): the paged list of endpoint identity groups, and the error
//! bodies that every ERS resource shares.

use hyper::header;
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};
use serde::Serialize;

use super::ers_write::CreatedGroup;
use super::jackson::to_jackson_pretty;
use super::request::{AcceptRule, accepts, first_value, query_pairs};
use super::response::{self, JSON, JSON_UTF8, MockBody};

pub(crate) const ENDPOINT_GROUP_PATH: &str = "/ers/config/endpointgroup";

/// Page size ERS uses when the request gives none.
const DEFAULT_PAGE_SIZE: usize = 20;
/// Largest page size ERS allows.
const MAX_PAGE_SIZE: usize = 100;

/// Fields of an endpoint group that `sortasc` and `sortdsc` may name.
const SORT_FIELDS: [&str; 2] = ["name", "description"];

struct EndpointGroup {
    id: &'static str,
    name: &'static str,
    description: &'static str,
}

/// An endpoint group as the list shows it, built in or created through the API.
#[derive(Clone, Copy, Debug)]
struct ListedGroup<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
}

/// The 18 endpoint identity groups of a fresh ISE 3.x install. Older releases name the
/// "Blocked List" group "Blacklist". The ids are fixed so that test runs compare equal, but
/// they are the simulator's own and not the ones a real install generates.
const ENDPOINT_GROUPS: [EndpointGroup; 18] = [
    group(
        "b8af95c0-c636-5380-9c8f-b9e0ed9a8a3d",
        "Android",
        "Identity Group for Profile: Android",
    ),
    group(
        "4e514795-43c4-54ea-afbe-06c533424e3c",
        "Apple-iDevice",
        "Identity Group for Profile: Apple-iDevice",
    ),
    group(
        "55f93c2a-49ef-5125-a0b8-57969769833a",
        "Axis-Device",
        "Identity Group for Profile: Axis-Device",
    ),
    group(
        "cf519109-2e8d-5ba7-b5dd-24c3ca7b5a0c",
        "BlackBerry",
        "Identity Group for Profile: BlackBerry",
    ),
    group(
        "af0aea06-94b4-5877-b11a-a53ffab40f95",
        "Blocked List",
        "Blocked List Identity Group",
    ),
    group(
        "ed86abcc-bff7-5e58-9673-98776e30ce03",
        "Cisco-IP-Phone",
        "Identity Group for Profile: Cisco-IP-Phone",
    ),
    group(
        "d1dbba17-a783-5126-be59-ad505ca2c787",
        "Cisco-Meraki-Device",
        "Identity Group for Profile: Cisco-Meraki-Device",
    ),
    group(
        "08ea9e66-1703-5a75-95a9-2b18b8a596dc",
        "Epson-Device",
        "Identity Group for Profile: Epson-Device",
    ),
    group(
        "b9fa6871-190d-5503-a4e4-cd7f8c661866",
        "GuestEndpoints",
        "Guest Endpoints Identity Group",
    ),
    group(
        "28bcccb1-0c1b-5f46-a2dc-5496aef95fa5",
        "Juniper-Device",
        "Identity Group for Profile: Juniper-Device",
    ),
    group(
        "ee6e8a3b-81b7-5409-9065-673cd7e330f8",
        "Profiled",
        "Profiled Identity Group",
    ),
    group(
        "223196c7-12b9-5126-a19c-1afc7c79a2bd",
        "RegisteredDevices",
        "Asset Registered Endpoints Identity Group",
    ),
    group(
        "67fc05b7-160e-53ef-8512-33d52d876afd",
        "Sony-Device",
        "Identity Group for Profile: Sony-Device",
    ),
    group(
        "44c84add-ad07-514c-b176-9e09986e9d47",
        "Synology-Device",
        "Identity Group for Profile: Synology-Device",
    ),
    group(
        "595ec75a-8512-5b51-a03b-48642682c25c",
        "Trendnet-Device",
        "Identity Group for Profile: Trendnet-Device",
    ),
    group(
        "a3ba9d14-7429-5c0c-bf2b-1b3b9c64854e",
        "Unknown",
        "Unknown Identity Group",
    ),
    group(
        "8c3d3fb6-2804-520c-a391-e51436f7c5a4",
        "Vizio-Device",
        "Identity Group for Profile: Vizio-Device",
    ),
    group(
        "9ae641ff-b6b2-5eaa-b69a-73d826682f0e",
        "Workstation",
        "Identity Group for Profile: Workstation",
    ),
];

const fn group(id: &'static str, name: &'static str, description: &'static str) -> EndpointGroup {
    EndpointGroup {
        id,
        name,
        description,
    }
}

#[derive(Serialize)]
struct Link {
    rel: &'static str,
    href: String,
    #[serde(rename = "type")]
    media_type: &'static str,
}

#[derive(Serialize)]
struct SearchResultDocument<'a> {
    #[serde(rename = "SearchResult")]
    search_result: SearchResult<'a>,
}

#[derive(Serialize)]
struct SearchResult<'a> {
    total: usize,
    resources: Vec<Resource<'a>>,
    #[serde(rename = "nextPage", skip_serializing_if = "Option::is_none")]
    next_page: Option<Link>,
    #[serde(rename = "previousPage", skip_serializing_if = "Option::is_none")]
    previous_page: Option<Link>,
}

#[derive(Serialize)]
struct Resource<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    link: Link,
}

#[derive(Serialize)]
struct ErsResponseDocument {
    #[serde(rename = "ERSResponse")]
    ers_response: ErsResponse,
}

#[derive(Serialize)]
struct ErsResponse {
    operation: &'static str,
    messages: Vec<ErsMessage>,
    link: Link,
}

#[derive(Serialize)]
struct ErsMessage {
    title: String,
    #[serde(rename = "type")]
    message_type: &'static str,
    code: &'static str,
}

/// Operation name ERS reports in error bodies for a list request.
// NOTE: the operation and code strings of ERS error bodies follow the shape of ISE's, but their
// exact wording is the simulator's own.
const LIST_OPERATION: &str = "GET-getAll-endpointgroup";

/// Sort order requested with `sortasc` or `sortdsc`.
#[derive(Clone, Copy, Debug)]
struct SortOrder {
    field: &'static str,
    descending: bool,
}

/// A validated list request.
#[derive(Debug)]
struct ListQuery {
    page: usize,
    size: usize,
    sort: Option<SortOrder>,
}

/// Returns whether a built-in group has `name`, compared as ERS compares names on create.
pub(crate) fn is_builtin_name(name: &str) -> bool {
    ENDPOINT_GROUPS
        .iter()
        .any(|group| group.name.eq_ignore_ascii_case(name))
}

/// Builds the response to `GET /ers/config/endpointgroup` for a client that addressed
/// `base_url` (`https://host:port`). The list contains the built-in groups and then `created`.
pub(crate) fn list_endpoint_groups(
    parts: &Parts,
    base_url: &str,
    created: &[CreatedGroup],
) -> Response<MockBody> {
    if !accepts(&parts.headers, JSON, AcceptRule::Lenient) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            LIST_OPERATION,
            "Unsupported media type: this resource is served as application/json only, and the \
             Accept header does not allow it"
                .to_owned(),
            "Unsupported Media Type",
            base_url,
        );
    }

    let query = match parse_list_query(parts.uri.query()) {
        Ok(query) => query,
        Err(message) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                LIST_OPERATION,
                message,
                "Resource query validation exception",
                base_url,
            );
        }
    };

    let built_in = ENDPOINT_GROUPS.iter().map(|group| ListedGroup {
        id: group.id,
        name: group.name,
        description: group.description,
    });
    let created = created.iter().map(|group| ListedGroup {
        id: &group.id,
        name: &group.name,
        description: &group.description,
    });
    let mut groups: Vec<ListedGroup<'_>> = built_in.chain(created).collect();
    if let Some(sort) = query.sort {
        groups.sort_by_key(|group| sort_key(group, sort.field));
        if sort.descending {
            groups.reverse();
        }
    }

    let total = groups.len();
    let start = (query.page - 1).saturating_mul(query.size);
    let resources = groups
        .iter()
        .skip(start)
        .take(query.size)
        .map(|group| Resource {
            id: group.id,
            name: group.name,
            description: group.description,
            link: Link {
                rel: "self",
                href: format!("{base_url}{ENDPOINT_GROUP_PATH}/{}", group.id),
                media_type: JSON,
            },
        })
        .collect();

    let has_next = start.saturating_add(query.size) < total;
    let next_page = has_next.then(|| page_link("next", base_url, query.page + 1, &query));
    let previous_page =
        (query.page > 1).then(|| page_link("previous", base_url, query.page - 1, &query));

    let document = SearchResultDocument {
        search_result: SearchResult {
            total,
            resources,
            next_page,
            previous_page,
        },
    };
    json_response(StatusCode::OK, &document)
}

fn sort_key(group: &ListedGroup<'_>, field: &str) -> String {
    let value = if field == "description" {
        group.description
    } else {
        group.name
    };
    value.to_lowercase()
}

fn page_link(rel: &'static str, base_url: &str, page: usize, query: &ListQuery) -> Link {
    let mut href = format!(
        "{base_url}{ENDPOINT_GROUP_PATH}?page={page}&size={}",
        query.size
    );
    if let Some(sort) = query.sort {
        let parameter = if sort.descending {
            "sortdsc"
        } else {
            "sortasc"
        };
        href.push_str(&format!("&{parameter}={}", sort.field));
    }
    Link {
        rel,
        href,
        media_type: JSON,
    }
}

/// Validates `page`, `size`, `sortasc` and `sortdsc`. Returns the message for a 400 when one of
/// them is invalid. Other parameters are ignored.
fn parse_list_query(raw_query: Option<&str>) -> Result<ListQuery, String> {
    let pairs = query_pairs(raw_query);

    let size = match first_value(&pairs, "size") {
        None => DEFAULT_PAGE_SIZE,
        Some(text) => match text.parse::<usize>() {
            Ok(size) if (1..=MAX_PAGE_SIZE).contains(&size) => size,
            _ => {
                return Err(format!(
                    "Invalid value {text:?} for query parameter 'size': the page size must be \
                     an integer from 1 to {MAX_PAGE_SIZE}"
                ));
            }
        },
    };

    let page = match first_value(&pairs, "page") {
        None => 1,
        Some(text) => match text.parse::<usize>() {
            Ok(page) if page >= 1 => page,
            _ => {
                return Err(format!(
                    "Invalid value {text:?} for query parameter 'page': pages are numbered from 1"
                ));
            }
        },
    };

    let ascending = first_value(&pairs, "sortasc");
    let descending = first_value(&pairs, "sortdsc");
    let sort = match (ascending, descending) {
        (Some(_), Some(_)) => {
            return Err(
                "Query parameters 'sortasc' and 'sortdsc' cannot be combined: give only one"
                    .to_owned(),
            );
        }
        (Some(field), None) => Some(sort_order(field, false)?),
        (None, Some(field)) => Some(sort_order(field, true)?),
        (None, None) => None,
    };

    Ok(ListQuery { page, size, sort })
}

fn sort_order(field: &str, descending: bool) -> Result<SortOrder, String> {
    SORT_FIELDS
        .into_iter()
        .find(|known| *known == field)
        .map(|field| SortOrder { field, descending })
        .ok_or_else(|| {
            format!(
                "Invalid sort field {field:?}: endpoint groups can be sorted by {}",
                SORT_FIELDS.join(" or ")
            )
        })
}

/// Builds an ERS error body: an `ERSResponse` naming the failed `operation`, with one message
/// and a link to the endpoint group collection.
pub(crate) fn error_response(
    status: StatusCode,
    operation: &'static str,
    title: String,
    code: &'static str,
    base_url: &str,
) -> Response<MockBody> {
    let document = ErsResponseDocument {
        ers_response: ErsResponse {
            operation,
            messages: vec![ErsMessage {
                title,
                message_type: "ERROR",
                code,
            }],
            link: Link {
                rel: "related",
                href: format!("{base_url}{ENDPOINT_GROUP_PATH}"),
                media_type: JSON,
            },
        },
    };
    json_response(status, &document)
}

/// Serializes `document` as ERS does: Jackson layout, UTF-8 JSON, chunked over HTTP/1.1.
fn json_response<T: Serialize>(status: StatusCode, document: &T) -> Response<MockBody> {
    match to_jackson_pretty(document) {
        Ok(text) => {
            let builder =
                response::with_ise_headers(status).header(header::CONTENT_TYPE, JSON_UTF8);
            response::finish(builder, MockBody::chunked(text))
        }
        Err(_) => response::without_body(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_defaults() {
        let query = parse_list_query(None).unwrap();
        assert_eq!(query.page, 1);
        assert_eq!(query.size, DEFAULT_PAGE_SIZE);
        assert!(query.sort.is_none());
    }

    #[test]
    fn query_size_101_rejected() {
        assert!(parse_list_query(Some("size=101")).is_err());
    }

    #[test]
    fn query_page_zero_rejected() {
        assert!(parse_list_query(Some("page=0")).is_err());
    }

    #[test]
    fn query_unknown_sort_rejected() {
        assert!(parse_list_query(Some("sortasc=id")).is_err());
    }

    #[test]
    fn group_ids_unique() {
        let mut ids: Vec<&str> = ENDPOINT_GROUPS.iter().map(|group| group.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ENDPOINT_GROUPS.len());
    }
}
