//! One test per rule the verifier enforces: each builds a signature that is correct except
//! for the one rule, and checks the error code (legacy rules: `legacy.rs`; networks:
//! `network.rs`; proof of funds: `proof_of_funds.rs`).

use watchword_bip322::bitcoin::hashes::{hash160, Hash as _};
use watchword_bip322::bitcoin::key::TapTweak as _;
use watchword_bip322::bitcoin::script::{Builder, PushBytesBuf};
use watchword_bip322::bitcoin::secp256k1::{Keypair, Message, Secp256k1};
use watchword_bip322::bitcoin::sighash::{
    EcdsaSighashType, Prevouts, SighashCache, TapSighashType,
};
use watchword_bip322::bitcoin::transaction::Version;
use watchword_bip322::bitcoin::{
    absolute, Address, Amount, CompressedPublicKey, OutPoint, PublicKey, ScriptBuf, Sequence,
    Transaction, TxIn, TxOut, WPubkeyHash, Witness, WitnessProgram, WitnessVersion,
};
use watchword_bip322::primitives::verify_ecdsa;
use watchword_bip322::{
    address, sign_simple, simple_witness, KeyAddress, Network, SecretKey, SignatureKind,
    MAX_SIGNATURE_LEN,
};

use crate::support::{
    b64, check, ecdsa_element, full, high_s, key, mainnet, p2wpkh_digest, simple, unb64,
    virtual_txs,
};

const MESSAGE: &[u8] = b"one rule at a time";

fn p2wpkh_address(secret: &SecretKey) -> Address {
    address(secret, KeyAddress::P2wpkh, Network::Bitcoin)
}

fn public(secret: &SecretKey) -> [u8; 33] {
    secret.public_key(&Secp256k1::new()).serialize()
}

/// The P2WPKH witness items for `address`, signed by `signer` with `sighash_type` and the
/// sighash byte `byte`.
fn p2wpkh_signature(
    signer: &SecretKey,
    address: &Address,
    sighash_type: EcdsaSighashType,
    byte: u8,
) -> Vec<u8> {
    let (_, to_sign) = virtual_txs(address, MESSAGE);
    let digest = p2wpkh_digest(&to_sign, &address.script_pubkey(), sighash_type);
    ecdsa_element(signer, digest, byte)
}

fn verify_simple(
    address: &Address,
    items: &[&[u8]],
) -> Result<watchword_bip322::Verified, watchword_bip322::Error> {
    mainnet().verify(
        &address.to_string(),
        MESSAGE,
        &simple(&Witness::from_slice(items)),
    )
}

#[test]
fn the_valid_baseline() {
    let secret = key(9);
    let address = p2wpkh_address(&secret);
    let signature = p2wpkh_signature(&secret, &address, EcdsaSighashType::All, 0x01);
    check(
        &verify_simple(&address, &[&signature, &public(&secret)]),
        Ok(SignatureKind::Simple),
    );
}

#[test]
fn high_s_is_refused() {
    let secret = key(9);
    let address = p2wpkh_address(&secret);
    let signature = high_s(&p2wpkh_signature(
        &secret,
        &address,
        EcdsaSighashType::All,
        0x01,
    ));
    check(
        &verify_simple(&address, &[&signature, &public(&secret)]),
        Err("high_s"),
    );
}

#[test]
fn witness_with_an_extra_item_is_refused() {
    let secret = key(9);
    let address = p2wpkh_address(&secret);
    let signature = p2wpkh_signature(&secret, &address, EcdsaSighashType::All, 0x01);
    check(
        &verify_simple(&address, &[&signature, &public(&secret), b"extra"]),
        Err("witness_shape"),
    );
}

#[test]
fn witness_with_a_missing_item_is_refused() {
    let secret = key(9);
    let address = p2wpkh_address(&secret);
    let signature = p2wpkh_signature(&secret, &address, EcdsaSighashType::All, 0x01);
    check(
        &verify_simple(&address, &[&signature]),
        Err("witness_shape"),
    );
    check(&verify_simple(&address, &[]), Err("witness_shape"));
}

