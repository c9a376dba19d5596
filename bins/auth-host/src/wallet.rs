//! Sign-in with a Bitcoin wallet: the host issues a challenge text for an address, the wallet
//! signs it (BIP-322, or the legacy message format where the address allows it), and the
//! host verifies the signature and consumes the challenge's nonce, once.
//!
//! The challenge is stored under `challenge:{nonce}` as `{text, used}`. A sign-in verifies
//! everything first — the message is the one issued, for this address, unexpired, signed —
//! and only then marks the nonce used with a compare-and-swap, so of any number of
//! concurrent sign-ins with one signed challenge exactly one gets a session, and a failed
//! attempt does not burn a challenge the rightful wallet can still sign.

use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use watchword_bip322::bitcoin::Address;
use watchword_http::RateLimit;
use watchword_http::{records, ApiError, Request, Response, StatusCode};
use watchword_session::challenge::MAX_ADDRESS_LEN;
use watchword_session::{timestamp, Challenge, Nonce, SignInCheck, SignInRejection, SignedIn};
use watchword_store::Key;

use crate::accounts::Identity;
use crate::session::{establish, Proof};
use crate::{private_ok, wants_add, AuthHost, SURFACE};

/// The purpose a sign-in challenge carries unless the caller names another.
pub const LOGIN_PURPOSE: &str = "login";
/// Challenges issued per client network and minute.
pub const ISSUE_PER_NETWORK: RateLimit = RateLimit::per_minute("challenge-network", 60);
/// Sign-in and verify attempts per client network and minute (each one is a signature check).
pub const VERIFY_PER_NETWORK: RateLimit = RateLimit::per_minute("signin-network", 60);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    text: String,
    used: bool,
}

fn challenge_key(nonce: Nonce) -> Result<Key, ApiError> {
    Key::new(SURFACE, "challenge", &nonce.to_string()).map_err(|_| ApiError::internal())
}

/// Checks that `address` is a Bitcoin address of the host's network.
fn check_address(state: &AuthHost, address: &str) -> Result<(), ApiError> {
    if address.is_empty() || address.len() > MAX_ADDRESS_LEN {
        return Err(ApiError::bad_request(
            "invalid_address",
            format!("addr must be a Bitcoin address of 1 to {MAX_ADDRESS_LEN} characters"),
        ));
    }
    let parsed = Address::from_str(address).map_err(|e| {
        ApiError::bad_request(
            "invalid_address",
            format!("addr is not a Bitcoin address: {e}"),
        )
    })?;
    if !parsed.is_valid_for_network(state.network()) {
        return Err(ApiError::bad_request(
            "network_mismatch",
            format!(
                "this host signs in addresses of the {} network",
                state.network()
            ),
        ));
    }
    Ok(())
}

