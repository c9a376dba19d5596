//! Session tokens: issuing, verifying from the published JWK Set, rotation, and each claim
//! rule a consumer enforces.

use serde_json::{json, Value};
use watchword_session::{
    DidOc, Ed25519SigningKey, Error, Jwk, Jwks, SessionGrant, SessionIssuer, SessionRules,
    SessionVerifier, SigningMethod, UnixTime, MAX_CLAIM_LEN,
};
use watchword_token::{Claims, HmacKey, KeyRing};

use crate::support::{ADDRESS, T0};

const ISSUER: &str = "https://auth.example.com";
const OLD_SEED: [u8; 32] = [1; 32];
const NEW_SEED: [u8; 32] = [2; 32];

fn did() -> DidOc {
    DidOc::from_bytes([0x5a; 16])
}

fn issuer() -> SessionIssuer {
    let mut issuer = SessionIssuer::new(ISSUER, 3600);
    issuer
        .add_key("k1", Ed25519SigningKey::from_seed(&OLD_SEED))
        .expect("fresh kid");
    issuer
}

fn grant() -> SessionGrant {
    let mut grant = SessionGrant::new("acct-1", did());
    grant.name = Some("Ada".into());
    grant.address = Some(ADDRESS.into());
    grant.signing_method = Some(SigningMethod::Bip322Simple);
    grant.step_up_at = Some(T0);
    grant
}

fn rules() -> SessionRules {
    SessionRules::new(30).issuer(ISSUER)
}

fn consumer(issuer: &SessionIssuer) -> SessionVerifier {
    SessionVerifier::from_jwks_json(&issuer.public_jwks().to_json(), rules()).expect("usable set")
}

/// Signs arbitrary claims with the issuer's key `k1`, for claims the issuer would never write.
fn forge(claims: &Value) -> String {
    let mut ring = KeyRing::new();
    ring.add_signing_key("k1", Ed25519SigningKey::from_seed(&OLD_SEED))
        .expect("fresh kid");
    let mut extra = claims.as_object().expect("object").clone();
    let exp = extra
        .remove("exp")
        .and_then(|v| v.as_u64())
        .unwrap_or(T0.0 + 600);
    let mut jwt = Claims::with_extra(UnixTime(exp), serde_json::Map::new());
    for (name, value) in extra {
        match name.as_str() {
            "iat" => jwt.iat = value.as_u64().map(UnixTime),
            "sub" => jwt.sub = value.as_str().map(str::to_owned),
            "jti" => jwt.jti = value.as_str().map(str::to_owned),
            "iss" => jwt.iss = value.as_str().map(str::to_owned),
            _ => {
                jwt.extra.insert(name, value);
            }
        }
    }
    ring.sign(&jwt).expect("signs")
}

fn full_claims() -> Value {
    json!({
        "iss": ISSUER, "sub": "acct-1", "iat": T0.0, "exp": T0.0 + 600,
        "jti": "00112233445566778899aabbccddeeff", "did_oc": did().to_string(),
    })
}

fn without(name: &str) -> Value {
    let mut claims = full_claims();
    claims.as_object_mut().expect("object").remove(name);
    claims
}

#[test]
fn issues_and_verifies() {
    let host = issuer();
    let issued = host.issue(&grant(), [0xab; 16], T0).expect("issues");
    let session = consumer(&host)
        .verify(&issued.token, T0.plus(5))
        .expect("verifies");
    assert_eq!(session, issued.session);
    assert_eq!(session.sub, "acct-1");
    assert_eq!(session.did_oc, did());
    assert_eq!(session.jti, "ab".repeat(16));
    assert_eq!((session.iat, session.exp), (T0, T0.plus(3600)));
    assert_eq!(session.iss.as_deref(), Some(ISSUER));
    assert_eq!(session.name.as_deref(), Some("Ada"));
    assert_eq!(session.address.as_deref(), Some(ADDRESS));
    assert_eq!(session.signing_method, Some(SigningMethod::Bip322Simple));
    assert_eq!(session.step_up_at, Some(T0));
    let json = serde_json::to_value(&session).expect("serializes");
    assert_eq!(
        json,
        json!({
            "sub": "acct-1", "did_oc": did().to_string(), "jti": "ab".repeat(16),
            "iat": T0.0, "exp": T0.0 + 3600, "iss": ISSUER, "name": "Ada",
            "address": ADDRESS, "signing_method": "bip322_simple", "step_up_at": T0.0,
        })
    );
    // The header names the key and the algorithm.
    let ring = KeyRing::from_jwks(&host.public_jwks()).expect("public set");
    let verified = ring.verify_signature(&issued.token).expect("valid");
    assert_eq!(verified.header().alg(), watchword_token::Algorithm::EdDsa);
    assert_eq!(verified.header().kid(), Some("k1"));
}

