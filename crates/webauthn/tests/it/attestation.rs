//! The attestation statement formats of WebAuthn §8, made by the software authenticator with
//! its own test CA: each verifies, and each requirement, broken alone, fails with its code.

use watchword_webauthn::{AndroidKeyPolicy, AttestationTrust, CoseAlgorithm, RelyingParty};

use crate::support::cbor::{bytes, int, map, text, C};
use crate::support::der::{self, Ca, CertSpec};
use crate::support::formats::{self, AndroidKey, Apple, AuthList, Tpm};
use crate::support::{rp, Registration, TestKey};

fn rooted(root: &Ca) -> RelyingParty {
    rp().trust_root(root.der.clone()).build().unwrap()
}

const TRUSTED: &str = "ok";

#[test]
#[allow(clippy::too_many_lines)] // one table of cases
fn packed_x5c() {
    let root = Ca::root("Packed Root");
    let registration = Registration::new(CoseAlgorithm::Es256);
    let leaf = formats::packed_leaf(registration.aaguid);
    let valid = registration
        .clone()
        .statement(formats::packed(&root, &leaf));

    let verified = valid.verify(&rooted(&root)).unwrap();
    assert_eq!(
        verified.attestation_trust,
        AttestationTrust::Trusted { root: 0 }
    );
    let unrooted = rp().build().unwrap();
    assert_eq!(
        valid.verify(&unrooted).unwrap().attestation_trust,
        AttestationTrust::Unverified
    );
    let other_root = Ca::root("Another Root");
    assert_eq!(valid.code(&rooted(&other_root)), "untrusted_attestation");
    let both = rp()
        .trust_root(other_root.der.clone())
        .trust_root(root.der.clone())
        .build()
        .unwrap();
    assert_eq!(
        valid.verify(&both).unwrap().attestation_trust,
        AttestationTrust::Trusted { root: 1 }
    );
    // Every credential algorithm, attested by an ES256 key.
    for alg in CoseAlgorithm::ALL {
        let registration = Registration::new(alg);
        let statement = formats::packed(&root, &formats::packed_leaf(registration.aaguid));
        assert_eq!(
            registration.statement(statement).code(&rooted(&root)),
            TRUSTED,
            "{alg}"
        );
    }

    let rp = rooted(&root);
    let with_leaf = |spec: CertSpec| {
        registration
            .clone()
            .statement(formats::packed(&root, &spec))
    };
    let cases: Vec<(&str, Registration, &str)> = vec![
        (
            "no aaguid extension",
            with_leaf(leaf.clone().without(der::OID_AAGUID)),
            TRUSTED,
        ),
        (
            "aaguid extension critical",
            with_leaf(leaf.clone().extension(
                der::OID_AAGUID,
                true,
                der::octets(&registration.aaguid),
            )),
            "aaguid_extension_critical",
        ),
        (
            "aaguid extension for another model",
            with_leaf(
                leaf.clone()
                    .extension(der::OID_AAGUID, false, der::octets(&[0xbb; 16])),
            ),
            "aaguid_mismatch",
        ),
        (
            "aaguid extension malformed",
            with_leaf(
                leaf.clone()
                    .extension(der::OID_AAGUID, false, vec![0x04, 0x01]),
            ),
            "attestation_certificate",
        ),
        (
            "leaf is a ca",
            with_leaf(leaf.clone().extension(
                der::OID_BASIC_CONSTRAINTS,
                true,
                der::basic_constraints(true, None),
            )),
            "attestation_certificate",
        ),
        (
            "ou is not Authenticator Attestation",
            with_leaf(CertSpec {
                subject: der::name(&[
                    (der::OID_C, "AA"),
                    (der::OID_O, "V"),
                    (der::OID_OU, "Attestation"),
                    (der::OID_CN, "A"),
                ]),
                ..leaf.clone()
            }),
            "attestation_certificate",
        ),
        (
            "no country",
            with_leaf(CertSpec {
                subject: der::name(&[
                    (der::OID_O, "V"),
                    (der::OID_OU, "Authenticator Attestation"),
                    (der::OID_CN, "A"),
                ]),
                ..leaf.clone()
            }),
            "attestation_certificate",
        ),
        (
            "country not two letters",
            with_leaf(CertSpec {
                subject: der::name(&[
                    (der::OID_C, "AAA"),
                    (der::OID_O, "V"),
                    (der::OID_OU, "Authenticator Attestation"),
                    (der::OID_CN, "A"),
                ]),
                ..leaf.clone()
            }),
            "attestation_certificate",
        ),
        (
            "no organization",
            with_leaf(CertSpec {
                subject: der::name(&[
                    (der::OID_C, "AA"),
                    (der::OID_OU, "Authenticator Attestation"),
                    (der::OID_CN, "A"),
                ]),
                ..leaf.clone()
            }),
            "attestation_certificate",
        ),
        (
            "no common name",
            with_leaf(CertSpec {
                subject: der::name(&[
                    (der::OID_C, "AA"),
                    (der::OID_O, "V"),
                    (der::OID_OU, "Authenticator Attestation"),
                ]),
                ..leaf.clone()
            }),
            "attestation_certificate",
        ),
        (
            "version 1",
            with_leaf(CertSpec {
                version3: false,
                extensions: Vec::new(),
                ..leaf.clone()
            }),
            "attestation_certificate",
        ),
    ];
    for (name, registration, expected) in cases {
        assert_eq!(registration.code(&rp), expected, "{name}");
    }

    // The signature: by another key than the certificate's, or under an alg that does not fit
    // the certificate's key, or an alg that is not supported.
    let key = TestKey::es256();
    let cert = root.issue(&leaf, &key);
    let signed_by = |signer: TestKey, alg: i64| {
        registration
            .clone()
            .statement(formats::packed_x5c(signer, vec![cert.clone()], alg))
    };
    assert_eq!(signed_by(key.clone(), -7).code(&rp), TRUSTED);
    assert_eq!(
        signed_by(TestKey::es256(), -7).code(&rp),
        "attestation_signature"
    );
    assert_eq!(
        signed_by(key.clone(), -8).code(&rp),
        "attestation_signature"
    );
    // ES512 is supported, but not with this P-256 certificate key.
    assert_eq!(
        signed_by(key.clone(), -36).code(&rp),
        "attestation_signature"
    );
    // RS1 is accepted in TPM statements only.
    assert_eq!(signed_by(key, -65535).code(&rp), "unsupported_algorithm");
}

