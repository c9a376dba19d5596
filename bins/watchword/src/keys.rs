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

/// Rotates the auth host's key-set file and prints the `kid`s it now holds, newest first.
pub(crate) fn rotate(args: &crate::cli::RotateArgs) -> anyhow::Result<()> {
    let set = watchword_auth_host_server::keys::rotate(
        &args.file,
        usize::from(args.keep),
        &mut rand_core::OsRng,
    )?;
    println!(
        "{}",
        serde_json::json!({ "file": args.file, "kids": set.kids() })
    );
    Ok(())
}
