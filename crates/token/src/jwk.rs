//! JSON Web Keys ([RFC 7517]) for Ed25519 ([RFC 8037 §2]) and HMAC secrets ([RFC 7518 §6.4]),
//! with [RFC 7638] thumbprints.
//!
//! [RFC 7517]: https://www.rfc-editor.org/rfc/rfc7517
//! [RFC 8037 §2]: https://www.rfc-editor.org/rfc/rfc8037#section-2
//! [RFC 7518 §6.4]: https://www.rfc-editor.org/rfc/rfc7518#section-6.4
//! [RFC 7638]: https://www.rfc-editor.org/rfc/rfc7638

use rand_core::CryptoRngCore;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use zeroize::{Zeroize as _, Zeroizing};

use crate::encoding::{b64_decode, b64_encode, parse_object};
use crate::error::{Error, Part};
use crate::{Algorithm, Ed25519SigningKey, Ed25519VerifyingKey, HmacKey, SigningKey, VerifyingKey};

/// The key material of a [`Jwk`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum JwkKey {
    /// `{"kty":"OKP","crv":"Ed25519","x":…}`
    Ed25519Public(Ed25519VerifyingKey),
    /// `{"kty":"OKP","crv":"Ed25519","x":…,"d":…}`
    Ed25519Private(Ed25519SigningKey),
    /// `{"kty":"oct","alg":"HS256"|"HS512","k":…}`; the `alg` member is required because an oct
    /// key without it could be used with either hash.
    Hmac(HmacKey),
}

/// One JSON Web Key this crate can use, with its optional `kid`.
///
/// Parsing ([`Jwk::from_json`]) accepts Ed25519 keys (`use` absent or `sig`, `alg` absent,
/// `EdDSA` or `Ed25519`, `key_ops` absent or containing `verify` or `sign`) and oct keys with
/// `alg` `HS256` or `HS512`; everything else well-formed is [`Error::UnsupportedJwk`], which a
/// [`Jwks`] skips. Written keys carry `use: "sig"` and `alg`.
#[derive(Debug, Clone)]
pub struct Jwk {
    kid: Option<String>,
    key: JwkKey,
}

impl Jwk {
    /// Wraps key material with an optional `kid`.
    pub fn new(key: JwkKey, kid: Option<String>) -> Self {
        Jwk { kid, key }
    }

    /// Generates a fresh Ed25519 private JWK whose `kid` is its RFC 7638 thumbprint.
    pub fn generate_ed25519(rng: &mut impl CryptoRngCore) -> Self {
        let key = Ed25519SigningKey::generate(rng);
        let kid = key.verifying_key().thumbprint();
        Jwk::new(JwkKey::Ed25519Private(key), Some(kid))
    }

    /// Parses one JWK.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedJwk`] for a well-formed key this crate does not use,
    /// [`Error::InvalidJwk`] or [`Error::KeyTooShort`] for a malformed one, JSON errors with
    /// [`Part::Key`].
    pub fn from_json(json: &str) -> Result<Self, Error> {
        Jwk::from_object(&parse_object(json.as_bytes(), Part::Key)?)
    }

    fn from_object(map: &Map<String, Value>) -> Result<Self, Error> {
        let kty = string_member(map, "kty")?.ok_or_else(|| invalid("kty is missing"))?;
        let kid = string_member(map, "kid")?.map(str::to_owned);
        let alg = string_member(map, "alg")?;
        let key = match kty {
            "OKP" => {
                let crv = string_member(map, "crv")?.ok_or_else(|| invalid("crv is missing"))?;
                if crv != "Ed25519" {
                    return Err(unsupported(format!("curve {crv:?}")));
                }
                if let Some(alg) = alg.filter(|alg| !matches!(*alg, "EdDSA" | "Ed25519")) {
                    return Err(unsupported(format!("alg {alg:?} for an ed25519 key")));
                }
                check_usage(map)?;
                let x = bytes_member(map, "x")?.ok_or_else(|| invalid("x is missing"))?;
                let public =
                    Ed25519VerifyingKey::from_bytes(&x).map_err(|err| invalid(err.to_string()))?;
                match bytes_member(map, "d")? {
                    None => JwkKey::Ed25519Public(public),
                    Some(d) => {
                        let private = Ed25519SigningKey::from_slice(&d)
                            .map_err(|err| invalid(err.to_string()))?;
                        if private.verifying_key() != public {
                            return Err(invalid("d does not match x"));
                        }
                        JwkKey::Ed25519Private(private)
                    }
                }
            }
            "oct" => {
                let alg = match alg {
                    Some("HS256") => Algorithm::Hs256,
                    Some("HS512") => Algorithm::Hs512,
                    Some(other) => {
                        return Err(unsupported(format!("alg {other:?} for an oct key")))
                    }
                    None => return Err(unsupported("an oct key without alg is ambiguous")),
                };
                check_usage(map)?;
                let k = bytes_member(map, "k")?.ok_or_else(|| invalid("k is missing"))?;
                JwkKey::Hmac(HmacKey::new(alg, &k)?)
            }
            other => return Err(unsupported(format!("kty {other:?}"))),
        };
        Ok(Jwk { kid, key })
    }

