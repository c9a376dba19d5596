//! The session lifecycle: the key set, the current session, sign-out, switching accounts,
//! account edits, and [`establish`], where every sign-in path ends.
//!
//! A browser holds two cookies: `oc_session`, the signed session of its active account (what
//! the family's sites verify), and `oc_browser`, a random handle of the browser's roster
//! record `roster:{sha256(handle)}` on the host. The roster lists up to five accounts with
//! the `jti` of the session the browser holds for each. The host only honours an
//! `oc_session` whose `jti` is the one its roster lists, so signing out takes effect on the
//! host at once; the family's sites, which verify locally, see it when the cookie is cleared
//! or the session expires.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderValue, SET_COOKIE};
use rand_core::RngCore;
use serde::{Deserialize, Serialize};
use watchword_http::{records, sha256_hex, ApiError, Request, Response, StatusCode, UnixTime};
use watchword_session::roster::{Account as RosterEntry, Roster};
use watchword_session::{cookie_value, Session, SessionGrant, SigningMethod, SESSION_COOKIE};
use watchword_store::Key;

use crate::accounts::{self, Account, Identity};
use crate::{not_signed_in, private_ok, AuthHost, SURFACE};

/// The cookie naming the browser's roster.
pub const BROWSER_COOKIE: &str = "oc_browser";
/// Clock skew allowed when the host verifies its own sessions.
pub const LEEWAY: u64 = 30;
/// The longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// What the host keeps for one browser.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserRecord {
    /// The accounts and which one is active.
    pub roster: Roster,
    /// What each account's session carries besides the account (by `sub`): the wallet
    /// address it proved and how, so a switch back re-issues the same claims.
    #[serde(default)]
    pub proofs: BTreeMap<String, Proof>,
}

/// What a sign-in proved besides the account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// The Bitcoin address a wallet signed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// How it signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_method: Option<SigningMethod>,
    /// When the user proved control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<UnixTime>,
}

/// A verified, current session and the browser it belongs to.
#[derive(Debug)]
pub struct Current {
    /// The session's claims.
    pub session: Session,
    /// The browser's handle (the `oc_browser` cookie).
    pub browser: String,
}

fn browser_key(handle: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, "roster", &sha256_hex(handle.as_bytes())).map_err(|_| ApiError::internal())
}

pub(crate) fn cookie<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request
        .headers()
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|header| cookie_value(header, name))
}

/// The browser handle of the request, when it is well formed (32 hex digits).
fn browser_handle(request: &Request) -> Option<String> {
    cookie(request, BROWSER_COOKIE)
        .filter(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

impl AuthHost {
    /// The session of the request's `oc_session` cookie, when it verifies and its browser's
    /// roster still holds it.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn current(&self, request: &Request) -> Result<Option<Current>, ApiError> {
        let (Some(token), Some(browser)) =
            (cookie(request, SESSION_COOKIE), browser_handle(request))
        else {
            return Ok(None);
        };
        let now = self.clock.now();
        let signing = self.keys.current();
        let Ok(session) = signing.verifier().verify(token, now) else {
            return Ok(None);
        };
        let Some(record) = self.browser_record(&browser).await? else {
            return Ok(None);
        };
        let held = record
            .roster
            .get(&session.sub)
            .is_some_and(|entry| entry.session_jti == session.jti && !entry.expired(now));
        Ok(held.then_some(Current { session, browser }))
    }

    async fn browser_record(&self, browser: &str) -> Result<Option<BrowserRecord>, ApiError> {
        match self.store.get_versioned(&browser_key(browser)?).await? {
            Some(stored) => Ok(Some(records::decode(&stored.value, "roster")?)),
            None => Ok(None),
        }
    }

    fn jti(&self) -> [u8; 16] {
        let mut jti = [0u8; 16];
        self.rng.clone().fill_bytes(&mut jti);
        jti
    }

    fn roster_ttl(&self) -> Duration {
        Duration::from_secs(self.settings.session_lifetime)
    }

    /// Signs a session for `account` with `proof`, and the roster entry that holds it.
    fn sign(
        &self,
        account: &Account,
        proof: &Proof,
        now: UnixTime,
    ) -> Result<(String, RosterEntry), ApiError> {
        let mut grant = SessionGrant::new(account.sub.clone(), account.did_oc);
        grant.name.clone_from(&account.name);
        grant.address.clone_from(&proof.address);
        grant.signing_method = proof.signing_method;
        grant.step_up_at = proof.at;
        let issued = self
            .keys
            .current()
            .issuer()
            .issue(&grant, self.jti(), now)
            .map_err(|error| {
                tracing::error!(%error, "signing a session");
                ApiError::internal()
            })?;
        let entry = RosterEntry {
            sub: account.sub.clone(),
            did_oc: account.did_oc,
            name: account.name.clone(),
            session_jti: issued.session.jti.clone(),
            expires_at: issued.session.exp,
        };
        Ok((issued.token, entry))
    }

    fn set_cookies(&self, response: &mut Response, token: Option<&str>, browser: Option<&str>) {
        let options = &self.settings.cookie;
        let session = match token {
            Some(token) => options.set_cookie(token),
            None => options.clear_cookie(),
        };
        let browser = match browser {
            Some(handle) => options.render(BROWSER_COOKIE, handle, options.max_age()),
            None => options.render(BROWSER_COOKIE, "", 0),
        };
        for value in [session, browser] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().append(SET_COOKIE, value);
            }
        }
    }
}

