//! Session tokens: the `oc_session` cookie's value, an `EdDSA` JWT the auth host signs and
//! every consumer site verifies locally from the host's JWK Set.
//!
//! Claims: the registered `iss`, `sub`, `aud` (optional), `iat`, `exp` and `jti`, and
//! - `did_oc` — the account's `did:oc:<32 hex>`,
//! - `name` — display name (optional),
//! - `address` — the Bitcoin address a wallet sign-in proved (optional),
//! - `signing_method` — `bip322_simple`, `bip322_full`, `bip322_proof_of_funds` or `legacy`,
//!   for wallet sign-ins,
//! - `step_up_at` — when the user last re-proved control, for sensitive actions (optional).
//!
//! Consumers ignore claims they do not know, so the issuer can add some.

use serde::ser::SerializeMap as _;
use serde::{Deserialize, Serialize, Serializer};
use watchword_token::{
    Claims, Ed25519SigningKey, Ed25519VerifyingKey, Jwk, JwkKey, Jwks, KeyRing, UnixTime,
    Validation,
};

use crate::text::hex;
use crate::{DidOc, Error, SigningMethod};

/// The cookie name OrangeCheck consumers read.
pub const SESSION_COOKIE: &str = "oc_session";
/// A session lifetime for [`SessionIssuer::new`] when the operator has no other wish: 7 days.
pub const DEFAULT_SESSION_LIFETIME: u64 = 7 * 24 * 3600;
/// The longest `sub` or `name` accepted when issuing, in bytes (a cookie holds 4 KiB).
pub const MAX_CLAIM_LEN: usize = 256;

/// What the auth host knows about a user when it opens a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionGrant {
    /// The account's subject identifier.
    pub sub: String,
    /// The account's `did:oc`.
    pub did_oc: DidOc,
    /// Display name.
    pub name: Option<String>,
    /// The Bitcoin address proved by a wallet sign-in.
    pub address: Option<String>,
    /// How the wallet signed.
    pub signing_method: Option<SigningMethod>,
    /// When the user last re-proved control.
    pub step_up_at: Option<UnixTime>,
}

impl SessionGrant {
    /// A grant with only the account identifiers.
    pub fn new(sub: impl Into<String>, did_oc: DidOc) -> Self {
        SessionGrant {
            sub: sub.into(),
            did_oc,
            name: None,
            address: None,
            signing_method: None,
            step_up_at: None,
        }
    }
}

/// A verified session: the claims of a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Subject: the account identifier.
    pub sub: String,
    /// The account's `did:oc`.
    pub did_oc: DidOc,
    /// Token identifier, unique per session (the handle for revocation lists).
    pub jti: String,
    /// Issued at.
    pub iat: UnixTime,
    /// Expires at.
    pub exp: UnixTime,
    /// Issuer.
    pub iss: Option<String>,
    /// Audiences.
    pub aud: Vec<String>,
    /// Display name.
    pub name: Option<String>,
    /// The Bitcoin address proved by a wallet sign-in.
    pub address: Option<String>,
    /// How the wallet signed.
    pub signing_method: Option<SigningMethod>,
    /// When the user last re-proved control.
    pub step_up_at: Option<UnixTime>,
}

impl Session {
    /// Returns whether the user stepped up at most `max_age` seconds before `now` — the check
    /// a consumer makes before a sensitive action.
    pub fn stepped_up_within(&self, now: UnixTime, max_age: u64) -> bool {
        self.step_up_at
            .is_some_and(|at| now.0.saturating_sub(at.0) <= max_age)
    }
}

