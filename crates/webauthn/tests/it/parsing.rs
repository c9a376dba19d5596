//! The response documents: the `toJSON()` shape, base64url (unpadded or fully padded, nothing
//! else), `id` against `rawId`, size limits; and authenticator data parsing on its own.

use serde_json::json;
use watchword_webauthn::{
    parse_authentication, parse_registration, AuthenticatorData, CoseAlgorithm, MAX_RESPONSE_LEN,
};

use crate::support::{b64, registered, sha256, Assertion, Registration, AT, ED, UP};

/// The text with `=` padding to a multiple of four characters, as some clients send it.
fn padded(text: &str) -> String {
    format!("{text}{}", "=".repeat((4 - text.len() % 4) % 4))
}

fn registration_code(json: &serde_json::Value) -> &'static str {
    match parse_registration(&json.to_string()) {
        Ok(_) => "ok",
        Err(error) => error.code(),
    }
}

fn authentication_code(json: &serde_json::Value) -> &'static str {
    match parse_authentication(&json.to_string()) {
        Ok(_) => "ok",
        Err(error) => error.code(),
    }
}

#[test]
#[allow(clippy::too_many_lines)] // one table of cases
fn registration_documents() {
    let valid = Registration::new(CoseAlgorithm::Es256).json_value();
    assert_eq!(registration_code(&valid), "ok");
    let id = valid["id"].as_str().unwrap().to_owned();
    let with = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut json = valid.clone();
        change(&mut json);
        json
    };
    for (name, json, expected) in [
        (
            "id of another credential",
            with(&|j| j["id"] = json!(b64([1; 32]))),
            "id_mismatch",
        ),
        (
            "padded id and rawId",
            with(&|j| {
                j["id"] = json!(padded(&id));
                j["rawId"] = json!(padded(&id));
            }),
            "ok",
        ),
        (
            "padded rawId, unpadded id",
            with(&|j| j["rawId"] = json!(padded(&id))),
            "ok",
        ),
        (
            "padded id with another credential's bytes",
            with(&|j| j["id"] = json!(padded(&b64([1; 32])))),
            "id_mismatch",
        ),
        (
            "rawId with too much padding",
            with(&|j| j["rawId"] = json!(format!("{}====", padded(&id)))),
            "base64",
        ),
        (
            "rawId with partial padding",
            with(&|j| j["rawId"] = json!(format!("{}==", id))),
            "base64",
        ),
        (
            "standard alphabet",
            with(&|j| {
                j["rawId"] = json!(b64([0xfb; 32]).replace('-', "+").replace('_', "/"));
            }),
            "base64",
        ),
        (
            "type password",
            with(&|j| j["type"] = json!("password")),
            "credential_type",
        ),
        (
            "no response",
            with(&|j| {
                j.as_object_mut().unwrap().remove("response");
            }),
            "json",
        ),
        (
            "no attestationObject",
            with(&|j| {
                j["response"]
                    .as_object_mut()
                    .unwrap()
                    .remove("attestationObject");
            }),
            "json",
        ),
        (
            "every member padded",
            with(&|j| {
                for member in ["clientDataJSON", "attestationObject"] {
                    let text = padded(j["response"][member].as_str().unwrap());
                    j["response"][member] = json!(text);
                }
            }),
            "ok",
        ),
        (
            "clientDataJSON with padding inside",
            with(&|j| {
                let text = j["response"]["clientDataJSON"].as_str().unwrap();
                j["response"]["clientDataJSON"] = json!(format!("{}={}", &text[..4], &text[4..]));
            }),
            "base64",
        ),
        (
            "attestationObject with whitespace",
            with(&|j| {
                j["response"]["attestationObject"] = json!(format!(
                    " {}",
                    j["response"]["attestationObject"].as_str().unwrap()
                ));
            }),
            "base64",
        ),
        (
            "appid as text",
            with(&|j| j["clientExtensionResults"] = json!({"appid": "true"})),
            "json",
        ),
        (
            "no clientExtensionResults",
            with(&|j| {
                j.as_object_mut().unwrap().remove("clientExtensionResults");
            }),
            "ok",
        ),
        (
            "unknown members",
            with(&|j| {
                j["future"] = json!(1);
                j["response"]["future"] = json!(2);
            }),
            "ok",
        ),
        ("not an object", json!([1, 2]), "json"),
    ] {
        assert_eq!(registration_code(&json), expected, "{name}");
    }
    // A repeated member, which serde_json's Value would have merged.
    let text = valid.to_string();
    let repeated = text.replacen(
        "\"type\":\"public-key\"",
        "\"type\":\"public-key\",\"type\":\"public-key\"",
        1,
    );
    assert_ne!(repeated, text);
    assert_eq!(
        parse_registration(&repeated).map_err(|e| e.code()).err(),
        Some("json")
    );
    let too_large = format!("{}{}", " ".repeat(MAX_RESPONSE_LEN), text);
    assert_eq!(
        parse_registration(&too_large).map_err(|e| e.code()).err(),
        Some("response_too_large")
    );
}

