//! Checking that one input of `to_sign` satisfies the script it spends, for the subset of
//! scripts this crate understands (see the crate documentation), under BIP-322's required
//! rules: `SIGHASH_ALL` (or taproot's default), strict DER, low S, `NULLFAIL`, minimal pushes,
//! `CLEANSTACK`, `NULLDUMMY`, compressed keys in segwit v0.
//!
//! This is not a script interpreter: each supported output type is matched as a template and
//! its stack checked against what an interpreter would consume, item for item, so an extra
//! or missing item is a shape error rather than a surprise. Anything else is
//! [`Error::UnsupportedScript`], BIP-322's *inconclusive*.

use bitcoin::hashes::{hash160, sha256, Hash as _};
use bitcoin::key::XOnlyPublicKey;
use bitcoin::opcodes::all::{OP_CHECKMULTISIG, OP_CHECKSIG, OP_PUSHNUM_1, OP_PUSHNUM_16};
use bitcoin::opcodes::all::{OP_PUSHBYTES_33, OP_PUSHBYTES_65, OP_PUSHNUM_NEG1};
use bitcoin::script::{Error as ScriptError, Instruction};
use bitcoin::secp256k1::{Secp256k1, Verification};
use bitcoin::sighash::{EcdsaSighashType, Prevouts, SighashCache, TapSighashType};
use bitcoin::{Script, ScriptBuf, Transaction, TxOut, WitnessVersion};

use crate::error::{Error, Location};
use crate::primitives::{check_ecdsa, check_schnorr, is_strict_der, parse_public_key};

/// Largest stack element a script may push (consensus `MAX_SCRIPT_ELEMENT_SIZE`).
const MAX_ELEMENT: usize = 520;

/// The `SIGHASH_ALL` byte.
const SIGHASH_ALL: u8 = 0x01;

/// A witness script or redeem script this crate can evaluate.
#[derive(Debug)]
enum Template<'s> {
    /// `<key> OP_CHECKSIG`.
    SingleKey(&'s [u8]),
    /// `OP_m <key>… OP_n OP_CHECKMULTISIG`, 1 ≤ m ≤ n ≤ 16.
    Multisig {
        required: usize,
        keys: Vec<&'s [u8]>,
    },
}

impl Template<'_> {
    fn parse(script: &[u8]) -> Option<Template<'_>> {
        if let Some(key) = single_key(script) {
            return Some(Template::SingleKey(key));
        }
        let (&first, rest) = script.split_first()?;
        let (&last, rest) = rest.split_last()?;
        let (&count, mut body) = rest.split_last()?;
        let required = small_number(first)?;
        let total = small_number(count)?;
        if last != OP_CHECKMULTISIG.to_u8() || required > total {
            return None;
        }
        let mut keys = Vec::with_capacity(total);
        while let Some((&push, tail)) = body.split_first() {
            let len = key_push_len(push)?;
            keys.push(tail.get(..len)?);
            body = &tail[len..];
        }
        (keys.len() == total).then_some(Template::Multisig { required, keys })
    }

    fn describe(&self) -> String {
        match self {
            Template::SingleKey(_) => "single-key".to_owned(),
            Template::Multisig { required, keys } => {
                format!("{required}-of-{} multisig", keys.len())
            }
        }
    }
}

fn single_key(script: &[u8]) -> Option<&[u8]> {
    let (&last, body) = script.split_last()?;
    let (&push, key) = body.split_first()?;
    (last == OP_CHECKSIG.to_u8() && key_push_len(push)? == key.len()).then_some(key)
}

fn key_push_len(opcode: u8) -> Option<usize> {
    if opcode == OP_PUSHBYTES_33.to_u8() {
        Some(33)
    } else if opcode == OP_PUSHBYTES_65.to_u8() {
        Some(65)
    } else {
        None
    }
}

fn small_number(opcode: u8) -> Option<usize> {
    (OP_PUSHNUM_1.to_u8()..=OP_PUSHNUM_16.to_u8())
        .contains(&opcode)
        .then(|| usize::from(opcode - OP_PUSHNUM_1.to_u8() + 1))
}

