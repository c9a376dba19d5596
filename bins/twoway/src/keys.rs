//! Loading the key that signs registration tokens.

use std::path::{Path, PathBuf};

use rand_core::CryptoRngCore;
use watchword_token::{Algorithm, Jwk, KeyRing};

/// Why the signing key could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{path} is not JSON: {source}")]
    NotJson {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// The JSON is not a usable key.
    #[error("{path} is not a usable JWK: {source}")]
    Jwk {
        /// The file.
        path: PathBuf,
        /// Why.
        source: watchword_token::Error,
    },
    /// The key is not Ed25519.
    #[error("registration tokens are signed with Ed25519; the key is {0}")]
    NotEd25519(&'static str),
    /// The JWK has only its public half.
    #[error("the JWK has no private part (d)")]
    NoPrivateKey,
    /// The ring refused the key.
    #[error("building the key ring: {0}")]
    Ring(watchword_token::Error),
}

/// A ring with the private JWK in `path` (a bare JWK, or the `{"jwk": …}` object `watchword
/// keys generate` prints), or with a key drawn from `rng` when `path` is `None`.
///
/// # Errors
/// When the file cannot be read or holds no private Ed25519 key.
pub fn load_or_generate(
    path: Option<&Path>,
    rng: &mut impl CryptoRngCore,
) -> Result<KeyRing, KeyError> {
    let jwk = if let Some(path) = path {
        let at = || path.to_owned();
        let text = std::fs::read_to_string(path)
            .map_err(|source| KeyError::Read { path: at(), source })?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|source| KeyError::NotJson { path: at(), source })?;
        let jwk = value.get("jwk").unwrap_or(&value);
        Jwk::from_json(&jwk.to_string()).map_err(|source| KeyError::Jwk { path: at(), source })?
    } else {
        tracing::warn!("no signing key given: using a fresh one; registration tokens will not verify after a restart");
        Jwk::generate_ed25519(rng)
    };
    if jwk.algorithm() != Algorithm::EdDsa {
        return Err(KeyError::NotEd25519(jwk.algorithm().name()));
    }
    let signing = jwk.signing_key().ok_or(KeyError::NoPrivateKey)?;
    let kid = match jwk.kid() {
        Some(kid) => kid.to_owned(),
        None => jwk
            .thumbprint()
            .ok_or(KeyError::NotEd25519(jwk.algorithm().name()))?,
    };
    let mut keys = KeyRing::new();
    keys.add_signing_key(kid, signing).map_err(KeyError::Ring)?;
    Ok(keys)
}