/// Written with the claim names, as the token carries them.
impl Serialize for Session {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("sub", &self.sub)?;
        map.serialize_entry("did_oc", &self.did_oc)?;
        map.serialize_entry("jti", &self.jti)?;
        map.serialize_entry("iat", &self.iat.0)?;
        map.serialize_entry("exp", &self.exp.0)?;
        if let Some(iss) = &self.iss {
            map.serialize_entry("iss", iss)?;
        }
        if !self.aud.is_empty() {
            map.serialize_entry("aud", &self.aud)?;
        }
        if let Some(name) = &self.name {
            map.serialize_entry("name", name)?;
        }
        if let Some(address) = &self.address {
            map.serialize_entry("address", address)?;
        }
        if let Some(method) = &self.signing_method {
            map.serialize_entry("signing_method", method)?;
        }
        if let Some(at) = &self.step_up_at {
            map.serialize_entry("step_up_at", &at.0)?;
        }
        map.end()
    }
}

/// The claims besides the registered ones.
#[derive(Debug, Serialize, Deserialize)]
struct SessionExtra {
    did_oc: DidOc,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_method: Option<SigningMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step_up_at: Option<u64>,
}

/// A token just issued and the session it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The compact JWT, the cookie's value.
    pub token: String,
    /// Its claims.
    pub session: Session,
}

/// The auth host's side: signs session tokens with the newest of its Ed25519 keys.
///
/// Rotation works as with a [`KeyRing`]: add the new key (it signs from then on and the old
/// one keeps verifying), publish [`public_jwks`](SessionIssuer::public_jwks), and remove the
/// old key once its sessions have expired.
#[derive(Debug, Clone)]
pub struct SessionIssuer {
    ring: KeyRing,
    issuer: String,
    audience: Vec<String>,
    lifetime: u64,
}

impl SessionIssuer {
    /// An issuer named `issuer` (its public base URL, written as `iss`) whose sessions last
    /// `lifetime` seconds, with no key yet.
    pub fn new(issuer: impl Into<String>, lifetime: u64) -> Self {
        SessionIssuer {
            ring: KeyRing::new(),
            issuer: issuer.into(),
            audience: Vec::new(),
            lifetime,
        }
    }

    /// An issuer with every Ed25519 key of a JWK Set, in order: private keys sign (the last
    /// one from now on), public ones only verify. Other key types are left out.
    ///
    /// # Errors
    ///
    /// [`Error::NoSigningKey`] if the set has no private Ed25519 key, [`Error::Token`] with
    /// `DuplicateKid`.
    pub fn from_jwks(issuer: impl Into<String>, lifetime: u64, jwks: &Jwks) -> Result<Self, Error> {
        let mut session_issuer = SessionIssuer::new(issuer, lifetime);
        for jwk in jwks.keys() {
            let kid = jwk
                .kid()
                .map_or_else(|| jwk.thumbprint().unwrap_or_default(), str::to_owned);
            match jwk.key() {
                JwkKey::Ed25519Private(key) => session_issuer.add_key(kid, key.clone())?,
                JwkKey::Ed25519Public(key) => session_issuer.add_retired_key(kid, *key)?,
                _ => {}
            }
        }
        if session_issuer.ring.signing_kid().is_none() {
            return Err(Error::NoSigningKey);
        }
        Ok(session_issuer)
    }

