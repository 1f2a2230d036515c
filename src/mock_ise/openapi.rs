//! Open API: the endpoint search, which finds nothing because the simulator stores no endpoints.

use hyper::http::request::Parts;
use hyper::{Response, StatusCode};
use serde_json::json;

use super::request::{first_value, query_pairs};
use super::response::{self, JSON, MockBody};

pub(crate) const ENDPOINT_PATH: &str = "/api/v1/endpoint";

/// Largest page size Open API allows.
const MAX_PAGE_SIZE: u32 = 100;

/// Operators of a `field.OP.value` filter, as listed in the Open API specification.
const FILTER_OPERATORS: [&str; 10] = [
    "EQ",
    "NEQ",
    "GT",
    "LT",
    "STARTSW",
    "NSTARTSW",
    "ENDSW",
    "NENDSW",
    "CONTAINS",
    "NCONTAINS",
];

/// Endpoint attributes a filter may name.
// NOTE: this list covers the common endpoint attributes of the ISE 3.x Open API but may miss
// some, so a filter on a rarer attribute gets a 400 here that a real node might not give.
const FILTER_FIELDS: [&str; 14] = [
    "id",
    "name",
    "mac",
    "description",
    "groupId",
    "profileId",
    "portalUser",
    "identityStore",
    "identityStoreId",
    "staticGroupAssignment",
    "staticProfileAssignment",
    "mdmServerName",
    "assetId",
    "ipAddress",
];

/// Builds the response to `GET /api/v1/endpoint`. A valid query gets the empty array `[]`. An invalid filter,
/// page or size gets 400 with `{"code": 400, "message": ...}`.
pub(crate) fn search_endpoints(parts: &Parts) -> Response<MockBody> {
    match validate_query(parts.uri.query()) {
        Ok(()) => response::with_body(StatusCode::OK, JSON, "[]"),
        Err(message) => {
            let body = json!({ "code": 400, "message": message }).to_string();
            response::with_body(StatusCode::BAD_REQUEST, JSON, body)
        }
    }
}

fn validate_query(raw_query: Option<&str>) -> Result<(), String> {
    let pairs = query_pairs(raw_query);

    if let Some(text) = first_value(&pairs, "page")
        && !text.parse::<u32>().is_ok_and(|page| page >= 1)
    {
        return Err(format!(
            "Invalid value {text:?} for 'page': pages are numbered from 1"
        ));
    }

    if let Some(text) = first_value(&pairs, "size")
        && !text
            .parse::<u32>()
            .is_ok_and(|size| (1..=MAX_PAGE_SIZE).contains(&size))
    {
        return Err(format!(
            "Invalid value {text:?} for 'size': expected an integer from 1 to {MAX_PAGE_SIZE}"
        ));
    }

    if let Some(kind) = first_value(&pairs, "filtertype")
        && !kind.eq_ignore_ascii_case("and")
        && !kind.eq_ignore_ascii_case("or")
    {
        return Err(format!(
            "Invalid value {kind:?} for 'filtertype': expected 'and' or 'or'"
        ));
    }

    pairs
        .iter()
        .filter(|(key, _)| key == "filter")
        .try_for_each(|(_, filter)| validate_filter(filter))
}

/// Checks one `field.OP.value` filter. The value may itself contain dots, as in an IP address,
/// so only the first two dots separate the parts.
// NOTE: operators are matched case-sensitively in upper case, as the specification writes them.
// Whether a real node also accepts `contains` is not confirmed.
fn validate_filter(filter: &str) -> Result<(), String> {
    let mut parts = filter.splitn(3, '.');
    let field = parts.next().unwrap_or("");
    let (Some(operator), Some(value)) = (parts.next(), parts.next()) else {
        return Err(format!(
            "Invalid filter {filter:?}: expected the form field.OPERATOR.value, for example \
             mac.EQ.11:22:33:44:55:66"
        ));
    };

    if !FILTER_FIELDS.contains(&field) {
        return Err(format!(
            "Invalid filter {filter:?}: unknown endpoint attribute {field:?}"
        ));
    }
    if !FILTER_OPERATORS.contains(&operator) {
        return Err(format!(
            "Invalid filter {filter:?}: unknown operator {operator:?}, expected one of {}",
            FILTER_OPERATORS.join(", ")
        ));
    }
    if value.is_empty() {
        return Err(format!("Invalid filter {filter:?}: the value is empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_with_dotted_value_valid() {
        assert!(validate_filter("ipAddress.EQ.10.0.0.1").is_ok());
    }

    #[test]
    fn filter_unknown_operator_invalid() {
        assert!(validate_filter("mac.LIKE.aa").is_err());
    }

    #[test]
    fn filter_missing_value_invalid() {
        assert!(validate_filter("mac.EQ").is_err());
    }

    #[test]
    fn filter_empty_value_invalid() {
        assert!(validate_filter("mac.EQ.").is_err());
    }

    #[test]
    fn query_size_over_max_invalid() {
        assert!(validate_query(Some("size=101")).is_err());
    }

    #[test]
    fn query_without_filter_valid() {
        assert!(validate_query(Some("page=1&size=1")).is_ok());
    }
}
