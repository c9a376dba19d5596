//! Credential public keys: COSE_Key parsing ([RFC 9052 §7], [RFC 9053]) with the strictness
//! WebAuthn §6.5.1.1 asks for, the supported algorithms, and signature verification on ring.
//!
//! [RFC 9052 §7]: https://www.rfc-editor.org/rfc/rfc9052#section-7
//! [RFC 9053]: https://www.rfc-editor.org/rfc/rfc9053

use core::fmt;

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::{Deserialize, Serialize};

use crate::cbor::{self, Value};
use crate::ec;
use crate::Error;

/// A COSE signature algorithm this crate verifies ([IANA COSE Algorithms]).
///
/// [IANA COSE Algorithms]: https://www.iana.org/assignments/cose/cose.xhtml#algorithms
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
#[non_exhaustive]
pub enum CoseAlgorithm {
    /// ECDSA on P-256 with SHA-256 (`-7`).
    Es256,
    /// ECDSA on P-384 with SHA-384 (`-35`).
    Es384,
    /// ECDSA on P-521 with SHA-512 (`-36`).
    Es512,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`-257`).
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384 (`-258`).
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512 (`-259`).
    Rs512,
    /// RSASSA-PSS with SHA-256 and MGF1-SHA-256 (`-37`).
    Ps256,
    /// RSASSA-PSS with SHA-384 and MGF1-SHA-384 (`-38`).
    Ps384,
    /// RSASSA-PSS with SHA-512 and MGF1-SHA-512 (`-39`).
    Ps512,
    /// EdDSA (`-8`), on Ed25519 only.
    EdDsa,
}

impl CoseAlgorithm {
    /// Every supported credential algorithm, in the order a relying party usually prefers
    /// them. RS1 (SHA-1) is not among them: it is verified only as a TPM attestation
    /// signature.
    pub const ALL: [CoseAlgorithm; 10] = [
        CoseAlgorithm::Es256,
        CoseAlgorithm::EdDsa,
        CoseAlgorithm::Es384,
        CoseAlgorithm::Es512,
        CoseAlgorithm::Ps256,
        CoseAlgorithm::Ps384,
        CoseAlgorithm::Ps512,
        CoseAlgorithm::Rs256,
        CoseAlgorithm::Rs384,
        CoseAlgorithm::Rs512,
    ];

    /// The COSE algorithm identifier.
    pub const fn id(self) -> i64 {
        match self {
            CoseAlgorithm::Es256 => -7,
            CoseAlgorithm::Es384 => -35,
            CoseAlgorithm::Es512 => -36,
            CoseAlgorithm::Rs256 => -257,
            CoseAlgorithm::Rs384 => -258,
            CoseAlgorithm::Rs512 => -259,
            CoseAlgorithm::Ps256 => -37,
            CoseAlgorithm::Ps384 => -38,
            CoseAlgorithm::Ps512 => -39,
            CoseAlgorithm::EdDsa => -8,
        }
    }

    /// The algorithm with COSE identifier `id`, if supported.
    pub fn from_id(id: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.id() == id)
    }

    /// The digest the algorithm signs with (Ed25519 hashes internally with SHA-512).
    pub(crate) fn digest(self) -> &'static ring::digest::Algorithm {
        match self {
            CoseAlgorithm::Es256 | CoseAlgorithm::Rs256 | CoseAlgorithm::Ps256 => {
                &ring::digest::SHA256
            }
            CoseAlgorithm::Es384 | CoseAlgorithm::Rs384 | CoseAlgorithm::Ps384 => {
                &ring::digest::SHA384
            }
            CoseAlgorithm::Es512
            | CoseAlgorithm::Rs512
            | CoseAlgorithm::Ps512
            | CoseAlgorithm::EdDsa => &ring::digest::SHA512,
        }
    }
}

