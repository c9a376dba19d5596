//! Property tests: random claims round-trip through every algorithm, and any single-byte change
//! to a token makes verification fail.

use proptest::prelude::*;
use serde_json::{Map, Value};
use watchword_token::{Claims, SigningKey, UnixTime, Validation};

use crate::support::{ed25519, hs256, hs512, NOW};

fn signer(index: usize) -> SigningKey {
    match index % 3 {
        0 => hs256().into(),
        1 => hs512().into(),
        _ => ed25519().into(),
    }
}

fn arb_claims() -> impl Strategy<Value = Claims> {
    let extra = prop::collection::btree_map(
        "[a-z]{1,8}".prop_filter("registered names are not extra", |name| {
            !["exp", "nbf", "iat", "iss", "sub", "aud", "jti"].contains(&name.as_str())
        }),
        prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
            prop::collection::vec(any::<u32>(), 0..3).prop_map(Value::from),
        ],
        0..5,
    );
    (
        1..100_000u64,
        prop::option::of(0..100_000u64),
        prop::option::of(".{0,16}"),
        prop::option::of(".{0,16}"),
        prop::collection::vec(".{0,8}", 0..3),
        prop::option::of("[ -~]{0,16}"),
        extra,
    )
        .prop_map(|(ttl, age, iss, sub, aud, jti, extra)| {
            let mut claims =
                Claims::with_extra(NOW.plus(ttl), extra.into_iter().collect::<Map<_, _>>());
            claims.iat = age.map(|age| UnixTime(NOW.0 - age));
            claims.nbf = claims.iat;
            claims.iss = iss;
            claims.sub = sub;
            claims.aud = aud;
            claims.jti = jti;
            claims
        })
}

fn validation_for(claims: &Claims) -> Validation {
    let mut validation = Validation::new();
    if let Some(iss) = &claims.iss {
        validation = validation.issuer(iss.clone());
    }
    if let Some(aud) = claims.aud.first() {
        validation = validation.audience(aud.clone());
    }
    validation
}

proptest! {
    #[test]
    fn sign_then_verify_round_trips(claims in arb_claims(), key in 0..3usize) {
        let signer = signer(key);
        let token = signer.sign(&claims).expect("signs");
        let verified: Claims = signer.verify(&token, &validation_for(&claims), NOW).expect("verifies");
        prop_assert_eq!(verified, claims);
    }

    #[test]
    fn any_changed_byte_fails(claims in arb_claims(), key in 0..3usize, position in any::<prop::sample::Index>(), flip in 1..=255u8) {
        let signer = signer(key);
        let token = signer.sign(&claims).expect("signs");
        let mut bytes = token.into_bytes();
        let index = position.index(bytes.len());
        bytes[index] ^= flip;
        // A change that breaks UTF-8 cannot even be passed as a token.
        if let Ok(changed) = String::from_utf8(bytes) {
            let verdict = signer.verifying_key().verify_signature(&changed);
            prop_assert!(verdict.is_err(), "byte {} ^ {:#04x} accepted", index, flip);
        }
    }
}
