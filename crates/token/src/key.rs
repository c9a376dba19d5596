//! Keys: HMAC secrets ([RFC 7518 §3.2]) and Ed25519 key pairs ([RFC 8037]).
//!
//! [RFC 7518 §3.2]: https://www.rfc-editor.org/rfc/rfc7518#section-3.2
//! [RFC 8037]: https://www.rfc-editor.org/rfc/rfc8037

use core::fmt;

use ed25519_dalek::Signer as _;
use hmac::{Hmac, Mac};
use rand_core::CryptoRngCore;
use sha2::{Digest as _, Sha256, Sha512};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::encoding::b64_encode;
use crate::Error;

/// A JWS signature algorithm this crate implements ([RFC 7518 §3.1], [RFC 8037 §3.1]).
///
/// [RFC 7518 §3.1]: https://www.rfc-editor.org/rfc/rfc7518#section-3.1
/// [RFC 8037 §3.1]: https://www.rfc-editor.org/rfc/rfc8037#section-3.1
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256 (`HS256`).
    Hs256,
    /// HMAC with SHA-512 (`HS512`).
    Hs512,
    /// Ed25519 (`EdDSA`, also accepted under its [RFC 9864] name `Ed25519`).
    ///
    /// [RFC 9864]: https://www.rfc-editor.org/rfc/rfc9864
    EdDsa,
}

impl Algorithm {
    /// Returns the `alg` name this crate writes into headers: `HS256`, `HS512` or `EdDSA`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::Hs512 => "HS512",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    /// Reads an `alg` header value. `none` in any casing gets its own error; names are
    /// otherwise case-sensitive (RFC 7515 §4.1.1).
    pub(crate) fn from_header(name: &str) -> Result<Self, Error> {
        match name {
            "HS256" => Ok(Algorithm::Hs256),
            "HS512" => Ok(Algorithm::Hs512),
            "EdDSA" | "Ed25519" => Ok(Algorithm::EdDsa),
            _ if name.eq_ignore_ascii_case("none") => Err(Error::AlgNone {
                found: name.to_owned(),
            }),
            _ => Err(Error::UnknownAlg {
                found: name.to_owned(),
            }),
        }
    }