    /// Writes `aud` into every session (one or more audiences). Consumers then have to expect
    /// one of them.
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience.push(audience.into());
        self
    }

    /// Adds a signing key; it signs from now on.
    ///
    /// # Errors
    ///
    /// [`Error::Token`] with `DuplicateKid`.
    pub fn add_key(&mut self, kid: impl Into<String>, key: Ed25519SigningKey) -> Result<(), Error> {
        Ok(self.ring.add_signing_key(kid, key)?)
    }

    /// Adds a key that only verifies and is published (a retired key whose sessions are still
    /// alive).
    ///
    /// # Errors
    ///
    /// [`Error::Token`] with `DuplicateKid`.
    pub fn add_retired_key(
        &mut self,
        kid: impl Into<String>,
        key: Ed25519VerifyingKey,
    ) -> Result<(), Error> {
        Ok(self.ring.add_verifying_key(kid, key)?)
    }

    /// Removes a key; returns whether there was one.
    pub fn remove_key(&mut self, kid: &str) -> bool {
        self.ring.remove(kid)
    }

    /// Returns the `kid` that signs.
    pub fn signing_kid(&self) -> Option<&str> {
        self.ring.signing_kid()
    }

    /// The issuer's name, written as `iss`.
    pub fn name(&self) -> &str {
        &self.issuer
    }

    /// Returns the session lifetime in seconds.
    pub fn lifetime(&self) -> u64 {
        self.lifetime
    }

    /// Returns the public JWK Set to serve at `/api/auth/jwks` and `/.well-known/jwks.json`.
    pub fn public_jwks(&self) -> Jwks {
        self.ring.public_jwks()
    }

    /// Returns a verifier of this issuer's sessions (for the host's own `/api/auth/me`).
    ///
    /// # Errors
    ///
    /// [`Error::NoUsableKey`] if the issuer holds no key.
    pub fn verifier(&self, rules: SessionRules) -> Result<SessionVerifier, Error> {
        SessionVerifier::from_jwks(&self.public_jwks(), rules)
    }

    /// Signs a session for `grant`, issued at `now`, with `jti` the hex of 16 random bytes the
    /// caller drew.
    ///
    /// # Errors
    ///
    /// [`Error::NoSigningKey`], [`Error::SessionClaims`] for an empty or over-long `sub` or an
    /// over-long `name` or `address`, [`Error::Token`] if signing fails.
    pub fn issue(
        &self,
        grant: &SessionGrant,
        jti: [u8; 16],
        now: UnixTime,
    ) -> Result<Issued, Error> {
        if self.ring.signing_kid().is_none() {
            return Err(Error::NoSigningKey);
        }
        if grant.sub.is_empty() {
            return Err(claims_error("sub is empty"));
        }
        for (claim, value) in [
            ("sub", Some(&grant.sub)),
            ("name", grant.name.as_ref()),
            ("address", grant.address.as_ref()),
        ] {
            if value.is_some_and(|value| value.len() > MAX_CLAIM_LEN) {
                return Err(claims_error(&format!(
                    "{claim} is longer than {MAX_CLAIM_LEN} bytes"
                )));
            }
        }
        let session = Session {
            sub: grant.sub.clone(),
            did_oc: grant.did_oc,
            jti: hex(&jti),
            iat: now,
            exp: now.plus(self.lifetime),
            iss: Some(self.issuer.clone()),
            aud: self.audience.clone(),
            name: grant.name.clone(),
            address: grant.address.clone(),
            signing_method: grant.signing_method,
            step_up_at: grant.step_up_at,
        };
        let mut claims = Claims::with_extra(
            session.exp,
            SessionExtra {
                did_oc: session.did_oc,
                name: session.name.clone(),
                address: session.address.clone(),
                signing_method: session.signing_method,
                step_up_at: session.step_up_at.map(|at| at.0),
            },
        );
        claims.iat = Some(now);
        claims.sub = Some(session.sub.clone());
        claims.iss.clone_from(&session.iss);
        claims.aud.clone_from(&session.aud);
        claims.jti = Some(session.jti.clone());
        let token = self.ring.sign(&claims)?;
        Ok(Issued { token, session })
    }
}

fn claims_error(reason: &str) -> Error {
    Error::SessionClaims {
        reason: reason.to_owned(),
    }
}

/// What a consumer checks besides the signature. The leeway is required: say how much clock
/// skew between the auth host and this server to absorb (tens of seconds at most).
///
/// A token is refused when `now >= exp + leeway`, when `iat > now + leeway`, without `sub`,
/// `iat`, `jti` or a well-formed `did_oc`, with another issuer when one is expected, and —
/// as RFC 7519 §4.1.3 says — without the expected audience, or with an audience when none is
/// expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRules {
    leeway: u64,
    issuer: Option<String>,
    audience: Option<String>,
}

