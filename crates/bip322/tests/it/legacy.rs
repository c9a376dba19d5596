//! The legacy (BIP-137) rules, one test each, with signatures made here by a fixed key.

use watchword_bip322::bitcoin::secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use watchword_bip322::bitcoin::secp256k1::{Message, Secp256k1};
use watchword_bip322::bitcoin::{Address, AddressType, CompressedPublicKey, PublicKey};
use watchword_bip322::legacy::Header;
use watchword_bip322::{
    legacy_message_hash, LegacyPolicy, Network, SecretKey, SignatureKind, Verifier,
};

use crate::support::{b64, check, key, legacy_sign, mainnet, negate_scalar, unb64};

const MESSAGE: &[u8] = b"sign in to example.com, nonce 8c1f";

struct Addresses {
    p2pkh_compressed: String,
    p2pkh_uncompressed: String,
    p2wpkh: String,
    p2sh_p2wpkh: String,
    p2tr: String,
}

fn addresses(secret: &SecretKey) -> Addresses {
    let secp = Secp256k1::new();
    let point = secret.public_key(&secp);
    let compressed = CompressedPublicKey(point);
    Addresses {
        p2pkh_compressed: Address::p2pkh(compressed, Network::Bitcoin).to_string(),
        p2pkh_uncompressed: Address::p2pkh(PublicKey::new_uncompressed(point), Network::Bitcoin)
            .to_string(),
        p2wpkh: Address::p2wpkh(&compressed, Network::Bitcoin).to_string(),
        p2sh_p2wpkh: Address::p2shwpkh(&compressed, Network::Bitcoin).to_string(),
        p2tr: Address::p2tr(&secp, point.x_only_public_key().0, None, Network::Bitcoin).to_string(),
    }
}

fn lenient() -> Verifier {
    Verifier::new(Network::Bitcoin).allow_legacy_segwit(true)
}

/// Rewrites the header byte of a base64 legacy signature.
fn with_header(signature: &str, header: u8) -> String {
    let mut bytes = unb64(signature);
    bytes[0] = header;
    b64(&bytes)
}

#[test]
fn header_normalisation_covers_every_byte() {
    for byte in 0..=u8::MAX {
        match Header::parse(byte) {
            Ok(header) => {
                assert!((27..=42).contains(&byte));
                assert_eq!(header.recovery_id(), (byte - 27) & 3);
                // rust-bitcoin reads 35–38 as uncompressed; BIP-137 says compressed.
                assert_eq!(header.compressed(), byte >= 31);
                let expected = match byte {
                    27..=34 => AddressType::P2pkh,
                    35..=38 => AddressType::P2sh,
                    _ => AddressType::P2wpkh,
                };
                assert_eq!(header.address_type(), expected);
            }
            Err(err) => {
                assert!(!(27..=42).contains(&byte));
                assert_eq!(err.code(), "legacy_header");
            }
        }
    }
}

#[test]
fn p2pkh_compressed_and_uncompressed_verify_by_default() {
    let secret = key(7);
    let addresses = addresses(&secret);
    let compressed = legacy_sign(&secret, MESSAGE, 31);
    let uncompressed = legacy_sign(&secret, MESSAGE, 27);
    check(
        &mainnet().verify(&addresses.p2pkh_compressed, MESSAGE, &compressed),
        Ok(SignatureKind::Legacy),
    );
    check(
        &mainnet().verify(&addresses.p2pkh_uncompressed, MESSAGE, &uncompressed),
        Ok(SignatureKind::Legacy),
    );
    // The compressed flag picks the key encoding, so it cannot be crossed.
    check(
        &mainnet().verify(&addresses.p2pkh_uncompressed, MESSAGE, &compressed),
        Err("public_key_mismatch"),
    );
    check(
        &mainnet().verify(&addresses.p2pkh_compressed, MESSAGE, &uncompressed),
        Err("public_key_mismatch"),
    );
}

#[test]
fn wrong_message_recovers_another_key() {
    let secret = key(7);
    let signature = legacy_sign(&secret, MESSAGE, 31);
    check(
        &mainnet().verify(&addresses(&secret).p2pkh_compressed, b"another", &signature),
        Err("public_key_mismatch"),
    );
}

#[test]
fn segwit_headers_need_the_option() {
    let secret = key(7);
    let addresses = addresses(&secret);
    let cases = [
        (&addresses.p2wpkh, legacy_sign(&secret, MESSAGE, 39)),
        (&addresses.p2sh_p2wpkh, legacy_sign(&secret, MESSAGE, 35)),
        // Electrum writes the compressed P2PKH header for every address type.
        (&addresses.p2wpkh, legacy_sign(&secret, MESSAGE, 31)),
        (&addresses.p2sh_p2wpkh, legacy_sign(&secret, MESSAGE, 31)),
    ];
    for (address, signature) in &cases {
        check(
            &mainnet().verify(address, MESSAGE, signature),
            Err("legacy_not_allowed"),
        );
        check(
            &lenient().verify(address, MESSAGE, signature),
            Ok(SignatureKind::Legacy),
        );
    }
}