#[test]
fn minimal_grant_has_only_identifiers() {
    let host = issuer();
    let issued = host
        .issue(&SessionGrant::new("acct-2", did()), [1; 16], T0)
        .expect("issues");
    let session = consumer(&host).verify(&issued.token, T0).expect("valid");
    assert_eq!(session.name, None);
    assert_eq!(session.signing_method, None);
    assert!(!session.stepped_up_within(T0, 10_000));
}

#[test]
fn rotation_keeps_old_sessions_valid() {
    let mut issuer = issuer();
    let before = issuer.issue(&grant(), [1; 16], T0).expect("issues").token;
    issuer
        .add_key("k2", Ed25519SigningKey::from_seed(&NEW_SEED))
        .expect("fresh kid");
    assert_eq!(issuer.signing_kid(), Some("k2"));
    let after = issuer.issue(&grant(), [2; 16], T0).expect("issues").token;
    let both = consumer(&issuer);
    assert_eq!(both.kids().collect::<Vec<_>>(), ["k1", "k2"]);
    assert!(both.verify(&before, T0).is_ok());
    assert!(both.verify(&after, T0).is_ok());
    // A consumer that still has only the old set does not know k2.
    let old_only = consumer(&self::issuer());
    assert!(matches!(
        old_only.verify(&after, T0),
        Err(Error::Token(watchword_token::Error::UnknownKid { kid })) if kid == "k2"
    ));
    // Retiring: k1 stops signing and stays published until removed.
    assert!(issuer.remove_key("k1"));
    assert!(consumer(&issuer).verify(&before, T0).is_err());
}

#[test]
fn issuer_from_a_private_jwks() {
    let private = Jwks::new(vec![
        Jwk::new(
            watchword_token::JwkKey::Ed25519Public(
                Ed25519SigningKey::from_seed(&OLD_SEED).verifying_key(),
            ),
            Some("old".into()),
        ),
        Jwk::new(
            watchword_token::JwkKey::Ed25519Private(Ed25519SigningKey::from_seed(&NEW_SEED)),
            Some("new".into()),
        ),
    ]);
    let issuer = SessionIssuer::from_jwks(ISSUER, 60, &private).expect("has a private key");
    assert_eq!(issuer.signing_kid(), Some("new"));
    assert_eq!(issuer.public_jwks().keys().len(), 2);
    let public_only = private.to_public();
    assert_eq!(
        SessionIssuer::from_jwks(ISSUER, 60, &public_only).map(drop),
        Err(Error::NoSigningKey)
    );
}

#[test]
fn issue_rules() {
    let empty = SessionIssuer::new(ISSUER, 60);
    assert_eq!(
        empty.issue(&grant(), [0; 16], T0).map(drop),
        Err(Error::NoSigningKey)
    );
    let issuer = issuer();
    let mut grant = grant();
    grant.sub = String::new();
    assert!(matches!(
        issuer.issue(&grant, [0; 16], T0),
        Err(Error::SessionClaims { .. })
    ));
    grant.sub = "acct".into();
    grant.name = Some("n".repeat(MAX_CLAIM_LEN + 1));
    assert!(matches!(
        issuer.issue(&grant, [0; 16], T0),
        Err(Error::SessionClaims { .. })
    ));
}

#[test]
fn time_rules_use_the_explicit_leeway() {
    let issuer = issuer();
    let token = issuer.issue(&grant(), [1; 16], T0).expect("issues").token;
    let strict =
        SessionVerifier::from_jwks(&issuer.public_jwks(), SessionRules::new(0)).expect("usable");
    let exp = T0.plus(3600);
    assert!(strict.verify(&token, UnixTime(exp.0 - 1)).is_ok());
    assert!(matches!(
        strict.verify(&token, exp),
        Err(Error::Token(watchword_token::Error::Expired { .. }))
    ));
    let lenient = consumer(&issuer);
    assert!(lenient.verify(&token, exp.plus(29)).is_ok());
    assert!(lenient.verify(&token, exp.plus(30)).is_err());
    assert!(lenient.verify(&token, UnixTime(T0.0 - 30)).is_ok());
    assert!(matches!(
        lenient.verify(&token, UnixTime(T0.0 - 31)),
        Err(Error::Token(watchword_token::Error::IssuedInFuture { .. }))
    ));
}

#[test]
fn issuer_and_audience_rules() {
    let issuer = issuer();
    let token = issuer.issue(&grant(), [1; 16], T0).expect("issues").token;
    let jwks = issuer.public_jwks();
    let other_issuer =
        SessionVerifier::from_jwks(&jwks, SessionRules::new(0).issuer("https://evil.example"))
            .expect("usable");
    assert!(matches!(
        other_issuer.verify(&token, T0),
        Err(Error::Token(watchword_token::Error::IssuerMismatch { .. }))
    ));
    let wants_audience =
        SessionVerifier::from_jwks(&jwks, rules().audience("shop.example")).expect("usable");
    assert!(matches!(
        wants_audience.verify(&token, T0),
        Err(Error::Token(
            watchword_token::Error::AudienceMismatch { .. }
        ))
    ));
    let scoped = self::issuer().audience("shop.example");
    let scoped_token = scoped.issue(&grant(), [1; 16], T0).expect("issues").token;
    assert!(wants_audience.verify(&scoped_token, T0).is_ok());
    assert!(matches!(
        consumer(&scoped).verify(&scoped_token, T0),
        Err(Error::Token(
            watchword_token::Error::UnexpectedAudience { .. }
        ))
    ));
}

