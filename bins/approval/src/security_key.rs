//! Page types 1 and 2: the customer answers on the partner's page with a security key or a
//! platform authenticator (Windows Hello, Touch ID), through WebAuthn.
//!
//! The relying party is the partner's page: its host is the RP ID, its origin the one the
//! browser must report. The snippet asks for options (`POST /page/{id}/webauthn/options`),
//! which draws a single-use challenge, runs the ceremony and sends the credential back
//! (`POST /page/{id}/webauthn`). A registration (page type 2) stores the new credential for
//! the partner's customer on that RP ID; a validation (page type 1) asserts with one of them.
//! Either approves the transaction, and the page receives the single-use token to post.
//!
//! Credentials are stored per partner, RP ID and customer (`ww:{approval:keys}:…`), at most
//! [`MAX_KEYS`] each, kept three years from their last use.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use watchword_approval::{Method, PageType, TransactionId};
use watchword_http::records::{self, Change};
use watchword_http::{ok, ApiError, Request, Response, StatusCode};
use watchword_store::Key;
use watchword_webauthn::{Credential, RelyingParty, UserVerification};

use crate::records::{tx_key, unknown_transaction, Record};
use crate::{Approval, SURFACE};

/// The most security keys one customer may register with one partner on one RP ID.
pub const MAX_KEYS: usize = 10;
/// How long registered keys are kept after their last use.
const KEYS_SECS: u64 = 3 * 365 * 24 * 3600;
/// The algorithms offered at registration, most preferred first (COSE): ES256, EdDSA, ES384,
/// ES512, RS256, PS256.
const ALGORITHMS: [i64; 6] = [-7, -8, -35, -36, -257, -37];

/// The security keys of one customer with one partner on one RP ID.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    credentials: Vec<Credential>,
}

/// The ceremony a page runs, kept in the transaction's record between its two calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ceremony {
    /// The challenge, base64url.
    pub challenge: String,
    /// The page's origin, whose host is the RP ID.
    pub origin: String,
}

fn keys_key(partner: &str, rp_id: &str, user_mail: &str) -> Result<Key, ApiError> {
    let id = watchword_http::sha256_hex(format!("{partner}\n{rp_id}\n{user_mail}").as_bytes());
    Key::new(SURFACE, "keys", &id).map_err(|_| ApiError::internal())
}

/// The host of a serialised origin (`https://shop.example:8443` → `shop.example`).
fn host(origin: &str) -> Option<&str> {
    let rest = origin.split_once("://")?.1;
    if rest.starts_with('[') {
        return None; // WebAuthn takes no IP address as an RP ID.
    }
    let host = rest.split(':').next().unwrap_or(rest);
    (host.parse::<std::net::IpAddr>().is_err() && !host.is_empty()).then_some(host)
}

fn relying_party(origin: &str) -> Result<RelyingParty, ApiError> {
    let rp_id = host(origin).ok_or_else(|| not_a_domain(origin))?;
    RelyingParty::builder(rp_id)
        .origin(origin)
        .user_verification(UserVerification::Preferred)
        .build()
        .map_err(|_| not_a_domain(origin))
}

fn not_a_domain(origin: &str) -> ApiError {
    ApiError::bad_request(
        "webauthn_unavailable",
        format!("WebAuthn needs a page on a domain name; {origin} is not one"),
    )
}

/// The page's origin: the browser's `Origin` header, which the route's CORS check matched
/// against the partner's origins.
fn page_origin(request: &Request) -> Result<String, ApiError> {
    request.header("origin").map(str::to_owned).ok_or_else(|| {
        ApiError::bad_request(
            "origin_required",
            "the security-key ceremony runs in the partner's page, which sends an Origin",
        )
    })
}

fn transaction_id(request: &Request) -> Result<TransactionId, ApiError> {
    TransactionId::parse(request.param("transactionid")?).map_err(|_| unknown_transaction())
}

async fn stored_keys(state: &Approval, key: &Key) -> Result<Keys, ApiError> {
    match state.store.get_versioned(key).await? {
        Some(stored) => records::decode(&stored.value, "security keys"),
        None => Ok(Keys::default()),
    }
}

