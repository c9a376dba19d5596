//! Verifying one BIP-322 simple signature per address type three ways, side by side:
//! `watchword-bip322` (address and network, base64, witness, `to_spend`/`to_sign`, sighash,
//! signature), the `bip322` crate 0.0.12 (`verify_simple_encoded`, the same steps without the
//! network check), and the raw libsecp256k1 check of the one signature over a precomputed
//! sighash (ECDSA for P2WPKH and P2SH-P2WPKH, BIP-340 Schnorr for P2TR), which bounds what any BIP-322
//! verifier can reach.
//!
//! After the criterion groups, a plain timed loop prints the ratios ours/bip322 and ours/raw
//! per address type (only under `cargo bench`, not in `cargo test --benches`).

use std::hint::black_box;

use bitcoin::hashes::Hash as _;
use bitcoin::secp256k1::{
    ecdsa, schnorr, Message, PublicKey, Secp256k1, VerifyOnly, XOnlyPublicKey,
};
use bitcoin::sighash::{EcdsaSighashType, Prevouts, SighashCache, TapSighashType};
use bitcoin::{Network, ScriptBuf, WPubkeyHash, Witness};
use criterion::{criterion_group, Criterion};
use watchword_benches::Row;
use watchword_bip322::{
    address, sign_simple, simple_witness, to_sign, to_spend, KeyAddress, SecretKey, Verifier,
};

const SECRET: [u8; 32] = *b"benchmark bip322 secret, 32 byte";
const MESSAGE: &str =
    "auth.example.com wants you to sign in with your Bitcoin account. Nonce: 0f9c2d4e6a8b1c3d";

/// The one signature check under a simple signature, with its inputs decoded once.
enum Raw {
    Ecdsa(Message, ecdsa::Signature, PublicKey),
    Schnorr(Message, schnorr::Signature, XOnlyPublicKey),
}

struct Case {
    name: &'static str,
    address: String,
    signature: String,
    verifier: Verifier,
    secp: Secp256k1<VerifyOnly>,
    raw: Raw,
}

impl Case {
    fn new(name: &'static str, kind: KeyAddress) -> Self {
        let secret = SecretKey::from_slice(&SECRET).expect("valid key");
        let address = address(&secret, kind, Network::Bitcoin);
        let signature = sign_simple(&secret, kind, MESSAGE.as_bytes(), [7; 32]);
        let raw = raw_check(
            &address,
            &simple_witness(&secret, kind, MESSAGE.as_bytes(), [7; 32]),
            kind,
        );
        Case {
            name,
            address: address.to_string(),
            signature,
            verifier: Verifier::new(Network::Bitcoin),
            secp: Secp256k1::verification_only(),
            raw,
        }
    }

    fn ours(&self) -> bool {
        self.verifier
            .verify(
                black_box(&self.address),
                black_box(MESSAGE.as_bytes()),
                black_box(&self.signature),
            )
            .is_ok()
    }

    fn bip322(&self) -> bool {
        bip322::verify_simple_encoded(
            black_box(&self.address),
            black_box(MESSAGE),
            black_box(&self.signature),
        )
        .is_ok()
    }

    fn raw(&self) -> bool {
        match &self.raw {
            Raw::Ecdsa(digest, signature, key) => self
                .secp
                .verify_ecdsa(black_box(digest), signature, key)
                .is_ok(),
            Raw::Schnorr(digest, signature, key) => self
                .secp
                .verify_schnorr(signature, black_box(digest), key)
                .is_ok(),
        }
    }
}

/// Takes the signature's witness apart and computes its sighash, once, for the raw check.
fn raw_check(address: &bitcoin::Address, witness: &Witness, kind: KeyAddress) -> Raw {
    let to_spend = to_spend(&address.script_pubkey(), MESSAGE.as_bytes());
    let to_sign = to_sign(&to_spend, witness.clone());
    let mut cache = SighashCache::new(&to_sign);
    if matches!(kind, KeyAddress::P2wpkh | KeyAddress::P2shP2wpkh) {
        // BIP-143 signs the P2WPKH program of the witness key, nested in P2SH or not.
        let key = witness.nth(1).expect("key");
        let program = ScriptBuf::new_p2wpkh(&WPubkeyHash::hash(key));
        let digest = cache
            .p2wpkh_signature_hash(0, &program, to_spend.output[0].value, EcdsaSighashType::All)
            .expect("p2wpkh");
        let element = witness.nth(0).expect("signature");
        Raw::Ecdsa(
            Message::from_digest(digest.to_byte_array()),
            ecdsa::Signature::from_der(&element[..element.len() - 1]).expect("der"),
            PublicKey::from_slice(witness.nth(1).expect("key")).expect("key"),
        )
    } else {
        let digest = cache
            .taproot_key_spend_signature_hash(
                0,
                &Prevouts::All(&to_spend.output),
                TapSighashType::Default,
            )
            .expect("taproot");
        let script_pubkey = address.script_pubkey();
        let program = &script_pubkey.as_bytes()[2..];
        Raw::Schnorr(
            Message::from_digest(digest.to_byte_array()),
            schnorr::Signature::from_slice(witness.nth(0).expect("signature")).expect("64 bytes"),
            XOnlyPublicKey::from_slice(program).expect("output key"),
        )
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case::new("P2WPKH", KeyAddress::P2wpkh),
        Case::new("P2SH-WPKH", KeyAddress::P2shP2wpkh),
        Case::new("P2TR", KeyAddress::P2tr),
    ]
}

fn verify(c: &mut Criterion) {
    for case in cases() {
        assert!(
            case.ours() && case.raw(),
            "{}: ours and raw accept",
            case.name
        );
        let mut group = c.benchmark_group(format!("bip322-verify/{}", case.name));
        group.bench_function("watchword-bip322", |b| b.iter(|| case.ours()));
        if case.bip322() {
            group.bench_function("bip322", |b| b.iter(|| case.bip322()));
        } else {
            eprintln!(
                "{}: the bip322 crate refuses this signature, not timed",
                case.name
            );
        }
        group.bench_function("raw", |b| b.iter(|| case.raw()));
        group.finish();
    }
}

criterion_group!(benches, verify);

fn print_ratios() {
    let cases = cases();
    let rows: Vec<Row<'_>> = cases
        .iter()
        .map(|case| Row::measure(case.name, || case.ours(), || case.bip322(), || case.raw()))
        .collect();
    watchword_benches::print_ratios("bip322 simple verify", "bip322", "raw secp", &rows);
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|arg| arg == "--bench") {
        print_ratios();
    }
}