impl fmt::Display for CoseAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            CoseAlgorithm::Es256 => "ES256",
            CoseAlgorithm::Es384 => "ES384",
            CoseAlgorithm::Es512 => "ES512",
            CoseAlgorithm::Rs256 => "RS256",
            CoseAlgorithm::Rs384 => "RS384",
            CoseAlgorithm::Rs512 => "RS512",
            CoseAlgorithm::Ps256 => "PS256",
            CoseAlgorithm::Ps384 => "PS384",
            CoseAlgorithm::Ps512 => "PS512",
            CoseAlgorithm::EdDsa => "EdDSA",
        };
        write!(f, "{name} ({})", self.id())
    }
}

impl From<CoseAlgorithm> for i64 {
    fn from(alg: CoseAlgorithm) -> i64 {
        alg.id()
    }
}

impl TryFrom<i64> for CoseAlgorithm {
    type Error = Error;

    fn try_from(id: i64) -> Result<Self, Error> {
        CoseAlgorithm::from_id(id).ok_or(Error::UnsupportedAlgorithm { alg: id })
    }
}

/// A public key as the verifiers use it, whether it came from a COSE_Key or from a
/// certificate's SubjectPublicKeyInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublicKey {
    /// Uncompressed SEC 1 point `04 ‖ x ‖ y` on P-256.
    P256(Vec<u8>),
    /// Uncompressed SEC 1 point on P-384.
    P384(Vec<u8>),
    /// Uncompressed SEC 1 point on P-521 (coordinates of 66 bytes).
    P521(Vec<u8>),
    /// RSA modulus and exponent, big-endian without leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// Ed25519 point.
    Ed25519([u8; 32]),
}

/// Why a signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureError {
    /// The key is of another type than the algorithm needs.
    KeyMismatch,
    /// The signature is wrong.
    Invalid,
}

impl PublicKey {
    /// Builds an uncompressed point from coordinates, refusing points off the curve.
    pub(crate) fn ec(curve: &ec::Curve, x: &[u8], y: &[u8]) -> Result<PublicKey, Error> {
        if !curve.contains(x, y) {
            return Err(Error::PointNotOnCurve);
        }
        Ok(Self::ec_unchecked(curve, x, y))
    }

    /// Builds an uncompressed point from coordinates of the curve's length, leaving the
    /// on-curve check to the signature verification (ring makes it before every verification).
    fn ec_unchecked(curve: &ec::Curve, x: &[u8], y: &[u8]) -> PublicKey {
        let mut point = Vec::with_capacity(1 + 2 * curve.len);
        point.push(4);
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        if curve.len == 32 {
            PublicKey::P256(point)
        } else {
            PublicKey::P384(point)
        }
    }

    /// Whether a P-256 or P-384 point is on its curve (other keys have nothing to check here).
    fn check_point(&self) -> Result<(), Error> {
        let (curve, point) = match self {
            PublicKey::P256(point) => (&ec::P256, point),
            PublicKey::P384(point) => (&ec::P384, point),
            _ => return Ok(()),
        };
        let (x, y) = point[1..].split_at(curve.len);
        if curve.contains(x, y) {
            Ok(())
        } else {
            Err(Error::PointNotOnCurve)
        }
    }

    /// Builds an uncompressed SEC 1 point (`04 ‖ x ‖ y`) from a certificate.
    pub(crate) fn from_sec1(curve: &ec::Curve, point: &[u8]) -> Result<PublicKey, Error> {
        match point {
            [4, rest @ ..] if rest.len() == 2 * curve.len => {
                let (x, y) = rest.split_at(curve.len);
                PublicKey::ec(curve, x, y)
            }
            _ => Err(Error::CoseKey {
                reason: "elliptic-curve point is not uncompressed",
            }),
        }
    }

    /// Builds an uncompressed P-521 point from coordinates of 66 bytes, refusing points off
    /// the curve and coordinates at or above the field prime (the `p521` crate's SEC 1 check;
    /// ring has no P-521).
    pub(crate) fn p521(x: &[u8], y: &[u8]) -> Result<PublicKey, Error> {
        if x.len() != P521_LEN || y.len() != P521_LEN {
            return Err(Error::CoseKey {
                reason: "coordinate has the wrong length",
            });
        }
        let mut point = Vec::with_capacity(1 + 2 * P521_LEN);
        point.push(4);
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        p521::ecdsa::VerifyingKey::from_sec1_bytes(&point).map_err(|_| Error::PointNotOnCurve)?;
        Ok(PublicKey::P521(point))
    }

