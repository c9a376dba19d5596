//! The crate's one error type.

use core::fmt;

use bitcoin::{AddressType, Network, OutPoint};

use crate::{LegacyPolicy, SignatureKind};

/// Where a cryptographic check failed: in a legacy signature, in one input of the `to_sign`
/// transaction, or in a bare primitive call ([`primitives`](crate::primitives)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Location {
    /// The compact recoverable signature of a legacy (BIP-137) message signature.
    Legacy,
    /// Input `n` of `to_sign` (input 0 spends `to_spend`; proof-of-funds inputs follow).
    Input(usize),
    /// A direct call of a [`primitives`](crate::primitives) function.
    Primitive,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Legacy => f.write_str("legacy signature"),
            Location::Input(n) => write!(f, "input {n}"),
            Location::Primitive => f.write_str("signature"),
        }
    }
}

/// Everything that can make a verification fail.
///
/// Each rule has its own variant, so that callers and tests can tell exactly which rule a
/// signature broke; [`Error::code`] gives a stable machine-readable name for each. Messages are
/// lower-case and name the offending value.
///
/// BIP-322 distinguishes *invalid* from *inconclusive* (the verifier does not understand the
/// script, or an upgradeable rule is broken): [`Error::is_inconclusive`] tells which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The signature text is longer than [`MAX_SIGNATURE_LEN`](crate::MAX_SIGNATURE_LEN).
    #[error("signature is {len} bytes, more than the {max}-byte limit")]
    SignatureTooLarge {
        /// Length of the signature text in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The signature (after any `smp`/`ful`/`pof` prefix) is empty.
    #[error("signature is empty")]
    EmptySignature,
    /// The signature (after any prefix) is not canonical padded base64 (RFC 4648 §4): a
    /// character outside the standard alphabet, whitespace, missing or extra padding, or
    /// non-zero trailing bits.
    #[error("signature is not canonical base64")]
    Base64,
    /// The decoded bytes are not what the signature kind carries: a consensus-encoded witness
    /// stack (simple), transaction (full) or PSBT (proof of funds), with nothing left over.
    #[error("{kind} signature does not decode: {reason}")]
    Malformed {
        /// The kind the signature was read as.
        kind: SignatureKind,
        /// The decoder's message.
        reason: String,
    },
    /// The address does not parse as a Bitcoin address.
    #[error("address {address:?} does not parse: {reason}")]
    AddressParse {
        /// The address as given.
        address: String,
        /// The parser's message.
        reason: String,
    },
    /// The address is for another network than the verifier's.
    #[error("address {address:?} is not a {expected} address")]
    NetworkMismatch {
        /// The address as given.
        address: String,
        /// The verifier's network.
        expected: Network,
    },
    /// This kind of signature is not defined for this kind of address: simple signatures need
    /// a segwit address (native, or P2SH-P2WPKH), legacy signatures a P2PKH (or, when
    /// allowed, P2WPKH or P2SH-P2WPKH) address.
    #[error("{kind} signatures are not defined for {address_type} addresses")]
    KindNotAllowed {
        /// The signature kind.
        kind: SignatureKind,
        /// The address type, `None` for a script without an address type (a future segwit
        /// version).
        address_type: AddressTypeName,
    },
    /// A legacy signature was given to a verifier whose [`LegacyPolicy`] refuses it.
    #[error("legacy signature for a {address_type} address is refused under {policy}")]
    LegacyNotAllowed {
        /// The address type.
        address_type: AddressType,
        /// The verifier's policy.
        policy: LegacyPolicy,
    },
    /// A legacy signature is not 65 bytes (header and compact `r ‖ s`).
    #[error("legacy signature is {len} bytes, it must be 65")]
    LegacyLength {
        /// Decoded length in bytes.
        len: usize,
    },
    /// The header byte of a legacy signature is outside BIP-137's range 27..=42.
    #[error("legacy signature header {header} is outside 27..=42")]
    LegacyHeader {
        /// The header byte.
        header: u8,
    },
    /// The header byte of a legacy signature names a key or address type that cannot be the
    /// given address (for example an uncompressed key for a segwit address).
    #[error(
        "legacy signature header {header} ({meaning}) cannot sign for a {address_type} address"
    )]
    LegacyHeaderMismatch {
        /// The header byte.
        header: u8,
        /// What the header says, in BIP-137's words.
        meaning: &'static str,
        /// The address type.
        address_type: AddressType,
    },
    /// The version of `to_sign` is neither 0 nor 2 (an upgradeable rule: inconclusive).
    #[error("to_sign has version {version}, it must be 0 or 2")]
    ToSignVersion {
        /// The version found.
        version: i32,
    },
    /// `to_sign` has the wrong number of inputs: exactly one for a full signature, at least
    /// one and at most [`MAX_INPUTS`](crate::MAX_INPUTS) for a proof of funds.
    #[error("to_sign has {count} inputs, a {kind} signature has {expected}")]
    InputCount {
        /// The signature kind.
        kind: SignatureKind,
        /// Number of inputs found.
        count: usize,
        /// What is allowed.
        expected: &'static str,
    },
    /// The first input of `to_sign` does not spend output 0 of the `to_spend` built from this
    /// address and message: the signature is for another address or another message.
    #[error(
        "to_sign input 0 spends {found}, not output 0 of to_spend for this address and message"
    )]
    ToSpendMismatch {
        /// The outpoint the first input spends.
        found: OutPoint,
    },
    /// `to_sign` does not have exactly one output of value 0 paying to `OP_RETURN`.
    #[error("to_sign outputs are wrong: {reason}")]
    ToSignOutput {
        /// What is wrong.
        reason: &'static str,
    },
    /// Two inputs of a proof of funds spend the same outpoint.
    #[error("input {input} spends the same outpoint as an earlier input")]
    DuplicateInput {
        /// The later input.
        input: usize,
    },
    /// A proof-of-funds input has no UTXO: neither a witness nor a non-witness UTXO, nor an
    /// earlier input's non-witness UTXO of the same transaction.
    #[error("input {input} has no usable utxo: {reason}")]
    MissingUtxo {
        /// The input.
        input: usize,
        /// What is missing.
        reason: &'static str,
    },
    /// A proof-of-funds input's UTXO contradicts its outpoint or another UTXO field.
    #[error("input {input} utxo does not match: {reason}")]
    UtxoMismatch {
        /// The input.
        input: usize,
        /// What differs.
        reason: &'static str,
    },
    /// A proof-of-funds input carries neither a final script sig nor a final witness.
    #[error("input {input} is not finalized")]
    NotFinalized {
        /// The input.
        input: usize,
    },
    /// The PSBT's `PSBT_GLOBAL_GENERIC_SIGNED_MESSAGE` field is present and is not the message
    /// being verified.
    #[error("the psbt's generic signed message field is not the message being verified")]
    MessageMismatch,
    /// The witness stack does not have the shape the spent script needs (missing or extra
    /// items, a non-empty `CHECKMULTISIG` dummy, a witness where none may be).
    #[error("{input} witness has the wrong shape: {reason}")]
    WitnessShape {
        /// The input.
        input: Location,
        /// What is wrong.
        reason: String,
    },
    /// The script sig is not allowed: not push-only, not minimally encoded, not empty where
    /// the output is native segwit, or not the single push of a segwit redeem script.
    #[error("{input} script sig is invalid: {reason}")]
    ScriptSig {
        /// The input.
        input: Location,
        /// What is wrong.
        reason: String,
    },
    /// The witness script or redeem script revealed does not hash to the spent output.
    #[error("{input} reveals a script that does not hash to the address")]
    ScriptMismatch {
        /// The input.
        input: Location,
    },
    /// The spent script is outside the supported subset (inconclusive in BIP-322's terms):
    /// see the crate documentation for the subset.
    #[error("{input}: unsupported script: {reason}")]
    UnsupportedScript {
        /// The input.
        input: Location,
        /// Which script, or which part of it.
        reason: String,
    },
    /// A signature uses a sighash type other than `SIGHASH_ALL` (or taproot's
    /// `SIGHASH_DEFAULT`).
    #[error("{input} signs with sighash type {found:#04x}, only SIGHASH_ALL (or taproot's default) is allowed")]
    SighashType {
        /// Where.
        input: Location,
        /// The sighash byte found.
        found: u8,
    },
    /// A signature is not encoded as required: strict DER (BIP-66) for ECDSA, 64 or 65 bytes
    /// for Schnorr, `r` and `s` in range for a compact signature.
    #[error("{input}: signature encoding is invalid: {reason}")]
    SignatureEncoding {
        /// Where.
        input: Location,
        /// What is wrong.
        reason: &'static str,
    },
    /// An ECDSA signature has `s` in the upper half of the group order (BIP-146 `LOW_S`).
    #[error("{input}: ecdsa signature has a high s value")]
    HighS {
        /// Where.
        input: Location,
    },
    /// A public key does not parse (or is uncompressed where segwit needs a compressed key).
    #[error("{input}: public key is invalid: {reason}")]
    InvalidPublicKey {
        /// Where.
        input: Location,
        /// What is wrong.
        reason: &'static str,
    },
    /// The public key (in the witness, the script sig, or recovered from a legacy signature)
    /// does not hash to the address.
    #[error("{input}: public key does not match the address")]
    PublicKeyMismatch {
        /// Where.
        input: Location,
    },
    /// A well-formed signature does not verify under its public key.
    #[error("{input}: signature does not verify")]
    BadSignature {
        /// Where.
        input: Location,
    },
}