    /// Returns the length in bytes of a signature (or full-length HMAC tag).
    pub fn signature_len(self) -> usize {
        match self {
            Algorithm::Hs256 => 32,
            Algorithm::Hs512 | Algorithm::EdDsa => 64,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An HMAC secret bound to one algorithm, `HS256` or `HS512`.
///
/// The secret must be at least as long as the hash output: 32 bytes for `HS256`, 64 for `HS512`
/// (RFC 7518 §3.2 "MUST"). Shorter secrets are refused when the key is made, for signing and
/// for verifying alike, so a published vector with a shorter key cannot be checked through this
/// type. The secret is zeroized on drop and never printed by `Debug`.
///
/// The key also keeps the HMAC state after the key schedule (the hashed inner and outer pads),
/// so that a MAC costs the message's hash blocks and no key schedule. That state is as secret as
/// the key; the hash crate does not zeroize it on drop.
#[derive(Clone)]
pub struct HmacKey {
    alg: Algorithm,
    secret: Zeroizing<Vec<u8>>,
    keyed: Keyed,
}

/// An HMAC state right after the key schedule, cloned for each MAC.
#[derive(Clone)]
enum Keyed {
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
}

impl Keyed {
    fn new(alg: Algorithm, secret: &[u8]) -> Self {
        match alg {
            Algorithm::Hs512 => Keyed::Sha512(key_schedule(secret)),
            _ => Keyed::Sha256(key_schedule(secret)),
        }
    }
}

fn key_schedule<M: Mac + hmac::digest::KeyInit>(secret: &[u8]) -> M {
    // HMAC takes keys of any length; the length policy lives in `HmacKey::new`.
    let Ok(mac) = <M as Mac>::new_from_slice(secret) else {
        unreachable!("hmac accepts keys of any length")
    };
    mac
}

impl HmacKey {
    /// Makes an `HS256` key from a secret of at least 32 bytes.
    ///
    /// # Errors
    ///
    /// [`Error::KeyTooShort`] for a shorter secret.
    pub fn hs256(secret: &[u8]) -> Result<Self, Error> {
        Self::new(Algorithm::Hs256, secret)
    }

    /// Makes an `HS512` key from a secret of at least 64 bytes.
    ///
    /// # Errors
    ///
    /// [`Error::KeyTooShort`] for a shorter secret.
    pub fn hs512(secret: &[u8]) -> Result<Self, Error> {
        Self::new(Algorithm::Hs512, secret)
    }

    /// Generates a fresh `HS256` key of 32 random bytes.
    pub fn generate_hs256(rng: &mut impl CryptoRngCore) -> Self {
        Self::generate(Algorithm::Hs256, rng)
    }

    /// Generates a fresh `HS512` key of 64 random bytes.
    pub fn generate_hs512(rng: &mut impl CryptoRngCore) -> Self {
        Self::generate(Algorithm::Hs512, rng)
    }

    fn generate(alg: Algorithm, rng: &mut impl CryptoRngCore) -> Self {
        let mut secret = Zeroizing::new(vec![0u8; alg.signature_len()]);
        rng.fill_bytes(&mut secret);
        let keyed = Keyed::new(alg, &secret);
        HmacKey { alg, secret, keyed }
    }

    /// Makes a key for `alg`; callers pass `Hs256` or `Hs512` only.
    pub(crate) fn new(alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        debug_assert!(matches!(alg, Algorithm::Hs256 | Algorithm::Hs512));
        let min = alg.signature_len();
        if secret.len() < min {
            return Err(Error::KeyTooShort {
                alg,
                min,
                found: secret.len(),
            });
        }
        Ok(HmacKey {
            alg,
            secret: Zeroizing::new(secret.to_vec()),
            keyed: Keyed::new(alg, secret),
        })
    }

    /// Returns the algorithm the key is bound to.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// Computes the full-length tag of `message`.
    pub fn mac(&self, message: &[u8]) -> Vec<u8> {
        match &self.keyed {
            Keyed::Sha256(keyed) => mac_with(keyed, message).to_vec(),
            Keyed::Sha512(keyed) => mac_with(keyed, message).to_vec(),
        }
    }

    /// Checks a tag in constant time. Only full-length tags are accepted: a truncated tag is an
    /// error even if it is a correct prefix.
    ///
    /// # Errors
    ///
    /// [`Error::SignatureLength`] for a tag of the wrong length, [`Error::BadSignature`] for a
    /// wrong tag.
    pub fn verify_mac(&self, message: &[u8], tag: &[u8]) -> Result<(), Error> {
        let expected = self.alg.signature_len();
        if tag.len() != expected {
            return Err(Error::SignatureLength {
                alg: self.alg,
                expected,
                found: tag.len(),
            });
        }
        let equal = match &self.keyed {
            Keyed::Sha256(keyed) => tags_equal(&mac_with(keyed, message), tag),
            Keyed::Sha512(keyed) => tags_equal(&mac_with(keyed, message), tag),
        };
        if equal {
            Ok(())
        } else {
            Err(Error::BadSignature)
        }
    }
}

/// Compares two tags in constant time: the differences of all 8-byte words (and of any bytes
/// left over) are folded together without a branch, and only the fold is compared, through
/// `subtle` so that the compiler cannot turn it into an early exit. Tags of different lengths
/// are unequal.
fn tags_equal(expected: &[u8], found: &[u8]) -> bool {
    if expected.len() != found.len() {
        return false;
    }
    let word = |bytes: &[u8]| u64::from_ne_bytes(bytes.try_into().unwrap_or([0; 8]));
    let (a, b) = (expected.chunks_exact(8), found.chunks_exact(8));
    let tail = a
        .remainder()
        .iter()
        .zip(b.remainder())
        .fold(0u64, |acc, (x, y)| acc | u64::from(x ^ y));
    let difference = a.zip(b).fold(tail, |acc, (x, y)| acc | (word(x) ^ word(y)));
    bool::from(difference.ct_eq(&0))
}

/// The tag of `message` from a pre-keyed state, on the stack.
fn mac_with<M: Mac + Clone>(keyed: &M, message: &[u8]) -> hmac::digest::Output<M> {
    let mut mac = keyed.clone();
    mac.update(message);
    mac.finalize().into_bytes()
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacKey")
            .field("alg", &self.alg)
            .field(
                "secret",
                &format_args!("<{} bytes redacted>", self.secret.len()),
            )
            .finish_non_exhaustive()
    }
}

/// An Ed25519 private key ([RFC 8032 §5.1.5]), zeroized on drop, never printed by `Debug`.
///
/// [RFC 8032 §5.1.5]: https://www.rfc-editor.org/rfc/rfc8032#section-5.1.5
#[derive(Clone)]
pub struct Ed25519SigningKey(ed25519_dalek::SigningKey);

impl Ed25519SigningKey {
    /// Generates a fresh key from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        Ed25519SigningKey(ed25519_dalek::SigningKey::generate(rng))
    }

    /// Makes a key from its 32-byte seed (the RFC 8032 private key, the JWK `d`).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Ed25519SigningKey(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// Makes a key from a seed given as a slice.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEd25519Key`] unless `seed` is 32 bytes.
    pub fn from_slice(seed: &[u8]) -> Result<Self, Error> {
        let seed: &[u8; 32] = seed.try_into().map_err(|_| Error::InvalidEd25519Key {
            reason: "private key is not 32 bytes",
        })?;
        Ok(Self::from_seed(seed))
    }

    /// Returns the 32-byte seed, in a buffer that zeroizes itself.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// Returns the public half.
    pub fn verifying_key(&self) -> Ed25519VerifyingKey {
        Ed25519VerifyingKey(self.0.verifying_key())
    }

    /// Signs `message` (deterministic, RFC 8032 §5.1.6).
    pub fn sign_message(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for Ed25519SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519SigningKey")
            .field("public", &self.verifying_key())
            .finish_non_exhaustive()
    }
}

/// An Ed25519 public key.
///
/// Only canonical encodings of points outside the small-order subgroup are accepted, and
/// signatures are checked with ed25519-dalek's `verify_strict`: `S` must be below the group
/// order, `R` must not have small order, and the cofactorless equation must hold exactly.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ed25519VerifyingKey(ed25519_dalek::VerifyingKey);

impl Ed25519VerifyingKey {
    /// Reads a 32-byte compressed point (RFC 8032 §5.1.2).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEd25519Key`] unless `bytes` is a 32-byte canonical encoding of a curve
    /// point of large order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let bytes: &[u8; 32] = bytes.try_into().map_err(|_| Error::InvalidEd25519Key {
            reason: "public key is not 32 bytes",
        })?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| {
            Error::InvalidEd25519Key {
                reason: "public key is not a curve point",
            }
        })?;
        if key.to_edwards().compress().as_bytes() != bytes {
            return Err(Error::InvalidEd25519Key {
                reason: "public key encoding is not canonical",
            });
        }
        if key.is_weak() {
            return Err(Error::InvalidEd25519Key {
                reason: "public key has small order",
            });
        }
        Ok(Ed25519VerifyingKey(key))
    }

    /// Returns the 32-byte compressed point.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Checks a 64-byte signature on `message`.
    ///
    /// # Errors
    ///
    /// [`Error::SignatureLength`] unless `signature` is 64 bytes, [`Error::BadSignature`] if it
    /// does not verify strictly.
    pub fn verify_message(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let signature: &[u8; 64] = signature.try_into().map_err(|_| Error::SignatureLength {
            alg: Algorithm::EdDsa,
            expected: 64,
            found: signature.len(),
        })?;
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        self.0
            .verify_strict(message, &signature)
            .map_err(|_| Error::BadSignature)
    }

    /// Returns the [RFC 7638] JWK thumbprint (base64url SHA-256 of
    /// `{"crv":"Ed25519","kty":"OKP","x":"…"}`, [RFC 8037 §2]), the `kid` this crate gives the
    /// key by default.
    ///
    /// [RFC 7638]: https://www.rfc-editor.org/rfc/rfc7638
    /// [RFC 8037 §2]: https://www.rfc-editor.org/rfc/rfc8037#section-2
    pub fn thumbprint(&self) -> String {
        let canonical = format!(
            r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
            b64_encode(self.to_bytes())
        );
        b64_encode(Sha256::digest(canonical.as_bytes()))
    }
}

