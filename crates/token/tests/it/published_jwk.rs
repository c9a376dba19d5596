//! Wycheproof `json_web_key_test.json`: key sets with a token each. Cases whose token `alg` this
//! crate implements run (a set that fails to load counts as a rejection); the rest (RS*, ES*,
//! HS384) are counted as skipped.

use serde_json::Value;
use watchword_token::{Jwks, KeyRing};

use crate::support::{load_vectors, text, unb64};

#[test]
fn json_web_key() {
    let Some(file) = load_vectors("wycheproof/json_web_key_test.json") else {
        return;
    };
    let (mut run, mut skipped) = (0, 0);
    for group in file["testGroups"].as_array().expect("testGroups") {
        let set = if group["public"].is_object() {
            &group["public"]
        } else {
            &group["private"]
        };
        for case in group["tests"].as_array().expect("tests") {
            let id = case["tcId"].as_u64().expect("tcId");
            let token = text(case, "jws");
            let header: Value =
                serde_json::from_slice(&unb64(token.split('.').next().expect("header")))
                    .expect("json");
            if !matches!(
                header["alg"].as_str(),
                Some("HS256" | "HS512" | "EdDSA" | "Ed25519")
            ) {
                skipped += 1;
                continue;
            }
            let expected = text(case, "result") == "valid";
            // Mixed secret/asymmetric sets (case 1), duplicate kids (case 4), short and empty
            // HMAC secrets (10, 12, 16, 18) fail to load; AES keys (25, 26) are skipped as
            // unsupported, leaving no key for the token.
            let verdict = Jwks::from_json(&set.to_string())
                .and_then(|jwks| KeyRing::from_jwks(&jwks))
                .and_then(|ring| ring.verify_signature(token));
            assert_eq!(
                verdict.is_ok(),
                expected,
                "case {id} {}: {verdict:?}",
                text(case, "comment")
            );
            run += 1;
        }
    }
    eprintln!("wycheproof jwk: {run} cases run, {skipped} skipped (algorithms not implemented)");
    assert!(run >= 12, "only {run} cases ran");
}