/// The `bip322` crate 0.0.6–0.0.10 compared the witness public key with itself, so any key
/// that signed the right sighash passed for any P2WPKH address. Here the attacker's
/// signature is valid (checked below), over the victim's `to_sign`, and must still fail.
#[test]
fn witness_key_of_another_signer_is_a_public_key_mismatch() {
    let victim = key(9);
    let attacker = key(10);
    let address = p2wpkh_address(&victim);
    let (_, to_sign) = virtual_txs(&address, MESSAGE);
    let digest = p2wpkh_digest(&to_sign, &address.script_pubkey(), EcdsaSighashType::All);
    let signature = ecdsa_element(&attacker, digest, 0x01);
    let (_, der) = signature.split_last().expect("sighash byte");
    assert!(
        verify_ecdsa(&public(&attacker), &digest, der).is_ok(),
        "the attacker's signature is valid for the attacker's key"
    );
    check(
        &verify_simple(&address, &[&signature, &public(&attacker)]),
        Err("public_key_mismatch"),
    );
}

#[test]
fn sighash_other_than_all_is_refused() {
    let secret = key(9);
    let address = p2wpkh_address(&secret);
    for (sighash_type, byte) in [
        (EcdsaSighashType::None, 0x02),
        (EcdsaSighashType::Single, 0x03),
        (EcdsaSighashType::AllPlusAnyoneCanPay, 0x81),
    ] {
        let signature = p2wpkh_signature(&secret, &address, sighash_type, byte);
        check(
            &verify_simple(&address, &[&signature, &public(&secret)]),
            Err("sighash_type"),
        );
    }
}

#[test]
fn non_strict_der_is_refused() {
    let secret = key(9);
    let address = p2wpkh_address(&secret);
    let signature = p2wpkh_signature(&secret, &address, EcdsaSighashType::All, 0x01);
    // Pad r with a zero byte: the same integer, but not minimal DER.
    let len_r = usize::from(signature[3]);
    let mut padded = vec![0x30, signature[1] + 1, 0x02, signature[3] + 1, 0x00];
    padded.extend_from_slice(&signature[4..]);
    assert_eq!(padded.len(), signature.len() + 1);
    assert!(len_r <= 33);
    check(
        &verify_simple(&address, &[&padded, &public(&secret)]),
        Err("signature_encoding"),
    );
}

#[test]
fn empty_signature_item_fails() {
    let secret = key(9);
    let address = p2wpkh_address(&secret);
    check(
        &verify_simple(&address, &[&[], &public(&secret)]),
        Err("bad_signature"),
    );
}

#[test]
fn uncompressed_key_in_segwit_is_refused() {
    let secret = key(9);
    let uncompressed = PublicKey::new_uncompressed(secret.public_key(&Secp256k1::new()));
    let hash =
        WPubkeyHash::from_byte_array(hash160::Hash::hash(&uncompressed.to_bytes()).to_byte_array());
    let address =
        Address::from_script(&ScriptBuf::new_p2wpkh(&hash), Network::Bitcoin).expect("p2wpkh");
    let signature = p2wpkh_signature(&secret, &address, EcdsaSighashType::All, 0x01);
    check(
        &verify_simple(&address, &[&signature, &uncompressed.to_bytes()]),
        Err("invalid_public_key"),
    );
}

/// A taproot key-path signature for `secret`'s P2TR address with an explicit sighash byte.
fn p2tr_signature(secret: &SecretKey, sighash_type: TapSighashType) -> Vec<u8> {
    let secp = Secp256k1::new();
    let address = address(secret, KeyAddress::P2tr, Network::Bitcoin);
    let (to_spend, to_sign) = virtual_txs(&address, MESSAGE);
    let digest = SighashCache::new(&to_sign)
        .taproot_key_spend_signature_hash(0, &Prevouts::All(&to_spend.output), sighash_type)
        .expect("input 0");
    let keypair = Keypair::from_secret_key(&secp, secret)
        .tap_tweak(&secp, None)
        .to_keypair();
    let signature = secp.sign_schnorr_with_aux_rand(
        &Message::from_digest(digest.to_byte_array()),
        &keypair,
        &[7; 32],
    );
    let mut bytes = signature.serialize().to_vec();
    if sighash_type != TapSighashType::Default {
        bytes.push(sighash_type as u8);
    }
    bytes
}

#[test]
fn taproot_sighash_all_is_accepted_and_others_refused() {
    let secret = key(9);
    let address = address(&secret, KeyAddress::P2tr, Network::Bitcoin);
    check(
        &verify_simple(&address, &[&p2tr_signature(&secret, TapSighashType::All)]),
        Ok(SignatureKind::Simple),
    );
    for sighash_type in [TapSighashType::None, TapSighashType::AllPlusAnyoneCanPay] {
        check(
            &verify_simple(&address, &[&p2tr_signature(&secret, sighash_type)]),
            Err("sighash_type"),
        );
    }
    // An explicit 0x00 byte is not a way to write the default (BIP-341).
    let mut explicit_default = p2tr_signature(&secret, TapSighashType::Default);
    explicit_default.push(0x00);
    check(
        &verify_simple(&address, &[&explicit_default]),
        Err("sighash_type"),
    );
}

