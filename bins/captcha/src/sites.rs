//! The sites a captcha server protects: public id, secret, allowed origins, challenge kinds and
//! proof-of-work difficulty.
//!
//! Sites live in the store's configuration table `ww:{captcha:site}`, managed with `watchword
//! site add|list|remove`, and may also come from a JSON file given at start (`--sites`), which
//! is read once and wins over the store for the ids it names.
//!
//! The secret is used two ways: as the HMAC key of the partner's JWT (its UTF-8 bytes, so
//! `HS512` and `HS256` both work with any JWT library), and as the `secret` of `/siteverify`.
//! An HMAC verifier needs the key itself, so the store keeps the secret, not a hash of it;
//! protect the store like the secret. A second table, `ww:{captcha:site-secret}`, maps the
//! SHA-256 of each secret to its site so `/siteverify` finds the site without a scan.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use watchword_captcha::{Kind, MAX_SITE_LEN};
use watchword_http::clients::{is_origin, random_token};
use watchword_http::{ApiError, StatusCode};
use watchword_store::{Store, Table};

use crate::SURFACE;

/// The shortest secret accepted when one is chosen by hand: an `HS512` key needs 64 bytes.
pub const MIN_SECRET_LEN: usize = 64;

/// One site.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Public id, written in the page (`data-sitekey`).
    pub id: String,
    /// A name for people.
    #[serde(default)]
    pub name: String,
    /// The private key of the partner backend: JWT HMAC key and `/siteverify` secret.
    pub secret: String,
    /// Browser origins allowed to fetch and answer challenges (`https://shop.example`).
    pub origins: Vec<String>,
    /// The challenge kinds offered; the first is the default.
    pub kinds: Vec<Kind>,
    /// Base proof-of-work difficulty in bits; the server default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty: Option<u8>,
    /// When the site was added, Unix seconds.
    #[serde(default)]
    pub created_at: u64,
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Site")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("secret", &"(redacted)")
            .field("origins", &self.origins)
            .field("kinds", &self.kinds)
            .field("difficulty", &self.difficulty)
            .finish_non_exhaustive()
    }
}

impl Site {
    /// Whether browsers on `origin` may use the site.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    /// Checks every field.
    ///
    /// # Errors
    /// `400 invalid_site` naming the field.
    pub fn validate(&self) -> Result<(), ApiError> {
        if !is_site_id(&self.id) {
            return Err(invalid(format!(
                "site id {:?} must be 1 to 64 of A-Z a-z 0-9 . _ -",
                self.id
            )));
        }
        if self.secret.len() < MIN_SECRET_LEN || self.secret.len() > 512 {
            return Err(invalid(format!(
                "the secret of {} must be {MIN_SECRET_LEN} to 512 bytes",
                self.id
            )));
        }
        if let Some(origin) = self.origins.iter().find(|o| !is_origin(o)) {
            return Err(invalid(format!(
                "{origin:?} is not an origin like https://shop.example or http://localhost:8080"
            )));
        }
        if self.kinds.is_empty() {
            return Err(invalid(format!(
                "site {} offers no challenge kind",
                self.id
            )));
        }
        if self
            .difficulty
            .is_some_and(|d| d > watchword_captcha::pow::MAX_DIFFICULTY)
        {
            return Err(invalid(format!(
                "difficulty is at most {} bits",
                watchword_captcha::pow::MAX_DIFFICULTY
            )));
        }
        Ok(())
    }
}

/// Whether `id` is a well-formed site id: `[A-Za-z0-9._-]{1,64}`.
pub fn is_site_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64.min(MAX_SITE_LEN)
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn invalid(message: String) -> ApiError {
    ApiError::bad_request("invalid_site", message)
}

