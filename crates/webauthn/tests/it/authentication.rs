//! WebAuthn §7.2, one test per rule: a valid assertion from the software authenticator for a
//! registered credential, changed so that exactly one rule breaks (everything is re-signed),
//! must fail with that rule's error code.

use serde_json::json;
use watchword_webauthn::{
    CoseAlgorithm, CounterPolicy, Credential, RelyingParty, UserVerification,
};

use crate::support::{
    b64, registered, rp, sha256, Assertion, TestKey, AT, BE, BS, CHALLENGE, ED, UP, UV,
};

/// The error code of verifying `assertion` for `credential` with `allowed`, or `"ok"`.
fn code(
    rp: &RelyingParty,
    assertion: &Assertion,
    credential: &Credential,
    allowed: &[Vec<u8>],
) -> &'static str {
    match rp.verify_authentication(&CHALLENGE, &assertion.response(), credential, allowed) {
        Ok(_) => "ok",
        Err(error) => error.code(),
    }
}

type Change = Box<dyn Fn(&mut Assertion)>;

fn change(f: impl Fn(&mut Assertion) + 'static) -> Change {
    Box::new(f)
}

/// Applies each change to a valid assertion of a registered ES256 credential, allowed by id.
fn check(rp: &RelyingParty, cases: Vec<(&str, Change, &str)>) {
    let (key, credential) = registered(CoseAlgorithm::Es256);
    let allowed = [credential.id.clone()];
    let valid = Assertion::new(&key, &credential);
    assert_eq!(
        code(rp, &valid, &credential, &allowed),
        "ok",
        "the unchanged assertion verifies"
    );
    for (name, change, expected) in cases {
        let assertion = valid.clone().with(|a| change(a));
        assert_eq!(
            code(rp, &assertion, &credential, &allowed),
            expected,
            "{name}"
        );
    }
}

#[test]
fn client_data_rules() {
    let rp = rp().build().unwrap();
    check(
        &rp,
        vec![
            (
                "type create",
                change(|a| a.client_data["type"] = json!("webauthn.create")),
                "ceremony_type",
            ),
            (
                "type payment",
                change(|a| a.client_data["type"] = json!("payment.get")),
                "ceremony_type",
            ),
            (
                "other challenge",
                change(|a| a.client_data["challenge"] = json!(b64([1; 32]))),
                "challenge_mismatch",
            ),
            (
                "empty challenge",
                change(|a| a.client_data["challenge"] = json!("")),
                "challenge_mismatch",
            ),
            (
                "other origin",
                change(|a| a.client_data["origin"] = json!("https://example.com")),
                "origin_not_allowed",
            ),
            (
                "token binding present",
                change(|a| {
                    a.client_data["tokenBinding"] = json!({"status": "present", "id": "AQID"});
                }),
                "ok",
            ),
            (
                "token binding supported",
                change(|a| a.client_data["tokenBinding"] = json!({"status": "supported"})),
                "ok",
            ),
            (
                "token binding not-supported (not a Level 2 status)",
                change(|a| a.client_data["tokenBinding"] = json!({"status": "not-supported"})),
                "token_binding_status",
            ),
            (
                "token binding without a status",
                change(|a| a.client_data["tokenBinding"] = json!({})),
                "client_data",
            ),
            (
                "cross origin",
                change(|a| a.client_data["crossOrigin"] = json!(true)),
                "cross_origin_not_allowed",
            ),
            (
                "cross origin from the allowed top",
                change(|a| {
                    a.client_data["crossOrigin"] = json!(true);
                    a.client_data["topOrigin"] = json!("https://shop.example");
                }),
                "cross_origin_not_allowed",
            ),
            (
                "top origin alone",
                change(|a| a.client_data["topOrigin"] = json!("https://example.org")),
                "top_origin_without_cross_origin",
            ),
            (
                "no origin",
                change(|a| {
                    a.client_data.as_object_mut().unwrap().remove("origin");
                }),
                "client_data",
            ),
        ],
    );
}

#[test]
fn authenticator_data_rules() {
    let rp = rp().build().unwrap();
    check(
        &rp,
        vec![
            (
                "other rp",
                change(|a| a.rp_id_hash = sha256(b"example.com")),
                "rp_id_hash_mismatch",
            ),
            ("no UP", change(|a| a.flags &= !UP), "user_not_present"),
            (
                "no UV, UV required",
                change(|a| a.flags &= !UV),
                "user_not_verified",
            ),
            (
                "BS without BE",
                change(|a| a.flags |= BS),
                "backup_state_without_eligibility",
            ),
            (
                "BE now, not at registration",
                change(|a| a.flags |= BE),
                "backup_eligibility_changed",
            ),
            (
                "attested credential data",
                change(|a| {
                    a.flags |= AT;
                    a.auth_data_tail = [vec![0; 16], vec![0, 1, 9], a.key.cose()].concat();
                }),
                "unexpected_attested_credential_data",
            ),
            (
                "AT flag without data",
                change(|a| a.flags |= AT),
                "authenticator_data",
            ),
            (
                "trailing byte",
                change(|a| a.auth_data_tail = vec![0]),
                "authenticator_data",
            ),
            (
                "extensions",
                change(|a| {
                    a.flags |= ED;
                    a.auth_data_tail = vec![0xa1, 0x61, b'x', 0x01];
                }),
                "ok",
            ),
            (
                "ED with an array",
                change(|a| {
                    a.flags |= ED;
                    a.auth_data_tail = vec![0x80];
                }),
                "authenticator_data",
            ),
        ],
    );
}

