//! `watchword keys …`.

use watchword_token::{Jwk, Jwks};

/// Prints `{"jwk": <private Ed25519 JWK>, "jwks": <its public JWKS>}`.
pub(crate) fn generate() -> anyhow::Result<()> {
    let private = Jwk::generate_ed25519(&mut rand_core::OsRng);
    let public = private
        .to_public()
        .ok_or_else(|| anyhow::anyhow!("a new Ed25519 key has a public half"))?;
    let jwk: serde_json::Value = serde_json::from_str(&private.to_json())?;
    let jwks: serde_json::Value = serde_json::from_str(&Jwks::new(vec![public]).to_json())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({ "jwk": jwk, "jwks": jwks }))?
    );
    Ok(())
}
