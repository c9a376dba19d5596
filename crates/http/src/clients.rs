//! The registry of API clients (apps, portals, partner backends) shared by every surface, and
//! HTTP Basic authentication against it.
//!
//! A client has a public id and a secret. The secret is 256 random bits shown once when the
//! client is created; the store keeps only its SHA-256, so a dump of the store cannot
//! authenticate as anyone. Clients live in one configuration table per surface
//! (`ww:{<surface>:client}`), managed with `watchword client add|list|remove`.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use http::header::{HeaderValue, WWW_AUTHENTICATE};
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use watchword_store::{Store, Table};
use watchword_token::UnixTime;

use crate::error::ApiError;
use crate::request::Request;

/// One registered client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// Public identifier, used as the Basic user name.
    pub id: String,
    /// Hex SHA-256 of the secret.
    pub secret_sha256: String,
    /// What the client is to its surface, for example `app` or `portal` on `twoway`.
    pub role: String,
    /// A name for people.
    pub name: String,
    /// Browser origins allowed to call this client's browser-facing endpoints.
    #[serde(default)]
    pub origins: Vec<String>,
    /// What the client may act on, for example the identity providers of a `twoway` app.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// A public application id, for surfaces whose browser SDK names the app (`passkey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// When the client was created, Unix seconds.
    pub created_at: UnixTime,
}

impl Client {
    /// Whether `scope` is one of the client's scopes.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// What `watchword client add` asks for.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    /// The role on its surface.
    pub role: String,
    /// A name for people.
    pub name: String,
    /// Allowed browser origins.
    pub origins: Vec<String>,
    /// Scopes.
    pub scopes: Vec<String>,
    /// A public application id, if the surface uses one.
    pub app_id: Option<String>,
    /// A chosen id; a random one when `None`.
    pub id: Option<String>,
    /// A chosen secret (for reproducible demos); a random one when `None`.
    pub secret: Option<String>,
}

/// A client just created, with its secret: the only time the secret is known.
#[derive(Debug, Clone)]
pub struct Created {
    /// The stored record.
    pub client: Client,
    /// The secret to hand to the client's operator.
    pub secret: String,
}

/// The clients of one surface.
#[derive(Debug, Clone)]
pub struct Clients {
    table: Table,
}

/// The shortest secret accepted when one is chosen by hand.
pub const MIN_SECRET_LEN: usize = 32;

impl Clients {
    /// The registry of `surface`.
    ///
    /// # Errors
    /// When `surface` is not a valid key part (`[a-z0-9-]+`).
    pub fn new(surface: &str) -> Result<Self, watchword_store::Error> {
        Ok(Self {
            table: Table::new(surface, "client")?,
        })
    }

