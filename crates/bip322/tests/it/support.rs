//! Helpers shared by the test modules: published vectors (through `watchword-testkit`), fixed
//! keys, and a small signer for the transactions and legacy signatures the crate's own signer
//! does not make (so that a test can break exactly one rule and sign the rest correctly).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;
use watchword_bip322::bitcoin::consensus::serialize;
use watchword_bip322::bitcoin::hashes::Hash as _;
use watchword_bip322::bitcoin::secp256k1::{ecdsa, Message, Secp256k1};
use watchword_bip322::bitcoin::sighash::{EcdsaSighashType, SighashCache};
use watchword_bip322::bitcoin::{
    Address, Amount, Network, PrivateKey, Script, Transaction, Witness,
};
use watchword_bip322::{
    legacy_message_hash, to_sign, to_spend, Error, SecretKey, SignatureKind, Verified, Verifier,
};

pub(crate) use watchword_testkit::{hex, load_vectors};

/// The string member `name` of a JSON object.
pub(crate) fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is not a string in {value}"))
}

/// A mainnet verifier with the default legacy policy.
pub(crate) fn mainnet() -> Verifier {
    Verifier::new(Network::Bitcoin)
}

/// A fixed test key: 32 bytes of `n` (`n` from 1 to 0xfe is below the group order).
pub(crate) fn key(n: u8) -> SecretKey {
    SecretKey::from_slice(&[n; 32]).expect("a valid secret key")
}

/// The secret key of a WIF string.
pub(crate) fn wif(text: &str) -> PrivateKey {
    PrivateKey::from_wif(text).expect("valid wif")
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub(crate) fn unb64(text: &str) -> Vec<u8> {
    STANDARD.decode(text).expect("base64")
}

/// `smp` and the base64 of a witness stack.
pub(crate) fn simple(witness: &Witness) -> String {
    format!("smp{}", b64(&serialize(witness)))
}

/// `ful` and the base64 of a transaction.
pub(crate) fn full(tx: &Transaction) -> String {
    format!("ful{}", b64(&serialize(tx)))
}

/// Asserts the verdict: `Ok(kind)` or `Err(code)`.
#[track_caller]
pub(crate) fn check(result: &Result<Verified, Error>, expect: Result<SignatureKind, &str>) {
    match (result, expect) {
        (Ok(verified), Ok(kind)) => assert_eq!(verified.kind(), kind),
        (Err(err), Err(code)) => assert_eq!(err.code(), code, "wrong error: {err}"),
        (got, want) => panic!("expected {want:?}, got {got:?}"),
    }
}

/// `to_spend` and the unsigned simple `to_sign` for `address` and `message`.
pub(crate) fn virtual_txs(address: &Address, message: &[u8]) -> (Transaction, Transaction) {
    let to_spend = to_spend(&address.script_pubkey(), message);
    let to_sign = to_sign(&to_spend, Witness::new());
    (to_spend, to_sign)
}

/// The BIP-143 digest of input 0 of `tx` spending a P2WPKH `script_pubkey` of 0 sat, with
/// `sighash_type`.
pub(crate) fn p2wpkh_digest(
    tx: &Transaction,
    script_pubkey: &Script,
    sighash_type: EcdsaSighashType,
) -> [u8; 32] {
    SighashCache::new(tx)
        .p2wpkh_signature_hash(0, script_pubkey, Amount::ZERO, sighash_type)
        .expect("p2wpkh input 0")
        .to_byte_array()
}

/// A low-S ECDSA signature by `key` over `digest`, DER with `sighash_byte` appended.
pub(crate) fn ecdsa_element(key: &SecretKey, digest: [u8; 32], sighash_byte: u8) -> Vec<u8> {
    let signature = Secp256k1::new().sign_ecdsa(&Message::from_digest(digest), key);
    let mut element = signature.serialize_der().to_vec();
    element.push(sighash_byte);
    element
}

/// The group order of secp256k1, big-endian.
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// `n − s` for a 32-byte big-endian `s` below `n`.
pub(crate) fn negate_scalar(s: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut digit = i16::from(ORDER[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        out[i] = u8::try_from(digit).expect("a byte");
    }
    out
}

/// The same signature with `s` replaced by `n − s` (valid, but high S), DER with the same
/// sighash byte.
pub(crate) fn high_s(element: &[u8]) -> Vec<u8> {
    let (&sighash_byte, der) = element.split_last().expect("non-empty");
    let compact = ecdsa::Signature::from_der(der)
        .expect("der")
        .serialize_compact();
    let mut flipped = compact;
    flipped[32..].copy_from_slice(&negate_scalar(&compact[32..]));
    let mut element = ecdsa::Signature::from_compact(&flipped)
        .expect("in range")
        .serialize_der()
        .to_vec();
    element.push(sighash_byte);
    element
}

/// A legacy (`signmessage`) signature by `key` with header `base + recovery id`, base64.
pub(crate) fn legacy_sign(key: &SecretKey, message: &[u8], base: u8) -> String {
    let digest = Message::from_digest(legacy_message_hash(message));
    let signature = Secp256k1::new().sign_ecdsa_recoverable(&digest, key);
    let (recovery_id, compact) = signature.serialize_compact();
    let mut bytes = vec![base + u8::try_from(recovery_id.to_i32()).expect("0..=3")];
    bytes.extend_from_slice(&compact);
    b64(&bytes)
}
