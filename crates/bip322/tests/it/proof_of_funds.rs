//! Proof of funds (`pof`): the BIP's three vectors, and one test per rule on PSBTs derived
//! from them.
//!
//! The decision these tests pin: the BIP's proof-of-funds PSBTs carry no
//! `PSBT_GLOBAL_GENERIC_SIGNED_MESSAGE` field (type 0x09). The verifier gets the message
//! from its caller and the first input binds it (it must spend `to_spend`, whose txid commits
//! to the message hash), so a proof without the field verifies; a proof with the field
//! verifies only when the field is the caller's message.

use serde_json::Value;
use watchword_bip322::bitcoin::psbt::{raw, Psbt};
use watchword_bip322::bitcoin::transaction::Version;
use watchword_bip322::bitcoin::Amount;
use watchword_bip322::SignatureKind;

use crate::support::{b64, check, load_vectors, mainnet, text, unb64};

struct Case {
    address: String,
    message: String,
    psbt: Psbt,
}

fn cases() -> Option<Vec<Case>> {
    let vectors = load_vectors("bip322/generated-test-vectors.json")?;
    let cases = vectors["proof_of_funds"]
        .as_array()
        .expect("proof_of_funds");
    Some(cases.iter().map(case).collect())
}

fn case(value: &Value) -> Case {
    let signature = value["bip322_signatures"][0].as_str().expect("signature");
    let bytes = unb64(signature.strip_prefix("pof").expect("pof prefix"));
    Case {
        address: text(value, "address").to_owned(),
        message: text(value, "message").to_owned(),
        psbt: Psbt::deserialize(&bytes).expect("psbt"),
    }
}

fn encode(psbt: &Psbt) -> String {
    format!("pof{}", b64(&psbt.serialize()))
}

impl Case {
    fn verify(&self, psbt: &Psbt) -> Result<watchword_bip322::Verified, watchword_bip322::Error> {
        mainnet().verify(&self.address, self.message.as_bytes(), &encode(psbt))
    }
}

fn message_key() -> raw::Key {
    raw::Key {
        type_value: 0x09,
        key: Vec::new(),
    }
}

#[test]
fn bip_vectors_lack_the_message_field_and_verify() {
    let Some(cases) = cases() else { return };
    for case in &cases {
        assert!(
            !case.psbt.unknown.contains_key(&message_key()),
            "the vector gained a message field: revisit this test"
        );
        check(&case.verify(&case.psbt), Ok(SignatureKind::ProofOfFunds));
    }
    assert_eq!(cases.len(), 3);
}

#[test]
fn message_field_must_be_the_message() {
    let Some(cases) = cases() else { return };
    let case = &cases[0];
    let mut same = case.psbt.clone();
    same.unknown
        .insert(message_key(), case.message.as_bytes().to_vec());
    check(&case.verify(&same), Ok(SignatureKind::ProofOfFunds));
    let mut other = case.psbt.clone();
    other
        .unknown
        .insert(message_key(), b"another message".to_vec());
    check(&case.verify(&other), Err("message_mismatch"));
}

#[test]
fn another_message_is_another_to_spend() {
    let Some(cases) = cases() else { return };
    let case = &cases[0];
    let result = mainnet().verify(&case.address, b"another message", &encode(&case.psbt));
    check(&result, Err("to_spend_mismatch"));
}

/// Vector 1 spends three outputs of one transaction and gives its non-witness UTXO only on
/// the first of them; BIP-322 says to use it for the others.
#[test]
fn shared_non_witness_utxo_is_used() {
    let Some(cases) = cases() else { return };
    let psbt = &cases[1].psbt;
    let txid = psbt.unsigned_tx.input[1].previous_output.txid;
    for index in [2, 3] {
        assert_eq!(psbt.unsigned_tx.input[index].previous_output.txid, txid);
        assert!(psbt.inputs[index].non_witness_utxo.is_none());
        assert!(psbt.inputs[index].witness_utxo.is_none());
    }
    check(&cases[1].verify(psbt), Ok(SignatureKind::ProofOfFunds));
    // Without the first one's, nothing vouches for the outputs.
    let mut stripped = psbt.clone();
    stripped.inputs[1].non_witness_utxo = None;
    check(&cases[1].verify(&stripped), Err("missing_utxo"));
}

#[test]
fn legacy_input_needs_its_previous_transaction() {
    let Some(cases) = cases() else { return };
    let case = &cases[0];
    // Input 1 is P2PKH.
    let previous = case.psbt.inputs[1].non_witness_utxo.clone().expect("given");
    let vout = case.psbt.unsigned_tx.input[1].previous_output.vout;
    let mut only_witness_utxo = case.psbt.clone();
    only_witness_utxo.inputs[1].non_witness_utxo = None;
    only_witness_utxo.inputs[1].witness_utxo = Some(previous.output[vout as usize].clone());
    check(&case.verify(&only_witness_utxo), Err("missing_utxo"));
}

#[test]
fn non_witness_utxo_must_be_the_spent_transaction() {
    let Some(cases) = cases() else { return };
    let case = &cases[0];
    let mut wrong = case.psbt.clone();
    wrong.inputs[1].non_witness_utxo = case.psbt.inputs[0].non_witness_utxo.clone();
    check(&case.verify(&wrong), Err("utxo_mismatch"));
}

#[test]
fn witness_utxo_amount_is_signed() {
    let Some(cases) = cases() else { return };
    let case = &cases[0];
    // Input 2 is P2SH-P2WPKH with only a witness UTXO: BIP-143 commits to the amount.
    let mut inflated = case.psbt.clone();
    let utxo = inflated.inputs[2]
        .witness_utxo
        .as_mut()
        .expect("witness utxo");
    utxo.value += Amount::from_sat(1);
    check(&case.verify(&inflated), Err("bad_signature"));
}

#[test]
fn every_input_must_be_finalized() {
    let Some(cases) = cases() else { return };
    let case = &cases[0];
    let mut unfinalized = case.psbt.clone();
    unfinalized.inputs[1].final_script_sig = None;
    check(&case.verify(&unfinalized), Err("not_finalized"));
}

#[test]
fn an_outpoint_is_proven_once() {
    let Some(cases) = cases() else { return };
    let case = &cases[0];
    let mut duplicated = case.psbt.clone();
    let input = duplicated.unsigned_tx.input[1].clone();
    duplicated.unsigned_tx.input.push(input);
    let psbt_input = duplicated.inputs[1].clone();
    duplicated.inputs.push(psbt_input);
    check(&case.verify(&duplicated), Err("duplicate_input"));
}

#[test]
fn version_rule_applies() {
    let Some(cases) = cases() else { return };
    let case = &cases[0];
    let mut version_one = case.psbt.clone();
    version_one.unsigned_tx.version = Version::ONE;
    check(&case.verify(&version_one), Err("to_sign_version"));
}

#[test]
fn prefix_decides_the_decoding() {
    let Some(cases) = cases() else { return };
    let case = &cases[0];
    let as_full = format!("ful{}", b64(&case.psbt.serialize()));
    check(
        &mainnet().verify(&case.address, case.message.as_bytes(), &as_full),
        Err("malformed_signature"),
    );
    let mut trailing = case.psbt.serialize();
    trailing.push(0);
    check(
        &mainnet().verify(
            &case.address,
            case.message.as_bytes(),
            &format!("pof{}", b64(&trailing)),
        ),
        Err("malformed_signature"),
    );
}
