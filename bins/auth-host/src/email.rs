//! Sign-in with a code sent by email.
//!
//! A six-digit code is short, so it is only ever valid together with a 128-bit transaction id
//! that `start` gives the browser in the `oc_otp` cookie (`HttpOnly`, for `/api/auth/`, ten
//! minutes). The record is `email-code:{sha256(txid)}`, holding the address and
//! `sha256(txid, code)`: neither the key nor the record lets someone holding a copy of the
//! store find the code or redeem it. `verify` runs one compare-and-swap on that record: the
//! right code for the right address deletes it and wins — of any number of concurrent
//! verifies exactly one gets a session — and a wrong one counts a try; the fifth wrong try
//! deletes the code. So the code works in the browser that asked for it, typed there.

use std::sync::Arc;
use std::time::Duration;

use rand_core::RngCore;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use watchword_http::{check_in_order, RateLimit};
use watchword_http::{records, sha256_hex, ApiError, Request, Response, StatusCode};
use watchword_session::timestamp;
use watchword_store::Key;

use crate::accounts::Identity;
use crate::mail::{escape_html, Mail};
use crate::session::{establish, Proof};
use crate::{private_ok, wants_add, AuthHost, SURFACE};

/// How long a code is valid, in seconds.
pub const CODE_TTL: u64 = 600;
/// Wrong tries that burn a code.
pub const MAX_TRIES: u32 = 5;
/// The longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Codes sent to one address per quarter hour.
pub const START_PER_ADDRESS: RateLimit = RateLimit {
    name: "email-start-address",
    limit: 5,
    window: Duration::from_secs(900),
};
/// Codes requested per client network and minute.
pub const START_PER_NETWORK: RateLimit = RateLimit::per_minute("email-start-network", 10);
/// Verify attempts per client network and minute (codes are short: this bounds guessing
/// across many addresses, as [`MAX_TRIES`] does for one).
pub const VERIFY_PER_NETWORK: RateLimit = RateLimit::per_minute("email-verify-network", 60);

/// The cookie holding the transaction id a code is valid with.
pub const OTP_COOKIE: &str = "oc_otp";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredCode {
    email: String,
    code_sha256: String,
    tries: u32,
    expires_at: u64,
}

fn code_key(txid: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, "email-code", &sha256_hex(txid.as_bytes())).map_err(|_| ApiError::internal())
}

fn code_digest(txid: &str, code: &str) -> String {
    sha256_hex(format!("{txid}\n{code}").as_bytes())
}

/// The `oc_otp` cookie: the transaction id, or its removal.
fn otp_cookie(state: &AuthHost, txid: &str, max_age: u64) -> String {
    crate::flow_cookie(state, OTP_COOKIE, txid, max_age)
}

