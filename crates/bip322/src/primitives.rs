//! The signature layer under the script checks: ECDSA with strict DER and low S, and BIP-340
//! Schnorr, over 32-byte digests, on libsecp256k1 (through the `bitcoin` crate).
//!
//! The verifier calls the same code for every signature in a witness or script sig; the
//! functions here expose it so that published primitive vectors (Wycheproof's Bitcoin ECDSA
//! file, BIP-340's CSV) can be run against exactly what BIP-322 verification uses.

use bitcoin::secp256k1::{ecdsa, schnorr, Keypair, Message, PublicKey, Secp256k1, SecretKey};
use bitcoin::secp256k1::{Signing, Verification, XOnlyPublicKey};

use crate::error::{Error, Location};

/// Verifies a DER-encoded ECDSA signature (without a sighash byte) over `digest`.
///
/// `public_key` is a SEC 1 encoding: 33 bytes starting `02`/`03` or 65 bytes starting `04`
/// (hybrid `06`/`07` keys are refused, as Bitcoin's `STRICTENC` does).
///
/// # Errors
///
/// [`Error::SignatureEncoding`] when the signature is not strict DER ([`is_strict_der`]),
/// [`Error::HighS`] when `s` is above half the group order, [`Error::InvalidPublicKey`] for a
/// key that does not parse, [`Error::BadSignature`] when it does not verify.
pub fn verify_ecdsa(public_key: &[u8], digest: &[u8; 32], der: &[u8]) -> Result<(), Error> {
    let secp = Secp256k1::verification_only();
    let key = parse_public_key(public_key, false, Location::Primitive)?;
    check_ecdsa(&secp, &key, digest, der, Location::Primitive)
}

/// Verifies a 64-byte BIP-340 Schnorr signature over the 32-byte `digest` under the x-only
/// `public_key` (32 bytes).
///
/// # Errors
///
/// [`Error::InvalidPublicKey`] when the key is not 32 bytes or not the x coordinate of a
/// curve point, [`Error::SignatureEncoding`] when the signature is not 64 bytes,
/// [`Error::BadSignature`] when it does not verify.
pub fn verify_schnorr(public_key: &[u8], digest: &[u8; 32], signature: &[u8]) -> Result<(), Error> {
    let secp = Secp256k1::verification_only();
    let key = XOnlyPublicKey::from_slice(public_key).map_err(|_| Error::InvalidPublicKey {
        input: Location::Primitive,
        reason: "not a 32-byte x-only key on the curve",
    })?;
    check_schnorr(&secp, &key, digest, signature, Location::Primitive)
}

/// Signs `digest` with BIP-340 Schnorr under `secret_key` (untweaked), with the caller's
/// auxiliary randomness `aux` (BIP-340's `a`): the same key, digest and `aux` give the same
/// signature.
pub fn sign_schnorr(secret_key: &SecretKey, digest: &[u8; 32], aux: &[u8; 32]) -> [u8; 64] {
    let secp = Secp256k1::signing_only();
    schnorr_sign(
        &secp,
        &Keypair::from_secret_key(&secp, secret_key),
        digest,
        aux,
    )
}

pub(crate) fn schnorr_sign<C: Signing>(
    secp: &Secp256k1<C>,
    keypair: &Keypair,
    digest: &[u8; 32],
    aux: &[u8; 32],
) -> [u8; 64] {
    secp.sign_schnorr_with_aux_rand(&Message::from_digest(*digest), keypair, aux)
        .serialize()
}

/// Whether `der` (an ECDSA signature without a sighash byte) is strict DER in the sense of
/// BIP-66: one `SEQUENCE` of two positive `INTEGER`s, minimal lengths and no padding beyond
/// the one zero byte that keeps an integer positive, nothing after it.
pub fn is_strict_der(der: &[u8]) -> bool {
    // BIP-66's IsValidSignatureEncoding, on the signature without its sighash byte: every
    // length below is one less than in the BIP's text.
    let len = der.len();
    if !(8..=72).contains(&len) || der[0] != 0x30 || usize::from(der[1]) != len - 2 {
        return false;
    }
    let len_r = usize::from(der[3]);
    // The length of s must lie inside the signature (BIP-66 reads the sighash byte here and
    // fails one check later; without that byte this is the bounds check).
    if 5 + len_r >= len {
        return false;
    }
    let len_s = usize::from(der[4 + len_r + 1]);
    if len_r + len_s + 6 != len {
        return false;
    }
    let integer_ok = |tag: u8, int_len: usize, first: usize| {
        tag == 0x02
            && int_len != 0
            && der[first] & 0x80 == 0
            && !(int_len > 1 && der[first] == 0 && der[first + 1] & 0x80 == 0)
    };
    integer_ok(der[2], len_r, 4) && integer_ok(der[len_r + 4], len_s, len_r + 6)
}

/// Parses a public key in `STRICTENC` form; `compressed_only` for segwit v0
/// (`WITNESS_PUBKEYTYPE`).
pub(crate) fn parse_public_key(
    bytes: &[u8],
    compressed_only: bool,
    input: Location,
) -> Result<PublicKey, Error> {
    let well_formed = match bytes.first() {
        Some(0x02 | 0x03) => bytes.len() == 33,
        Some(0x04) => bytes.len() == 65 && !compressed_only,
        _ => false,
    };
    if !well_formed {
        return Err(Error::InvalidPublicKey {
            input,
            reason: if compressed_only && bytes.len() == 65 {
                "segwit needs a compressed key"
            } else {
                "not a compressed or uncompressed sec1 key"
            },
        });
    }
    PublicKey::from_slice(bytes).map_err(|_| Error::InvalidPublicKey {
        input,
        reason: "not a point on the curve",
    })
}

/// Strict DER, low S, then verification.
pub(crate) fn check_ecdsa<C: Verification>(
    secp: &Secp256k1<C>,
    key: &PublicKey,
    digest: &[u8; 32],
    der: &[u8],
    input: Location,
) -> Result<(), Error> {
    if !is_strict_der(der) {
        return Err(Error::SignatureEncoding {
            input,
            reason: "ecdsa signature is not strict der",
        });
    }
    let signature = ecdsa::Signature::from_der(der).map_err(|_| Error::SignatureEncoding {
        input,
        reason: "ecdsa signature is not strict der",
    })?;
    let mut low = signature;
    low.normalize_s();
    if low != signature {
        return Err(Error::HighS { input });
    }
    secp.verify_ecdsa(&Message::from_digest(*digest), &signature, key)
        .map_err(|_| Error::BadSignature { input })
}

/// Length, then verification.
pub(crate) fn check_schnorr<C: Verification>(
    secp: &Secp256k1<C>,
    key: &XOnlyPublicKey,
    digest: &[u8; 32],
    signature: &[u8],
    input: Location,
) -> Result<(), Error> {
    let signature =
        schnorr::Signature::from_slice(signature).map_err(|_| Error::SignatureEncoding {
            input,
            reason: "schnorr signature is not 64 bytes",
        })?;
    secp.verify_schnorr(&signature, &Message::from_digest(*digest), key)
        .map_err(|_| Error::BadSignature { input })
}
