//! Credential public keys (`COSE_Key)`: each strictness rule broken alone.

use watchword_webauthn::{CoseAlgorithm, CoseKey};

use crate::support::cbor::{bytes, int, map, C};
use crate::support::{registered, rp, Registration, TestKey};

fn code(key: &C) -> &'static str {
    match CoseKey::parse(&key.encode()) {
        Ok(_) => "ok",
        Err(error) => error.code(),
    }
}

fn changed(alg: CoseAlgorithm, change: impl FnOnce(&mut C)) -> C {
    let mut key = TestKey::generate(alg).cose_map();
    change(&mut key);
    key
}

#[test]
fn every_generated_key_parses_with_its_algorithm() {
    for alg in CoseAlgorithm::ALL {
        let key = TestKey::generate(alg);
        assert_eq!(CoseKey::parse(&key.cose()).map(|k| k.alg()), Ok(alg));
    }
}

#[test]
fn elliptic_curve_keys() {
    let es256 = CoseAlgorithm::Es256;
    for (name, key, expected) in [
        (
            "with a kid",
            changed(es256, |k| k.set(int(2), bytes(b"kid"))),
            "ok",
        ),
        (
            "kid as text",
            changed(es256, |k| k.set(int(2), C::Text("kid".into()))),
            "cose_key",
        ),
        (
            "crv of P-384",
            changed(es256, |k| k.set(int(-1), int(2))),
            "cose_key",
        ),
        ("no crv", changed(es256, |k| k.remove(&int(-1))), "cose_key"),
        (
            "kty OKP",
            changed(es256, |k| k.set(int(1), int(1))),
            "cose_key",
        ),
        (
            "kty RSA",
            changed(es256, |k| k.set(int(1), int(3))),
            "cose_key",
        ),
        (
            "kty as text",
            changed(es256, |k| k.set(int(1), C::Text("EC2".into()))),
            "cose_key",
        ),
        ("no kty", changed(es256, |k| k.remove(&int(1))), "cose_key"),
        ("no alg", changed(es256, |k| k.remove(&int(3))), "cose_key"),
        ("no y", changed(es256, |k| k.remove(&int(-3))), "cose_key"),
        (
            "compressed y",
            changed(es256, |k| k.set(int(-3), C::Bool(true))),
            "cose_key",
        ),
        (
            "x of 31 bytes",
            changed(es256, |k| k.set(int(-2), bytes([1; 31]))),
            "cose_key",
        ),
        (
            "x of 33 bytes",
            changed(es256, |k| k.set(int(-2), bytes([1; 33]))),
            "cose_key",
        ),
        (
            "off the curve",
            changed(es256, |k| k.set(int(-3), bytes([1; 32]))),
            "point_not_on_curve",
        ),
        (
            "private key d",
            changed(es256, |k| k.set(int(-4), bytes([1; 32]))),
            "cose_key",
        ),
        (
            "unknown label",
            changed(es256, |k| k.set(int(-5), bytes([1]))),
            "cose_key",
        ),
        (
            "key_ops label",
            changed(es256, |k| k.set(int(4), C::Array(vec![]))),
            "cose_key",
        ),
        (
            "text label",
            changed(es256, |k| k.set(C::Text("x".into()), bytes([1]))),
            "cose_key",
        ),
        (
            "es384 off the curve",
            changed(CoseAlgorithm::Es384, |k| k.set(int(-2), bytes([2; 48]))),
            "point_not_on_curve",
        ),
        (
            "es384 with P-256 coordinates",
            changed(CoseAlgorithm::Es384, |k| {
                k.set(int(-2), bytes([2; 32]));
                k.set(int(-3), bytes([2; 32]));
            }),
            "cose_key",
        ),
        ("not a map", C::Array(vec![int(1)]), "cose_key"),
    ] {
        assert_eq!(code(&key), expected, "{name}");
    }
}

#[test]
fn okp_keys() {
    let eddsa = CoseAlgorithm::EdDsa;
    for (name, key, expected) in [
        (
            "Ed448 curve",
            changed(eddsa, |k| k.set(int(-1), int(7))),
            "ed448_unsupported",
        ),
        (
            "Ed448 fully specified",
            map(vec![
                (int(1), int(1)),
                (int(3), int(-53)),
                (int(-1), int(7)),
                (int(-2), bytes([1; 57])),
            ]),
            "ed448_unsupported",
        ),
        (
            "X25519 curve",
            changed(eddsa, |k| k.set(int(-1), int(4))),
            "cose_key",
        ),
        (
            "a y coordinate",
            changed(eddsa, |k| k.set(int(-3), bytes([1; 32]))),
            "cose_key",
        ),
        (
            "x of 31 bytes",
            changed(eddsa, |k| k.set(int(-2), bytes([1; 31]))),
            "cose_key",
        ),
        (
            "kty EC2",
            changed(eddsa, |k| k.set(int(1), int(2))),
            "cose_key",
        ),
    ] {
        assert_eq!(code(&key), expected, "{name}");
    }
}

