//! WebAuthn §7.1, one test per rule: a valid registration from the software authenticator,
//! changed so that exactly one rule breaks (everything is re-signed), must fail with that
//! rule's error code.

use serde_json::json;
use watchword_webauthn::{AttestationTrust, CoseAlgorithm, RelyingParty, UserVerification};

use crate::support::cbor::{bytes, int, map, text};
use crate::support::{b64, formats, rp, sha256, Registration, AT, BE, BS, ED, UP, UV};

type Change = Box<dyn Fn(&mut Registration)>;

/// Applies each change to a valid `packed` self-attested ES256 registration and checks the
/// verdict under `rp`.
fn check(rp: &RelyingParty, cases: Vec<(&str, Change, &str)>) {
    let valid = Registration::new(CoseAlgorithm::Es256).statement(formats::packed_self());
    assert_eq!(valid.code(rp), "ok", "the unchanged registration verifies");
    for (name, change, expected) in cases {
        let registration = valid.clone().with(|r| change(r));
        assert_eq!(registration.code(rp), expected, "{name}");
    }
}

fn change(f: impl Fn(&mut Registration) + 'static) -> Change {
    Box::new(f)
}

#[test]
fn client_data_rules() {
    let rp = rp().build().unwrap();
    check(
        &rp,
        vec![
            (
                "type get",
                change(|r| r.client_data["type"] = json!("webauthn.get")),
                "ceremony_type",
            ),
            (
                "type payment",
                change(|r| r.client_data["type"] = json!("payment.get")),
                "ceremony_type",
            ),
            (
                "other challenge",
                change(|r| r.client_data["challenge"] = json!(b64([0x11; 32]))),
                "challenge_mismatch",
            ),
            (
                "truncated challenge",
                change(|r| {
                    r.client_data["challenge"] = json!(b64(&crate::support::CHALLENGE[..31]));
                }),
                "challenge_mismatch",
            ),
            (
                "padded challenge",
                change(|r| {
                    r.client_data["challenge"] =
                        json!(format!("{}=", b64(crate::support::CHALLENGE)));
                }),
                "client_data",
            ),
            (
                "other origin",
                change(|r| r.client_data["origin"] = json!("https://evil.example")),
                "origin_not_allowed",
            ),
            (
                "token binding supported",
                change(|r| r.client_data["tokenBinding"] = json!({"status": "supported"})),
                "ok",
            ),
            (
                "token binding with an unknown status",
                change(|r| r.client_data["tokenBinding"] = json!({"status": "absent"})),
                "token_binding_status",
            ),
            (
                "token binding null",
                change(|r| r.client_data["tokenBinding"] = json!(null)),
                "client_data",
            ),
            (
                "subdomain of an exact origin",
                change(|r| r.client_data["origin"] = json!("https://login.example.org")),
                "origin_not_allowed",
            ),
            (
                "origin with a port",
                change(|r| r.client_data["origin"] = json!("https://example.org:8443")),
                "origin_not_allowed",
            ),
            (
                "origin over http",
                change(|r| r.client_data["origin"] = json!("http://example.org")),
                "origin_not_allowed",
            ),
            (
                "cross origin",
                change(|r| r.client_data["crossOrigin"] = json!(true)),
                "cross_origin_not_allowed",
            ),
            (
                "top origin alone",
                change(|r| r.client_data["topOrigin"] = json!("https://example.com")),
                "top_origin_without_cross_origin",
            ),
            (
                "crossOrigin not a boolean",
                change(|r| r.client_data["crossOrigin"] = json!("false")),
                "client_data",
            ),
            (
                "not json",
                change(|r| r.client_data_raw = Some(b"{\"type\":".to_vec())),
                "client_data",
            ),
            (
                "type repeated",
                change(|r| {
                    r.client_data_raw = Some(format!(r#"{{"type":"webauthn.create","type":"webauthn.create","challenge":"{}","origin":"https://example.org"}}"#, b64(crate::support::CHALLENGE)).into_bytes());
                }),
                "client_data",
            ),
        ],
    );
}

#[test]
fn unknown_client_data_members_and_absent_cross_origin_are_accepted() {
    let rp = rp().build().unwrap();
    let registration = Registration::new(CoseAlgorithm::Es256).with(|r| {
        r.client_data["other_keys_can_be_added_here"] = json!("fine");
        r.client_data.as_object_mut().unwrap().remove("crossOrigin");
    });
    assert_eq!(registration.code(&rp), "ok");
}

#[test]
fn cross_origin_policy() {
    let rp = rp()
        .allow_cross_origin(["https://shop.example"])
        .build()
        .unwrap();
    let cross = |top: Option<&str>| {
        Registration::new(CoseAlgorithm::Es256).with(|r| {
            r.client_data["crossOrigin"] = json!(true);
            if let Some(top) = top {
                r.client_data["topOrigin"] = json!(top);
            }
        })
    };
    assert_eq!(cross(Some("https://shop.example")).code(&rp), "ok");
    assert_eq!(
        cross(Some("https://other.example")).code(&rp),
        "top_origin_not_allowed"
    );
    assert_eq!(
        cross(Some("https://a.shop.example")).code(&rp),
        "top_origin_not_allowed"
    );
    assert_eq!(cross(None).code(&rp), "missing_top_origin");
}

#[test]
fn subdomain_origins_need_a_dot_boundary() {
    let rp = RelyingParty::builder("example.org")
        .origin_and_subdomains("https://example.org")
        .build()
        .unwrap();
    for (origin, expected) in [
        ("https://example.org", "ok"),
        ("https://login.example.org", "ok"),
        ("https://a.b.example.org", "ok"),
        ("https://badexample.org", "origin_not_allowed"),
        ("https://example.org.evil.test", "origin_not_allowed"),
        ("https://login.example.org:444", "origin_not_allowed"),
        ("http://login.example.org", "origin_not_allowed"),
    ] {
        let registration = Registration::new(CoseAlgorithm::Es256)
            .with(|r| r.client_data["origin"] = json!(origin));
        assert_eq!(registration.code(&rp), expected, "{origin}");
    }
}

#[test]
fn authenticator_data_rules() {
    let rp = rp().build().unwrap();
    check(
        &rp,
        vec![
            (
                "other rp",
                change(|r| r.rp_id_hash = sha256(b"example.com")),
                "rp_id_hash_mismatch",
            ),
            (
                "rp id hash of a subdomain",
                change(|r| r.rp_id_hash = sha256(b"login.example.org")),
                "rp_id_hash_mismatch",
            ),
            ("no UP", change(|r| r.flags &= !UP), "user_not_present"),
            (
                "no UV, UV required",
                change(|r| r.flags &= !UV),
                "user_not_verified",
            ),
            (
                "BS without BE",
                change(|r| r.flags |= BS),
                "backup_state_without_eligibility",
            ),
            (
                "no AT",
                change(|r| r.flags &= !AT),
                "missing_attested_credential_data",
            ),
            (
                "credential id of 1024 bytes",
                change(|r| r.credential_id = vec![7; 1024]),
                "credential_id_too_long",
            ),
            (
                "rawId differs",
                change(|r| r.raw_id = Some(vec![9; 32])),
                "credential_id_mismatch",
            ),
            ("ED without extensions", change(|r| r.flags |= ED), "cbor"),
            (
                "extensions not a map",
                change(|r| {
                    r.flags |= ED;
                    r.extensions = Some(vec![0x80]);
                }),
                "authenticator_data",
            ),
            (
                "extensions without ED",
                change(|r| r.extensions = Some(vec![0xa0])),
                "authenticator_data",
            ),
            (
                "trailing byte after extensions",
                change(|r| {
                    r.flags |= ED;
                    r.extensions = Some(vec![0xa0, 0x00]);
                }),
                "cbor",
            ),
            (
                "key not cbor",
                change(|r| r.cose = Some(vec![0xff])),
                "cbor",
            ),
        ],
    );
}

#[test]
fn flags_reported_and_uv_not_required() {
    let rp = rp()
        .user_verification(UserVerification::Preferred)
        .build()
        .unwrap();
    for (flags, uv, be, bs) in [
        (UP | AT, false, false, false),
        (UP | UV | AT | BE, true, true, false),
        (UP | AT | BE | BS, false, true, true),
    ] {
        let verified = Registration::new(CoseAlgorithm::Es256)
            .with(|r| r.flags = flags)
            .verify(&rp)
            .unwrap();
        assert_eq!((verified.uv, verified.be, verified.bs), (uv, be, bs));
        assert_eq!(verified.credential.backup_eligible, be);
        assert_eq!(verified.credential.uv_initialized, uv);
    }
    let discouraged = crate::support::rp()
        .user_verification(UserVerification::Discouraged)
        .build()
        .unwrap();
    assert_eq!(
        Registration::new(CoseAlgorithm::Es256)
            .with(|r| r.flags = UP | AT)
            .code(&discouraged),
        "ok"
    );
}

#[test]
fn the_longest_credential_id_and_extensions_are_accepted() {
    let rp = rp().build().unwrap();
    let registration = Registration::new(CoseAlgorithm::Es256).with(|r| {
        r.credential_id = vec![7; 1023];
        r.flags |= ED;
        r.extensions = Some(map(vec![(text("credProtect"), int(2))]).encode());
    });
    let verified = registration.verify(&rp).unwrap();
    assert_eq!(verified.credential.id.len(), 1023);
}

#[test]
fn the_algorithm_must_have_been_requested() {
    let rp = rp()
        .algorithms(&[CoseAlgorithm::Es256, CoseAlgorithm::Rs256])
        .build()
        .unwrap();
    assert_eq!(Registration::new(CoseAlgorithm::Es256).code(&rp), "ok");
    assert_eq!(Registration::new(CoseAlgorithm::Rs256).code(&rp), "ok");
    for alg in [
        CoseAlgorithm::EdDsa,
        CoseAlgorithm::Es384,
        CoseAlgorithm::Ps256,
    ] {
        assert_eq!(
            Registration::new(alg).code(&rp),
            "algorithm_not_allowed",
            "{alg}"
        );
    }
}

#[test]
fn convenience_members_must_agree_with_the_attestation_object() {
    let rp = rp().build().unwrap();
    let valid = Registration::new(CoseAlgorithm::Es256);
    let auth_data = valid.auth_data();
    let agreeing = valid.clone().with(|r| {
        r.response_extra = json!({"authenticatorData": b64(&auth_data), "publicKeyAlgorithm": -7});
    });
    assert_eq!(agreeing.code(&rp), "ok");
    let other_data = valid.clone().with(|r| {
        let mut data = auth_data.clone();
        data[33] ^= 1;
        r.response_extra = json!({"authenticatorData": b64(&data)});
    });
    assert_eq!(other_data.code(&rp), "response_inconsistent");
    let other_alg = valid.with(|r| r.response_extra = json!({"publicKeyAlgorithm": -8}));
    assert_eq!(other_alg.code(&rp), "response_inconsistent");
}

#[test]
fn attestation_object_rules() {
    let rp = rp().build().unwrap();
    check(
        &rp,
        vec![
            (
                "unknown format",
                change(|r| r.statement = formats::raw("android-safetynet", map(vec![]))),
                "unsupported_attestation_format",
            ),
            (
                "none with a statement",
                change(|r| {
                    r.statement = formats::raw("none", map(vec![(text("sig"), bytes([1]))]));
                }),
                "attestation_statement",
            ),
            (
                "self attestation under another alg",
                change(|r| {
                    let sig = r.key.sign(b"anything");
                    r.statement = formats::raw(
                        "packed",
                        map(vec![(text("alg"), int(-8)), (text("sig"), bytes(sig))]),
                    );
                }),
                "attestation_algorithm_mismatch",
            ),
            (
                "self attestation over other data",
                change(|r| {
                    let sig = r.key.sign(b"other data");
                    r.statement = formats::raw(
                        "packed",
                        map(vec![(text("alg"), int(-7)), (text("sig"), bytes(sig))]),
                    );
                }),
                "attestation_signature",
            ),
            (
                "packed without sig",
                change(|r| r.statement = formats::raw("packed", map(vec![(text("alg"), int(-7))]))),
                "attestation_statement",
            ),
            (
                "packed without alg",
                change(|r| {
                    r.statement = formats::raw("packed", map(vec![(text("sig"), bytes([1]))]));
                }),
                "attestation_statement",
            ),
            (
                "packed with ecdaaKeyId",
                change(|r| {
                    r.statement = formats::raw(
                        "packed",
                        map(vec![
                            (text("alg"), int(-7)),
                            (text("sig"), bytes([1])),
                            (text("ecdaaKeyId"), bytes([1])),
                        ]),
                    );
                }),
                "attestation_statement",
            ),
            (
                "packed with an empty x5c",
                change(|r| {
                    r.statement = formats::raw(
                        "packed",
                        map(vec![
                            (text("alg"), int(-7)),
                            (text("sig"), bytes([1])),
                            (text("x5c"), crate::support::cbor::C::Array(vec![])),
                        ]),
                    );
                }),
                "attestation_statement",
            ),
            (
                "packed with a garbage certificate",
                change(|r| {
                    r.statement = formats::raw(
                        "packed",
                        map(vec![
                            (text("alg"), int(-7)),
                            (text("sig"), bytes([1])),
                            (
                                text("x5c"),
                                crate::support::cbor::C::Array(vec![bytes([0x30, 0x00])]),
                            ),
                        ]),
                    );
                }),
                "certificate",
            ),
        ],
    );
}

#[test]
fn attestation_object_structure() {
    let rp = rp().build().unwrap();
    let valid = Registration::new(CoseAlgorithm::Es256);
    let auth_data = valid.auth_data();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not a map", text("none").encode(), "attestation_object"),
        (
            "no fmt",
            map(vec![
                (text("attStmt"), map(vec![])),
                (text("authData"), bytes(&auth_data)),
            ])
            .encode(),
            "attestation_object",
        ),
        (
            "fmt not text",
            map(vec![
                (text("fmt"), int(1)),
                (text("attStmt"), map(vec![])),
                (text("authData"), bytes(&auth_data)),
            ])
            .encode(),
            "attestation_object",
        ),
        (
            "an extra member",
            map(vec![
                (text("fmt"), text("none")),
                (text("attStmt"), map(vec![])),
                (text("authData"), bytes(&auth_data)),
                (text("epAtt"), crate::support::cbor::C::Bool(true)),
            ])
            .encode(),
            "attestation_object",
        ),
        (
            "fmt twice",
            map(vec![
                (text("fmt"), text("none")),
                (text("fmt"), text("none")),
                (text("attStmt"), map(vec![])),
                (text("authData"), bytes(&auth_data)),
            ])
            .encode(),
            "cbor",
        ),
        (
            "indefinite-length map",
            [
                vec![0xbf],
                text("fmt").encode(),
                text("none").encode(),
                vec![0xff],
            ]
            .concat(),
            "cbor",
        ),
        (
            "tagged",
            [vec![0xd8, 0x18], map(vec![]).encode()].concat(),
            "cbor",
        ),
        (
            "truncated auth data",
            map(vec![
                (text("fmt"), text("none")),
                (text("attStmt"), map(vec![])),
                (text("authData"), bytes(&auth_data[..36])),
            ])
            .encode(),
            "authenticator_data",
        ),
    ];
    for (name, object, expected) in cases {
        let mut json = valid.json_value();
        json["response"]["attestationObject"] = json!(b64(&object));
        let response = watchword_webauthn::parse_registration(&json.to_string()).unwrap();
        let outcome =
            rp.verify_registration(&crate::support::CHALLENGE, &response, crate::support::NOW);
        assert_eq!(
            outcome.map_err(|e| e.code()).err(),
            Some(expected),
            "{name}"
        );
    }
}

#[test]
fn a_registration_reports_what_it_verified() {
    let rp = rp().build().unwrap();
    let registration = Registration::new(CoseAlgorithm::EdDsa)
        .with(|r| r.sign_count = 7)
        .statement(formats::packed_self());
    let verified = registration.verify(&rp).unwrap();
    assert_eq!(verified.fmt, "packed");
    assert_eq!(verified.attestation_trust, AttestationTrust::SelfOrNone);
    assert_eq!(verified.aaguid, [0xaa; 16]);
    assert_eq!(verified.credential.id, registration.credential_id);
    assert_eq!(verified.credential.public_key_cose, registration.key.cose());
    assert_eq!(verified.credential.sign_count, 7);
    assert_eq!(verified.credential.user_handle, None);
    assert_eq!(verified.credential.transports, ["usb"]);
    assert_eq!(
        verified.authenticator_attachment.as_deref(),
        Some("cross-platform")
    );
    // The stored record survives serde as base64url text.
    let stored = serde_json::to_string(&verified.credential).unwrap();
    assert!(stored.contains(&format!("\"id\":\"{}\"", b64(&registration.credential_id))));
    let restored: watchword_webauthn::Credential = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored, verified.credential);
}
