//! The auth-host surface's pure logic, compatible with OrangeCheck: the `orangecheck-auth`
//! sign-in challenge and its verification, the `orangecheck` attestation message, Ed25519
//! session tokens (the `oc_session` cookie), the multi-account roster, and the consumer side
//! that other sites embed to verify session cookies from the host's JWK Set.
//!
//! Pure logic: no clock, no RNG, no IO. `now` and randomness (any
//! `rand_core` [`CryptoRngCore`](rand_core::CryptoRngCore), or bytes) come in as arguments,
//! and wallet signature schemes come in through [`SignatureVerifier`].
//!
//! # The auth host
//!
//! `wallet` below is a [`SignatureVerifier`]: with the default `bip322` feature,
//! `bip322::Bip322Verifier::new(bip322::Network::Bitcoin)`.
//!
//! ```
//! use watchword_session::{
//!     Challenge, DidOc, Ed25519SigningKey, Nonce, SessionGrant, SessionIssuer, SignInCheck,
//!     UnixTime, DEFAULT_CHALLENGE_TTL, DEFAULT_SESSION_LIFETIME,
//! };
//! # use watchword_session::{SignatureVerifier, SigError, SigningMethod};
//! # struct Wallet;
//! # impl SignatureVerifier for Wallet {
//! #     fn verify(&self, _: &str, _: &[u8], _: &str) -> Result<SigningMethod, SigError> {
//! #         Ok(SigningMethod::Bip322Simple)
//! #     }
//! # }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (mut rng, now) = (rand_core::OsRng, UnixTime(1_776_859_200));
//! # let (address, signature, wallet) = ("bc1qexample", "AkcwRAIg…", Wallet);
//! // GET /api/challenge?addr=…: store the text under its nonce (single use, with its TTL).
//! let challenge = Challenge::new(address, Nonce::random(&mut rng), now, DEFAULT_CHALLENGE_TTL)?
//!     .with_audience("https://example.com")?
//!     .with_purpose("login")?;
//! let stored: String = challenge.to_text();
//!
//! // POST /api/auth/signin { nonce, signature }: take the stored text, check the signature.
//! let signed_in = SignInCheck::new(challenge.nonce())
//!     .audience("https://example.com")
//!     .purpose("login")
//!     .verify(&stored, signature, now.plus(20), &wallet)
//!     .map_err(|reason| reason.code())?; // "expired", "sig_invalid", …
//!
//! // Then open a session: the token is the oc_session cookie.
//! let mut issuer = SessionIssuer::new("https://auth.example.com", DEFAULT_SESSION_LIFETIME);
//! issuer.add_key("2026-04", Ed25519SigningKey::generate(&mut rng))?;
//! let mut grant = SessionGrant::new("acct-1", DidOc::random(&mut rng));
//! grant.address = Some(signed_in.address);
//! grant.signing_method = Some(signed_in.signing_method);
//! let mut jti = [0; 16];
//! rand_core::RngCore::fill_bytes(&mut rng, &mut jti);
//! let cookie = issuer.issue(&grant, jti, now.plus(20))?.token;
//! # let _ = cookie;
//! # Ok(())
//! # }
//! ```
//!
//! # A consumer site
//!
//! ```
//! use watchword_session::{cookie_value, SessionRules, SessionVerifier, UnixTime, SESSION_COOKIE};
//! # fn main() -> Result<(), watchword_session::Error> {
//! # let mut issuer = watchword_session::SessionIssuer::new("https://auth.example.com", 600);
//! # issuer.add_key("k", watchword_session::Ed25519SigningKey::from_seed(&[7; 32]))?;
//! # let now = UnixTime(1_776_859_200);
//! # let grant = watchword_session::SessionGrant::new("acct-1", watchword_session::DidOc::from_bytes([1; 16]));
//! # let token = issuer.issue(&grant, [2; 16], now)?.token;
//! # let jwks_json = issuer.public_jwks().to_json();
//! # let cookie_header = format!("theme=dark; oc_session={token}");
//! // At startup (or from a JwksCache that refreshes it): the host's /api/auth/jwks.
//! let verifier = SessionVerifier::from_jwks_json(
//!     &jwks_json,
//!     SessionRules::new(30).issuer("https://auth.example.com"),
//! )?;
//! // Per request:
//! let token = cookie_value(&cookie_header, SESSION_COOKIE).unwrap_or_default();
//! let session = verifier.verify(token, now)?;
//! assert_eq!(session.sub, "acct-1");
//! # Ok(())
//! # }
//! ```
//!
//! To follow key rotation without redeploying, keep a [`JwksCache`]: it says when to fetch
//! the set, keeps a stale set when a fetch fails, and asks for one early refetch when a token
//! names an unknown `kid`. The `watchword-jwks-fetch` crate's `RemoteJwks` runs that loop with
//! a hyper client (HTTPS through rustls, or HTTP).
//!
//! # Features
//!
//! - `bip322` (default) — `bip322::Bip322Verifier`, the [`SignatureVerifier`] of BIP-322 and
//!   legacy wallet signatures, with `watchword-bip322`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attestation;
pub mod challenge;
mod cookie;
mod error;
mod ids;
pub mod jwks_cache;
pub mod roster;
mod session;
pub mod signin;
mod text;
pub mod timestamp;
pub mod verdict;

#[cfg(feature = "bip322")]
pub mod bip322;

#[doc(hidden)]
pub mod fuzzing;

pub use attestation::{Attestation, Identity};
pub use challenge::{Challenge, DEFAULT_CHALLENGE_TTL, MAX_CHALLENGE_TTL};
pub use cookie::{cookie_value, CookieOptions};
pub use error::{Error, TextKind};
pub use ids::{DidOc, Nonce};
pub use jwks_cache::{CachePolicy, CacheState, FetchReason, FetchRequest, Fetched, JwksCache};
pub use roster::{Account, Roster, MAX_ACCOUNTS};
pub use session::{
    Issued, Session, SessionGrant, SessionIssuer, SessionRules, SessionVerifier,
    DEFAULT_SESSION_LIFETIME, MAX_CLAIM_LEN, SESSION_COOKIE,
};
pub use signin::{
    SigError, SignInCheck, SignInRejection, SignatureVerifier, SignedIn, SigningMethod,
};
pub use watchword_token::{Ed25519SigningKey, Ed25519VerifyingKey, Jwk, Jwks, UnixTime};