#[test]
fn taproot_signature_of_the_wrong_length_is_refused() {
    let secret = key(9);
    let address = address(&secret, KeyAddress::P2tr, Network::Bitcoin);
    let signature = p2tr_signature(&secret, TapSighashType::Default);
    check(
        &verify_simple(&address, &[&signature[..63]]),
        Err("signature_encoding"),
    );
}

#[test]
fn taproot_script_path_and_annex_are_inconclusive() {
    let secret = key(9);
    let address = address(&secret, KeyAddress::P2tr, Network::Bitcoin);
    let signature = p2tr_signature(&secret, TapSighashType::Default);
    for items in [
        vec![signature.clone(), vec![0x50, 0x01]],
        vec![signature.clone(), vec![0x51], vec![0xc0; 33]],
    ] {
        let items: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
        let err = verify_simple(&address, &items).expect_err("unsupported");
        assert_eq!(err.code(), "unsupported_script", "{err}");
        assert!(err.is_inconclusive());
    }
}

#[test]
fn segwit_version_above_one_is_inconclusive() {
    let program = WitnessProgram::new(WitnessVersion::V2, &[0x42; 32]).expect("v2 program");
    let address = Address::from_witness_program(program, Network::Bitcoin);
    let err = verify_simple(&address, &[b"anything"]).expect_err("unsupported");
    assert_eq!(err.code(), "unsupported_script");
    assert!(err.is_inconclusive());
}

#[test]
fn simple_signatures_need_segwit() {
    let secret = key(9);
    let public = CompressedPublicKey(secret.public_key(&Secp256k1::new()));
    let signature = sign_simple(&secret, KeyAddress::P2wpkh, MESSAGE, [0; 32]);
    check(
        &mainnet().verify(
            &Address::p2pkh(public, Network::Bitcoin).to_string(),
            MESSAGE,
            &signature,
        ),
        Err("kind_not_allowed"),
    );
}

/// The P2SH-P2WPKH address of `secret` and a simple signature witness for it by `signer`
/// (whose key goes in the witness).
fn nested_witness(secret: &SecretKey, signer: &SecretKey) -> (Address, Witness) {
    let address = address(secret, KeyAddress::P2shP2wpkh, Network::Bitcoin);
    let (_, to_sign) = virtual_txs(&address, MESSAGE);
    let program = p2wpkh_address(signer).script_pubkey();
    let digest = p2wpkh_digest(&to_sign, &program, EcdsaSighashType::All);
    let element = ecdsa_element(signer, digest, 0x01);
    let witness = Witness::from_slice(&[element.as_slice(), public(signer).as_slice()]);
    (address, witness)
}

#[test]
fn nested_segwit_simple_signature_verifies() {
    let secret = key(9);
    let signed = sign_simple(&secret, KeyAddress::P2shP2wpkh, MESSAGE, [0; 32]);
    let address = address(&secret, KeyAddress::P2shP2wpkh, Network::Bitcoin);
    assert!(address.to_string().starts_with('3'));
    let verified = mainnet().verify(&address.to_string(), MESSAGE, &signed);
    check(&verified, Ok(SignatureKind::Simple));
    // Built by hand (the script sig implied by the witness key), with and without the prefix.
    let (address, witness) = nested_witness(&secret, &secret);
    check(
        &verify_simple(
            &address,
            &witness
                .to_vec()
                .iter()
                .map(Vec::as_slice)
                .collect::<Vec<_>>(),
        ),
        Ok(SignatureKind::Simple),
    );
    let bare = simple(&witness)[3..].to_owned();
    check(
        &mainnet().verify(&address.to_string(), MESSAGE, &bare),
        Ok(SignatureKind::Simple),
    );
    // Another message, or the same witness for the key's native P2WPKH address, fails.
    check(
        &mainnet().verify(&address.to_string(), b"another message", &signed),
        Err("bad_signature"),
    );
    check(
        &mainnet().verify(&p2wpkh_address(&secret).to_string(), MESSAGE, &signed),
        Err("bad_signature"),
    );
}

