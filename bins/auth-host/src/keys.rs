//! The session signing keys: a key-set file, its rotation, and reloading it while serving.
//!
//! The file is a JWK Set of private Ed25519 keys, `{"keys": [newest, …older]}`. The first key
//! signs new sessions; the others only verify, and all of them are published at
//! `/api/auth/jwks`, so consumers that cached the set keep accepting sessions signed before a
//! rotation. `watchword keys rotate --file F` puts a new key first and drops the keys beyond
//! the ones it is told to keep; a running host notices the changed file within
//! [`RELOAD_CHECK_SECS`] and switches to the new key without a restart.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use rand_core::CryptoRngCore;
use watchword_session::{Jwk, SessionIssuer, SessionRules, SessionVerifier};
use watchword_token::{Ed25519SigningKey, JwkKey, Jwks};

/// How often, at most, a serving host looks at the key file's modification time.
pub const RELOAD_CHECK_SECS: u64 = 5;

/// Why a key set could not be loaded or rotated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file does not hold a JWK Set of private Ed25519 keys.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The session issuer refused a key.
    #[error("building the session issuer: {0}")]
    Issuer(#[from] watchword_session::Error),
}

/// The private keys of a key-set file, newest first.
#[derive(Debug, Clone)]
pub struct KeySet {
    keys: Vec<Jwk>,
}