#[test]
fn authentication_documents() {
    let (key, credential) = registered(CoseAlgorithm::Es256);
    let valid: serde_json::Value =
        serde_json::from_str(&Assertion::new(&key, &credential).json()).unwrap();
    let with = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut json = valid.clone();
        change(&mut json);
        json
    };
    for (name, json, expected) in [
        ("valid", valid.clone(), "ok"),
        (
            "userHandle null",
            with(&|j| j["response"]["userHandle"] = json!(null)),
            "ok",
        ),
        (
            "no userHandle",
            with(&|j| {
                j["response"].as_object_mut().unwrap().remove("userHandle");
            }),
            "ok",
        ),
        (
            "userHandle padded",
            with(&|j| j["response"]["userHandle"] = json!("dXNlcg==")),
            "ok",
        ),
        (
            "userHandle with partial padding",
            with(&|j| j["response"]["userHandle"] = json!("dXNlcg=")),
            "base64",
        ),
        (
            "every member padded",
            with(&|j| {
                for member in ["clientDataJSON", "authenticatorData", "signature"] {
                    let text = padded(j["response"][member].as_str().unwrap());
                    j["response"][member] = json!(text);
                }
                j["id"] = json!(padded(j["id"].as_str().unwrap()));
                j["rawId"] = json!(padded(j["rawId"].as_str().unwrap()));
            }),
            "ok",
        ),
        (
            "no signature",
            with(&|j| {
                j["response"].as_object_mut().unwrap().remove("signature");
            }),
            "json",
        ),
        (
            "signature as bytes",
            with(&|j| j["response"]["signature"] = json!([1, 2])),
            "json",
        ),
        (
            "id mismatch",
            with(&|j| j["id"] = json!("AAAA")),
            "id_mismatch",
        ),
    ] {
        assert_eq!(authentication_code(&json), expected, "{name}");
    }
    let parsed = parse_authentication(
        &with(&|j| j["clientExtensionResults"] = json!({"appid": true})).to_string(),
    )
    .unwrap();
    assert!(parsed.client_extension_results().appid);
    assert_eq!(parsed.raw_id(), credential.id.as_slice());
    assert_eq!(parsed.user_handle(), Some(&b"user-1"[..]));
    assert_eq!(parsed.authenticator_attachment(), Some("cross-platform"));
}

#[test]
fn authenticator_data_round_trips() {
    let registration = Registration::new(CoseAlgorithm::Es384).with(|r| {
        r.flags |= ED;
        r.extensions = Some(vec![0xa1, 0x61, b'x', 0xf5]);
        r.sign_count = 0x0102_0304;
    });
    let bytes = registration.auth_data();
    let parsed = AuthenticatorData::parse(&bytes).unwrap();
    assert_eq!(parsed.rp_id_hash, sha256(b"example.org"));
    assert_eq!(parsed.sign_count, 0x0102_0304);
    assert!(parsed.flags.attested_credential_data() && parsed.flags.extension_data());
    let attested = parsed.attested_credential.as_ref().unwrap();
    assert_eq!(attested.credential_id, registration.credential_id);
    assert_eq!(attested.public_key_cose, registration.key.cose());
    assert_eq!(
        parsed.extensions.as_deref(),
        Some(&[0xa1, 0x61, b'x', 0xf5][..])
    );
    assert_eq!(parsed.to_bytes(), bytes);
}

#[test]
fn authenticator_data_that_does_not_add_up() {
    let mut minimal = sha256(b"example.org").to_vec();
    minimal.extend_from_slice(&[UP, 0, 0, 0, 1]);
    assert!(AuthenticatorData::parse(&minimal).is_ok());
    let with_flags = |flags: u8, tail: &[u8]| {
        let mut data = minimal.clone();
        data[32] = flags;
        data.extend_from_slice(tail);
        AuthenticatorData::parse(&data).map_err(|e| e.code())
    };
    assert_eq!(
        AuthenticatorData::parse(&minimal[..36])
            .map_err(|e| e.code())
            .err(),
        Some("authenticator_data")
    );
    assert_eq!(
        with_flags(UP | AT, &[0; 17]).err(),
        Some("authenticator_data")
    );
    assert_eq!(
        with_flags(UP | AT, &[[0u8; 16].as_slice(), &[0, 5, 1, 2]].concat()).err(),
        Some("authenticator_data")
    );
    assert_eq!(
        with_flags(UP | AT, &[[0u8; 16].as_slice(), &[0, 1, 1]].concat()).err(),
        Some("cbor")
    );
    assert_eq!(with_flags(UP | ED, &[]).err(), Some("cbor"));
    assert_eq!(
        with_flags(UP | ED, &[0x01]).err(),
        Some("authenticator_data")
    );
    assert_eq!(with_flags(UP, &[0xa0]).err(), Some("authenticator_data"));
    assert!(with_flags(UP | ED, &[0xa0]).is_ok());
}