fn roster_view(roster: &Roster) -> serde_json::Value {
    let active = roster.active().map(|a| a.sub.as_str());
    serde_json::Value::Array(
        roster
            .accounts()
            .iter()
            .map(|entry| {
                serde_json::json!({
                    "sub": entry.sub,
                    "did_oc": entry.did_oc.to_string(),
                    "name": entry.name,
                    "active": Some(entry.sub.as_str()) == active,
                    "expires_at": entry.expires_at.0,
                })
            })
            .collect(),
    )
}

/// Where every sign-in ends: finds or creates the account `identity` names, signs its
/// session and puts it into the browser's roster — replacing the roster, or adding to it
/// when `add` — with one compare-and-swap. Answers `{ok, sub, did_oc, is_new, accounts}` with
/// the cookies set.
///
/// # Errors
/// `409 roster_full` when `add` would hold more than five accounts; `503` when the store is
/// down or contended.
pub async fn establish(
    state: &AuthHost,
    request: &Request,
    identity: &Identity,
    add: bool,
    proof: Proof,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let (account, is_new) =
        accounts::find_or_create(&*state.store, identity, &mut state.rng.clone(), now).await?;
    let (token, entry) = state.sign(&account, &proof, now)?;
    let browser = match browser_handle(request) {
        Some(handle) if add => handle,
        // A sign-in without `add` starts a fresh roster under a fresh handle, so a handle
        // someone planted in the browser before sign-in never names the signed-in roster.
        _ => crate::random_hex(&mut state.rng.clone()),
    };
    let sub = account.sub.clone();
    let ttl = state.roster_ttl();
    let roster = records::transact(
        &*state.store,
        &browser_key(&browser)?,
        "roster",
        |stored: Option<BrowserRecord>| {
            let mut record = stored.unwrap_or_default();
            for gone in record.roster.remove_expired(now) {
                record.proofs.remove(&gone.sub);
            }
            record.roster.add(entry.clone()).map_err(|_| {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "roster_full",
                    format!(
                        "this browser already holds {} accounts: sign out of one first",
                        watchword_session::roster::MAX_ACCOUNTS
                    ),
                )
            })?;
            record.proofs.insert(sub.clone(), proof.clone());
            let view = roster_view(&record.roster);
            Ok((records::Change::Put(record, ttl), view))
        },
    )
    .await?;
    // A sign-in that replaced the roster ends the browser's previous one: cookies copied
    // from it before no longer open the host.
    if let Some(previous) = browser_handle(request).filter(|previous| *previous != browser) {
        if let Err(error) = state.store.delete(&browser_key(&previous)?).await {
            tracing::warn!(%error, "removing a replaced roster");
        }
    }
    state.count_sign_in(identity.method(), is_new).await;
    let mut response = private_ok(&serde_json::json!({
        "ok": true,
        "sub": account.sub,
        "did_oc": account.did_oc.to_string(),
        "is_new": is_new,
        "accounts": roster,
    }));
    state.set_cookies(&mut response, Some(&token), Some(&browser));
    Ok(response)
}

/// `GET /api/auth/jwks` and `/.well-known/jwks.json`: the public keys sessions verify with,
/// every key of a rotation included.
pub async fn jwks(state: Arc<AuthHost>, _: Request) -> Result<Response, ApiError> {
    let mut response = watchword_http::with_type(
        StatusCode::OK,
        "application/jwk-set+json",
        state.jwks_json(),
    );
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}

/// `GET /api/auth/me`: the session's claims, the account and the roster.
pub async fn me(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let current = state.current(&request).await?.ok_or_else(not_signed_in)?;
    let record = state
        .browser_record(&current.browser)
        .await?
        .unwrap_or_default();
    let account = accounts::get(&*state.store, &current.session.sub)
        .await?
        .ok_or_else(not_signed_in)?;
    Ok(private_ok(&serde_json::json!({
        "ok": true,
        "session": current.session,
        "account": account.profile(),
        "accounts": roster_view(&record.roster),
    })))
}

