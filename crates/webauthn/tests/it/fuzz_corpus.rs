//! Replays the committed seed corpora of the `webauthn_*` fuzz targets through the same
//! harnesses (`watchword_webauthn::fuzzing`): no panic, and each named seed gets the verdict
//! its name says.
//!
//! Seeds with ECDSA signatures differ byte for byte each time they are made (ECDSA signing is
//! randomised), so the corpus is checked by verdict, not by bytes. Rewrite it after changing a
//! harness's input format with
//! `cargo test -p watchword-webauthn --test it -- --ignored write_fuzz_seeds`.

use serde_json::json;
use watchword_webauthn::fuzzing::{self, Authenticator, CHALLENGE, ORIGIN, RP_ID};
use watchword_webauthn::{AttestationTrust, CoseAlgorithm};

use crate::support::cbor::{bytes, int, map, text};
use crate::support::der::Ca;
use crate::support::formats::{self, AndroidKey, Apple, Tpm};
use crate::support::{sha256, Registration, TestKey, AT, ED, UP, UV};

const ATTESTATION_OBJECT: &str = "webauthn_attestation_object";
const AUTHENTICATOR_DATA: &str = "webauthn_authenticator_data";
const COSE_KEY: &str = "webauthn_cose_key";
const CLIENT_DATA: &str = "webauthn_client_data";
const VERIFY_REGISTRATION: &str = "webauthn_verify_registration";
const VERIFY_AUTHENTICATION: &str = "webauthn_verify_authentication";

type Seeds = Vec<(&'static str, Vec<u8>, &'static str)>;

/// A registration for the harness relying party and challenge.
fn for_harness(alg: CoseAlgorithm) -> Registration {
    Registration::new(alg).with(|r| {
        r.client_data_raw =
            Some(fuzzing::client_data_json("webauthn.create", &CHALLENGE, ORIGIN).into_bytes());
        r.rp_id_hash = sha256(RP_ID.as_bytes());
    })
}

#[allow(clippy::too_many_lines)] // one table of cases
fn attestation_seeds() -> Seeds {
    let root = Ca::root("Fuzz Root");
    let es256 = for_harness(CoseAlgorithm::Es256);
    let packed_leaf = formats::packed_leaf(es256.aaguid);
    let u2f_key = TestKey::es256();
    let u2f_cert = root.issue(
        &crate::support::der::CertSpec::new(crate::support::der::name(&[])),
        &u2f_key,
    );
    let mut bad_magic = Tpm::new(&root, &formats::aik_spec());
    bad_magic.magic = 0;
    let object = |r: Registration| r.attestation_object();
    vec![
        ("none", object(es256.clone()), "self_or_none"),
        (
            "packed-self-es256",
            object(es256.clone().statement(formats::packed_self())),
            "self_or_none",
        ),
        (
            "packed-self-rs256",
            object(for_harness(CoseAlgorithm::Rs256).statement(formats::packed_self())),
            "self_or_none",
        ),
        (
            "packed-self-eddsa-extensions",
            object(
                for_harness(CoseAlgorithm::EdDsa)
                    .with(|r| {
                        r.flags |= ED;
                        r.extensions = Some(vec![0xa1, 0x61, b'x', 0x01]);
                    })
                    .statement(formats::packed_self()),
            ),
            "self_or_none",
        ),
        (
            "packed-x5c",
            object(
                es256
                    .clone()
                    .statement(formats::packed(&root, &packed_leaf)),
            ),
            "unverified",
        ),
        (
            "fido-u2f",
            object(
                es256
                    .clone()
                    .with(|r| r.aaguid = [0; 16])
                    .statement(formats::fido_u2f(u2f_key, vec![u2f_cert])),
            ),
            "unverified",
        ),
        (
            "tpm-es256",
            object(
                es256
                    .clone()
                    .statement(Tpm::new(&root, &formats::aik_spec()).statement()),
            ),
            "unverified",
        ),
        (
            "tpm-rs256",
            object(
                for_harness(CoseAlgorithm::Rs256)
                    .statement(Tpm::new(&root, &formats::aik_spec()).statement()),
            ),
            "unverified",
        ),
        (
            "android-key",
            object(es256.clone().statement(AndroidKey::new(&root).statement())),
            "unverified",
        ),
        (
            "apple",
            object(es256.clone().statement(Apple::new(&root).statement())),
            "unverified",
        ),
        (
            "refuse-packed-bad-signature",
            object(es256.clone().statement(formats::raw(
                "packed",
                map(vec![
                    (text("alg"), int(-7)),
                    (text("sig"), bytes([0x30, 0x00])),
                ]),
            ))),
            "attestation_signature",
        ),
        (
            "refuse-tpm-magic",
            object(es256.clone().statement(bad_magic.statement())),
            "tpm_magic",
        ),
        (
            "refuse-unknown-format",
            object(
                es256
                    .clone()
                    .statement(formats::raw("compound", map(vec![]))),
            ),
            "unsupported_attestation_format",
        ),
        (
            "refuse-truncated",
            object(es256.clone())[..60].to_vec(),
            "unparsed",
        ),
        (
            "refuse-indefinite-map",
            [
                &[0xbf][..],
                &text("fmt").encode(),
                &text("none").encode(),
                &[0xff],
            ]
            .concat(),
            "unparsed",
        ),
    ]
}