    /// Creates a client, with a random id and secret unless given.
    ///
    /// # Errors
    /// `400 invalid_client` for an id that is not `[A-Za-z0-9._-]{1,64}`, a chosen secret
    /// shorter than [`MIN_SECRET_LEN`] or an origin that is not `scheme://host[:port]`;
    /// `409 client_exists` when the id is taken; `503` when the store is down.
    pub async fn add(
        &self,
        store: &dyn Store,
        new: NewClient,
        rng: &mut impl CryptoRngCore,
        now: UnixTime,
    ) -> Result<Created, ApiError> {
        let id = match new.id {
            Some(id) => id,
            None => format!("cl_{}", random_token(rng, 12)),
        };
        if id.is_empty()
            || id.len() > 64
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(ApiError::bad_request(
                "invalid_client",
                format!("client id {id:?} must be 1 to 64 of A-Z a-z 0-9 . _ -"),
            ));
        }
        let secret = match new.secret {
            Some(secret) if secret.len() < MIN_SECRET_LEN => {
                return Err(ApiError::bad_request(
                    "invalid_client",
                    format!("a client secret needs at least {MIN_SECRET_LEN} characters"),
                ));
            }
            Some(secret) => secret,
            None => random_token(rng, 32),
        };
        for origin in &new.origins {
            if !is_origin(origin) {
                return Err(ApiError::bad_request("invalid_client", format!("{origin:?} is not an origin like https://shop.example or http://localhost:8080")));
            }
        }
        if store.config_get(&self.table, &id).await?.is_some() {
            return Err(ApiError::new(
                http::StatusCode::CONFLICT,
                "client_exists",
                format!("a client {id} exists already"),
            ));
        }
        let client = Client {
            id: id.clone(),
            secret_sha256: sha256_hex(secret.as_bytes()),
            role: new.role,
            name: new.name,
            origins: new.origins,
            scopes: new.scopes,
            app_id: new.app_id,
            created_at: now,
        };
        store
            .config_put(
                &self.table,
                &id,
                &serde_json::to_vec(&client).map_err(|_| ApiError::internal())?,
            )
            .await?;
        Ok(Created { client, secret })
    }

    /// Every client, by id.
    ///
    /// # Errors
    /// `503` when the store is down; `500` for a record that does not parse.
    pub async fn list(&self, store: &dyn Store) -> Result<Vec<Client>, ApiError> {
        store
            .config_list(&self.table)
            .await?
            .into_iter()
            .map(|(_, bytes)| parse(&bytes))
            .collect()
    }

    /// The client `id`, if registered.
    ///
    /// # Errors
    /// As [`Clients::list`].
    pub async fn get(&self, store: &dyn Store, id: &str) -> Result<Option<Client>, ApiError> {
        match store.config_get(&self.table, id).await? {
            Some(bytes) => parse(&bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Removes the client `id`; whether it existed.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn remove(&self, store: &dyn Store, id: &str) -> Result<bool, ApiError> {
        Ok(store.config_remove(&self.table, id).await?)
    }

    /// Authenticates the request's `Authorization: Basic` credentials as a client with
    /// `role`.
    ///
    /// # Errors
    /// `401 unauthorized` (with `WWW-Authenticate`) for missing, malformed or wrong
    /// credentials and for a client of another role; one message for all of them, so the
    /// answer does not tell which ids exist. `503` when the store is down.
    pub async fn authenticate(
        &self,
        store: &dyn Store,
        request: &Request,
        role: &str,
    ) -> Result<Client, ApiError> {
        let refused = || {
            ApiError::unauthorized("client credentials are missing or wrong").with_header(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"watchword\", charset=\"UTF-8\""),
            )
        };
        let (id, secret) = basic_credentials(request).ok_or_else(refused)?;
        self.check_secret(store, &id, &secret, role)
            .await?
            .ok_or_else(refused)
    }

    /// The client `id` of `role` if `secret` is its secret; `None` otherwise (unknown id,
    /// wrong secret, other role: one answer for all). For surfaces whose compatible API sends
    /// the credentials in headers of its own rather than HTTP Basic.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn check_secret(
        &self,
        store: &dyn Store,
        id: &str,
        secret: &str,
        role: &str,
    ) -> Result<Option<Client>, ApiError> {
        if id.is_empty() || id.len() > 64 || id.contains(['{', '}']) {
            return Ok(None);
        }
        let Some(client) = self.get(store, id).await? else {
            return Ok(None);
        };
        let given = sha256_hex(secret.as_bytes());
        let same: bool = given
            .as_bytes()
            .ct_eq(client.secret_sha256.as_bytes())
            .into();
        Ok((same && client.role == role).then_some(client))
    }
}

fn parse(bytes: &[u8]) -> Result<Client, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        tracing::error!(%error, "a stored client record does not parse");
        ApiError::internal()
    })
}

/// The `(id, secret)` of an `Authorization: Basic` header.
pub fn basic_credentials(request: &Request) -> Option<(String, String)> {
    let value = request.header("authorization")?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// `n` random bytes as base64url.
pub fn random_token(rng: &mut impl CryptoRngCore, n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

use crate::sha256_hex;

/// Whether `text` is a serialised origin: `scheme://host[:port]` with nothing after.
pub fn is_origin(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}