#[test]
fn rsa_keys() {
    let rs256 = CoseAlgorithm::Rs256;
    let short_modulus = {
        let mut n = vec![0xc5; 128];
        n[127] |= 1;
        n
    };
    for (name, key, expected) in [
        (
            "ps256 of the same key",
            changed(rs256, |k| k.set(int(3), int(-37))),
            "ok",
        ),
        (
            "1024-bit modulus",
            changed(rs256, |k| k.set(int(-1), bytes(&short_modulus))),
            "rsa_key_size",
        ),
        (
            "8200-bit modulus",
            changed(rs256, |k| k.set(int(-1), bytes([0xff; 1025]))),
            "rsa_key_size",
        ),
        (
            "modulus with a leading zero",
            changed(rs256, |k| {
                let C::Map(entries) = k else { unreachable!() };
                let C::Bytes(n) = &entries[2].1 else {
                    unreachable!()
                };
                let padded = [&[0u8][..], n].concat();
                k.set(int(-1), bytes(padded));
            }),
            "cose_key",
        ),
        (
            "exponent 1",
            changed(rs256, |k| k.set(int(-2), bytes([1]))),
            "rsa_exponent",
        ),
        (
            "even exponent",
            changed(rs256, |k| k.set(int(-2), bytes([1, 0, 0]))),
            "rsa_exponent",
        ),
        (
            "exponent of 2^33 + 1",
            changed(rs256, |k| k.set(int(-2), bytes([2, 0, 0, 0, 1]))),
            "rsa_exponent",
        ),
        (
            "exponent with a leading zero",
            changed(rs256, |k| k.set(int(-2), bytes([0, 1, 0, 1]))),
            "rsa_exponent",
        ),
        (
            "a third parameter",
            changed(rs256, |k| k.set(int(-3), bytes([1]))),
            "cose_key",
        ),
        (
            "kty EC2",
            changed(rs256, |k| k.set(int(1), int(2))),
            "cose_key",
        ),
    ] {
        assert_eq!(code(&key), expected, "{name}");
    }
}

#[test]
fn algorithms_outside_the_supported_set() {
    // RS1 (-65535) verifies TPM attestation statements only; it is never a credential key's
    // algorithm, whatever the key type. ES256K (-47) and RS1's neighbours are unknown.
    for (key_alg, alg) in [
        (CoseAlgorithm::Es256, -65535),
        (CoseAlgorithm::Rs256, -65535),
        (CoseAlgorithm::Es256, -47),
        (CoseAlgorithm::Rs256, -260),
        (CoseAlgorithm::Ps256, -40),
        (CoseAlgorithm::Es256, -19),
        (CoseAlgorithm::Es256, 0),
    ] {
        let key = changed(key_alg, |k| k.set(int(3), int(alg)));
        assert_eq!(code(&key), "unsupported_algorithm", "{alg}");
    }
    assert_eq!(CoseAlgorithm::from_id(-7), Some(CoseAlgorithm::Es256));
    assert_eq!(CoseAlgorithm::from_id(-36), Some(CoseAlgorithm::Es512));
    assert_eq!(CoseAlgorithm::from_id(-65535), None);
}