#[test]
fn nested_segwit_key_must_match_the_script_hash() {
    // A valid signature by key 8, presented for key 9's P2SH-P2WPKH address.
    let (address, _) = nested_witness(&key(9), &key(9));
    let (_, witness) = nested_witness(&key(9), &key(8));
    check(
        &mainnet().verify(&address.to_string(), MESSAGE, &simple(&witness)),
        Err("public_key_mismatch"),
    );
}

#[test]
fn nested_segwit_key_must_be_compressed() {
    let secret = key(9);
    let uncompressed = PublicKey::new_uncompressed(secret.public_key(&Secp256k1::new()));
    let program = ScriptBuf::new_p2wpkh(&WPubkeyHash::hash(&uncompressed.to_bytes()));
    let address = Address::p2sh(&program, Network::Bitcoin).expect("small script");
    let (_, to_sign) = virtual_txs(&address, MESSAGE);
    let digest = p2wpkh_digest(&to_sign, &program, EcdsaSighashType::All);
    let element = ecdsa_element(&secret, digest, 0x01);
    check(
        &verify_simple(&address, &[&element, &uncompressed.to_bytes()]),
        Err("invalid_public_key"),
    );
}

#[test]
fn other_p2sh_scripts_need_a_full_signature() {
    let secret = key(9);
    // P2SH of `<key> CHECKSIG`, "signed" with the witness a P2SH-P2WPKH reading would need:
    // the witness key's P2WPKH program does not hash to the address.
    let redeem = Builder::new()
        .push_slice(public(&secret))
        .push_opcode(watchword_bip322::bitcoin::opcodes::all::OP_CHECKSIG)
        .into_script();
    let single_key = Address::p2sh(&redeem, Network::Bitcoin).expect("small script");
    let (_, witness) = nested_witness(&secret, &secret);
    check(
        &mainnet().verify(&single_key.to_string(), MESSAGE, &simple(&witness)),
        Err("public_key_mismatch"),
    );
    // P2SH-P2WSH of the same script: its witness (signature, witness script) has two items
    // too, and the witness script is no key.
    let p2wsh = ScriptBuf::new_p2wsh(&redeem.wscript_hash());
    let nested_wsh = Address::p2sh(&p2wsh, Network::Bitcoin).expect("small script");
    check(
        &verify_simple(&nested_wsh, &[&[0x30; 71], redeem.as_bytes()]),
        Err("public_key_mismatch"),
    );
    // A 2-of-2 P2SH-P2WSH witness (dummy, two signatures, script) and an empty one.
    let keys = [public(&key(1)), public(&key(2))];
    let multisig = Builder::new()
        .push_int(2)
        .push_slice(keys[0])
        .push_slice(keys[1])
        .push_int(2)
        .push_opcode(watchword_bip322::bitcoin::opcodes::all::OP_CHECKMULTISIG)
        .into_script();
    let nested_multisig = Address::p2sh(
        &ScriptBuf::new_p2wsh(&multisig.wscript_hash()),
        Network::Bitcoin,
    )
    .expect("small script");
    check(
        &verify_simple(
            &nested_multisig,
            &[&[], &[0x30; 71], &[0x30; 71], multisig.as_bytes()],
        ),
        Err("witness_shape"),
    );
    check(&verify_simple(&nested_multisig, &[]), Err("witness_shape"));
}

#[test]
fn nested_segwit_network_must_match() {
    let secret = key(9);
    let signature = sign_simple(&secret, KeyAddress::P2shP2wpkh, MESSAGE, [0; 32]);
    let main = address(&secret, KeyAddress::P2shP2wpkh, Network::Bitcoin).to_string();
    let test = address(&secret, KeyAddress::P2shP2wpkh, Network::Testnet).to_string();
    assert!(test.starts_with('2'), "{test}");
    let testnet = watchword_bip322::Verifier::new(Network::Testnet);
    check(
        &testnet.verify(&main, MESSAGE, &signature),
        Err("network_mismatch"),
    );
    check(
        &mainnet().verify(&test, MESSAGE, &signature),
        Err("network_mismatch"),
    );
    // The signature does not depend on the network: each verifier takes its own address.
    check(
        &testnet.verify(&test, MESSAGE, &signature),
        Ok(SignatureKind::Simple),
    );
}