/// An address type as shown in errors: a [`bitcoin::AddressType`], or `None` for a script
/// with no address type (a segwit version above 1, an unknown program length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressTypeName(pub Option<AddressType>);

impl fmt::Display for AddressTypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(address_type) => address_type.fmt(f),
            None => f.write_str("non-standard"),
        }
    }
}

impl Error {
    /// A stable, machine-readable name of the rule that failed (`"network_mismatch"`,
    /// `"bad_signature"`, …), for API responses and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Error::SignatureTooLarge { .. } => "signature_too_large",
            Error::EmptySignature => "empty_signature",
            Error::Base64 => "base64",
            Error::Malformed { .. } => "malformed_signature",
            Error::AddressParse { .. } => "address_parse",
            Error::NetworkMismatch { .. } => "network_mismatch",
            Error::KindNotAllowed { .. } => "kind_not_allowed",
            Error::LegacyNotAllowed { .. } => "legacy_not_allowed",
            Error::LegacyLength { .. } => "legacy_length",
            Error::LegacyHeader { .. } => "legacy_header",
            Error::LegacyHeaderMismatch { .. } => "legacy_header_mismatch",
            Error::ToSignVersion { .. } => "to_sign_version",
            Error::InputCount { .. } => "input_count",
            Error::ToSpendMismatch { .. } => "to_spend_mismatch",
            Error::ToSignOutput { .. } => "to_sign_output",
            Error::DuplicateInput { .. } => "duplicate_input",
            Error::MissingUtxo { .. } => "missing_utxo",
            Error::UtxoMismatch { .. } => "utxo_mismatch",
            Error::NotFinalized { .. } => "not_finalized",
            Error::MessageMismatch => "message_mismatch",
            Error::WitnessShape { .. } => "witness_shape",
            Error::ScriptSig { .. } => "script_sig",
            Error::ScriptMismatch { .. } => "script_mismatch",
            Error::UnsupportedScript { .. } => "unsupported_script",
            Error::SighashType { .. } => "sighash_type",
            Error::SignatureEncoding { .. } => "signature_encoding",
            Error::HighS { .. } => "high_s",
            Error::InvalidPublicKey { .. } => "invalid_public_key",
            Error::PublicKeyMismatch { .. } => "public_key_mismatch",
            Error::BadSignature { .. } => "bad_signature",
        }
    }

    /// Whether BIP-322 calls this outcome *inconclusive* rather than *invalid*: the script is
    /// outside what this verifier understands ([`Error::UnsupportedScript`]), or an upgradeable
    /// rule is broken ([`Error::ToSignVersion`]). Either way the signature is not accepted.
    pub fn is_inconclusive(&self) -> bool {
        matches!(
            self,
            Error::UnsupportedScript { .. } | Error::ToSignVersion { .. }
        )
    }
}

/// An error's message followed by those of its sources, for [`Error::Malformed`] reasons.
pub(crate) fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
