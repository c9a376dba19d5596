//! X.509 certificates ([RFC 5280]) as far as attestation needs them: parsing, the extensions
//! the formats define, and path validation to the trust roots the relying party supplies.
//!
//! Path validation is deliberately narrow. The path is the `x5c` array in order (leaf first),
//! each certificate issued by the next (issuer name equals subject name, signature verifies,
//! the issuer is a CA whose key usage, if present, allows certificate signing, and path length
//! constraints hold), every certificate valid at `now`, and no critical extension this crate
//! does not process. The last certificate must be one of the trust roots, or be issued by one
//! (its signature verifies under the root's key and the root is valid at `now`). Roots are
//! never taken from the response.
//!
//! [RFC 5280]: https://www.rfc-editor.org/rfc/rfc5280

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

use watchword_token::UnixTime;

use crate::cose::PublicKey;
use crate::der::{self, Reader, Tag};
use crate::{ec, Error};

/// Most certificates accepted in `x5c`.
pub const MAX_CHAIN_LEN: usize = 5;

// Object identifiers, as DER contents.
pub(crate) const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
pub(crate) const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
pub(crate) const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
pub(crate) const OID_RSA_ENCRYPTION: &[u8] =
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
pub(crate) const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const OID_RSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const OID_RSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const OID_RSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
pub(crate) const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
pub(crate) const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
pub(crate) const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
pub(crate) const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const OID_CERTIFICATE_POLICIES: &[u8] = &[0x55, 0x1d, 0x20];
/// id-fido-gen-ce-aaguid, 1.3.6.1.4.1.45724.1.1.4.
pub(crate) const OID_FIDO_AAGUID: &[u8] = &[
    0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xe5, 0x1c, 0x01, 0x01, 0x04,
];
pub(crate) const OID_COUNTRY: &[u8] = &[0x55, 0x04, 0x06];
pub(crate) const OID_ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];
pub(crate) const OID_ORGANIZATIONAL_UNIT: &[u8] = &[0x55, 0x04, 0x0b];
pub(crate) const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// The signature algorithms certificates may be signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignatureAlgorithm {
    EcdsaSha256,
    EcdsaSha384,
    RsaSha256,
    RsaSha384,
    RsaSha512,
    Ed25519,
}

/// One extension, its value still DER.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extension<'a> {
    pub(crate) oid: &'a [u8],
    pub(crate) critical: bool,
    pub(crate) value: &'a [u8],
}

/// A parsed certificate borrowing from its DER.
#[derive(Debug, Clone)]
pub(crate) struct Certificate<'a> {
    pub(crate) der: &'a [u8],
    tbs: &'a [u8],
    signature_algorithm: SignatureAlgorithm,
    signature: &'a [u8],
    pub(crate) version: i64,
    pub(crate) issuer: &'a [u8],
    pub(crate) subject: &'a [u8],
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    pub(crate) public_key: PublicKey,
    pub(crate) extensions: Vec<Extension<'a>>,
}

/// The parsed basicConstraints extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct BasicConstraints {
    pub(crate) ca: bool,
    pub(crate) path_len: Option<u64>,
}

impl<'a> Certificate<'a> {
    /// Parses one DER certificate.
    pub(crate) fn parse(der: &'a [u8]) -> Result<Certificate<'a>, &'static str> {
        let mut outer = Reader::new(der);
        let mut certificate = outer.sequence()?;
        outer.finish()?;
        let tbs_encoded = certificate.expect_encoded(der::SEQUENCE)?;
        let outer_algorithm = certificate.expect_encoded(der::SEQUENCE)?;
        let signature = certificate.bit_string_bytes()?;
        certificate.finish()?;

        let mut tbs = Reader::new(tbs_encoded).sequence()?;
        let version = match tbs.optional(Tag::context(0))? {
            Some(explicit) => {
                let mut inner = Reader::new(explicit);
                let version = inner.small_integer(der::INTEGER)?;
                inner.finish()?;
                version + 1
            }
            None => 1,
        };
        tbs.integer()?; // serialNumber
        let inner_algorithm = tbs.expect_encoded(der::SEQUENCE)?;
        if inner_algorithm != outer_algorithm {
            return Err("signature algorithms differ inside and outside tbsCertificate");
        }
        let signature_algorithm = signature_algorithm(outer_algorithm)?;
        let issuer = tbs.expect_encoded(der::SEQUENCE)?;
        let mut validity = tbs.sequence()?;
        let not_before = der::time(&validity.element()?)?;
        let not_after = der::time(&validity.element()?)?;
        validity.finish()?;
        let subject = tbs.expect_encoded(der::SEQUENCE)?;
        let public_key = subject_public_key(&mut tbs.sequence()?)?;
        tbs.optional(Tag::context_primitive(1))?;
        tbs.optional(Tag::context_primitive(2))?;
        let mut extensions = Vec::new();
        if let Some(explicit) = tbs.optional(Tag::context(3))? {
            if version != 3 {
                return Err("extensions in a certificate before version 3");
            }
            let mut outer = Reader::new(explicit);
            let mut list = outer.sequence()?;
            outer.finish()?;
            while !list.is_empty() {
                let mut extension = list.sequence()?;
                let oid = extension.oid()?;
                let critical = if extension.clone().boolean().is_ok() {
                    extension.boolean()?
                } else {
                    false
                };
                let value = extension.expect(der::OCTET_STRING)?;
                extension.finish()?;
                if extensions.iter().any(|e: &Extension<'_>| e.oid == oid) {
                    return Err("extension appears twice");
                }
                extensions.push(Extension {
                    oid,
                    critical,
                    value,
                });
            }
        }
        tbs.finish()?;
        Ok(Certificate {
            der,
            tbs: tbs_encoded,
            signature_algorithm,
            signature,
            version,
            issuer,
            subject,
            not_before,
            not_after,
            public_key,
            extensions,
        })
    }

