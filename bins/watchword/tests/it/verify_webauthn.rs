//! `watchword verify webauthn` on the W3C WebAuthn Level 3 test vectors (read from
//! `../shared/vectors`): registration, then authentication with the credential it printed,
//! the attestation trust with and without a trust root, and tampered inputs.

use crate::{stdout_json, watchword};

mod peers;

fn cases() -> Option<serde_json::Value> {
    watchword_testkit::load_vectors("webauthn/w3c_l3_spec_vectors.json")
}

fn case<'a>(all: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    all["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

fn write(dir: &tempfile::TempDir, name: &str, value: &serde_json::Value) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, value.to_string()).expect("write");
    path.to_str().expect("utf-8").to_owned()
}

fn register(
    case: &serde_json::Value,
    dir: &tempfile::TempDir,
    extra: &[&str],
) -> std::process::Output {
    let response = write(dir, "registration.json", &case["registration"]["response"]);
    let mut args = vec![
        "verify",
        "webauthn",
        "--ceremony",
        "registration",
        "--rp-id",
        case["rp_id"].as_str().expect("rp id"),
        "--origin",
        case["expected_origin"].as_str().expect("origin"),
        "--challenge",
        case["registration"]["expected_challenge_b64url"]
            .as_str()
            .expect("challenge"),
        "--response",
        &response,
        "--at",
        "2026-06-01T00:00:00Z",
    ];
    args.extend_from_slice(extra);
    watchword(&args, None)
}

#[test]
fn a_registration_then_its_authentication_verify() {
    let Some(all) = cases() else { return };
    let case = case(&all, "w3c-none-es256");
    let dir = tempfile::tempdir().expect("tmp");
    let out = register(case, &dir, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json = stdout_json(&out);
    assert_eq!(json["valid"], true);
    assert_eq!(json["fmt"], "none");
    assert_eq!(json["alg"], -7);
    assert_eq!(json["attestation_trust"], "self_or_none");
    let expected = &case["registration"]["expected"];
    assert_eq!(
        json["credential"]["credential_id"],
        expected["credential_id_b64url"]
    );
    assert_eq!(
        json["credential"]["public_key_cose"],
        expected["credential_public_key_cose_b64url"]
    );

    // The printed credential is the --credential of the sign-in.
    let credential = write(&dir, "credential.json", &json["credential"]);
    let response = write(
        &dir,
        "authentication.json",
        &case["authentication"]["response"],
    );
    let challenge = case["authentication"]["expected_challenge_b64url"]
        .as_str()
        .expect("challenge")
        .to_owned();
    let credential_id = expected["credential_id_b64url"].as_str().expect("id");
    // The vector's assertion has no userHandle: the options listed the credential.
    let authenticate = |challenge: &str, extra: &[&str]| {
        let mut args = vec![
            "verify",
            "webauthn",
            "--ceremony",
            "authentication",
            "--rp-id",
            "example.org",
            "--origin",
            "https://example.org",
            "--challenge",
            challenge,
            "--response",
            &response,
            "--credential",
            &credential,
            "--allow-credential",
            credential_id,
        ];
        args.extend_from_slice(extra);
        watchword(&args, None)
    };
    let out = authenticate(&challenge, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json = stdout_json(&out);
    // Flags 0x19: UP, BE and BS, no UV.
    assert_eq!(json["valid"], true);
    assert_eq!(
        (json["uv"].clone(), json["be"].clone(), json["bs"].clone()),
        (false.into(), true.into(), true.into())
    );

    // Another challenge, another origin, UV refused by policy... each is invalid, exit 1.
    let other_challenge = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for (what, args, reason) in [
        ("challenge", vec![], "challenge_mismatch"),
        (
            "UV required",
            vec!["--user-verification", "required"],
            "user_not_verified",
        ),
        (
            "another allowed credential",
            vec!["--allow-credential", "AAAA"],
            "",
        ),
        ("algorithm not offered", vec!["--alg", "-8"], ""),
    ] {
        let chosen = if what == "challenge" {
            other_challenge
        } else {
            challenge.as_str()
        };
        let out = authenticate(chosen, &args);
        if reason.is_empty() {
            // --alg constrains registrations only; a sign-in with a stored key still verifies.
            assert_eq!(out.status.code(), Some(0), "{what}");
            continue;
        }
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(stdout_json(&out)["reason"], reason, "{what}");
    }
    let out = watchword(
        &[
            "verify",
            "webauthn",
            "--ceremony",
            "authentication",
            "--rp-id",
            "example.org",
            "--origin",
            "https://example.com",
            "--challenge",
            &challenge,
            "--response",
            &response,
            "--credential",
            &credential,
            "--allow-credential",
            credential_id,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["reason"], "origin_not_allowed");
}

#[test]
fn attestation_chains_are_trusted_only_against_given_roots() {
    let Some(all) = cases() else { return };
    let case = case(&all, "w3c-packed-es256");
    let dir = tempfile::tempdir().expect("tmp");
    let out = register(case, &dir, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(stdout_json(&out)["attestation_trust"], "unverified");
    let root = all["attestation_trust_root_der_b64url"]
        .as_str()
        .expect("root");
    let out = register(case, &dir, &["--trust-root", root]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(stdout_json(&out)["attestation_trust"], "trusted");
    assert_eq!(stdout_json(&out)["fmt"], "packed");
    // --alg without the credential's algorithm refuses the registration.
    let out = register(case, &dir, &["--alg", "-8"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let response = dir.path().join("r.json");
    std::fs::write(&response, "{}").expect("write");
    let response = response.to_str().expect("utf-8");
    for args in [
        vec!["--challenge", "not base64!", "--response", response],
        vec!["--challenge", "AAAA", "--response", "/nonexistent/file"],
        vec![
            "--challenge",
            "AAAA",
            "--response",
            response,
            "--alg",
            "-999",
        ],
        vec![
            "--challenge",
            "AAAA",
            "--response",
            response,
            "--at",
            "yesterday",
        ],
    ] {
        let mut all = vec![
            "verify",
            "webauthn",
            "--ceremony",
            "registration",
            "--rp-id",
            "example.org",
            "--origin",
            "https://example.org",
        ];
        all.extend(args.iter().copied());
        let out = watchword(&all, None);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A malformed response is not a usage error: it is an invalid response.
    let out = watchword(
        &[
            "verify",
            "webauthn",
            "--ceremony",
            "registration",
            "--rp-id",
            "example.org",
            "--origin",
            "https://example.org",
            "--challenge",
            "AAAA",
            "--response",
            response,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["valid"], false);
}

#[test]
fn a_sign_in_without_a_user_handle_needs_the_allowed_credentials() {
    let Some(all) = cases() else { return };
    let case = case(&all, "w3c-none-es256");
    let dir = tempfile::tempdir().expect("tmp");
    let credential = write(
        &dir,
        "credential.json",
        &serde_json::json!({
            "credential_id": case["registration"]["expected"]["credential_id_b64url"],
            "public_key_cose": case["authentication"]["credential_public_key_cose_b64url"],
            "sign_count": 0,
        }),
    );
    let response = write(
        &dir,
        "authentication.json",
        &case["authentication"]["response"],
    );
    let out = watchword(
        &[
            "verify",
            "webauthn",
            "--ceremony",
            "authentication",
            "--rp-id",
            "example.org",
            "--origin",
            "https://example.org",
            "--challenge",
            case["authentication"]["expected_challenge_b64url"]
                .as_str()
                .expect("challenge"),
            "--response",
            &response,
            "--credential",
            &credential,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["reason"], "missing_user_handle");
}
