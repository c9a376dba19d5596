//! One-time passwords for Watchword: HOTP ([RFC 4226]) and TOTP ([RFC 6238]) with SHA-1,
//! SHA-256 and SHA-512, `otpauth://` key URIs, random human-typable codes, and the two-way OTP
//! device pairing state machine of the `twoway` surface.
//!
//! Pure logic: no clock, no RNG, no IO. The time (`now`, a [`UnixTime`]) and randomness (any
//! `rand_core` [`CryptoRngCore`](rand_core::CryptoRngCore)) come in as arguments, so tests and
//! fuzzers drive everything.
//!
//! # TOTP enrolment and sign-in
//!
//! ```
//! use watchword_otp::{KeyUri, Secret, Totp};
//!
//! # fn main() -> Result<(), watchword_otp::Error> {
//! # let now = watchword_otp::UnixTime(1_700_000_000);
//! // Enrolment: a 160-bit secret, shown to the user's app as a QR code of the key URI.
//! let totp = Totp::new(Secret::generate(&mut rand_core::OsRng));
//! let uri = KeyUri::totp(&totp, Some("ACME Co"), "alice@example.com")?.to_uri();
//! assert!(uri.starts_with("otpauth://totp/ACME%20Co:alice%40example.com?secret="));
//!
//! // Sign-in: the service keeps the last accepted step per user so a code works only once.
//! let last_used_step: Option<u64> = None;
//! # let code = totp.generate(now)?;
//! let verified = totp.verify_unused(&code, now, last_used_step)?;
//! // ...store `Some(verified.step)` with a compare-and-swap, then let the user in.
//! assert!(totp.verify_unused(&code, now, Some(verified.step)).is_err());
//! # Ok(())
//! # }
//! ```
//!
//! # Two-way pairing
//!
//! The server keeps one [`Pairing`] per transaction in its store, as JSON; each request loads
//! it, runs one transition, writes the next state back with a compare-and-swap when it
//! changed, and reports the outcome (see [`pairing`] for every rule):
//!
//! ```
//! use watchword_otp::{Pairing, PairingConfig, Status};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (mut rng, now) = (rand_core::OsRng, watchword_otp::UnixTime(1_700_000_000));
//! let config = PairingConfig::new();
//!
//! // Device `init`: store the state under `init.transaction_id.key()`, answer 2000 with the
//! // client code, and give the device the transaction id.
//! let init = Pairing::init(&config, &mut rng, now);
//! let stored = serde_json::to_vec(&init.state)?;
//!
//! // Portal, for the user it has authenticated, enters the client code the device shows.
//! let state: Pairing = serde_json::from_slice(&stored)?;
//! let entered = state.enter_on_portal(init.client_code.as_str(), "user-42", &mut rng, now.plus(40));
//! let response_code = entered.outcome?; // shown to the user
//! let stored = serde_json::to_vec(&entered.state)?;
//!
//! // Device `complete` with its transaction id and the response code the user typed.
//! let state: Pairing = serde_json::from_slice(&stored)?;
//! let done = state.complete(init.transaction_id.as_str(), response_code.as_str(), now.plus(70));
//! assert_eq!(done.outcome.status(), Status::Valid);
//! assert_eq!(done.outcome.status().code(), 2000);
//! # Ok(())
//! # }
//! ```
//!
//! # Limits
//!
//! Secrets are 16 to 256 bytes (RFC 4226 §4 requires at least 128 bits; [`Secret::generate`]
//! makes the recommended 160). Codes have 6, 7 or 8 digits ([`Digits`]). Verification windows
//! are at most [`MAX_WINDOW`] steps on each side (default ±1 for TOTP). Every code comparison
//! is constant-time.
//!
//! [RFC 4226]: https://www.rfc-editor.org/rfc/rfc4226
//! [RFC 6238]: https://www.rfc-editor.org/rfc/rfc6238
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod base32;
mod code;
mod error;
mod hotp;
pub mod pairing;
mod totp;
mod uri;

#[doc(hidden)]
pub mod fuzzing;

pub use code::{Alphabet, OneTimeCode, MAX_CODE_LEN, MIN_CODE_LEN, UNAMBIGUOUS_SYMBOLS};
pub use error::Error;
pub use hotp::{
    Algorithm, Digits, Hotp, Secret, GENERATED_SECRET_LEN, MAX_SECRET_LEN, MAX_WINDOW,
    MIN_SECRET_LEN,
};
pub use pairing::{CodeFormat, Completion, Pairing, PairingConfig, Status, Unrecoverable};
pub use totp::{Totp, Verified, Window, DEFAULT_STEP_SECS, MAX_STEP_SECS};
pub use uri::{KeyUri, OtpKind, MAX_LABEL_PART_LEN, MAX_URI_LEN};
pub use watchword_token::UnixTime;
