//! Loading the key that signs registration tokens.

use std::path::Path;

use anyhow::Context as _;
use watchword_token::{Algorithm, Jwk, KeyRing};

/// A ring with the private JWK in `path` (a bare JWK, or the `{"jwk": …}` object `watchword
/// keys generate` prints), or with a fresh key when `path` is `None`.
///
/// # Errors
/// When the file cannot be read or holds no private Ed25519 key.
pub fn load_or_generate(path: Option<&Path>) -> anyhow::Result<KeyRing> {
    let jwk = if let Some(path) = path {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        let jwk = value.get("jwk").unwrap_or(&value);
        Jwk::from_json(&jwk.to_string())
            .with_context(|| format!("{} is not a usable JWK", path.display()))?
    } else {
        tracing::warn!("no signing key given: using a fresh one; registration tokens will not verify after a restart");
        Jwk::generate_ed25519(&mut rand_core::OsRng)
    };
    if jwk.algorithm() != Algorithm::EdDsa {
        anyhow::bail!(
            "registration tokens are signed with Ed25519; the key is {}",
            jwk.algorithm().name()
        );
    }
    let signing = jwk
        .signing_key()
        .context("the JWK has no private part (d)")?;
    let kid = match jwk.kid() {
        Some(kid) => kid.to_owned(),
        None => jwk
            .thumbprint()
            .context("registration tokens need an Ed25519 key, not an HMAC secret")?,
    };
    let mut ring = KeyRing::new();
    ring.add_signing_key(kid, signing)
        .context("building the key ring")?;
    Ok(ring)
}