impl KeySet {
    /// A set of one fresh key.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        Self {
            keys: vec![with_kid(Jwk::generate_ed25519(rng))],
        }
    }

    /// Reads a key-set file.
    ///
    /// # Errors
    /// When the file is unreadable, not a JWK Set, empty, or holds a key that is not a
    /// private Ed25519 key.
    pub fn read(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|reason| KeyError::Invalid {
            path: path.to_owned(),
            reason,
        })
    }

    fn parse(text: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let list = value
            .get("keys")
            .and_then(serde_json::Value::as_array)
            .ok_or("not a JWK Set (no \"keys\" array)")?;
        if list.is_empty() {
            return Err("the key set is empty".into());
        }
        let mut keys = Vec::with_capacity(list.len());
        for (index, item) in list.iter().enumerate() {
            let jwk = Jwk::from_json(&item.to_string())
                .map_err(|e| format!("key {index} is not a usable JWK: {e}"))?;
            if private(&jwk).is_none() {
                return Err(format!("key {index} is not a private Ed25519 key"));
            }
            keys.push(with_kid(jwk));
        }
        Ok(Self { keys })
    }

    /// The set with a new key first and at most `keep` keys in all, the new one included
    /// (the newest of the previous keys stay).
    #[must_use]
    pub fn rotated(mut self, rng: &mut impl CryptoRngCore, keep: usize) -> Self {
        self.keys.truncate(keep.saturating_sub(1));
        self.keys.insert(0, with_kid(Jwk::generate_ed25519(rng)));
        self
    }

    /// The `kid`s, newest first.
    pub fn kids(&self) -> Vec<String> {
        self.keys
            .iter()
            .filter_map(|k| k.kid().map(str::to_owned))
            .collect()
    }

    /// The file's text.
    pub fn to_json(&self) -> String {
        let keys: Vec<serde_json::Value> = self
            .keys
            .iter()
            .filter_map(|k| serde_json::from_str(&k.to_json()).ok())
            .collect();
        let mut text =
            serde_json::to_string_pretty(&serde_json::json!({ "keys": keys })).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The public keys, as published.
    pub fn public(&self) -> Jwks {
        Jwks::new(self.keys.iter().filter_map(Jwk::to_public).collect())
    }

    /// Writes the set to `path` (owner-only permissions), replacing it atomically.
    ///
    /// # Errors
    /// When the directory is not writable.
    pub fn write(&self, path: &Path) -> Result<(), KeyError> {
        let io = |source| KeyError::Io {
            path: path.to_owned(),
            source,
        };
        let tmp = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(io)?;
        std::io::Write::write_all(&mut file, self.to_json().as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// A session issuer signing with the newest key and verifying with all.
    ///
    /// # Errors
    /// When the issuer refuses a key (a duplicate `kid`).
    pub fn issuer(&self, issuer: &str, lifetime: u64) -> Result<SessionIssuer, KeyError> {
        let mut out = SessionIssuer::new(issuer, lifetime);
        for jwk in self.keys.iter().skip(1).rev() {
            if let (Some(kid), Some(key)) = (jwk.kid(), private(jwk)) {
                out.add_retired_key(kid, key.verifying_key())?;
            }
        }
        if let (Some(kid), Some(key)) = (self.keys[0].kid(), private(&self.keys[0])) {
            out.add_key(kid, key.clone())?;
        }
        Ok(out)
    }
}

/// The private Ed25519 key of `jwk`, if that is what it holds.
fn private(jwk: &Jwk) -> Option<&Ed25519SigningKey> {
    match jwk.key() {
        JwkKey::Ed25519Private(key) => Some(key),
        _ => None,
    }
}

/// The key with its thumbprint as `kid` when it has none.
fn with_kid(jwk: Jwk) -> Jwk {
    match (jwk.kid(), jwk.thumbprint()) {
        (None, Some(kid)) => Jwk::new(jwk.key().clone(), Some(kid)),
        _ => jwk,
    }
}

/// `watchword keys rotate --file F --keep N`: creates the file with one key when it does not
/// exist; otherwise puts a new key first and keeps `keep` keys in all. Returns the new set.
///
/// # Errors
/// When the file exists but does not load, or cannot be written.
pub fn rotate(path: &Path, keep: usize, rng: &mut impl CryptoRngCore) -> Result<KeySet, KeyError> {
    let set = match KeySet::read(path) {
        Ok(set) => set.rotated(rng, keep),
        Err(KeyError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            KeySet::generate(rng)
        }
        Err(error) => return Err(error),
    };
    set.write(path)?;
    Ok(set)
}

/// The issuer a host signs with, reloaded when its key file changes.
#[derive(Debug, Clone)]
pub struct Keys(Arc<Mutex<Loaded>>);

#[derive(Debug)]
struct Loaded {
    signing: Arc<Signing>,
    source: Option<Source>,
}

/// One key set in use, with what every request reads of it made once per load: the verifier
/// of the host's own sessions and the public JWK Set as served.
#[derive(Debug)]
pub struct Signing {
    issuer: SessionIssuer,
    verifier: SessionVerifier,
    jwks_json: String,
}

impl Signing {
    fn new(issuer: SessionIssuer) -> Result<Self, KeyError> {
        let rules = SessionRules::new(crate::session::LEEWAY).issuer(issuer.name());
        let jwks = issuer.public_jwks();
        Ok(Signing {
            verifier: SessionVerifier::from_jwks(&jwks, rules)?,
            jwks_json: jwks.to_json(),
            issuer,
        })
    }

    /// The issuer that signs new sessions.
    pub fn issuer(&self) -> &SessionIssuer {
        &self.issuer
    }

    /// A verifier of the sessions of every key in the set, `iss` the host's.
    pub fn verifier(&self) -> &SessionVerifier {
        &self.verifier
    }

    /// The public keys as `/api/auth/jwks` serves them.
    pub fn jwks_json(&self) -> &str {
        &self.jwks_json
    }
}

#[derive(Debug)]
struct Source {
    path: PathBuf,
    name: String,
    lifetime: u64,
    modified: Option<SystemTime>,
    checked: Instant,
}

impl Keys {
    /// Keys that never change (a generated set, or tests).
    ///
    /// # Errors
    /// When the issuer's public keys do not make a verifier.
    pub fn fixed(issuer: SessionIssuer) -> Result<Self, KeyError> {
        Ok(Self(Arc::new(Mutex::new(Loaded {
            signing: Arc::new(Signing::new(issuer)?),
            source: None,
        }))))
    }

    /// The keys of `path`, reloaded when the file changes.
    ///
    /// # Errors
    /// When the file does not load.
    pub fn from_file(path: &Path, name: &str, lifetime: u64) -> Result<Self, KeyError> {
        let set = KeySet::read(path).map_err(|error| match error {
            KeyError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                KeyError::Invalid {
                    path: path.to_owned(),
                    reason: format!(
                        "no such file; `watchword keys rotate --file {}` creates one",
                        path.display()
                    ),
                }
            }
            other => other,
        })?;
        Ok(Self(Arc::new(Mutex::new(Loaded {
            signing: Arc::new(Signing::new(set.issuer(name, lifetime)?)?),
            source: Some(Source {
                path: path.to_owned(),
                name: name.to_owned(),
                lifetime,
                modified: modified(path),
                checked: Instant::now(),
            }),
        }))))
    }

    /// The keys in use. At most every [`RELOAD_CHECK_SECS`] this looks at the key file and,
    /// when it changed, loads it; a file that does not load is logged and the keys in use stay.
    pub fn current(&self) -> Arc<Signing> {
        let mut loaded = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(source) = loaded.source.as_mut() else {
            return loaded.signing.clone();
        };
        if source.checked.elapsed() < Duration::from_secs(RELOAD_CHECK_SECS) {
            return loaded.signing.clone();
        }
        source.checked = Instant::now();
        let now_modified = modified(&source.path);
        if now_modified == source.modified {
            return loaded.signing.clone();
        }
        let reloaded = KeySet::read(&source.path)
            .and_then(|set| set.issuer(&source.name, source.lifetime))
            .and_then(Signing::new);
        match reloaded {
            Ok(signing) => {
                source.modified = now_modified;
                tracing::info!(kid = signing.issuer.signing_kid(), "session keys reloaded");
                loaded.signing = Arc::new(signing);
            }
            Err(error) => {
                tracing::error!(%error, "the session key file changed but does not load; keeping the keys in use");
            }
        }
        loaded.signing.clone()
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use watchword_testkit::TestRng;

    #[test]
    fn rotation_keeps_the_previous_key_verifying() {
        let mut rng = TestRng::new(1);
        let dir = tempfile_dir();
        let path = dir.join("keys.json");
        let first = rotate(&path, 2, &mut rng).expect("created");
        assert_eq!(first.kids().len(), 1);
        let second = rotate(&path, 2, &mut rng).expect("rotated");
        assert_eq!(second.kids().len(), 2);
        assert_eq!(second.kids()[1], first.kids()[0]);
        let third = rotate(&path, 2, &mut rng).expect("rotated again");
        assert_eq!(third.kids()[1], second.kids()[0], "keep 2 drops the oldest");
        assert_eq!(third.kids().len(), 2);
        let issuer = KeySet::read(&path)
            .expect("reads back")
            .issuer("https://auth.example", 60)
            .expect("issuer");
        assert_eq!(issuer.signing_kid(), Some(third.kids()[0].as_str()));
        assert_eq!(issuer.public_jwks().keys().len(), 2);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn refuses_files_that_are_not_private_ed25519_sets() {
        let mut rng = TestRng::new(2);
        assert!(KeySet::parse("[]").is_err());
        assert!(KeySet::parse(r#"{"keys":[]}"#).is_err());
        let public = KeySet::generate(&mut rng).public().to_json();
        let error = KeySet::parse(&public).expect_err("a public set cannot sign");
        assert!(error.contains("not a private Ed25519 key"), "{error}");
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ww-keys-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }
}
