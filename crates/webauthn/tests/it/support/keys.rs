//! Software keys for every supported algorithm, on ring.

use std::rc::Rc;

use p521::ecdsa::signature::Signer as _;
use ring::rand::{SecureRandom as _, SystemRandom};
use ring::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING,
    ECDSA_P384_SHA384_ASN1_SIGNING, RSA_PKCS1_SHA256, RSA_PKCS1_SHA384, RSA_PKCS1_SHA512,
    RSA_PSS_SHA256, RSA_PSS_SHA384, RSA_PSS_SHA512,
};
use watchword_webauthn::CoseAlgorithm;

use super::cbor::{bytes, int, map, C};
use super::der;

/// The test-only RSA key (see `tests/fixtures/README.md`).
const RSA_PKCS8: &[u8] = include_bytes!("../../fixtures/rsa2048-test-only.pk8");

#[derive(Debug)]
enum Pair {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
    /// ring has no P-521; the `p521` crate signs (deterministically, RFC 6979).
    P521(p521::ecdsa::SigningKey),
}

/// A key pair that signs as its COSE algorithm.
#[derive(Debug, Clone)]
pub(crate) struct TestKey {
    alg: CoseAlgorithm,
    pair: Rc<Pair>,
}

fn rng() -> SystemRandom {
    SystemRandom::new()
}