fn attestation_verdict(data: &[u8]) -> &'static str {
    match fuzzing::attestation_object(data) {
        None => "unparsed",
        Some(Ok(AttestationTrust::SelfOrNone)) => "self_or_none",
        Some(Ok(AttestationTrust::Unverified)) => "unverified",
        Some(Ok(_)) => "trusted",
        Some(Err(error)) => error.code(),
    }
}

fn authenticator_data_seeds() -> Seeds {
    let registration = for_harness(CoseAlgorithm::Es256);
    let mut assertion = sha256(RP_ID.as_bytes()).to_vec();
    assertion.extend_from_slice(&[UP | UV, 0, 0, 0, 7]);
    vec![
        ("registration", registration.auth_data(), "parsed"),
        (
            "registration-with-extensions",
            registration
                .clone()
                .with(|r| {
                    r.flags |= ED;
                    r.extensions = Some(vec![
                        0xa1, 0x6b, b'c', b'r', b'e', b'd', b'P', b'r', b'o', b't', b'e', b'c',
                        b't', 0x02,
                    ]);
                })
                .auth_data(),
            "parsed",
        ),
        ("assertion", assertion.clone(), "parsed"),
        ("refuse-truncated", assertion[..36].to_vec(), "refused"),
        (
            "refuse-trailing",
            [assertion.as_slice(), &[0]].concat(),
            "refused",
        ),
        (
            "refuse-at-without-data",
            {
                let mut a = assertion.clone();
                a[32] |= AT;
                a
            },
            "refused",
        ),
    ]
}

fn authenticator_data_verdict(data: &[u8]) -> &'static str {
    if fuzzing::authenticator_data(data).is_some() {
        "parsed"
    } else {
        "refused"
    }
}

fn cose_key_seeds() -> Seeds {
    let mut off_curve = TestKey::es256().cose_map();
    off_curve.set(int(-3), bytes([1; 32]));
    let mut private = TestKey::es256().cose_map();
    private.set(int(-4), bytes([1; 32]));
    vec![
        ("es256", TestKey::es256().cose(), "ES256 (-7)"),
        (
            "es384",
            TestKey::generate(CoseAlgorithm::Es384).cose(),
            "ES384 (-35)",
        ),
        (
            "rs256",
            TestKey::generate(CoseAlgorithm::Rs256).cose(),
            "RS256 (-257)",
        ),
        (
            "ps256",
            TestKey::generate(CoseAlgorithm::Ps256).cose(),
            "PS256 (-37)",
        ),
        (
            "eddsa",
            Authenticator::new().public_key_cose(),
            "EdDSA (-8)",
        ),
        ("refuse-off-curve", off_curve.encode(), "refused"),
        ("refuse-private-key", private.encode(), "refused"),
        (
            "refuse-ed448",
            map(vec![
                (int(1), int(1)),
                (int(3), int(-8)),
                (int(-1), int(7)),
                (int(-2), bytes([1; 57])),
            ])
            .encode(),
            "refused",
        ),
    ]
}

fn cose_key_verdict(data: &[u8]) -> String {
    fuzzing::cose_key(data).map_or("refused".to_owned(), |alg| alg.to_string())
}