    /// Checks an RSA modulus and exponent (big-endian, no leading zero) and builds the key.
    pub(crate) fn rsa(n: &[u8], e: &[u8]) -> Result<PublicKey, Error> {
        if n.first().is_none_or(|&b| b == 0) {
            return Err(Error::CoseKey {
                reason: "rsa modulus is empty or has a leading zero",
            });
        }
        let bits = n.len() * 8 - n[0].leading_zeros() as usize;
        if !(2048..=8192).contains(&bits) {
            return Err(Error::RsaKeySize { bits });
        }
        // ring accepts odd exponents from 3 to 2^33 - 1.
        let usable = match e {
            [first, ..] if *first != 0 && e.len() <= 5 => {
                let value = e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
                value >= 3 && value & 1 == 1 && value < (1 << 33)
            }
            _ => false,
        };
        if !usable {
            return Err(Error::RsaExponent);
        }
        Ok(PublicKey::Rsa {
            n: n.to_vec(),
            e: e.to_vec(),
        })
    }

    /// Verifies `signature` over `message` with `alg` under this key. WebAuthn ECDSA
    /// signatures are ASN.1 DER (WebAuthn §6.5.5).
    pub(crate) fn verify(
        &self,
        alg: CoseAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        let outcome = match (alg, self) {
            (CoseAlgorithm::Es256, PublicKey::P256(point)) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, point)
                    .verify(message, signature)
            }
            (CoseAlgorithm::Es384, PublicKey::P384(point)) => {
                UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_ASN1, point)
                    .verify(message, signature)
            }
            (CoseAlgorithm::Es512, PublicKey::P521(point)) => {
                return verify_p521(point, message, signature)
            }
            (CoseAlgorithm::EdDsa, PublicKey::Ed25519(point)) => {
                UnparsedPublicKey::new(&signature::ED25519, point).verify(message, signature)
            }
            (CoseAlgorithm::Rs256, PublicKey::Rsa { n, e }) => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, signature),
            (CoseAlgorithm::Rs384, PublicKey::Rsa { n, e }) => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA384, message, signature),
            (CoseAlgorithm::Rs512, PublicKey::Rsa { n, e }) => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA512, message, signature),
            (CoseAlgorithm::Ps256, PublicKey::Rsa { n, e }) => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PSS_2048_8192_SHA256, message, signature),
            (CoseAlgorithm::Ps384, PublicKey::Rsa { n, e }) => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PSS_2048_8192_SHA384, message, signature),
            (CoseAlgorithm::Ps512, PublicKey::Rsa { n, e }) => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PSS_2048_8192_SHA512, message, signature),
            _ => return Err(SignatureError::KeyMismatch),
        };
        outcome.map_err(|_| SignatureError::Invalid)
    }

    /// Verifies an RS1 signature (RSASSA-PKCS1-v1_5 with SHA-1, COSE `-65535`). Only a TPM
    /// attestation statement may use it: older TPMs can sign with nothing else, and their AIK
    /// certificate is checked like any other. It is never a credential algorithm.
    pub(crate) fn verify_rs1(
        &self,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        let PublicKey::Rsa { n, e } = self else {
            return Err(SignatureError::KeyMismatch);
        };
        RsaPublicKeyComponents { n, e }
            .verify(
                &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                message,
                signature,
            )
            .map_err(|_| SignatureError::Invalid)
    }
}

/// The coordinate length of P-521, in bytes.
const P521_LEN: usize = 66;

/// Verifies an ASN.1 DER ECDSA P-521 SHA-512 signature with the `p521` crate.
fn verify_p521(point: &[u8], message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
    use p521::ecdsa::signature::Verifier as _;
    let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(point)
        .map_err(|_| SignatureError::KeyMismatch)?;
    let signature =
        p521::ecdsa::Signature::from_der(signature).map_err(|_| SignatureError::Invalid)?;
    key.verify(message, &signature)
        .map_err(|_| SignatureError::Invalid)
}

