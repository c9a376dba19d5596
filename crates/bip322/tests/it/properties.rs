//! Properties over random keys and messages: a signature made by the test's own key
//! verifies, and changing any one byte of the message, of the decoded signature, or any one
//! character of the address makes it fail.

use proptest::prelude::*;
use proptest::sample::Index;
use watchword_bip322::bitcoin::consensus::serialize;
use watchword_bip322::{
    address, sign_simple, simple_witness, KeyAddress, Network, SecretKey, SignatureKind,
};

use crate::support::{b64, mainnet};

const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn kinds() -> impl Strategy<Value = KeyAddress> {
    prop_oneof![Just(KeyAddress::P2wpkh), Just(KeyAddress::P2tr)]
}

fn secret_keys() -> impl Strategy<Value = SecretKey> {
    any::<[u8; 32]>().prop_filter_map("in range", |bytes| SecretKey::from_slice(&bytes).ok())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn own_signature_verifies(
        secret in secret_keys(),
        kind in kinds(),
        message in proptest::collection::vec(any::<u8>(), 0..300),
        aux in any::<[u8; 32]>(),
    ) {
        let address = address(&secret, kind, Network::Bitcoin).to_string();
        let signature = sign_simple(&secret, kind, &message, aux);
        let verified = mainnet().verify(&address, &message, &signature);
        prop_assert_eq!(verified.map(|v| v.kind()), Ok(SignatureKind::Simple));
        // And unprefixed, as pre-1.0.0 signers wrote it.
        let verified = mainnet().verify(&address, &message, &signature[3..]);
        prop_assert_eq!(verified.map(|v| v.kind()), Ok(SignatureKind::Simple));
    }

    #[test]
    fn changed_message_byte_fails(
        secret in secret_keys(),
        kind in kinds(),
        message in proptest::collection::vec(any::<u8>(), 1..300),
        position in any::<Index>(),
        mask in 1u8..,
    ) {
        let address = address(&secret, kind, Network::Bitcoin).to_string();
        let signature = sign_simple(&secret, kind, &message, [0; 32]);
        let mut changed = message.clone();
        changed[position.index(message.len())] ^= mask;
        prop_assert!(mainnet().verify(&address, &changed, &signature).is_err());
    }

    #[test]
    fn changed_signature_byte_fails(
        secret in secret_keys(),
        kind in kinds(),
        message in proptest::collection::vec(any::<u8>(), 0..100),
        position in any::<Index>(),
        mask in 1u8..,
    ) {
        let address = address(&secret, kind, Network::Bitcoin).to_string();
        let mut bytes = serialize(&simple_witness(&secret, kind, &message, [0; 32]));
        let index = position.index(bytes.len());
        bytes[index] ^= mask;
        let signature = format!("smp{}", b64(&bytes));
        prop_assert!(mainnet().verify(&address, &message, &signature).is_err());
    }

    #[test]
    fn changed_address_character_fails(
        secret in secret_keys(),
        kind in kinds(),
        position in any::<Index>(),
        replacement in any::<Index>(),
    ) {
        let address = address(&secret, kind, Network::Bitcoin).to_string();
        let signature = sign_simple(&secret, kind, b"message", [0; 32]);
        let mut changed = address.clone().into_bytes();
        let index = position.index(changed.len());
        let mut character = BECH32[replacement.index(BECH32.len())];
        if character == changed[index] {
            character = if character == b'q' { b'p' } else { b'q' };
        }
        changed[index] = character;
        let changed = String::from_utf8(changed).expect("ascii");
        prop_assert!(mainnet().verify(&changed, b"message", &signature).is_err());
    }
}
