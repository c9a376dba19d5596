//! Accounts, and the indexes that find one from a proved identity.
//!
//! An account is a versioned record `account:{sub}`. Each way to prove who you are has an
//! index entry pointing at the account's `sub`: `by-address:{sha256(address)}`,
//! `by-email:{sha256(email)}`, `by-oauth:{sha256(provider, subject)}`,
//! `by-connect:{sha256(app, user id)}`. Index keys hash what they name, so no address or
//! email is a store key in clear and none can break the key syntax.
//!
//! Creation writes the account first (create-only under a fresh `sub`), then claims the
//! index entry create-only. Whoever loses the claim under concurrency deletes its own unused
//! account and takes the winner's: an index entry never points at nothing, and two
//! concurrent first sign-ins of one identity end in one account.

use std::time::Duration;

use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use watchword_http::{records, sha256_hex, ApiError, UnixTime};
use watchword_session::DidOc;
use watchword_store::{CasOutcome, Key, Store};

use crate::SURFACE;

/// How long account records and their indexes are kept: the store's longest lifetime.
pub const ACCOUNT_TTL: Duration = watchword_store::MAX_TTL;

/// One account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Subject identifier, the `sub` of its sessions.
    pub sub: String,
    /// The account's `did:oc`.
    pub did_oc: DidOc,
    /// Display name, set by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The email the account signs in with, proved by a code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// An email an integrator gave at provisioning, unproved: shown, never signs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// The Bitcoin address the account signs in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The OAuth providers it signed in with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<String>,
    /// When it was created.
    pub created_at: UnixTime,
}

impl Account {
    /// What `/api/auth/me` and `/api/auth/account` show.
    pub fn profile(&self) -> serde_json::Value {
        serde_json::json!({
            "sub": self.sub,
            "did_oc": self.did_oc.to_string(),
            "name": self.name,
            "email": self.email,
            "contact_email": self.contact_email,
            "address": self.address,
            "providers": self.providers,
            "created_at": self.created_at.0,
        })
    }
}

/// A proved identity: what finds or creates an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// A wallet signed a challenge for this address.
    Address(String),
    /// The person typed the code mailed to this (normalised) address.
    Email(String),
    /// An OAuth provider vouched for this subject.
    OAuth {
        /// The provider's name on this host.
        provider: String,
        /// The provider's subject identifier.
        subject: String,
        /// A name the provider gave.
        name: Option<String>,
    },
    /// An integrator's app provisioned its own user.
    Connect {
        /// The app's client id.
        app: String,
        /// The integrator's user id.
        user_id: String,
        /// The email the integrator gave, unproved.
        email: Option<String>,
    },
}

impl Identity {
    /// The index entry naming this identity.
    fn index_key(&self) -> Result<Key, ApiError> {
        let (kind, id) = match self {
            Identity::Address(address) => ("by-address", sha256_hex(address.as_bytes())),
            Identity::Email(email) => ("by-email", sha256_hex(email.as_bytes())),
            Identity::OAuth {
                provider, subject, ..
            } => (
                "by-oauth",
                sha256_hex(format!("{provider}\n{subject}").as_bytes()),
            ),
            Identity::Connect { app, user_id, .. } => (
                "by-connect",
                sha256_hex(format!("{app}\n{user_id}").as_bytes()),
            ),
        };
        Key::new(SURFACE, kind, &id).map_err(|_| ApiError::internal())
    }

    /// How the account signs in, for statistics: `wallet`, `email`, `oauth`, `connect`.
    pub fn method(&self) -> &'static str {
        match self {
            Identity::Address(_) => "wallet",
            Identity::Email(_) => "email",
            Identity::OAuth { .. } => "oauth",
            Identity::Connect { .. } => "connect",
        }
    }

    fn new_account(&self, rng: &mut impl CryptoRngCore, now: UnixTime) -> Account {
        let mut account = Account {
            sub: format!("u_{}", crate::random_hex(rng)),
            did_oc: DidOc::random(rng),
            name: None,
            email: None,
            contact_email: None,
            address: None,
            providers: Vec::new(),
            created_at: now,
        };
        match self {
            Identity::Address(address) => account.address = Some(address.clone()),
            Identity::Email(email) => account.email = Some(email.clone()),
            Identity::OAuth { provider, name, .. } => {
                account.providers.push(provider.clone());
                account.name.clone_from(name);
            }
            Identity::Connect { email, .. } => account.contact_email.clone_from(email),
        }
        account
    }
}