#[test]
fn unprefixed_65_bytes_are_read_as_legacy() {
    let secret = key(9);
    let address = p2wpkh_address(&secret);
    check(
        &mainnet().verify(&address.to_string(), MESSAGE, &b64(&[31; 65])),
        Err("legacy_not_allowed"),
    );
}

#[test]
fn non_canonical_base64_is_refused() {
    let secret = key(9);
    let address = p2wpkh_address(&secret).to_string();
    let signature = sign_simple(&secret, KeyAddress::P2wpkh, MESSAGE, [0; 32]);
    check(
        &mainnet().verify(&address, MESSAGE, &signature),
        Ok(SignatureKind::Simple),
    );
    let body = &signature[3..];
    let padded = body.ends_with('=');
    let mut cases = vec![
        format!("smp {body}"),
        format!("smp{body}\n"),
        format!("smp{}", body.replace('+', "-").replace('/', "_")),
        format!("smp{body}="),
    ];
    if padded {
        cases.push(format!("smp{}", body.trim_end_matches('=')));
    }
    // Non-zero trailing bits: the last data character before padding, one step up.
    let bytes = unb64(body);
    if bytes.len() % 3 != 0 {
        let text = b64(&bytes);
        let data = text.trim_end_matches('=');
        let last = data.chars().last().expect("a character");
        let bumped = match last {
            'A'..='Y' | 'a'..='y' | '0'..='8' => char::from(last as u8 + 1),
            _ => 'A',
        };
        let tail = &text[data.len()..];
        cases.push(format!("smp{}{bumped}{tail}", &data[..data.len() - 1]));
    }
    let mut base64_errors = 0;
    for case in &cases {
        let result = mainnet().verify(&address, MESSAGE, case);
        assert!(result.is_err(), "{case:?} verified");
        base64_errors += usize::from(result.expect_err("refused").code() == "base64");
    }
    assert_eq!(base64_errors, cases.len());
}

#[test]
fn oversized_signature_is_refused() {
    let address = p2wpkh_address(&key(9)).to_string();
    let signature = format!("smp{}", "A".repeat(MAX_SIGNATURE_LEN));
    check(
        &mainnet().verify(&address, MESSAGE, &signature),
        Err("signature_too_large"),
    );
}

#[test]
fn empty_signature_is_refused() {
    let address = p2wpkh_address(&key(9)).to_string();
    for signature in ["", "smp", "ful", "pof"] {
        check(
            &mainnet().verify(&address, MESSAGE, signature),
            Err("empty_signature"),
        );
    }
}

#[test]
fn trailing_bytes_after_the_witness_are_malformed() {
    let secret = key(9);
    let address = p2wpkh_address(&secret);
    let mut bytes = watchword_bip322::bitcoin::consensus::serialize(&simple_witness(
        &secret,
        KeyAddress::P2wpkh,
        MESSAGE,
        [0; 32],
    ));
    bytes.push(0);
    check(
        &mainnet().verify(
            &address.to_string(),
            MESSAGE,
            &format!("smp{}", b64(&bytes)),
        ),
        Err("malformed_signature"),
    );
}

/// A full P2WPKH signature by `secret` over `to_sign` as `edit` leaves it.
fn full_p2wpkh(secret: &SecretKey, edit: impl FnOnce(&mut Transaction)) -> (String, String) {
    let address = p2wpkh_address(secret);
    let (_, mut tx) = virtual_txs(&address, MESSAGE);
    edit(&mut tx);
    let digest = p2wpkh_digest(&tx, &address.script_pubkey(), EcdsaSighashType::All);
    let signature = ecdsa_element(secret, digest, 0x01);
    tx.input[0].witness = Witness::from_slice(&[signature.as_slice(), &public(secret)]);
    (address.to_string(), full(&tx))
}

#[test]
fn full_baseline_reports_lock_time_and_sequence() {
    let (address, signature) = full_p2wpkh(&key(9), |tx| {
        tx.version = Version::TWO;
        tx.lock_time = absolute::LockTime::from_height(840_000).expect("height");
        tx.input[0].sequence = Sequence::from_height(144);
    });
    let verified = mainnet()
        .verify(&address, MESSAGE, &signature)
        .expect("verifies");
    assert_eq!(verified.kind(), SignatureKind::Full);
    assert_eq!(verified.lock_time().to_consensus_u32(), 840_000);
    assert_eq!(verified.sequence(), Sequence::from_height(144));
}