/// `POST /page/{transactionid}/webauthn/options`: draws the ceremony's challenge and answers
/// the options for `navigator.credentials.create` (page type 2) or `.get` (page type 1), in
/// the JSON form of WebAuthn Level 3.
///
/// # Errors
/// `404 unknown_transaction`, `409 not_a_security_key_page`, `410 expired`,
/// `409 already_decided`, `409 no_security_key` (a validation for a customer with none),
/// `400 origin_required | webauthn_unavailable`.
pub async fn options(state: Arc<Approval>, request: Request) -> Result<Response, ApiError> {
    // No parameters; a body, if any, is JSON.
    request.json_body()?;
    let id = transaction_id(&request)?;
    let origin = page_origin(&request)?;
    let rp = relying_party(&origin)?;
    let mut challenge = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut state.rng.clone(), &mut challenge);
    let challenge = URL_SAFE_NO_PAD.encode(challenge);
    let now = state.now();
    let ceremony = Ceremony {
        challenge: challenge.clone(),
        origin: origin.clone(),
    };
    let record = records::transact(
        state.store.as_ref(),
        &tx_key(&id.storage_key())?,
        "transaction",
        |record: Option<Record>| {
            let mut record = record.ok_or_else(unknown_transaction)?;
            open(&record, now)?;
            record.ceremony = Some(ceremony.clone());
            let ttl = record.ttl(now);
            Ok((Change::Put(record.clone(), ttl), record))
        },
    )
    .await?;
    let tx = &record.tx;
    let keys = stored_keys(&state, &keys_key(tx.owner(), rp.rp_id(), tx.user_mail())?).await?;
    let descriptors: Vec<serde_json::Value> = keys
        .credentials
        .iter()
        .map(|c| {
            serde_json::json!({
                "type": "public-key",
                "id": URL_SAFE_NO_PAD.encode(&c.id),
                "transports": c.transports,
            })
        })
        .collect();
    let timeout = tx.expires_at().0.saturating_sub(now.0).min(300) * 1000;
    let public_key = if record.page_type == Some(PageType::SecurityKeyRegistration) {
        let partner = state.partners.get(state.store.as_ref(), tx.owner()).await?;
        serde_json::json!({
            "challenge": challenge,
            "rp": { "id": rp.rp_id(), "name": partner.map_or_else(|| rp.rp_id().to_owned(), |p| p.name) },
            "user": { "id": user_handle(tx.owner(), tx.user_mail()), "name": tx.user_mail(), "displayName": tx.user_mail() },
            "pubKeyCredParams": ALGORITHMS.iter().map(|alg| serde_json::json!({ "type": "public-key", "alg": alg })).collect::<Vec<_>>(),
            "excludeCredentials": descriptors,
            "authenticatorSelection": { "residentKey": "discouraged", "userVerification": "preferred" },
            "attestation": "none",
            "timeout": timeout,
        })
    } else {
        if descriptors.is_empty() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "no_security_key",
                "this customer has no security key registered on this site: register one first (pageType 2)",
            ));
        }
        serde_json::json!({
            "challenge": challenge,
            "rpId": rp.rp_id(),
            "allowCredentials": descriptors,
            "userVerification": "preferred",
            "timeout": timeout,
        })
    };
    let mode = if record.page_type == Some(PageType::SecurityKeyRegistration) {
        "create"
    } else {
        "get"
    };
    Ok(ok(
        &serde_json::json!({ "mode": mode, "publicKey": public_key }),
    ))
}

