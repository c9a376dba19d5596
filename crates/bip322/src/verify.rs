//! The verifier: address and network, signature kind, `to_spend`/`to_sign`, and the checks of
//! [BIP-322 § Verification].
//!
//! [BIP-322 § Verification]: https://github.com/bitcoin/bips/blob/master/bip-0322.mediawiki#verification

use core::str::FromStr as _;

use bitcoin::absolute::LockTime;
use bitcoin::address::NetworkUnchecked;
use bitcoin::consensus::deserialize;
use bitcoin::hashes::Hash as _;
use bitcoin::opcodes::all::OP_PUSHBYTES_22;
use bitcoin::secp256k1::{Secp256k1, VerifyOnly};
use bitcoin::{
    Address, AddressType, Network, OutPoint, Script, ScriptBuf, Sequence, Transaction, TxOut,
    WPubkeyHash, Witness,
};

use crate::encoding::{self, Decoded};
use crate::error::{describe, AddressTypeName, Error, Location};
use crate::kind::SignatureKind;
use crate::legacy::{self, LegacyPolicy};
use crate::pof;
use crate::script::Spend;
use crate::tx::{check_shape, to_sign, to_spend};

/// An additional input of a proof of funds: an output the signer showed it can spend.
///
/// Offline, this says only that the witness data is valid for that output *if* it exists;
/// whether it exists and is unspent needs the UTXO set (BIP-322 § Full (Proof of Funds)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenInput {
    /// The outpoint spent.
    pub outpoint: OutPoint,
    /// The output, as the PSBT gives it.
    pub utxo: TxOut,
    /// The input's sequence (advisory, BIP-322 § Verification Process step 5.1).
    pub sequence: Sequence,
}

/// What a successful verification established. Only a [`Verifier`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    address: Address,
    kind: SignatureKind,
    lock_time: LockTime,
    sequence: Sequence,
    proven_inputs: Vec<ProvenInput>,
}

impl Verified {
    /// The address that signed, checked for the verifier's network.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// The kind of signature that verified.
    pub fn kind(&self) -> SignatureKind {
        self.kind
    }

    /// `nLockTime` of `to_sign`: BIP-322's "valid at time T". Zero for simple and legacy
    /// signatures; a full signature or proof of funds may set it (time-locked scripts).
    pub fn lock_time(&self) -> LockTime {
        self.lock_time
    }

    /// `nSequence` of `to_sign`'s first input: BIP-322's "age S". Zero for simple and legacy
    /// signatures.
    pub fn sequence(&self) -> Sequence {
        self.sequence
    }

    /// The additional inputs of a proof of funds (empty for other kinds).
    pub fn proven_inputs(&self) -> &[ProvenInput] {
        &self.proven_inputs
    }

    /// Consumes the result, returning the address.
    pub fn into_address(self) -> Address {
        self.address
    }
}

/// Verifies BIP-322 (simple, full, proof of funds) and legacy signatures for the addresses of
/// one network.
///
/// Building one is cheap; it holds no secrets and may be shared between threads.
#[derive(Debug, Clone)]
pub struct Verifier {
    network: Network,
    legacy: LegacyPolicy,
    secp: Secp256k1<VerifyOnly>,
}

impl Verifier {
    /// A verifier for addresses of `network`, with the default [`LegacyPolicy::P2pkhOnly`].
    ///
    /// Testnet, testnet4 and signet share their address prefixes, so a verifier for one
    /// accepts addresses written for the others; regtest shares their base58 prefixes but has
    /// its own bech32 prefix (`bcrt1`), so a regtest verifier refuses `tb1…` addresses and a
    /// testnet verifier `bcrt1…` ones.
    pub fn new(network: Network) -> Self {
        Verifier {
            network,
            legacy: LegacyPolicy::default(),
            secp: Secp256k1::verification_only(),
        }
    }

    /// Sets which legacy signatures are accepted (see the [`legacy`](crate::legacy) module
    /// for the table).
    #[must_use]
    pub fn legacy_policy(mut self, policy: LegacyPolicy) -> Self {
        self.legacy = policy;
        self
    }

    /// Accepts legacy signatures for P2WPKH and P2SH-P2WPKH addresses too
    /// ([`LegacyPolicy::AllowSegwit`]) or not ([`LegacyPolicy::P2pkhOnly`]).
    #[must_use]
    pub fn allow_legacy_segwit(self, allow: bool) -> Self {
        self.legacy_policy(if allow {
            LegacyPolicy::AllowSegwit
        } else {
            LegacyPolicy::P2pkhOnly
        })
    }

    /// The network the verifier checks addresses against.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The legacy policy in force.
    pub fn legacy(&self) -> LegacyPolicy {
        self.legacy
    }