#[test]
fn the_five_added_algorithms_have_their_ids_and_key_types() {
    for (alg, id, name) in [
        (CoseAlgorithm::Es512, -36, "ES512 (-36)"),
        (CoseAlgorithm::Ps384, -38, "PS384 (-38)"),
        (CoseAlgorithm::Ps512, -39, "PS512 (-39)"),
        (CoseAlgorithm::Rs384, -258, "RS384 (-258)"),
        (CoseAlgorithm::Rs512, -259, "RS512 (-259)"),
    ] {
        assert_eq!(alg.id(), id);
        assert_eq!(alg.to_string(), name);
        assert!(CoseAlgorithm::ALL.contains(&alg));
    }
    // An RSA algorithm on an EC2 key, and ES512 on an RSA key, are refused.
    let rs384_on_ec = changed(CoseAlgorithm::Es256, |k| k.set(int(3), int(-258)));
    assert_eq!(code(&rs384_on_ec), "cose_key");
    let es512_on_rsa = changed(CoseAlgorithm::Rs256, |k| k.set(int(3), int(-36)));
    assert_eq!(code(&es512_on_rsa), "cose_key");
    // The RSA size rules hold for the added RSA algorithms too.
    for alg in [-38, -39, -258, -259] {
        let short = changed(CoseAlgorithm::Rs256, |k| {
            k.set(int(3), int(alg));
            k.set(int(-1), bytes([0xc1; 128]));
        });
        assert_eq!(code(&short), "rsa_key_size", "{alg}");
    }
}

#[test]
fn p521_keys() {
    let es512 = CoseAlgorithm::Es512;
    let valid = changed(es512, |_| {});
    assert_eq!(code(&valid), "ok");
    for (name, key, expected) in [
        (
            "crv of P-256",
            changed(es512, |k| k.set(int(-1), int(1))),
            "cose_key",
        ),
        (
            "crv of P-384",
            changed(es512, |k| k.set(int(-1), int(2))),
            "cose_key",
        ),
        ("no crv", changed(es512, |k| k.remove(&int(-1))), "cose_key"),
        (
            "kty OKP",
            changed(es512, |k| k.set(int(1), int(1))),
            "cose_key",
        ),
        ("no y", changed(es512, |k| k.remove(&int(-3))), "cose_key"),
        (
            "compressed y",
            changed(es512, |k| k.set(int(-3), C::Bool(true))),
            "cose_key",
        ),
        (
            "x of 65 bytes (leading zero dropped)",
            changed(es512, |k| k.set(int(-2), bytes([1; 65]))),
            "cose_key",
        ),
        (
            "x of 67 bytes",
            changed(es512, |k| k.set(int(-2), bytes([0; 67]))),
            "cose_key",
        ),
        (
            "off the curve",
            changed(es512, |k| k.set(int(-3), bytes([1; 66]))),
            "point_not_on_curve",
        ),
        (
            // 66 bytes hold 528 bits: a coordinate at or above p = 2^521 - 1 is refused.
            "x above the field prime",
            changed(es512, |k| k.set(int(-2), bytes([0xff; 66]))),
            "point_not_on_curve",
        ),
        (
            "private key d",
            changed(es512, |k| k.set(int(-4), bytes([1; 66]))),
            "cose_key",
        ),
        (
            "a P-256 key labelled ES512",
            changed(CoseAlgorithm::Es256, |k| {
                k.set(int(3), int(-36));
                k.set(int(-1), int(3));
            }),
            "cose_key",
        ),
    ] {
        assert_eq!(code(&key), expected, "{name}");
    }
}

#[test]
fn trailing_bytes_after_a_key_are_refused() {
    let mut bytes = TestKey::es256().cose();
    bytes.push(0);
    assert_eq!(
        CoseKey::parse(&bytes).map_err(|e| e.code()).err(),
        Some("cbor")
    );
}

#[test]
fn a_registration_carries_the_key_error() {
    let rp = rp().build().unwrap();
    let off_curve = Registration::new(CoseAlgorithm::Es256).with(|r| {
        let mut key = r.key.cose_map();
        key.set(int(-3), bytes([1; 32]));
        r.cose = Some(key.encode());
    });
    assert_eq!(off_curve.code(&rp), "point_not_on_curve");
    let ed448 = Registration::new(CoseAlgorithm::EdDsa).with(|r| {
        let mut key = r.key.cose_map();
        key.set(int(-1), int(7));
        r.cose = Some(key.encode());
    });
    assert_eq!(ed448.code(&rp), "ed448_unsupported");
}

#[test]
fn keys_verify_only_their_own_algorithm() {
    let (key, credential) = registered(CoseAlgorithm::Rs256);
    let parsed = CoseKey::parse(&credential.public_key_cose).unwrap();
    assert!(parsed.verify(b"message", &key.sign(b"message")));
    // The same RSA key under PS256: a PKCS#1 v1.5 signature does not verify as PSS.
    let pss = changed(CoseAlgorithm::Rs256, |_| {});
    let mut pss = pss;
    pss.set(int(3), int(-37));
    let pss_key = CoseKey::parse(&pss.encode()).unwrap();
    assert!(!pss_key.verify(b"message", &key.sign(b"message")));
}