#[test]
fn full_version_must_be_0_or_2() {
    for version in [1, 3, -1] {
        let (address, signature) = full_p2wpkh(&key(9), |tx| tx.version = Version(version));
        let err = mainnet()
            .verify(&address, MESSAGE, &signature)
            .expect_err("refused");
        assert_eq!(err.code(), "to_sign_version");
        assert!(err.is_inconclusive(), "an upgradeable rule");
    }
}

#[test]
fn full_has_exactly_one_input() {
    let (address, signature) = full_p2wpkh(&key(9), |tx| {
        let mut extra = tx.input[0].clone();
        extra.previous_output = OutPoint {
            txid: extra.previous_output.txid,
            vout: 1,
        };
        tx.input.push(extra);
    });
    check(
        &mainnet().verify(&address, MESSAGE, &signature),
        Err("input_count"),
    );
}

#[test]
fn full_must_spend_to_spend() {
    let (address, signature) = full_p2wpkh(&key(9), |tx| tx.input[0].previous_output.vout = 1);
    check(
        &mainnet().verify(&address, MESSAGE, &signature),
        Err("to_spend_mismatch"),
    );
}

#[test]
fn full_has_one_zero_op_return_output() {
    let edits: [fn(&mut Transaction); 4] = [
        |tx| tx.output.push(tx.output[0].clone()),
        |tx| tx.output.clear(),
        |tx| tx.output[0].value = Amount::from_sat(1),
        |tx| tx.output[0].script_pubkey = ScriptBuf::new_op_return([0u8; 0]),
    ];
    for edit in edits {
        let (address, signature) = full_p2wpkh(&key(9), edit);
        let result = mainnet().verify(&address, MESSAGE, &signature);
        // An empty output list is not a transaction that decodes.
        let code = result.as_ref().expect_err("refused").code();
        assert!(
            code == "to_sign_output" || code == "malformed_signature",
            "{result:?}"
        );
    }
    let (address, signature) = full_p2wpkh(&key(9), |tx| tx.output[0].value = Amount::from_sat(1));
    check(
        &mainnet().verify(&address, MESSAGE, &signature),
        Err("to_sign_output"),
    );
}

#[test]
fn full_with_trailing_bytes_is_malformed() {
    let (address, signature) = full_p2wpkh(&key(9), |_| {});
    check(
        &mainnet().verify(&address, MESSAGE, &signature),
        Ok(SignatureKind::Full),
    );
    let mut bytes = unb64(&signature[3..]);
    bytes.push(0);
    check(
        &mainnet().verify(&address, MESSAGE, &format!("ful{}", b64(&bytes))),
        Err("malformed_signature"),
    );
}

#[test]
fn native_segwit_script_sig_must_be_empty() {
    let (address, signature) = full_p2wpkh(&key(9), |tx| {
        tx.input[0].script_sig = Builder::new().push_int(1).into_script();
    });
    check(
        &mainnet().verify(&address, MESSAGE, &signature),
        Err("script_sig"),
    );
}

/// A full P2PKH signature whose script sig is `script_sig(signature, key)`.
fn full_p2pkh(
    secret: &SecretKey,
    script_sig: impl FnOnce(&[u8], &[u8]) -> ScriptBuf,
    witness: Witness,
) -> (String, String) {
    let public = CompressedPublicKey(secret.public_key(&Secp256k1::new()));
    let address = Address::p2pkh(public, Network::Bitcoin);
    let (_, mut tx) = virtual_txs(&address, MESSAGE);
    let digest = SighashCache::new(&tx)
        .legacy_signature_hash(0, &address.script_pubkey(), 1)
        .expect("input 0")
        .to_byte_array();
    let signature = ecdsa_element(secret, digest, 0x01);
    tx.input[0].script_sig = script_sig(&signature, &public.to_bytes());
    tx.input[0].witness = witness;
    (address.to_string(), full(&tx))
}

fn push(bytes: &[u8]) -> PushBytesBuf {
    PushBytesBuf::try_from(bytes.to_vec()).expect("short push")
}

