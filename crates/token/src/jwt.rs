//! Signing and verifying with a single key.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{jws, Claims, Error, SigningKey, UnixTime, Validation, VerifiedJws, VerifyingKey};

impl SigningKey {
    /// Signs `claims` as a JWT with header `{"alg":…,"typ":"JWT"}` (no `kid`; a
    /// [`KeyRing`](crate::KeyRing) adds one).
    ///
    /// # Errors
    ///
    /// [`Error::BadExtraClaims`] if `claims.extra` is not a JSON object or repeats a registered
    /// claim, [`Error::TokenTooLarge`] if the token would exceed
    /// [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN).
    pub fn sign<T: Serialize>(&self, claims: &Claims<T>) -> Result<String, Error> {
        self.sign_jwt(None, claims)
    }

    pub(crate) fn sign_jwt<T: Serialize>(
        &self,
        kid: Option<&str>,
        claims: &Claims<T>,
    ) -> Result<String, Error> {
        jws::sign_raw(
            self,
            &jws::jwt_header(self.algorithm(), kid),
            &claims.to_json()?,
        )
    }

    /// Signs the exact `header_json` and `payload` bytes as a compact JWS.
    ///
    /// For reproducing published vectors and for payloads that are not JWT claims. The header
    /// must pass the rules a verifier applies and its `alg` must be this key's algorithm.
    ///
    /// # Errors
    ///
    /// Any header error a verifier would report, [`Error::AlgMismatch`] if the header names
    /// another algorithm, [`Error::TokenTooLarge`].
    pub fn sign_raw(&self, header_json: &[u8], payload: &[u8]) -> Result<String, Error> {
        jws::sign_raw(self, header_json, payload)
    }

    /// Verifies like [`VerifyingKey::verify`] with this key's verifying half.
    ///
    /// # Errors
    ///
    /// See [`VerifyingKey::verify`].
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
        now: UnixTime,
    ) -> Result<Claims<T>, Error> {
        self.verifying_key().verify(token, validation, now)
    }
}

impl VerifyingKey {
    /// Verifies a JWT: header rules, signature, then claims under `validation` at `now`.
    ///
    /// The key decides the algorithm: a header naming another algorithm is refused. Any `kid`
    /// in the header is ignored (a [`KeyRing`](crate::KeyRing) uses it to pick a key).
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
        let parsed = jws::parse(token)?;
        parsed.verify_with(self)?;
        let claims = Claims::from_json(parsed.payload())?;
        validation.check(&claims, now)?;
        Ok(claims)
    }

    /// Verifies only the header rules and the signature, and returns the header and payload
    /// bytes without interpreting the payload.
    ///
    /// # Errors
    ///
    /// The first structural, header or signature rule the token breaks.
    pub fn verify_signature(&self, token: &str) -> Result<VerifiedJws, Error> {
        jws::verify_signature(token, self)
    }
}