fn client_data_seeds() -> Seeds {
    let challenge = crate::support::b64(CHALLENGE);
    vec![
        ("create", fuzzing::client_data_json("webauthn.create", &CHALLENGE, ORIGIN).into_bytes(), "parsed"),
        ("get-cross-origin", json!({"type": "webauthn.get", "challenge": challenge, "origin": ORIGIN, "crossOrigin": true, "topOrigin": "https://top.example"}).to_string().into_bytes(), "parsed"),
        ("payment", json!({"type": "payment.get", "challenge": challenge, "origin": ORIGIN, "payment": {"rpId": RP_ID, "topOrigin": ORIGIN, "payeeOrigin": ORIGIN, "total": {"currency": "EUR", "value": "1.00"}, "instrument": {"displayName": "Card", "icon": "data:,"}}}).to_string().into_bytes(), "parsed"),
        ("refuse-duplicate-type", format!(r#"{{"type":"webauthn.get","type":"webauthn.get","challenge":"{challenge}","origin":"{ORIGIN}"}}"#).into_bytes(), "refused"),
        ("refuse-padded-challenge", format!(r#"{{"type":"webauthn.get","challenge":"{challenge}=","origin":"{ORIGIN}"}}"#).into_bytes(), "refused"),
    ]
}

fn client_data_verdict(data: &[u8]) -> &'static str {
    if fuzzing::client_data(data).is_some() {
        "parsed"
    } else {
        "refused"
    }
}

fn verify_registration_seeds() -> Seeds {
    let authenticator = Authenticator::new();
    let valid = authenticator.register(&CHALLENGE, ORIGIN, RP_ID);
    let es256 = for_harness(CoseAlgorithm::Es256);
    vec![
        ("accept-packed-self-eddsa", valid.clone().into_bytes(), "ok"),
        ("accept-none-es256", es256.json().into_bytes(), "ok"),
        (
            "accept-tpm-rs256",
            for_harness(CoseAlgorithm::Rs256)
                .statement(Tpm::new(&Ca::root("Fuzz Root"), &formats::aik_spec()).statement())
                .json()
                .into_bytes(),
            "ok",
        ),
        (
            "refuse-other-challenge",
            authenticator.register(&[1; 32], ORIGIN, RP_ID).into_bytes(),
            "challenge_mismatch",
        ),
        (
            "refuse-other-origin",
            authenticator
                .register(&CHALLENGE, "https://evil.example", RP_ID)
                .into_bytes(),
            "origin_not_allowed",
        ),
        (
            "refuse-other-rp",
            authenticator
                .register(&CHALLENGE, ORIGIN, "evil.example")
                .into_bytes(),
            "rp_id_hash_mismatch",
        ),
        (
            "refuse-no-up",
            es256.clone().with(|r| r.flags &= !UP).json().into_bytes(),
            "user_not_present",
        ),
    ]
}

fn verify_registration_verdict(data: &[u8]) -> &'static str {
    fuzzing::verify_registration(data).map_or_else(|e| e.code(), |_| "ok")
}

fn verify_authentication_seeds() -> Seeds {
    let authenticator = Authenticator::new();
    let arbitrary = |json: String| [&[0u8][..], json.as_bytes()].concat();
    let generated = |flags: u8, counter: u32, tamper: [u8; 2]| {
        let mut data = vec![1, flags];
        data.extend_from_slice(&counter.to_be_bytes());
        data.extend_from_slice(&tamper);
        data
    };
    vec![
        (
            "accept-counter-6",
            arbitrary(authenticator.authenticate(&CHALLENGE, ORIGIN, RP_ID, 6)),
            "ok",
        ),
        (
            "refuse-counter-5",
            arbitrary(authenticator.authenticate(&CHALLENGE, ORIGIN, RP_ID, 5)),
            "sign_count_regression",
        ),
        (
            "refuse-other-challenge",
            arbitrary(authenticator.authenticate(&[1; 32], ORIGIN, RP_ID, 9)),
            "challenge_mismatch",
        ),
        (
            "refuse-other-origin",
            arbitrary(authenticator.authenticate(
                &CHALLENGE,
                "https://fuzz.example.evil",
                RP_ID,
                9,
            )),
            "origin_not_allowed",
        ),
        ("generated-accept", generated(UP | UV, 9, [0, 0]), "ok"),
        (
            "generated-accept-extensions",
            generated(UP | ED, 1000, [0, 0]),
            "ok",
        ),
        (
            "generated-refuse-no-up",
            generated(UV, 9, [0, 0]),
            "user_not_present",
        ),
        (
            "generated-refuse-tampered",
            generated(UP | UV, 9, [7, 3]),
            "bad_signature",
        ),
        (
            "generated-refuse-counter",
            generated(UP, 5, [0, 0]),
            "sign_count_regression",
        ),
    ]
}

fn verify_authentication_verdict(data: &[u8]) -> &'static str {
    fuzzing::verify_authentication(data).map_or_else(|e| e.code(), |_| "ok")
}

/// Runs every on-disk seed of `target` through `verdict` and checks the named ones.
fn replay(target: &str, seeds: &Seeds, verdict: impl Fn(&[u8]) -> String) {
    let mut checked = 0;
    for (name, data) in watchword_testkit::fuzz_seeds(target) {
        let found = verdict(&data);
        let Some((_, _, expected)) = seeds.iter().find(|(seed, _, _)| *seed == name) else {
            continue;
        };
        assert_eq!(found, *expected, "{target}/{name}");
        checked += 1;
    }
    assert_eq!(checked, seeds.len(), "every named {target} seed is on disk");
}

#[test]
fn replay_attestation_object_corpus() {
    replay(ATTESTATION_OBJECT, &attestation_seeds(), |d| {
        attestation_verdict(d).to_owned()
    });
}

#[test]
fn replay_authenticator_data_corpus() {
    replay(AUTHENTICATOR_DATA, &authenticator_data_seeds(), |d| {
        authenticator_data_verdict(d).to_owned()
    });
}

#[test]
fn replay_cose_key_corpus() {
    replay(COSE_KEY, &cose_key_seeds(), cose_key_verdict);
}

#[test]
fn replay_client_data_corpus() {
    replay(CLIENT_DATA, &client_data_seeds(), |d| {
        client_data_verdict(d).to_owned()
    });
}

#[test]
fn replay_verify_registration_corpus() {
    replay(VERIFY_REGISTRATION, &verify_registration_seeds(), |d| {
        verify_registration_verdict(d).to_owned()
    });
}

#[test]
fn replay_verify_authentication_corpus() {
    replay(VERIFY_AUTHENTICATION, &verify_authentication_seeds(), |d| {
        verify_authentication_verdict(d).to_owned()
    });
}

/// Freshly made seeds get the verdicts their names say, before they are written.
#[test]
fn made_seeds_get_their_verdicts() {
    for (name, data, expected) in attestation_seeds() {
        assert_eq!(attestation_verdict(&data), expected, "{name}");
    }
    for (name, data, expected) in authenticator_data_seeds() {
        assert_eq!(authenticator_data_verdict(&data), expected, "{name}");
    }
    for (name, data, expected) in cose_key_seeds() {
        assert_eq!(cose_key_verdict(&data), expected, "{name}");
    }
    for (name, data, expected) in client_data_seeds() {
        assert_eq!(client_data_verdict(&data), expected, "{name}");
    }
    for (name, data, expected) in verify_registration_seeds() {
        assert_eq!(verify_registration_verdict(&data), expected, "{name}");
    }
    for (name, data, expected) in verify_authentication_seeds() {
        assert_eq!(verify_authentication_verdict(&data), expected, "{name}");
    }
}

#[test]
#[ignore = "rewrites fuzz/seeds/webauthn_*"]
fn write_fuzz_seeds() {
    for (target, seeds) in [
        (ATTESTATION_OBJECT, attestation_seeds()),
        (AUTHENTICATOR_DATA, authenticator_data_seeds()),
        (COSE_KEY, cose_key_seeds()),
        (CLIENT_DATA, client_data_seeds()),
        (VERIFY_REGISTRATION, verify_registration_seeds()),
        (VERIFY_AUTHENTICATION, verify_authentication_seeds()),
    ] {
        let dir = watchword_testkit::seed_dir(target);
        std::fs::create_dir_all(&dir).expect("seed directory");
        for (name, data, _) in seeds {
            std::fs::write(dir.join(name), data).expect("seed written");
        }
    }
}
