//! Attestation certificate paths (through `packed` x5c): the path is `x5c` in order, each
//! certificate issued by the next, every one valid at `now`, issuers CAs within their path
//! length, no unknown critical extension, ending at a configured root or at a certificate one
//! issued. Each rule broken alone fails with its code; roots in the response count for nothing.

use watchword_webauthn::{AttestationTrust, CoseAlgorithm, RelyingParty};

use crate::support::der::{self, Ca, CertSpec};
use crate::support::{formats, rp, Registration, TestKey, NOW};

fn rooted(root: &Ca) -> RelyingParty {
    rp().trust_root(root.der.clone()).build().unwrap()
}

/// A packed registration whose attestation key is certified by `issuer` through `leaf`, with
/// `rest` after the leaf in `x5c`.
fn attested(issuer: &Ca, leaf: &CertSpec, rest: &[&[u8]]) -> Registration {
    let registration = Registration::new(CoseAlgorithm::Es256);
    let key = TestKey::es256();
    let mut chain = vec![issuer.issue(leaf, &key)];
    chain.extend(rest.iter().map(|c| c.to_vec()));
    registration.statement(formats::packed_x5c(key, chain, -7))
}

fn leaf() -> CertSpec {
    formats::packed_leaf([0xaa; 16])
}

fn intermediate_spec(cn: &str) -> CertSpec {
    Ca::ca_spec(der::name(&[
        (der::OID_O, "Watchword Test Roots"),
        (der::OID_CN, cn),
    ]))
}

#[test]
fn paths_through_intermediates() {
    let root = Ca::root("Root");
    let inter = root.intermediate(&intermediate_spec("Intermediate"));
    let rp = rooted(&root);
    let trusted = Ok(AttestationTrust::Trusted { root: 0 });
    let verdict = |r: &Registration| {
        r.verify(&rp)
            .map(|v| v.attestation_trust)
            .map_err(|e| e.code())
    };
    assert_eq!(verdict(&attested(&inter, &leaf(), &[&inter.der])), trusted);
    // The root itself may close the path when it is byte for byte a configured root.
    assert_eq!(
        verdict(&attested(&inter, &leaf(), &[&inter.der, &root.der])),
        trusted
    );
    // Two intermediates.
    let second = inter.intermediate(&intermediate_spec("Second"));
    assert_eq!(
        verdict(&attested(&second, &leaf(), &[&second.der, &inter.der])),
        trusted
    );
    // Leaving the intermediate out breaks the path.
    assert_eq!(
        verdict(&attested(&inter, &leaf(), &[])),
        Err("untrusted_attestation")
    );
}

#[test]
fn roots_from_the_response_are_not_trusted() {
    let root = Ca::root("Root");
    let rp = rooted(&root);
    // An attacker's root with the same name as the configured one, and its own chain.
    let impostor = Ca::root("Root");
    let inter = impostor.intermediate(&intermediate_spec("Intermediate"));
    let registration = attested(&inter, &leaf(), &[&inter.der, &impostor.der]);
    assert_eq!(registration.code(&rp), "untrusted_attestation");
    let registration = attested(&impostor, &leaf(), &[&impostor.der]);
    assert_eq!(registration.code(&rp), "untrusted_attestation");
    // Without roots it verifies, and says it is not traced.
    let unrooted = crate::support::rp().build().unwrap();
    let verified = registration.verify(&unrooted).unwrap();
    assert_eq!(verified.attestation_trust, AttestationTrust::Unverified);
}

#[test]
fn validity_at_now() {
    let root = Ca::root("Root");
    let rp = rooted(&root);
    let now = i64::try_from(NOW.0).unwrap();
    let expired = CertSpec {
        not_after: now - 1,
        ..leaf()
    };
    assert_eq!(
        attested(&root, &expired, &[]).code(&rp),
        "certificate_expired"
    );
    let not_yet = CertSpec {
        not_before: now + 1,
        ..leaf()
    };
    assert_eq!(
        attested(&root, &not_yet, &[]).code(&rp),
        "certificate_not_yet_valid"
    );
    let edge = CertSpec {
        not_before: now,
        not_after: now,
        ..leaf()
    };
    assert_eq!(attested(&root, &edge, &[]).code(&rp), "ok");

    let old_inter = root.intermediate(&CertSpec {
        not_after: now - 1,
        ..intermediate_spec("Old")
    });
    let outcome = attested(&old_inter, &leaf(), &[&old_inter.der]).verify(&rp);
    assert!(
        matches!(
            outcome,
            Err(watchword_webauthn::Error::CertificateExpired { index: 1, .. })
        ),
        "{outcome:?}"
    );

    // An expired root: the index after the chain names it.
    let old_root_key = TestKey::es256();
    let name = der::name(&[(der::OID_CN, "Old Root")]);
    let old_root_der = CertSpec {
        not_after: now - 1,
        ..Ca::ca_spec(name.clone())
    }
    .issue(&old_root_key, &name, &old_root_key);
    let old_root = Ca {
        key: old_root_key,
        name,
        der: old_root_der,
    };
    let outcome = attested(&old_root, &leaf(), &[]).verify(&rooted(&old_root));
    assert!(
        matches!(
            outcome,
            Err(watchword_webauthn::Error::CertificateExpired { index: 1, .. })
        ),
        "{outcome:?}"
    );
}

