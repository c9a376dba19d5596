//! RFC 7515 A.1 (HS256) and RFC 8037 A.1–A.5 (Ed25519): signing reproduces the published
//! token byte for byte, verification accepts it, the thumbprint matches.

use serde_json::Value;
use watchword_token::{
    Algorithm, Claims, Ed25519SigningKey, Ed25519VerifyingKey, Error, HmacKey, Jwk, JwkKey,
    SigningKey, UnixTime, Validation, VerifyingKey,
};

use crate::support::{hex, load_vectors, text, unb64};

#[test]
fn rfc7515_a1_hs256() {
    let Some(v) = load_vectors("rfc/rfc7515_A1_hs256.json") else {
        return;
    };
    let jwk = &v["jwk"];
    // The appendix key has no "alg", so as a JWK it is ambiguous and refused; the test builds
    // the key from its bytes instead.
    assert!(matches!(
        Jwk::from_json(&jwk.to_string()),
        Err(Error::UnsupportedJwk { .. })
    ));
    let key = HmacKey::hs256(&unb64(text(jwk, "k"))).expect("64-byte secret");
    let signer = SigningKey::from(key.clone());

    // The header has CRLF and a space: only signing the exact bytes reproduces the token.
    let header = text(&v, "protected_header_utf8");
    let payload = text(&v, "payload_utf8");
    let token = signer
        .sign_raw(header.as_bytes(), payload.as_bytes())
        .expect("signs");
    assert_eq!(token, text(&v, "compact"));
    assert!(token.starts_with(text(&v, "signing_input")));
    assert!(token.ends_with(text(&v, "signature_b64url")));

    let verifier = VerifyingKey::from(key);
    let jws = verifier
        .verify_signature(&token)
        .expect("signature verifies");
    assert_eq!(jws.header().alg(), Algorithm::Hs256);
    assert_eq!(jws.header().typ(), Some("JWT"));
    assert_eq!(jws.header_json(), header.as_bytes());
    assert_eq!(jws.payload(), payload.as_bytes());

    // exp is 1300819380 (2011): valid one second before, expired at that second.
    let claims: Claims = verifier
        .verify(&token, &Validation::new(), UnixTime(1_300_819_379))
        .expect("claims valid");
    assert_eq!(claims.iss.as_deref(), Some("joe"));
    assert_eq!(
        claims.extra.get("http://example.com/is_root"),
        Some(&Value::Bool(true))
    );
    assert_eq!(
        verifier.verify::<serde_json::Map<_, _>>(
            &token,
            &Validation::new(),
            UnixTime(1_300_819_380)
        ),
        Err(Error::Expired {
            exp: 1_300_819_380,
            now: 1_300_819_380,
            leeway: 0
        })
    );
}

/// Checks one RFC 8037 A.4 rendering: private JWK, public JWK, header, payload, token,
/// thumbprint.
fn check_rfc8037(
    private: &Value,
    public: &Value,
    header: &str,
    payload: &str,
    compact: &str,
    thumbprint: &str,
) {
    let private = Jwk::from_json(&private.to_string()).expect("private jwk");
    assert!(matches!(private.key(), JwkKey::Ed25519Private(_)));
    let public = Jwk::from_json(&public.to_string()).expect("public jwk");
    assert!(matches!(public.key(), JwkKey::Ed25519Public(_)));
    assert_eq!(private.thumbprint().as_deref(), Some(thumbprint));
    assert_eq!(public.thumbprint().as_deref(), Some(thumbprint));

    // Ed25519 is deterministic: the signature must come out identical.
    let signer = private.signing_key().expect("private key signs");
    assert_eq!(
        signer
            .sign_raw(header.as_bytes(), payload.as_bytes())
            .as_deref(),
        Ok(compact)
    );

    let jws = public
        .verifying_key()
        .verify_signature(compact)
        .expect("signature verifies");
    assert_eq!(jws.payload(), payload.as_bytes());
    assert_eq!(jws.header().alg(), Algorithm::EdDsa);
}

#[test]
fn rfc8037_a4_eddsa() {
    let Some(v) = load_vectors("rfc/rfc8037_A4_eddsa.json") else {
        return;
    };
    check_rfc8037(
        &v["private_jwk"],
        &v["public_jwk"],
        text(&v, "protected_header_utf8"),
        text(&v, "payload_utf8"),
        text(&v, "compact"),
        text(&v, "rfc8037_A3_thumbprint_b64url"),
    );
    let key =
        Ed25519VerifyingKey::from_bytes(&hex(text(&v, "public_key_hex"))).expect("public key");
    assert_eq!(key.thumbprint(), text(&v, "rfc8037_A3_thumbprint_b64url"));
    // The payload is not a claims set: the JWT path refuses it after the signature passed.
    let verifier = VerifyingKey::from(key);
    assert!(matches!(
        verifier.verify::<serde_json::Map<_, _>>(
            text(&v, "compact"),
            &Validation::new(),
            UnixTime(0)
        ),
        Err(Error::Json {
            part: watchword_token::Part::Payload,
            ..
        })
    ));
}

#[test]
fn rfc8037_jose_rendering() {
    let Some(v) = load_vectors("jose/rfc8037_ed25519.json") else {
        return;
    };
    check_rfc8037(
        &v["A.1_private_jwk"],
        &v["A.2_public_jwk"],
        text(&v, "A.4_protected_header"),
        text(&v, "A.4_payload"),
        text(&v, "A.4_jws_compact"),
        text(&v, "A.3_thumbprint_sha256_b64url"),
    );
    let seed: [u8; 32] = hex(text(&v, "A.1_private_key_hex"))
        .try_into()
        .expect("32 bytes");
    let key = Ed25519SigningKey::from_seed(&seed);
    assert_eq!(
        key.verifying_key().to_bytes().to_vec(),
        hex(text(&v, "A.2_public_key_hex"))
    );
    let thumbprint_input = text(&v, "A.3_thumbprint_input");
    assert!(thumbprint_input.contains(&crate::support::b64(key.verifying_key().to_bytes())));

    // RFC 9864's fully specified name verifies with the same key.
    let signer = SigningKey::from(key.clone());
    let token = signer
        .sign_raw(br#"{"alg":"Ed25519"}"#, b"Example of Ed25519 signing")
        .expect("signs");
    let jws = VerifyingKey::from(&key)
        .verify_signature(&token)
        .expect("alg Ed25519 verifies");
    assert_eq!(jws.header().alg(), Algorithm::EdDsa);
}
