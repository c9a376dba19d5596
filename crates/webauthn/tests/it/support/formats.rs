//! Attestation statements made by the software authenticator, one function per format, each
//! with the knobs a test turns to break one requirement.

use std::rc::Rc;

use ring::digest;

use super::authenticator::{MakeStatement, Signing};
use super::cbor::{bytes, int, map, text, C};
use super::der::{self, Ca, CertSpec};
use super::keys::{Public, TestKey};
use super::sha256;

fn x5c(chain: &[Vec<u8>]) -> C {
    C::Array(chain.iter().map(bytes).collect())
}

pub(crate) fn none() -> MakeStatement {
    Rc::new(|_| ("none".to_owned(), map(vec![])))
}

/// `packed` self attestation, signed by the credential key, `alg` its algorithm.
pub(crate) fn packed_self() -> MakeStatement {
    Rc::new(|s: &Signing<'_>| {
        let statement = map(vec![
            (text("alg"), int(s.key.alg().id())),
            (text("sig"), bytes(s.key.sign(&s.signed()))),
        ]);
        ("packed".to_owned(), statement)
    })
}

/// A `packed` statement from explicit parts.
pub(crate) fn raw(fmt: &str, statement: C) -> MakeStatement {
    let fmt = fmt.to_owned();
    Rc::new(move |_| (fmt.clone(), statement.clone()))
}

/// `packed` attestation by `key`, certified by `chain` (leaf first), under `alg`.
pub(crate) fn packed_x5c(key: TestKey, chain: Vec<Vec<u8>>, alg: i64) -> MakeStatement {
    Rc::new(move |s: &Signing<'_>| {
        let statement = map(vec![
            (text("alg"), int(alg)),
            (text("sig"), bytes(key.sign(&s.signed()))),
            (text("x5c"), x5c(&chain)),
        ]);
        ("packed".to_owned(), statement)
    })
}

/// The leaf a packed attestation key gets by default: packed subject, CA false, the AAGUID
/// extension for `aaguid`.
pub(crate) fn packed_leaf(aaguid: [u8; 16]) -> CertSpec {
    CertSpec::new(der::packed_subject("Watchword Test Authenticator"))
        .extension(
            der::OID_BASIC_CONSTRAINTS,
            true,
            der::basic_constraints(false, None),
        )
        .extension(der::OID_AAGUID, false, der::octets(&aaguid))
}

/// A valid `packed` x5c attestation: a new ES256 attestation key certified by `root` through
/// `leaf`.
pub(crate) fn packed(root: &Ca, leaf: &CertSpec) -> MakeStatement {
    let key = TestKey::es256();
    let cert = root.issue(leaf, &key);
    packed_x5c(key, vec![cert], -7)
}

/// `fido-u2f` attestation by `key` certified by `cert`.
pub(crate) fn fido_u2f(key: TestKey, chain: Vec<Vec<u8>>) -> MakeStatement {
    Rc::new(move |s: &Signing<'_>| {
        let Public::Ec(point) = s.key.public() else {
            panic!("u2f needs an ec credential")
        };
        let signed = [
            &[0u8][..],
            &s.rp_id_hash,
            &s.client_data_hash,
            s.credential_id,
            &point,
        ]
        .concat();
        let statement = map(vec![
            (text("sig"), bytes(key.sign(&signed))),
            (text("x5c"), x5c(&chain)),
        ]);
        ("fido-u2f".to_owned(), statement)
    })
}

/// The knobs of a `tpm` statement.
#[derive(Debug, Clone)]
pub(crate) struct Tpm {
    pub(crate) aik: TestKey,
    pub(crate) chain: Vec<Vec<u8>>,
    pub(crate) ver: String,
    pub(crate) alg: i64,
    pub(crate) magic: u32,
    pub(crate) attest_type: u16,
    pub(crate) name_alg: u16,
    pub(crate) corrupt_extra_data: bool,
    /// Hash extraData as this COSE algorithm would, instead of as `alg`.
    pub(crate) extra_data_alg: Option<i64>,
    pub(crate) corrupt_name: bool,
    /// Put this key in `pubArea` instead of the credential key.
    pub(crate) pub_area_key: Option<TestKey>,
    /// Bytes appended to `pubArea` and `certInfo` (trailing garbage).
    pub(crate) trailing: Vec<u8>,
}

/// The AIK certificate spec: empty subject, TPM SAN, AIK key purpose, CA false.
pub(crate) fn aik_spec() -> CertSpec {
    let directory = der::seq(&[der::set(&[
        der::seq(&[
            der::oid(der::OID_TPM_MANUFACTURER),
            der::utf8("id:57415457"),
        ]),
        der::seq(&[der::oid(der::OID_TPM_MODEL), der::utf8("Watchword TPM")]),
        der::seq(&[der::oid(der::OID_TPM_VERSION), der::utf8("id:00020000")]),
    ])]);
    CertSpec::new(der::seq(&[]))
        .extension(
            der::OID_BASIC_CONSTRAINTS,
            true,
            der::basic_constraints(false, None),
        )
        .extension(
            der::OID_SAN,
            true,
            der::seq(&[der::explicit(4, &directory)]),
        )
        .extension(
            der::OID_EXT_KEY_USAGE,
            false,
            der::seq(&[der::oid(der::OID_TCG_AIK)]),
        )
}