#[test]
fn issuers_must_be_cas_within_their_path_length() {
    let root = Ca::root("Root");
    let rp = rooted(&root);
    let not_ca = root.intermediate(&intermediate_spec("Not CA").extension(
        der::OID_BASIC_CONSTRAINTS,
        true,
        der::basic_constraints(false, None),
    ));
    assert_eq!(
        attested(&not_ca, &leaf(), &[&not_ca.der]).code(&rp),
        "certificate_not_ca"
    );
    let no_constraints =
        root.intermediate(&intermediate_spec("No Constraints").without(der::OID_BASIC_CONSTRAINTS));
    assert_eq!(
        attested(&no_constraints, &leaf(), &[&no_constraints.der]).code(&rp),
        "certificate_not_ca"
    );
    let signing_only = root.intermediate(&intermediate_spec("Signing Only").extension(
        der::OID_KEY_USAGE,
        true,
        der::key_usage(0x80),
    ));
    assert_eq!(
        attested(&signing_only, &leaf(), &[&signing_only.der]).code(&rp),
        "certificate_not_ca"
    );

    // pathLenConstraint 0 on the intermediate: it may issue the leaf but no further CA.
    let limited = root.intermediate(&intermediate_spec("Limited").extension(
        der::OID_BASIC_CONSTRAINTS,
        true,
        der::basic_constraints(true, Some(0)),
    ));
    assert_eq!(attested(&limited, &leaf(), &[&limited.der]).code(&rp), "ok");
    let below = limited.intermediate(&intermediate_spec("Below"));
    assert_eq!(
        attested(&below, &leaf(), &[&below.der, &limited.der]).code(&rp),
        "certificate_path_length"
    );

    // pathLenConstraint 0 on the root: no intermediate at all.
    let key = TestKey::es256();
    let name = der::name(&[(der::OID_CN, "Strict Root")]);
    let spec = Ca::ca_spec(name.clone()).extension(
        der::OID_BASIC_CONSTRAINTS,
        true,
        der::basic_constraints(true, Some(0)),
    );
    let strict = Ca {
        der: spec.issue(&key, &name, &key),
        key,
        name,
    };
    let inter = strict.intermediate(&intermediate_spec("Under Strict"));
    assert_eq!(
        attested(&inter, &leaf(), &[&inter.der]).code(&rooted(&strict)),
        "certificate_path_length"
    );
    assert_eq!(attested(&strict, &leaf(), &[]).code(&rooted(&strict)), "ok");

    // A configured root that is not a CA issues nothing.
    let key = TestKey::es256();
    let name = der::name(&[(der::OID_CN, "Leafy Root")]);
    let spec = CertSpec::new(name.clone()).extension(
        der::OID_BASIC_CONSTRAINTS,
        true,
        der::basic_constraints(false, None),
    );
    let leafy = Ca {
        der: spec.issue(&key, &name, &key),
        key,
        name,
    };
    assert_eq!(
        attested(&leafy, &leaf(), &[]).code(&rooted(&leafy)),
        "certificate_not_ca"
    );
}

#[test]
fn links_must_chain() {
    let root = Ca::root("Root");
    let unrooted = rp().build().unwrap();
    let rp = rooted(&root);
    let inter = root.intermediate(&intermediate_spec("Intermediate"));
    let unrelated = root.intermediate(&intermediate_spec("Unrelated"));
    let registration = attested(&inter, &leaf(), &[&unrelated.der]);
    assert_eq!(registration.code(&rp), "certificate_issuer_mismatch");
    assert_eq!(registration.code(&unrooted), "certificate_issuer_mismatch");
    // Same name, another key: the name chains, the signature does not.
    let twin = root.intermediate(&intermediate_spec("Intermediate"));
    let registration = attested(&inter, &leaf(), &[&twin.der]);
    assert_eq!(registration.code(&rp), "certificate_signature");
    assert_eq!(registration.code(&unrooted), "certificate_signature");
}

