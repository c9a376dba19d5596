//! `tpm` attestation ([WebAuthn §8.3]): a TPM 2.0 `TPM2_Certify` of the credential key
//! (`certInfo`, a `TPMS_ATTEST`) over its public area (`pubArea`, a `TPMT_PUBLIC`), signed by an
//! attestation identity key whose certificate (`aikCert`) leads to a trust root.
//!
//! Structures are read as [TPM 2.0 Part 2] lays them out. `alg` may be RS1 (RSASSA-PKCS1-v1_5
//! with SHA-1, COSE `-65535`), which older TPMs (early Windows Hello) can only sign with; it is
//! accepted here and nowhere else, and SHA-1 as the `pubArea` name algorithm is still refused.
//!
//! [WebAuthn §8.3]: https://www.w3.org/TR/webauthn-3/#sctn-tpm-attestation
//! [TPM 2.0 Part 2]: https://trustedcomputinggroup.org/resource/tpm-library-specification/

use ring::digest;

use super::{check_aaguid_extension, check_not_ca, verify_signature, Context, Statement};
use crate::cose::{CoseAlgorithm, PublicKey};
use crate::der::{self, Reader, Tag};
use crate::x509::{self, name_attributes, Certificate, OID_EXT_KEY_USAGE, OID_SUBJECT_ALT_NAME};
use crate::{AttestationTrust, Error};

const TPM_GENERATED_VALUE: u32 = 0xff54_4347;
const TPM_ST_ATTEST_CERTIFY: u16 = 0x8017;
const TPM_ALG_RSA: u16 = 0x0001;
const TPM_ALG_ECC: u16 = 0x0023;
const TPM_ALG_NULL: u16 = 0x0010;
const TPM_ALG_SHA256: u16 = 0x000b;
const TPM_ALG_SHA384: u16 = 0x000c;
const TPM_ALG_SHA512: u16 = 0x000d;
const TPM_ECC_NIST_P256: u16 = 0x0003;
const TPM_ECC_NIST_P384: u16 = 0x0004;
const TPM_ECC_NIST_P521: u16 = 0x0005;
/// RS1: RSASSA-PKCS1-v1_5 with SHA-1 ([IANA COSE Algorithms]).
///
/// [IANA COSE Algorithms]: https://www.iana.org/assignments/cose/cose.xhtml#algorithms
const ALG_RS1: i64 = -65_535;
/// Signing and key-derivation schemes whose details are a single hash algorithm.
const HASH_ONLY_SCHEMES: [u16; 8] = [
    0x0014, // RSASSA
    0x0016, // RSAPSS
    0x0018, // ECDSA
    0x001c, // ECSCHNORR
    0x0007, // MGF1
    0x0020, // KDF1_SP800_56A
    0x0021, // KDF2
    0x0022, // KDF1_SP800_108
];
/// tcg-kp-AIKCertificate, 2.23.133.8.3.
const OID_TCG_KP_AIK_CERTIFICATE: &[u8] = &[0x67, 0x81, 0x05, 0x08, 0x03];
/// tcg-at-tpmManufacturer, tpmModel, tpmVersion: 2.23.133.2.1, .2, .3.
const OID_TPM_MANUFACTURER: &[u8] = &[0x67, 0x81, 0x05, 0x02, 0x01];
const OID_TPM_MODEL: &[u8] = &[0x67, 0x81, 0x05, 0x02, 0x02];
const OID_TPM_VERSION: &[u8] = &[0x67, 0x81, 0x05, 0x02, 0x03];