#[test]
fn p2pkh_full_rules() {
    let secret = key(9);
    let (address, valid) = full_p2pkh(
        &secret,
        |sig, key| {
            Builder::new()
                .push_slice(push(sig))
                .push_slice(push(key))
                .into_script()
        },
        Witness::new(),
    );
    check(
        &mainnet().verify(&address, MESSAGE, &valid),
        Ok(SignatureKind::Full),
    );

    // A witness on a non-segwit spend.
    let (_, with_witness) = full_p2pkh(
        &secret,
        |sig, key| {
            Builder::new()
                .push_slice(push(sig))
                .push_slice(push(key))
                .into_script()
        },
        Witness::from_slice(&[b"x"]),
    );
    check(
        &mainnet().verify(&address, MESSAGE, &with_witness),
        Err("witness_shape"),
    );

    // OP_PUSHDATA1 for a push that fits a direct push: not minimal.
    let (_, non_minimal) = full_p2pkh(
        &secret,
        |sig, key| {
            let mut bytes = vec![0x4c, u8::try_from(sig.len()).expect("short")];
            bytes.extend_from_slice(sig);
            bytes.push(u8::try_from(key.len()).expect("short"));
            bytes.extend_from_slice(key);
            ScriptBuf::from_bytes(bytes)
        },
        Witness::new(),
    );
    check(
        &mainnet().verify(&address, MESSAGE, &non_minimal),
        Err("script_sig"),
    );

    // A non-push opcode.
    let (_, not_push_only) = full_p2pkh(
        &secret,
        |sig, key| {
            Builder::new()
                .push_slice(push(sig))
                .push_slice(push(key))
                .push_opcode(watchword_bip322::bitcoin::opcodes::all::OP_NOP)
                .into_script()
        },
        Witness::new(),
    );
    check(
        &mainnet().verify(&address, MESSAGE, &not_push_only),
        Err("script_sig"),
    );

    // An extra push (CLEANSTACK).
    let (_, extra) = full_p2pkh(
        &secret,
        |sig, key| {
            Builder::new()
                .push_slice(push(sig))
                .push_slice(push(key))
                .push_slice(push(b"extra"))
                .into_script()
        },
        Witness::new(),
    );
    check(
        &mainnet().verify(&address, MESSAGE, &extra),
        Err("script_sig"),
    );
}

/// `OP_m <keys> OP_n OP_CHECKMULTISIG` over compressed keys.
fn multisig_script(required: u8, keys: &[[u8; 33]]) -> ScriptBuf {
    let mut bytes = vec![0x50 + required];
    for key in keys {
        bytes.push(0x21);
        bytes.extend_from_slice(key);
    }
    bytes.push(0x50 + u8::try_from(keys.len()).expect("few keys"));
    bytes.push(0xae);
    ScriptBuf::from_bytes(bytes)
}

/// Signatures of `signers` for a P2WSH `witness_script` address, in signer order.
fn p2wsh_signatures(witness_script: &ScriptBuf, signers: &[&SecretKey]) -> (Address, Vec<Vec<u8>>) {
    let address = Address::p2wsh(witness_script, Network::Bitcoin);
    let (_, to_sign) = virtual_txs(&address, MESSAGE);
    let digest = SighashCache::new(&to_sign)
        .p2wsh_signature_hash(0, witness_script, Amount::ZERO, EcdsaSighashType::All)
        .expect("input 0")
        .to_byte_array();
    let signatures = signers
        .iter()
        .map(|signer| ecdsa_element(signer, digest, 0x01))
        .collect();
    (address, signatures)
}

#[test]
fn p2wsh_multisig_rules() {
    let keys = [key(21), key(22), key(23)];
    let script = multisig_script(2, &keys.each_ref().map(public));
    let (address, signatures) = p2wsh_signatures(&script, &[&keys[0], &keys[1], &keys[2]]);
    let [first, second, third] = [&signatures[0], &signatures[1], &signatures[2]];
    let script = script.as_bytes();
    let run = |items: &[&[u8]]| verify_simple(&address, items);

    check(
        &run(&[&[], first, second, script]),
        Ok(SignatureKind::Simple),
    );
    check(
        &run(&[&[], first, third, script]),
        Ok(SignatureKind::Simple),
    );
    check(
        &run(&[&[], second, third, script]),
        Ok(SignatureKind::Simple),
    );
    // Signatures out of key order.
    check(&run(&[&[], second, first, script]), Err("bad_signature"));
    // The same signature twice.
    check(&run(&[&[], first, first, script]), Err("bad_signature"));
    // NULLDUMMY.
    check(&run(&[&[0], first, second, script]), Err("witness_shape"));
    // A missing signature, an extra item, no dummy.
    check(&run(&[&[], first, script]), Err("witness_shape"));
    check(
        &run(&[&[], first, second, third, script]),
        Err("witness_shape"),
    );
    check(&run(&[first, second, script]), Err("witness_shape"));
    // High S in one signature.
    check(&run(&[&[], &high_s(first), second, script]), Err("high_s"));
    // A witness script that is not the address's.
    let other = multisig_script(1, &keys.each_ref().map(public));
    check(
        &run(&[&[], first, other.as_bytes()]),
        Err("script_mismatch"),
    );
}

