//! The one error type every handler returns, rendered as JSON.

use std::borrow::Cow;
use std::fmt;

use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use http::StatusCode;

use crate::response::{full, Response};

/// An error answered to the caller as `{"error": {"code": "...", "message": "..."}}`.
///
/// `code` is stable and machine-readable (documented per surface); `message` is for people and
/// may change. A surface whose compatible API has another error shape replaces the body with
/// [`ApiError::with_body`] and keeps `code` for logs and metrics.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<serde_json::Value>,
}

impl ApiError {
    /// Creates an error with the given status, stable code and human message.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// `400 invalid_request`: the request is well-formed JSON but breaks the API's rules.
    pub fn bad_request(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// `401 unauthorized`, for missing or wrong credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// `403 forbidden`, for credentials that are valid but not allowed here.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// `404 not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// `429 rate_limited` with a `Retry-After` of `retry_after_secs` (at least one second).
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let secs = retry_after_secs.max(1);
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests; retry in {secs} s"),
        )
        .with_header(RETRY_AFTER, HeaderValue::from(secs))
    }

    /// `503 store_unavailable`: the state store did not answer; nothing was accepted.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            message,
        )
        .with_header(RETRY_AFTER, HeaderValue::from_static("1"))
    }

    /// `500 internal`: a fault of the server, never of the caller. The message is generic on
    /// purpose; the detail goes to the log.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }

    /// Replaces the stable code, keeping status and message.
    #[must_use]
    pub fn with_code(mut self, code: impl Into<Cow<'static, str>>) -> Self {
        self.code = code.into();
        self
    }

    /// Adds a response header.
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Replaces the JSON body, for surfaces whose compatible API has its own error shape.
    #[must_use]
    pub fn with_body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Renders the error as a response.
    pub fn into_response(self) -> Response {
        let body = self.body.unwrap_or_else(
            || serde_json::json!({ "error": { "code": self.code, "message": self.message } }),
        );
        let mut response = full(self.status, serde_json::to_vec(&body).unwrap_or_default());
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in self.headers {
            headers.append(name, value);
        }
        response
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl From<watchword_store::Error> for ApiError {
    fn from(error: watchword_store::Error) -> Self {
        // Fail closed: whatever the store says, the caller gets no acceptance.
        tracing::warn!(%error, "store error");
        Self::unavailable("the state store is unavailable; try again")
    }
}
