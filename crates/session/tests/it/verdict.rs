//! The JSON verdicts behind `watchword verify session`.

use serde_json::json;
use watchword_session::verdict::{is_url, reason_code, verify_session_with_jwks};
use watchword_session::{
    DidOc, Ed25519SigningKey, Error, SessionGrant, SessionIssuer, SessionRules, UnixTime,
};

use crate::support::T0;

fn issued() -> (String, String) {
    let mut issuer = SessionIssuer::new("https://auth.example.com", 600);
    issuer
        .add_key("k1", Ed25519SigningKey::from_seed(&[1; 32]))
        .expect("fresh kid");
    let grant = SessionGrant::new("acct-1", DidOc::from_bytes([2; 16]));
    let token = issuer.issue(&grant, [3; 16], T0).expect("issues").token;
    (issuer.public_jwks().to_json(), token)
}

#[test]
fn a_valid_token_gives_its_claims() {
    let (jwks, token) = issued();
    let verdict = verify_session_with_jwks(&jwks, &format!(" {token}\n"), SessionRules::new(0), T0)
        .expect("usable set");
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["claims"]["sub"], "acct-1");
    assert_eq!(
        verdict["claims"]["did_oc"],
        DidOc::from_bytes([2; 16]).to_string()
    );
    assert_eq!(verdict["claims"]["exp"], T0.0 + 600);
}

#[test]
fn an_invalid_token_gives_a_reason() {
    let (jwks, token) = issued();
    let verdict = |token: &str, rules: SessionRules, now: UnixTime| {
        verify_session_with_jwks(&jwks, token, rules, now).expect("usable set")
    };
    let expired = verdict(&token, SessionRules::new(0), T0.plus(600));
    assert_eq!(expired["valid"], false);
    assert_eq!(expired["reason"], "expired");
    assert!(expired["message"]
        .as_str()
        .is_some_and(|m| m.contains("expired")));
    let wrong_issuer = verdict(
        &token,
        SessionRules::new(0).issuer("https://evil.example"),
        T0,
    );
    assert_eq!(wrong_issuer["reason"], "issuer_mismatch");
    let signature_start = token.rfind('.').expect("three segments") + 1;
    let mut tampered = token.clone();
    let flipped = if &token[signature_start + 10..=signature_start + 10] == "A" {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(signature_start + 10..=signature_start + 10, flipped);
    assert_eq!(
        verdict(&tampered, SessionRules::new(0), T0)["reason"],
        "bad_signature"
    );
    assert_eq!(
        verdict("not.a.jwt", SessionRules::new(0), T0)["reason"],
        "malformed"
    );
    assert_eq!(
        verdict("eyJhbGciOiJub25lIn0.e30.", SessionRules::new(0), T0)["reason"],
        "alg_not_allowed"
    );
}

#[test]
fn an_unusable_key_set_is_a_usage_error() {
    let (_, token) = issued();
    assert!(verify_session_with_jwks("{}", &token, SessionRules::new(0), T0).is_err());
    assert_eq!(
        verify_session_with_jwks(r#"{"keys":[]}"#, &token, SessionRules::new(0), T0),
        Err(Error::NoUsableKey)
    );
}

#[test]
fn reason_codes() {
    use watchword_token::Error as Token;
    for (error, code) in [
        (Error::NeedsRefetch { kid: "k".into() }, "unknown_kid"),
        (
            Error::Token(Token::UnknownKid { kid: "k".into() }),
            "unknown_kid",
        ),
        (Error::Token(Token::Crit), "header_not_allowed"),
        (Error::Token(Token::MissingJti), "bad_claims"),
        (
            Error::SessionClaims {
                reason: "sub is missing".into(),
            },
            "bad_claims",
        ),
        (Error::NoKeySet, "no_keys"),
        (Error::RosterFull { max: 5 }, "invalid"),
    ] {
        assert_eq!(reason_code(&error), code, "{error}");
    }
    assert!(is_url("https://auth.example.com/.well-known/jwks.json"));
    assert!(is_url("http://localhost:8083/api/auth/jwks"));
    assert!(!is_url("./jwks.json"));
    assert_eq!(json!(reason_code(&Error::NoUsableKey)), "no_keys");
}
