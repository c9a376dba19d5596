//! The request bodies of the passkey surface, parsed and validated strictly, with the error
//! codes of the compatible API (7131, 7133, 7134, 7135, 7140). Kept apart from the handlers
//! so the fuzzer reaches them directly.

use serde::Deserialize;
use watchword_http::{ApiError, StatusCode};

/// The longest `identityValue` of type `CUSTOM`.
pub const MAX_CUSTOM_IDENTITY: usize = 128;
/// The longest `rpName` and `userDisplayName`.
pub const MAX_NAME: usize = 64;
/// The longest domain (RFC 1035).
pub const MAX_DOMAIN: usize = 253;
/// The longest email address (RFC 5321 path limit).
pub const MAX_EMAIL: usize = 254;
/// The longest token or request id read.
pub const MAX_ID: usize = 128;

/// Which kind of identity a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IdentityType {
    /// An E.164 phone number: `+` and 8 to 15 digits.
    PhoneNumber,
    /// An email address.
    Email,
    /// The site's own user id.
    Custom,
}

impl IdentityType {
    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityType::PhoneNumber => "PHONE_NUMBER",
            IdentityType::Email => "EMAIL",
            IdentityType::Custom => "CUSTOM",
        }
    }
}

/// Which authenticators a ceremony may use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Attachment {
    /// Any: this device, or another one over a QR code.
    #[default]
    All,
    /// Only this device's platform authenticator.
    Platform,
    /// Only another device (security key, phone over a QR code).
    CrossPlatform,
}

/// The Secure Payment Confirmation details of a request.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spc {
    /// The payment instrument's name, shown to the user.
    pub instrument_display_name: String,
    /// The instrument's icon, an `https` URL.
    pub instrument_display_icon: String,
    /// The payee's origin, `https`.
    pub payee_origin: String,
    /// The amount.
    pub amount: f64,
    /// The ISO 4217 currency code.
    pub currency: String,
}

/// `POST /auth/v1/webauthn`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Initiate {
    /// The identity type.
    pub identity_type: IdentityType,
    /// The identity, normalised (email lower-cased in its domain).
    pub identity_value: String,
    /// The relying party's name, shown by the authenticator.
    pub rp_name: String,
    /// The RP ID: the site's domain.
    pub domain: String,
    /// The user's display name.
    pub user_display_name: String,
    /// Allowed authenticators (`PLATFORM` when `spc` is set).
    pub attachment: Attachment,
    /// `isRegistration`: `Some(true)` registers even when the identity has a passkey (a new
    /// device), `Some(false)` only signs in, `None` signs in when there is a passkey for the
    /// domain and registers otherwise.
    pub registration: Option<bool>,
    /// Secure Payment Confirmation, when asked.
    pub spc: Option<Spc>,
    /// `allowConditional`: the page may run the request with conditional mediation (passkey
    /// autofill), where the user picks any passkey of this client's users. Off unless the
    /// backend asks; never with a payment.
    pub allow_conditional: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    identity_type: Option<serde_json::Value>,
    identity_value: Option<serde_json::Value>,
    rp_name: Option<serde_json::Value>,
    domain: Option<serde_json::Value>,
    user_display_name: Option<serde_json::Value>,
    attachment: Option<serde_json::Value>,
    is_registration: Option<serde_json::Value>,
    #[serde(rename = "isSPC")]
    is_spc: Option<serde_json::Value>,
    spc: Option<serde_json::Value>,
    allow_conditional: Option<serde_json::Value>,
}

/// An error in the compatible API's shape: `{"message", "errorCode", "description"}`, with the
/// Watchword `error` object beside them.
pub fn api_error(status: StatusCode, error_code: Option<&str>, description: &str) -> ApiError {
    let code = error_code.unwrap_or(match status {
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        _ => "invalid_request",
    });
    let mut body = serde_json::json!({
        "message": status.canonical_reason().unwrap_or("Error"),
        "description": description,
        "error": { "code": code, "message": description },
    });
    if let Some(error_code) = error_code {
        body["errorCode"] = error_code.into();
    }
    ApiError::new(status, code.to_owned(), description).with_body(body)
}

fn bad(error_code: &str, description: &str) -> ApiError {
    api_error(StatusCode::BAD_REQUEST, Some(error_code), description)
}

fn text(value: Option<&serde_json::Value>) -> Option<&str> {
    value?.as_str()
}

fn flag(value: Option<&serde_json::Value>, name: &str) -> Result<bool, ApiError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(false),
        Some(serde_json::Value::Bool(b)) => Ok(*b),
        Some(_) => Err(api_error(
            StatusCode::BAD_REQUEST,
            None,
            &format!("{name} must be true or false"),
        )),
    }
}