#[test]
fn packed_statement_shape() {
    let rp = rp().build().unwrap();
    let registration = Registration::new(CoseAlgorithm::Es256);
    let statement = |entries: Vec<(C, C)>| {
        registration
            .clone()
            .statement(formats::raw("packed", map(entries)))
    };
    for (name, entries) in [
        (
            "x5c not an array",
            vec![
                (text("alg"), int(-7)),
                (text("sig"), bytes([1])),
                (text("x5c"), bytes([1])),
            ],
        ),
        (
            "x5c of text",
            vec![
                (text("alg"), int(-7)),
                (text("sig"), bytes([1])),
                (text("x5c"), C::Array(vec![text("cert")])),
            ],
        ),
        (
            "sig as text",
            vec![(text("alg"), int(-7)), (text("sig"), text("sig"))],
        ),
        (
            "alg as text",
            vec![(text("alg"), text("ES256")), (text("sig"), bytes([1]))],
        ),
        (
            "integer key",
            vec![
                (text("alg"), int(-7)),
                (text("sig"), bytes([1])),
                (int(1), int(1)),
            ],
        ),
    ] {
        assert_eq!(
            statement(entries).code(&rp),
            "attestation_statement",
            "{name}"
        );
    }
    let too_many = C::Array(vec![bytes([0x30, 0x00]); 6]);
    let long = statement(vec![
        (text("alg"), int(-7)),
        (text("sig"), bytes([1])),
        (text("x5c"), too_many),
    ]);
    assert_eq!(long.code(&rp), "certificate_chain_length");
}