pub(super) fn verify(
    statement: &Statement<'_, '_>,
    context: &Context<'_>,
) -> Result<AttestationTrust, Error> {
    statement.only(&["ver", "alg", "x5c", "sig", "certInfo", "pubArea"])?;
    let ver = statement
        .get("ver")
        .ok_or(statement.error("ver is missing"))?
        .as_text()
        .ok_or(statement.error("ver is not text"))?;
    if ver != "2.0" {
        return Err(Error::TpmVersion {
            found: ver.to_owned(),
        });
    }
    let alg = statement.alg()?;
    let sig = statement.sig()?;
    let x5c = statement.required_x5c()?;
    let cert_info_raw = statement.bytes("certInfo", "certInfo is missing")?;
    let pub_area_raw = statement.bytes("pubArea", "pubArea is missing")?;

    let pub_area = PubArea::parse(pub_area_raw).map_err(|reason| Error::TpmStructure { reason })?;
    if !pub_area.is_key(context.credential.public_key()) {
        return Err(Error::AttestationKeyMismatch);
    }

    let cert_info = CertInfo::parse(cert_info_raw)?;
    // extraData is hashed with alg's digest (WebAuthn §8.3.2): SHA-1 for RS1.
    let cose_alg = if alg == ALG_RS1 {
        None
    } else {
        let cose_alg = CoseAlgorithm::from_id(alg).ok_or(Error::UnsupportedAlgorithm { alg })?;
        if cose_alg == CoseAlgorithm::EdDsa {
            return Err(statement.error("alg cannot be used with a tpm"));
        }
        Some(cose_alg)
    };
    let extra_data_digest =
        cose_alg.map_or(&digest::SHA1_FOR_LEGACY_USE_ONLY, CoseAlgorithm::digest);
    let att_to_be_signed = context.signed_data();
    if cert_info.extra_data != digest::digest(extra_data_digest, &att_to_be_signed).as_ref() {
        return Err(Error::TpmExtraData);
    }
    let name_digest = match pub_area.name_alg {
        TPM_ALG_SHA256 => &digest::SHA256,
        TPM_ALG_SHA384 => &digest::SHA384,
        TPM_ALG_SHA512 => &digest::SHA512,
        _ => {
            return Err(Error::TpmStructure {
                reason: "pubArea nameAlg is not sha-256, sha-384 or sha-512",
            })
        }
    };
    let mut name = pub_area.name_alg.to_be_bytes().to_vec();
    name.extend_from_slice(digest::digest(name_digest, pub_area_raw).as_ref());
    if cert_info.attested_name != name.as_slice() {
        return Err(Error::TpmName);
    }

    let chain = x509::parse_chain(&x5c)?;
    let aik = &chain[0];
    match cose_alg {
        Some(_) => verify_signature(&aik.public_key, alg, cert_info_raw, sig)?,
        None => aik
            .public_key
            .verify_rs1(cert_info_raw, sig)
            .map_err(|_| Error::AttestationSignature)?,
    }
    check_aik_certificate(aik)?;
    check_aaguid_extension(aik, context.aaguid)?;
    context.trace(&chain)
}

/// The AIK certificate requirements (WebAuthn §8.3.1).
fn check_aik_certificate(aik: &Certificate<'_>) -> Result<(), Error> {
    let fail = |reason| Error::AttestationCertificate { reason };
    let malformed = |reason| Error::Certificate { index: 0, reason };
    if aik.version != 3 {
        return Err(fail("aik certificate is not version 3"));
    }
    if !aik.subject_is_empty() {
        return Err(fail("aik certificate subject is not empty"));
    }
    let san = aik
        .extension(OID_SUBJECT_ALT_NAME)
        .ok_or(fail("aik certificate has no subject alternative name"))?;
    if !tpm_device_name(san.value).map_err(malformed)? {
        return Err(fail(
            "aik subject alternative name lacks the tpm manufacturer, model or version",
        ));
    }
    let eku = aik
        .extension(OID_EXT_KEY_USAGE)
        .ok_or(fail("aik certificate has no extended key usage"))?;
    let mut outer = Reader::new(eku.value);
    let mut purposes = outer.sequence().map_err(malformed)?;
    outer.finish().map_err(malformed)?;
    let mut aik_purpose = false;
    while !purposes.is_empty() {
        aik_purpose |= purposes.oid().map_err(malformed)? == OID_TCG_KP_AIK_CERTIFICATE;
    }
    if !aik_purpose {
        return Err(fail(
            "aik certificate lacks the tcg-kp-AIKCertificate purpose",
        ));
    }
    check_not_ca(aik)
}

/// Whether a SubjectAltName holds a directoryName with the TPM manufacturer, model and version
/// (TCG EK Credential Profile §3.2.9).
fn tpm_device_name(san: &[u8]) -> Result<bool, der::DerError> {
    let mut outer = Reader::new(san);
    let mut names = outer.sequence()?;
    outer.finish()?;
    while !names.is_empty() {
        let element = names.element()?;
        if element.tag != Tag::context(4) {
            continue;
        }
        let mut directory = Reader::new(element.contents);
        let name = directory.expect_encoded(der::SEQUENCE)?;
        directory.finish()?;
        let present = |oid| name_attributes(name, oid).map(|values| values.len() == 1);
        if present(OID_TPM_MANUFACTURER)? && present(OID_TPM_MODEL)? && present(OID_TPM_VERSION)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Reads TPM wire types (big-endian).
struct Cursor<'a> {
    data: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], &'static str> {
        if len > self.data.len() {
            return Err("truncated");
        }
        let (head, rest) = self.data.split_at(len);
        self.data = rest;
        Ok(head)
    }

    fn u16(&mut self) -> Result<u16, &'static str> {
        let bytes = self.take(2)?;
        Ok(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    fn u32(&mut self) -> Result<u32, &'static str> {
        let bytes = self.take(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// A `TPM2B_*`: a 16-bit size and that many bytes.
    fn sized(&mut self) -> Result<&'a [u8], &'static str> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    /// A scheme identifier and its details: none for `TPM_ALG_NULL`, a hash algorithm for the
    /// schemes that take one.
    fn scheme(&mut self) -> Result<(), &'static str> {
        let scheme = self.u16()?;
        if scheme == TPM_ALG_NULL {
            Ok(())
        } else if HASH_ONLY_SCHEMES.contains(&scheme) {
            self.u16().map(|_| ())
        } else {
            Err("unsupported scheme in pubArea")
        }
    }

    fn finish(&self) -> Result<(), &'static str> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err("trailing bytes")
        }
    }
}