/// When a P-256 or P-384 point is checked to be on its curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PointCheck {
    /// While parsing: a key to be stored, which may never meet a signature before it is.
    Now,
    /// By the signature verification that follows (a stored key at sign-in).
    AtVerification,
}

// COSE_Key labels (RFC 9052 §7.1, RFC 9053 §7) and values.
const KTY: i64 = 1;
const KID: i64 = 2;
const ALG: i64 = 3;
const CRV_OR_N: i64 = -1;
const X_OR_E: i64 = -2;
const Y: i64 = -3;
const KTY_OKP: i64 = 1;
const KTY_EC2: i64 = 2;
const KTY_RSA: i64 = 3;
const CRV_P256: i64 = 1;
const CRV_P384: i64 = 2;
const CRV_P521: i64 = 3;
const CRV_ED25519: i64 = 6;
const CRV_ED448: i64 = 7;
/// The fully-specified Ed448 algorithm (draft-ietf-jose-fully-specified-algorithms).
const ALG_ED448: i64 = -53;

/// A parsed credential public key: its algorithm and key material.
///
/// Parsing is strict: `kty`, `alg` and `crv` must agree; only the labels of the key type (and
/// `kid`) may appear, so private key material (`d`) is refused; elliptic-curve points must be
/// uncompressed, of the curve's exact length, and on the curve; RSA moduli must be 2048 to 8192
/// bits with a usable exponent.
#[derive(Clone, PartialEq, Eq)]
pub struct CoseKey {
    alg: CoseAlgorithm,
    key: PublicKey,
}

impl fmt::Debug for CoseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CoseKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl CoseKey {
    /// Parses a CBOR-encoded COSE_Key that spans all of `bytes`.
    ///
    /// # Errors
    ///
    /// [`Error::Cbor`] for malformed CBOR, [`Error::CoseKey`] for a malformed key,
    /// [`Error::UnsupportedAlgorithm`], [`Error::Ed448Unsupported`], [`Error::PointNotOnCurve`],
    /// [`Error::RsaKeySize`] and [`Error::RsaExponent`].
    pub fn parse(bytes: &[u8]) -> Result<CoseKey, Error> {
        Self::parse_with(bytes, PointCheck::Now)
    }

    /// Parses a stored credential's key for a sign-in: the same checks as [`CoseKey::parse`],
    /// except that a P-256 or P-384 point is checked to be on its curve by the signature
    /// verification (ring checks it before verifying) rather than by this crate's slower
    /// arithmetic, which costs a fifth of a sign-in. [`CoseKey::verify_stored`] then names an
    /// off-curve point as such.
    pub(crate) fn parse_stored(bytes: &[u8]) -> Result<CoseKey, Error> {
        Self::parse_with(bytes, PointCheck::AtVerification)
    }

    fn parse_with(bytes: &[u8], check: PointCheck) -> Result<CoseKey, Error> {
        let value = cbor::decode(bytes).map_err(|e| Error::Cbor {
            structure: "credential public key",
            reason: e.reason,
            offset: e.offset,
        })?;
        Self::from_value(&value, check)
    }

