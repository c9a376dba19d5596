//! Wycheproof vectors for the primitives under the JWS layer: HMAC-SHA256 on [`HmacKey`],
//! Ed25519 on [`Ed25519VerifyingKey`].

use watchword_token::{Algorithm, Ed25519VerifyingKey, Error, HmacKey};

use crate::support::{hex, load_vectors, text};

/// `hmac_sha256_test.json`. Two policies make some "valid" cases fail here, on purpose:
///
/// - **Keys shorter than 32 bytes** (the 128-bit groups) are refused when the key is made
///   (RFC 7518 §3.2): the test asserts [`Error::KeyTooShort`] for each.
/// - **Truncated tags** (the 128-bit tag groups): a JWS carries the full tag and this crate
///   accepts only full-length tags, so `verify_mac` must answer [`Error::SignatureLength`] for
///   every such case, valid or not. The MAC itself is still checked: the leading bytes of our
///   full tag must equal the published truncated tag exactly when the case is valid.
#[test]
fn hmac_sha256() {
    let Some(file) = load_vectors("wycheproof/hmac_sha256_test.json") else {
        return;
    };
    let (mut full, mut truncated, mut short_keys) = (0, 0, 0);
    for group in file["testGroups"].as_array().expect("testGroups") {
        for case in group["tests"].as_array().expect("tests") {
            let id = case["tcId"].as_u64().expect("tcId");
            let valid = match text(case, "result") {
                "valid" => true,
                "invalid" => false,
                other => panic!("case {id}: result {other:?} needs a decision"),
            };
            let (secret, message, tag) = (
                hex(text(case, "key")),
                hex(text(case, "msg")),
                hex(text(case, "tag")),
            );
            let key = match HmacKey::hs256(&secret) {
                Ok(key) => key,
                Err(err) => {
                    assert!(secret.len() < 32, "case {id}");
                    assert_eq!(
                        err,
                        Error::KeyTooShort {
                            alg: Algorithm::Hs256,
                            min: 32,
                            found: secret.len()
                        }
                    );
                    short_keys += 1;
                    continue;
                }
            };
            if tag.len() == 32 {
                assert_eq!(key.verify_mac(&message, &tag).is_ok(), valid, "case {id}");
                assert_eq!(key.mac(&message) == tag, valid, "case {id}");
                full += 1;
            } else {
                let found = tag.len();
                assert_eq!(
                    key.verify_mac(&message, &tag),
                    Err(Error::SignatureLength {
                        alg: Algorithm::Hs256,
                        expected: 32,
                        found
                    }),
                    "case {id}"
                );
                assert_eq!(key.mac(&message)[..found] == tag[..], valid, "case {id}");
                truncated += 1;
            }
        }
    }
    eprintln!("wycheproof hmac-sha256: {full} full-tag cases, {truncated} truncated-tag cases refused by length, {short_keys} short keys refused");
    assert!(
        full >= 80 && truncated >= 80 && short_keys >= 6,
        "{full}/{truncated}/{short_keys}"
    );
}

/// `ed25519_test.json`: every case, through key parsing and strict verification.
#[test]
fn ed25519() {
    let Some(file) = load_vectors("wycheproof/ed25519_test.json") else {
        return;
    };
    let mut run = 0;
    for group in file["testGroups"].as_array().expect("testGroups") {
        let public = hex(text(&group["publicKey"], "pk"));
        let key = Ed25519VerifyingKey::from_bytes(&public);
        for case in group["tests"].as_array().expect("tests") {
            let id = case["tcId"].as_u64().expect("tcId");
            let valid = match text(case, "result") {
                "valid" => true,
                "invalid" => false,
                other => panic!("case {id}: result {other:?} needs a decision"),
            };
            let verdict = key.as_ref().map_err(Clone::clone).and_then(|key| {
                key.verify_message(&hex(text(case, "msg")), &hex(text(case, "sig")))
            });
            assert_eq!(
                verdict.is_ok(),
                valid,
                "case {id} {}: {verdict:?}",
                text(case, "comment")
            );
            run += 1;
        }
    }
    eprintln!("wycheproof ed25519: {run} cases run");
    assert!(run >= 150, "only {run} cases ran");
}
