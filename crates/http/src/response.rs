//! Response helpers.

use bytes::Bytes;
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use http::StatusCode;
use http_body_util::Full;
use serde::Serialize;

/// The response type every handler produces: a fully buffered body.
pub type Response = http::Response<Full<Bytes>>;

/// A response with `status` and `body` and no headers.
pub fn full(status: StatusCode, body: impl Into<Bytes>) -> Response {
    let mut response = http::Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

/// A JSON response. API responses are never cached.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = full(status, body);
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            tracing::error!(%error, "response did not serialise");
            crate::ApiError::internal().into_response()
        }
    }
}

/// A `200 OK` JSON response.
pub fn ok<T: Serialize + ?Sized>(value: &T) -> Response {
    json(StatusCode::OK, value)
}

/// A response with a body of the given content type.
pub fn with_type(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response {
    let mut response = full(status, body);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A `200 OK` HTML page.
pub fn html(body: impl Into<Bytes>) -> Response {
    with_type(StatusCode::OK, "text/html; charset=utf-8", body)
}
