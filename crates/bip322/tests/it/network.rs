//! The verifier's network: an address of another network is refused before the signature is
//! read (the `bip322` crate up to 0.0.12 parses with `assume_checked` and so accepts any).

use watchword_bip322::bitcoin::secp256k1::Secp256k1;
use watchword_bip322::bitcoin::{Address, CompressedPublicKey};
use watchword_bip322::{address, sign_simple, KeyAddress, Network, SignatureKind, Verifier};

use crate::support::{check, key, legacy_sign};

const MESSAGE: &[u8] = b"network check";

fn verify(network: Network, address: &Address, signature: &str) -> Result<SignatureKind, String> {
    Verifier::new(network)
        .verify(&address.to_string(), MESSAGE, signature)
        .map(|verified| verified.kind())
        .map_err(|err| err.code().to_owned())
}

#[test]
fn testnet_address_against_mainnet_and_back() {
    for kind in [KeyAddress::P2wpkh, KeyAddress::P2tr] {
        let secret = key(3);
        let signature = sign_simple(&secret, kind, MESSAGE, [0; 32]);
        let testnet = address(&secret, kind, Network::Testnet);
        let mainnet = address(&secret, kind, Network::Bitcoin);
        assert!(testnet.to_string().starts_with("tb1"));
        assert!(mainnet.to_string().starts_with("bc1"));
        // The script, and so the signature, is the same on every network.
        assert_eq!(testnet.script_pubkey(), mainnet.script_pubkey());
        assert_eq!(
            verify(Network::Testnet, &testnet, &signature),
            Ok(SignatureKind::Simple)
        );
        assert_eq!(
            verify(Network::Bitcoin, &mainnet, &signature),
            Ok(SignatureKind::Simple)
        );
        assert_eq!(
            verify(Network::Bitcoin, &testnet, &signature),
            Err("network_mismatch".into())
        );
        assert_eq!(
            verify(Network::Testnet, &mainnet, &signature),
            Err("network_mismatch".into())
        );
    }
}

#[test]
fn signet_and_testnet4_share_testnets_addresses() {
    let secret = key(3);
    let signature = sign_simple(&secret, KeyAddress::P2wpkh, MESSAGE, [0; 32]);
    let testnet = address(&secret, KeyAddress::P2wpkh, Network::Testnet);
    assert_eq!(
        address(&secret, KeyAddress::P2wpkh, Network::Signet),
        testnet
    );
    for network in [Network::Signet, Network::Testnet4] {
        assert_eq!(
            verify(network, &testnet, &signature),
            Ok(SignatureKind::Simple)
        );
    }
}

#[test]
fn regtest_has_its_own_bech32_prefix() {
    let secret = key(3);
    let signature = sign_simple(&secret, KeyAddress::P2tr, MESSAGE, [0; 32]);
    let regtest = address(&secret, KeyAddress::P2tr, Network::Regtest);
    let testnet = address(&secret, KeyAddress::P2tr, Network::Testnet);
    assert!(regtest.to_string().starts_with("bcrt1"));
    assert_eq!(
        verify(Network::Regtest, &regtest, &signature),
        Ok(SignatureKind::Simple)
    );
    assert_eq!(
        verify(Network::Regtest, &testnet, &signature),
        Err("network_mismatch".into())
    );
    assert_eq!(
        verify(Network::Testnet, &regtest, &signature),
        Err("network_mismatch".into())
    );
    assert_eq!(
        verify(Network::Signet, &regtest, &signature),
        Err("network_mismatch".into())
    );
}

/// Base58 addresses have one prefix for every test network, regtest included.
#[test]
fn base58_test_addresses_serve_every_test_network() {
    let secret = key(3);
    let public = CompressedPublicKey(secret.public_key(&Secp256k1::new()));
    let signature = legacy_sign(&secret, MESSAGE, 31);
    let test = Address::p2pkh(public, Network::Testnet);
    let main = Address::p2pkh(public, Network::Bitcoin);
    for network in [
        Network::Testnet,
        Network::Testnet4,
        Network::Signet,
        Network::Regtest,
    ] {
        assert_eq!(
            verify(network, &test, &signature),
            Ok(SignatureKind::Legacy)
        );
        assert_eq!(
            verify(network, &main, &signature),
            Err("network_mismatch".into())
        );
    }
    assert_eq!(
        verify(Network::Bitcoin, &main, &signature),
        Ok(SignatureKind::Legacy)
    );
    assert_eq!(
        verify(Network::Bitcoin, &test, &signature),
        Err("network_mismatch".into())
    );
}

#[test]
fn network_is_checked_before_the_signature() {
    let testnet = address(&key(3), KeyAddress::P2wpkh, Network::Testnet);
    for signature in ["", "not base64!", "smpAA=="] {
        check(
            &Verifier::new(Network::Bitcoin).verify(&testnet.to_string(), MESSAGE, signature),
            Err("network_mismatch"),
        );
    }
}

#[test]
fn unparsable_address() {
    for text in [
        "",
        "bc1qnotanaddress",
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyX",
        "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0m",
    ] {
        check(
            &Verifier::new(Network::Bitcoin).verify(text, MESSAGE, "smpAA=="),
            Err("address_parse"),
        );
    }
}