/// The transaction id of the request's `oc_otp` cookie, when well formed.
fn txid_of(request: &Request) -> Option<String> {
    crate::session::cookie(request, OTP_COOKIE)
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

/// The address as the host keys it: trimmed, lower-cased; one `@`, a dotted domain, no
/// spaces or control characters, at most 254 bytes.
///
/// # Errors
/// `400 invalid_email`.
pub fn normalise(email: &str) -> Result<String, ApiError> {
    let email = email.trim().to_lowercase();
    let invalid = || ApiError::bad_request("invalid_email", "that is not an email address");
    if email.is_empty() || email.len() > MAX_EMAIL_LEN {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && !"<>()[]\\,;:\"@".contains(c));
    if !(domain_ok && local_ok) {
        return Err(invalid());
    }
    Ok(email)
}

/// A uniformly drawn six-digit code.
fn draw_code(rng: &mut impl RngCore) -> String {
    // Rejection sampling: 4_294_000_000 is the largest multiple of 10^6 below 2^32.
    loop {
        let n = rng.next_u32();
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    email: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    email: String,
    code: String,
}

/// Where a request came from, for the mail: its origin, client network and browser.
fn requested_from(request: &Request) -> String {
    let origin = request.header("origin").unwrap_or("no Origin header");
    let agent: String = request
        .header("user-agent")
        .unwrap_or("unknown browser")
        .chars()
        .filter(|c| !c.is_control())
        .take(160)
        .collect();
    format!("{origin}, network {}, {agent}", request.client_network())
}

fn code_mail(state: &AuthHost, to: &str, code: &str, from: &str) -> Mail {
    let host = state.settings.own_origin();
    let text = format!(
        "Your sign-in code for {host} is\n\n    {code}\n\nIt is valid for 10 minutes. \
         Type it on the page that asked for it; nobody from {host} will ask you for it.\n\n\
         The request came from: {from}\n\n\
         If you did not try to sign in, ignore this mail: without the code nobody can.\n"
    );
    let html = format!(
        "<p>Your sign-in code for {host} is</p>\
         <p style=\"font-size:28px;font-weight:bold;letter-spacing:4px\">{code}</p>\
         <p>It is valid for 10 minutes. Type it on the page that asked for it; nobody from \
         {host} will ask you for it.</p>\
         <p style=\"color:#555\">The request came from: {from}</p>\
         <p style=\"color:#555\">If you did not try to sign in, ignore this mail: without the \
         code nobody can.</p>",
        host = escape_html(&host),
        from = escape_html(from),
    );
    Mail {
        to: to.to_owned(),
        subject: format!("{code} is your sign-in code"),
        text,
        html,
    }
}

/// `POST /api/auth/email-otp/start {email}`: mails a six-digit code, valid ten minutes.
/// Answers `{ok, expiresAt}`; limited per address and per client network.
pub async fn start(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let body: StartBody = request.json()?;
    let email = normalise(&body.email)?;
    let network = request.client_network();
    check_in_order(
        &*state.store,
        SURFACE,
        &[(&START_PER_NETWORK, &network), (&START_PER_ADDRESS, &email)],
    )
    .await?;
    let code = draw_code(&mut state.rng.clone());
    let txid = crate::random_hex(&mut state.rng.clone());
    let now = state.clock.now();
    let expires_at = now.plus(CODE_TTL);
    let key = code_key(&txid)?;
    let stored = StoredCode {
        email: email.clone(),
        code_sha256: code_digest(&txid, &code),
        tries: 0,
        expires_at: expires_at.0,
    };
    let bytes = records::encode(&stored)?;
    let created = state
        .store
        .compare_and_swap(&key, None, Some((&bytes, Duration::from_secs(CODE_TTL))))
        .await?;
    if !matches!(created, watchword_store::CasOutcome::Swapped { .. }) {
        return Err(ApiError::internal());
    }
    let mail = code_mail(&state, &email, &code, &requested_from(&request));
    if let Err(error) = state.mailer.send(mail).await {
        tracing::error!(%error, "sending a sign-in code");
        // A code nobody received must not stay guessable.
        state.store.delete(&key).await?;
        return Err(
            ApiError::unavailable("the sign-in mail could not be sent: try again later")
                .with_code("mail_unavailable"),
        );
    }
    let expires = timestamp::format(expires_at).map_err(|_| ApiError::internal())?;
    let mut response = private_ok(&serde_json::json!({"ok": true, "expiresAt": expires}));
    let cookie = otp_cookie(&state, &txid, CODE_TTL);
    response.headers_mut().append(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&cookie).map_err(|_| ApiError::internal())?,
    );
    Ok(response)
}

/// Spends the code mailed to `email`, with the transaction id of the request's `oc_otp`
/// cookie.
///
/// # Errors
/// `400 invalid_code` for a code that is not six digits (not counted as a try),
/// `401 code_unknown` when no code is pending for this browser and address (never sent,
/// asked for in another browser, expired, used or burned),
/// `401 code_invalid` with `attempts_left` for a wrong code, `401 code_burned` for the wrong
/// try that burned it; `503` when the store is down or contended.
pub async fn redeem(
    state: &AuthHost,
    request: &Request,
    email: &str,
    code: &str,
) -> Result<(), ApiError> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_request(
            "invalid_code",
            "the code is six digits",
        ));
    }
    let unknown = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "code_unknown",
            "no code is pending for this address in this browser: ask for a new one",
        )
    };
    let txid = txid_of(request).ok_or_else(unknown)?;
    let given = code_digest(&txid, code);
    let now = state.clock.now().0;
    let outcome = records::transact(
        &*state.store,
        &code_key(&txid)?,
        "email code",
        |stored: Option<StoredCode>| {
            let Some(mut stored) = stored.filter(|s| now < s.expires_at && s.email == email) else {
                return Err(unknown());
            };
            if bool::from(given.as_bytes().ct_eq(stored.code_sha256.as_bytes())) {
                return Ok((records::Change::Delete, Ok(())));
            }
            stored.tries += 1;
            if stored.tries >= MAX_TRIES {
                return Ok((
                    records::Change::Delete,
                    Err(ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "code_burned",
                        "too many wrong codes: this one no longer works, ask for a new one",
                    )),
                ));
            }
            let left = MAX_TRIES - stored.tries;
            let ttl = Duration::from_secs(stored.expires_at.saturating_sub(now).max(1));
            let message = format!("wrong code: {left} tries left");
            let body = serde_json::json!({"error": {
                "code": "code_invalid", "message": message, "attempts_left": left,
            }});
            Ok((
                records::Change::Put(stored, ttl),
                Err(
                    ApiError::new(StatusCode::UNAUTHORIZED, "code_invalid", message)
                        .with_body(body),
                ),
            ))
        },
    )
    .await?;
    outcome
}

/// `POST /api/auth/email-otp/verify {email, code}` (`?add=1` to add the account to the
/// browser's roster): signs in with the mailed code.
pub async fn verify(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let add = wants_add(&request)?;
    let body: VerifyBody = request.json()?;
    let email = normalise(&body.email)?;
    VERIFY_PER_NETWORK
        .check(&*state.store, SURFACE, &request.client_network())
        .await?;
    redeem(&state, &request, &email, &body.code).await?;
    let proof = Proof {
        at: Some(state.clock.now()),
        ..Proof::default()
    };
    let mut response = establish(&state, &request, &Identity::Email(email), add, proof).await?;
    let spent = otp_cookie(&state, "", 0);
    response.headers_mut().append(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&spent).map_err(|_| ApiError::internal())?,
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_and_checked() {
        assert_eq!(normalise("  Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@example..com",
            "ada@.example.com",
            "<ada>@example.com",
            "ada@exa mple.com",
            "ada\r\n@example.com",
        ] {
            assert_eq!(
                normalise(bad).unwrap_err().code(),
                "invalid_email",
                "{bad:?}"
            );
        }
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(190));
        assert_eq!(normalise(&long).unwrap_err().code(), "invalid_email");
    }

    #[test]
    fn codes_are_six_digits() {
        let mut rng = rand_core::OsRng;
        for _ in 0..100 {
            let code = draw_code(&mut rng);
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
