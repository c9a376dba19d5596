//! Every supported algorithm, through a whole registration and sign-in with the software
//! authenticator.

use watchword_webauthn::{AttestationTrust, CoseAlgorithm};

use crate::support::{formats, registered, rp, Assertion, Registration, CHALLENGE};

#[test]
fn every_algorithm_registers_and_signs_in() {
    let rp = rp().build().unwrap();
    for alg in CoseAlgorithm::ALL {
        for statement in [formats::none(), formats::packed_self()] {
            let registration = Registration::new(alg).statement(statement);
            let verified = registration
                .verify(&rp)
                .unwrap_or_else(|e| panic!("{alg}: {e}"));
            assert_eq!(verified.credential.alg, alg.id());
            assert_eq!(verified.attestation_trust, AttestationTrust::SelfOrNone);
            let mut credential = verified.credential;
            credential.user_handle = Some(b"user".to_vec());
            let assertion = Assertion::new(&registration.key, &credential);
            let authentication = rp
                .verify_authentication(&CHALLENGE, &assertion.response(), &credential, &[])
                .unwrap_or_else(|e| panic!("{alg}: {e}"));
            assert_eq!(authentication.sign_count, 1);
            credential.update(&authentication);
            assert_eq!(credential.sign_count, 1);
        }
    }
}

#[test]
fn a_signature_by_another_key_of_the_same_algorithm_is_refused() {
    let rp = rp().build().unwrap();
    for alg in [
        CoseAlgorithm::Es256,
        CoseAlgorithm::Es384,
        CoseAlgorithm::Es512,
        CoseAlgorithm::EdDsa,
    ] {
        let (key, credential) = registered(alg);
        let other = crate::support::TestKey::generate(alg);
        let assertion = Assertion::new(&key, &credential).with(|a| a.signer = Some(other));
        let outcome = rp.verify_authentication(&CHALLENGE, &assertion.response(), &credential, &[]);
        assert_eq!(
            outcome.map_err(|e| e.code()).err(),
            Some("bad_signature"),
            "{alg}"
        );
    }
}

#[test]
fn an_rsa_signature_with_another_hash_or_padding_is_refused() {
    // One RSA key signs as each RSA algorithm; the credential's algorithm fixes both the hash
    // and the padding, so a signature made as any other is refused.
    let rp = rp().build().unwrap();
    let rsa = [
        CoseAlgorithm::Rs256,
        CoseAlgorithm::Rs384,
        CoseAlgorithm::Rs512,
        CoseAlgorithm::Ps256,
        CoseAlgorithm::Ps384,
        CoseAlgorithm::Ps512,
    ];
    for alg in rsa {
        let (key, credential) = registered(alg);
        for other in rsa.into_iter().filter(|other| *other != alg) {
            let signer = crate::support::TestKey::generate(other);
            let assertion = Assertion::new(&key, &credential).with(|a| a.signer = Some(signer));
            let outcome =
                rp.verify_authentication(&CHALLENGE, &assertion.response(), &credential, &[]);
            assert_eq!(
                outcome.map_err(|e| e.code()).err(),
                Some("bad_signature"),
                "{alg} signed as {other}"
            );
        }
    }
}