/// The output types this crate verifies, as recognised while checking an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sighash<'s> {
    /// BIP-143 over the P2WPKH program (native or the P2SH redeem script).
    P2wpkh(&'s Script),
    /// BIP-143 over a witness script.
    P2wsh(&'s Script),
    /// The legacy algorithm over a script code (P2PKH script pubkey or P2SH redeem script).
    Legacy(&'s Script),
}

/// A `to_sign` transaction with the outputs its inputs spend, checked one input at a time.
pub(crate) struct Spend<'a, C: Verification> {
    secp: &'a Secp256k1<C>,
    prevouts: &'a [TxOut],
    cache: SighashCache<&'a Transaction>,
}

impl<'a, C: Verification> Spend<'a, C> {
    /// `prevouts[i]` is the output input `i` spends; there is one per input.
    pub(crate) fn new(secp: &'a Secp256k1<C>, tx: &'a Transaction, prevouts: &'a [TxOut]) -> Self {
        debug_assert_eq!(tx.input.len(), prevouts.len());
        Spend {
            secp,
            prevouts,
            cache: SighashCache::new(tx),
        }
    }

    /// Checks that input `index` satisfies the script of `prevouts[index]`.
    pub(crate) fn verify_input(&mut self, index: usize) -> Result<(), Error> {
        let at = Location::Input(index);
        let prevouts = self.prevouts;
        let prevout = &prevouts[index];
        let spent = prevout.script_pubkey.as_script();
        let tx = self.cache.transaction();
        let script_sig = tx.input[index].script_sig.clone();
        let witness: Vec<Vec<u8>> = tx.input[index].witness.iter().map(<[u8]>::to_vec).collect();

        if let Some(version) = spent.witness_version() {
            if !script_sig.is_empty() {
                return Err(script_sig_error(
                    at,
                    "must be empty when spending a native segwit output",
                ));
            }
            let program = &spent.as_bytes()[2..];
            return self.verify_witness_program(index, version, program, spent, &witness);
        }
        if spent.is_p2sh() {
            let stack = push_only(&script_sig, at)?;
            let Some((redeem, args)) = stack.split_last() else {
                return Err(script_sig_error(at, "p2sh needs the redeem script"));
            };
            if hash160::Hash::hash(redeem).as_byte_array() != &spent.as_bytes()[2..22] {
                return Err(Error::ScriptMismatch { input: at });
            }
            let redeem = Script::from_bytes(redeem);
            if let Some(version) = redeem.witness_version() {
                // BIP-16 + BIP-141: a wrapped witness program is the script sig's only push.
                if !args.is_empty() {
                    return Err(script_sig_error(
                        at,
                        "a p2sh-wrapped witness program must be the only push",
                    ));
                }
                let program = &redeem.as_bytes()[2..];
                return self.verify_witness_program(index, version, program, redeem, &witness);
            }
            no_witness(at, &witness)?;
            let template = Template::parse(redeem.as_bytes()).ok_or_else(|| {
                unsupported(at, "p2sh redeem script is neither single-key nor multisig")
            })?;
            let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            return self.run(at, &template, &args, Sighash::Legacy(redeem), false);
        }
        if spent.is_p2pkh() {
            let stack = push_only(&script_sig, at)?;
            no_witness(at, &witness)?;
            let [signature, key] = stack.as_slice() else {
                return Err(script_sig_error(
                    at,
                    "p2pkh needs exactly a signature and a public key",
                ));
            };
            if hash160::Hash::hash(key).as_byte_array() != &spent.as_bytes()[3..23] {
                return Err(Error::PublicKeyMismatch { input: at });
            }
            return self.check_ecdsa(at, signature, key, Sighash::Legacy(spent), false);
        }
        Err(unsupported(
            at,
            "output is not p2pkh, p2sh, p2wpkh, p2wsh or p2tr",
        ))
    }

    fn verify_witness_program(
        &mut self,
        index: usize,
        version: WitnessVersion,
        program: &[u8],
        script_code: &Script,
        witness: &[Vec<u8>],
    ) -> Result<(), Error> {
        let at = Location::Input(index);
        match (version, program.len()) {
            (WitnessVersion::V0, 20) => {
                let [signature, key] = witness else {
                    return Err(witness_shape(
                        at,
                        format!(
                            "p2wpkh needs 2 items (signature, public key), found {}",
                            witness.len()
                        ),
                    ));
                };
                // The key must hash to the address's program: comparing it with anything taken
                // from the witness itself would accept anyone's key (the bip322 0.0.6–0.0.10
                // advisory).
                if hash160::Hash::hash(key).as_byte_array() != program {
                    return Err(Error::PublicKeyMismatch { input: at });
                }
                self.check_ecdsa(at, signature, key, Sighash::P2wpkh(script_code), true)
            }
            (WitnessVersion::V0, 32) => {
                let Some((script, args)) = witness.split_last() else {
                    return Err(witness_shape(
                        at,
                        "p2wsh needs a witness script, the witness is empty".to_owned(),
                    ));
                };
                if sha256::Hash::hash(script).as_byte_array() != program {
                    return Err(Error::ScriptMismatch { input: at });
                }
                let template = Template::parse(script).ok_or_else(|| {
                    unsupported(at, "witness script is neither single-key nor multisig")
                })?;
                let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                self.run(
                    at,
                    &template,
                    &args,
                    Sighash::P2wsh(Script::from_bytes(script)),
                    true,
                )
            }
            (WitnessVersion::V0, _) => Err(unsupported(
                at,
                "segwit v0 program of a length other than 20 or 32",
            )),
            (WitnessVersion::V1, 32) => self.verify_key_path(index, program, witness),
            (WitnessVersion::V1, _) => {
                Err(unsupported(at, "segwit v1 program that is not taproot"))
            }
            (version, _) => Err(unsupported(
                at,
                &format!("segwit version {} is above 1", version.to_num()),
            )),
        }
    }

    /// A taproot key-path spend (BIP-341): one witness item, the signature.
    fn verify_key_path(
        &mut self,
        index: usize,
        program: &[u8],
        witness: &[Vec<u8>],
    ) -> Result<(), Error> {
        let at = Location::Input(index);
        let signature = match witness {
            [] => {
                return Err(witness_shape(
                    at,
                    "taproot needs a signature, the witness is empty".to_owned(),
                ))
            }
            [signature] => signature,
            [.., annex] if annex.first() == Some(&0x50) => {
                return Err(unsupported(at, "taproot annex"));
            }
            _ => return Err(unsupported(at, "taproot script path")),
        };
        let key = XOnlyPublicKey::from_slice(program).map_err(|_| Error::InvalidPublicKey {
            input: at,
            reason: "taproot output key is not on the curve",
        })?;
        let (signature, sighash_type) = match signature.as_slice() {
            [body @ .., SIGHASH_ALL] if body.len() == 64 => (body, TapSighashType::All),
            [body @ .., found] if body.len() == 64 => {
                return Err(Error::SighashType {
                    input: at,
                    found: *found,
                });
            }
            body => (body, TapSighashType::Default),
        };
        let digest = self
            .cache
            .taproot_key_spend_signature_hash(index, &Prevouts::All(self.prevouts), sighash_type)
            .map_err(|err| unsupported(at, &format!("taproot sighash: {err}")))?;
        check_schnorr(self.secp, &key, digest.as_byte_array(), signature, at)
    }

    /// Runs a single-key or multisig template on `args` (the stack below the script).
    fn run(
        &mut self,
        at: Location,
        template: &Template<'_>,
        args: &[&[u8]],
        sighash: Sighash<'_>,
        segwit: bool,
    ) -> Result<(), Error> {
        let shape = |reason: String| {
            if segwit {
                witness_shape(at, reason)
            } else {
                script_sig_error(at, &reason)
            }
        };
        match template {
            Template::SingleKey(key) => {
                let [signature] = args else {
                    return Err(shape(format!(
                        "single-key script needs 1 signature, found {} items",
                        args.len()
                    )));
                };
                self.check_ecdsa(at, signature, key, sighash, segwit)
            }
            Template::Multisig { required, keys } => {
                let Some((dummy, signatures)) = args.split_first() else {
                    return Err(shape(format!(
                        "{} needs the dummy and {required} signatures, found nothing",
                        template.describe()
                    )));
                };
                if signatures.len() != *required {
                    return Err(shape(format!(
                        "{} needs the dummy and {required} signatures, found {} items",
                        template.describe(),
                        args.len()
                    )));
                }
                if !dummy.is_empty() {
                    return Err(shape(
                        "checkmultisig dummy must be empty (nulldummy)".to_owned(),
                    ));
                }
                // OP_CHECKMULTISIG: signatures in key order, each key tried at most once.
                let mut next_key = 0;
                for (n, signature) in signatures.iter().enumerate() {
                    loop {
                        if required - n > keys.len() - next_key {
                            return Err(Error::BadSignature { input: at });
                        }
                        let key = keys[next_key];
                        next_key += 1;
                        match self.check_ecdsa(at, signature, key, sighash, segwit) {
                            Ok(()) => break,
                            Err(Error::BadSignature { .. }) => {}
                            Err(other) => return Err(other),
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// One `OP_CHECKSIG`: an empty signature fails, any other must be strict DER with
    /// `SIGHASH_ALL` and low S, the key well-encoded (compressed in segwit), then verify.
    fn check_ecdsa(
        &mut self,
        at: Location,
        signature: &[u8],
        key: &[u8],
        sighash: Sighash<'_>,
        segwit: bool,
    ) -> Result<(), Error> {
        let Some((&sighash_type, der)) = signature.split_last() else {
            return Err(Error::BadSignature { input: at });
        };
        if !is_strict_der(der) {
            return Err(Error::SignatureEncoding {
                input: at,
                reason: "ecdsa signature is not strict der",
            });
        }
        if sighash_type != SIGHASH_ALL {
            return Err(Error::SighashType {
                input: at,
                found: sighash_type,
            });
        }
        let key = parse_public_key(key, segwit, at)?;
        let index = match at {
            Location::Input(index) => index,
            _ => 0,
        };
        let digest = self.ecdsa_sighash(index, sighash)?;
        check_ecdsa(self.secp, &key, &digest, der, at)
    }

    fn ecdsa_sighash(&mut self, index: usize, sighash: Sighash<'_>) -> Result<[u8; 32], Error> {
        let at = Location::Input(index);
        let value = self.prevouts[index].value;
        let failed = |err: &dyn core::fmt::Display| unsupported(at, &format!("sighash: {err}"));
        Ok(match sighash {
            Sighash::P2wpkh(program) => self
                .cache
                .p2wpkh_signature_hash(index, program, value, EcdsaSighashType::All)
                .map_err(|err| failed(&err))?
                .to_byte_array(),
            Sighash::P2wsh(script) => self
                .cache
                .p2wsh_signature_hash(index, script, value, EcdsaSighashType::All)
                .map_err(|err| failed(&err))?
                .to_byte_array(),
            Sighash::Legacy(script_code) => self
                .cache
                // The script code is a template of key pushes, which start 02/03/04 and so
                // can never equal a DER signature (30…): FindAndDelete has nothing to delete.
                .legacy_signature_hash(index, script_code, u32::from(SIGHASH_ALL))
                .map_err(|err| failed(&err))?
                .to_byte_array(),
        })
    }
}

/// The stack a push-only, minimally encoded script sig leaves.
fn push_only(script_sig: &ScriptBuf, at: Location) -> Result<Vec<Vec<u8>>, Error> {
    script_sig
        .instructions_minimal()
        .map(|instruction| match instruction {
            Ok(Instruction::PushBytes(bytes)) if bytes.len() > MAX_ELEMENT => {
                Err(script_sig_error(at, "pushes more than 520 bytes"))
            }
            Ok(Instruction::PushBytes(bytes)) => Ok(bytes.as_bytes().to_vec()),
            Ok(Instruction::Op(op)) if op == OP_PUSHNUM_NEG1 => Ok(vec![0x81]),
            Ok(Instruction::Op(op)) => small_number(op.to_u8())
                .and_then(|n| u8::try_from(n).ok())
                .map(|n| vec![n])
                .ok_or_else(|| script_sig_error(at, "is not push-only")),
            Err(ScriptError::NonMinimalPush) => {
                Err(script_sig_error(at, "has a push that is not minimal"))
            }
            Err(_) => Err(script_sig_error(at, "does not parse")),
        })
        .collect()
}

fn no_witness(at: Location, witness: &[Vec<u8>]) -> Result<(), Error> {
    if witness.is_empty() {
        Ok(())
    } else {
        Err(witness_shape(
            at,
            format!(
                "a non-segwit spend takes no witness, found {} items",
                witness.len()
            ),
        ))
    }
}

fn witness_shape(input: Location, reason: String) -> Error {
    Error::WitnessShape { input, reason }
}

fn script_sig_error(input: Location, reason: &str) -> Error {
    Error::ScriptSig {
        input,
        reason: reason.to_owned(),
    }
}

fn unsupported(input: Location, reason: &str) -> Error {
    Error::UnsupportedScript {
        input,
        reason: reason.to_owned(),
    }
}