/// Re-signs the active account of a changed roster and answers with the new cookie (or
/// clears both cookies when the roster ended empty).
async fn answer_changed(
    state: &AuthHost,
    browser: &str,
    active: Option<(Account, Proof)>,
) -> Result<Response, ApiError> {
    let Some((account, proof)) = active else {
        state.store.delete(&browser_key(browser)?).await?;
        let mut response =
            private_ok(&serde_json::json!({"ok": true, "active": null, "accounts": []}));
        state.set_cookies(&mut response, None, None);
        return Ok(response);
    };
    let now = state.clock.now();
    let (token, entry) = state.sign(&account, &proof, now)?;
    let ttl = state.roster_ttl();
    let sub = account.sub.clone();
    // Record the new session's jti; the account must still be the roster's active one.
    let roster = records::transact(
        &*state.store,
        &browser_key(browser)?,
        "roster",
        |stored: Option<BrowserRecord>| {
            let mut record = stored.ok_or_else(not_signed_in)?;
            if record.roster.active().map(|a| a.sub.as_str()) != Some(sub.as_str()) {
                return Err(records::contention("roster"));
            }
            record
                .roster
                .add(entry.clone())
                .map_err(|_| ApiError::internal())?;
            let view = roster_view(&record.roster);
            Ok((records::Change::Put(record, ttl), view))
        },
    )
    .await?;
    let mut response = private_ok(&serde_json::json!({
        "ok": true,
        "active": account.sub,
        "accounts": roster,
    }));
    state.set_cookies(&mut response, Some(&token), Some(browser));
    Ok(response)
}

/// The account and proof of the roster's active account after a change.
async fn active_of(
    state: &AuthHost,
    record: Option<(String, Proof)>,
) -> Result<Option<(Account, Proof)>, ApiError> {
    let Some((sub, proof)) = record else {
        return Ok(None);
    };
    let account = accounts::get(&*state.store, &sub).await?.ok_or_else(|| {
        ApiError::not_found("the account no longer exists").with_code("account_not_found")
    })?;
    Ok(Some((account, proof)))
}

/// `POST /api/auth/logout`: `?scope=all` (the default) signs the browser out of every
/// account; `?scope=current` only out of the active one, and the next account of the roster
/// becomes active.
pub async fn logout(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let all = match request.query("scope").as_deref() {
        None | Some("all") => true,
        Some("current") => false,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                format!("scope must be current or all, not {other:?}"),
            ))
        }
    };
    let Some(browser) = browser_handle(&request) else {
        // Nothing held here: clearing the cookies is the whole answer.
        let mut response =
            private_ok(&serde_json::json!({"ok": true, "active": null, "accounts": []}));
        state.set_cookies(&mut response, None, None);
        return Ok(response);
    };
    let now = state.clock.now();
    let ttl = state.roster_ttl();
    let next = records::transact(
        &*state.store,
        &browser_key(&browser)?,
        "roster",
        |stored: Option<BrowserRecord>| {
            let Some(mut record) = stored else {
                return Ok((records::Change::Keep, None));
            };
            if all {
                return Ok((records::Change::Delete, None));
            }
            if let Some(gone) = record.roster.log_out_active() {
                record.proofs.remove(&gone.sub);
            }
            for gone in record.roster.remove_expired(now) {
                record.proofs.remove(&gone.sub);
            }
            let next = record.roster.active().map(|a| {
                let proof = record.proofs.get(&a.sub).cloned().unwrap_or_default();
                (a.sub.clone(), proof)
            });
            if record.roster.is_empty() {
                return Ok((records::Change::Delete, None));
            }
            Ok((records::Change::Put(record, ttl), next))
        },
    )
    .await?;
    let active = active_of(&state, next).await?;
    answer_changed(&state, &browser, active).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SwitchBody {
    sub: String,
}

/// `POST /api/auth/switch {sub}`: makes another account of the browser's roster active.
/// `401` without a session, `404 not_in_roster`, `403 session_expired` when that account's
/// session has expired (sign in to it again), `409 already_active`.
pub async fn switch(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let body: SwitchBody = request.json()?;
    let current = state.current(&request).await?.ok_or_else(not_signed_in)?;
    if current.session.sub == body.sub {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_active",
            "that account is already the active one",
        ));
    }
    let now = state.clock.now();
    let ttl = state.roster_ttl();
    let target = body.sub.clone();
    let next = records::transact(
        &*state.store,
        &browser_key(&current.browser)?,
        "roster",
        |stored: Option<BrowserRecord>| {
            let mut record = stored.ok_or_else(not_signed_in)?;
            let entry = record.roster.get(&target).ok_or_else(|| {
                ApiError::not_found("this browser holds no such account").with_code("not_in_roster")
            })?;
            if entry.expired(now) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "session_expired",
                    "that account's session has expired: sign in to it again",
                ));
            }
            record
                .roster
                .switch(&target)
                .map_err(|_| ApiError::internal())?;
            let proof = record.proofs.get(&target).cloned().unwrap_or_default();
            Ok((
                records::Change::Put(record, ttl),
                Some((target.clone(), proof)),
            ))
        },
    )
    .await?;
    let active = active_of(&state, next).await?;
    answer_changed(&state, &current.browser, active).await
}