impl TestKey {
    pub(crate) fn generate(alg: CoseAlgorithm) -> TestKey {
        let pair = match alg {
            CoseAlgorithm::Es256 | CoseAlgorithm::Es384 => {
                let signing = if alg == CoseAlgorithm::Es256 {
                    &ECDSA_P256_SHA256_ASN1_SIGNING
                } else {
                    &ECDSA_P384_SHA384_ASN1_SIGNING
                };
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng()).expect("generate");
                Pair::Ecdsa(
                    EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref(), &rng()).expect("load"),
                )
            }
            CoseAlgorithm::EdDsa => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng()).expect("generate");
                Pair::Ed25519(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("load"))
            }
            CoseAlgorithm::Es512 => {
                // A random scalar below the group order: 66 bytes with a zero top byte.
                let mut scalar = [0u8; 66];
                rng().fill(&mut scalar[1..]).expect("random");
                Pair::P521(p521::ecdsa::SigningKey::from_slice(&scalar).expect("scalar"))
            }
            CoseAlgorithm::Rs256
            | CoseAlgorithm::Rs384
            | CoseAlgorithm::Rs512
            | CoseAlgorithm::Ps256
            | CoseAlgorithm::Ps384
            | CoseAlgorithm::Ps512 => {
                Pair::Rsa(RsaKeyPair::from_pkcs8(RSA_PKCS8).expect("fixture key"))
            }
            other => panic!("no test key for {other}"),
        };
        TestKey {
            alg,
            pair: Rc::new(pair),
        }
    }

    pub(crate) fn es256() -> TestKey {
        TestKey::generate(CoseAlgorithm::Es256)
    }

    pub(crate) fn alg(&self) -> CoseAlgorithm {
        self.alg
    }

    /// The uncompressed point (EC), the 32-byte key (Ed25519), or `(n, e)` (RSA).
    pub(crate) fn public(&self) -> Public {
        match &*self.pair {
            Pair::Ecdsa(pair) => Public::Ec(pair.public_key().as_ref().to_vec()),
            Pair::Ed25519(pair) => Public::Ed25519(pair.public_key().as_ref().to_vec()),
            Pair::P521(key) => {
                Public::Ec(key.verifying_key().to_sec1_point(false).as_bytes().to_vec())
            }
            Pair::Rsa(pair) => {
                // RSAPublicKey ::= SEQUENCE { n INTEGER, e INTEGER }, both positive.
                let der = pair.public().as_ref();
                let (n, rest) = read_integer(&der[header_len(der)..]);
                let (e, _) = read_integer(rest);
                Public::Rsa { n, e }
            }
        }
    }

    /// The COSE_Key map, labels in canonical order.
    pub(crate) fn cose_map(&self) -> C {
        match self.public() {
            Public::Ec(point) => {
                let half = (point.len() - 1) / 2;
                let crv = match self.alg {
                    CoseAlgorithm::Es256 => 1,
                    CoseAlgorithm::Es384 => 2,
                    _ => 3,
                };
                map(vec![
                    (int(1), int(2)),
                    (int(3), int(self.alg.id())),
                    (int(-1), int(crv)),
                    (int(-2), bytes(&point[1..=half])),
                    (int(-3), bytes(&point[1 + half..])),
                ])
            }
            Public::Ed25519(x) => map(vec![
                (int(1), int(1)),
                (int(3), int(-8)),
                (int(-1), int(6)),
                (int(-2), bytes(x)),
            ]),
            Public::Rsa { n, e } => map(vec![
                (int(1), int(3)),
                (int(3), int(self.alg.id())),
                (int(-1), bytes(n)),
                (int(-2), bytes(e)),
            ]),
        }
    }

    pub(crate) fn cose(&self) -> Vec<u8> {
        self.cose_map().encode()
    }

    /// Signs as the key's COSE algorithm (ECDSA in ASN.1 DER).
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &*self.pair {
            Pair::Ecdsa(pair) => pair.sign(&rng(), message).expect("sign").as_ref().to_vec(),
            Pair::Ed25519(pair) => pair.sign(message).as_ref().to_vec(),
            Pair::P521(key) => {
                let signature: p521::ecdsa::Signature = key.sign(message);
                signature.to_der().as_bytes().to_vec()
            }
            Pair::Rsa(pair) => {
                let padding: &dyn ring::signature::RsaEncoding = match self.alg {
                    CoseAlgorithm::Ps256 => &RSA_PSS_SHA256,
                    CoseAlgorithm::Ps384 => &RSA_PSS_SHA384,
                    CoseAlgorithm::Ps512 => &RSA_PSS_SHA512,
                    CoseAlgorithm::Rs384 => &RSA_PKCS1_SHA384,
                    CoseAlgorithm::Rs512 => &RSA_PKCS1_SHA512,
                    _ => &RSA_PKCS1_SHA256,
                };
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng(), message, &mut signature)
                    .expect("sign");
                signature
            }
        }
    }

    /// SubjectPublicKeyInfo DER.
    pub(crate) fn spki(&self) -> Vec<u8> {
        match self.public() {
            Public::Ec(point) => {
                let curve: &[u8] = if point.len() == 65 {
                    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
                } else {
                    &[0x2b, 0x81, 0x04, 0x00, 0x22]
                };
                der::seq(&[
                    der::seq(&[
                        der::oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]),
                        der::oid(curve),
                    ]),
                    der::bits(&point),
                ])
            }
            Public::Ed25519(x) => {
                der::seq(&[der::seq(&[der::oid(&[0x2b, 0x65, 0x70])]), der::bits(&x)])
            }
            Public::Rsa { n, e } => der::seq(&[
                der::seq(&[
                    der::oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]),
                    der::null(),
                ]),
                der::bits(&der::seq(&[der::uint(&n), der::uint(&e)])),
            ]),
        }
    }

    /// The `AlgorithmIdentifier` this key signs certificates with.
    pub(crate) fn certificate_signature_algorithm(&self) -> Vec<u8> {
        match self.alg {
            CoseAlgorithm::Es256 => {
                der::seq(&[der::oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02])])
            }
            CoseAlgorithm::Es384 => {
                der::seq(&[der::oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03])])
            }
            CoseAlgorithm::EdDsa => der::seq(&[der::oid(&[0x2b, 0x65, 0x70])]),
            _ => der::seq(&[
                der::oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
                der::null(),
            ]),
        }
    }

    /// Signs a tbsCertificate (RSA keys with PKCS#1 v1.5 whatever their COSE algorithm).
    pub(crate) fn sign_certificate(&self, tbs: &[u8]) -> Vec<u8> {
        if matches!(
            self.alg,
            CoseAlgorithm::Ps256
                | CoseAlgorithm::Ps384
                | CoseAlgorithm::Ps512
                | CoseAlgorithm::Rs384
                | CoseAlgorithm::Rs512
        ) {
            TestKey {
                alg: CoseAlgorithm::Rs256,
                pair: self.pair.clone(),
            }
            .sign(tbs)
        } else {
            self.sign(tbs)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Public {
    Ec(Vec<u8>),
    Ed25519(Vec<u8>),
    Rsa { n: Vec<u8>, e: Vec<u8> },
}

fn header_len(der: &[u8]) -> usize {
    if der[1] < 0x80 {
        2
    } else {
        2 + usize::from(der[1] & 0x7f)
    }
}

fn read_integer(der: &[u8]) -> (Vec<u8>, &[u8]) {
    let header = header_len(der);
    let len = if der[1] < 0x80 {
        usize::from(der[1])
    } else {
        der[2..header]
            .iter()
            .fold(0, |acc, &b| (acc << 8) | usize::from(b))
    };
    let value: Vec<u8> = der[header..header + len]
        .iter()
        .copied()
        .skip_while(|b| *b == 0)
        .collect();
    (value, &der[header + len..])
}
