//! The two virtual transactions of [BIP-322 § Full]: `to_spend` and `to_sign`.
//!
//! [BIP-322 § Full]: https://github.com/bitcoin/bips/blob/master/bip-0322.mediawiki#full

use bitcoin::absolute::LockTime;
use bitcoin::opcodes::all::OP_RETURN;
use bitcoin::opcodes::OP_0;
use bitcoin::script::Builder;
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, OutPoint, Script, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness,
};

use crate::error::Error;
use crate::kind::SignatureKind;
use crate::message::message_hash;

/// Builds `to_spend` for a `message_challenge` (the address's script pubkey) and a message:
/// version 0, lock time 0, one input spending `000…000:0xFFFFFFFF` with sequence 0 and script
/// sig `OP_0 PUSH32[message_hash]`, and one output of 0 sat paying `message_challenge`.
pub fn to_spend(message_challenge: &Script, message: &[u8]) -> Transaction {
    let script_sig = Builder::new()
        .push_opcode(OP_0)
        .push_slice(message_hash(message))
        .into_script();
    Transaction {
        version: Version(0),
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig,
            sequence: Sequence::ZERO,
            witness: Witness::new(),
        }],
        output: vec![TxOut {
            value: Amount::ZERO,
            script_pubkey: message_challenge.to_owned(),
        }],
    }
}

/// Builds the `to_sign` of a *simple* signature: version 0, lock time 0, one input spending
/// output 0 of `to_spend` with sequence 0, an empty script sig and `witness` (the
/// `message_signature`), and one output of 0 sat paying `OP_RETURN`.
///
/// A *full* signature is a `to_sign` the signer built, possibly with another version, lock
/// time, sequence or script sig; [`Verifier`](crate::Verifier) checks its shape.
pub fn to_sign(to_spend: &Transaction, witness: Witness) -> Transaction {
    Transaction {
        version: Version(0),
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint {
                txid: to_spend.compute_txid(),
                vout: 0,
            },
            script_sig: ScriptBuf::new(),
            sequence: Sequence::ZERO,
            witness,
        }],
        output: vec![op_return_output()],
    }
}

/// The one output of `to_sign`: 0 sat to a script that is exactly `OP_RETURN`.
fn op_return_output() -> TxOut {
    TxOut {
        value: Amount::ZERO,
        script_pubkey: ScriptBuf::from_bytes(vec![OP_RETURN.to_u8()]),
    }
}

/// Most inputs a proof of funds may have (the first, spending `to_spend`, included). Each
/// input costs a signature check and, for legacy inputs, a hash of the whole transaction.
pub const MAX_INPUTS: usize = 256;

/// The fields of a full or proof-of-funds `to_sign` that BIP-322 fixes.
pub(crate) fn check_shape(
    tx: &Transaction,
    to_spend: Txid,
    kind: SignatureKind,
) -> Result<(), Error> {
    if !matches!(tx.version.0, 0 | 2) {
        return Err(Error::ToSignVersion {
            version: tx.version.0,
        });
    }
    let (fits, expected) = match kind {
        SignatureKind::ProofOfFunds => ((1..=MAX_INPUTS).contains(&tx.input.len()), "1 to 256"),
        _ => (tx.input.len() == 1, "exactly 1"),
    };
    if !fits {
        return Err(Error::InputCount {
            kind,
            count: tx.input.len(),
            expected,
        });
    }
    let found = tx.input[0].previous_output;
    if found
        != (OutPoint {
            txid: to_spend,
            vout: 0,
        })
    {
        return Err(Error::ToSpendMismatch { found });
    }
    match tx.output.as_slice() {
        [output] if *output == op_return_output() => Ok(()),
        [output] if output.value.to_sat() != 0 => Err(Error::ToSignOutput {
            reason: "the output's value is not 0",
        }),
        [_] => Err(Error::ToSignOutput {
            reason: "the output's script is not exactly OP_RETURN",
        }),
        _ => Err(Error::ToSignOutput {
            reason: "there must be exactly one output",
        }),
    }
}
