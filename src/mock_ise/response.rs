//! The response body type and the header sets that ISE sends.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};

pub(crate) const JSON_UTF8: &str = "application/json;charset=utf-8";
pub(crate) const JSON: &str = "application/json";
pub(crate) const XML: &str = "application/xml";
pub(crate) const HTML_UTF8: &str = "text/html;charset=utf-8";

/// A response body sent in one frame. A `chunked` body hides its length, so hyper sends it with
/// `Transfer-Encoding: chunked` over HTTP/1.1 as ERS does. Other bodies carry `Content-Length`.
#[derive(Debug)]
pub(crate) struct MockBody {
    data: Option<Bytes>,
    chunked: bool,
}

impl MockBody {
    pub(crate) fn empty() -> Self {
        MockBody {
            data: None,
            chunked: false,
        }
    }

    pub(crate) fn fixed(data: impl Into<Bytes>) -> Self {
        Self::with_framing(data.into(), false)
    }

    pub(crate) fn chunked(data: impl Into<Bytes>) -> Self {
        Self::with_framing(data.into(), true)
    }

    fn with_framing(data: Bytes, chunked: bool) -> Self {
        MockBody {
            data: (!data.is_empty()).then_some(data),
            chunked,
        }
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().data.take().map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match &self.data {
            None => SizeHint::with_exact(0),
            Some(_) if self.chunked => SizeHint::default(),
            Some(data) => SizeHint::with_exact(data.len() as u64),
        }
    }
}

/// Starts a response with the hardening headers that ISE's web server adds to API responses,
/// including the empty `Server` header that hides the product name.
pub(crate) fn with_ise_headers(status: StatusCode) -> hyper::http::response::Builder {
    Response::builder()
        .status(status)
        .header(header::CACHE_CONTROL, "no-cache, no-store, must-revalidate")
        .header(header::PRAGMA, "no-cache")
        .header(header::EXPIRES, "Thu, 01 Jan 1970 00:00:00 GMT")
        .header(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        )
        .header(header::X_FRAME_OPTIONS, "SAMEORIGIN")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::SERVER, HeaderValue::from_static(""))
}

/// Finishes a response builder. Every header passed to these builders is a static or validated
/// value, so the fallback of an empty 500 only guards against a programming error.
pub(crate) fn finish(
    builder: hyper::http::response::Builder,
    body: MockBody,
) -> Response<MockBody> {
    builder.body(body).unwrap_or_else(|_| {
        let mut response = Response::new(MockBody::empty());
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

/// Builds a response with ISE's headers, a content type and a body of fixed length.
pub(crate) fn with_body(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<MockBody> {
    let builder = with_ise_headers(status).header(header::CONTENT_TYPE, content_type);
    finish(builder, MockBody::fixed(body))
}

/// Builds a response with ISE's headers and no body.
pub(crate) fn without_body(status: StatusCode) -> Response<MockBody> {
    finish(with_ise_headers(status), MockBody::empty())
}

/// Builds a `Set-Cookie` header value for a session cookie that scripts cannot read.
pub(crate) fn session_cookie(name: &str, value: &str, path: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{name}={value}; Path={path}; Secure; HttpOnly")).ok()
}
