//! The WebAuthn checks of a request, through `watchword-webauthn`: the relying party is the
//! request's domain (the RP ID), the client's origins, user verification required.

use watchword_http::{ApiError, StatusCode};
use watchword_webauthn::{AuthenticationResponse, Credential, RelyingParty, UserVerification};

use crate::lifecycle::Request;

/// The algorithms offered at registration, most preferred first (COSE identifiers): ES256,
/// EdDSA, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512.
pub const ALGORITHMS: [i64; 10] = [-7, -8, -35, -36, -257, -258, -259, -37, -38, -39];

fn relying_party(request: &Request, origins: &[String]) -> Result<RelyingParty, ApiError> {
    let mut builder =
        RelyingParty::builder(request.domain.clone()).user_verification(UserVerification::Required);
    for origin in origins {
        builder = builder.origin(origin.clone());
    }
    builder.build().map_err(|error| {
        tracing::error!(%error, "a passkey client's origins make no relying party");
        ApiError::internal()
    })
}

fn challenge(request: &Request) -> Result<Vec<u8>, ApiError> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&request.challenge)
        .map_err(|_| ApiError::internal())
}

/// A failed check: `400 verification_failed`, with the check's stable code as `reason`.
fn failed(error: &watchword_webauthn::Error) -> ApiError {
    let message = format!("the passkey response did not verify: {error}");
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "verification_failed",
        message.clone(),
    )
    .with_body(serde_json::json!({
        "message": "Bad Request",
        "errorCode": "verification_failed",
        "description": message,
        "reason": error.code(),
        "error": { "code": "verification_failed", "message": message, "reason": error.code() },
    }))
}

/// Verifies a registration response for `request`: the new credential, its user handle set.
///
/// # Errors
/// `400 verification_failed` with the failed check as `reason`.
pub fn verify_registration(
    request: &Request,
    origins: &[String],
    body: &str,
    now: u64,
) -> Result<Credential, ApiError> {
    let response = watchword_webauthn::parse_registration(body).map_err(|e| failed(&e))?;
    let registration = relying_party(request, origins)?
        .verify_registration(
            &challenge(request)?,
            &response,
            watchword_webauthn::UnixTime(now),
        )
        .map_err(|e| failed(&e))?;
    let mut credential = registration.credential;
    credential.user_handle = Some(user_handle(request)?);
    Ok(credential)
}

/// The user handle of `request`, as bytes.
pub fn user_handle(request: &Request) -> Result<Vec<u8>, ApiError> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&request.user_handle)
        .map_err(|_| ApiError::internal())
}

/// Parses an authentication response.
///
/// # Errors
/// `400 verification_failed` when it is not the `toJSON()` shape.
pub fn parse_authentication(body: &str) -> Result<AuthenticationResponse, ApiError> {
    watchword_webauthn::parse_authentication(body).map_err(|e| failed(&e))
}

/// Verifies a sign-in with `credential`, one of `allowed` for the request's domain. The caller
/// records the result on the credential with [`Credential::update`] once the request is
/// redeemed.
///
/// # Errors
/// `400 verification_failed` with the failed check as `reason`.
pub fn verify_authentication(
    request: &Request,
    origins: &[String],
    response: &AuthenticationResponse,
    credential: &Credential,
    allowed: &[Vec<u8>],
) -> Result<watchword_webauthn::Authentication, ApiError> {
    relying_party(request, origins)?
        .verify_authentication(&challenge(request)?, response, credential, allowed)
        .map_err(|e| failed(&e))
}

/// An amount as the payment request writes it: a decimal without exponent (`12.5`, `100`).
pub fn amount_text(amount: f64) -> String {
    format!("{amount}")
}

/// What a Secure Payment Confirmation for `request` asks the browser to show, for the page on
/// `top_origin`, with the user's passkeys `credential_ids`.
pub fn payment_request(
    request: &Request,
    credential_ids: Vec<Vec<u8>>,
    top_origin: &str,
) -> Option<watchword_webauthn::PaymentRequest> {
    let spc = request.spc.as_ref()?;
    Some(watchword_webauthn::PaymentRequest {
        credential_ids,
        top_origin: top_origin.to_owned(),
        payee_name: None,
        payee_origin: Some(spc.payee_origin.clone()),
        total: watchword_webauthn::PaymentCurrencyAmount {
            currency: spc.currency.clone(),
            value: amount_text(spc.amount),
        },
        instrument: watchword_webauthn::PaymentCredentialInstrument {
            display_name: spc.instrument_display_name.clone(),
            icon: spc.instrument_display_icon.clone(),
            icon_must_be_shown: None,
        },
    })
}

/// Verifies a Secure Payment Confirmation: the assertion, and that the browser showed the
/// payment `expected` describes.
///
/// # Errors
/// `400 verification_failed` with the failed check as `reason`.
pub fn verify_payment(
    request: &Request,
    origins: &[String],
    expected: &watchword_webauthn::PaymentRequest,
    response: &AuthenticationResponse,
    credential: &Credential,
) -> Result<watchword_webauthn::Authentication, ApiError> {
    relying_party(request, origins)?
        .verify_payment(&challenge(request)?, expected, response, credential)
        .map_err(|e| failed(&e))
}
