//! What the approval surface stores, and under which keys:
//!
//! | kind | id | value | lifetime |
//! |---|---|---|---|
//! | `tx` | SHA-256 of the transaction id | [`Record`] | the transaction's, plus a minute |
//! | `token` | SHA-256 of a standard flow's token | the `tx` id | the transaction's, plus a minute |
//! | `pending` | SHA-256 of the customer's address | [`Pending`] (a customer's open requests) | the last request's, plus a minute |
//! | `attachment` | the `tx` id and a random suffix | [`Attachment`] (a photo, scan or signature) | the transaction's, plus a minute |
//! | `device` | the device id | [`Device`] | a year from its last answer |
//! | `enrol` | SHA-256 of an enrolment code | [`Enrolment`] (whose device it will be) | 15 minutes, single use |
//!
//! A standard flow's token is kept in the clear in its [`Record`] until it is redeemed, for
//! the partner's page to pick up; only the owner's server key can redeem it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use watchword_approval::{PageType, Transaction};
use watchword_http::records::{self, Change};
use watchword_http::{ApiError, StatusCode};
use watchword_store::{Key, Store};
use watchword_token::UnixTime;

use crate::SURFACE;

/// How long a finished transaction stays readable after it expires.
pub const GRACE_SECS: u64 = 60;
/// How long a device stays enrolled without being used.
pub const DEVICE_SECS: u64 = 365 * 24 * 3600;

/// One transaction as stored: the state machine's part and what the server adds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The state machine.
    pub tx: Transaction,
    /// The page type `GetHTML` chose; `None` until then (the phone is asked meanwhile).
    #[serde(default)]
    pub page_type: Option<PageType>,
    /// The single-use token, kept for the partner's page to pick up until it is redeemed.
    #[serde(default)]
    pub page_token: Option<String>,
    /// The id of the attachment the approval carries, until it is handed over.
    #[serde(default)]
    pub attachment: Option<String>,
    /// The numbers the phone offers, drawn once: drawn afresh on each look, the right one
    /// would be the one that stays.
    pub choices: Vec<u8>,
    /// The open security-key ceremony of the partner's page, if any.
    #[serde(default)]
    pub ceremony: Option<crate::security_key::Ceremony>,
}

impl Record {
    /// Whether the phone may answer: no page type chosen yet, or the phone's.
    pub fn asks_phone(&self) -> bool {
        matches!(self.page_type, None | Some(PageType::PhoneValidation))
    }

    /// How long to keep the record from `now`.
    pub fn ttl(&self, now: UnixTime) -> Duration {
        ttl_until(self.tx.expires_at(), now)
    }
}

/// The time from `now` until `expires_at` plus [`GRACE_SECS`].
pub fn ttl_until(expires_at: UnixTime, now: UnixTime) -> Duration {
    Duration::from_secs(expires_at.0.saturating_sub(now.0) + GRACE_SECS)
}

/// A customer's open requests, oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// The requests.
    pub items: Vec<PendingItem>,
}

/// One open request of a customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingItem {
    /// Its `tx` id.
    pub id: String,
    /// The partner that asked.
    pub owner: String,
    /// When it expires.
    pub expires_at: UnixTime,
}

/// What an enrolment code enrols.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrolment {
    /// The customer's address, in lowercase.
    pub user_mail: String,
    /// The partner that vouched for the customer (`GetEnrolmentLink`); `None` when the
    /// customer proved the address by opening a mailed link.
    pub partner: Option<String>,
}

/// A photo, a scan or a drawn signature the customer sent with an approval.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// `photo`, `scan` or `signature`.
    pub kind: String,
    /// Its media type (`image/jpeg`, `image/png`, `image/webp`).
    pub media_type: String,
    /// The bytes, base64.
    pub data: String,
    /// For a signature: the device key's ECDSA P-256 signature over the message (base64url,
    /// IEEE P1363), and the device's public key as a JWK, for the partner to check.
    #[serde(default)]
    pub message_signature: Option<String>,
    /// The device's public key (JWK), when a signature is attached.
    #[serde(default)]
    pub device_key: Option<serde_json::Value>,
}

/// An enrolled device: whose it is and its public key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// The customer's address, in lowercase.
    pub user_mail: String,
    /// The device key: an uncompressed P-256 point (65 bytes), base64url.
    pub public_key: String,
    /// The only partner whose requests the device answers, when it was enrolled through that
    /// partner's `GetEnrolmentLink`; `None` (every partner) when enrolled from a mailed link.
    #[serde(default)]
    pub partner: Option<String>,
    /// When it was enrolled.
    pub enrolled_at: UnixTime,
}

impl Device {
    /// Whether the device answers requests of partner `owner`.
    pub fn answers_for(&self, owner: &str) -> bool {
        self.partner
            .as_deref()
            .is_none_or(|partner| partner == owner)
    }
}

fn key(kind: &str, id: &str) -> Result<Key, ApiError> {
    Key::new(SURFACE, kind, id).map_err(|_| ApiError::internal())
}

/// The key of transaction `storage_key`.
pub fn tx_key(storage_key: &str) -> Result<Key, ApiError> {
    key("tx", storage_key)
}

/// The key of the token index entry of `lookup`.
pub fn token_key(lookup: &str) -> Result<Key, ApiError> {
    key("token", lookup)
}

/// The key of attachment `id`.
pub fn attachment_key(id: &str) -> Result<Key, ApiError> {
    key("attachment", id)
}

/// The key of device `id`.
pub fn device_key(id: &str) -> Result<Key, ApiError> {
    if id.len() != 22
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(unknown_device());
    }
    key("device", id)
}