/// The user handle of a customer with a partner: 16 bytes of a hash, nothing readable.
fn user_handle(partner: &str, user_mail: &str) -> String {
    let digest = watchword_http::sha256_hex(
        format!("watchword-approval/user\0{partner}\0{user_mail}").as_bytes(),
    );
    let bytes: Vec<u8> = (0..16)
        .filter_map(|i| u8::from_str_radix(&digest[2 * i..2 * i + 2], 16).ok())
        .collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Refuses a record a security-key ceremony cannot run on.
fn open(record: &Record, now: watchword_token::UnixTime) -> Result<(), ApiError> {
    crate::page::check_answerable(
        record,
        &[
            PageType::SecurityKeyValidation,
            PageType::SecurityKeyRegistration,
        ],
        "not_a_security_key_page",
        "this transaction's page is not a security-key page (GetHTML with pageType 1 or 2)",
        now,
    )
}

/// `POST /page/{transactionid}/webauthn`: the credential the browser made or the assertion
/// it signed (the `toJSON()` form). On success the transaction is approved and the answer
/// carries the single-use token the page posts.
///
/// # Errors
/// `400 verification_failed` (with the failed check as `reason`), `409 no_ceremony` (no
/// options were asked for, or they were used), `409 too_many_keys`, and the refusals of
/// [`options`].
pub async fn finish(state: Arc<Approval>, request: Request) -> Result<Response, ApiError> {
    let id = transaction_id(&request)?;
    let origin = page_origin(&request)?;
    let body = std::str::from_utf8(request.json_body()?)
        .map_err(|_| ApiError::bad_request("invalid_json", "the body is not UTF-8"))?
        .to_owned();
    let store = state.store.as_ref();
    let storage = id.storage_key();
    let record = crate::records::load(store, &storage)
        .await?
        .ok_or_else(unknown_transaction)?;
    let now = state.now();
    open(&record, now)?;
    let ceremony = record
        .ceremony
        .clone()
        .filter(|c| c.origin == origin)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "no_ceremony",
                "ask for the options first: each ceremony's challenge works once",
            )
        })?;
    let challenge = URL_SAFE_NO_PAD
        .decode(&ceremony.challenge)
        .map_err(|_| ApiError::internal())?;
    let rp = relying_party(&origin)?;
    let tx = &record.tx;
    let keys_at = keys_key(tx.owner(), rp.rp_id(), tx.user_mail())?;
    let mut keys = stored_keys(&state, &keys_at).await?;
    if record.page_type == Some(PageType::SecurityKeyRegistration) {
        let response = watchword_webauthn::parse_registration(&body).map_err(|e| failed(&e))?;
        let registration = rp
            .verify_registration(&challenge, &response, watchword_webauthn::UnixTime(now.0))
            .map_err(|e| failed(&e))?;
        let mut credential = registration.credential;
        credential.user_handle = URL_SAFE_NO_PAD
            .decode(user_handle(tx.owner(), tx.user_mail()))
            .ok();
        if keys.credentials.iter().any(|c| c.id == credential.id) {
            return Err(failed_with(
                "credential_exists",
                "this security key is registered already",
            ));
        }
        if keys.credentials.len() >= MAX_KEYS {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "too_many_keys",
                format!("this customer has {MAX_KEYS} security keys on this site already"),
            ));
        }
        keys.credentials.push(credential);
    } else {
        let response = watchword_webauthn::parse_authentication(&body).map_err(|e| failed(&e))?;
        let allowed: Vec<Vec<u8>> = keys.credentials.iter().map(|c| c.id.clone()).collect();
        let credential = keys
            .credentials
            .iter_mut()
            .find(|c| c.id == response.raw_id())
            .ok_or_else(|| {
                failed_with(
                    "unknown_credential",
                    "this security key is not registered for the customer",
                )
            })?;
        let authentication = rp
            .verify_authentication(&challenge, &response, credential, &allowed)
            .map_err(|e| failed(&e))?;
        credential.update(&authentication);
    }
    // The challenge is spent and the transaction approved in one write, so a response
    // replayed against another replica finds no ceremony.
    let token = decide(&state, &storage, &ceremony, now).await?;
    save_keys(&state, &keys_at, &keys).await?;
    crate::page::approved(&state, &storage, token, record.tx.expires_at(), now).await
}

/// Stores `keys` under `key`, merged with what another ceremony of the customer may have
/// written meanwhile: new credentials added (up to [`MAX_KEYS`]), counters never lowered.
async fn save_keys(state: &Approval, key: &Key, keys: &Keys) -> Result<(), ApiError> {
    records::transact(
        state.store.as_ref(),
        key,
        "security keys",
        |current: Option<Keys>| {
            let mut merged = current.unwrap_or_default();
            for credential in &keys.credentials {
                let full = merged.credentials.len() >= MAX_KEYS;
                match merged
                    .credentials
                    .iter_mut()
                    .find(|c| c.id == credential.id)
                {
                    Some(stored) => {
                        stored.sign_count = stored.sign_count.max(credential.sign_count);
                    }
                    None if !full => merged.credentials.push(credential.clone()),
                    None => {}
                }
            }
            Ok((Change::Put(merged, Duration::from_secs(KEYS_SECS)), ()))
        },
    )
    .await
}

/// Approves the transaction with a security key if `ceremony` is still its open one.
async fn decide(
    state: &Approval,
    storage: &str,
    ceremony: &Ceremony,
    now: watchword_token::UnixTime,
) -> Result<Option<String>, ApiError> {
    records::transact(
        state.store.as_ref(),
        &tx_key(storage)?,
        "transaction",
        |record: Option<Record>| {
            let record = record.ok_or_else(unknown_transaction)?;
            open(&record, now)?;
            if record.ceremony.as_ref() != Some(ceremony) {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "no_ceremony",
                    "this ceremony's challenge was used or replaced",
                ));
            }
            let approver = record.tx.user_mail().to_owned();
            let (next, token) =
                crate::page::approve(state, record, approver, Method::SecurityKey, now)?;
            let ttl = next.ttl(now);
            Ok((Change::Put(next, ttl), token))
        },
    )
    .await
}

/// `400 verification_failed` with the failed check as `reason`.
fn failed(error: &watchword_webauthn::Error) -> ApiError {
    failed_with(
        error.code(),
        &format!("the security key's response did not verify: {error}"),
    )
}

fn failed_with(reason: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "verification_failed", message.to_owned()).with_body(
        serde_json::json!({ "error": { "code": "verification_failed", "message": message, "reason": reason } }),
    )
}