/// `GET /api/challenge?addr=&audience=&purpose=`: a challenge for `addr` to sign,
/// `{message, nonce, expiresAt}`. `audience` defaults to the host's own origin and must be
/// an origin of the family; `purpose` defaults to `login`.
pub async fn issue(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    ISSUE_PER_NETWORK
        .check(&*state.store, SURFACE, &request.client_network())
        .await?;
    let address = request.query("addr").ok_or_else(|| {
        ApiError::bad_request(
            "invalid_request",
            "addr (the Bitcoin address to sign in) is required",
        )
    })?;
    check_address(&state, &address)?;
    let audience = request
        .query("audience")
        .unwrap_or_else(|| state.settings.own_origin());
    if !state.settings.origins.contains(&audience) {
        return Err(ApiError::bad_request(
            "audience_not_allowed",
            format!("audience {audience:?} is not an origin of this host's family"),
        ));
    }
    let purpose = request
        .query("purpose")
        .unwrap_or_else(|| LOGIN_PURPOSE.to_owned());
    let now = state.clock.now();
    let nonce = Nonce::random(&mut state.rng.clone());
    let challenge = Challenge::new(&address, nonce, now, state.settings.challenge_ttl)
        .and_then(|c| c.with_audience(&audience))
        .and_then(|c| c.with_purpose(&purpose))
        .map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))?;
    let text = challenge.to_text();
    let stored = Stored {
        text: text.clone(),
        used: false,
    };
    // Kept a minute past expiry, so a late sign-in reads "expired" rather than "unknown".
    let ttl = Duration::from_secs(state.settings.challenge_ttl + 60);
    // A versioned record, so that the sign-in can spend it with a compare-and-swap.
    let created = state
        .store
        .compare_and_swap(
            &challenge_key(nonce)?,
            None,
            Some((&records::encode(&stored)?, ttl)),
        )
        .await?;
    if !matches!(created, watchword_store::CasOutcome::Swapped { .. }) {
        // 128 random bits collided: a fault, never a shared challenge.
        return Err(ApiError::internal());
    }
    let expires_at = timestamp::format(challenge.expires_at()).map_err(|_| ApiError::internal())?;
    Ok(private_ok(&serde_json::json!({
        "message": text,
        "nonce": nonce.to_string(),
        "expiresAt": expires_at,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    address: String,
    message: String,
    signature: String,
    nonce: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    message: String,
    signature: String,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

fn rejection(error: &SignInRejection) -> ApiError {
    let status = match error {
        SignInRejection::Malformed(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNAUTHORIZED,
    };
    ApiError::new(status, error.code(), error.to_string())
}

fn nonce_used() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "nonce_used",
        "this challenge was already used: ask for a new one",
    )
}

/// Verifies `signature` over the challenge issued under `nonce`, which must be `message`
/// (for `address`, when given), and then consumes the nonce. Exactly one caller of any number
/// racing with one signed challenge gets `Ok`.
async fn verify_and_consume(
    state: &AuthHost,
    nonce: &str,
    message: &str,
    address: Option<&str>,
    purpose: Option<&str>,
    signature: &str,
) -> Result<SignedIn, ApiError> {
    let nonce = Nonce::parse(nonce)
        .map_err(|e| ApiError::bad_request("invalid_request", format!("nonce: {e}")))?;
    let key = challenge_key(nonce)?;
    let unknown = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "nonce_unknown",
            "no challenge was issued under this nonce, or it expired long ago: ask for a new one",
        )
    };
    let stored: Stored = match state.store.get_versioned(&key).await? {
        Some(record) => records::decode(&record.value, "challenge")?,
        None => return Err(unknown()),
    };
    if stored.used {
        return Err(nonce_used());
    }
    if stored.text != message {
        return Err(ApiError::bad_request(
            "message_mismatch",
            "message is not the challenge issued under this nonce, byte for byte",
        ));
    }
    let challenge = Challenge::parse(&stored.text).map_err(|_| ApiError::internal())?;
    if let Some(address) = address {
        if address != challenge.address() {
            return Err(ApiError::bad_request(
                "address_mismatch",
                "address is not the one the challenge was issued for",
            ));
        }
    }
    if purpose.is_some() && challenge.purpose() != purpose {
        return Err(ApiError::bad_request(
            "purpose_mismatch",
            "only a challenge of purpose login signs in",
        ));
    }
    let mut check = SignInCheck::new(nonce);
    if let Some(audience) = challenge.audience() {
        check = check.audience(audience);
    }
    if let Some(purpose) = challenge.purpose() {
        check = check.purpose(purpose);
    }
    let now = state.clock.now();
    let signed = check
        .verify(&stored.text, signature, now, &state.wallet)
        .map_err(|e| rejection(&e))?;
    // Everything holds: now, and only now, spend the nonce — once.
    records::transact(
        &*state.store,
        &key,
        "challenge",
        |current: Option<Stored>| {
            let current = current.ok_or_else(unknown)?;
            if current.used {
                return Err(nonce_used());
            }
            let ttl = Duration::from_secs(60);
            Ok((
                records::Change::Put(
                    Stored {
                        text: current.text,
                        used: true,
                    },
                    ttl,
                ),
                (),
            ))
        },
    )
    .await?;
    Ok(signed)
}

/// `POST /api/challenge {message, signature, nonce?, address?}`: verifies a signed challenge
/// without signing in — `{ok, address, signing_method, purpose, audience}` — and consumes
/// it. Without `nonce`, it is read from the message.
pub async fn verify(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let body: VerifyBody = request.json()?;
    VERIFY_PER_NETWORK
        .check(&*state.store, SURFACE, &request.client_network())
        .await?;
    let nonce = match body.nonce {
        Some(nonce) => nonce,
        None => Challenge::parse(&body.message)
            .map_err(|e| ApiError::bad_request("malformed", e.to_string()))?
            .nonce()
            .to_string(),
    };
    let signed = verify_and_consume(
        &state,
        &nonce,
        &body.message,
        body.address.as_deref(),
        None,
        &body.signature,
    )
    .await?;
    Ok(private_ok(&serde_json::json!({
        "ok": true,
        "address": signed.address,
        "signing_method": signed.signing_method,
        "audience": signed.challenge.audience(),
        "purpose": signed.challenge.purpose(),
    })))
}

/// `POST /api/auth/signin {address, message, signature, nonce}` (`?add=1` to add the account
/// to the browser's roster): signs in with a signed challenge of purpose `login`.
pub async fn sign_in(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let add = wants_add(&request)?;
    let body: SignInBody = request.json()?;
    VERIFY_PER_NETWORK
        .check(&*state.store, SURFACE, &request.client_network())
        .await?;
    let signed = verify_and_consume(
        &state,
        &body.nonce,
        &body.message,
        Some(&body.address),
        Some(LOGIN_PURPOSE),
        &body.signature,
    )
    .await?;
    let proof = Proof {
        address: Some(signed.address.clone()),
        signing_method: Some(signed.signing_method),
        at: Some(state.clock.now()),
    };
    establish(
        &state,
        &request,
        &Identity::Address(signed.address),
        add,
        proof,
    )
    .await
}