#[test]
fn fido_u2f() {
    let root = Ca::root("U2F Root");
    let rp = rooted(&root);
    let u2f_leaf = CertSpec::new(der::name(&[(der::OID_CN, "U2F Device")]));
    let key = TestKey::es256();
    let cert = root.issue(&u2f_leaf, &key);
    let registration = Registration::new(CoseAlgorithm::Es256).with(|r| r.aaguid = [0; 16]);
    let valid = registration
        .clone()
        .statement(formats::fido_u2f(key.clone(), vec![cert.clone()]));
    assert_eq!(
        valid.verify(&rp).unwrap().attestation_trust,
        AttestationTrust::Trusted { root: 0 }
    );

    let p384 = TestKey::generate(CoseAlgorithm::Es384);
    let p384_cert = root.issue(&u2f_leaf, &p384);
    let cases: Vec<(&str, Registration, &str)> = vec![
        (
            "non-zero aaguid",
            valid.clone().with(|r| r.aaguid = [1; 16]),
            "u2f_aaguid_not_zero",
        ),
        (
            "signed by another key",
            registration
                .clone()
                .statement(formats::fido_u2f(TestKey::es256(), vec![cert.clone()])),
            "attestation_signature",
        ),
        (
            "two certificates",
            registration.clone().statement(formats::fido_u2f(
                key.clone(),
                vec![cert.clone(), root.der.clone()],
            )),
            "attestation_statement",
        ),
        (
            "certificate key on p-384",
            registration
                .clone()
                .statement(formats::fido_u2f(p384, vec![p384_cert])),
            "attestation_certificate",
        ),
        (
            "no x5c",
            registration.clone().statement(formats::raw(
                "fido-u2f",
                map(vec![(text("sig"), bytes([1]))]),
            )),
            "attestation_statement",
        ),
        (
            "an alg member",
            registration.clone().statement(formats::raw(
                "fido-u2f",
                map(vec![
                    (text("alg"), int(-7)),
                    (text("sig"), bytes([1])),
                    (text("x5c"), C::Array(vec![bytes(&cert)])),
                ]),
            )),
            "attestation_statement",
        ),
    ];
    for (name, registration, expected) in cases {
        assert_eq!(registration.code(&rp), expected, "{name}");
    }
    // U2F keys are P-256: another credential key cannot have been signed by U2F.
    let eddsa = Registration::new(CoseAlgorithm::EdDsa)
        .with(|r| r.aaguid = [0; 16])
        .statement(formats::raw(
            "fido-u2f",
            map(vec![
                (text("sig"), bytes([1])),
                (text("x5c"), C::Array(vec![bytes(&cert)])),
            ]),
        ));
    assert_eq!(eddsa.code(&rp), "attestation_statement");
}

