//! `watchword keys generate`.

use crate::watchword;

#[test]
fn generate_prints_a_private_jwk_and_its_public_jwks() {
    let first = watchword(&["keys", "generate"], None);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out: serde_json::Value = serde_json::from_slice(&first.stdout).expect("JSON");
    let jwk = &out["jwk"];
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    assert!(
        jwk["d"].as_str().is_some_and(|d| d.len() == 43),
        "private part: {jwk}"
    );
    let keys = out["jwks"]["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["x"], jwk["x"]);
    assert_eq!(keys[0]["kid"], jwk["kid"], "kid is the thumbprint on both");
    assert!(
        keys[0].get("d").is_none(),
        "the JWKS is public: {}",
        out["jwks"]
    );

    // The JWK is usable by the token crate, and each run makes a new key.
    watchword_token::Jwk::from_json(&jwk.to_string()).expect("parses back");
    let second: serde_json::Value =
        serde_json::from_slice(&watchword(&["keys", "generate"], None).stdout).expect("JSON");
    assert_ne!(second["jwk"]["d"], jwk["d"]);
}