impl SessionRules {
    /// Rules with `leeway` seconds of clock skew, any issuer and no audience.
    pub fn new(leeway: u64) -> Self {
        SessionRules {
            leeway,
            issuer: None,
            audience: None,
        }
    }

    /// Requires `iss` to be `issuer`.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires `aud` to contain `audience`.
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Returns the leeway in seconds.
    pub fn leeway(&self) -> u64 {
        self.leeway
    }

    fn validation(&self) -> Validation {
        let mut validation = Validation::new().leeway(self.leeway).require_jti();
        if let Some(issuer) = &self.issuer {
            validation = validation.issuer(issuer.clone());
        }
        if let Some(audience) = &self.audience {
            validation = validation.audience(audience.clone());
        }
        validation
    }
}

/// The consumer's side: verifies session tokens with the Ed25519 keys of the host's JWK Set.
#[derive(Debug, Clone)]
pub struct SessionVerifier {
    ring: KeyRing,
    rules: SessionRules,
    validation: Validation,
}

impl SessionVerifier {
    /// A verifier with the Ed25519 keys of `jwks` (private keys count as their public half;
    /// HMAC secrets and other key types are left out, so the algorithm is always `EdDSA`).
    ///
    /// # Errors
    ///
    /// [`Error::NoUsableKey`] if no Ed25519 key is left, [`Error::Token`] with `DuplicateKid`.
    pub fn from_jwks(jwks: &Jwks, rules: SessionRules) -> Result<Self, Error> {
        let ring = KeyRing::from_jwks(&jwks.to_public())?;
        if ring.is_empty() {
            return Err(Error::NoUsableKey);
        }
        let validation = rules.validation();
        Ok(SessionVerifier {
            ring,
            rules,
            validation,
        })
    }

    /// Parses a JWK Set — or a single JWK, as in an `OC_AUTH_PUBLIC_JWK` variable — and makes
    /// a verifier with its Ed25519 keys.
    ///
    /// # Errors
    ///
    /// The JWK Set's parse error, or those of [`from_jwks`](SessionVerifier::from_jwks).
    pub fn from_jwks_json(json: &str, rules: SessionRules) -> Result<Self, Error> {
        let jwks = match Jwks::from_json(json) {
            Ok(jwks) => jwks,
            Err(set_error) => match Jwk::from_json(json) {
                Ok(jwk) => Jwks::new(vec![jwk]),
                Err(_) => return Err(set_error.into()),
            },
        };
        SessionVerifier::from_jwks(&jwks, rules)
    }

    /// Returns the rules.
    pub fn rules(&self) -> &SessionRules {
        &self.rules
    }

    /// Returns the `kid`s of the keys.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.ring.kids()
    }

    /// Verifies a session token at `now`.
    ///
    /// # Errors
    ///
    /// [`Error::Token`] for any JWT rule (structure, header, unknown `kid`, signature, `exp`,
    /// `iat`, `iss`, `aud`, missing `jti`, a `did_oc` that is not `did:oc:<32 hex>`),
    /// [`Error::SessionClaims`] without `sub` or `iat`.
    pub fn verify(&self, token: &str, now: UnixTime) -> Result<Session, Error> {
        let claims: Claims<SessionExtra> = self.ring.verify(token, &self.validation, now)?;
        let sub = claims
            .sub
            .filter(|sub| !sub.is_empty())
            .ok_or_else(|| claims_error("sub is missing"))?;
        let iat = claims.iat.ok_or_else(|| claims_error("iat is missing"))?;
        let jti = claims.jti.ok_or_else(|| claims_error("jti is missing"))?;
        let extra = claims.extra;
        Ok(Session {
            sub,
            did_oc: extra.did_oc,
            jti,
            iat,
            exp: claims.exp,
            iss: claims.iss,
            aud: claims.aud,
            name: extra.name,
            address: extra.address,
            signing_method: extra.signing_method,
            step_up_at: extra.step_up_at.map(UnixTime),
        })
    }
}
