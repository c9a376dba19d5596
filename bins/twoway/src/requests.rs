//! The request bodies of the surface, parsed strictly. Kept apart from the handlers so the
//! fuzzer can reach them directly.

use serde::Deserialize;
use watchword_http::{parse_json, ApiError};

/// The longest transaction id accepted (ours are 43 characters).
pub const MAX_TRANSACTION_ID: usize = 128;
/// The longest code accepted in `data` or `client_code`.
pub const MAX_CODE: usize = 32;
/// The longest user identifier accepted.
pub const MAX_USER_ID: usize = 256;

/// `POST …/complete`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct CompleteRequest {
    /// The id `init` returned.
    pub transaction_id: String,
    /// The response code the user read on the portal.
    pub data: String,
}

/// `POST /portal/v1/{idp}/response-code`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PortalRequest {
    /// The client code the user typed on the portal.
    pub client_code: String,
    /// The portal's identifier of the user it authenticated.
    pub user_id: String,
}

/// Whether `idp` is a well-formed identity provider name: `[A-Za-z0-9._-]{1,64}`.
pub fn is_idp(idp: &str) -> bool {
    !idp.is_empty()
        && idp.len() <= 64
        && idp
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// `init` takes no parameters: an empty body or any JSON object (the Token Server's custom
/// registration may send one) is fine.
///
/// # Errors
/// `400 invalid_json` / `invalid_request` for a body that is not empty and not a JSON object.
pub fn parse_init(body: &[u8]) -> Result<(), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    parse_json::<serde_json::Map<String, serde_json::Value>>(body).map(drop)
}

/// Parses a `complete` body.
///
/// # Errors
/// `400 invalid_json` / `invalid_request` for a body of the wrong shape or with fields that
/// are empty or too long.
pub fn parse_complete(body: &[u8]) -> Result<CompleteRequest, ApiError> {
    let request: CompleteRequest = parse_json(body)?;
    bounded(
        "transaction_id",
        &request.transaction_id,
        MAX_TRANSACTION_ID,
    )?;
    bounded("data", &request.data, MAX_CODE)?;
    Ok(request)
}

/// Parses a portal body.
///
/// # Errors
/// As [`parse_complete`].
pub fn parse_portal(body: &[u8]) -> Result<PortalRequest, ApiError> {
    let request: PortalRequest = parse_json(body)?;
    bounded("client_code", &request.client_code, MAX_CODE)?;
    bounded("user_id", &request.user_id, MAX_USER_ID)?;
    Ok(request)
}

fn bounded(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.trim().is_empty() || value.len() > max {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!("{field} must be 1 to {max} bytes"),
        ));
    }
    Ok(())
}

/// The fuzz harness of the request parsers: every parser on the same bytes, checking that what
/// parses is within bounds. Shared by `fuzz/fuzz_targets/twoway_requests.rs` and the seed
/// replay test.
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let _ = parse_init(data);
    if let Ok(request) = parse_complete(data) {
        assert!(
            !request.transaction_id.trim().is_empty()
                && request.transaction_id.len() <= MAX_TRANSACTION_ID
        );
        assert!(!request.data.trim().is_empty() && request.data.len() <= MAX_CODE);
    }
    if let Ok(request) = parse_portal(data) {
        assert!(!request.client_code.trim().is_empty() && request.client_code.len() <= MAX_CODE);
        assert!(!request.user_id.trim().is_empty() && request.user_id.len() <= MAX_USER_ID);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = is_idp(text);
    }
}