/// The parts of a `TPMT_PUBLIC` the verification reads.
struct PubArea<'a> {
    name_alg: u16,
    key: TpmKey<'a>,
}

enum TpmKey<'a> {
    Rsa {
        n: &'a [u8],
        exponent: u32,
    },
    Ecc {
        curve: u16,
        x: &'a [u8],
        y: &'a [u8],
    },
}

impl<'a> PubArea<'a> {
    fn parse(data: &'a [u8]) -> Result<PubArea<'a>, &'static str> {
        let mut cursor = Cursor { data };
        let kind = cursor.u16()?;
        let name_alg = cursor.u16()?;
        cursor.u32()?; // objectAttributes
        cursor.sized()?; // authPolicy
        if cursor.u16()? != TPM_ALG_NULL {
            return Err("pubArea has a symmetric algorithm: not a signing key");
        }
        let key = match kind {
            TPM_ALG_RSA => {
                cursor.scheme()?;
                cursor.u16()?; // keyBits
                let exponent = cursor.u32()?;
                let n = cursor.sized()?;
                TpmKey::Rsa { n, exponent }
            }
            TPM_ALG_ECC => {
                cursor.scheme()?;
                let curve = cursor.u16()?;
                cursor.scheme()?; // kdf
                let x = cursor.sized()?;
                let y = cursor.sized()?;
                TpmKey::Ecc { curve, x, y }
            }
            _ => return Err("pubArea type is neither rsa nor ecc"),
        };
        cursor.finish()?;
        Ok(PubArea { name_alg, key })
    }

    /// Whether the public area holds `credential` (WebAuthn §8.3.2: parameters and unique).
    fn is_key(&self, credential: &PublicKey) -> bool {
        match (&self.key, credential) {
            (TpmKey::Rsa { n, exponent }, PublicKey::Rsa { n: cn, e: ce }) => {
                // An exponent of zero means the default, 2^16 + 1.
                let exponent = if *exponent == 0 { 65_537 } else { *exponent };
                let exponent = exponent.to_be_bytes();
                let first = exponent.iter().position(|&b| b != 0).unwrap_or(3);
                let first_n = n.iter().position(|&b| b != 0).unwrap_or(n.len());
                &n[first_n..] == cn.as_slice() && &exponent[first..] == ce.as_slice()
            }
            (
                TpmKey::Ecc { curve, x, y },
                PublicKey::P256(point) | PublicKey::P384(point) | PublicKey::P521(point),
            ) => {
                let expected_curve = match point.len() {
                    65 => TPM_ECC_NIST_P256,
                    97 => TPM_ECC_NIST_P384,
                    _ => TPM_ECC_NIST_P521,
                };
                let half = (point.len() - 1) / 2;
                *curve == expected_curve && *x == &point[1..=half] && *y == &point[1 + half..]
            }
            _ => false,
        }
    }
}

/// The parts of a `TPMS_ATTEST` the verification reads.
struct CertInfo<'a> {
    extra_data: &'a [u8],
    attested_name: &'a [u8],
}

impl<'a> CertInfo<'a> {
    fn parse(data: &'a [u8]) -> Result<CertInfo<'a>, Error> {
        let malformed = |reason| Error::TpmStructure { reason };
        let mut cursor = Cursor { data };
        let magic = cursor.u32().map_err(malformed)?;
        if magic != TPM_GENERATED_VALUE {
            return Err(Error::TpmMagic { found: magic });
        }
        let kind = cursor.u16().map_err(malformed)?;
        if kind != TPM_ST_ATTEST_CERTIFY {
            return Err(Error::TpmAttestType { found: kind });
        }
        let mut rest = || -> Result<CertInfo<'a>, &'static str> {
            cursor.sized()?; // qualifiedSigner
            let extra_data = cursor.sized()?;
            cursor.take(17)?; // clockInfo: clock, resetCount, restartCount, safe
            cursor.take(8)?; // firmwareVersion
            let attested_name = cursor.sized()?;
            cursor.sized()?; // qualifiedName
            cursor.finish()?;
            Ok(CertInfo {
                extra_data,
                attested_name,
            })
        };
        rest().map_err(malformed)
    }
}