    /// Returns the `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Returns the key material.
    pub fn key(&self) -> &JwkKey {
        &self.key
    }

    /// Returns the algorithm the key is used with.
    pub fn algorithm(&self) -> Algorithm {
        match &self.key {
            JwkKey::Ed25519Public(_) | JwkKey::Ed25519Private(_) => Algorithm::EdDsa,
            JwkKey::Hmac(key) => key.algorithm(),
        }
    }

    /// Returns the key that signs, if this JWK holds a private or secret key.
    pub fn signing_key(&self) -> Option<SigningKey> {
        match &self.key {
            JwkKey::Ed25519Public(_) => None,
            JwkKey::Ed25519Private(key) => Some(SigningKey::Ed25519(key.clone())),
            JwkKey::Hmac(key) => Some(SigningKey::Hmac(key.clone())),
        }
    }

    /// Returns the key that verifies.
    pub fn verifying_key(&self) -> VerifyingKey {
        match &self.key {
            JwkKey::Ed25519Public(key) => VerifyingKey::Ed25519(*key),
            JwkKey::Ed25519Private(key) => VerifyingKey::Ed25519(key.verifying_key()),
            JwkKey::Hmac(key) => VerifyingKey::Hmac(key.clone()),
        }
    }

    /// Returns the public JWK (same `kid`), or `None` for an HMAC secret, which has no public
    /// half.
    pub fn to_public(&self) -> Option<Jwk> {
        let public = match &self.key {
            JwkKey::Ed25519Public(key) => *key,
            JwkKey::Ed25519Private(key) => key.verifying_key(),
            JwkKey::Hmac(_) => return None,
        };
        Some(Jwk::new(JwkKey::Ed25519Public(public), self.kid.clone()))
    }

    /// Returns the RFC 7638 thumbprint of an Ed25519 key (RFC 8037 §2), or `None` for an HMAC
    /// secret: its thumbprint would publish a hash of the secret.
    pub fn thumbprint(&self) -> Option<String> {
        match &self.key {
            JwkKey::Ed25519Public(key) => Some(key.thumbprint()),
            JwkKey::Ed25519Private(key) => Some(key.verifying_key().thumbprint()),
            JwkKey::Hmac(_) => None,
        }
    }

    /// Returns the JWK as compact JSON. For a private or secret key the text contains the
    /// secret; the caller owns it from then on.
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    /// Builds the JSON object, lends it to `f`, then wipes the secret members.
    fn with_object<R>(&self, f: impl FnOnce(&Map<String, Value>) -> R) -> R {
        let mut map = Map::new();
        let mut put = |name: &str, value: String| map.insert(name.to_owned(), Value::String(value));
        match &self.key {
            JwkKey::Ed25519Public(key) => {
                put("kty", "OKP".into());
                put("crv", "Ed25519".into());
                put("x", b64_encode(key.to_bytes()));
            }
            JwkKey::Ed25519Private(key) => {
                put("kty", "OKP".into());
                put("crv", "Ed25519".into());
                put("x", b64_encode(key.verifying_key().to_bytes()));
                put("d", b64_encode(*key.seed()));
            }
            JwkKey::Hmac(key) => {
                put("kty", "oct".into());
                put("k", b64_encode(key.secret()));
            }
        }
        if let Some(kid) = &self.kid {
            put("kid", kid.clone());
        }
        put("use", "sig".into());
        put("alg", self.algorithm().name().into());
        let result = f(&map);
        for secret in ["d", "k"] {
            if let Some(Value::String(text)) = map.get_mut(secret) {
                text.zeroize();
            }
        }
        result
    }
}

impl Serialize for Jwk {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.with_object(|map| map.serialize(serializer))
    }
}

