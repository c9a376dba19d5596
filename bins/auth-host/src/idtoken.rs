//! OpenID Connect ID token verification (OpenID Connect Core 1.0 §3.1.3.7), pure: the token,
//! the provider's JWK Set and the expectations in; the claims the host uses out.
//!
//! Rules, in order: three base64url parts; header `alg` is `RS256`, `ES256` or `EdDSA`
//! (never `none` or an HMAC, which would make the client secret a signing key); a key of the
//! set matches the `kid` (or, without `kid`, the only key of that type) and the algorithm;
//! the signature verifies; `iss` is the provider's issuer exactly; `aud` holds the client id;
//! with several audiences `azp` is present, and when present `azp` is the client id; `exp`
//! is in the future and `iat` not in the future (both with leeway); `nonce` is the one the
//! host sent; `sub` is 1 to 255 characters.

use base64::Engine as _;
use ring::signature::{self, UnparsedPublicKey};
use serde_json::Value;

/// The longest token read.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// What the host expects of an ID token.
#[derive(Debug, Clone)]
pub struct Expect<'a> {
    /// The provider's issuer identifier, exactly.
    pub issuer: &'a str,
    /// The host's client id at the provider.
    pub client_id: &'a str,
    /// The nonce the host put into the authorization request.
    pub nonce: &'a str,
    /// Now, Unix seconds.
    pub now: u64,
    /// Allowed clock skew, seconds.
    pub leeway: u64,
}

/// The claims the host uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    /// The provider's subject identifier.
    pub sub: String,
    /// A name the provider gave.
    pub name: Option<String>,
    /// The email, when the provider says it verified it.
    pub verified_email: Option<String>,
}

/// Why an ID token was refused. [`code`](IdTokenError::code) is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Not three base64url parts of JSON.
    #[error("the ID token is malformed: {0}")]
    Malformed(&'static str),
    /// An algorithm the host does not accept.
    #[error("the ID token's alg {0:?} is not RS256, ES256 or EdDSA")]
    Alg(String),
    /// No key of the provider's set fits.
    #[error("no key of the provider's JWK Set fits the ID token")]
    NoKey,
    /// The signature does not verify.
    #[error("the ID token's signature does not verify")]
    Signature,
    /// `iss` is not the provider's issuer.
    #[error("the ID token's issuer is not the provider's")]
    Issuer,
    /// `aud` lacks the client id, or `azp` names another client.
    #[error("the ID token is not for this client")]
    Audience,
    /// `exp` has passed.
    #[error("the ID token has expired")]
    Expired,
    /// `iat` is missing or in the future.
    #[error("the ID token's iat is missing or in the future")]
    IssuedAt,
    /// `nonce` is not the one sent.
    #[error("the ID token's nonce is not the one this sign-in sent")]
    Nonce,
    /// `sub` is missing, empty or too long.
    #[error("the ID token's sub is missing or invalid")]
    Subject,
}

impl IdTokenError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            IdTokenError::Malformed(_) => "id_token_malformed",
            IdTokenError::Alg(_) => "id_token_alg",
            IdTokenError::NoKey => "id_token_no_key",
            IdTokenError::Signature => "id_token_signature",
            IdTokenError::Issuer => "id_token_issuer",
            IdTokenError::Audience => "id_token_audience",
            IdTokenError::Expired => "id_token_expired",
            IdTokenError::IssuedAt => "id_token_iat",
            IdTokenError::Nonce => "id_token_nonce",
            IdTokenError::Subject => "id_token_sub",
        }
    }
}

fn b64(part: &str) -> Result<Vec<u8>, IdTokenError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| IdTokenError::Malformed("a part is not base64url"))
}

fn b64_field(jwk: &Value, name: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwk.get(name)?.as_str()?)
        .ok()
}

/// Whether `jwk` can verify `alg`.
fn fits(jwk: &Value, alg: &str) -> bool {
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    if field("use").is_some_and(|u| u != "sig") {
        return false;
    }
    if field("alg").is_some_and(|a| a != alg) {
        return false;
    }
    match alg {
        "RS256" => field("kty") == Some("RSA"),
        "ES256" => field("kty") == Some("EC") && field("crv") == Some("P-256"),
        "EdDSA" => field("kty") == Some("OKP") && field("crv") == Some("Ed25519"),
        _ => false,
    }
}