impl Tpm {
    /// A valid TPM statement: a new ES256 AIK certified by `root` through `spec`.
    pub(crate) fn new(root: &Ca, spec: &CertSpec) -> Tpm {
        let aik = TestKey::es256();
        let cert = root.issue(spec, &aik);
        Tpm {
            aik,
            chain: vec![cert],
            ver: "2.0".to_owned(),
            alg: -7,
            magic: 0xff54_4347,
            attest_type: 0x8017,
            name_alg: 0x000b,
            corrupt_extra_data: false,
            extra_data_alg: None,
            corrupt_name: false,
            pub_area_key: None,
            trailing: Vec::new(),
        }
    }

    pub(crate) fn with_pub_area_of(mut self, key: TestKey) -> Tpm {
        self.pub_area_key = Some(key);
        self
    }

    pub(crate) fn statement(self) -> MakeStatement {
        Rc::new(move |s: &Signing<'_>| {
            let key = self.pub_area_key.as_ref().unwrap_or(s.key);
            let mut pub_area = pub_area(key, self.name_alg);
            pub_area.extend_from_slice(&self.trailing);
            let hash_alg = match self.extra_data_alg.unwrap_or(self.alg) {
                -35 | -38 | -258 => &digest::SHA384,
                -36 | -39 | -259 => &digest::SHA512,
                -65535 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
                _ => &digest::SHA256,
            };
            let mut extra_data = digest::digest(hash_alg, &s.signed()).as_ref().to_vec();
            if self.corrupt_extra_data {
                extra_data[0] ^= 1;
            }
            let name_hash = match self.name_alg {
                0x000c => digest::digest(&digest::SHA384, &pub_area),
                0x0004 => digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &pub_area),
                _ => digest::digest(&digest::SHA256, &pub_area),
            };
            let mut name = self.name_alg.to_be_bytes().to_vec();
            name.extend_from_slice(name_hash.as_ref());
            if self.corrupt_name {
                let last = name.len() - 1;
                name[last] ^= 1;
            }
            let mut cert_info = Vec::new();
            cert_info.extend_from_slice(&self.magic.to_be_bytes());
            cert_info.extend_from_slice(&self.attest_type.to_be_bytes());
            sized(&mut cert_info, b"qualified signer");
            sized(&mut cert_info, &extra_data);
            cert_info.extend_from_slice(&[0x11; 17]); // clockInfo
            cert_info.extend_from_slice(&[0x22; 8]); // firmwareVersion
            sized(&mut cert_info, &name);
            sized(&mut cert_info, b"qualified name");
            cert_info.extend_from_slice(&self.trailing);
            let statement = map(vec![
                (text("ver"), text(&self.ver)),
                (text("alg"), int(self.alg)),
                (text("x5c"), x5c(&self.chain)),
                (text("sig"), bytes(self.aik.sign(&cert_info))),
                (text("certInfo"), bytes(&cert_info)),
                (text("pubArea"), bytes(&pub_area)),
            ]);
            ("tpm".to_owned(), statement)
        })
    }
}

fn sized(out: &mut Vec<u8>, data: &[u8]) {
    let len = u16::try_from(data.len()).expect("a tpm2b under 64 KiB");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(data);
}

/// A `TPMT_PUBLIC` for `key` (RSA or ECC), as a TPM writes one for a signing key.
pub(crate) fn pub_area(key: &TestKey, name_alg: u16) -> Vec<u8> {
    let mut out = Vec::new();
    match key.public() {
        Public::Rsa { n, e } => {
            out.extend_from_slice(&0x0001u16.to_be_bytes()); // TPM_ALG_RSA
            out.extend_from_slice(&name_alg.to_be_bytes());
            out.extend_from_slice(&0x0005_0072u32.to_be_bytes()); // objectAttributes
            sized(&mut out, &[]); // authPolicy
            out.extend_from_slice(&0x0010u16.to_be_bytes()); // symmetric NULL
            out.extend_from_slice(&0x0014u16.to_be_bytes()); // scheme RSASSA
            out.extend_from_slice(&0x000bu16.to_be_bytes()); // its hash, SHA-256
            let key_bits = u16::try_from(n.len() * 8).expect("a modulus under 8 KiB");
            out.extend_from_slice(&key_bits.to_be_bytes());
            // The default exponent is written as zero.
            let exponent = if e == [1, 0, 1] {
                0u32
            } else {
                e.iter().fold(0, |a, &b| (a << 8) | u32::from(b))
            };
            out.extend_from_slice(&exponent.to_be_bytes());
            sized(&mut out, &n);
        }
        Public::Ec(point) => {
            let half = (point.len() - 1) / 2;
            out.extend_from_slice(&0x0023u16.to_be_bytes()); // TPM_ALG_ECC
            out.extend_from_slice(&name_alg.to_be_bytes());
            out.extend_from_slice(&0x0005_0072u32.to_be_bytes());
            sized(&mut out, &[]);
            out.extend_from_slice(&0x0010u16.to_be_bytes()); // symmetric NULL
            out.extend_from_slice(&0x0010u16.to_be_bytes()); // scheme NULL
            let curve: u16 = if half == 32 { 0x0003 } else { 0x0004 };
            out.extend_from_slice(&curve.to_be_bytes());
            out.extend_from_slice(&0x0010u16.to_be_bytes()); // kdf NULL
            sized(&mut out, &point[1..=half]);
            sized(&mut out, &point[1 + half..]);
        }
        Public::Ed25519(_) => panic!("a tpm has no ed25519 keys"),
    }
    out
}

