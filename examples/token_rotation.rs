//! Issuing `EdDSA` tokens from a key ring, publishing its JWKS, and verifying on the other side
//! from that JWKS alone, across a key rotation.
//!
//! ```sh
//! cargo run -p watchword-examples --example token_rotation
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use watchword_token::{Claims, Jwk, Jwks, KeyRing, UnixTime, Validation};

/// What this service puts in its tokens besides the registered claims.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Session {
    name: String,
}

fn now() -> UnixTime {
    UnixTime(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

fn main() -> Result<(), watchword_token::Error> {
    // The issuer: a ring with one key. In production the private JWK comes from
    // `watchword keys generate`, kept in a secret store.
    let old = Jwk::generate_ed25519(&mut rand_core::OsRng);
    let mut issuer = KeyRing::new();
    issuer.add_signing_key(
        old.kid().unwrap_or("old"),
        old.signing_key().expect("a private key"),
    )?;

    let mut claims = Claims::with_extra(now().plus(600), Session { name: "ada".into() });
    claims.sub = Some("user-42".into());
    claims.aud = vec!["shop.example".into()];
    let before_rotation = issuer.sign(&claims)?;

    // Rotation: the new key signs from now on; the old one stays listed until its tokens expire.
    let new = Jwk::generate_ed25519(&mut rand_core::OsRng);
    issuer.add_signing_key(
        new.kid().unwrap_or("new"),
        new.signing_key().expect("a private key"),
    )?;
    let after_rotation = issuer.sign(&claims)?;

    // The consumer knows only the published JWKS.
    let published: String = issuer.public_jwks().to_json();
    let consumer = KeyRing::from_jwks(&Jwks::from_json(&published)?)?;
    let validation = Validation::new().audience("shop.example").leeway(5);
    for token in [&before_rotation, &after_rotation] {
        let verified: Claims<Session> = consumer.verify(token, &validation, now())?;
        println!(
            "verified {} ({}) signed by kid {:?}",
            verified.sub.as_deref().unwrap_or("?"),
            verified.extra.name,
            consumer.verify_signature(token)?.header().kid()
        );
    }

    // Once the old key is removed, its tokens stop verifying.
    issuer.remove(old.kid().unwrap_or("old"));
    let consumer = KeyRing::from_jwks(&issuer.public_jwks())?;
    let refused = consumer.verify::<Session>(&before_rotation, &validation, now());
    println!(
        "after removing the old key: {}",
        refused.map_or_else(|e| e.to_string(), |_| "accepted".into())
    );
    Ok(())
}
