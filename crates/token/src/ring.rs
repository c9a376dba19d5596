//! Key rings: sign with the newest key, verify with any key still listed.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{
    jws, Algorithm, Claims, Error, Jwk, JwkKey, Jwks, SigningKey, UnixTime, Validation,
    VerifiedJws, VerifyingKey,
};

/// A set of keys, each with a `kid`, in the order they were added.
///
/// - **Signing** uses the most recently added key that has a private half, and writes its `kid`
///   into the header.
/// - **Verifying** picks the key by the header's `kid` when there is one (an unknown `kid` is
///   [`Error::UnknownKid`], never a fallback to other keys); a token without `kid` is tried
///   against every key of the header's algorithm.
/// - **Rotation**: add the new key (it signs from then on, the old one still verifies), then
///   [`remove`](KeyRing::remove) the old one once its tokens have expired.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    kid: String,
    signing: Option<SigningKey>,
    verifying: VerifyingKey,
}

impl KeyRing {
    /// Returns an empty ring.
    pub fn new() -> Self {
        KeyRing::default()
    }

    /// Adds a signing key under `kid`; it becomes the key [`sign`](KeyRing::sign) uses.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateKid`] if the ring already holds `kid`.
    pub fn add_signing_key(
        &mut self,
        kid: impl Into<String>,
        key: impl Into<SigningKey>,
    ) -> Result<(), Error> {
        let key = key.into();
        self.push(Entry {
            kid: kid.into(),
            verifying: key.verifying_key(),
            signing: Some(key),
        })
    }

    /// Adds a key that only verifies.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateKid`] if the ring already holds `kid`.
    pub fn add_verifying_key(
        &mut self,
        kid: impl Into<String>,
        key: impl Into<VerifyingKey>,
    ) -> Result<(), Error> {
        self.push(Entry {
            kid: kid.into(),
            signing: None,
            verifying: key.into(),
        })
    }

    fn push(&mut self, entry: Entry) -> Result<(), Error> {
        if self.entries.iter().any(|held| held.kid == entry.kid) {
            return Err(Error::DuplicateKid { kid: entry.kid });
        }
        self.entries.push(entry);
        Ok(())
    }

    /// Removes the key with `kid`; returns whether there was one.
    pub fn remove(&mut self, kid: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|entry| entry.kid != kid);
        self.entries.len() != before
    }

    /// Builds a ring from the usable keys of a JWK Set, in the set's order (so the last private
    /// key signs). A key without `kid` gets its RFC 7638 thumbprint.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidJwk`] for an HMAC key without `kid` (its thumbprint would publish a hash
    /// of the secret), [`Error::DuplicateKid`].
    pub fn from_jwks(jwks: &Jwks) -> Result<Self, Error> {
        let mut ring = KeyRing::new();
        for jwk in jwks.keys() {
            let kid = match (jwk.kid(), jwk.thumbprint()) {
                (Some(kid), _) => kid.to_owned(),
                (None, Some(thumbprint)) => thumbprint,
                (None, None) => {
                    return Err(Error::InvalidJwk {
                        reason: "an oct key needs a kid to join a key ring".into(),
                    })
                }
            };
            match jwk.signing_key() {
                Some(key) => ring.add_signing_key(kid, key)?,
                None => ring.add_verifying_key(kid, jwk.verifying_key())?,
            }
        }
        Ok(ring)
    }

    /// Returns the public JWK Set of the ring's Ed25519 keys, each with its `kid`. HMAC keys are
    /// secret and never listed.
    pub fn public_jwks(&self) -> Jwks {
        let keys = self
            .entries
            .iter()
            .filter_map(|entry| match &entry.verifying {
                VerifyingKey::Ed25519(key) => Some(Jwk::new(
                    JwkKey::Ed25519Public(*key),
                    Some(entry.kid.clone()),
                )),
                VerifyingKey::Hmac(_) => None,
            });
        Jwks::new(keys.collect())
    }

    /// Returns the `kid`s in the order the keys were added.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|entry| entry.kid.as_str())
    }

    /// Returns the number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns whether the ring holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Returns the `kid` [`sign`](KeyRing::sign) would use.
    pub fn signing_kid(&self) -> Option<&str> {
        self.newest_signing().map(|(kid, _)| kid)
    }

    fn newest_signing(&self) -> Option<(&str, &SigningKey)> {
        self.entries
            .iter()
            .rev()
            .find_map(|entry| Some((entry.kid.as_str(), entry.signing.as_ref()?)))
    }

    /// Signs `claims` with the newest signing key, its `kid` in the header.
    ///
    /// # Errors
    ///
    /// [`Error::NoSigningKey`], or any error of [`SigningKey::sign`].
    pub fn sign<T: Serialize>(&self, claims: &Claims<T>) -> Result<String, Error> {
        let (kid, key) = self.newest_signing().ok_or(Error::NoSigningKey)?;
        key.sign_jwt(Some(kid), claims)
    }

    /// Verifies a JWT with the ring's keys, then its claims under `validation` at `now`.
    ///
    /// # Errors
    ///
    /// The first rule the token breaks; each rule has its own [`Error`] variant.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
        now: UnixTime,
    ) -> Result<Claims<T>, Error> {
        let parsed = self.verify_parsed(token)?;
        let claims = Claims::from_json(parsed.payload())?;
        validation.check(&claims, now)?;
        Ok(claims)
    }

    /// Verifies only the header rules and the signature with the ring's keys.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownKid`], [`Error::NoKeyForAlg`], [`Error::AlgMismatch`] (the key named by
    /// `kid` is of another algorithm), [`Error::BadSignature`], or any structural or header
    /// error.
    pub fn verify_signature(&self, token: &str) -> Result<VerifiedJws, Error> {
        self.verify_parsed(token).map(jws::Parsed::into_verified)
    }

    /// The header rules and the signature, leaving the payload in the parser's buffer.
    fn verify_parsed<'a>(&self, token: &'a str) -> Result<jws::Parsed<'a>, Error> {
        let parsed = jws::parse(token)?;
        if let Some(kid) = parsed.header().kid() {
            let entry = self
                .entries
                .iter()
                .find(|entry| entry.kid == kid)
                .ok_or_else(|| Error::UnknownKid {
                    kid: kid.to_owned(),
                })?;
            parsed.verify_with(&entry.verifying)?;
            return Ok(parsed);
        }
        let alg: Algorithm = parsed.header().alg();
        let mut candidates = self
            .entries
            .iter()
            .filter(|entry| entry.verifying.algorithm() == alg)
            .peekable();
        if candidates.peek().is_none() {
            return Err(Error::NoKeyForAlg { alg });
        }
        let mut last = Error::BadSignature;
        for entry in candidates {
            match parsed.verify_with(&entry.verifying) {
                Ok(()) => return Ok(parsed),
                Err(err) => last = err,
            }
        }
        Err(last)
    }
}