    fn from_value(value: &Value<'_>, check: PointCheck) -> Result<CoseKey, Error> {
        let malformed = |reason| Error::CoseKey { reason };
        let map = value.as_map().ok_or(malformed("not a map"))?;
        let mut labels = Vec::with_capacity(map.len());
        for (label, _) in map {
            let label = label.as_i64().ok_or(malformed("label is not an integer"))?;
            if label == -4 {
                return Err(malformed("holds private key material"));
            }
            labels.push(label);
        }
        let int = |label| {
            cbor::get_int(map, label)
                .map(|v| v.as_i64().ok_or(malformed("parameter is not an integer")))
                .transpose()
        };
        let bytes = |label| {
            cbor::get_int(map, label)
                .ok_or(malformed("parameter is missing"))?
                .as_bytes()
                .ok_or(malformed("parameter is not a byte string"))
        };
        if let Some(kid) = cbor::get_int(map, KID) {
            kid.as_bytes()
                .ok_or(malformed("kid is not a byte string"))?;
        }
        let kty = int(KTY)?.ok_or(malformed("kty is missing"))?;
        let alg_id = int(ALG)?.ok_or(malformed("alg is missing"))?;
        let crv = int(CRV_OR_N);
        let expect_labels = |allowed: &[i64]| {
            if labels
                .iter()
                .all(|label| *label == KID || allowed.contains(label))
            {
                Ok(())
            } else {
                Err(malformed("unexpected label for the key type"))
            }
        };

        if alg_id == ALG_ED448 || (alg_id == -8 && kty == KTY_OKP && crv == Ok(Some(CRV_ED448))) {
            return Err(Error::Ed448Unsupported);
        }
        let alg =
            CoseAlgorithm::from_id(alg_id).ok_or(Error::UnsupportedAlgorithm { alg: alg_id })?;
        let key = match alg {
            CoseAlgorithm::Es256 | CoseAlgorithm::Es384 | CoseAlgorithm::Es512 => {
                let (curve, crv_id) = match alg {
                    CoseAlgorithm::Es256 => (Some(&ec::P256), CRV_P256),
                    CoseAlgorithm::Es384 => (Some(&ec::P384), CRV_P384),
                    _ => (None, CRV_P521),
                };
                if kty != KTY_EC2 {
                    return Err(malformed("kty does not fit alg"));
                }
                if crv? != Some(crv_id) {
                    return Err(malformed("crv does not fit alg"));
                }
                expect_labels(&[KTY, ALG, CRV_OR_N, X_OR_E, Y])?;
                let (x, y) = (bytes(X_OR_E)?, bytes(Y)?);
                match curve {
                    Some(curve) if x.len() != curve.len || y.len() != curve.len => {
                        return Err(malformed("coordinate has the wrong length"))
                    }
                    Some(curve) if check == PointCheck::AtVerification => {
                        PublicKey::ec_unchecked(curve, x, y)
                    }
                    Some(curve) => PublicKey::ec(curve, x, y)?,
                    None => PublicKey::p521(x, y)?,
                }
            }
            CoseAlgorithm::EdDsa => {
                if kty != KTY_OKP {
                    return Err(malformed("kty does not fit alg"));
                }
                if crv? != Some(CRV_ED25519) {
                    return Err(malformed("crv is not Ed25519"));
                }
                expect_labels(&[KTY, ALG, CRV_OR_N, X_OR_E])?;
                let x = bytes(X_OR_E)?;
                PublicKey::Ed25519(
                    x.try_into()
                        .map_err(|_| malformed("ed25519 key is not 32 bytes"))?,
                )
            }
            CoseAlgorithm::Rs256
            | CoseAlgorithm::Rs384
            | CoseAlgorithm::Rs512
            | CoseAlgorithm::Ps256
            | CoseAlgorithm::Ps384
            | CoseAlgorithm::Ps512 => {
                if kty != KTY_RSA {
                    return Err(malformed("kty does not fit alg"));
                }
                expect_labels(&[KTY, ALG, CRV_OR_N, X_OR_E])?;
                PublicKey::rsa(bytes(CRV_OR_N)?, bytes(X_OR_E)?)?
            }
        };
        Ok(CoseKey { alg, key })
    }

    /// The key's algorithm.
    pub fn alg(&self) -> CoseAlgorithm {
        self.alg
    }

    pub(crate) fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// Verifies a WebAuthn signature (ASN.1 DER for ECDSA) over `message` with the key's own
    /// algorithm.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify(self.alg, message, signature).is_ok()
    }

    /// [`CoseKey::verify`] for a key from [`CoseKey::parse_stored`]: a refusal is
    /// [`Error::PointNotOnCurve`] when the point is off its curve (ring refuses such a key as
    /// it refuses a wrong signature), else [`Error::BadSignature`].
    pub(crate) fn verify_stored(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        if self.verify(message, signature) {
            Ok(())
        } else {
            self.key.check_point()?;
            Err(Error::BadSignature)
        }
    }
}