    pub(crate) fn extension(&self, oid: &[u8]) -> Option<&Extension<'a>> {
        self.extensions.iter().find(|e| e.oid == oid)
    }

    pub(crate) fn basic_constraints(&self) -> Result<BasicConstraints, &'static str> {
        let Some(extension) = self.extension(OID_BASIC_CONSTRAINTS) else {
            return Ok(BasicConstraints::default());
        };
        let mut outer = Reader::new(extension.value);
        let mut fields = outer.sequence()?;
        outer.finish()?;
        let ca = if fields.clone().boolean().is_ok() {
            fields.boolean()?
        } else {
            false
        };
        let path_len = if fields.is_empty() {
            None
        } else {
            let value = fields.small_integer(der::INTEGER)?;
            Some(u64::try_from(value).map_err(|_| "negative path length")?)
        };
        fields.finish()?;
        Ok(BasicConstraints { ca, path_len })
    }

    /// Whether keyUsage, when present, has `keyCertSign` (bit 5).
    fn may_sign_certificates(&self) -> Result<bool, &'static str> {
        let Some(extension) = self.extension(OID_KEY_USAGE) else {
            return Ok(true);
        };
        let mut reader = Reader::new(extension.value);
        let bits = reader.expect(der::BIT_STRING)?;
        reader.finish()?;
        Ok(bits.get(1).is_some_and(|byte| byte & 0x04 != 0))
    }

    /// The values of the subject's attributes of type `oid` (C, O, OU, CN), as text.
    pub(crate) fn subject_attributes(&self, oid: &[u8]) -> Result<Vec<&'a str>, &'static str> {
        name_attributes(self.subject, oid)
    }

    /// Whether the subject is an empty sequence of RDNs.
    pub(crate) fn subject_is_empty(&self) -> bool {
        self.subject == [0x30, 0x00]
    }

    /// Verifies this certificate's signature under `issuer`.
    fn signed_by(&self, issuer: &PublicKey) -> bool {
        let (tbs, sig) = (self.tbs, self.signature);
        let outcome = match (self.signature_algorithm, issuer) {
            (SignatureAlgorithm::EcdsaSha256, PublicKey::P256(point)) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, point).verify(tbs, sig)
            }
            (SignatureAlgorithm::EcdsaSha384, PublicKey::P256(point)) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA384_ASN1, point).verify(tbs, sig)
            }
            (SignatureAlgorithm::EcdsaSha256, PublicKey::P384(point)) => {
                UnparsedPublicKey::new(&signature::ECDSA_P384_SHA256_ASN1, point).verify(tbs, sig)
            }
            (SignatureAlgorithm::EcdsaSha384, PublicKey::P384(point)) => {
                UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_ASN1, point).verify(tbs, sig)
            }
            (SignatureAlgorithm::Ed25519, PublicKey::Ed25519(point)) => {
                UnparsedPublicKey::new(&signature::ED25519, point).verify(tbs, sig)
            }
            (SignatureAlgorithm::RsaSha256, PublicKey::Rsa { n, e }) => {
                RsaPublicKeyComponents { n, e }.verify(
                    &signature::RSA_PKCS1_2048_8192_SHA256,
                    tbs,
                    sig,
                )
            }
            (SignatureAlgorithm::RsaSha384, PublicKey::Rsa { n, e }) => {
                RsaPublicKeyComponents { n, e }.verify(
                    &signature::RSA_PKCS1_2048_8192_SHA384,
                    tbs,
                    sig,
                )
            }
            (SignatureAlgorithm::RsaSha512, PublicKey::Rsa { n, e }) => {
                RsaPublicKeyComponents { n, e }.verify(
                    &signature::RSA_PKCS1_2048_8192_SHA512,
                    tbs,
                    sig,
                )
            }
            _ => return false,
        };
        outcome.is_ok()
    }

    fn check_validity(&self, index: usize, now: UnixTime) -> Result<(), Error> {
        let now_signed = i64::try_from(now.0).unwrap_or(i64::MAX);
        if now_signed < self.not_before {
            return Err(Error::CertificateNotYetValid {
                index,
                not_before: self.not_before,
                now,
            });
        }
        if now_signed > self.not_after {
            return Err(Error::CertificateExpired {
                index,
                not_after: self.not_after,
                now,
            });
        }
        Ok(())
    }

    /// Refuses a critical extension outside those this crate processes.
    ///
    /// Certificate policies count as processed: validation asks for no particular policy
    /// (RFC 5280 §6.1 with `any-policy` and no explicit policy required), under which a
    /// well-formed policy list never fails a path. Microsoft's TPM AIK certificates mark it
    /// critical, so refusing it would refuse every Windows Hello TPM attestation.
    fn check_critical_extensions(&self, index: usize) -> Result<(), Error> {
        const PROCESSED: [&[u8]; 5] = [
            OID_BASIC_CONSTRAINTS,
            OID_KEY_USAGE,
            OID_EXT_KEY_USAGE,
            OID_SUBJECT_ALT_NAME,
            OID_CERTIFICATE_POLICIES,
        ];
        for extension in self.extensions.iter().filter(|e| e.critical) {
            if !PROCESSED.contains(&extension.oid) {
                return Err(Error::CertificateCriticalExtension {
                    index,
                    oid: der::oid_to_string(extension.oid),
                });
            }
            if extension.oid == OID_CERTIFICATE_POLICIES {
                check_policies(extension.value)
                    .map_err(|reason| Error::Certificate { index, reason })?;
            }
        }
        Ok(())
    }

    /// Checks that this certificate may issue certificates with `below` CA certificates under
    /// it (not counting the leaf).
    fn check_issuer(&self, index: usize, below: u64) -> Result<(), Error> {
        let malformed = |reason| Error::Certificate { index, reason };
        let constraints = self.basic_constraints().map_err(malformed)?;
        if !constraints.ca || !self.may_sign_certificates().map_err(malformed)? {
            return Err(Error::CertificateNotCa { index });
        }
        if constraints.path_len.is_some_and(|limit| below > limit) {
            return Err(Error::CertificatePathLength { index });
        }
        Ok(())
    }
}