/// The key of account `sub`.
pub fn account_key(sub: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, "account", &sha256_hex(sub.as_bytes())).map_err(|_| ApiError::internal())
}

/// Reads account `sub`.
///
/// # Errors
/// `503` when the store is down, `500` for a record that does not parse.
pub async fn get(store: &dyn Store, sub: &str) -> Result<Option<Account>, ApiError> {
    match store.get_versioned(&account_key(sub)?).await? {
        Some(record) => Ok(Some(records::decode(&record.value, "account")?)),
        None => Ok(None),
    }
}

/// The account `identity` names, created when there is none; `true` when it was created.
///
/// # Errors
/// `503` when the store is down.
pub async fn find_or_create(
    store: &dyn Store,
    identity: &Identity,
    rng: &mut impl CryptoRngCore,
    now: UnixTime,
) -> Result<(Account, bool), ApiError> {
    let index = identity.index_key()?;
    if let Some(account) = follow(store, &index).await? {
        return Ok((account, false));
    }
    let account = identity.new_account(rng, now);
    let key = account_key(&account.sub)?;
    let bytes = records::encode(&account)?;
    match store
        .compare_and_swap(&key, None, Some((&bytes, ACCOUNT_TTL)))
        .await?
    {
        CasOutcome::Swapped { .. } => {}
        // 128 random bits collided: treat as a store fault rather than share an account.
        CasOutcome::Conflict { .. } => return Err(ApiError::internal()),
    }
    if store
        .put_new(&index, account.sub.as_bytes(), ACCOUNT_TTL)
        .await?
    {
        return Ok((account, true));
    }
    // Someone else created the account for this identity first: use theirs.
    store.delete(&key).await?;
    match follow(store, &index).await? {
        Some(account) => Ok((account, false)),
        None => Err(records::contention("account")),
    }
}

/// The account an index entry points at.
async fn follow(store: &dyn Store, index: &Key) -> Result<Option<Account>, ApiError> {
    let Some(sub) = store.get(index).await? else {
        return Ok(None);
    };
    let sub = String::from_utf8(sub).map_err(|_| ApiError::internal())?;
    let account = get(store, &sub).await?;
    if account.is_none() {
        tracing::error!("an account index entry points at a missing account");
        return Err(ApiError::internal());
    }
    Ok(account)
}

/// Changes account `sub` with `edit` (a compare-and-swap, retried on contention).
///
/// # Errors
/// `404 account_not_found`, what `edit` returns, `503` when the store is down or contended.
pub async fn update(
    store: &dyn Store,
    sub: &str,
    mut edit: impl FnMut(&mut Account) -> Result<(), ApiError>,
) -> Result<Account, ApiError> {
    records::transact(
        store,
        &account_key(sub)?,
        "account",
        |stored: Option<Account>| {
            let mut account = stored.ok_or_else(|| {
                ApiError::not_found("the account no longer exists").with_code("account_not_found")
            })?;
            edit(&mut account)?;
            Ok((records::Change::Put(account.clone(), ACCOUNT_TTL), account))
        },
    )
    .await
}

/// Makes `email` sign in to account `sub`: claims its index entry create-only.
///
/// # Errors
/// `409 email_taken` when it signs in to another account; `503` when the store is down.
pub async fn claim_email(store: &dyn Store, email: &str, sub: &str) -> Result<(), ApiError> {
    let index = Identity::Email(email.to_owned()).index_key()?;
    if store.put_new(&index, sub.as_bytes(), ACCOUNT_TTL).await? {
        return Ok(());
    }
    match store.get(&index).await? {
        Some(owner) if owner == sub.as_bytes() => Ok(()),
        _ => Err(ApiError::new(
            http::StatusCode::CONFLICT,
            "email_taken",
            "this email already signs in to another account",
        )),
    }
}

/// Stops `email` from signing in to account `sub` (after the account changed its email).
///
/// # Errors
/// `503` when the store is down.
pub async fn release_email(store: &dyn Store, email: &str, sub: &str) -> Result<(), ApiError> {
    let index = Identity::Email(email.to_owned()).index_key()?;
    if store.get(&index).await?.as_deref() == Some(sub.as_bytes()) {
        store.delete(&index).await?;
    }
    Ok(())
}