fn verify_signature(
    jwk: &Value,
    alg: &str,
    message: &[u8],
    sig: &[u8],
) -> Result<(), IdTokenError> {
    let result = match alg {
        "RS256" => {
            let (Some(n), Some(e)) = (b64_field(jwk, "n"), b64_field(jwk, "e")) else {
                return Err(IdTokenError::NoKey);
            };
            signature::RsaPublicKeyComponents { n, e }.verify(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                message,
                sig,
            )
        }
        "ES256" => {
            let (Some(x), Some(y)) = (b64_field(jwk, "x"), b64_field(jwk, "y")) else {
                return Err(IdTokenError::NoKey);
            };
            if x.len() != 32 || y.len() != 32 {
                return Err(IdTokenError::NoKey);
            }
            let mut point = vec![4u8];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).verify(message, sig)
        }
        "EdDSA" => {
            let Some(x) = b64_field(jwk, "x").filter(|x| x.len() == 32) else {
                return Err(IdTokenError::NoKey);
            };
            UnparsedPublicKey::new(&signature::ED25519, x).verify(message, sig)
        }
        other => return Err(IdTokenError::Alg(other.to_owned())),
    };
    result.map_err(|_| IdTokenError::Signature)
}

/// Verifies `token` against the provider's JWK Set `jwks` and `expect`.
///
/// # Errors
/// The first rule broken, in the order of the [module docs](self).
pub fn verify(token: &str, jwks: &Value, expect: &Expect<'_>) -> Result<IdClaims, IdTokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(IdTokenError::Malformed("longer than the limit"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed("not three parts"));
    };
    let header_json: Value = serde_json::from_slice(&b64(header)?)
        .map_err(|_| IdTokenError::Malformed("the header is not JSON"))?;
    let alg = header_json
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(IdTokenError::Malformed("no alg"))?;
    if !matches!(alg, "RS256" | "ES256" | "EdDSA") {
        return Err(IdTokenError::Alg(alg.to_owned()));
    }
    let kid = header_json.get("kid").and_then(Value::as_str);
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(IdTokenError::NoKey)?;
    let candidates: Vec<&Value> = keys
        .iter()
        .filter(|k| fits(k, alg))
        .filter(|k| kid.is_none() || k.get("kid").and_then(Value::as_str) == kid)
        .collect();
    // Without a kid the key must be unambiguous.
    let [jwk] = candidates.as_slice() else {
        return Err(IdTokenError::NoKey);
    };
    let signing_input = &token[..header.len() + 1 + payload.len()];
    verify_signature(jwk, alg, signing_input.as_bytes(), &b64(sig)?)?;
    let claims: Value = serde_json::from_slice(&b64(payload)?)
        .map_err(|_| IdTokenError::Malformed("the payload is not JSON"))?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_u64);
    if text("iss") != Some(expect.issuer) {
        return Err(IdTokenError::Issuer);
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expect.client_id) {
        return Err(IdTokenError::Audience);
    }
    match text("azp") {
        Some(azp) if azp != expect.client_id => return Err(IdTokenError::Audience),
        None if audiences.len() > 1 => return Err(IdTokenError::Audience),
        _ => {}
    }
    match number("exp") {
        Some(exp) if expect.now < exp.saturating_add(expect.leeway) => {}
        _ => return Err(IdTokenError::Expired),
    }
    match number("iat") {
        Some(iat) if iat <= expect.now.saturating_add(expect.leeway) => {}
        _ => return Err(IdTokenError::IssuedAt),
    }
    if text("nonce") != Some(expect.nonce) {
        return Err(IdTokenError::Nonce);
    }
    let sub = text("sub")
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .ok_or(IdTokenError::Subject)?;
    let verified_email = (claims.get("email_verified").and_then(Value::as_bool) == Some(true))
        .then(|| text("email").map(str::to_owned))
        .flatten();
    Ok(IdClaims {
        sub: sub.to_owned(),
        name: text("name").map(str::to_owned),
        verified_email,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
    use serde_json::json;

    const NOW: u64 = 1_800_000_000;

    fn enc(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    struct Signer {
        ed: Ed25519KeyPair,
        ec: EcdsaKeyPair,
    }

    impl Signer {
        fn new() -> Self {
            let rng = SystemRandom::new();
            let ed =
                Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&rng).unwrap().as_ref())
                    .unwrap();
            let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
            let ec = EcdsaKeyPair::from_pkcs8(
                alg,
                EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap().as_ref(),
                &rng,
            )
            .unwrap();
            Self { ed, ec }
        }

        fn jwks(&self) -> Value {
            let point = self.ec.public_key().as_ref();
            json!({"keys": [
                {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": enc(self.ed.public_key().as_ref())},
                {"kty": "EC", "crv": "P-256", "kid": "ec", "use": "sig", "x": enc(&point[1..33]), "y": enc(&point[33..65])},
            ]})
        }

        fn sign(&self, header: &Value, claims: &Value) -> String {
            let input = format!(
                "{}.{}",
                enc(header.to_string().as_bytes()),
                enc(claims.to_string().as_bytes())
            );
            let sig = match header["alg"].as_str() {
                Some("ES256") => self
                    .ec
                    .sign(&SystemRandom::new(), input.as_bytes())
                    .unwrap()
                    .as_ref()
                    .to_vec(),
                _ => self.ed.sign(input.as_bytes()).as_ref().to_vec(),
            };
            format!("{input}.{}", enc(&sig))
        }
    }

    fn claims() -> Value {
        json!({
            "iss": "https://id.example", "aud": "client-1", "sub": "user-7",
            "exp": NOW + 300, "iat": NOW - 5, "nonce": "n-123",
            "email": "ada@example.com", "email_verified": true, "name": "Ada",
        })
    }

    fn expect() -> Expect<'static> {
        Expect {
            issuer: "https://id.example",
            client_id: "client-1",
            nonce: "n-123",
            now: NOW,
            leeway: 30,
        }
    }

    fn check(signer: &Signer, header: &Value, claims: &Value) -> Result<IdClaims, IdTokenError> {
        verify(&signer.sign(header, claims), &signer.jwks(), &expect())
    }

    #[test]
    fn good_tokens_of_each_curve_verify() {
        let signer = Signer::new();
        for header in [
            json!({"alg": "EdDSA", "kid": "ed"}),
            json!({"alg": "ES256", "kid": "ec"}),
            json!({"alg": "ES256"}),
        ] {
            let got = check(&signer, &header, &claims()).unwrap();
            assert_eq!(got.sub, "user-7");
            assert_eq!(got.verified_email.as_deref(), Some("ada@example.com"));
            assert_eq!(got.name.as_deref(), Some("Ada"));
        }
    }

    #[test]
    fn an_unverified_email_is_not_taken() {
        let signer = Signer::new();
        let mut c = claims();
        c["email_verified"] = json!(false);
        assert_eq!(
            check(&signer, &json!({"alg": "EdDSA"}), &c)
                .unwrap()
                .verified_email,
            None
        );
    }

    #[test]
    fn each_rule_refuses_its_breach() {
        let signer = Signer::new();
        let ed = || json!({"alg": "EdDSA", "kid": "ed"});
        let with = |name: &str, value: Value| {
            let mut c = claims();
            c[name] = value;
            c
        };
        let cases: Vec<(Value, Value, &str)> = vec![
            (json!({"alg": "none"}), claims(), "id_token_alg"),
            (json!({"alg": "HS256"}), claims(), "id_token_alg"),
            (
                json!({"alg": "EdDSA", "kid": "other"}),
                claims(),
                "id_token_no_key",
            ),
            (
                json!({"alg": "EdDSA", "kid": "ec"}),
                claims(),
                "id_token_no_key",
            ),
            (
                ed(),
                with("iss", json!("https://id.example/")),
                "id_token_issuer",
            ),
            (ed(), with("aud", json!("client-2")), "id_token_audience"),
            (
                ed(),
                with("aud", json!(["client-1", "client-2"])),
                "id_token_audience",
            ),
            (ed(), with("azp", json!("client-2")), "id_token_audience"),
            (ed(), with("exp", json!(NOW - 31)), "id_token_expired"),
            (ed(), with("iat", json!(NOW + 31)), "id_token_iat"),
            (ed(), with("nonce", json!("n-124")), "id_token_nonce"),
            (ed(), with("sub", json!("")), "id_token_sub"),
        ];
        for (header, claims, code) in cases {
            let got = check(&signer, &header, &claims).unwrap_err();
            assert_eq!(got.code(), code, "{header} {claims}");
        }
        let mut c = claims();
        c["aud"] = json!(["client-1", "client-2"]);
        c["azp"] = json!("client-1");
        assert!(
            check(&signer, &ed(), &c).is_ok(),
            "several audiences with our azp"
        );
        let mut c = claims();
        c.as_object_mut().unwrap().remove("iat");
        assert_eq!(
            check(&signer, &ed(), &c).unwrap_err().code(),
            "id_token_iat"
        );
    }

    #[test]
    fn a_tampered_token_fails_its_signature() {
        let signer = Signer::new();
        let token = signer.sign(&json!({"alg": "EdDSA"}), &claims());
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = enc(claims().to_string().replace("user-7", "user-8").as_bytes());
        parts[1] = &forged;
        let err = verify(&parts.join("."), &signer.jwks(), &expect()).unwrap_err();
        assert_eq!(err.code(), "id_token_signature");
        assert_eq!(
            verify("a.b", &signer.jwks(), &expect()).unwrap_err().code(),
            "id_token_malformed"
        );
    }
}
