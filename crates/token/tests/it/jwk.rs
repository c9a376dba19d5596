//! JWK and JWK Set parsing, export, thumbprints and generation.

use serde_json::json;
use watchword_token::{Algorithm, Ed25519SigningKey, Error, HmacKey, Jwk, JwkKey, Jwks, KeyRing};

use crate::support::{b64, claims, NOW};

/// A deterministic RNG for key generation in tests (not for production).
struct CountingRng(u8);

impl rand_core::RngCore for CountingRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            self.0 = self.0.wrapping_add(1);
            *byte = self.0;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for CountingRng {}

#[test]
fn generated_key_exports_private_and_public() {
    let jwk = Jwk::generate_ed25519(&mut CountingRng(0));
    let thumbprint = jwk.thumbprint().expect("ed25519 has a thumbprint");
    assert_eq!(jwk.kid(), Some(thumbprint.as_str()));

    let private = jwk.to_json();
    let parsed = Jwk::from_json(&private).expect("private jwk parses back");
    assert!(matches!(parsed.key(), JwkKey::Ed25519Private(_)));
    assert_eq!(parsed.kid(), jwk.kid());
    let value: serde_json::Value = serde_json::from_str(&private).expect("json");
    assert_eq!(value["kty"], "OKP");
    assert_eq!(value["crv"], "Ed25519");
    assert_eq!(value["alg"], "EdDSA");
    assert_eq!(value["use"], "sig");
    assert!(value["d"].is_string());

    let public = Jwks::new(vec![jwk.to_public().expect("public half")]);
    let text = public.to_json();
    assert!(!text.contains(value["d"].as_str().expect("d")));
    assert_eq!(serde_json::to_string(&public).expect("serializes"), text);
    let consumer = KeyRing::from_jwks(&Jwks::from_json(&text).expect("jwks parses")).expect("ring");
    let issuer = KeyRing::from_jwks(&Jwks::new(vec![jwk])).expect("ring");
    let token = issuer.sign(&claims()).expect("signs");
    assert!(consumer
        .verify::<serde_json::Value>(&token, &watchword_token::Validation::new(), NOW)
        .is_ok());
}

#[test]
fn hmac_jwk_round_trip_and_no_thumbprint() {
    let key = HmacKey::hs512(&[9; 64]).expect("64 bytes");
    let jwk = Jwk::new(JwkKey::Hmac(key), Some("shared".into()));
    assert_eq!(jwk.thumbprint(), None);
    assert!(jwk.to_public().is_none());
    let parsed = Jwk::from_json(&jwk.to_json()).expect("parses back");
    assert_eq!(parsed.algorithm(), Algorithm::Hs512);
    assert_eq!(parsed.kid(), Some("shared"));
    let unnamed = Jwks::new(vec![Jwk::new(
        JwkKey::Hmac(HmacKey::hs256(&[1; 32]).expect("32")),
        None,
    )]);
    assert!(matches!(
        KeyRing::from_jwks(&unnamed),
        Err(Error::InvalidJwk { .. })
    ));
}