fn to_json(value: &impl Serialize) -> String {
    // Only string members and string keys: serialization cannot fail.
    let Ok(json) = serde_json::to_string(value) else {
        unreachable!("a jwk always serializes")
    };
    json
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidJwk {
        reason: reason.into(),
    }
}

fn unsupported(reason: impl Into<String>) -> Error {
    Error::UnsupportedJwk {
        reason: reason.into(),
    }
}

fn string_member<'a>(map: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Error> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(invalid(format!("{name} is not a string"))),
    }
}

fn bytes_member(map: &Map<String, Value>, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
    let Some(text) = string_member(map, name)? else {
        return Ok(None);
    };
    let bytes = b64_decode(text, Part::Key)
        .map_err(|_| invalid(format!("{name} is not canonical base64url")))?;
    Ok(Some(Zeroizing::new(bytes)))
}

/// Refuses keys meant for something other than signatures (RFC 7517 §4.2, §4.3).
fn check_usage(map: &Map<String, Value>) -> Result<(), Error> {
    if let Some(usage) = string_member(map, "use")?.filter(|usage| *usage != "sig") {
        return Err(unsupported(format!("use {usage:?}")));
    }
    match map.get("key_ops") {
        None => Ok(()),
        Some(Value::Array(ops)) => {
            if !ops.iter().all(Value::is_string) {
                return Err(invalid("key_ops is not an array of strings"));
            }
            if ops.iter().any(|op| op == "verify" || op == "sign") {
                Ok(())
            } else {
                Err(unsupported("key_ops has neither sign nor verify"))
            }
        }
        Some(_) => Err(invalid("key_ops is not an array")),
    }
}

/// A JWK Set ([RFC 7517 §5]): the keys this crate can use, in document order.
///
/// [RFC 7517 §5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
#[derive(Debug, Clone, Default)]
pub struct Jwks {
    keys: Vec<Jwk>,
    skipped: usize,
}

impl Jwks {
    /// Makes a set from keys.
    pub fn new(keys: Vec<Jwk>) -> Self {
        Jwks { keys, skipped: 0 }
    }

    /// Parses a JWK Set. Keys of other types, curves, algorithms or uses are skipped (see
    /// [`skipped`](Jwks::skipped)); a malformed key fails the whole set, because a publisher
    /// that botched one key may have botched the others. A set that mixes secret `oct` keys
    /// with asymmetric keys (of any type) is refused. Public and private Ed25519 keys may be
    /// mixed: an issuer keeps retired keys as public ones while they still verify.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidJwk`] (no `keys` array, a member not an object, a malformed key, secret
    /// and asymmetric keys mixed),
    /// [`Error::KeyTooShort`], [`Error::DuplicateKid`], JSON errors with [`Part::Key`].
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let map = parse_object(json.as_bytes(), Part::Key)?;
        let Some(Value::Array(members)) = map.get("keys") else {
            return Err(invalid("keys is missing or not an array"));
        };
        let mut set = Jwks::default();
        let (mut secret, mut asymmetric) = (false, false);
        for member in members {
            let Value::Object(member) = member else {
                return Err(invalid("a member of keys is not an object"));
            };
            match member.get("kty") {
                Some(kty) if kty == "oct" => secret = true,
                Some(_) => asymmetric = true,
                None => {}
            }
            if secret && asymmetric {
                // A set is either secret (shared with one party) or publishable, never both.
                return Err(invalid(
                    "the set mixes secret oct keys with asymmetric keys",
                ));
            }
            match Jwk::from_object(member) {
                Ok(jwk) => {
                    if let Some(kid) = jwk.kid() {
                        if set.keys.iter().any(|held| held.kid() == Some(kid)) {
                            return Err(Error::DuplicateKid {
                                kid: kid.to_owned(),
                            });
                        }
                    }
                    set.keys.push(jwk);
                }
                Err(Error::UnsupportedJwk { .. }) => set.skipped += 1,
                Err(err) => return Err(err),
            }
        }
        Ok(set)
    }

    /// Returns the usable keys in document order.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// Returns how many keys parsing skipped as unsupported.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Returns the set of public keys: private Ed25519 keys become public, HMAC secrets are
    /// dropped.
    #[must_use]
    pub fn to_public(&self) -> Jwks {
        Jwks::new(self.keys.iter().filter_map(Jwk::to_public).collect())
    }

    /// Returns `{"keys":[…]}` as compact JSON.
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

impl Serialize for Jwks {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("keys", &self.keys)?;
        map.end()
    }
}
