//! Claims through the public API: typed extra claims, audiences, issuer, `jti`.

use serde::{Deserialize, Serialize};
use watchword_token::{Claims, Error, SigningKey, UnixTime, Validation, VerifyingKey};

use crate::support::{hs256, NOW};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Session {
    account: u32,
    roles: Vec<String>,
}

#[test]
fn typed_extra_claims_round_trip() {
    let session = Session {
        account: 42,
        roles: vec!["admin".into()],
    };
    let mut claims = Claims::with_extra(NOW.plus(60), session.clone());
    claims.iss = Some("https://issuer.example".into());
    claims.aud = vec!["a".into(), "b".into()];
    claims.jti = Some("j-1".into());
    claims.nbf = Some(NOW);
    let token = SigningKey::from(hs256()).sign(&claims).expect("signs");
    let validation = Validation::new()
        .issuer("https://issuer.example")
        .audience("b")
        .require_jti();
    let verified: Claims<Session> = VerifyingKey::from(hs256())
        .verify(&token, &validation, NOW)
        .expect("verifies");
    assert_eq!(verified, claims);

    // Extra claims that do not fit the caller's type are an error of their own.
    let plain = SigningKey::from(hs256())
        .sign(&Claims::new(NOW.plus(60)))
        .expect("signs");
    let verdict = VerifyingKey::from(hs256()).verify::<Session>(&plain, &Validation::new(), NOW);
    assert!(
        matches!(verdict, Err(Error::ExtraClaims { .. })),
        "{verdict:?}"
    );
}

#[test]
fn extra_claims_must_be_an_object_without_registered_names() {
    let key = SigningKey::from(hs256());
    assert!(matches!(
        key.sign(&Claims::with_extra(NOW, 5)),
        Err(Error::BadExtraClaims { .. })
    ));
    assert!(key.sign(&Claims::with_extra(NOW.plus(1), ())).is_ok());
    let mut clash = Claims::new(NOW.plus(1));
    clash.extra.insert("iss".into(), "x".into());
    assert!(matches!(
        key.sign(&clash),
        Err(Error::BadExtraClaims { .. })
    ));
}

#[test]
fn jti_can_be_required() {
    let token = SigningKey::from(hs256())
        .sign(&Claims::new(NOW.plus(60)))
        .expect("signs");
    let verdict = VerifyingKey::from(hs256()).verify::<serde_json::Value>(
        &token,
        &Validation::new().require_jti(),
        NOW,
    );
    assert_eq!(verdict, Err(Error::MissingJti));
}

#[test]
fn audience_rules() {
    let key = SigningKey::from(hs256());
    let check = |aud: Vec<String>, validation: Validation| {
        let mut claims = Claims::new(NOW.plus(60));
        claims.aud = aud;
        let token = key.sign(&claims).expect("signs");
        key.verify::<serde_json::Value>(&token, &validation, NOW)
            .map(|_| ())
    };
    assert_eq!(check(vec![], Validation::new()), Ok(()));
    assert_eq!(
        check(vec!["x".into()], Validation::new().audience("x")),
        Ok(())
    );
    assert_eq!(
        check(
            vec!["w".into(), "x".into()],
            Validation::new().audience("x")
        ),
        Ok(())
    );
    assert_eq!(
        check(vec![], Validation::new().audience("x")),
        Err(Error::AudienceMismatch {
            expected: "x".into(),
            found: vec![]
        })
    );
}

#[test]
fn leeway_is_explicit() {
    assert_eq!(Validation::new().leeway_seconds(), 0);
    assert_eq!(Validation::new().leeway(30).leeway_seconds(), 30);
    assert_eq!(UnixTime(u64::MAX).plus(1), UnixTime(u64::MAX));
}