#[test]
fn p2wsh_single_key_and_unsupported_scripts() {
    let secret = key(24);
    let mut single = vec![0x21];
    single.extend_from_slice(&public(&secret));
    single.push(0xac);
    let single = ScriptBuf::from_bytes(single);
    let (address, signatures) = p2wsh_signatures(&single, &[&secret]);
    check(
        &verify_simple(&address, &[&signatures[0], single.as_bytes()]),
        Ok(SignatureKind::Simple),
    );
    check(
        &verify_simple(&address, &[&[], &signatures[0], single.as_bytes()]),
        Err("witness_shape"),
    );

    // OP_TRUE: anyone could spend it, and this crate does not evaluate it.
    let op_true = ScriptBuf::from_bytes(vec![0x51]);
    let address = Address::p2wsh(&op_true, Network::Bitcoin);
    let err = verify_simple(&address, &[op_true.as_bytes()]).expect_err("unsupported");
    assert_eq!(err.code(), "unsupported_script");
}

#[test]
fn p2sh_wrapped_segwit_takes_exactly_the_redeem_script() {
    let secret = key(25);
    let public_key = CompressedPublicKey(secret.public_key(&Secp256k1::new()));
    let address = Address::p2shwpkh(&public_key, Network::Bitcoin);
    let redeem = ScriptBuf::new_p2wpkh(&public_key.wpubkey_hash());
    let sign = |script_sig: ScriptBuf| {
        let (_, mut tx) = virtual_txs(&address, MESSAGE);
        tx.version = Version::TWO;
        tx.input[0].script_sig = script_sig;
        let digest = p2wpkh_digest(&tx, &redeem, EcdsaSighashType::All);
        let signature = ecdsa_element(&secret, digest, 0x01);
        tx.input[0].witness = Witness::from_slice(&[signature.as_slice(), &public_key.to_bytes()]);
        mainnet().verify(&address.to_string(), MESSAGE, &full(&tx))
    };
    let redeem_push = push(redeem.as_bytes());
    check(
        &sign(Builder::new().push_slice(&redeem_push).into_script()),
        Ok(SignatureKind::Full),
    );
    check(
        &sign(
            Builder::new()
                .push_int(0)
                .push_slice(&redeem_push)
                .into_script(),
        ),
        Err("script_sig"),
    );
    check(
        &sign(Builder::new().push_slice(push(&[0x51])).into_script()),
        Err("script_mismatch"),
    );
    check(&sign(ScriptBuf::new()), Err("script_sig"));
}

#[test]
fn to_spend_and_to_sign_match_the_signers() {
    // The crate's signer and this file's builders agree on to_sign.
    let secret = key(9);
    let witness = simple_witness(&secret, KeyAddress::P2wpkh, MESSAGE, [0; 32]);
    let address = p2wpkh_address(&secret);
    let (to_spend, to_sign) = virtual_txs(&address, MESSAGE);
    assert_eq!(
        to_sign.input[0].previous_output.txid,
        to_spend.compute_txid()
    );
    assert_eq!(
        to_sign.output,
        vec![TxOut {
            value: Amount::ZERO,
            script_pubkey: ScriptBuf::from_bytes(vec![0x6a])
        }]
    );
    assert_eq!(
        to_sign.input,
        vec![TxIn {
            witness: Witness::new(),
            ..to_sign.input[0].clone()
        }]
    );
    check(
        &verify_simple(&address, &witness.iter().collect::<Vec<_>>()),
        Ok(SignatureKind::Simple),
    );
}

/// BIP-322's "Hello World" vector ends `ViHI=`: the last character before the padding carries
/// two bits that must be zero; `J` sets one.
#[test]
fn base64_trailing_bits_must_be_zero() {
    const ADDRESS: &str = "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l";
    const SIGNATURE: &str = "smpAkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=";
    check(
        &mainnet().verify(ADDRESS, b"Hello World", SIGNATURE),
        Ok(SignatureKind::Simple),
    );
    let bumped = SIGNATURE.replace("ViHI=", "ViHJ=");
    check(
        &mainnet().verify(ADDRESS, b"Hello World", &bumped),
        Err("base64"),
    );
}