/// An Android keymaster authorization list.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuthList {
    pub(crate) purposes: Vec<u64>,
    pub(crate) all_applications: bool,
    pub(crate) origin: Option<u64>,
}

impl AuthList {
    /// Generated in the keystore, for signing.
    pub(crate) fn generated_for_signing() -> AuthList {
        AuthList {
            purposes: vec![2],
            all_applications: false,
            origin: Some(0),
        }
    }

    fn der(&self) -> Vec<u8> {
        let mut parts = Vec::new();
        if !self.purposes.is_empty() {
            let values: Vec<Vec<u8>> = self.purposes.iter().map(|p| der::small(*p)).collect();
            parts.push(der::explicit(1, &der::set(&values)));
        }
        // Tag numbers the verifier skips.
        parts.push(der::explicit(2, &der::small(3)));
        if self.all_applications {
            parts.push(der::explicit(600, &der::null()));
        }
        if let Some(origin) = self.origin {
            parts.push(der::explicit(702, &der::small(origin)));
        }
        der::seq(&parts)
    }
}

/// The knobs of an `android-key` statement.
#[derive(Debug, Clone)]
pub(crate) struct AndroidKey {
    pub(crate) issuer: Ca,
    /// The attestation challenge; `None` puts the client data hash.
    pub(crate) challenge: Option<Vec<u8>>,
    pub(crate) software: AuthList,
    pub(crate) hardware: AuthList,
    /// Certify this key instead of the credential key.
    pub(crate) certified_key: Option<TestKey>,
    pub(crate) with_extension: bool,
}

impl AndroidKey {
    /// A valid statement: hardware list says generated, for signing.
    pub(crate) fn new(issuer: &Ca) -> AndroidKey {
        AndroidKey {
            issuer: issuer.clone(),
            challenge: None,
            software: AuthList::default(),
            hardware: AuthList::generated_for_signing(),
            certified_key: None,
            with_extension: true,
        }
    }

    pub(crate) fn statement(self) -> MakeStatement {
        Rc::new(move |s: &Signing<'_>| {
            let challenge = self
                .challenge
                .clone()
                .unwrap_or_else(|| s.client_data_hash.to_vec());
            let description = der::seq(&[
                der::small(300),
                der::enumerated(1),
                der::small(300),
                der::enumerated(1),
                der::octets(&challenge),
                der::octets(&[]),
                self.software.der(),
                self.hardware.der(),
            ]);
            let mut spec = CertSpec::new(der::name(&[(der::OID_CN, "Android Keystore Key")]));
            if self.with_extension {
                spec = spec.extension(der::OID_ANDROID_KEY, false, description);
            }
            // A certified key other than the credential's also signs: the statement is
            // consistent in itself and only the key comparison can catch it.
            let certified = self.certified_key.as_ref().unwrap_or(s.key);
            let leaf = self.issuer.issue(&spec, certified);
            let statement = map(vec![
                (text("alg"), int(certified.alg().id())),
                (text("sig"), bytes(certified.sign(&s.signed()))),
                (text("x5c"), x5c(&[leaf])),
            ]);
            ("android-key".to_owned(), statement)
        })
    }
}

/// The knobs of an `apple` statement.
#[derive(Debug, Clone)]
pub(crate) struct Apple {
    pub(crate) issuer: Ca,
    /// The nonce; `None` puts SHA-256(authData ‖ clientDataHash).
    pub(crate) nonce: Option<[u8; 32]>,
    pub(crate) certified_key: Option<TestKey>,
    pub(crate) with_extension: bool,
}

impl Apple {
    pub(crate) fn new(issuer: &Ca) -> Apple {
        Apple {
            issuer: issuer.clone(),
            nonce: None,
            certified_key: None,
            with_extension: true,
        }
    }

    pub(crate) fn statement(self) -> MakeStatement {
        Rc::new(move |s: &Signing<'_>| {
            let nonce = self.nonce.unwrap_or_else(|| sha256(&s.signed()));
            let mut spec = CertSpec::new(der::name(&[(der::OID_CN, "Watchword Credential")]));
            if self.with_extension {
                spec = spec.extension(
                    der::OID_APPLE_NONCE,
                    false,
                    der::seq(&[der::explicit(1, &der::octets(&nonce))]),
                );
            }
            let certified = self.certified_key.as_ref().unwrap_or(s.key);
            let leaf = self.issuer.issue(&spec, certified);
            ("apple".to_owned(), map(vec![(text("x5c"), x5c(&[leaf]))]))
        })
    }
}