fn signature_algorithm(encoded: &[u8]) -> Result<SignatureAlgorithm, &'static str> {
    let mut outer = Reader::new(encoded);
    let mut identifier = outer.sequence()?;
    let oid = identifier.oid()?;
    let (algorithm, null_parameters) = match oid {
        OID_ECDSA_SHA256 => (SignatureAlgorithm::EcdsaSha256, false),
        OID_ECDSA_SHA384 => (SignatureAlgorithm::EcdsaSha384, false),
        OID_RSA_SHA256 => (SignatureAlgorithm::RsaSha256, true),
        OID_RSA_SHA384 => (SignatureAlgorithm::RsaSha384, true),
        OID_RSA_SHA512 => (SignatureAlgorithm::RsaSha512, true),
        OID_ED25519 => (SignatureAlgorithm::Ed25519, false),
        _ => return Err("unsupported signature algorithm"),
    };
    // RFC 4055 asks for NULL parameters with RSA; RFC 5758 and 8410 for none with ECDSA and
    // Ed25519. Many issuers omit the RSA NULL, so it is optional.
    if null_parameters {
        identifier.optional(der::NULL)?;
    }
    identifier.finish()?;
    Ok(algorithm)
}

/// Checks `certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation`, each
/// `SEQUENCE { policyIdentifier OID, policyQualifiers SEQUENCE OF … OPTIONAL }`.
fn check_policies(value: &[u8]) -> Result<(), der::DerError> {
    let mut outer = Reader::new(value);
    let mut policies = outer.sequence()?;
    outer.finish()?;
    if policies.is_empty() {
        return Err("certificate policies extension is empty");
    }
    while !policies.is_empty() {
        let mut information = policies.sequence()?;
        information.oid()?;
        if !information.is_empty() {
            information.sequence()?;
        }
        information.finish()?;
    }
    Ok(())
}