impl fmt::Debug for Ed25519VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Ed25519VerifyingKey")
            .field(&b64_encode(self.to_bytes()))
            .finish()
    }
}

/// A key that signs: an HMAC secret or an Ed25519 private key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SigningKey {
    /// `HS256` or `HS512`.
    Hmac(HmacKey),
    /// `EdDSA` with Ed25519.
    Ed25519(Ed25519SigningKey),
}

impl SigningKey {
    /// Returns the algorithm the key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            SigningKey::Hmac(key) => key.algorithm(),
            SigningKey::Ed25519(_) => Algorithm::EdDsa,
        }
    }

    /// Returns the key that verifies what this key signs (for HMAC, the same secret).
    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            SigningKey::Hmac(key) => VerifyingKey::Hmac(key.clone()),
            SigningKey::Ed25519(key) => VerifyingKey::Ed25519(key.verifying_key()),
        }
    }

    pub(crate) fn sign_bytes(&self, signing_input: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::Hmac(key) => key.mac(signing_input),
            SigningKey::Ed25519(key) => key.sign_message(signing_input).to_vec(),
        }
    }
}

impl From<HmacKey> for SigningKey {
    fn from(key: HmacKey) -> Self {
        SigningKey::Hmac(key)
    }
}

impl From<Ed25519SigningKey> for SigningKey {
    fn from(key: Ed25519SigningKey) -> Self {
        SigningKey::Ed25519(key)
    }
}

