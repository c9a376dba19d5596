//! [BIP-322] generic signed messages for Watchword: verification of *simple*, *full* and
//! *proof-of-funds* signatures (v2.0.0, with or without the `smp`/`ful`/`pof` prefix), of
//! *legacy* `signmessage`/[BIP-137] signatures, with the address checked against the
//! verifier's network; and simple signing for single-key addresses.
//!
//! Pure logic: no clock, no RNG, no IO. Signing takes the caller's auxiliary bytes.
//!
//! An embedding service (the auth-host's wallet sign-in) builds one [`Verifier`] for its
//! network and checks what the wallet sent:
//!
//! ```
//! use watchword_bip322::{Network, SignatureKind, Verifier};
//!
//! # fn main() -> Result<(), watchword_bip322::Error> {
//! let verifier = Verifier::new(Network::Bitcoin);
//! // BIP-322's own vector: "Hello World" signed for a P2WPKH address.
//! let address = "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l";
//! let signature = "smpAkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=";
//! let verified = verifier.verify(address, b"Hello World", signature)?;
//! assert_eq!(verified.kind(), SignatureKind::Simple);
//! assert_eq!(verified.address().to_string(), address);
//!
//! // The same signature is worthless for another message, and a testnet verifier refuses
//! // the mainnet address before looking at the signature.
//! assert!(verifier.verify(address, b"Hello Mars", signature).is_err());
//! let testnet = Verifier::new(Network::Testnet);
//! assert_eq!(testnet.verify(address, b"Hello World", signature).unwrap_err().code(), "network_mismatch");
//! # Ok(())
//! # }
//! ```
//!
//! Tests and demos sign with [`sign_simple`] (P2WPKH, P2SH-P2WPKH or P2TR key path) and a key of their
//! own; [`address`] gives the matching address.
//!
//! # What is verified
//!
//! [`Verifier::verify`] builds `to_spend` from the message and the address's script
//! ([`to_spend`], [`message_hash`]), decodes the signature as `to_sign` ([`to_sign`] for a
//! simple one), checks the fields BIP-322 fixes, and checks every input against the script it
//! spends. This crate is not a script interpreter: it recognises these spends and refuses
//! anything else with [`Error::UnsupportedScript`] (BIP-322's *inconclusive*):
//!
//! | output | spend | kinds |
//! |---|---|---|
//! | P2WPKH | `<sig> <compressed key>` | simple, full, proof of funds, legacy¹ |
//! | P2TR | key path: one Schnorr signature, `SIGHASH_DEFAULT` or `SIGHASH_ALL` (no annex, no script path) | simple, full, proof of funds |
//! | P2WSH | witness script `<key> CHECKSIG` or `m <keys> n CHECKMULTISIG` (n ≤ 16, compressed keys) | simple, full, proof of funds |
//! | P2SH-P2WPKH | as P2WPKH, the script sig being the single push of the program | simple², full, proof of funds, legacy¹ |
//! | P2SH-P2WSH | as the wrapped program, the script sig being the single push of it | full, proof of funds |
//! | P2SH | redeem script `<key> CHECKSIG` or `m <keys> n CHECKMULTISIG` | full, proof of funds |
//! | P2PKH | `<sig> <key>` | full, proof of funds, legacy |
//!
//! ¹ only under [`LegacyPolicy::AllowSegwit`]; see [`legacy`] for the header table.
//!
//! ² A simple signature is a witness alone, so for a P2SH address the script sig is implied,
//! as wallets, bip322-js and the `bip322` crate imply it: the witness must be P2WPKH's
//! (signature, compressed public key), the redeem script is taken to be the P2WPKH program of
//! that key, and the address's script hash must be that program's
//! ([`Error::PublicKeyMismatch`] otherwise; another witness shape is [`Error::WitnessShape`]).
//! Every other P2SH script, P2SH-P2WSH included, needs a full signature, whose script sig
//! is explicit.
//!
//! Time-locked scripts (BIP-322's `p2wsh-time-lock` and `p2tr-time-lock` vectors), taproot
//! script paths, bare scripts and segwit versions above 1 are inconclusive. Every ECDSA
//! signature must be strict DER with `SIGHASH_ALL` and low S, every taproot signature
//! `SIGHASH_DEFAULT` or `SIGHASH_ALL`; stacks must hold exactly the items the script consumes
//! (`CLEANSTACK`), pushes must be minimal, the `CHECKMULTISIG` dummy empty.
//!
//! A full or proof-of-funds `to_sign` must have version 0 or 2, its first input must spend
//! `to_spend:0`, and it must have one output of 0 sat paying `OP_RETURN`; lock time and
//! sequence are free and reported ([`Verified::lock_time`], [`Verified::sequence`], BIP-322's
//! "valid at time T and age S").
//!
//! # Proof of funds
//!
//! A `pof` signature is a finalized PSBT of `to_sign` whose inputs after the first spend
//! outputs the signer shows it controls. This crate checks:
//!
//! - the PSBT decodes completely (no trailing bytes) and its unsigned transaction has the
//!   shape of a full signature's, except that it has 1 to [`MAX_INPUTS`] inputs, no two
//!   spending the same outpoint ([`Error::DuplicateInput`]);
//! - the message: the caller passes it, and the first input binds it (it must spend
//!   `to_spend`, whose txid commits to the message hash). The PSBT's
//!   `PSBT_GLOBAL_GENERIC_SIGNED_MESSAGE` field (type `0x09`) is for signers: when present it
//!   must be the caller's message byte for byte ([`Error::MessageMismatch`]); when absent, as
//!   in the BIP's own proof-of-funds vectors, the proof verifies all the same;
//! - input 0's UTXO is `to_spend`'s output; a UTXO field the PSBT gives for it must agree
//!   ([`Error::UtxoMismatch`]);
//! - every other input's UTXO comes from its non-witness UTXO (the previous transaction,
//!   whose txid must be the outpoint's), else from that of the first earlier input spending
//!   from the same transaction (BIP-322's rule), else from its witness UTXO, which serves only
//!   an input with a witness: a non-segwit spend needs the previous transaction
//!   ([`Error::MissingUtxo`]);
//! - every input is finalized ([`Error::NotFinalized`]) and satisfies its UTXO's script under
//!   the rules and the script subset above.
//!
//! The additional inputs are listed in [`Verified::proven_inputs`]. Offline, that says only
//! that the signer could spend them if they exist: whether they exist and are unspent is for
//! a caller with the UTXO set to decide.
//!
//! # Networks
//!
//! A [`Verifier`] serves one [`Network`]; an address of another is [`Error::NetworkMismatch`].
//! Testnet, testnet4 and signet share address prefixes; regtest shares their base58 prefixes
//! but not their bech32 one (`bcrt1` rather than `tb1`).
//!
//! [BIP-322]: https://github.com/bitcoin/bips/blob/master/bip-0322.mediawiki
//! [BIP-137]: https://github.com/bitcoin/bips/blob/master/bip-0137.mediawiki
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod encoding;
mod error;
mod kind;
pub mod legacy;
mod message;
mod pof;
pub mod primitives;
mod script;
mod sign;
mod tx;
mod verify;

#[doc(hidden)]
pub mod fuzzing;

/// The `bitcoin` crate this crate is built on, for callers that need its types.
pub use bitcoin;
pub use bitcoin::secp256k1::SecretKey;
pub use bitcoin::Network;

pub use encoding::MAX_SIGNATURE_LEN;
pub use error::{AddressTypeName, Error, Location};
pub use kind::SignatureKind;
pub use legacy::LegacyPolicy;
pub use message::{legacy_message_hash, message_hash, LEGACY_MAGIC, MESSAGE_TAG};
pub use sign::{address, sign_simple, simple_witness, KeyAddress};
pub use tx::{to_sign, to_spend, MAX_INPUTS};
pub use verify::{ProvenInput, Verified, Verifier};