#[test]
#[allow(clippy::too_many_lines)] // one table of cases
fn tpm() {
    let root = Ca::root("TPM Root");
    let rp = rooted(&root);
    let spec = formats::aik_spec();
    for alg in [
        CoseAlgorithm::Es256,
        CoseAlgorithm::Es384,
        CoseAlgorithm::Rs256,
        CoseAlgorithm::Ps256,
    ] {
        let registration = Registration::new(alg).statement(Tpm::new(&root, &spec).statement());
        let verified = registration
            .verify(&rp)
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(
            verified.attestation_trust,
            AttestationTrust::Trusted { root: 0 },
            "{alg}"
        );
    }
    let registration = Registration::new(CoseAlgorithm::Es256);
    let with = |change: &dyn Fn(&mut Tpm)| {
        let mut tpm = Tpm::new(&root, &spec);
        change(&mut tpm);
        registration.clone().statement(tpm.statement())
    };
    let aik = |spec: CertSpec| {
        let root = &root;
        with(&move |t| t.chain = vec![root.issue(&spec, &t.aik)])
    };
    let cases: Vec<(&str, Registration, &str)> = vec![
        ("sha-384 name", with(&|t| t.name_alg = 0x000c), TRUSTED),
        (
            "es384 aik",
            with(&|t| {
                t.alg = -35;
                t.aik = TestKey::generate(CoseAlgorithm::Es384);
                t.chain = vec![root.issue(&spec, &t.aik)];
            }),
            TRUSTED,
        ),
        (
            "es384 alg for a p-256 aik",
            with(&|t| t.alg = -35),
            "attestation_signature",
        ),
        (
            "version 1.2",
            with(&|t| t.ver = "1.2".to_owned()),
            "tpm_version",
        ),
        (
            "another key in pubArea",
            with(&|t| t.pub_area_key = Some(TestKey::es256())),
            "attestation_key_mismatch",
        ),
        ("magic", with(&|t| t.magic = 0xff54_4348), "tpm_magic"),
        (
            "quote, not certify",
            with(&|t| t.attest_type = 0x8018),
            "tpm_attest_type",
        ),
        (
            "extraData",
            with(&|t| t.corrupt_extra_data = true),
            "tpm_extra_data",
        ),
        (
            "extraData under another hash",
            with(&|t| {
                t.alg = -35;
                t.extra_data_alg = Some(-7);
                t.aik = TestKey::generate(CoseAlgorithm::Es384);
                t.chain = vec![root.issue(&spec, &t.aik)];
            }),
            "tpm_extra_data",
        ),
        ("name", with(&|t| t.corrupt_name = true), "tpm_name"),
        (
            "sha-1 name",
            with(&|t| t.name_alg = 0x0004),
            "tpm_structure",
        ),
        (
            "trailing bytes",
            with(&|t| t.trailing = vec![0]),
            "tpm_structure",
        ),
        (
            "signed by another key",
            with(&|t| t.aik = TestKey::es256()),
            "attestation_signature",
        ),
        ("eddsa alg", with(&|t| t.alg = -8), "attestation_statement"),
        (
            // RS1 is an RSA algorithm; this AIK is a P-256 key.
            "rs1 alg with an ec aik",
            with(&|t| t.alg = -65535),
            "attestation_signature",
        ),
        (
            "rs1 alg, extraData hashed with sha-256",
            with(&|t| {
                t.alg = -65535;
                t.extra_data_alg = Some(-7);
            }),
            "tpm_extra_data",
        ),
        (
            "an unknown alg",
            with(&|t| t.alg = -65534),
            "unsupported_algorithm",
        ),
        (
            "aik with a subject",
            aik(CertSpec {
                subject: der::name(&[(der::OID_CN, "aik")]),
                ..spec.clone()
            }),
            "attestation_certificate",
        ),
        (
            "aik without san",
            aik(spec.clone().without(der::OID_SAN)),
            "attestation_certificate",
        ),
        (
            "aik san without the tpm model",
            aik(spec.clone().extension(
                der::OID_SAN,
                true,
                der::seq(&[der::explicit(
                    4,
                    &der::name(&[(der::OID_TPM_MANUFACTURER, "id:57415457")]),
                )]),
            )),
            "attestation_certificate",
        ),
        (
            "aik without eku",
            aik(spec.clone().without(der::OID_EXT_KEY_USAGE)),
            "attestation_certificate",
        ),
        (
            "aik eku for servers",
            aik(spec.clone().extension(
                der::OID_EXT_KEY_USAGE,
                false,
                der::seq(&[der::oid(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01])]),
            )),
            "attestation_certificate",
        ),
        (
            "aik is a ca",
            aik(spec.clone().extension(
                der::OID_BASIC_CONSTRAINTS,
                true,
                der::basic_constraints(true, None),
            )),
            "attestation_certificate",
        ),
        (
            "aik aaguid for another model",
            aik(spec
                .clone()
                .extension(der::OID_AAGUID, false, der::octets(&[0xbb; 16]))),
            "aaguid_mismatch",
        ),
    ];
    for (name, registration, expected) in cases {
        assert_eq!(registration.code(&rp), expected, "{name}");
    }
    // An Ed25519 credential cannot be in a TPM public area.
    let eddsa = Registration::new(CoseAlgorithm::EdDsa).statement(
        Tpm::new(&root, &spec)
            .with_pub_area_of(TestKey::es256())
            .statement(),
    );
    assert_eq!(eddsa.code(&rp), "attestation_key_mismatch");
}