/// What `watchword site add` asks for.
#[derive(Debug, Clone, Default)]
pub struct NewSite {
    /// A chosen id; `site_<random>` when `None`.
    pub id: Option<String>,
    /// A name for people.
    pub name: String,
    /// A chosen secret (for reproducible demos); 64 random bytes when `None`.
    pub secret: Option<String>,
    /// Allowed origins.
    pub origins: Vec<String>,
    /// Kinds offered; `[transcription, proof_of_work]` when empty.
    pub kinds: Vec<Kind>,
    /// Base difficulty.
    pub difficulty: Option<u8>,
}

/// The hex SHA-256 of a secret: the index `/siteverify` looks sites up by.
pub fn secret_index(secret: &str) -> String {
    watchword_http::sha256_hex(secret.as_bytes())
}

/// The registry: the store's table plus the sites of a configuration file.
#[derive(Debug, Clone)]
pub struct Sites {
    table: Table,
    secrets: Table,
    fixed: BTreeMap<String, Site>,
}

impl Sites {
    /// The registry on the store, with `fixed` sites (from a file) in front of it.
    ///
    /// # Errors
    /// `400 invalid_site` for a fixed site that does not validate, or two with one id.
    pub fn new(fixed: Vec<Site>) -> Result<Self, ApiError> {
        let mut map = BTreeMap::new();
        for site in fixed {
            site.validate()?;
            let id = site.id.clone();
            if map.insert(id.clone(), site).is_some() {
                return Err(invalid(format!("site {id} is listed twice")));
            }
        }
        Ok(Self {
            table: Table::new(SURFACE, "site").map_err(|_| ApiError::internal())?,
            secrets: Table::new(SURFACE, "site-secret").map_err(|_| ApiError::internal())?,
            fixed: map,
        })
    }

    /// The site `id`.
    ///
    /// # Errors
    /// `503` when the store is down, `500` for a stored record that does not parse.
    pub async fn get(&self, store: &dyn Store, id: &str) -> Result<Option<Site>, ApiError> {
        if let Some(site) = self.fixed.get(id) {
            return Ok(Some(site.clone()));
        }
        if !is_site_id(id) {
            return Ok(None);
        }
        match store.config_get(&self.table, id).await? {
            Some(bytes) => parse(&bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The site whose secret is `secret`.
    ///
    /// # Errors
    /// As [`Sites::get`].
    pub async fn by_secret(
        &self,
        store: &dyn Store,
        secret: &str,
    ) -> Result<Option<Site>, ApiError> {
        let fixed = self.fixed.values().find(|site| {
            bool::from(subtle::ConstantTimeEq::ct_eq(
                site.secret.as_bytes(),
                secret.as_bytes(),
            ))
        });
        if let Some(site) = fixed {
            return Ok(Some(site.clone()));
        }
        let Some(id) = store
            .config_get(&self.secrets, &secret_index(secret))
            .await?
        else {
            return Ok(None);
        };
        let id = String::from_utf8(id).map_err(|_| ApiError::internal())?;
        let site = self.get(store, &id).await?;
        // The index is only a pointer: the secret itself decides.
        Ok(site.filter(|site| {
            bool::from(subtle::ConstantTimeEq::ct_eq(
                site.secret.as_bytes(),
                secret.as_bytes(),
            ))
        }))
    }

    /// Every site: the file's, then the store's.
    ///
    /// # Errors
    /// As [`Sites::get`].
    pub async fn list(&self, store: &dyn Store) -> Result<Vec<Site>, ApiError> {
        let mut sites: Vec<Site> = self.fixed.values().cloned().collect();
        for (id, bytes) in store.config_list(&self.table).await? {
            if !self.fixed.contains_key(&id) {
                sites.push(parse(&bytes)?);
            }
        }
        Ok(sites)
    }

    /// Adds a site to the store, with a random id and secret unless given.
    ///
    /// # Errors
    /// `400 invalid_site`, `409 site_exists`, `503` when the store is down.
    pub async fn add(
        &self,
        store: &dyn Store,
        new: NewSite,
        rng: &mut impl CryptoRngCore,
        now: u64,
    ) -> Result<Site, ApiError> {
        let site = Site {
            id: new
                .id
                .unwrap_or_else(|| format!("site_{}", random_token(rng, 12))),
            name: new.name,
            secret: new.secret.unwrap_or_else(|| random_token(rng, 64)),
            origins: new.origins,
            kinds: if new.kinds.is_empty() {
                vec![Kind::Transcription, Kind::ProofOfWork]
            } else {
                new.kinds
            },
            difficulty: new.difficulty,
            created_at: now,
        };
        site.validate()?;
        if self.get(store, &site.id).await?.is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "site_exists",
                format!("a site {} exists already", site.id),
            ));
        }
        store
            .config_put(
                &self.secrets,
                &secret_index(&site.secret),
                site.id.as_bytes(),
            )
            .await?;
        store
            .config_put(
                &self.table,
                &site.id,
                &serde_json::to_vec(&site).map_err(|_| ApiError::internal())?,
            )
            .await?;
        Ok(site)
    }