#[test]
fn jwks_skips_what_it_cannot_use() {
    let good = b64(Ed25519SigningKey::from_seed(&[1; 32])
        .verifying_key()
        .to_bytes());
    let set = json!({ "keys": [
        { "kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "rsa" },
        { "kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": "ec" },
        { "kty": "OKP", "crv": "X25519", "x": good, "kid": "x25519" },
        { "kty": "OKP", "crv": "Ed448", "x": "AA", "kid": "ed448" },
        { "kty": "OKP", "crv": "Ed25519", "x": good, "use": "enc", "kid": "enc" },
        { "kty": "OKP", "crv": "Ed25519", "x": good, "alg": "ES256", "kid": "es256" },
        { "kty": "OKP", "crv": "Ed25519", "x": good, "key_ops": ["encrypt"], "kid": "ops" },
        { "kty": "OKP", "crv": "Ed25519", "x": good, "alg": "Ed25519", "use": "sig", "key_ops": ["verify"], "kid": "good" },
    ]});
    let jwks = Jwks::from_json(&set.to_string()).expect("set parses");
    assert_eq!(jwks.skipped(), 7);
    assert_eq!(jwks.keys().len(), 1);
    assert_eq!(jwks.keys()[0].kid(), Some("good"));
}

#[test]
fn jwks_refuses_malformed_ed25519_keys() {
    let seed = [1; 32];
    let key = Ed25519SigningKey::from_seed(&seed);
    let x = b64(key.verifying_key().to_bytes());
    let other = b64(Ed25519SigningKey::from_seed(&[2; 32])
        .verifying_key()
        .to_bytes());
    // The identity point (small order) and y = p (a non-canonical encoding of y = 0).
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut non_canonical = [0xff; 32];
    non_canonical[0] = 0xed;
    non_canonical[31] = 0x7f;
    let cases = [
        json!({ "kty": "OKP", "crv": "Ed25519" }),
        json!({ "kty": "OKP", "crv": "Ed25519", "x": b64([1; 31]) }),
        json!({ "kty": "OKP", "crv": "Ed25519", "x": format!("{x}=") }),
        json!({ "kty": "OKP", "crv": "Ed25519", "x": 5 }),
        json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(identity) }),
        json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(non_canonical) }),
        json!({ "kty": "OKP", "crv": "Ed25519", "x": other, "d": b64(seed) }),
        json!({ "kty": "OKP", "crv": "Ed25519", "x": x, "d": b64([1; 31]) }),
        json!({ "kty": "OKP", "x": x }),
        json!({ "crv": "Ed25519", "x": x }),
    ];
    for key in cases {
        let set = json!({ "keys": [key] }).to_string();
        assert!(
            matches!(Jwks::from_json(&set), Err(Error::InvalidJwk { .. })),
            "{set}"
        );
    }
}

#[test]
fn jwks_structure_rules() {
    let x = b64(Ed25519SigningKey::from_seed(&[1; 32])
        .verifying_key()
        .to_bytes());
    let twice = json!({ "keys": [
        { "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k" },
        { "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k" },
    ]});
    assert_eq!(
        Jwks::from_json(&twice.to_string()).map(|_| ()),
        Err(Error::DuplicateKid { kid: "k".into() })
    );
    let mixed = json!({ "keys": [
        { "kty": "oct", "alg": "HS256", "k": b64([3; 32]), "kid": "secret" },
        { "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "public" },
    ]});
    assert!(matches!(
        Jwks::from_json(&mixed.to_string()),
        Err(Error::InvalidJwk { .. })
    ));
    assert!(matches!(
        Jwks::from_json(r#"{"keys":{}}"#),
        Err(Error::InvalidJwk { .. })
    ));
    assert!(matches!(
        Jwks::from_json(r#"{"keys":[1]}"#),
        Err(Error::InvalidJwk { .. })
    ));
    assert!(matches!(
        Jwks::from_json(r#"{"keys":[],"keys":[]}"#),
        Err(Error::DuplicateKey { .. })
    ));
    let short = json!({ "keys": [{ "kty": "oct", "alg": "HS256", "k": b64([3; 31]) }] });
    assert_eq!(
        Jwks::from_json(&short.to_string()).map(|_| ()),
        Err(Error::KeyTooShort {
            alg: Algorithm::Hs256,
            min: 32,
            found: 31
        })
    );
}

#[test]
fn debug_never_prints_secrets() {
    let seed = [0xab; 32];
    let key = Ed25519SigningKey::from_seed(&seed);
    let jwk = Jwk::new(JwkKey::Ed25519Private(key.clone()), None);
    let secret = HmacKey::hs256(&[0xcd; 32]).expect("32 bytes");
    for debug in [
        format!("{key:?}"),
        format!("{jwk:?}"),
        format!("{secret:?}"),
        format!("{:?}", Jwks::new(vec![jwk])),
    ] {
        assert!(!debug.contains(&b64(seed)), "{debug}");
        assert!(!debug.to_lowercase().contains("abababab"), "{debug}");
        assert!(!debug.to_lowercase().contains("cdcdcdcd"), "{debug}");
        assert!(!debug.contains("171, 171"), "{debug}");
        assert!(!debug.contains("205, 205"), "{debug}");
    }
}