#[test]
fn android_key() {
    let root = Ca::root("Android Root");
    let rp = rooted(&root);
    let hardware_only = rp_with_policy(
        &root,
        AndroidKeyPolicy {
            hardware_enforced_only: true,
        },
    );
    let registration = Registration::new(CoseAlgorithm::Es256);
    let with = |change: &dyn Fn(&mut AndroidKey)| {
        let mut android = AndroidKey::new(&root);
        change(&mut android);
        registration.clone().statement(android.statement())
    };
    let valid = with(&|_| {});
    assert_eq!(
        valid.verify(&rp).unwrap().attestation_trust,
        AttestationTrust::Trusted { root: 0 }
    );
    assert_eq!(valid.code(&hardware_only), TRUSTED);
    let software = with(&|a| {
        a.hardware = AuthList::default();
        a.software = AuthList::generated_for_signing();
    });
    assert_eq!(software.code(&rp), TRUSTED);
    assert_eq!(software.code(&hardware_only), "android_key_origin");

    let cases: Vec<(&str, Registration, &str)> = vec![
        (
            "challenge of another ceremony",
            with(&|a| a.challenge = Some(vec![0; 32])),
            "android_key_challenge",
        ),
        (
            "allApplications in software",
            with(&|a| a.software.all_applications = true),
            "android_key_all_applications",
        ),
        (
            "allApplications in hardware",
            with(&|a| a.hardware.all_applications = true),
            "android_key_all_applications",
        ),
        (
            "no origin",
            with(&|a| a.hardware.origin = None),
            "android_key_origin",
        ),
        (
            "imported",
            with(&|a| a.hardware.origin = Some(2)),
            "android_key_origin",
        ),
        (
            "imported per software",
            with(&|a| a.software.origin = Some(2)),
            "android_key_origin",
        ),
        (
            "no purpose",
            with(&|a| a.hardware.purposes = Vec::new()),
            "android_key_purpose",
        ),
        (
            "verify only",
            with(&|a| a.hardware.purposes = vec![3]),
            "android_key_purpose",
        ),
        (
            "sign among purposes",
            with(&|a| a.hardware.purposes = vec![3, 2]),
            TRUSTED,
        ),
        (
            "another key certified",
            with(&|a| a.certified_key = Some(TestKey::es256())),
            "attestation_key_mismatch",
        ),
        (
            "no key description",
            with(&|a| a.with_extension = false),
            "android_key_description",
        ),
        (
            "empty lists",
            with(&|a| a.hardware = AuthList::default()),
            "android_key_origin",
        ),
    ];
    for (name, registration, expected) in cases {
        assert_eq!(registration.code(&rp), expected, "{name}");
    }
    // The statement's signature is the credential key's.
    let forged = registration.clone().statement(formats::raw(
        "android-key",
        map(vec![
            (text("alg"), int(-7)),
            (text("sig"), bytes(TestKey::es256().sign(b"x"))),
            (text("x5c"), C::Array(vec![bytes(&root.der)])),
        ]),
    ));
    assert_eq!(forged.code(&rp), "attestation_signature");
}

fn rp_with_policy(root: &Ca, policy: AndroidKeyPolicy) -> RelyingParty {
    rp().trust_root(root.der.clone())
        .android_key_policy(policy)
        .build()
        .unwrap()
}

#[test]
fn apple() {
    let root = Ca::root("Apple-like Root");
    let rp = rooted(&root);
    let registration = Registration::new(CoseAlgorithm::Es256);
    let with = |change: &dyn Fn(&mut Apple)| {
        let mut apple = Apple::new(&root);
        change(&mut apple);
        registration.clone().statement(apple.statement())
    };
    assert_eq!(
        with(&|_| {}).verify(&rp).unwrap().attestation_trust,
        AttestationTrust::Trusted { root: 0 }
    );
    assert_eq!(with(&|a| a.nonce = Some([0; 32])).code(&rp), "apple_nonce");
    assert_eq!(with(&|a| a.with_extension = false).code(&rp), "apple_nonce");
    assert_eq!(
        with(&|a| a.certified_key = Some(TestKey::es256())).code(&rp),
        "attestation_key_mismatch"
    );
    let with_alg = registration.clone().statement(formats::raw(
        "apple",
        map(vec![
            (text("alg"), int(-7)),
            (text("x5c"), C::Array(vec![bytes(&root.der)])),
        ]),
    ));
    assert_eq!(with_alg.code(&rp), "attestation_statement");
}