#[test]
fn uncompressed_key_header_against_p2wpkh_is_refused() {
    let secret = key(7);
    let addresses = addresses(&secret);
    let signature = legacy_sign(&secret, MESSAGE, 27);
    for address in [&addresses.p2wpkh, &addresses.p2sh_p2wpkh] {
        check(
            &lenient().verify(address, MESSAGE, &signature),
            Err("legacy_header_mismatch"),
        );
    }
}

#[test]
fn header_for_another_address_type_is_refused() {
    let secret = key(7);
    let addresses = addresses(&secret);
    let p2sh_header = legacy_sign(&secret, MESSAGE, 35);
    let p2wpkh_header = legacy_sign(&secret, MESSAGE, 39);
    let cases = [
        (&addresses.p2pkh_compressed, &p2sh_header),
        (&addresses.p2pkh_compressed, &p2wpkh_header),
        (&addresses.p2wpkh, &p2sh_header),
        (&addresses.p2sh_p2wpkh, &p2wpkh_header),
    ];
    for (address, signature) in cases {
        check(
            &lenient().verify(address, MESSAGE, signature),
            Err("legacy_header_mismatch"),
        );
    }
}

#[test]
fn header_out_of_range_is_refused() {
    let secret = key(7);
    let address = addresses(&secret).p2pkh_compressed;
    let signature = legacy_sign(&secret, MESSAGE, 31);
    for header in [0, 26, 43, 0xff] {
        check(
            &lenient().verify(&address, MESSAGE, &with_header(&signature, header)),
            Err("legacy_header"),
        );
    }
}

#[test]
fn legacy_against_p2tr_is_not_defined() {
    let secret = key(7);
    let signature = legacy_sign(&secret, MESSAGE, 31);
    check(
        &lenient().verify(&addresses(&secret).p2tr, MESSAGE, &signature),
        Err("kind_not_allowed"),
    );
}

#[test]
fn refuse_policy_refuses_p2pkh() {
    let secret = key(7);
    let signature = legacy_sign(&secret, MESSAGE, 31);
    let verifier = Verifier::new(Network::Bitcoin).legacy_policy(LegacyPolicy::Refuse);
    check(
        &verifier.verify(&addresses(&secret).p2pkh_compressed, MESSAGE, &signature),
        Err("legacy_not_allowed"),
    );
}

#[test]
fn legacy_length_must_be_65() {
    let secret = key(7);
    let address = addresses(&secret).p2pkh_compressed;
    let bytes = unb64(&legacy_sign(&secret, MESSAGE, 31));
    for len in [1, 64, 66, 100] {
        let mut bytes = bytes.clone();
        bytes.resize(len, 0);
        check(
            &mainnet().verify(&address, MESSAGE, &b64(&bytes)),
            Err("legacy_length"),
        );
    }
}

/// `(r, n − s)` with the other recovery id recovers the same key: a valid signature that only
/// the low-S rule refuses.
#[test]
fn high_s_legacy_is_refused() {
    let secret = key(7);
    let address = addresses(&secret).p2pkh_compressed;
    let bytes = unb64(&legacy_sign(&secret, MESSAGE, 31));
    let mut high = bytes.clone();
    high[0] = 31 + ((bytes[0] - 31) ^ 1);
    high[33..].copy_from_slice(&negate_scalar(&bytes[33..]));

    let secp = Secp256k1::new();
    let recovered = secp
        .recover_ecdsa(
            &Message::from_digest(legacy_message_hash(MESSAGE)),
            &RecoverableSignature::from_compact(
                &high[1..],
                RecoveryId::from_i32(i32::from(high[0] - 31)).expect("0..=3"),
            )
            .expect("in range"),
        )
        .expect("recovers");
    assert_eq!(
        recovered,
        secret.public_key(&secp),
        "the high-S form is valid"
    );

    check(
        &mainnet().verify(&address, MESSAGE, &b64(&high)),
        Err("high_s"),
    );
}

#[test]
fn r_out_of_range_is_an_encoding_error() {
    let secret = key(7);
    let address = addresses(&secret).p2pkh_compressed;
    let mut bytes = unb64(&legacy_sign(&secret, MESSAGE, 31));
    bytes[1..33].fill(0xff);
    check(
        &mainnet().verify(&address, MESSAGE, &b64(&bytes)),
        Err("signature_encoding"),
    );
}
