//! Real wallet signatures through `Bip322Verifier` (feature `bip322`): OrangeCheck's BIP-322
//! vectors tv21–tv23, and whole sign-ins signed with BIP-322 simple signatures.

use watchword_bip322::{address, sign_simple, KeyAddress, SecretKey};
use watchword_session::bip322::{Bip322Verifier, Network};
use watchword_session::{
    Attestation, Challenge, SigError, SignInCheck, SignInRejection, SignatureVerifier,
    SigningMethod,
};

use crate::support::{nonce, T0};

fn text<'a>(value: &'a serde_json::Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is a string"))
}

#[test]
fn orangecheck_tv21_to_tv23() {
    let verifier = Bip322Verifier::new(Network::Bitcoin);
    let mut checked = 0;
    for id in ["tv21", "tv22", "tv23"] {
        let Some(vector) = watchword_testkit::load_vectors(&format!("orangecheck/{id}.json"))
        else {
            return;
        };
        let input = &vector["input"];
        assert_eq!(text(input, "scheme"), "bip322", "{id}");
        let (address, message) = (text(input, "address"), text(input, "message"));
        let verdict = verifier.verify(address, message.as_bytes(), text(input, "signature"));
        let valid = vector["expected"]["valid"].as_bool().expect("valid flag");
        if valid {
            assert_eq!(verdict, Ok(SigningMethod::Bip322Simple), "{id}");
        } else {
            assert!(
                matches!(verdict, Err(SigError::Invalid(_))),
                "{id}: {verdict:?}"
            );
        }
        // The signed text is itself a canonical attestation for the same address.
        let attestation = Attestation::parse(message).unwrap_or_else(|err| panic!("{id}: {err}"));
        assert_eq!(attestation.address(), address, "{id}");
        checked += 1;
    }
    assert_eq!(checked, 3);
}

fn key(byte: u8) -> SecretKey {
    SecretKey::from_slice(&[byte; 32]).expect("valid scalar")
}

fn sign_in(kind: KeyAddress, network: Network) -> Result<String, SignInRejection> {
    let secret = key(0x42);
    let address = address(&secret, kind, network).to_string();
    let stored = Challenge::new(&address, nonce(), T0, 300)
        .and_then(|c| c.with_audience("https://example.com"))
        .and_then(|c| c.with_purpose("login"))
        .expect("valid")
        .to_text();
    let signature = sign_simple(&secret, kind, stored.as_bytes(), [7; 32]);
    SignInCheck::new(nonce())
        .audience("https://example.com")
        .purpose("login")
        .verify(
            &stored,
            &signature,
            T0.plus(30),
            &Bip322Verifier::new(Network::Bitcoin),
        )
        .map(|signed_in| {
            assert_eq!(signed_in.signing_method, SigningMethod::Bip322Simple);
            signed_in.address
        })
}

#[test]
fn a_wallet_signs_in_with_p2wpkh_and_p2tr() {
    for kind in [KeyAddress::P2wpkh, KeyAddress::P2tr] {
        let address = sign_in(kind, Network::Bitcoin).expect("signed in");
        assert!(address.starts_with("bc1"), "{address}");
    }
}

#[test]
fn a_signature_over_another_text_is_invalid() {
    let secret = key(0x42);
    let address = address(&secret, KeyAddress::P2wpkh, Network::Bitcoin).to_string();
    let stored = Challenge::new(&address, nonce(), T0, 300)
        .expect("valid")
        .to_text();
    let other = stored.replace("2026-04-22T12:05:00Z", "2026-04-22T13:00:00Z");
    let signature = sign_simple(&secret, KeyAddress::P2wpkh, other.as_bytes(), [7; 32]);
    let verdict = SignInCheck::new(nonce()).verify(
        &stored,
        &signature,
        T0,
        &Bip322Verifier::new(Network::Bitcoin),
    );
    assert_eq!(verdict.map(drop).map_err(|r| r.code()), Err("sig_invalid"));
    let by_another_key = sign_simple(&key(0x43), KeyAddress::P2wpkh, stored.as_bytes(), [7; 32]);
    let verdict = SignInCheck::new(nonce()).verify(
        &stored,
        &by_another_key,
        T0,
        &Bip322Verifier::new(Network::Bitcoin),
    );
    assert_eq!(verdict.map(drop).map_err(|r| r.code()), Err("sig_invalid"));
}

#[test]
fn an_address_of_another_network_is_unsupported() {
    let verdict = sign_in(KeyAddress::P2wpkh, Network::Testnet);
    assert_eq!(verdict.map_err(|r| r.code()), Err("sig_unsupported"));
    assert_eq!(
        Bip322Verifier::new(Network::Testnet).network(),
        Network::Testnet
    );
}

#[test]
fn garbage_signatures_are_invalid() {
    let verifier = Bip322Verifier::new(Network::Bitcoin);
    let address = address(&key(1), KeyAddress::P2wpkh, Network::Bitcoin).to_string();
    for signature in ["AAAA", "not base64!", "smp", "ful////"] {
        assert!(
            matches!(
                verifier.verify(&address, b"m", signature),
                Err(SigError::Invalid(_))
            ),
            "{signature}"
        );
    }
}
