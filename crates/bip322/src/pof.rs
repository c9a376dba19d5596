//! Proof of funds: a finalized PSBT of `to_sign` whose inputs after the first spend outputs
//! the signer wants to show control of ([BIP-322 § Full (Proof of Funds)]).
//!
//! The rules are listed in the crate documentation's *Proof of funds* section.
//!
//! [BIP-322 § Full (Proof of Funds)]: https://github.com/bitcoin/bips/blob/master/bip-0322.mediawiki#full-proof-of-funds

use std::collections::HashSet;

use bitcoin::psbt::{raw, Psbt};
use bitcoin::{Transaction, TxOut};

use crate::error::{describe, Error};
use crate::kind::SignatureKind;
use crate::tx::check_shape;

/// `PSBT_GLOBAL_GENERIC_SIGNED_MESSAGE`.
pub(crate) const GLOBAL_GENERIC_SIGNED_MESSAGE: u8 = 0x09;

/// Decodes and checks a proof-of-funds PSBT; returns the finalized `to_sign` and the output
/// each of its inputs spends.
pub(crate) fn decode(
    bytes: &[u8],
    to_spend: &Transaction,
    message: &[u8],
) -> Result<(Transaction, Vec<TxOut>), Error> {
    let malformed = |reason: String| Error::Malformed {
        kind: SignatureKind::ProofOfFunds,
        reason,
    };
    let mut rest = bytes;
    let psbt = Psbt::deserialize_from_reader(&mut rest).map_err(|err| malformed(describe(&err)))?;
    if !rest.is_empty() {
        return Err(malformed(format!("{} bytes after the psbt", rest.len())));
    }
    let mut tx = psbt.unsigned_tx.clone();
    check_shape(&tx, to_spend.compute_txid(), SignatureKind::ProofOfFunds)?;

    let message_key = raw::Key {
        type_value: GLOBAL_GENERIC_SIGNED_MESSAGE,
        key: Vec::new(),
    };
    if let Some(field) = psbt.unknown.get(&message_key) {
        if field.as_slice() != message {
            return Err(Error::MessageMismatch);
        }
    }

    let mut seen = HashSet::with_capacity(tx.input.len());
    for (index, input) in tx.input.iter().enumerate() {
        if !seen.insert(input.previous_output) {
            return Err(Error::DuplicateInput { input: index });
        }
    }

    let mut prevouts = Vec::with_capacity(tx.input.len());
    for (index, (txin, input)) in tx.input.iter_mut().zip(&psbt.inputs).enumerate() {
        if input.final_script_sig.is_none() && input.final_script_witness.is_none() {
            return Err(Error::NotFinalized { input: index });
        }
        txin.script_sig = input.final_script_sig.clone().unwrap_or_default();
        txin.witness = input.final_script_witness.clone().unwrap_or_default();
        let utxo = if index == 0 {
            first_utxo(&psbt, to_spend)?
        } else {
            utxo(&psbt, index, !txin.witness.is_empty())?
        };
        prevouts.push(utxo);
    }
    Ok((tx, prevouts))
}

/// Input 0 spends `to_spend:0`; any UTXO field given for it must say so.
fn first_utxo(psbt: &Psbt, to_spend: &Transaction) -> Result<TxOut, Error> {
    let expected = &to_spend.output[0];
    let input = &psbt.inputs[0];
    if input
        .witness_utxo
        .as_ref()
        .is_some_and(|utxo| utxo != expected)
    {
        return Err(Error::UtxoMismatch {
            input: 0,
            reason: "the witness utxo is not to_spend's output",
        });
    }
    if input
        .non_witness_utxo
        .as_ref()
        .is_some_and(|tx| tx != to_spend)
    {
        return Err(Error::UtxoMismatch {
            input: 0,
            reason: "the non-witness utxo is not to_spend",
        });
    }
    Ok(expected.clone())
}

/// The output input `index` (≥ 1) spends, from the PSBT's UTXO fields.
fn utxo(psbt: &Psbt, index: usize, has_witness: bool) -> Result<TxOut, Error> {
    let outpoint = psbt.unsigned_tx.input[index].previous_output;
    let input = &psbt.inputs[index];
    let from_previous = |previous: &Transaction| {
        if previous.compute_txid() != outpoint.txid {
            return Err(Error::UtxoMismatch {
                input: index,
                reason: "the non-witness utxo is not the transaction the input spends from",
            });
        }
        usize::try_from(outpoint.vout)
            .ok()
            .and_then(|vout| previous.output.get(vout))
            .cloned()
            .ok_or(Error::UtxoMismatch {
                input: index,
                reason: "the outpoint's index is beyond the non-witness utxo's outputs",
            })
    };
    // BIP-322: a missing non-witness UTXO may be taken from the first input spending from the
    // same transaction.
    let shared = psbt.unsigned_tx.input[..index]
        .iter()
        .position(|earlier| earlier.previous_output.txid == outpoint.txid)
        .and_then(|first| psbt.inputs[first].non_witness_utxo.as_ref());
    if let Some(previous) = input.non_witness_utxo.as_ref().or(shared) {
        let utxo = from_previous(previous)?;
        if input
            .witness_utxo
            .as_ref()
            .is_some_and(|given| *given != utxo)
        {
            return Err(Error::UtxoMismatch {
                input: index,
                reason: "the witness and non-witness utxos differ",
            });
        }
        return Ok(utxo);
    }
    match &input.witness_utxo {
        Some(utxo) if has_witness => Ok(utxo.clone()),
        Some(_) => Err(Error::MissingUtxo {
            input: index,
            reason: "a non-segwit spend needs the non-witness utxo",
        }),
        None => Err(Error::MissingUtxo {
            input: index,
            reason: "neither a witness nor a non-witness utxo",
        }),
    }
}