    /// Gives the stored site `id` a new random secret, which takes effect at once on every
    /// server (partner tokens signed with the old one stop verifying). Returns the site with
    /// its new secret, or `None` when the store has no such site.
    ///
    /// # Errors
    /// `400 invalid_site` for a site of the configuration file (change the file instead),
    /// `503` when the store is down.
    pub async fn rotate_secret(
        &self,
        store: &dyn Store,
        id: &str,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Option<Site>, ApiError> {
        if self.fixed.contains_key(id) {
            return Err(invalid(format!(
                "site {id} comes from the sites file: change its secret there"
            )));
        }
        let Some(mut site) = self.get(store, id).await? else {
            return Ok(None);
        };
        let old = std::mem::replace(&mut site.secret, random_token(rng, 64));
        store
            .config_put(
                &self.secrets,
                &secret_index(&site.secret),
                site.id.as_bytes(),
            )
            .await?;
        store
            .config_put(
                &self.table,
                &site.id,
                &serde_json::to_vec(&site).map_err(|_| ApiError::internal())?,
            )
            .await?;
        store
            .config_remove(&self.secrets, &secret_index(&old))
            .await?;
        Ok(Some(site))
    }

    /// Removes the site `id` from the store; whether it existed there.
    ///
    /// # Errors
    /// `503` when the store is down.
    pub async fn remove(&self, store: &dyn Store, id: &str) -> Result<bool, ApiError> {
        if let Some(site) = self.get(store, id).await? {
            store
                .config_remove(&self.secrets, &secret_index(&site.secret))
                .await?;
        }
        Ok(store.config_remove(&self.table, id).await?)
    }
}

fn parse(bytes: &[u8]) -> Result<Site, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        tracing::error!(%error, "a stored site record does not parse");
        ApiError::internal()
    })
}

/// The configuration file: `{"sites": [Site, …]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SitesFile {
    sites: Vec<Site>,
}

/// Why the sites file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SitesFileError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not the documented JSON.
    #[error("{path} is not a sites file: {source}")]
    NotSites {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// A site does not validate.
    #[error("{0}")]
    Invalid(String),
}

/// Reads the sites of a configuration file.
///
/// # Errors
/// When the file cannot be read, is not the documented JSON, or a site does not validate.
pub fn load_file(path: &Path) -> Result<Vec<Site>, SitesFileError> {
    let at = || path.to_owned();
    let text = std::fs::read_to_string(path)
        .map_err(|source| SitesFileError::Read { path: at(), source })?;
    let file: SitesFile = serde_json::from_str(&text)
        .map_err(|source| SitesFileError::NotSites { path: at(), source })?;
    for site in &file.sites {
        site.validate()
            .map_err(|e| SitesFileError::Invalid(format!("{}: {}", path.display(), e.message())))?;
    }
    Ok(file.sites)
}
