//! One-shot session verification with a JSON verdict, for `watchword verify session --jwks
//! FILE_OR_URL TOKEN` and similar tools (`watchword-jwks-fetch` fetches a URL's set).
//!
//! A verdict is `{"valid": true, "claims": {…}}` or `{"valid": false, "reason": "<code>",
//! "message": "<text>"}`, with `reason` from [`reason_code`]. A JWK Set that cannot be used at
//! all is an `Err`, the caller's usage error rather than an invalid token.

use serde_json::{json, Value};
use watchword_token::UnixTime;

use crate::{Error, SessionRules, SessionVerifier};

/// Returns the verdict of `token` under `verifier` at `now`.
pub fn session_verdict(verifier: &SessionVerifier, token: &str, now: UnixTime) -> Value {
    match verifier.verify(token.trim(), now) {
        Ok(session) => json!({ "valid": true, "claims": session }),
        Err(error) => json!({
            "valid": false,
            "reason": reason_code(&error),
            "message": error.to_string(),
        }),
    }
}

/// Verifies `token` with the Ed25519 keys of `jwks_json` (a JWK Set or a single JWK) under
/// `rules` at `now`, and returns the verdict.
///
/// # Errors
///
/// The JWK Set does not parse or holds no Ed25519 key.
pub fn verify_session_with_jwks(
    jwks_json: &str,
    token: &str,
    rules: SessionRules,
    now: UnixTime,
) -> Result<Value, Error> {
    let verifier = SessionVerifier::from_jwks_json(jwks_json, rules)?;
    Ok(session_verdict(&verifier, token, now))
}

/// Returns whether a `--jwks` argument names a URL rather than a file.
pub fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// The stable machine-readable reason for a refused session token:
///
/// | code | when |
/// |---|---|
/// | `malformed` | not a compact JWS: size, segments, base64url, JSON, duplicate members, no `alg` |
/// | `alg_not_allowed` | `alg` is `none`, unknown, or not `EdDSA` |
/// | `header_not_allowed` | `crit`, an embedded key (`jwk`, `jku`, `x5u`, `x5c`), `b64` |
/// | `unknown_kid` | the `kid` is not in the key set |
/// | `bad_signature` | the signature does not verify |
/// | `expired` | `now >= exp + leeway` |
/// | `not_yet_valid` | `nbf` or `iat` after `now + leeway` |
/// | `issuer_mismatch` | another `iss` than the expected one |
/// | `audience_mismatch` | the expected audience is not in `aud`, or `aud` when none is expected |
/// | `bad_claims` | `exp`, `sub`, `iat`, `jti` or `did_oc` missing or of the wrong shape |
/// | `no_keys` | no key set to verify with |
/// | `invalid` | anything else |
pub fn reason_code(error: &Error) -> &'static str {
    use watchword_token::Error as Token;
    match error {
        Error::Token(token) => match token {
            Token::TokenTooLarge { .. }
            | Token::SegmentCount { .. }
            | Token::Base64 { .. }
            | Token::Json { .. }
            | Token::NotObject { .. }
            | Token::DuplicateKey { .. }
            | Token::MissingAlg
            | Token::HeaderParamType { .. } => "malformed",
            Token::AlgNone { .. }
            | Token::UnknownAlg { .. }
            | Token::AlgMismatch { .. }
            | Token::NoKeyForAlg { .. } => "alg_not_allowed",
            Token::Crit | Token::EmbeddedKey { .. } | Token::UnencodedPayload => {
                "header_not_allowed"
            }
            Token::UnknownKid { .. } => "unknown_kid",
            Token::SignatureLength { .. } | Token::BadSignature => "bad_signature",
            Token::Expired { .. } => "expired",
            Token::NotYetValid { .. } | Token::IssuedInFuture { .. } => "not_yet_valid",
            Token::IssuerMismatch { .. } => "issuer_mismatch",
            Token::AudienceMismatch { .. } | Token::UnexpectedAudience { .. } => {
                "audience_mismatch"
            }
            Token::MissingExp
            | Token::ClaimType { .. }
            | Token::ExtraClaims { .. }
            | Token::MissingJti => "bad_claims",
            _ => "invalid",
        },
        Error::NeedsRefetch { .. } => "unknown_kid",
        Error::SessionClaims { .. } => "bad_claims",
        Error::NoKeySet | Error::NoUsableKey | Error::Fetch { .. } => "no_keys",
        _ => "invalid",
    }
}
