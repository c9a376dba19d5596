//! The partners of the approval surface and their API keys, in the store's configuration
//! tables: `ww:{approval:partner}` (id → partner) and `ww:{approval:key}` (a key's lookup →
//! its partner and role). Keys are stored only as their lookup hash, so a dump of the store
//! holds no usable key. Managed with `watchword client add|list|remove --surface approval`.

use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use watchword_approval::{ApiKey, KeyRole};
use watchword_http::clients::is_origin;
use watchword_http::{ApiError, StatusCode};
use watchword_store::{Store, Table};
use watchword_token::UnixTime;

use crate::SURFACE;

/// One partner: a site or application that asks its customers for approvals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    /// Its identifier, the owner of its transactions.
    pub id: String,
    /// A name shown to customers on the approver app ("Example Bank asks …").
    pub name: String,
    /// The browser origins its `JS-` key and its pages may be used from.
    pub origins: Vec<String>,
    /// When it was added.
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    partner: String,
    server: bool,
}

/// A partner just added, with its two keys: the only time they are known.
#[derive(Debug, Clone)]
pub struct Added {
    /// The partner.
    pub partner: Partner,
    /// Its server key (`SRV-…`).
    pub server_key: ApiKey,
    /// Its browser key (`JS-…`).
    pub browser_key: ApiKey,
}

/// What adding a partner takes.
#[derive(Debug, Clone, Default)]
pub struct NewPartner {
    /// A chosen id (`[A-Za-z0-9._-]{1,64}`), or a random one.
    pub id: Option<String>,
    /// A name for customers.
    pub name: String,
    /// Allowed browser origins.
    pub origins: Vec<String>,
    /// Chosen keys (a reproducible demo), or fresh ones.
    pub keys: Option<(ApiKey, ApiKey)>,
}

/// The partner registry.
#[derive(Debug, Clone)]
pub struct Partners {
    partners: Table,
    keys: Table,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_client", message)
}

impl Partners {
    /// The registry of the approval surface.
    ///
    /// # Errors
    /// Never in practice (the table names are constants).
    pub fn new() -> Result<Self, watchword_store::Error> {
        Ok(Self {
            partners: Table::new(SURFACE, "partner")?,
            keys: Table::new(SURFACE, "key")?,
        })
    }

    /// Adds a partner with a server key and a browser key.
    ///
    /// # Errors
    /// `400 invalid_client` for a bad id, name or origin, `409 client_exists` for a taken id,
    /// `503` when the store is down.
    pub async fn add(
        &self,
        store: &dyn Store,
        new: NewPartner,
        rng: &mut impl CryptoRngCore,
        now: UnixTime,
    ) -> Result<Added, ApiError> {
        let id = match new.id {
            Some(id) => id,
            None => format!("pt_{}", watchword_http::clients::random_token(rng, 12)),
        };
        if id.is_empty()
            || id.len() > 64
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(invalid("the id must be 1 to 64 of A-Z a-z 0-9 . _ -"));
        }
        let name = new.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err(invalid("the name must be 1 to 80 characters"));
        }
        if let Some(origin) = new.origins.iter().find(|o| !is_origin(o)) {
            return Err(invalid(format!(
                "{origin:?} is not an origin (scheme://host[:port])"
            )));
        }
        if store.config_get(&self.partners, &id).await?.is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "client_exists",
                format!("a partner {id:?} exists"),
            ));
        }
        let (server_key, browser_key) = new.keys.unwrap_or_else(|| {
            (
                ApiKey::generate(KeyRole::Server, rng),
                ApiKey::generate(KeyRole::Browser, rng),
            )
        });
        let partner = Partner {
            id,
            name,
            origins: new.origins,
            created_at: now,
        };
        store
            .config_put(&self.partners, &partner.id, &encode(&partner)?)
            .await?;
        for (key, server) in [(&server_key, true), (&browser_key, false)] {
            let entry = KeyEntry {
                partner: partner.id.clone(),
                server,
            };
            store
                .config_put(&self.keys, &key.lookup(), &encode(&entry)?)
                .await?;
        }
        Ok(Added {
            partner,
            server_key,
            browser_key,
        })
    }

    /// Every partner.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn list(&self, store: &dyn Store) -> Result<Vec<Partner>, ApiError> {
        store
            .config_list(&self.partners)
            .await?
            .iter()
            .map(|(_, bytes)| decode(bytes))
            .collect()
    }

    /// Partner `id`, if any.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn get(&self, store: &dyn Store, id: &str) -> Result<Option<Partner>, ApiError> {
        match store.config_get(&self.partners, id).await? {
            Some(bytes) => decode(&bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Removes partner `id` and its keys; whether it existed.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn remove(&self, store: &dyn Store, id: &str) -> Result<bool, ApiError> {
        for (lookup, bytes) in store.config_list(&self.keys).await? {
            let entry: KeyEntry = decode(&bytes)?;
            if entry.partner == id {
                store.config_remove(&self.keys, &lookup).await?;
            }
        }
        Ok(store.config_remove(&self.partners, id).await?)
    }

    /// The partner holding `key`, if the key is registered with the role its prefix names.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn find(&self, store: &dyn Store, key: &ApiKey) -> Result<Option<Partner>, ApiError> {
        let Some(bytes) = store.config_get(&self.keys, &key.lookup()).await? else {
            return Ok(None);
        };
        let entry: KeyEntry = decode(&bytes)?;
        if entry.server != (key.role() == KeyRole::Server) {
            return Ok(None);
        }
        self.get(store, &entry.partner).await
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    watchword_http::records::encode(value)
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    watchword_http::records::decode(bytes, "approval partner")
}
