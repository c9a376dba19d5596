//! C2SP CCTV Ed25519 edge cases (`ed25519-cctv/VALIDATIONVECTORS.json`, as shipped with
//! ed25519-dalek). The file gives no verdicts, only flags; this crate's policy decides each one.
//!
//! [`Ed25519VerifyingKey`] accepts only canonical encodings of points of large order, and
//! verification is ed25519-dalek's `verify_strict`. Per flag:
//!
//! | flag | verdict | why |
//! |---|---|---|
//! | `low_order_A` | reject | a small-order public key verifies signatures for many messages; refused when the key is made |
//! | `non_canonical_A` | reject | two encodings of one key would mean two thumbprints; refused when the key is made |
//! | `low_order_R` | reject | `verify_strict` refuses small-order `R` |
//! | `non_canonical_R` | reject | `R` is compared as bytes with the recomputed, canonical `R` |
//! | `low_order_residue` | reject | only the cofactored equation holds; we check the cofactorless one |
//! | `low_order_component_A`/`_R` | accept | mixed-order points are valid encodings; the cofactorless equation decides |
//! | `reencoded_k` | — | only appears with non-canonical encodings, already rejected |
//!
//! `S ≥ L` has no flag in this file; it is rejected (`verify_strict` requires canonical `S`),
//! which Wycheproof's `SignatureMalleability` cases check.

use watchword_token::Ed25519VerifyingKey;

use crate::support::{hex, load_vectors, text};

const REJECTING_FLAGS: [&str; 5] = [
    "low_order_A",
    "non_canonical_A",
    "low_order_R",
    "non_canonical_R",
    "low_order_residue",
];

#[test]
fn cctv_validation_vectors() {
    let Some(file) = load_vectors("ed25519-cctv/VALIDATIONVECTORS.json") else {
        return;
    };
    let (mut accepted, mut rejected) = (0, 0);
    for case in file.as_array().expect("array of cases") {
        let number = case["number"].as_u64().expect("number");
        let flags: Vec<&str> = case["flags"].as_array().map_or_else(Vec::new, |flags| {
            flags
                .iter()
                .map(|flag| flag.as_str().expect("flag"))
                .collect()
        });
        let expected = !flags.iter().any(|flag| REJECTING_FLAGS.contains(flag));
        let verdict = Ed25519VerifyingKey::from_bytes(&hex(text(case, "key"))).and_then(|key| {
            key.verify_message(text(case, "msg").as_bytes(), &hex(text(case, "sig")))
        });
        assert_eq!(
            verdict.is_ok(),
            expected,
            "case {number} {flags:?}: {verdict:?}"
        );
        if expected {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    eprintln!("ed25519 cctv: {accepted} accepted, {rejected} rejected");
    assert_eq!(accepted + rejected, 914);
    assert!(accepted > 0 && rejected > 0);
}