/// `allowConditional`, which a payment may not set: under conditional mediation the user picks
/// the passkey, and a payment must be confirmed by the identity it was asked of.
fn allow_conditional(
    value: Option<&serde_json::Value>,
    spc: Option<&Spc>,
) -> Result<bool, ApiError> {
    let allow = flag(value, "allowConditional")?;
    if allow && spc.is_some() {
        return Err(api_error(
            StatusCode::BAD_REQUEST,
            None,
            "allowConditional cannot be combined with isSPC: a payment is confirmed by its own identity",
        ));
    }
    Ok(allow)
}

/// Parses and validates an initiate body.
///
/// # Errors
/// `400` with `errorCode` 7131 (identity type), 7133 (identity value, display name), 7134
/// (RP name), 7135 (domain), 7140 (SPC), or without a code for a body that is not a JSON
/// object or has fields of the wrong type.
pub fn parse_initiate(body: &[u8]) -> Result<Initiate, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        api_error(
            StatusCode::BAD_REQUEST,
            None,
            &format!("body is not JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(api_error(
            StatusCode::BAD_REQUEST,
            None,
            "the body must be a JSON object",
        ));
    }
    let raw: Raw = serde_json::from_value(value)
        .map_err(|e| api_error(StatusCode::BAD_REQUEST, None, &e.to_string()))?;
    let identity_type = match text(raw.identity_type.as_ref()) {
        Some("PHONE_NUMBER") => IdentityType::PhoneNumber,
        Some("EMAIL") => IdentityType::Email,
        Some("CUSTOM") => IdentityType::Custom,
        _ => {
            return Err(bad(
                "7131",
                "identityType must be PHONE_NUMBER, EMAIL or CUSTOM",
            ))
        }
    };
    let identity_value = text(raw.identity_value.as_ref())
        .and_then(|value| identity(identity_type, value))
        .ok_or_else(|| {
            bad(
                "7133",
                match identity_type {
                    IdentityType::PhoneNumber => {
                        "identityValue must be an E.164 phone number, like +14155550123"
                    }
                    IdentityType::Email => "identityValue must be an email address",
                    IdentityType::Custom => "identityValue must be 1 to 128 printable characters",
                },
            )
        })?;
    let rp_name = text(raw.rp_name.as_ref())
        .filter(|name| is_name(name))
        .ok_or_else(|| bad("7134", "rpName must be 1 to 64 printable characters"))?
        .to_owned();
    let domain = text(raw.domain.as_ref())
        .filter(|domain| is_domain(domain))
        .ok_or_else(|| {
            bad(
                "7135",
                "domain must be a host name like shop.example or localhost, without scheme, port or path",
            )
        })?
        .to_owned();
    let user_display_name = text(raw.user_display_name.as_ref())
        .filter(|name| is_name(name))
        .ok_or_else(|| {
            bad(
                "7133",
                "userDisplayName must be 1 to 64 printable characters",
            )
        })?
        .to_owned();
    let mut attachment = match raw.attachment.as_ref() {
        None | Some(serde_json::Value::Null) => Attachment::All,
        Some(value) => serde_json::from_value(value.clone()).map_err(|_| {
            api_error(
                StatusCode::BAD_REQUEST,
                None,
                "attachment must be ALL, PLATFORM or CROSS_PLATFORM",
            )
        })?,
    };
    let registration = match raw.is_registration.as_ref() {
        None | Some(serde_json::Value::Null) => None,
        value => Some(flag(value, "isRegistration")?),
    };
    let spc = if flag(raw.is_spc.as_ref(), "isSPC")? {
        attachment = Attachment::Platform;
        Some(parse_spc(raw.spc.as_ref())?)
    } else {
        None
    };
    let allow_conditional = allow_conditional(raw.allow_conditional.as_ref(), spc.as_ref())?;
    Ok(Initiate {
        identity_type,
        identity_value,
        rp_name,
        domain,
        user_display_name,
        attachment,
        registration,
        spc,
        allow_conditional,
    })
}