#[test]
fn signature_rules() {
    let rp = rp().build().unwrap();
    check(
        &rp,
        vec![
            (
                "another key",
                change(|a| a.signer = Some(TestKey::es256())),
                "bad_signature",
            ),
            (
                "empty signature",
                change(|a| a.signature = Some(Vec::new())),
                "bad_signature",
            ),
            (
                "signature of the registration",
                change(|a| a.signature = Some(a.key.sign(b"something else"))),
                "bad_signature",
            ),
            (
                "signature over other client data",
                change(|a| {
                    let other = json!({"type": "webauthn.get", "challenge": b64([2; 32]), "origin": "https://example.org"}).to_string();
                    let signed = [a.auth_data().as_slice(), &sha256(other.as_bytes())].concat();
                    a.signature = Some(a.key.sign(&signed));
                }),
                "bad_signature",
            ),
        ],
    );
}

#[test]
fn uv_is_reported_when_not_required() {
    let rp = rp()
        .user_verification(UserVerification::Preferred)
        .build()
        .unwrap();
    let (key, credential) = registered(CoseAlgorithm::Es256);
    let assertion = Assertion::new(&key, &credential).with(|a| a.flags = UP);
    let verified = rp
        .verify_authentication(&CHALLENGE, &assertion.response(), &credential, &[])
        .unwrap();
    assert!(!verified.uv);
}

#[test]
fn backup_eligibility_is_fixed_and_backup_state_may_change() {
    let rp = rp().build().unwrap();
    let (key, mut credential) = registered(CoseAlgorithm::Es256);
    credential.backup_eligible = true;
    let allowed = [credential.id.clone()];
    let backed_up = Assertion::new(&key, &credential).with(|a| a.flags |= BS);
    let verified = rp
        .verify_authentication(&CHALLENGE, &backed_up.response(), &credential, &allowed)
        .unwrap();
    assert!(verified.be && verified.bs);
    credential.update(&verified);
    assert!(credential.backup_state);
    let not_eligible = Assertion::new(&key, &credential).with(|a| a.flags &= !(BE | BS));
    assert_eq!(
        code(&rp, &not_eligible, &credential, &allowed),
        "backup_eligibility_changed"
    );
}

#[test]
fn allow_credentials_and_the_stored_credential() {
    let rp = rp().build().unwrap();
    let (key, credential) = registered(CoseAlgorithm::Es256);
    let assertion = Assertion::new(&key, &credential);
    assert_eq!(
        code(&rp, &assertion, &credential, &[vec![1, 2, 3]]),
        "credential_not_allowed"
    );
    assert_eq!(
        code(
            &rp,
            &assertion,
            &credential,
            &[vec![1], credential.id.clone()]
        ),
        "ok"
    );
    // The response names another credential than the one looked up.
    let (other_key, other) = registered(CoseAlgorithm::Es256);
    let other = Credential {
        id: vec![42; 16],
        ..other
    };
    let for_other = Assertion::new(&other_key, &other);
    assert_eq!(
        code(&rp, &for_other, &credential, &[]),
        "credential_mismatch"
    );
    assert_eq!(
        code(
            &rp,
            &for_other,
            &credential,
            std::slice::from_ref(&other.id)
        ),
        "credential_mismatch"
    );
}

#[test]
fn user_handle_rules() {
    let rp = rp().build().unwrap();
    let (key, credential) = registered(CoseAlgorithm::Es256);
    let allowed = [credential.id.clone()];
    let without = Assertion::new(&key, &credential).with(|a| a.user_handle = None);
    // Identified up front: the user handle may be absent.
    assert_eq!(code(&rp, &without, &credential, &allowed), "ok");
    // Discoverable: it must be present, and be the credential's user.
    assert_eq!(code(&rp, &without, &credential, &[]), "missing_user_handle");
    let with = Assertion::new(&key, &credential);
    assert_eq!(code(&rp, &with, &credential, &[]), "ok");
    let someone_else = with
        .clone()
        .with(|a| a.user_handle = Some(b"user-2".to_vec()));
    assert_eq!(
        code(&rp, &someone_else, &credential, &[]),
        "user_handle_mismatch"
    );
    assert_eq!(
        code(&rp, &someone_else, &credential, &allowed),
        "user_handle_mismatch"
    );
    let unset = Credential {
        user_handle: None,
        ..credential.clone()
    };
    assert_eq!(code(&rp, &with, &unset, &allowed), "user_handle_mismatch");
}