/// Parses SubjectPublicKeyInfo into a key, refusing curves and types that are not supported.
fn subject_public_key(spki: &mut Reader<'_>) -> Result<PublicKey, &'static str> {
    let mut identifier = spki.sequence()?;
    let key = spki.bit_string_bytes()?;
    spki.finish()?;
    let oid = identifier.oid()?;
    let public_key = match oid {
        OID_EC_PUBLIC_KEY => {
            let curve = match identifier.oid()? {
                OID_P256 => &ec::P256,
                OID_P384 => &ec::P384,
                _ => return Err("unsupported elliptic curve"),
            };
            PublicKey::from_sec1(curve, key).map_err(|_| "invalid elliptic-curve public key")?
        }
        OID_RSA_ENCRYPTION => {
            identifier.optional(der::NULL)?;
            let mut outer = Reader::new(key);
            let mut fields = outer.sequence()?;
            outer.finish()?;
            let n = fields.unsigned()?;
            let e = fields.unsigned()?;
            fields.finish()?;
            PublicKey::rsa(n, e).map_err(|_| "unusable rsa public key")?
        }
        OID_ED25519 => {
            PublicKey::Ed25519(key.try_into().map_err(|_| "ed25519 key is not 32 bytes")?)
        }
        _ => return Err("unsupported public key type"),
    };
    identifier.finish()?;
    Ok(public_key)
}

/// The text values of the attributes of type `oid` in a DER Name.
pub(crate) fn name_attributes<'a>(
    name: &'a [u8],
    oid: &[u8],
) -> Result<Vec<&'a str>, &'static str> {
    let mut outer = Reader::new(name);
    let mut rdns = outer.sequence()?;
    outer.finish()?;
    let mut values = Vec::new();
    while !rdns.is_empty() {
        let mut set = Reader::new(rdns.expect(der::SET)?);
        while !set.is_empty() {
            let mut attribute = set.sequence()?;
            let attribute_type = attribute.oid()?;
            let value = attribute.element()?;
            attribute.finish()?;
            if attribute_type == oid {
                if !matches!(
                    value.tag,
                    der::UTF8_STRING | der::PRINTABLE_STRING | der::IA5_STRING
                ) {
                    return Err("attribute value is not a supported string type");
                }
                values.push(
                    core::str::from_utf8(value.contents)
                        .map_err(|_| "attribute value is not utf-8")?,
                );
            }
        }
    }
    Ok(values)
}

/// Parses every certificate of `x5c`, leaf first.
pub(crate) fn parse_chain<'a>(x5c: &[&'a [u8]]) -> Result<Vec<Certificate<'a>>, Error> {
    if x5c.is_empty() || x5c.len() > MAX_CHAIN_LEN {
        return Err(Error::CertificateChainLength {
            len: x5c.len(),
            max: MAX_CHAIN_LEN,
        });
    }
    x5c.iter()
        .enumerate()
        .map(|(index, der)| {
            Certificate::parse(der).map_err(|reason| Error::Certificate { index, reason })
        })
        .collect()
}

/// Validates the path `chain` (leaf first) at `now` and, when `roots` is not empty, to one of
/// them. Returns the index of the root reached, or `None` without roots.
pub(crate) fn verify_path(
    chain: &[Certificate<'_>],
    roots: &[Certificate<'_>],
    now: UnixTime,
) -> Result<Option<usize>, Error> {
    for (index, certificate) in chain.iter().enumerate() {
        certificate.check_validity(index, now)?;
        certificate.check_critical_extensions(index)?;
    }
    // Count the CA certificates below an issuer, for pathLenConstraint: none below the first
    // issuer (it issues the leaf), one below the next, and so on.
    let mut below = 0u64;
    for (index, pair) in chain.windows(2).enumerate() {
        let (subject, issuer) = (&pair[0], &pair[1]);
        if subject.issuer != issuer.subject {
            return Err(Error::CertificateIssuerMismatch { index });
        }
        issuer.check_issuer(index + 1, below)?;
        if !subject.signed_by(&issuer.public_key) {
            return Err(Error::CertificateSignature { index });
        }
        below += 1;
    }
    if roots.is_empty() {
        return Ok(None);
    }
    let last_index = chain.len() - 1;
    let last = &chain[last_index];
    if let Some(root) = roots.iter().position(|root| root.der == last.der) {
        return Ok(Some(root));
    }
    let anchor_index = chain.len();
    for (position, root) in roots.iter().enumerate() {
        if root.subject != last.issuer || !last.signed_by(&root.public_key) {
            continue;
        }
        root.check_validity(anchor_index, now)?;
        // A v1 root carries no extensions and is trusted as an anchor as it stands.
        if root.version == 3 {
            root.check_issuer(anchor_index, below)?;
        }
        return Ok(Some(position));
    }
    Err(Error::UntrustedAttestation)
}