fn parse_spc(value: Option<&serde_json::Value>) -> Result<Spc, ApiError> {
    let invalid = |why: &str| bad("7140", &format!("spc is missing or invalid: {why}"));
    let value = value.ok_or_else(|| invalid("isSPC is true but spc is absent"))?;
    let spc: Spc = serde_json::from_value(value.clone()).map_err(|e| invalid(&e.to_string()))?;
    if !is_name(&spc.instrument_display_name) {
        return Err(invalid(
            "instrumentDisplayName must be 1 to 64 printable characters",
        ));
    }
    if !is_https_url(&spc.instrument_display_icon) {
        return Err(invalid("instrumentDisplayIcon must be an https URL"));
    }
    if !is_https_origin(&spc.payee_origin) {
        return Err(invalid(
            "payeeOrigin must be an https origin, like https://shop.example",
        ));
    }
    if !(spc.amount.is_finite() && spc.amount > 0.0 && spc.amount < 1e15) {
        return Err(invalid("amount must be a positive number"));
    }
    if spc.currency.len() != 3 || !spc.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid(
            "currency must be an ISO 4217 code, like INR or EUR",
        ));
    }
    Ok(spc)
}

/// The normalised identity, if `value` is valid for `kind`.
pub fn identity(kind: IdentityType, value: &str) -> Option<String> {
    match kind {
        IdentityType::PhoneNumber => is_e164(value).then(|| value.to_owned()),
        IdentityType::Email => email(value),
        IdentityType::Custom => (!value.is_empty()
            && value.len() <= MAX_CUSTOM_IDENTITY
            && value.chars().all(|c| !c.is_control())
            && value.trim() == value)
            .then(|| value.to_owned()),
    }
}

/// E.164: `+`, a first digit 1–9, 8 to 15 digits in all.
pub fn is_e164(value: &str) -> bool {
    let Some(digits) = value.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// An email address, `local@domain`, lower-cased (mail providers treat `Ada@` and `ada@` as
/// one mailbox, and so does the surface): a dot-atom local part of 1 to 64 bytes, a domain of
/// at least two labels.
pub fn email(value: &str) -> Option<String> {
    if value.len() > MAX_EMAIL {
        return None;
    }
    let (local, domain) = value.rsplit_once('@')?;
    let atom = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.bytes().all(|b| atom(b) || b == b'.');
    let domain = domain.to_ascii_lowercase();
    (local_ok && is_domain(&domain) && domain.contains('.'))
        .then(|| format!("{}@{domain}", local.to_ascii_lowercase()))
}

/// A host name: lower-case LDH labels of 1 to 63 bytes, not starting or ending with `-`, at
/// most 253 bytes; not an IP address (WebAuthn refuses those as RP IDs).
pub fn is_domain(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_DOMAIN
        && value.parse::<std::net::IpAddr>().is_err()
        && !value
            .split('.')
            .all(|label| label.bytes().all(|b| b.is_ascii_digit()))
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn is_name(value: &str) -> bool {
    !value.trim().is_empty()
        && value.chars().count() <= MAX_NAME
        && value.chars().all(|c| !c.is_control())
}

fn is_https_url(value: &str) -> bool {
    value
        .strip_prefix("https://")
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .is_some_and(|host| !host.is_empty() && host.len() <= MAX_DOMAIN)
        && value.len() <= 2048
        && value.chars().all(|c| c.is_ascii_graphic())
}

fn is_https_origin(value: &str) -> bool {
    value.starts_with("https://") && watchword_http::clients::is_origin(value)
}

/// The body of `POST /auth/v1/validate/token`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ValidateToken {
    /// The token the SDK gave the page.
    pub token: String,
}

/// Parses a validate body.
///
/// # Errors
/// `400` for anything but `{"token": "…"}` with a token of 1 to 128 bytes.
pub fn parse_validate(body: &[u8]) -> Result<ValidateToken, ApiError> {
    let request: ValidateToken = serde_json::from_slice(body).map_err(|e| {
        api_error(
            StatusCode::BAD_REQUEST,
            None,
            &format!("expected {{\"token\": \"…\"}}: {e}"),
        )
    })?;
    if request.token.is_empty() || request.token.len() > MAX_ID {
        return Err(api_error(
            StatusCode::BAD_REQUEST,
            None,
            "token must be 1 to 128 bytes",
        ));
    }
    Ok(request)
}

/// The fuzz harness of the request parsers: every parser on the same bytes, checking that
/// what parses is within bounds. Shared by `fuzz/fuzz_targets/passkey_requests.rs` and the
/// seed replay test.
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    if let Ok(request) = parse_initiate(data) {
        assert!(is_domain(&request.domain));
        assert!(is_name(&request.rp_name) && is_name(&request.user_display_name));
        assert_eq!(
            identity(request.identity_type, &request.identity_value).as_deref(),
            Some(request.identity_value.as_str())
        );
        if request.spc.is_some() {
            assert_eq!(request.attachment, Attachment::Platform);
        }
    }
    if let Ok(request) = parse_validate(data) {
        assert!(!request.token.is_empty() && request.token.len() <= MAX_ID);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = email(text);
        let _ = is_e164(text);
        let _ = is_domain(text);
    }
}
