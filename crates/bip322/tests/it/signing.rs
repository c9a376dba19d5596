//! The simple signer: deterministic given its inputs, and its output is what the verifier and
//! the BIP expect.

use watchword_bip322::bitcoin::consensus::deserialize;
use watchword_bip322::bitcoin::Witness;
use watchword_bip322::{address, sign_simple, simple_witness, KeyAddress, Network, SignatureKind};

use crate::support::{check, key, mainnet, unb64};

#[test]
fn same_inputs_same_signature_and_aux_changes_it() {
    for kind in [KeyAddress::P2wpkh, KeyAddress::P2tr] {
        let secret = key(5);
        let one = sign_simple(&secret, kind, b"m", [1; 32]);
        assert_eq!(one, sign_simple(&secret, kind, b"m", [1; 32]));
        assert_ne!(one, sign_simple(&secret, kind, b"m", [2; 32]));
        assert!(one.starts_with("smp"));
    }
}

#[test]
fn witness_shapes() {
    let secret = key(5);
    let p2wpkh = simple_witness(&secret, KeyAddress::P2wpkh, b"m", [0; 32]);
    assert_eq!(p2wpkh.len(), 2);
    assert_eq!(
        p2wpkh.nth(0).and_then(<[u8]>::last),
        Some(&0x01),
        "SIGHASH_ALL"
    );
    assert_eq!(p2wpkh.nth(1).map(<[u8]>::len), Some(33));
    let p2tr = simple_witness(&secret, KeyAddress::P2tr, b"m", [0; 32]);
    assert_eq!(p2tr.len(), 1);
    assert_eq!(p2tr.nth(0).map(<[u8]>::len), Some(64), "SIGHASH_DEFAULT");
    let encoded = sign_simple(&secret, KeyAddress::P2tr, b"m", [0; 32]);
    let decoded: Witness = deserialize(&unb64(&encoded[3..])).expect("witness");
    assert_eq!(decoded, p2tr);
}

#[test]
fn addresses_by_network() {
    let secret = key(5);
    let cases = [
        (KeyAddress::P2wpkh, Network::Bitcoin, "bc1q"),
        (KeyAddress::P2wpkh, Network::Testnet, "tb1q"),
        (KeyAddress::P2wpkh, Network::Regtest, "bcrt1q"),
        (KeyAddress::P2tr, Network::Bitcoin, "bc1p"),
        (KeyAddress::P2tr, Network::Signet, "tb1p"),
    ];
    for (kind, network, prefix) in cases {
        let text = address(&secret, kind, network).to_string();
        assert!(text.starts_with(prefix), "{text}");
    }
    let signature = sign_simple(&secret, KeyAddress::P2tr, b"m", [0; 32]);
    check(
        &mainnet().verify(
            &address(&secret, KeyAddress::P2tr, Network::Bitcoin).to_string(),
            b"m",
            &signature,
        ),
        Ok(SignatureKind::Simple),
    );
}