    /// Verifies that `signature` signs `message` for `address`.
    ///
    /// The signature kind comes from its prefix: `smp` simple, `ful` full, `pof` proof of
    /// funds. An unprefixed signature is legacy when the address is P2PKH or when it decodes
    /// to exactly 65 bytes, and simple otherwise (BIP-322's backward-compatible reading).
    /// A simple signature for a P2SH address is read as P2SH-P2WPKH, the script sig implied
    /// by the witness's public key (see the crate documentation).
    ///
    /// # Errors
    ///
    /// The first rule the input breaks, in this order: the address ([`Error::AddressParse`],
    /// [`Error::NetworkMismatch`]), the text ([`Error::SignatureTooLarge`],
    /// [`Error::EmptySignature`], [`Error::Base64`], [`Error::Malformed`]), the kind for this
    /// address ([`Error::KindNotAllowed`], legacy rules), the shape of `to_sign`
    /// ([`Error::ToSignVersion`], [`Error::InputCount`], [`Error::ToSpendMismatch`],
    /// [`Error::ToSignOutput`], and for a proof of funds the UTXO rules), then each input's
    /// script and signatures ([`Error::WitnessShape`], [`Error::PublicKeyMismatch`],
    /// [`Error::BadSignature`], [`Error::UnsupportedScript`], …).
    pub fn verify(
        &self,
        address: &str,
        message: &[u8],
        signature: &str,
    ) -> Result<Verified, Error> {
        let address = self.parse_address(address)?;
        let Decoded { prefix, bytes } = encoding::decode(signature)?;
        let kind = prefix.unwrap_or(
            if address.address_type() == Some(AddressType::P2pkh) || bytes.len() == 65 {
                SignatureKind::Legacy
            } else {
                SignatureKind::Simple
            },
        );
        let mut verified = Verified {
            address,
            kind,
            lock_time: LockTime::ZERO,
            sequence: Sequence::ZERO,
            proven_inputs: Vec::new(),
        };
        let challenge = verified.address.script_pubkey();
        match kind {
            SignatureKind::Legacy => {
                legacy::verify(&self.secp, &verified.address, message, &bytes, self.legacy)?;
            }
            SignatureKind::Simple => {
                if !challenge.is_witness_program() && !challenge.is_p2sh() {
                    return Err(Error::KindNotAllowed {
                        kind,
                        address_type: AddressTypeName(verified.address.address_type()),
                    });
                }
                let witness: Witness = deserialize(&bytes).map_err(|err| Error::Malformed {
                    kind,
                    reason: describe(&err),
                })?;
                let script_sig = if challenge.is_p2sh() {
                    nested_p2wpkh_script_sig(&challenge, &witness)?
                } else {
                    ScriptBuf::new()
                };
                let to_spend = to_spend(&challenge, message);
                let mut to_sign = to_sign(&to_spend, witness);
                to_sign.input[0].script_sig = script_sig;
                Spend::new(&self.secp, &to_sign, &to_spend.output).verify_input(0)?;
            }
            SignatureKind::Full => {
                let to_sign: Transaction = deserialize(&bytes).map_err(|err| Error::Malformed {
                    kind,
                    reason: describe(&err),
                })?;
                let to_spend = to_spend(&challenge, message);
                check_shape(&to_sign, to_spend.compute_txid(), kind)?;
                Spend::new(&self.secp, &to_sign, &to_spend.output).verify_input(0)?;
                verified.lock_time = to_sign.lock_time;
                verified.sequence = to_sign.input[0].sequence;
            }
            SignatureKind::ProofOfFunds => {
                let to_spend = to_spend(&challenge, message);
                let (to_sign, prevouts) = pof::decode(&bytes, &to_spend, message)?;
                let mut spend = Spend::new(&self.secp, &to_sign, &prevouts);
                for index in 0..to_sign.input.len() {
                    spend.verify_input(index)?;
                }
                verified.lock_time = to_sign.lock_time;
                verified.sequence = to_sign.input[0].sequence;
                verified.proven_inputs = to_sign
                    .input
                    .iter()
                    .zip(prevouts)
                    .skip(1)
                    .map(|(input, utxo)| ProvenInput {
                        outpoint: input.previous_output,
                        utxo,
                        sequence: input.sequence,
                    })
                    .collect();
            }
        }
        Ok(verified)
    }

    fn parse_address(&self, text: &str) -> Result<Address, Error> {
        let unchecked =
            Address::<NetworkUnchecked>::from_str(text).map_err(|err| Error::AddressParse {
                address: text.to_owned(),
                reason: describe(&err),
            })?;
        unchecked
            .require_network(self.network)
            .map_err(|_| Error::NetworkMismatch {
                address: text.to_owned(),
                expected: self.network,
            })
    }
}

/// The script sig a simple signature for a P2SH address implies: the single push of the
/// P2WPKH program of the witness's public key (P2SH-P2WPKH, "nested segwit").
///
/// A simple signature carries only the witness, so for a P2SH address the redeem script has to
/// come from somewhere: wallets, bip322-js and the `bip322` crate take it to be the P2WPKH
/// program of the public key, the witness's second and last item. The P2SH hash must then be
/// that program's, which is what [`Error::PublicKeyMismatch`] reports otherwise; any other
/// witness shape is [`Error::WitnessShape`]. Every other P2SH script (P2SH-P2WSH, bare
/// multisig, single key) needs a full signature, where the script sig is explicit.
fn nested_p2wpkh_script_sig(challenge: &Script, witness: &Witness) -> Result<ScriptBuf, Error> {
    let at = Location::Input(0);
    let (2, Some(key)) = (witness.len(), witness.nth(1)) else {
        return Err(Error::WitnessShape {
            input: at,
            reason: format!(
                "a simple signature for a p2sh address is p2sh-p2wpkh: 2 items (signature, \
                 public key), found {}",
                witness.len()
            ),
        });
    };
    let program = ScriptBuf::new_p2wpkh(&WPubkeyHash::hash(key));
    if ScriptBuf::new_p2sh(&program.script_hash()) != *challenge {
        return Err(Error::PublicKeyMismatch { input: at });
    }
    // One push of the 22-byte program: OP_PUSHBYTES_22 and the bytes (a minimal push).
    let mut script_sig = Vec::with_capacity(23);
    script_sig.push(OP_PUSHBYTES_22.to_u8());
    script_sig.extend_from_slice(program.as_bytes());
    Ok(ScriptBuf::from_bytes(script_sig))
}
