//! Fetching an auth host's JWK Set for [`watchword-session`](watchword_session)'s consumer
//! verifier: one-shot with [`fetch_jwks`], or kept fresh with [`RemoteJwks`], which runs the
//! loop of the pure [`JwksCache`](watchword_session::JwksCache) with a hyper 1 client on tokio.
//!
//! `https://` URLs go through rustls (on *ring*, with Mozilla's root certificates compiled in
//! from `webpki-roots`: no OpenSSL, no system trust store); `http://` is accepted too, for a
//! host on loopback or behind a TLS-terminating egress proxy. Anything fancier (a private CA,
//! a proxy that needs credentials) is a matter of fetching the set yourself and feeding the
//! pure `JwksCache` — that is all [`RemoteJwks`] does.
//!
//! This crate does the IO that `watchword-session` leaves out; it reads the system clock only
//! in [`system_now`] and [`RemoteJwks::verify`].
//!
//! ```no_run
//! use watchword_jwks_fetch::RemoteJwks;
//! use watchword_session::{cookie_value, CachePolicy, JwksCache, SessionRules, SESSION_COOKIE};
//! # async fn run(cookie_header: &str) -> Result<(), Box<dyn std::error::Error>> {
//! // Once, shared by every request handler:
//! let remote = RemoteJwks::new(JwksCache::new(
//!     "https://auth.example.com/api/auth/jwks",
//!     CachePolicy::default(),
//!     SessionRules::new(30).issuer("https://auth.example.com"),
//! ))?;
//! // Per request:
//! let token = cookie_value(cookie_header, SESSION_COOKIE).unwrap_or_default();
//! let session = remote.verify(token).await?;
//! # let _ = session;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod fetch;
mod remote;

pub use error::Error;
pub use fetch::{fetch_jwks, verify_session_with_url, DEFAULT_TIMEOUT, MAX_JWKS_LEN};
pub use remote::{system_now, RemoteJwks};