/// The key of enrolment code `code`.
pub fn enrol_key(code: &str) -> Result<Key, ApiError> {
    key("enrol", &watchword_http::sha256_hex(code.trim().as_bytes()))
}

/// The key of `user_mail`'s pending index.
pub fn pending_key(user_mail: &str) -> Result<Key, ApiError> {
    key("pending", &watchword_http::sha256_hex(user_mail.as_bytes()))
}

/// `401 unknown_device`: a device id that is not enrolled (or was removed).
pub fn unknown_device() -> ApiError {
    ApiError::unauthorized("this device is not enrolled; enrol it again from the link")
        .with_code("unknown_device")
}

/// `404 unknown_transaction`, for ids that are unknown, expired or another partner's alike.
pub fn unknown_transaction() -> ApiError {
    ApiError::not_found("no such transaction (unknown, expired, or another client's)")
        .with_code("unknown_transaction")
}

/// Maps a standard flow's `token` to transaction `storage_key`, for `VerifyToken`.
///
/// # Errors
/// `503` when the store is down.
pub async fn index_token(
    store: &dyn Store,
    token: &str,
    storage_key: &str,
    expires_at: UnixTime,
    now: UnixTime,
) -> Result<(), ApiError> {
    store
        .put(
            &token_key(&watchword_approval::ApprovalToken::lookup(token))?,
            storage_key.as_bytes(),
            ttl_until(expires_at, now),
        )
        .await?;
    Ok(())
}

/// Reads transaction `storage_key`.
///
/// # Errors
/// `503` when the store is down, `500` for a record that does not parse.
pub async fn load(store: &dyn Store, storage_key: &str) -> Result<Option<Record>, ApiError> {
    match store.get_versioned(&tx_key(storage_key)?).await? {
        Some(stored) => records::decode(&stored.value, "approval transaction").map(Some),
        None => Ok(None),
    }
}

/// Adds `storage_key` to `user_mail`'s open requests, refusing more than `max_pending` live
/// ones from the same partner (one partner cannot use up what others may ask), and drops the
/// expired ones.
///
/// # Errors
/// `429 too_many_pending` over the limit, `503` when the store is down.
pub async fn add_pending(
    store: &dyn Store,
    user_mail: &str,
    owner: &str,
    storage_key: &str,
    expires_at: UnixTime,
    max_pending: usize,
    now: UnixTime,
) -> Result<(), ApiError> {
    let id = storage_key.to_owned();
    records::transact(store, &pending_key(user_mail)?, "pending requests", |index: Option<Pending>| {
        let mut index = index.unwrap_or_default();
        index.items.retain(|item| item.expires_at > now);
        if index.items.iter().filter(|item| item.owner == owner).count() >= max_pending {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_pending",
                format!("this customer already has {max_pending} requests waiting; let them answer or expire"),
            ));
        }
        index.items.push(PendingItem {
            id: id.clone(),
            owner: owner.to_owned(),
            expires_at,
        });
        let last = index.items.iter().map(|item| item.expires_at).max().unwrap_or(expires_at);
        Ok((Change::Put(index, ttl_until(last, now)), ()))
    })
    .await
}

/// Removes `storage_keys` (and expired entries) from `user_mail`'s open requests.
///
/// # Errors
/// `503` when the store is down.
pub async fn drop_pending(
    store: &dyn Store,
    user_mail: &str,
    storage_keys: &[String],
    now: UnixTime,
) -> Result<(), ApiError> {
    records::transact(
        store,
        &pending_key(user_mail)?,
        "pending requests",
        |index: Option<Pending>| {
            let Some(mut index) = index else {
                return Ok((Change::Keep, ()));
            };
            let before = index.items.len();
            index
                .items
                .retain(|item| item.expires_at > now && !storage_keys.contains(&item.id));
            if index.items.len() == before {
                return Ok((Change::Keep, ()));
            }
            if index.items.is_empty() {
                return Ok((Change::Delete, ()));
            }
            let last = index
                .items
                .iter()
                .map(|item| item.expires_at)
                .max()
                .unwrap_or(now);
            Ok((Change::Put(index, ttl_until(last, now)), ()))
        },
    )
    .await
}

/// Drops from `user_mail`'s open requests those whose transaction is no longer waiting for
/// the customer (decided, or gone from the store), and says how many it dropped.
///
/// A decision removes its entry itself, but a store outage between the two writes leaves the
/// entry behind, and a transaction written and then lost (a failover) leaves one too. Such
/// entries would hold the customer's places until they expire; this frees them.
///
/// # Errors
/// `503` when the store is down.
pub async fn prune_pending(
    store: &dyn Store,
    user_mail: &str,
    now: UnixTime,
) -> Result<usize, ApiError> {
    let mut finished = Vec::new();
    for id in pending(store, user_mail, now).await? {
        let waiting = load(store, &id)
            .await?
            .is_some_and(|record| matches!(record.tx.state(), watchword_approval::State::Pending));
        if !waiting {
            finished.push(id);
        }
    }
    if !finished.is_empty() {
        drop_pending(store, user_mail, &finished, now).await?;
    }
    Ok(finished.len())
}

/// The ids of `user_mail`'s open requests that have not expired.
///
/// # Errors
/// `503` when the store is down.
pub async fn pending(
    store: &dyn Store,
    user_mail: &str,
    now: UnixTime,
) -> Result<Vec<String>, ApiError> {
    let Some(stored) = store.get_versioned(&pending_key(user_mail)?).await? else {
        return Ok(Vec::new());
    };
    let index: Pending = records::decode(&stored.value, "pending requests")?;
    Ok(index
        .items
        .into_iter()
        .filter(|item| item.expires_at > now)
        .map(|item| item.id)
        .collect())
}
