//! Properties over arbitrary and mutated inputs: no parser panics, parses round-trip, and a
//! changed bit in a signed registration or assertion is never accepted.

use proptest::prelude::*;
use serde_json::json;
use watchword_webauthn::{
    fuzzing, parse_authentication, parse_registration, AuthenticatorData, CollectedClientData,
    CoseAlgorithm, CoseKey,
};

use crate::support::{b64, formats, registered, rp, Assertion, Registration, CHALLENGE, NOW};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = CoseKey::parse(&data);
        let _ = CollectedClientData::parse(&data);
        let _ = fuzzing::attestation_object(&data);
        let _ = fuzzing::client_data(&data);
        let _ = fuzzing::cose_key(&data);
        if let Some(parsed) = fuzzing::authenticator_data(&data) {
            prop_assert_eq!(parsed.to_bytes(), data.clone());
        }
        let text = String::from_utf8_lossy(&data);
        let _ = parse_registration(&text);
        let _ = parse_authentication(&text);
        let _ = fuzzing::verify_registration(&data);
        let _ = fuzzing::verify_authentication(&data);
    }

    #[test]
    fn authenticator_data_from_valid_prefixes(cut in 0usize..300, flip in 0usize..2400) {
        let registration = Registration::new(CoseAlgorithm::Es256);
        let mut data = registration.auth_data();
        let index = flip / 8 % data.len();
        data[index] ^= 1 << (flip % 8);
        data.truncate(cut.min(data.len()));
        if let Ok(parsed) = AuthenticatorData::parse(&data) {
            prop_assert_eq!(parsed.to_bytes(), data);
        }
    }

    #[test]
    fn the_authentication_harness_agrees_with_the_rules(
        flags in any::<u8>(),
        counter in 0u32..12,
        tamper in any::<u8>(),
        bit in any::<u8>(),
    ) {
        let mut data = vec![1, flags];
        data.extend_from_slice(&counter.to_be_bytes());
        data.extend_from_slice(&[tamper, bit]);
        // Panics inside on a verdict the rules do not give.
        let _ = fuzzing::verify_authentication(&data);
    }
}

#[test]
fn no_changed_bit_of_a_signed_registration_is_accepted() {
    let rp = rp().build().unwrap();
    let registration = Registration::new(CoseAlgorithm::EdDsa).statement(formats::packed_self());
    let json = registration.json_value();
    assert!(registration.verify(&rp).is_ok());
    for member in ["attestationObject", "clientDataJSON"] {
        let bytes =
            crate::support::authenticator::decode(json["response"][member].as_str().unwrap());
        for bit in 0..bytes.len() * 8 {
            let mut tampered = bytes.clone();
            tampered[bit / 8] ^= 1 << (bit % 8);
            let mut changed = json.clone();
            changed["response"][member] = json!(b64(&tampered));
            let outcome = parse_registration(&changed.to_string())
                .and_then(|response| rp.verify_registration(&CHALLENGE, &response, NOW));
            assert!(outcome.is_err(), "{member} bit {bit} changed and accepted");
        }
    }
}

#[test]
fn no_changed_bit_of_an_assertion_is_accepted() {
    let rp = rp().build().unwrap();
    let (key, credential) = registered(CoseAlgorithm::Es256);
    let json: serde_json::Value =
        serde_json::from_str(&Assertion::new(&key, &credential).json()).unwrap();
    for member in [
        "authenticatorData",
        "clientDataJSON",
        "signature",
        "userHandle",
    ] {
        let bytes =
            crate::support::authenticator::decode(json["response"][member].as_str().unwrap());
        for bit in 0..bytes.len() * 8 {
            let mut tampered = bytes.clone();
            tampered[bit / 8] ^= 1 << (bit % 8);
            let mut changed = json.clone();
            changed["response"][member] = json!(b64(&tampered));
            let outcome = parse_authentication(&changed.to_string()).and_then(|response| {
                rp.verify_authentication(&CHALLENGE, &response, &credential, &[])
            });
            assert!(outcome.is_err(), "{member} bit {bit} changed and accepted");
        }
    }
}
