//! Key rotation with a [`KeyRing`].

use serde_json::Value;
use watchword_token::{Algorithm, Ed25519SigningKey, Error, KeyRing, SigningKey, Validation};

use crate::support::{claims, forge, hs256, segments, unb64, NOW};

fn verify(ring: &KeyRing, token: &str) -> Result<(), Error> {
    ring.verify::<Value>(token, &Validation::new(), NOW)
        .map(|_| ())
}

fn header_kid(token: &str) -> Option<String> {
    let header: Value = serde_json::from_slice(&unb64(segments(token)[0])).expect("json header");
    header["kid"].as_str().map(str::to_owned)
}

#[test]
fn rotation_signs_with_newest_and_verifies_older_until_removed() {
    let mut ring = KeyRing::new();
    ring.add_signing_key("2024", Ed25519SigningKey::from_seed(&[1; 32]))
        .expect("add");
    let old_token = ring.sign(&claims()).expect("signs");
    assert_eq!(header_kid(&old_token).as_deref(), Some("2024"));

    ring.add_signing_key("2025", Ed25519SigningKey::from_seed(&[2; 32]))
        .expect("add");
    assert_eq!(ring.signing_kid(), Some("2025"));
    let new_token = ring.sign(&claims()).expect("signs");
    assert_eq!(header_kid(&new_token).as_deref(), Some("2025"));
    assert_eq!(verify(&ring, &old_token), Ok(()));
    assert_eq!(verify(&ring, &new_token), Ok(()));
    assert_eq!(ring.kids().collect::<Vec<_>>(), ["2024", "2025"]);

    assert!(ring.remove("2024"));
    assert!(!ring.remove("2024"));
    assert_eq!(
        verify(&ring, &old_token),
        Err(Error::UnknownKid { kid: "2024".into() })
    );
    assert_eq!(verify(&ring, &new_token), Ok(()));
    assert_eq!(ring.len(), 1);
}

#[test]
fn verify_only_keys_do_not_sign() {
    let old = Ed25519SigningKey::from_seed(&[1; 32]);
    let mut ring = KeyRing::new();
    ring.add_signing_key("current", Ed25519SigningKey::from_seed(&[2; 32]))
        .expect("add");
    ring.add_verifying_key("retired", old.verifying_key())
        .expect("add");
    // The newest *signing* key signs, even though a verify-only key was added after it.
    assert_eq!(ring.signing_kid(), Some("current"));
    let mut retired_only = KeyRing::new();
    retired_only
        .add_verifying_key("retired", old.verifying_key())
        .expect("add");
    assert_eq!(retired_only.sign(&claims()), Err(Error::NoSigningKey));
    assert!(!retired_only.is_empty());
}

#[test]
fn tokens_without_kid_try_every_key_of_their_alg() {
    let old = Ed25519SigningKey::from_seed(&[1; 32]);
    let mut ring = KeyRing::new();
    ring.add_verifying_key("old", old.verifying_key())
        .expect("add");
    ring.add_signing_key("new", Ed25519SigningKey::from_seed(&[2; 32]))
        .expect("add");
    ring.add_signing_key("hmac", hs256()).expect("add");
    let payload = format!(r#"{{"exp":{}}}"#, NOW.0 + 60);
    let by_old = forge(r#"{"alg":"EdDSA"}"#, &payload, &old.clone().into());
    assert_eq!(verify(&ring, &by_old), Ok(()));
    let by_hmac = forge(r#"{"alg":"HS256"}"#, &payload, &SigningKey::from(hs256()));
    assert_eq!(verify(&ring, &by_hmac), Ok(()));
    let by_stranger = forge(
        r#"{"alg":"EdDSA"}"#,
        &payload,
        &Ed25519SigningKey::from_seed(&[3; 32]).into(),
    );
    assert_eq!(verify(&ring, &by_stranger), Err(Error::BadSignature));
    // With a kid, only that key is tried: the old key's token under the new key's kid fails.
    let misnamed = forge(r#"{"alg":"EdDSA","kid":"new"}"#, &payload, &old.into());
    assert_eq!(verify(&ring, &misnamed), Err(Error::BadSignature));
    let wrong_alg = forge(
        r#"{"alg":"EdDSA","kid":"hmac"}"#,
        &payload,
        &Ed25519SigningKey::from_seed(&[2; 32]).into(),
    );
    assert_eq!(
        verify(&ring, &wrong_alg),
        Err(Error::AlgMismatch {
            expected: Algorithm::Hs256,
            found: Algorithm::EdDsa
        })
    );
}

#[test]
fn duplicate_kids_are_refused() {
    let mut ring = KeyRing::new();
    ring.add_signing_key("k", hs256()).expect("add");
    assert_eq!(
        ring.add_verifying_key("k", hs256()),
        Err(Error::DuplicateKid { kid: "k".into() })
    );
}

#[test]
fn public_jwks_lists_ed25519_keys_only() {
    let mut ring = KeyRing::new();
    ring.add_signing_key("hmac", hs256()).expect("add");
    ring.add_signing_key("ed", Ed25519SigningKey::from_seed(&[2; 32]))
        .expect("add");
    let jwks = ring.public_jwks();
    assert_eq!(jwks.keys().len(), 1);
    assert_eq!(jwks.keys()[0].kid(), Some("ed"));
    assert!(!jwks.to_json().contains("\"d\""));
    let consumer = KeyRing::from_jwks(&jwks).expect("ring");
    let token = ring.sign(&claims()).expect("signs");
    assert_eq!(verify(&consumer, &token), Ok(()));
}