/// A key that verifies: an HMAC secret or an Ed25519 public key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum VerifyingKey {
    /// `HS256` or `HS512`.
    Hmac(HmacKey),
    /// `EdDSA` with Ed25519.
    Ed25519(Ed25519VerifyingKey),
}

impl VerifyingKey {
    /// Returns the one algorithm the key verifies.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            VerifyingKey::Hmac(key) => key.algorithm(),
            VerifyingKey::Ed25519(_) => Algorithm::EdDsa,
        }
    }

    pub(crate) fn verify_bytes(&self, signing_input: &[u8], signature: &[u8]) -> Result<(), Error> {
        match self {
            VerifyingKey::Hmac(key) => key.verify_mac(signing_input, signature),
            VerifyingKey::Ed25519(key) => key.verify_message(signing_input, signature),
        }
    }
}

impl From<HmacKey> for VerifyingKey {
    fn from(key: HmacKey) -> Self {
        VerifyingKey::Hmac(key)
    }
}

impl From<Ed25519VerifyingKey> for VerifyingKey {
    fn from(key: Ed25519VerifyingKey) -> Self {
        VerifyingKey::Ed25519(key)
    }
}

impl From<&Ed25519SigningKey> for VerifyingKey {
    fn from(key: &Ed25519SigningKey) -> Self {
        VerifyingKey::Ed25519(key.verifying_key())
    }
}

#[cfg(test)]
mod tests {
    use super::tags_equal;

    #[test]
    fn tags_differing_in_any_byte_are_unequal() {
        for len in [0usize, 5, 32, 37, 64] {
            let tag: Vec<u8> = (0..=u8::MAX).cycle().take(len).collect();
            assert!(tags_equal(&tag, &tag.clone()), "{len}");
            for at in 0..len {
                let mut other = tag.clone();
                other[at] ^= 0x80;
                assert!(!tags_equal(&tag, &other), "{len} bytes, byte {at}");
            }
            assert!(!tags_equal(&tag, &tag[..len.saturating_sub(1)]) || len == 0);
        }
    }
}
