//! One test per attack a verifier must refuse, each asserting the exact error.

use serde_json::Map;
use watchword_token::{
    Algorithm, Claims, Error, HmacKey, KeyRing, Part, SigningKey, Validation, VerifyingKey,
    MAX_TOKEN_LEN,
};

use crate::support::{
    b64, claims, ed25519, ed_ring, forge, hs256, hs512, segments, set_trailing_bit,
    standard_alphabet, unb64, NOW,
};

type Verdict = Result<Claims<Map<String, serde_json::Value>>, Error>;

fn check_hs256(token: &str) -> Verdict {
    VerifyingKey::from(hs256()).verify(token, &Validation::new(), NOW)
}

fn check_ring(token: &str) -> Verdict {
    ed_ring().verify(token, &Validation::new(), NOW)
}

fn hs256_signer() -> SigningKey {
    hs256().into()
}

fn valid_payload() -> String {
    format!(r#"{{"exp":{},"sub":"user-1"}}"#, NOW.0 + 600)
}

#[test]
fn baseline_forged_tokens_verify() {
    // The forging helper makes valid tokens when nothing is wrong, so each refusal below is
    // due to the one thing changed.
    let token = forge(r#"{"alg":"HS256"}"#, &valid_payload(), &hs256_signer());
    assert!(check_hs256(&token).is_ok());
    let token = forge(
        r#"{"alg":"EdDSA","kid":"ed"}"#,
        &valid_payload(),
        &ed25519().into(),
    );
    assert!(check_ring(&token).is_ok());
}

#[test]
fn alg_none_in_every_casing() {
    for none in ["none", "None", "NONE", "nOnE"] {
        let header = format!(r#"{{"alg":"{none}","typ":"JWT"}}"#);
        let unsigned = format!("{}.{}.", b64(&header), b64(valid_payload()));
        let expected = Err(Error::AlgNone {
            found: none.to_owned(),
        });
        assert_eq!(check_hs256(&unsigned), expected);
        assert_eq!(check_ring(&unsigned), expected);
        // Even with a correct HMAC over the input, "none" is refused by name.
        assert_eq!(
            check_hs256(&forge(&header, &valid_payload(), &hs256_signer())),
            expected
        );
    }
}

#[test]
fn unknown_alg() {
    let token = forge(r#"{"alg":"hs256"}"#, &valid_payload(), &hs256_signer());
    assert_eq!(
        check_hs256(&token),
        Err(Error::UnknownAlg {
            found: "hs256".into()
        })
    );
    let token = forge(r#"{"alg":"HS384"}"#, &valid_payload(), &hs256_signer());
    assert_eq!(
        check_hs256(&token),
        Err(Error::UnknownAlg {
            found: "HS384".into()
        })
    );
    let token = forge(r#"{"typ":"JWT"}"#, &valid_payload(), &hs256_signer());
    assert_eq!(check_hs256(&token), Err(Error::MissingAlg));
    let token = forge(r#"{"alg":256}"#, &valid_payload(), &hs256_signer());
    assert_eq!(
        check_hs256(&token),
        Err(Error::HeaderParamType {
            name: "alg",
            expected: "string"
        })
    );
}

#[test]
fn alg_key_confusion() {
    // HS256 keyed with the bytes of the Ed25519 public key, which an attacker knows.
    let public = ed25519().verifying_key().to_bytes();
    let confused: SigningKey = HmacKey::hs256(&public).expect("32 bytes").into();
    let token = forge(r#"{"alg":"HS256"}"#, &valid_payload(), &confused);
    assert_eq!(
        check_ring(&token),
        Err(Error::NoKeyForAlg {
            alg: Algorithm::Hs256
        })
    );
    let with_kid = forge(r#"{"alg":"HS256","kid":"ed"}"#, &valid_payload(), &confused);
    assert_eq!(
        check_ring(&with_kid),
        Err(Error::AlgMismatch {
            expected: Algorithm::EdDsa,
            found: Algorithm::Hs256
        })
    );
    let single = VerifyingKey::from(ed25519().verifying_key());
    assert_eq!(
        single.verify_signature(&token).map(|_| ()),
        Err(Error::AlgMismatch {
            expected: Algorithm::EdDsa,
            found: Algorithm::Hs256
        })
    );
    // And the other way round: an HS512 key does not take an HS256 token.
    let token = forge(r#"{"alg":"HS256"}"#, &valid_payload(), &hs512().into());
    assert_eq!(
        VerifyingKey::from(hs512())
            .verify_signature(&token)
            .map(|_| ()),
        Err(Error::AlgMismatch {
            expected: Algorithm::Hs512,
            found: Algorithm::Hs256
        })
    );
}

#[test]
fn unknown_crit() {
    for header in [
        r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"HS256","crit":[]}"#,
        r#"{"alg":"HS256","crit":null}"#,
    ] {
        assert_eq!(
            check_hs256(&forge(header, &valid_payload(), &hs256_signer())),
            Err(Error::Crit),
            "{header}"
        );
    }
}

#[test]
fn embedded_jwk() {
    let jwk = crate::support::b64(ed25519().verifying_key().to_bytes());
    let header = format!(r#"{{"alg":"HS256","jwk":{{"kty":"OKP","crv":"Ed25519","x":"{jwk}"}}}}"#);
    assert_eq!(
        check_hs256(&forge(&header, &valid_payload(), &hs256_signer())),
        Err(Error::EmbeddedKey { name: "jwk" })
    );
    let header = format!(r#"{{"alg":"EdDSA","jwk":{{"kty":"OKP","crv":"Ed25519","x":"{jwk}"}}}}"#);
    assert_eq!(
        check_ring(&forge(&header, &valid_payload(), &ed25519().into())),
        Err(Error::EmbeddedKey { name: "jwk" })
    );
}

#[test]
fn embedded_jku() {
    let header = r#"{"alg":"HS256","jku":"https://attacker.example/jwks.json"}"#;
    assert_eq!(
        check_hs256(&forge(header, &valid_payload(), &hs256_signer())),
        Err(Error::EmbeddedKey { name: "jku" })
    );
}

#[test]
fn embedded_x5u() {
    let header = r#"{"alg":"HS256","x5u":"https://attacker.example/cert.pem"}"#;
    assert_eq!(
        check_hs256(&forge(header, &valid_payload(), &hs256_signer())),
        Err(Error::EmbeddedKey { name: "x5u" })
    );
}

#[test]
fn embedded_x5c() {
    let header = r#"{"alg":"HS256","x5c":["MIIB"]}"#;
    assert_eq!(
        check_hs256(&forge(header, &valid_payload(), &hs256_signer())),
        Err(Error::EmbeddedKey { name: "x5c" })
    );
}

#[test]
fn unencoded_payload() {
    for header in [
        r#"{"alg":"HS256","b64":false}"#,
        r#"{"alg":"HS256","b64":"false"}"#,
    ] {
        assert_eq!(
            check_hs256(&forge(header, &valid_payload(), &hs256_signer())),
            Err(Error::UnencodedPayload)
        );
    }
    // `b64: true` is the default spelled out, and harmless.
    assert!(check_hs256(&forge(
        r#"{"alg":"HS256","b64":true}"#,
        &valid_payload(),
        &hs256_signer()
    ))
    .is_ok());
}

#[test]
fn header_param_types() {
    let token = forge(
        r#"{"alg":"HS256","kid":7}"#,
        &valid_payload(),
        &hs256_signer(),
    );
    assert_eq!(
        check_hs256(&token),
        Err(Error::HeaderParamType {
            name: "kid",
            expected: "string"
        })
    );
    let token = forge(
        r#"{"alg":"HS256","typ":["JWT"]}"#,
        &valid_payload(),
        &hs256_signer(),
    );
    assert_eq!(
        check_hs256(&token),
        Err(Error::HeaderParamType {
            name: "typ",
            expected: "string"
        })
    );
}

#[test]
fn header_not_an_object() {
    for header in [r#"["alg","HS256"]"#, r#""HS256""#, "null"] {
        let token = forge(header, &valid_payload(), &hs256_signer());
        assert_eq!(
            check_hs256(&token),
            Err(Error::NotObject { part: Part::Header }),
            "{header}"
        );
    }
    let token = forge(r#"{"alg":"HS256""#, &valid_payload(), &hs256_signer());
    assert!(matches!(
        check_hs256(&token),
        Err(Error::Json {
            part: Part::Header,
            ..
        })
    ));
}

#[test]
fn duplicate_key_in_header() {
    // A parser keeping the first "alg" and one keeping the last would disagree.
    let token = forge(
        r#"{"alg":"none","alg":"HS256"}"#,
        &valid_payload(),
        &hs256_signer(),
    );
    assert_eq!(
        check_hs256(&token),
        Err(Error::DuplicateKey {
            part: Part::Header,
            key: "alg".into()
        })
    );
    let token = forge(
        r#"{"alg":"HS256","kid":"a","kid":"b"}"#,
        &valid_payload(),
        &hs256_signer(),
    );
    assert_eq!(
        check_hs256(&token),
        Err(Error::DuplicateKey {
            part: Part::Header,
            key: "kid".into()
        })
    );
}

#[test]
fn duplicate_key_in_claims() {
    let payload = format!(r#"{{"exp":{},"sub":"user-1","sub":"admin"}}"#, NOW.0 + 600);
    let token = forge(r#"{"alg":"HS256"}"#, &payload, &hs256_signer());
    assert_eq!(
        check_hs256(&token),
        Err(Error::DuplicateKey {
            part: Part::Payload,
            key: "sub".into()
        })
    );
    let payload = format!(r#"{{"exp":{},"exp":{}}}"#, NOW.0 - 1, NOW.0 + 600);
    let token = forge(r#"{"alg":"HS256"}"#, &payload, &hs256_signer());
    assert_eq!(
        check_hs256(&token),
        Err(Error::DuplicateKey {
            part: Part::Payload,
            key: "exp".into()
        })
    );
}

fn valid_hs256_token() -> String {
    hs256_signer().sign(&claims()).expect("signs")
}

#[test]
fn padded_base64() {
    let token = valid_hs256_token();
    let [header, payload, signature] = segments(&token);
    // A 32-byte tag is 43 characters: one "=" of padding.
    assert_eq!(signature.len(), 43);
    let padded = format!("{header}.{payload}.{signature}=");
    assert_eq!(
        check_hs256(&padded),
        Err(Error::Base64 {
            part: Part::Signature
        })
    );
    let header_pad = "=".repeat((4 - header.len() % 4) % 4);
    if !header_pad.is_empty() {
        let padded = format!("{header}{header_pad}.{payload}.{signature}");
        assert_eq!(
            check_hs256(&padded),
            Err(Error::Base64 { part: Part::Header })
        );
    }
}

#[test]
fn standard_alphabet_base64() {
    // Find a token whose tag contains '-' or '_', then spell the tag with '+' and '/'.
    let signer = hs256_signer();
    let forged = (0..)
        .find_map(|n| {
            let mut claims = claims();
            claims.jti = Some(format!("jti-{n}"));
            standard_alphabet(&signer.sign(&claims).expect("signs"))
        })
        .expect("some tag has '-' or '_'");
    assert_eq!(
        check_hs256(&forged),
        Err(Error::Base64 {
            part: Part::Signature
        })
    );
}

#[test]
fn non_zero_trailing_bits() {
    let tweaked = set_trailing_bit(&valid_hs256_token());
    assert_eq!(
        check_hs256(&tweaked),
        Err(Error::Base64 {
            part: Part::Signature
        })
    );
}

#[test]
fn wrong_segment_count() {
    let token = valid_hs256_token();
    assert_eq!(
        check_hs256(&format!("{token}.e30")),
        Err(Error::SegmentCount { found: 4 })
    );
    assert_eq!(
        check_hs256(&format!("{token}.")),
        Err(Error::SegmentCount { found: 4 })
    );
    let [header, payload, _] = segments(&token);
    assert_eq!(
        check_hs256(&format!("{header}.{payload}")),
        Err(Error::SegmentCount { found: 2 })
    );
    assert_eq!(check_hs256(""), Err(Error::SegmentCount { found: 1 }));
}

#[test]
fn empty_signature() {
    let token = valid_hs256_token();
    let [header, payload, _] = segments(&token);
    let stripped = format!("{header}.{payload}.");
    assert_eq!(
        check_hs256(&stripped),
        Err(Error::SignatureLength {
            alg: Algorithm::Hs256,
            expected: 32,
            found: 0
        })
    );
    let token = ed_ring().sign(&claims()).expect("signs");
    let [header, payload, _] = segments(&token);
    let stripped = format!("{header}.{payload}.");
    assert_eq!(
        check_ring(&stripped),
        Err(Error::SignatureLength {
            alg: Algorithm::EdDsa,
            expected: 64,
            found: 0
        })
    );
}

#[test]
fn truncated_hmac_tag() {
    let token = valid_hs256_token();
    let [header, payload, signature] = segments(&token);
    let tag = unb64(signature);
    // A correct prefix is still refused: only full-length tags count.
    let truncated = format!("{header}.{payload}.{}", b64(&tag[..16]));
    assert_eq!(
        check_hs256(&truncated),
        Err(Error::SignatureLength {
            alg: Algorithm::Hs256,
            expected: 32,
            found: 16
        })
    );
    let token = SigningKey::from(hs512()).sign(&claims()).expect("signs");
    let [header, payload, signature] = segments(&token);
    let truncated = format!("{header}.{payload}.{}", b64(&unb64(signature)[..32]));
    assert_eq!(
        VerifyingKey::from(hs512())
            .verify_signature(&truncated)
            .map(|_| ()),
        Err(Error::SignatureLength {
            alg: Algorithm::Hs512,
            expected: 64,
            found: 32
        })
    );
}

#[test]
fn modified_signature_and_payload() {
    let token = valid_hs256_token();
    let [header, payload, signature] = segments(&token);
    let mut tag = unb64(signature);
    tag[0] ^= 1;
    assert_eq!(
        check_hs256(&format!("{header}.{payload}.{}", b64(&tag))),
        Err(Error::BadSignature)
    );
    let other = b64(format!(r#"{{"exp":{},"sub":"admin"}}"#, NOW.0 + 600));
    assert_eq!(
        check_hs256(&format!("{header}.{other}.{signature}")),
        Err(Error::BadSignature)
    );
}

#[test]
fn ed25519_malleated_s() {
    // S + L verifies under a lax check of the group equation; strict verification wants S < L.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let token = ed_ring().sign(&claims()).expect("signs");
    let [header, payload, signature] = segments(&token);
    let mut signature = unb64(signature);
    let mut carry = 0u16;
    for (byte, l) in signature[32..].iter_mut().zip(L) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = sum.to_le_bytes()[0];
        carry = sum >> 8;
    }
    // S < L < 2^253, so S + L < 2^254 fits: the top bits stay clear.
    assert_eq!(carry, 0);
    assert_eq!(
        check_ring(&format!("{header}.{payload}.{}", b64(&signature))),
        Err(Error::BadSignature)
    );
}

#[test]
fn expired() {
    let mut late = claims();
    late.exp = NOW;
    let token = hs256_signer().sign(&late).expect("signs");
    assert_eq!(
        check_hs256(&token),
        Err(Error::Expired {
            exp: NOW.0,
            now: NOW.0,
            leeway: 0
        })
    );
    // Leeway is explicit: the same token passes with 1 second of it.
    let lenient: Verdict =
        VerifyingKey::from(hs256()).verify(&token, &Validation::new().leeway(1), NOW);
    assert!(lenient.is_ok());
}

#[test]
fn nbf_in_future() {
    let mut early = claims();
    early.nbf = Some(NOW.plus(60));
    let token = hs256_signer().sign(&early).expect("signs");
    assert_eq!(
        check_hs256(&token),
        Err(Error::NotYetValid {
            nbf: NOW.0 + 60,
            now: NOW.0,
            leeway: 0
        })
    );
}

#[test]
fn iat_in_future() {
    let mut early = claims();
    early.iat = Some(NOW.plus(60));
    let token = hs256_signer().sign(&early).expect("signs");
    assert_eq!(
        check_hs256(&token),
        Err(Error::IssuedInFuture {
            iat: NOW.0 + 60,
            now: NOW.0,
            leeway: 0
        })
    );
}

#[test]
fn wrong_aud() {
    let mut aimed = claims();
    aimed.aud = vec!["https://other.example".into()];
    let token = hs256_signer().sign(&aimed).expect("signs");
    let validation = Validation::new().audience("https://app.example");
    let verdict: Verdict = VerifyingKey::from(hs256()).verify(&token, &validation, NOW);
    assert_eq!(
        verdict,
        Err(Error::AudienceMismatch {
            expected: "https://app.example".into(),
            found: vec!["https://other.example".into()]
        })
    );
    assert_eq!(
        check_hs256(&token),
        Err(Error::UnexpectedAudience {
            found: vec!["https://other.example".into()]
        })
    );
}

#[test]
fn wrong_iss() {
    let mut issued = claims();
    issued.iss = Some("https://evil.example".into());
    let token = hs256_signer().sign(&issued).expect("signs");
    let validation = Validation::new().issuer("https://issuer.example");
    let verdict: Verdict = VerifyingKey::from(hs256()).verify(&token, &validation, NOW);
    assert_eq!(
        verdict,
        Err(Error::IssuerMismatch {
            expected: "https://issuer.example".into(),
            found: Some("https://evil.example".into())
        })
    );
    let token = hs256_signer().sign(&claims()).expect("signs");
    let verdict: Verdict = VerifyingKey::from(hs256()).verify(&token, &validation, NOW);
    assert_eq!(
        verdict,
        Err(Error::IssuerMismatch {
            expected: "https://issuer.example".into(),
            found: None
        })
    );
}

#[test]
fn missing_exp() {
    let token = forge(r#"{"alg":"HS256"}"#, r#"{"sub":"user-1"}"#, &hs256_signer());
    assert_eq!(check_hs256(&token), Err(Error::MissingExp));
}

#[test]
fn exp_as_string() {
    let payload = format!(r#"{{"exp":"{}"}}"#, NOW.0 + 600);
    let token = forge(r#"{"alg":"HS256"}"#, &payload, &hs256_signer());
    assert_eq!(
        check_hs256(&token),
        Err(Error::ClaimType {
            claim: "exp",
            expected: "a non-negative integer"
        })
    );
    let payload = format!(r#"{{"exp":{}.5}}"#, NOW.0 + 600);
    let token = forge(r#"{"alg":"HS256"}"#, &payload, &hs256_signer());
    assert_eq!(
        check_hs256(&token),
        Err(Error::ClaimType {
            claim: "exp",
            expected: "a non-negative integer"
        })
    );
}

#[test]
fn payload_not_an_object() {
    let token = forge(r#"{"alg":"HS256"}"#, "[1,2]", &hs256_signer());
    assert_eq!(
        check_hs256(&token),
        Err(Error::NotObject {
            part: Part::Payload
        })
    );
}

#[test]
fn unknown_kid() {
    let token = forge(
        r#"{"alg":"EdDSA","kid":"retired"}"#,
        &valid_payload(),
        &ed25519().into(),
    );
    assert_eq!(
        check_ring(&token),
        Err(Error::UnknownKid {
            kid: "retired".into()
        })
    );
}

#[test]
fn oversized_token() {
    let mut big = claims();
    big.extra
        .insert("blob".into(), "x".repeat(MAX_TOKEN_LEN).into());
    // This crate will not issue it...
    assert!(matches!(
        hs256_signer().sign(&big),
        Err(Error::TokenTooLarge {
            max: MAX_TOKEN_LEN,
            ..
        })
    ));
    // ...nor read it, before looking at anything else.
    let payload =
        serde_json::json!({ "exp": NOW.0 + 600, "blob": "x".repeat(MAX_TOKEN_LEN) }).to_string();
    let token = forge(r#"{"alg":"HS256"}"#, &payload, &hs256_signer());
    assert_eq!(
        check_hs256(&token),
        Err(Error::TokenTooLarge {
            len: token.len(),
            max: MAX_TOKEN_LEN
        })
    );
    assert_eq!(
        check_hs256(&".".repeat(MAX_TOKEN_LEN + 1)),
        Err(Error::TokenTooLarge {
            len: MAX_TOKEN_LEN + 1,
            max: MAX_TOKEN_LEN
        })
    );
}

#[test]
fn empty_ring_and_unsigned_ring() {
    let ring = KeyRing::new();
    assert_eq!(ring.sign(&claims()), Err(Error::NoSigningKey));
    let token = valid_hs256_token();
    assert_eq!(
        ring.verify_signature(&token).map(|_| ()),
        Err(Error::NoKeyForAlg {
            alg: Algorithm::Hs256
        })
    );
}