/// `GET /api/auth/account`: the active account.
pub async fn account(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let current = state.current(&request).await?.ok_or_else(not_signed_in)?;
    let account = accounts::get(&*state.store, &current.session.sub)
        .await?
        .ok_or_else(not_signed_in)?;
    Ok(private_ok(
        &serde_json::json!({"ok": true, "account": account.profile()}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountPatch {
    /// A new display name; `null` or `""` removes it.
    #[serde(default, deserialize_with = "present")]
    name: Option<serde_json::Value>,
    /// A new sign-in email, with the code `/api/auth/email-otp/start` sent to it.
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// Tells an absent field (`None`) from `null` (`Some(Value::Null)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

/// Checks a display name: at most 64 characters, no control characters.
fn check_name(name: &str) -> Result<Option<String>, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("a name is at most {MAX_NAME_CHARS} characters, without control characters"),
        ));
    }
    Ok(Some(name.to_owned()))
}

/// `PATCH /api/auth/account {name?, email?, code?}`: sets the display name, or changes the
/// sign-in email (with the code sent to the new address). The session is re-signed so the
/// cookie carries the new name.
pub async fn update_account(state: Arc<AuthHost>, request: Request) -> Result<Response, ApiError> {
    let patch: AccountPatch = request.json()?;
    let current = state.current(&request).await?.ok_or_else(not_signed_in)?;
    let sub = current.session.sub.clone();
    let name = match &patch.name {
        Some(serde_json::Value::String(name)) => Some(check_name(name)?),
        Some(serde_json::Value::Null) => Some(None),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_name",
                "name is a string or null",
            ))
        }
        None => None,
    };
    let email = match (&patch.email, &patch.code) {
        (None, None) => None,
        (Some(email), Some(code)) => {
            let email = crate::email::normalise(email)?;
            crate::email::redeem(&state, &request, &email, code).await?;
            accounts::claim_email(&*state.store, &email, &sub).await?;
            Some(email)
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "changing the email takes both email and the code sent to it",
            ))
        }
    };
    if name.is_none() && email.is_none() {
        return Err(ApiError::bad_request(
            "invalid_request",
            "nothing to change: send name or email",
        ));
    }
    let mut previous = None;
    let account = accounts::update(&*state.store, &sub, |account| {
        if let Some(name) = &name {
            account.name.clone_from(name);
        }
        if let Some(email) = &email {
            previous = account
                .email
                .replace(email.clone())
                .filter(|old| old != email);
        }
        Ok(())
    })
    .await?;
    if let Some(old) = previous {
        accounts::release_email(&*state.store, &old, &sub).await?;
    }
    let proof = state
        .browser_record(&current.browser)
        .await?
        .and_then(|r| r.proofs.get(&sub).cloned())
        .unwrap_or_default();
    let mut response =
        answer_changed(&state, &current.browser, Some((account.clone(), proof))).await?;
    // The body names the account rather than the roster.
    let body = serde_json::to_vec(&serde_json::json!({"ok": true, "account": account.profile()}))
        .map_err(|_| ApiError::internal())?;
    *response.body_mut() = watchword_http::full(StatusCode::OK, body).into_body();
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert_eq!(check_name("  Ada  ").unwrap(), Some("Ada".into()));
        assert_eq!(check_name("  ").unwrap(), None);
        assert_eq!(
            check_name(&"é".repeat(64))
                .unwrap()
                .unwrap()
                .chars()
                .count(),
            64
        );
        assert_eq!(
            check_name(&"é".repeat(65)).unwrap_err().code(),
            "invalid_name"
        );
        assert_eq!(check_name("a\nb").unwrap_err().code(), "invalid_name");
    }

    #[test]
    fn an_absent_name_differs_from_null() {
        let absent: AccountPatch = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.name, None);
        let null: AccountPatch = serde_json::from_str(r#"{"name":null}"#).unwrap();
        assert_eq!(null.name, Some(serde_json::Value::Null));
    }
}