#[test]
fn claim_rules() {
    let verifier = consumer(&issuer());
    assert!(verifier.verify(&forge(&full_claims()), T0).is_ok());
    let mut extra = full_claims();
    extra["theme"] = json!("dark");
    assert!(
        verifier.verify(&forge(&extra), T0).is_ok(),
        "unknown claims are ignored"
    );
    assert!(matches!(
        verifier.verify(&forge(&without("sub")), T0),
        Err(Error::SessionClaims { .. })
    ));
    assert!(matches!(
        verifier.verify(&forge(&without("iat")), T0),
        Err(Error::SessionClaims { .. })
    ));
    assert!(matches!(
        verifier.verify(&forge(&without("jti")), T0),
        Err(Error::Token(watchword_token::Error::MissingJti))
    ));
    assert!(matches!(
        verifier.verify(&forge(&without("did_oc")), T0),
        Err(Error::Token(watchword_token::Error::ExtraClaims { .. }))
    ));
    for bad in [
        json!("did:oc:ABCDEF00112233445566778899aabbcc"),
        json!("did:key:00112233445566778899aabbccddeeff"),
        json!(7),
    ] {
        let mut claims = full_claims();
        claims["did_oc"] = bad.clone();
        assert!(
            matches!(
                verifier.verify(&forge(&claims), T0),
                Err(Error::Token(watchword_token::Error::ExtraClaims { .. }))
            ),
            "{bad}"
        );
    }
    let mut claims = full_claims();
    claims["signing_method"] = json!("telepathy");
    assert!(verifier.verify(&forge(&claims), T0).is_err());
    let mut claims = full_claims();
    claims["sub"] = json!("");
    assert!(matches!(
        verifier.verify(&forge(&claims), T0),
        Err(Error::SessionClaims { .. })
    ));
}

#[test]
fn only_ed25519_keys_verify_sessions() {
    let hmac = HmacKey::hs256(&[9; 32]).expect("32 bytes");
    let secret_set = Jwks::new(vec![Jwk::new(
        watchword_token::JwkKey::Hmac(hmac.clone()),
        Some("k1".into()),
    )]);
    assert_eq!(
        SessionVerifier::from_jwks(&secret_set, rules()).map(drop),
        Err(Error::NoUsableKey)
    );
    // An HS256 token under a kid the Ed25519 set knows: the key decides the algorithm.
    let mut ring = KeyRing::new();
    ring.add_signing_key("k1", hmac).expect("fresh kid");
    let mut claims = Claims::with_extra(T0.plus(600), serde_json::Map::new());
    claims.sub = Some("acct-1".into());
    claims.iat = Some(T0);
    claims.jti = Some("j".into());
    claims.iss = Some(ISSUER.into());
    claims
        .extra
        .insert("did_oc".into(), json!(did().to_string()));
    let token = ring.sign(&claims).expect("signs");
    assert!(matches!(
        consumer(&issuer()).verify(&token, T0),
        Err(Error::Token(watchword_token::Error::AlgMismatch { .. }))
    ));
}

#[test]
fn a_single_jwk_is_accepted_as_a_set() {
    let issuer = issuer();
    let jwk = issuer.public_jwks().keys()[0].to_json();
    let verifier = SessionVerifier::from_jwks_json(&jwk, rules()).expect("single key");
    let token = issuer.issue(&grant(), [3; 16], T0).expect("issues").token;
    assert!(verifier.verify(&token, T0).is_ok());
    assert!(matches!(
        SessionVerifier::from_jwks_json("{\"keys\":", rules()),
        Err(Error::Token(_))
    ));
}

#[test]
fn step_up_freshness() {
    let issuer = issuer();
    let token = issuer
        .issue(&grant(), [1; 16], T0.plus(100))
        .expect("issues")
        .token;
    let session = consumer(&issuer)
        .verify(&token, T0.plus(100))
        .expect("valid");
    assert!(session.stepped_up_within(T0.plus(100), 100));
    assert!(!session.stepped_up_within(T0.plus(101), 100));
    assert!(
        session.stepped_up_within(UnixTime(T0.0 - 5), 0),
        "clock skew"
    );
}

#[test]
fn did_oc_text_form() {
    let did = DidOc::from_bytes([0xab; 16]);
    assert_eq!(did.to_string(), format!("did:oc:{}", "ab".repeat(16)));
    assert_eq!(DidOc::parse(&did.to_string()), Ok(did));
    assert_eq!(did.to_string().parse::<DidOc>(), Ok(did));
    for bad in [
        "did:oc:",
        "did:oc:AB",
        "did:OC:abababababababababababababababab",
        "",
    ] {
        assert!(DidOc::parse(bad).is_err(), "{bad}");
    }
}
