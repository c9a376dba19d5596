//! Compact JWS and JWT for Watchword: `HS256`, `HS512` and `EdDSA` (Ed25519), with strict
//! header rules, claims checks, JWK/JWKS and key rings.
//!
//! Pure logic: no clock, no IO. The verification time comes in as an argument and randomness
//! (key generation only) as a caller-supplied RNG, so tests and fuzzers drive everything.
//!
//! An embedding service signs with the newest key of its ring and verifies at `now`:
//!
//! ```
//! use watchword_token::{Claims, Ed25519SigningKey, KeyRing, UnixTime, Validation};
//!
//! # fn main() -> Result<(), watchword_token::Error> {
//! let mut ring = KeyRing::new();
//! let key = Ed25519SigningKey::generate(&mut rand_core::OsRng);
//! ring.add_signing_key(key.verifying_key().thumbprint(), key)?;
//!
//! let now = UnixTime(1_700_000_000);
//! let mut claims = Claims::new(now.plus(300));
//! claims.sub = Some("user-42".to_owned());
//! claims.aud = vec!["https://app.example".to_owned()];
//! let token = ring.sign(&claims)?;
//!
//! let validation = Validation::new().audience("https://app.example").leeway(30);
//! let verified: Claims = ring.verify(&token, &validation, now)?;
//! assert_eq!(verified.sub.as_deref(), Some("user-42"));
//! # Ok(())
//! # }
//! ```
//!
//! A consumer that only holds the issuer's published JWK Set builds its ring with
//! [`KeyRing::from_jwks`]`(&`[`Jwks::from_json`]`(text)?)`.
//!
//! # What a verifier refuses
//!
//! The **key** decides the algorithm, never the header: a header `alg` other than the key's is
//! [`Error::AlgMismatch`]. Each rule below has its own [`Error`] variant:
//!
//! - more than [`MAX_TOKEN_LEN`] bytes, not exactly three segments, any segment that is not
//!   canonical unpadded base64url (padding, `+`, `/`, non-zero trailing bits);
//! - a header or claims set that is not a JSON object or repeats a member name (at any depth);
//! - `alg: none` in any casing, unknown algorithms, any `crit` (even empty: no extension is
//!   understood), `jwk`/`jku`/`x5u`/`x5c` (keys chosen by the sender), `b64` other than `true`;
//! - a signature of the wrong length (HMAC tags are full length only) or that does not verify
//!   (HMAC compared in constant time; Ed25519 checked strictly);
//! - a missing or non-integer `exp`, expiry, `nbf` in the future, `iat` in the future, wrong
//!   `aud`/`iss`, missing `jti` when required — see [`Validation`].
//!
//! # Speed
//!
//! Headers and claims sets usually have one shape: a flat object of short names, plain
//! strings and integer times. That shape is read directly, registered claims straight into
//! their fields; anything else (escapes, floats, repeated names, deep nesting, any error) is
//! read by the strict `serde_json` reader, which is the reference for every answer, and a
//! fuzz target (`token_json`) holds the two readers to the same results. HMAC keys keep their
//! key schedule, payloads of up to 256 bytes are decoded on the stack, and tags are compared
//! word by word in constant time. `cargo xtask bench token` prints the ratios against
//! `jsonwebtoken` and the raw primitives (see `docs/performance.md`).
//!
//! # Keys
//!
//! HMAC secrets must be at least as long as the hash output (32 bytes for `HS256`, 64 for
//! `HS512`, RFC 7518 §3.2) and are zeroized on drop; Ed25519 private keys too. No `Debug`
//! output prints a secret.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod claims;
mod encoding;
mod error;
mod jwk;
mod jws;
mod jwt;
mod key;
mod members;
mod ring;
pub mod timestamp;

#[doc(hidden)]
pub mod fuzzing;

pub use claims::{Claims, UnixTime, Validation};
pub use error::{Error, Part};
pub use jwk::{Jwk, JwkKey, Jwks};
pub use jws::{Header, VerifiedJws, MAX_TOKEN_LEN};
pub use key::{
    Algorithm, Ed25519SigningKey, Ed25519VerifyingKey, HmacKey, SigningKey, VerifyingKey,
};
pub use ring::KeyRing;