#[test]
fn unknown_critical_extensions_are_refused() {
    let root = Ca::root("Root");
    let rp = rooted(&root);
    let critical = leaf().extension(der::OID_UNKNOWN, true, der::null());
    assert_eq!(
        attested(&root, &critical, &[]).code(&rp),
        "certificate_critical_extension"
    );
    let informational = leaf().extension(der::OID_UNKNOWN, false, der::null());
    assert_eq!(attested(&root, &informational, &[]).code(&rp), "ok");
}

#[test]
fn critical_certificate_policies_are_processed() {
    // Microsoft's TPM AIK certificates mark certificatePolicies critical. No policy is
    // required, so a well-formed list passes; a malformed one is refused.
    const OID_CERTIFICATE_POLICIES: &[u8] = &[0x55, 0x1d, 0x20];
    let root = Ca::root("Root");
    let rp = rooted(&root);
    // 1.3.6.1.4.1.311.21.31, with a user-notice qualifier, as in those certificates.
    let policy = der::oid(&[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x15, 0x1f]);
    let qualifiers = der::seq(&[der::seq(&[
        der::oid(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x02, 0x02]),
        der::seq(&[der::utf8("Trusted Platform Identity")]),
    ])]);
    for (name, value, expected) in [
        (
            "a policy with qualifiers",
            der::seq(&[der::seq(&[policy.clone(), qualifiers.clone()])]),
            "ok",
        ),
        (
            "a bare policy",
            der::seq(&[der::seq(std::slice::from_ref(&policy))]),
            "ok",
        ),
        ("no policy", der::seq(&[]), "certificate"),
        ("not a sequence", der::null(), "certificate"),
        (
            "a policy that is not an oid",
            der::seq(&[der::seq(&[der::null()])]),
            "certificate",
        ),
        (
            "trailing bytes in a policy",
            der::seq(&[der::seq(&[policy, qualifiers, der::null()])]),
            "certificate",
        ),
    ] {
        let leaf = leaf().extension(OID_CERTIFICATE_POLICIES, true, value);
        assert_eq!(attested(&root, &leaf, &[]).code(&rp), expected, "{name}");
    }
}

#[test]
fn certificate_signature_algorithms() {
    for alg in [
        CoseAlgorithm::Es256,
        CoseAlgorithm::Es384,
        CoseAlgorithm::Rs256,
        CoseAlgorithm::EdDsa,
    ] {
        let root = Ca::root_with("Root", TestKey::generate(alg));
        let inter = root.intermediate(&intermediate_spec("Intermediate"));
        assert_eq!(
            attested(&inter, &leaf(), &[&inter.der]).code(&rooted(&root)),
            "ok",
            "{alg}"
        );
    }
}

#[test]
fn malformed_and_unsupported_certificates() {
    // ecdsa-with-SHA256 → ecdsa-with-SHA512, inside and outside tbsCertificate.
    const SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    const SHA512: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
    let root = Ca::root("Root");
    let rp = rooted(&root);
    let key = TestKey::es256();
    let cert = root.issue(&leaf(), &key);
    let sha512 = replace_all(&cert, SHA256, SHA512);
    assert_ne!(sha512, cert);
    let registration = Registration::new(CoseAlgorithm::Es256);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("unsupported signature algorithm", sha512),
        ("truncated", cert[..cert.len() - 1].to_vec()),
        ("trailing byte", [cert.as_slice(), &[0]].concat()),
        (
            "indefinite length",
            [&[0x30, 0x80][..], &cert[4..], &[0, 0]].concat(),
        ),
    ];
    for (name, der) in cases {
        let registration =
            registration
                .clone()
                .statement(formats::packed_x5c(key.clone(), vec![der], -7));
        assert_eq!(registration.code(&rp), "certificate", "{name}");
    }
    assert_eq!(
        crate::support::rp()
            .trust_root(vec![0x30, 0x03, 0x02, 0x01, 0x00])
            .build()
            .map_err(|e| e.code())
            .err(),
        Some("invalid_config")
    );
}

fn replace_all(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}