#[test]
fn stored_credential_must_be_usable() {
    let rp = rp().build().unwrap();
    let (key, credential) = registered(CoseAlgorithm::Es256);
    let assertion = Assertion::new(&key, &credential);
    let wrong_alg = Credential {
        alg: -8,
        ..credential.clone()
    };
    assert_eq!(code(&rp, &assertion, &wrong_alg, &[]), "invalid_credential");
    let broken_key = Credential {
        public_key_cose: vec![0xa0],
        ..credential
    };
    assert_eq!(code(&rp, &assertion, &broken_key, &[]), "cose_key");
}

#[test]
fn a_stored_key_off_its_curve_is_named_as_such() {
    // At sign-in ring checks the point before verifying (this crate's own check runs at
    // registration); a refusal is then told apart from a wrong signature.
    use crate::support::cbor::{bytes, int};
    let rp = rp().build().unwrap();
    for alg in [
        CoseAlgorithm::Es256,
        CoseAlgorithm::Es384,
        CoseAlgorithm::Es512,
    ] {
        let (key, credential) = registered(alg);
        let assertion = Assertion::new(&key, &credential);
        let mut cose = key.cose_map();
        cose.set(int(-3), bytes(vec![1; coordinate_len(alg)]));
        let off_curve = Credential {
            public_key_cose: cose.encode(),
            ..credential.clone()
        };
        assert_eq!(
            code(&rp, &assertion, &off_curve, &[]),
            "point_not_on_curve",
            "{alg}"
        );
        // The same key on its curve with a wrong signature is a bad signature.
        let wrong = assertion.with(|a| a.signer = Some(TestKey::generate(alg)));
        assert_eq!(
            code(&rp, &wrong, &credential, &[]),
            "bad_signature",
            "{alg}"
        );
    }
}

fn coordinate_len(alg: CoseAlgorithm) -> usize {
    match alg {
        CoseAlgorithm::Es256 => 32,
        CoseAlgorithm::Es384 => 48,
        _ => 66,
    }
}

#[test]
fn signature_counter_rules() {
    let (key, mut credential) = registered(CoseAlgorithm::Es256);
    credential.sign_count = 10;
    let reject = rp().build().unwrap();
    let report = rp().counter_policy(CounterPolicy::Report).build().unwrap();
    let at = |count: u32| Assertion::new(&key, &credential).with(|a| a.sign_count = count);
    assert_eq!(code(&reject, &at(11), &credential, &[]), "ok");
    assert_eq!(
        code(&reject, &at(10), &credential, &[]),
        "sign_count_regression"
    );
    assert_eq!(
        code(&reject, &at(3), &credential, &[]),
        "sign_count_regression"
    );
    assert_eq!(
        code(&reject, &at(0), &credential, &[]),
        "sign_count_regression"
    );
    // Report lets it through with a warning; the stored counter never goes down.
    let verified = report
        .verify_authentication(&CHALLENGE, &at(3).response(), &credential, &[])
        .unwrap();
    assert!(verified.counter_warning);
    assert_eq!(verified.sign_count, 3);
    let mut updated = credential.clone();
    updated.update(&verified);
    assert_eq!(updated.sign_count, 10);
    let verified = report
        .verify_authentication(&CHALLENGE, &at(12).response(), &credential, &[])
        .unwrap();
    assert!(!verified.counter_warning);

    // Authenticators without a counter send zero every time: zero after zero is fine.
    credential.sign_count = 0;
    let zero = Assertion::new(&key, &credential).with(|a| a.sign_count = 0);
    let verified = reject
        .verify_authentication(&CHALLENGE, &zero.response(), &credential, &[])
        .unwrap();
    assert!(!verified.counter_warning);
}

#[test]
fn appid_extension() {
    const APP_ID: &str = "https://example.org/app-id.json";
    let with_app_id = rp().app_id(APP_ID).build().unwrap();
    let without_app_id = rp().build().unwrap();
    let (key, credential) = registered(CoseAlgorithm::Es256);
    let u2f = Assertion::new(&key, &credential).with(|a| {
        a.rp_id_hash = sha256(APP_ID.as_bytes());
        a.client_extension_results = json!({"appid": true});
    });
    assert_eq!(code(&with_app_id, &u2f, &credential, &[]), "ok");
    assert_eq!(
        code(&without_app_id, &u2f, &credential, &[]),
        "rp_id_hash_mismatch"
    );
    // The output must say the AppID was used; the RP ID hash is then not accepted.
    let not_used = u2f
        .clone()
        .with(|a| a.client_extension_results = json!({"appid": false}));
    assert_eq!(
        code(&with_app_id, &not_used, &credential, &[]),
        "rp_id_hash_mismatch"
    );
    let rp_id_hash = u2f.clone().with(|a| a.rp_id_hash = sha256(b"example.org"));
    assert_eq!(
        code(&with_app_id, &rp_id_hash, &credential, &[]),
        "rp_id_hash_mismatch"
    );
    let plain = Assertion::new(&key, &credential);
    assert_eq!(code(&with_app_id, &plain, &credential, &[]), "ok");
}
